"""The ``desk`` template library every page loads: instants in the reader's zone, lengths
of time and percentages written the way the terms write them."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.html import format_html

from core.formatting import duration_text, local_datetime_text

register = template.Library()


@register.filter
def when(value: datetime | None, style: str = "long") -> str:
    """An instant in the viewer's zone, always naming the zone: "Wed 25 Nov 2026, 14:05 CET".

    Wrapped in <time> with the exact UTC instant for machines and screen readers.
    """
    if not value:
        return "—"
    return format_html(
        '<time datetime="{}">{}</time>',
        value.astimezone(UTC).isoformat(),
        local_datetime_text(value, "long" if style == "long" else "short"),
    )


@register.simple_tag(takes_context=True)
def current_time_zone(context) -> str:
    return timezone.get_current_timezone_name()


@register.filter
def percent(value) -> str:
    """A percentage as the terms write it: no trailing zeros ("99.9", "98"), never rounded."""
    if value is None:
        return "—"
    text = format(Decimal(value).normalize(), "f")
    return text


@register.filter
def hours(value: timedelta | None) -> str:
    """A duration in whole hours and minutes: "48 hours", "30 minutes", "4 h 30 min"."""
    if value is None:
        return "—"
    return duration_text(value, "hours")
