"""The Celery application and the one decorator every task in the project goes through."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")

app = Celery("supportdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Each task names its queue in the decorator; the router reads it from here.
QUEUE_BY_TASK: dict[str, str] = {}


def route_by_task_name(name, args, kwargs, options, task=None, **kw):
    queue = QUEUE_BY_TASK.get(name)
    return {"queue": queue} if queue else None


app.conf.task_routes = (route_by_task_name,)


def task(
    *,
    name: str,
    queue: str = "default",
    max_retries: int = 5,
    retry_for: tuple[type[BaseException], ...] = (),
    soft_time_limit: int = 30,
    time_limit: int = 60,
):
    """Register a task with an explicit name, queue, retry policy and time limits.

    Tasks take ids, not objects, and must be safe to run twice: the work is acknowledged
    only once it has finished, so a worker that dies mid-task hands it to another.
    """
    QUEUE_BY_TASK[name] = queue
    return app.task(
        name=name,
        autoretry_for=retry_for,
        max_retries=max_retries,
        retry_backoff=True,
        retry_backoff_max=600,
        retry_jitter=True,
        soft_time_limit=soft_time_limit,
        time_limit=time_limit,
        acks_late=True,
    )
