"""Sending e-mail from the outbox (``tickets.services.outbox``), the copies of staff
notices and password resets included. A send is retried with backoff while the mail server
is unreachable or answers with a temporary error (an e-mail soon by its task, then by the
beat sweep); a recipient refused for good is logged and given up."""

from smtplib import SMTPException

from django.utils import timezone

from core.tasks import task
from tickets import kept_uploads, mail, notifications, services
from tickets.models import Message, Ticket
from tickets.services import documents
from tickets.services.outbox import QUICK_TRIES


# Quick retries for a blip; after that the sweep's, further and further apart.
@task(
    name="tickets.deliver_email",
    queue="notifications",
    max_retries=QUICK_TRIES - 1,
    retry_for=(SMTPException, OSError),
)
def deliver_email(email_id: int) -> bool:
    return services.email_send(email_id=email_id, now=timezone.now())


@task(name="tickets.deliver_pending_emails", queue="notifications")
def deliver_pending_emails() -> int:
    """Queue again the e-mails not sent yet: the broker was down at commit, a worker died
    while sending, or the mail server failed and their wait is over."""
    ids = services.emails_due(now=timezone.now())
    for email_id in ids:
        if deliver_email.delay(email_id) is None:
            break  # the broker is down again: a sweep in a few minutes tries these
    return len(ids)


@task(name="tickets.documents_sweep", queue="notifications", soft_time_limit=240, time_limit=280)
def documents_sweep() -> dict:
    """Reminders of requested documents, and the partners non-responsive once their due
    date has passed (``tickets.services.documents``)."""
    result = documents.documents_sweep(now=timezone.now())
    return {"overdue": result.overdue, "reminded": result.reminded}


@task(name="tickets.send_ticket_mail", queue="notifications")
def send_ticket_mail(*, kind: str, ticket_id: int, message_id: int | None = None, **extra) -> bool:
    """A case e-mail queued as a task rather than through the outbox (by a desk of an
    earlier version, still in the broker): written to the outbox now and sent from there."""
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
    if email is None:
        return False
    services.email_queue(email, kind=kind, ticket=ticket)
    return True


@task(name="tickets.send_auto_reply", queue="notifications")
def send_auto_reply(*, kind: str, to: str, **context) -> bool:
    """An automatic answer queued as a task (see ``send_ticket_mail``): to the outbox."""
    notifications.auto_reply(kind, to=to, **context)
    return True


@task(name="tickets.sweep_kept_uploads")
def sweep_kept_uploads() -> int:
    """Delete the files kept for intake forms never sent again (``tickets.kept_uploads``)."""
    return kept_uploads.sweep(now=timezone.now())
