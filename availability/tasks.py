"""Availability work done off the request: credits worked out again after records change."""

from datetime import date

from availability import services
from supportdesk.celery import task


# A month of credits covers every subscription: give it far longer than a timer task.
@task(name="availability.recompute_credits", soft_time_limit=600, time_limit=660)
def recompute_credits(month_iso: str) -> dict:
    """Work out ``month_iso``'s credits again (first day of the month, ISO format). Safe to
    run twice: a second run finds nothing changed."""
    result = services.credits_compute(month=date.fromisoformat(month_iso))
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "adjustments": result.adjustments,
    }
