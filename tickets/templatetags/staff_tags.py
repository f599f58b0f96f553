"""Small helpers for the staff pages."""

from datetime import datetime

from django import template

from core.formatting import duration_text

register = template.Library()


@register.filter
def age(value: datetime | None, now: datetime) -> str:
    """How long ago, in the largest whole unit: "just now", "12 min", "3 h", "2 d"."""
    return duration_text(now - value, "age") if value else "—"


STATUS_BADGES = {
    "new": "badge--warn",
    "open": "badge--info",
    "waiting_on_partner": "",
    "resolved": "badge--ok",
    "closed": "",
}


@register.filter
def status_badge(status: str) -> str:
    """The badge modifier class for a case status."""
    return STATUS_BADGES.get(status, "")
