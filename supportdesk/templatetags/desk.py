from datetime import UTC, datetime

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
