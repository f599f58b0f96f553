"""The ``desk`` template library every page loads: instants in the reader's zone, lengths
of time and percentages written the way the terms write them."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.html import format_html

from core.formatting import (
    date_text,
    duration_text,
    list_text,
    local_datetime_text,
    moment_text,
)

register = template.Library()


@register.filter
def when(value: datetime | None, style: str = "long") -> str:
    """An instant in the viewer's zone, always naming the zone: "Wed 25 Nov 2026, 14:05 CET".

    ``style`` "short" leaves out the weekday and year ("25 Nov, 14:05 CET"); "moment" words
    it as due and breach times are worded (``core.formatting.moment_text``): "Thu 18:00
    CET" within the week, else the date with its year only when that is not this year.
    Wrapped in <time> with the exact UTC instant for machines and screen readers.
    """
    if not value:
        return "—"
    if style == "moment":
        text = moment_text(value, tz=timezone.get_current_timezone(), now=timezone.now())
    else:
        text = local_datetime_text(value, "long" if style == "long" else "short")
    return format_html('<time datetime="{}">{}</time>', value.astimezone(UTC).isoformat(), text)


@register.filter
def day(value: date | None) -> str:
    """A date, with its year only when that is not the current year in the viewer's zone:
    "4 Oct", "4 Oct 2027"."""
    if not value:
        return "—"
    return date_text(value, today=timezone.localdate())


@register.filter
def in_words(items) -> str:
    """Names in a sentence: "A, B and C"."""
    return list_text(items)


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
