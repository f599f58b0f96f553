"""Queueing the precise timers for clocks: an ETA task for the warning and one for the
breach. They only sharpen the timing; the beat sweep (``sla.services.sla_sweep``) finds
whatever a lost task missed, so a broker that is unreachable here is logged, not raised.

Timers further away than the horizon are not queued: the sweep queues them when they come
near. That keeps a broker that redelivers unacknowledged messages after a visibility
timeout (Redis) from delivering far-future timers again and again.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)


def default_horizon() -> timedelta:
    return timedelta(seconds=settings.SLA_TIMER_HORIZON)


def arm_many(
    plan: Iterable[tuple[int, datetime, datetime]],
    *,
    now: datetime | None = None,
    horizon: timedelta | None = None,
) -> int:
    """Queue the timers of ``(clock id, warn at, breach at)`` that fall within the horizon.
    Returns how many tasks were queued."""
    from sla.tasks import breach_clock, warn_clock

    now = now or timezone.now()
    limit = now + (horizon if horizon is not None else default_horizon())
    queued = 0
    try:
        for clock_id, warn_at, breach_at in plan:
            if warn_at <= limit and warn_at < breach_at:
                warn_clock.apply_async(args=[clock_id], eta=warn_at)
                queued += 1
            if breach_at <= limit:
                breach_clock.apply_async(args=[clock_id], eta=breach_at)
                queued += 1
    except Exception:
        logger.exception("SLA timers not queued; the sweep will act on them when due")
    return queued
