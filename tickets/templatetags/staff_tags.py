"""Small helpers for the staff pages."""

from datetime import datetime, timedelta

from django import template

register = template.Library()


def human_age(elapsed: timedelta) -> str:
    """How long ago, in the largest whole unit: "just now", "12 min", "3 h", "2 d"."""
    seconds = int(elapsed.total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


@register.filter
def age(value: datetime | None, now: datetime) -> str:
    return human_age(now - value) if value else "—"


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
