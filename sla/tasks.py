"""SLA timers. Each task takes a clock id, asks a service to act, and is safe to run twice."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from core.tasks import task
from sla import services, timers
from sla.models import Clock


@task(name="sla.warn_clock", queue="sla")
def warn_clock(clock_id: int) -> bool:
    return services.clock_warn(clock_id=clock_id, now=timezone.now())


@task(name="sla.breach_clock", queue="sla")
def breach_clock(clock_id: int) -> bool:
    now = timezone.now()
    if services.clock_breach(clock_id=clock_id, now=now):
        return True
    # Delivered a moment early (clocks of two hosts differ): try again when it is due.
    early = Clock.objects.filter(
        pk=clock_id, state=Clock.State.RUNNING, breach_at__gte=now
    ).values_list("pk", "warn_at", "breach_at")
    timers.arm_many([(pk, breach_at, breach_at) for pk, _, breach_at in early], now=now)
    return False


@task(name="sla.sweep", queue="sla", soft_time_limit=50, time_limit=58)
def sweep() -> dict:
    lookahead = timedelta(seconds=settings.SLA_SWEEP_SECONDS * 1.5)
    result = services.sla_sweep(now=timezone.now(), lookahead=lookahead)
    return {"breached": result.breached, "warned": result.warned, "armed": result.armed}
