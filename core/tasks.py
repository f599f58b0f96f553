"""The one decorator every Celery task in the project goes through, and the task class it
gives them.

Tasks are declared as shared tasks, so declaring one needs no Celery application: the
project's application (``supportdesk.celery``) takes them in when it is finalised, and its
router sends each to the queue its decorator named (``QUEUE_BY_TASK``).
"""

import logging

from celery import Task, shared_task
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# Each task names its queue in the decorator; the router reads it from here.
QUEUE_BY_TASK: dict[str, str] = {}


class DeskTask(Task):
    """``delay`` is how the web side queues work, on commit or from a view: by then the
    change is saved, so a broker that cannot be reached must not turn it into an error page
    (the partner would send the case again). The failure is logged and ``delay`` returns
    None; the beat sweeps (SLA timers, undelivered notices, reminders) pick up what they own
    once the broker is back. ``apply_async`` still raises, for callers that handle it."""

    def delay(self, *args, **kwargs):
        try:
            return self.apply_async(args, kwargs)
        except (OperationalError, OSError):
            logger.exception("Could not queue %s: the broker is unreachable", self.name)
            return None


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
    return shared_task(
        base=DeskTask,
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
