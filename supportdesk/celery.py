"""The Celery application and its router. The tasks are declared with ``core.tasks.task``,
which also records the queue each one goes to."""

import contextlib
import functools
import os
from queue import Empty

import kombu
from celery import Celery
from kombu.transport import redis as redis_transport

from core.tasks import QUEUE_BY_TASK, DeskTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")


def _close_even_when_the_broker_is_gone(close):
    """kombu 5.7.0 with celery 5.7.0: a worker holding ETA tasks (the SLA timers) dies with
    ``AttributeError: 'NoneType' object has no attribute 'hostname'`` when Redis stops.

    The worker's channel to Redis is always waiting on a BRPOP. Its ``Channel.close`` first
    reads that reply, and when Redis is gone the read raises a connection error before the
    channel is marked closed (kombu/transport/redis.py, ``Channel.close``). Celery's
    reconnect (celery/worker/consumer/consumer.py, ``on_connection_error_after_connected``)
    calls ``Connection.collect``, which ignores that error and detaches the transport from
    its connection (``transport.client = None``), then, new in celery 5.7,
    ``Connection.close``, which closes the still-open channel again: this time it tries to
    hand the held ETA messages back, builds a Redis client from
    ``transport.client.hostname``, and the AttributeError, not being a connection error,
    ends the worker.

    Here a connection error from that last read counts as "nothing more to read", as an
    empty reply already does, so the first close completes and the second does nothing.
    The worker reconnects once Redis answers. The timers it held are dropped, as on any
    reconnect; a Redis that kept its data gives them back after the visibility timeout, and
    the SLA sweep records what falls due meanwhile.

    Applied to kombu 5.7.0 only. After upgrading kombu, run
    ``tests/supportdesk/test_worker_faults.py``: if it passes, delete this; if not, add the
    new version to ``_KOMBU_WITH_THE_CLOSE_BUG``.
    """

    @functools.wraps(close)
    def wrapper(self):
        if self._in_poll:
            with contextlib.suppress(Empty, *self.connection_errors):
                self._brpop_read()
        return close(self)

    return wrapper


_KOMBU_WITH_THE_CLOSE_BUG = {"5.7.0"}
if kombu.__version__ in _KOMBU_WITH_THE_CLOSE_BUG:
    redis_transport.Channel.close = _close_even_when_the_broker_is_gone(
        redis_transport.Channel.close
    )

app = Celery("supportdesk", task_cls=DeskTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def route_by_task_name(name, args, kwargs, options, task=None, **kw):
    queue = QUEUE_BY_TASK.get(name)
    return {"queue": queue} if queue else None


app.conf.task_routes = (route_by_task_name,)
