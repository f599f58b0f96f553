"""Moving a case along its life, and setting its class of service: both move its clocks."""

from django.db import transaction
from django.utils import timezone

from partners.models import User
from sla import services as sla
from tickets import services as ticket_services
from tickets.errors import IllegalTransition
from tickets.models import Ticket


def ticket_set_status(
    *, ticket: Ticket, actor: User | None, status: str, note: str = "", notice: str = ""
) -> Ticket:
    """Move a case along the transition table (partners may only close a resolved case):
    waiting on the partner pauses the clocks that allow it, leaving it resumes them,
    resolving stops them all. ``actor`` None is the desk itself, with ``notice`` telling
    the partner why (``desk.actions.waiting``)."""
    with transaction.atomic():
        change = ticket_services.ticket_status_write(
            ticket=ticket, actor=actor, status=status, note=note, notice=notice
        )
        sla.clocks_after_status_change(
            ticket=change.ticket, old=change.old, new=change.new, at=change.at, actor=actor
        )
    ticket.refresh_from_db()
    return ticket


def tickets_bulk_set_status(*, actor: User, tickets, status: str) -> tuple[int, list[str]]:
    """Move every case that may move; returns how many moved and the numbers skipped."""
    moved, skipped = 0, []
    for ticket in tickets:
        try:
            ticket_set_status(ticket=ticket, actor=actor, status=status)
            moved += 1
        except IllegalTransition:
            skipped.append(ticket.number)
    return moved, skipped


def ticket_change_cos(
    *, ticket: Ticket, actor: User, cos: str, reason: str, override_reason: str = ""
) -> Ticket:
    """Set, confirm or downgrade the class of service, with the reason; the clocks are
    recomputed from the creation instant. Critical on a case that extended support does not
    cover also needs ``override_reason`` (ValidationError on that field without it)."""
    with transaction.atomic():
        locked, old = ticket_services.ticket_cos_write(
            ticket=ticket, actor=actor, cos=cos, reason=reason
        )
        sla.clocks_after_cos_change(
            ticket=locked,
            old=old,
            actor=actor,
            at=timezone.now(),
            override_reason=override_reason,
        )
    ticket.refresh_from_db()
    return ticket
