"""Staff moving a case: its status along the transition table, and its class of service.
Each write returns what changed, so that ``desk.actions.status`` can move the SLA clocks in
the same transaction."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from partners.models import User
from partners.roles import works_cases
from tickets import events, notifications, workflow
from tickets.models import Ticket
from tickets.services.common import ticket_lock


@dataclass(frozen=True)
class StatusChange:
    """A status move as written (``ticket`` is the locked row) and when it happened."""

    ticket: Ticket
    old: str
    new: str
    at: datetime


def ticket_status_write(
    *, ticket: Ticket, actor: User | None, status: str, note: str = "", notice: str = ""
) -> StatusChange:
    """Move a case along the transition table. Partners may only close a resolved case.
    ``actor`` None is the desk itself (a case resolved after waiting on the partner too
    long); ``notice`` is a sentence for the requester's e-mail saying why."""
    if actor is None:
        pass  # the desk itself, on a rule of the terms
    elif actor.is_partner:
        if actor.organisation_id != ticket.organisation_id:
            raise PermissionDenied
        if status != workflow.Status.CLOSED:
            raise PermissionDenied("Partners can only close a resolved case.")
    elif not works_cases(actor):
        raise PermissionDenied
    with transaction.atomic():
        locked = ticket_lock(ticket)
        old = locked.status
        workflow.check_move(old, status)
        locked.status = status
        fields = ["status", "updated_at"]
        now = timezone.now()
        if status == workflow.Status.RESOLVED:
            locked.resolved_at = now
            fields.append("resolved_at")
        elif status == workflow.Status.CLOSED:
            locked.closed_at = now
            fields.append("closed_at")
        elif old == workflow.Status.RESOLVED:
            locked.resolved_at = None
            fields.append("resolved_at")
        locked.save(update_fields=fields)
        events.status_changed(locked, actor=actor, old=old, new=status, note=note.strip())
        notifications.status_changed(locked, old=old, notice=notice)
    return StatusChange(locked, old, status, now)


def ticket_cos_write(*, ticket: Ticket, actor: User, cos: str, reason: str) -> tuple[Ticket, str]:
    """Set, confirm or downgrade the class of service; staff always say why. Returns the
    locked case and the class it had."""
    if not works_cases(actor):
        raise PermissionDenied
    if cos not in Ticket.ClassOfService.values:
        raise ValidationError({"cos": "Choose Critical or Standard."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the class of service is set this way."})
    with transaction.atomic():
        locked = ticket_lock(ticket)
        old = locked.cos
        locked.cos = cos
        locked.cos_confirmed = True
        locked.save(update_fields=["cos", "cos_confirmed", "updated_at"])
        events.cos_changed(locked, actor=actor, old=old, new=cos, reason=reason.strip())
    return locked, old
