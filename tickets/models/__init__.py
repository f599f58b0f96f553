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
from tickets.models.documents import DocumentItem, DocumentRequest
from tickets.models.knowledge import Article, Deflection
from tickets.models.macros import Macro
from tickets.models.mail import (
    Notification,
    OutgoingEmail,
    RefusedMail,
    RefusedMailFile,
    refused_mail_path,
)
from tickets.models.requests import PartnerRequest, PartnerRequestFile, partner_request_path
from tickets.models.views import SavedView

__all__ = [
    "NUMBER_PREFIX",
    "Article",
    "Attachment",
    "Deflection",
    "DocumentItem",
    "DocumentRequest",
    "Event",
    "Feedback",
    "Macro",
    "Message",
    "Notification",
    "OutgoingEmail",
    "PartnerRequest",
    "PartnerRequestFile",
    "RefusedMail",
    "RefusedMailFile",
    "SavedView",
    "Ticket",
    "attachment_path",
    "format_number",
    "parse_number",
    "partner_request_path",
    "refused_mail_path",
]
