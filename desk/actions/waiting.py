"""A case waiting on the partner does not wait forever: after the terms' limits (policy
data, see ``sla.waiting``) the partner is reminded, then the case is resolved with a notice
saying why. And on a case about an end customer's system under the 2026-03 terms, staff
may step in and write to the end customer (14.5).

The beat runs ``waiting_sweep`` every ``WAITING_SWEEP_SECONDS``. The resolution goes
through the same status use case as a person's move (clocks stop, the partner's e-mail
through the outbox, the timeline line), by the desk itself (no actor); the assignee, or
the team leads when nobody is assigned, get a notice.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.formatting import list_text
from desk.actions.status import ticket_set_status
from partners.models import Organisation, User
from partners.roles import Role, works_cases
from partners.selectors import staff_with_role
from sla import events as sla_events
from sla import services as sla
from sla.models import WaitingEpisode
from sla.services import waiting as waiting_services
from tickets import notifications
from tickets.models import Ticket

NOTICE_KIND = "waiting_resolved"


def _resolution_notice(days: int) -> str:
    return (
        f"We resolved the case because we had no answer from you for {days} business days "
        "after our reminder. If the problem is still there, reply and the case reopens."
    )


def waiting_resolve(*, episode_id: int, now: datetime) -> bool:
    """Resolve the case of an episode whose partner was reminded and has not answered in
    time, once. Returns whether this call resolved it."""
    ticket_id = (
        WaitingEpisode.objects.filter(pk=episode_id).values_list("ticket_id", flat=True).first()
    )
    if ticket_id is None:
        return False
    with transaction.atomic():
        ticket = waiting_services.lock_waiting_case(ticket_id)
        if ticket is None:
            return False
        taken = WaitingEpisode.objects.filter(
            pk=episode_id,
            ticket_id=ticket_id,
            ended_at=None,
            reminded_at__isnull=False,
            resolved_at=None,
            resolve_at__lte=now,
        ).update(resolved_at=now)
        if not taken:
            return False
        days = ticket.policy.waiting_resolve_days
        ticket_set_status(
            ticket=ticket,
            actor=None,
            status=Ticket.Status.RESOLVED,
            note=f"No answer from the partner for {days} business days after the reminder.",
            notice=_resolution_notice(days),
        )
        recipients = [ticket.assignee] if ticket.assignee_id else staff_with_role(Role.LEAD)
        notifications.notify(
            recipients,
            kind=NOTICE_KIND,
            ticket=ticket,
            title=f"{ticket.number} resolved: no answer from the partner",
            body=(
                f"{ticket.organisation.name}: {ticket.subject}. The case waited on the "
                f"partner and was resolved after {days} business days without an answer "
                "to the reminder. A reply from the partner reopens it."
            ),
        )
    return True


@dataclass(frozen=True)
class WaitingSweepResult:
    adopted: int
    reminded: int
    resolved: int


def waiting_sweep(*, now: datetime) -> WaitingSweepResult:
    """Remind and resolve whatever is due, and give an episode to any waiting case that
    has none. Safe to run twice at once: each step is taken once (see
    ``sla.services.waiting``)."""
    adopted = sla.waiting_adopt(now=now)
    reminded = resolved = 0
    while True:
        due = list(waiting_services.reminders_due(now=now))
        reminded += sum(sla.waiting_remind(episode_id=pk, now=now) for pk in due)
        if len(due) < waiting_services.SWEEP_BATCH:
            break
    # Resolutions after reminders: one sent just now has moved its resolution later.
    while True:
        due = list(waiting_services.resolutions_due(now=now))
        resolved += sum(waiting_resolve(episode_id=pk, now=now) for pk in due)
        if len(due) < waiting_services.SWEEP_BATCH:
            break
    return WaitingSweepResult(adopted=adopted, reminded=reminded, resolved=resolved)


# --- Stepping in (14.5, 2026-03) -----------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    phone: str = ""


def end_customer_contacts(end_customer: Organisation) -> list[Contact]:
    """Whom staff can write to at the end customer: the organisation's contact address
    and its active members, each address once."""
    found: list[Contact] = []
    seen: set[str] = set()
    if end_customer.contact_email:
        found.append(
            Contact(
                end_customer.name, end_customer.contact_email.lower(), end_customer.contact_phone
            )
        )
        seen.add(end_customer.contact_email.lower())
    for member in end_customer.members.filter(is_active=True).order_by("full_name", "email"):
        address = member.email.lower()
        if address and address not in seen:
            found.append(Contact(member.get_full_name(), address))
            seen.add(address)
    return found


def vendor_step_in(
    *, ticket: Ticket, actor: User, recipients: list[str], body: str, now: datetime | None = None
) -> list[str]:
    """Staff write to the end customer of a case about their system (14.5): allowed only
    under terms with a step-in limit, on a case waiting on the partner longer than it. The
    message goes out through the outbox and stands on the timeline for the partner to
    see. Returns the addresses written to."""
    if not works_cases(actor):
        raise PermissionDenied
    now = now or timezone.now()
    body = body.strip()
    with transaction.atomic():
        locked = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("organisation", "policy", "requester", "device__organisation")
            .get(pk=ticket.pk)
        )
        step_in = sla.step_in_for(locked, now=now)
        if not step_in.allowed:
            raise PermissionDenied("Writing to the end customer is not open on this case.")
        allowed = {contact.email for contact in end_customer_contacts(step_in.end_customer)}
        chosen = sorted({address.strip().lower() for address in recipients} & allowed)
        errors = {}
        if not chosen:
            errors["recipients"] = "Choose at least one of the end customer's contacts."
        if not body:
            errors["body"] = "Write the message to the end customer."
        if errors:
            raise ValidationError(errors)
        sla_events.vendor_stepped_in(
            locked,
            actor=actor,
            end_customer=step_in.end_customer.name,
            recipients=chosen,
            body=body,
            at=now,
        )
        notifications.end_customer_written(locked, to=chosen, body=body, sender=actor)
    return chosen


def step_in_summary(chosen: list[str]) -> str:
    return f"Message sent to {list_text(chosen)}. The partner sees it on the case."
