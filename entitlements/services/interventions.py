"""Scheduled remote interventions on a case: the partner's request and cancellation, the
agent's booking, refusal and "carried out".

The partner asks: up to three preferred slots, the platform, its remote-access checklist
ticked in full and how our technician reaches the system (never a commercial remote-control
tool). Whether it is free is not the partner's to say: the records decide
(``rules.intervention_cover``): free under a maintenance contract or a purchase window that
covers the case (those need 8 hours' notice, see ``rules.slot_allowed``), else drawn from a
support-hour bundle with enough hours left, else refused with what would cover it. An
agent confirms one of the slots or books another time, or declines with a reason; the
partner may cancel. Every step runs with the intervention
locked, follows ``entitlements.workflow.INTERVENTION`` and appends a step to the case
timeline (worded by ``entitlements.timeline``); the access description stays off the
timeline (it may hold addresses and accounts). The reminders are
``entitlements.services.reminders``'.
"""

from collections.abc import Sequence
from datetime import datetime
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.errors import IllegalTransition
from core.formatting import local_datetime_text
from entitlements import rules
from entitlements.intervention_checks import cover_for, cover_problem, request_errors
from entitlements.models import Intervention
from entitlements.services.common import queue_mail, record
from entitlements.services.reminders import arm, booking_plan
from entitlements.workflow import INTERVENTION
from partners.models import User
from partners.roles import works_cases
from tickets import notifications, workflow
from tickets.events import iso
from tickets.models import Ticket

State = Intervention.State

MIN_DURATION, MAX_DURATION = 15, 8 * 60  # minutes

_VERBS = {
    State.CONFIRMED: "booked",
    State.DECLINED: "declined",
    State.CANCELLED: "cancelled",
    State.DONE: "marked as carried out",
}


class IllegalMove(ValidationError):
    """The intervention's state does not allow the step (someone else moved it first)."""


def _locked(intervention: Intervention, target: str) -> Intervention:
    locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
    try:
        INTERVENTION.check(locked.state, target)
    except IllegalTransition as illegal:
        raise IllegalMove(
            f"This intervention is {locked.get_state_display().lower()}: it can no longer be "
            f"{_VERBS[target]}."
        ) from illegal
    return locked


# --- The partner's steps -----------------------------------------------------------------


def _check_request(
    *, ticket: Ticket, actor: User, now: datetime, **asked
) -> rules.InterventionCover:
    if not actor.is_partner or actor.organisation_id != ticket.organisation_id:
        raise PermissionDenied("Only the organisation's own users ask for an intervention.")
    if ticket.status not in workflow.ACTIVE:
        raise ValidationError(
            f"{ticket.number} is {ticket.get_status_display().lower()}: interventions are "
            "planned on open cases only."
        )
    cover = cover_for(ticket, at=now)
    errors = request_errors(now=now, tz=actor.effective_time_zone, free=cover.free, **asked)
    if problem := cover_problem(cover):
        errors["cover"] = [problem]
    if errors:
        raise ValidationError(errors)
    return cover


def intervention_request(
    *,
    ticket: Ticket,
    actor: User,
    platform: str,
    checklist: Sequence[str],
    access_description: str,
    slots: Sequence[datetime],
    now: datetime | None = None,
) -> Intervention:
    """The partner asks for a remote intervention on one of its open cases; it is recorded
    as free or drawn from a bundle as the organisation's entitlements say. Raises
    ValidationError by field (``cover`` when nothing on record pays for it)."""
    now = now or timezone.now()
    cover = _check_request(
        ticket=ticket,
        actor=actor,
        now=now,
        platform=platform,
        checklist=checklist,
        access_description=access_description,
        slots=slots,
    )
    free = cover.free
    with transaction.atomic():
        intervention = Intervention.objects.create(
            ticket=ticket,
            organisation_id=ticket.organisation_id,
            requested_by=actor,
            platform=platform,
            access_description=access_description.strip(),
            checklist_confirmed=list(rules.REMOTE_ACCESS[rules.Platform(platform)]),
            free=free,
            covered_by_id=cover.grant.pk,
            slots=[iso(slot) for slot in slots],
            created_at=now,
        )
        record(
            intervention,
            "intervention_requested",
            actor=actor,
            at=now,
            platform=platform,
            free=free,
            covered_by=cover.grant.label,
            slots=intervention.slots,
        )
        charge = "free" if free else "paid"
        notifications.notify(
            [ticket.assignee],
            kind="intervention_requested",
            ticket=ticket,
            title=f"{ticket.number}: remote intervention requested ({charge})",
            body="Confirm one of the preferred slots, book another time or decline.",
        )
    return intervention


