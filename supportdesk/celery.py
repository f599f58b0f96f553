"""The Celery application and its router. The tasks are declared with ``core.tasks.task``,
which also records the queue each one goes to."""

import os

from celery import Celery

from core.tasks import QUEUE_BY_TASK, DeskTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")

app = Celery("supportdesk", task_cls=DeskTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def route_by_task_name(name, args, kwargs, options, task=None, **kw):
    queue = QUEUE_BY_TASK.get(name)
    return {"queue": queue} if queue else None


app.conf.task_routes = (route_by_task_name,)
