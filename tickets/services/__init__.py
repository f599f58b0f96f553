"""Writes for cases: the parts of opening one that concern the case alone, replies, status,
assignment, class of service, feedback, the staff notices and the e-mail outbox.

Every service owns its transaction (or joins the caller's where it says so), checks the
rules, writes the timeline, and writes its e-mail to the outbox, sent once that commits.
Flows that also move SLA clocks or consult entitlements are composed above this app, in
``desk.actions``, from the writes here.

One module per concern; the names below are the ones callers use.
"""

from tickets.services.assignment import (
    ticket_assign,
    ticket_assign_on_opening,
    tickets_bulk_assign,
)
from tickets.services.attachments import attachments_add, attachments_validate
from tickets.services.common import MAX_BODY
from tickets.services.feedback import article_mark_solved, feedback_give
from tickets.services.messages import Posted, Reply, message_write
from tickets.services.notices import notifications_mark_read
from tickets.services.opening import (
    CaseRequest,
    Taxonomy,
    opener_check,
    taxonomy_resolve,
    ticket_already_opened,
    ticket_announce,
    ticket_draft,
    ticket_insert,
)
from tickets.services.outbox import (
    MAX_SEND_ATTEMPTS,
    email_queue,
    email_send,
    emails_due,
)
from tickets.services.status import StatusChange, ticket_cos_write, ticket_status_write

__all__ = [
    "MAX_BODY",
    "MAX_SEND_ATTEMPTS",
    "CaseRequest",
    "Posted",
    "Reply",
    "StatusChange",
    "Taxonomy",
    "article_mark_solved",
    "attachments_add",
    "attachments_validate",
    "email_queue",
    "email_send",
    "emails_due",
    "feedback_give",
    "message_write",
    "notifications_mark_read",
    "opener_check",
    "taxonomy_resolve",
    "ticket_already_opened",
    "ticket_announce",
    "ticket_assign",
    "ticket_assign_on_opening",
    "ticket_cos_write",
    "ticket_draft",
    "ticket_insert",
    "ticket_status_write",
    "tickets_bulk_assign",
]
