from smtplib import SMTPException

from supportdesk.celery import task
from tickets import mail
from tickets.models import Message, Ticket


@task(name="tickets.send_ticket_mail", queue="notifications", retry_for=(SMTPException, OSError))
def send_ticket_mail(*, kind: str, ticket_id: int, message_id: int | None = None, **extra) -> bool:
    ticket = Ticket.objects.select_related("requester", "assignee").filter(pk=ticket_id).first()
    if ticket is None:
        return False
    message = Message.objects.filter(pk=message_id).first() if message_id else None
    email = mail.build(kind, ticket, message, **extra)
    if email is None:
        return False
    email.send()
    return True
