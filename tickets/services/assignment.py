"""Who works a case: staff giving it to one of them (or to no one), one case or many, and
the assignment the rules make when a case is opened."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from partners.models import User
from partners.roles import works_cases
from tickets import events
from tickets.models import Ticket
from tickets.services.common import ticket_lock


def ticket_assign(*, ticket: Ticket, actor: User, assignee: User | None) -> Ticket:
    if not works_cases(actor):
        raise PermissionDenied
    if assignee is not None and not works_cases(assignee):
        raise ValidationError({"assignee": "Cases are assigned to support staff."})
    with transaction.atomic():
        locked = ticket_lock(ticket)
        if locked.assignee_id == (assignee.pk if assignee else None):
            return locked
        old_id = locked.assignee_id
        locked.assignee = assignee
        locked.save(update_fields=["assignee", "updated_at"])
        events.assigned(
            locked,
            actor=actor,
            old_id=old_id,
            new_id=assignee.pk if assignee else None,
            new_name=assignee.get_full_name() if assignee else "",
        )
    ticket.refresh_from_db()
    return ticket


def tickets_bulk_assign(*, actor: User, tickets, assignee: User | None) -> int:
    count = 0
    for ticket in tickets:
        ticket_assign(ticket=ticket, actor=actor, assignee=assignee)
        count += 1
    return count


def ticket_assign_on_opening(*, ticket: Ticket, assignee: User) -> None:
    """Give a case that has just been written to ``assignee``, with no one acting (the
    rules, not a person, chose them). Runs inside the caller's transaction."""
    ticket.assignee = assignee
    ticket.save(update_fields=["assignee"])
    events.assigned(
        ticket, actor=None, old_id=None, new_id=assignee.pk, new_name=assignee.get_full_name()
    )
