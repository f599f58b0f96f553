"""The use cases' periodic work. Each task asks a use case to act and is safe to run twice."""

from django.utils import timezone

from core.tasks import task
from desk.actions.waiting import waiting_sweep as sweep_waiting_cases


@task(name="desk.waiting_sweep", queue="sla", soft_time_limit=50, time_limit=58)
def waiting_sweep() -> dict:
    """Remind partners and resolve cases that have waited on them past the limits."""
    result = sweep_waiting_cases(now=timezone.now())
    return {"adopted": result.adopted, "reminded": result.reminded, "resolved": result.resolved}
