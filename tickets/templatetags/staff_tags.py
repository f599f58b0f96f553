"""Small helpers for the staff pages."""

from datetime import datetime
from html import escape

from django import template
from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.utils.safestring import mark_safe

from core.formatting import duration_text
from core.templatetags.desk import when

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


# --- The staff case page's long lists, one row per call ----------------------------------
# Written out here rather than in the template: a conversation or a timeline has as many
# rows as the case has lived, and each row took the template a few dozen lookups. The markup
# is the template's, white space included.

INTERNAL_LABEL = '<p class="post__label">Internal note — not visible to the partner</p>'
STAFF_ONLY = '<span class="visually-hidden">(staff only)</span>'


def _text(value) -> str:
    """``value`` as the template writes ``{{ value }}``: escaped unless it is safe already.
    The standard library's escape (Django's is the same, with bookkeeping that costs as much
    again as the row)."""
    return str(value) if hasattr(value, "__html__") else escape(str(value))


@register.simple_tag
def conversation_post(message, files) -> str:
    """A message of the conversation, with its files (``url``, ``name``, ``size`` each)."""
    internal = message.is_internal
    author = message.author
    channel = f" · by {_text(message.get_channel_display())}" if message.channel != "web" else ""
    attachments = ""
    if files:
        rows = "".join(
            f'<li><a href="{_text(file.url)}">{_text(file.name)}</a> '
            f'<small class="muted">({_text(filesizeformat(file.size))})</small></li>'
            for file in files
        )
        attachments = f'\n      <ul class="attachments">{rows}</ul>\n      '
    # Every value above is escaped.
    return mark_safe(  # noqa: S308
        f'\n    <li class="post{" post--internal" if internal else ""}">\n'
        f"      {INTERNAL_LABEL if internal else ''}\n"
        f'      <p class="post__meta"><strong>{_text(author.get_full_name())}</strong>'
        f"{' (partner)' if author.is_partner else ''} · {when(message.created_at)}{channel}</p>\n"
        f'      <div class="post__body">{linebreaksbr(message.body, autoescape=True)}</div>\n'
        f"      {attachments}\n    </li>\n    "
    )


@register.simple_tag
def timeline_item(entry) -> str:
    """An entry of the timeline (``tickets.timeline.Entry``)."""
    detail = f'<span class="timeline__detail">{_text(entry.detail)}</span>' if entry.detail else ""
    internal = "" if entry.public else " timeline__item--internal"
    staff_only = "" if entry.public else STAFF_ONLY
    # Every value is escaped.
    return mark_safe(  # noqa: S308
        f'\n        <li class="timeline__item{internal}">\n'
        f'          <span class="timeline__when">{when(entry.at)}</span>\n'
        f'          <span class="timeline__text">{_text(entry.text)}</span>\n'
        f'          <span class="timeline__actor">by {_text(entry.actor)}</span>\n'
        f"          {detail}\n          {staff_only}\n        </li>\n        "
    )
