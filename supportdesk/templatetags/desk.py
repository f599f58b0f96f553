from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()


@register.filter
def when(value: datetime | None, style: str = "long") -> str:
    """An instant in the viewer's zone, always naming the zone: "Wed 25 Nov 2026, 14:05 CET".

    Wrapped in <time> with the exact UTC instant for machines and screen readers.
    """
    if not value:
        return "—"
    local = timezone.localtime(value)
    pattern = "%a %-d %b %Y, %H:%M %Z" if style == "long" else "%-d %b, %H:%M %Z"
    return format_html(
        '<time datetime="{}">{}</time>',
        value.astimezone(UTC).isoformat(),
        local.strftime(pattern),
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
    minutes = int(value.total_seconds() // 60)
    whole_hours, rest = divmod(minutes, 60)
    if rest == 0:
        return f"{whole_hours} hour{'s' if whole_hours != 1 else ''}"
    if whole_hours == 0:
        return f"{rest} minutes"
    return f"{whole_hours} h {rest} min"
