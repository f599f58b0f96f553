from django.utils import timezone

from core.tasks import task
from supportdesk import health


@task(name="supportdesk.heartbeat", soft_time_limit=10, time_limit=20)
def heartbeat() -> str:
    """Beat sends this every WORKER_HEARTBEAT_SECONDS; the health check reads when a worker
    last ran it."""
    return health.record_worker_heartbeat(timezone.now()).isoformat()
