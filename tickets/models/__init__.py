from tickets.models.cases import (
    NUMBER_PREFIX,
    Attachment,
    Event,
    Feedback,
    Message,
    Ticket,
    attachment_path,
    format_number,
    parse_number,
)
from tickets.models.knowledge import Article, Deflection
from tickets.models.mail import (
    Notification,
    OutgoingEmail,
    RefusedMail,
    RefusedMailFile,
    refused_mail_path,
)

__all__ = [
    "NUMBER_PREFIX",
    "Article",
    "Attachment",
    "Deflection",
    "Event",
    "Feedback",
    "Message",
    "Notification",
    "OutgoingEmail",
    "RefusedMail",
    "RefusedMailFile",
    "Ticket",
    "attachment_path",
    "format_number",
    "parse_number",
    "refused_mail_path",
]
