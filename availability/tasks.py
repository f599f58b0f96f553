"""Availability work done off the request: credits and daily figures worked out again after
records change, and the daily figures of each day once it is over."""

from datetime import date, timedelta

from django.utils import timezone

from availability import services
from core.tasks import task
from partners.models import User

# How many days back the scheduled run recomputes: every reporting zone's latest full day
# lies within them, whatever the hour in UTC.
DAYS_BEHIND = 2


# A month of credits covers every subscription: give it far longer than a timer task.
@task(name="availability.recompute_credits", soft_time_limit=600, time_limit=660)
def recompute_credits(month_iso: str, actor_id: int | None = None) -> dict:
    """Work out ``month_iso``'s credits again (first day of the month, ISO format). Safe to
    run twice: a second run finds nothing changed."""
    actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
    result = services.credits_compute(month=date.fromisoformat(month_iso), actor=actor)
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "adjustments": result.adjustments,
    }


@task(name="availability.recompute_days", soft_time_limit=600, time_limit=660)
def recompute_days(first_iso: str, last_iso: str, service_ids: list[int] | None = None) -> dict:
    """Work out the daily figures of ``first_iso``..``last_iso`` again, of ``service_ids``
    (and the subscriptions covering them) or of everything when None. Safe to run twice."""
    result = services.days_compute(
        first=date.fromisoformat(first_iso),
        last=date.fromisoformat(last_iso),
        service_ids=service_ids,
    )
    return {"service_days": result.service_days, "subscription_days": result.subscription_days}


@task(name="availability.daily_figures", soft_time_limit=600, time_limit=660)
def daily_figures() -> dict:
    """The scheduled run: the figures of the days that have just ended, in every zone."""
    today = timezone.now().date()
    return recompute_days((today - timedelta(days=DAYS_BEHIND)).isoformat(), today.isoformat())