def intervention_cancel(
    *, intervention: Intervention, actor: User, now: datetime | None = None
) -> Intervention:
    now = now or timezone.now()
    if not actor.is_partner or actor.organisation_id != intervention.organisation_id:
        raise PermissionDenied("Only the organisation's own users cancel its interventions.")
    with transaction.atomic():
        locked = _locked(intervention, State.CANCELLED)
        locked.state = State.CANCELLED
        locked.save(update_fields=["state"])
        record(locked, "intervention_cancelled", actor=actor, at=now)
        ticket = Ticket.objects.select_related("assignee").get(pk=locked.ticket_id)
        notifications.notify(
            # The assigned agent; whoever booked it when nobody is assigned.
            [ticket.assignee or locked.confirmed_by],
            kind="intervention_cancelled",
            ticket=ticket,
            title=f"{ticket.number}: remote intervention cancelled by the partner",
        )
    return locked


# --- The agent's steps -------------------------------------------------------------------


def _check_staff(actor: User) -> None:
    if not works_cases(actor):
        raise PermissionDenied("Only support staff plan interventions.")


def _check_booking(*, actor: User, start: datetime, duration: int, now: datetime) -> None:
    _check_staff(actor)
    errors = {}
    if not MIN_DURATION <= duration <= MAX_DURATION:
        errors["duration_minutes"] = [
            f"Give between {MIN_DURATION} and {MAX_DURATION} minutes ({MAX_DURATION // 60} hours)."
        ]
    earliest = rules.earliest_slot(requested_at=now, free=False)
    if start < earliest:
        errors["start"] = [
            f"That time has passed: the earliest possible start is "
            f"{local_datetime_text(earliest, tz=actor.effective_time_zone)}."
        ]
    if errors:
        raise ValidationError(errors)


def _booking_kind(locked: Intervention, *, start: datetime, duration: int) -> str:
    """A partner's slot confirms; any other time, or a new time for a booked one,
    reschedules. Booking the same again is refused."""
    if (locked.state, locked.confirmed_start, locked.duration_minutes) == (
        State.CONFIRMED,
        start,
        duration,
    ):
        raise ValidationError("The intervention is already booked at that time.")
    if locked.state == State.REQUESTED and start in locked.slot_starts:
        return "intervention_confirmed"
    return "intervention_rescheduled"


def _book(locked: Intervention, *, actor: User, start: datetime, duration: int, now) -> None:
    locked.state = State.CONFIRMED
    locked.confirmed_start = start
    locked.duration_minutes = duration
    locked.confirmed_by = actor
    locked.confirmed_at = now
    # A new start deserves its own reminders.
    locked.reminded_24h_at = locked.reminded_1h_at = None
    locked.save(
        update_fields=[
            "state",
            "confirmed_start",
            "duration_minutes",
            "confirmed_by",
            "confirmed_at",
            "reminded_24h_at",
            "reminded_1h_at",
        ]
    )


def intervention_confirm(
    *,
    intervention: Intervention,
    actor: User,
    start: datetime,
    duration_minutes: int | None = None,
    now: datetime | None = None,
) -> Intervention:
    """Book the intervention at ``start``: one of the partner's slots confirms it; any other
    time (or a new time for a booked one) reschedules it, and the partner sees the new time.
    Reminders are armed for the new start."""
    now = now or timezone.now()
    duration = duration_minutes or intervention.duration_minutes
    _check_booking(actor=actor, start=start, duration=duration, now=now)
    with transaction.atomic():
        locked = _locked(intervention, State.CONFIRMED)
        kind = _booking_kind(locked, start=start, duration=duration)
        previous = locked.state
        _book(locked, actor=actor, start=start, duration=duration, now=now)
        record(
            locked,
            kind,
            actor=actor,
            at=now,
            start=iso(start),
            duration=duration,
            **({"previous": previous} if kind == "intervention_rescheduled" else {}),
        )
        queue_mail(locked, kind.removeprefix("intervention_"))
        plan = booking_plan(locked.pk, start=start, booked_at=now)
        transaction.on_commit(partial(arm, plan), robust=True)
    return locked


def intervention_decline(
    *, intervention: Intervention, actor: User, reason: str, now: datetime | None = None
) -> Intervention:
    now = now or timezone.now()
    _check_staff(actor)
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(
            {"reason": ["Say why the intervention is declined: the partner reads it."]}
        )
    with transaction.atomic():
        locked = _locked(intervention, State.DECLINED)
        locked.state = State.DECLINED
        locked.decline_reason = reason[:500]
        locked.save(update_fields=["state", "decline_reason"])
        record(locked, "intervention_declined", actor=actor, at=now, reason=locked.decline_reason)
        queue_mail(locked, "declined")
    return locked


def intervention_done(
    *, intervention: Intervention, actor: User, now: datetime | None = None
) -> Intervention:
    now = now or timezone.now()
    _check_staff(actor)
    with transaction.atomic():
        locked = _locked(intervention, State.DONE)
        if locked.confirmed_start > now:
            raise ValidationError(
                "The intervention has not started yet: mark it as carried out afterwards."
            )
        locked.state = State.DONE
        locked.save(update_fields=["state"])
        record(locked, "intervention_done", actor=actor, at=now)
    return locked
