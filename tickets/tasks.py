"""Sending the case e-mails. Retried with backoff while the mail server is unreachable or
answers with a temporary error; a recipient refused for good is logged and given up."""

import logging
from smtplib import SMTPException, SMTPRecipientsRefused

from django.core.mail import EmailMessage
from django.utils import timezone

from core.tasks import task
from tickets import mail, services
from tickets.models import Message, Ticket

logger = logging.getLogger(__name__)


def send_email(email: EmailMessage) -> bool:
    """Send ``email``; False when the server refused every recipient for good."""
    try:
        email.send()
    except SMTPRecipientsRefused as refused:
        codes = [code for code, _ in refused.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            logger.warning("Mail server refused %s for good: %s", email.to, refused.recipients)
            return False
        raise
    return True


@task(name="tickets.send_ticket_mail", queue="notifications", retry_for=(SMTPException, OSError))
def send_ticket_mail(*, kind: str, ticket_id: int, message_id: int | None = None, **extra) -> bool:
    ticket = (
        Ticket.objects.select_related("requester", "assignee", "case_type", "reason")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        return False
    message = None
    if message_id:
        message = Message.objects.select_related("author").filter(pk=message_id).first()
        if message is None:
            return False
    email = mail.build(kind, ticket, message, **extra)
    return send_email(email) if email is not None else False


@task(name="tickets.send_auto_reply", queue="notifications", retry_for=(SMTPException, OSError))
def send_auto_reply(
    *,
    kind: str,
    to: str,
    in_reply_to: str = "",
    references: str = "",
    ticket_id: int | None = None,
    case_number: str = "",
    dropped: list[str] | None = None,
) -> bool:
    """Answer an e-mail the desk could not take as it was (see ``desk.inbound``)."""
    ticket = Ticket.objects.filter(pk=ticket_id).first() if ticket_id else None
    email = mail.build_auto_reply(
        kind,
        to=to,
        in_reply_to=in_reply_to,
        references=references,
        ticket=ticket,
        case_number=case_number,
        dropped=dropped or (),
    )
    return send_email(email)


@task(
    name="tickets.deliver_notification",
    queue="notifications",
    retry_for=(SMTPException, OSError),
)
def deliver_notification(notification_id: int) -> bool:
    return services.notification_email(notification_id=notification_id, now=timezone.now())


@task(name="tickets.deliver_pending_notifications", queue="notifications")
def deliver_pending_notifications() -> int:
    """Queue again the notices whose e-mail never went: the broker was down at commit, or
    a worker died while sending."""
    ids = services.notifications_undelivered(now=timezone.now())
    for notification_id in ids:
        deliver_notification.delay(notification_id)
    return len(ids)
