"""Replying on a case: the message, the status it moves the case to, and the clocks that
answer stops, pauses or resumes."""

from django.db import transaction

from sla import services as sla
from sla.models import Clock
from tickets import services as ticket_services
from tickets.models import Message, Ticket
from tickets.services import Reply

__all__ = ["Reply", "message_post"]


def message_post(*, ticket: Ticket, reply: Reply) -> Message:
    """Add a reply or an internal note (see ``tickets.services.message_write`` for who may
    and what it refuses). A public staff answer stops the first-response clock, and the
    out-of-hours investigation of a Standard case (someone has looked at it and answered;
    a Critical claim still waits for its triage decision); the status it leads to pauses or
    resumes the clocks that wait on the partner."""
    with transaction.atomic():
        posted = ticket_services.message_write(ticket=ticket, reply=reply)
        if not posted.written:
            return posted.message
        at = posted.message.created_at
        if posted.staff_answer:
            for metric in (Clock.Metric.FIRST_RESPONSE, Clock.Metric.OUT_OF_HOURS_INVESTIGATION):
                sla.clock_stop(ticket=posted.ticket, metric=metric, at=at, actor=reply.author)
        if posted.new_status != posted.old_status:
            sla.clocks_after_status_change(
                ticket=posted.ticket,
                old=posted.old_status,
                new=posted.new_status,
                at=at,
                actor=reply.author,
            )
    ticket.refresh_from_db()
    return posted.message
