"""The e-mails of the status notices, and the signed link in each that stops them.

The words are templates under ``templates/availability/email/``; times are in the
reader's own zone. Each e-mail carries a link that stops the notices of the services it is
about without signing in: a signed, unexpiring token naming the person and those services
(``unsubscribe_token``), also offered to mail programs as a one-click ``List-Unsubscribe``
(RFC 8058).
"""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from availability.models import StatusNotice
from core.formatting import list_text, local_datetime_text
from partners.models import User

UNSUBSCRIBE_SALT = "availability.status-unsubscribe"


def unsubscribe_token(user: User, service_ids) -> str:
    return signing.dumps({"u": user.pk, "s": sorted(service_ids)}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_read(token: str) -> tuple[int, list[int]] | None:
    """The person and services a token names; None when it was not signed here."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return int(data["u"]), [int(pk) for pk in data["s"]]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def notice_mail(notice: StatusNotice, user: User, services) -> EmailMessage:
    """The e-mail of ``notice`` to ``user``, about the ``services`` of it they follow."""
    zone = user.effective_time_zone
    names = list_text(service.name for service in services)
    unsubscribe_url = _absolute(
        reverse(
            "availability:status_unsubscribe",
            args=[unsubscribe_token(user, [service.pk for service in services])],
        )
    )
    context = {
        "notice": notice,
        "person": user,
        "names": names,
        "manage_url": _absolute(reverse("availability:status_subscriptions")),
        "status_url": _absolute(reverse("availability:status")),
        "unsubscribe_url": unsubscribe_url,
    }
    if notice.kind == StatusNotice.Kind.MAINTENANCE:
        window = notice.maintenance
        context |= {
            "window": window,
            "starts": local_datetime_text(window.starts_at, tz=zone),
            "ends": local_datetime_text(window.ends_at, tz=zone),
        }
        template = "availability/email/maintenance.txt"
    else:
        update = notice.update
        context |= {
            "incident": notice.incident,
            "update": update,
            "posted": local_datetime_text(update.posted_at, tz=zone) if update else "",
            "incident_url": _absolute(
                reverse("availability:status_incident", args=[notice.incident_id])
            ),
        }
        template = "availability/email/incident.txt"
    return EmailMessage(
        subject=notice.subject,
        body=render_to_string(template, context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
