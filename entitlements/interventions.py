"""Scheduled remote interventions on a case.

The partner asks: up to three preferred slots, the platform, its remote-access checklist
ticked in full, how our technician reaches the system (never a commercial remote-control
tool) and whether it is a free intervention (those need 8 hours' notice, see
``rules.slot_allowed``). An agent confirms one of the slots or books another time, or
declines with a reason; the partner may cancel. Every step runs with the intervention
locked, follows ``entitlements.workflow.INTERVENTION`` and appends a line to the case
timeline; the access description stays off the timeline (it may hold addresses and
accounts).

Reminders go to the requester (e-mail) and the assigned agent (the staff outbox) 24 hours
and 1 hour before the start. Like the SLA timers, they are queued as ETA tasks once a
booking commits, when they fall within the broker's horizon, and a beat sweep over the
indexed start (``interventions_sweep``) sends what is due and queues what comes near. A
conditional UPDATE on ``reminded_*_at`` sends each reminder exactly once, whoever runs it.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.errors import IllegalTransition
from core.formatting import local_datetime_text
from entitlements import rules
from entitlements.models import Intervention
from entitlements.workflow import INTERVENTION
from partners.models import User
from partners.roles import works_cases
from sla.timers import default_horizon
from tickets import events, mail, notifications, workflow
from tickets.models import Event, Ticket

logger = logging.getLogger(__name__)

State = Intervention.State
Platform = Intervention.Platform

MAX_SLOTS = 3
MIN_DURATION, MAX_DURATION = 15, 8 * 60  # minutes
SWEEP_BATCH = 500

_VERBS = {
    State.CONFIRMED: "booked",
    State.DECLINED: "declined",
    State.CANCELLED: "cancelled",
    State.DONE: "marked as carried out",
}
TOOL_NAMES = {
    "teamviewer": "TeamViewer",
    "anydesk": "AnyDesk",
    "splashtop": "Splashtop",
    "logmein": "LogMeIn",
}


class IllegalMove(ValidationError):
    """The intervention's state does not allow the step (someone else moved it first)."""


def local_text(at: datetime, tz: str) -> str:
    """As the ``when`` filter writes it: "Wed 25 Nov 2026, 14:05 CET"."""
    return local_datetime_text(at, tz=tz)


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


# --- What a request must satisfy (the request form asks the same questions) ----------------


def checklist_missing(platform: str, ticked: Iterable[str]) -> list[str]:
    """The platform's remote-access items not ticked, in the checklist's order."""
    ticked = set(ticked)
    return [item for item in rules.REMOTE_ACCESS[rules.Platform(platform)] if item not in ticked]


def checklist_problem(platform: str, ticked: Iterable[str]) -> str | None:
    missing = checklist_missing(platform, ticked)
    if not missing:
        return None
    return (
        f"Tick every remote-access item for {Platform(platform).label}: the intervention "
        f"needs them all. Not ticked: {' '.join(missing)}"
    )


def access_problem(text: str) -> str | None:
    tool = rules.remote_tool_refused(text)
    if tool is None:
        return None
    name = TOOL_NAMES.get(tool, tool.capitalize())
    return (
        f"{name} cannot be used: its licence does not allow our technicians to use it, nor "
        "any other commercial remote-control tool (TeamViewer, AnyDesk and the like). "
        "Describe SSH, remote desktop, VNC or web admin access instead."
    )


def slot_problem(slot: datetime, *, requested_at: datetime, free: bool, tz: str) -> str | None:
    """Why ``slot`` cannot be asked for now, naming the earliest possible slot in ``tz``."""
    if rules.slot_allowed(slot_start=slot, requested_at=requested_at, free=free):
        return None
    earliest = local_text(rules.earliest_slot(requested_at=requested_at, free=free), tz)
    if free:
        notice = int(rules.FREE_INTERVENTION_NOTICE.total_seconds() // 3600)
        return (
            f"A free intervention must be asked for at least {notice} hours ahead: the "
            f"earliest possible slot is {earliest}."
        )
    return f"That time is too soon: the earliest possible slot is {earliest}."


def request_errors(
    *,
    platform: str,
    checklist: Sequence[str],
    access_description: str,
    free: bool,
    slots: Sequence[datetime],
    now: datetime,
    tz: str,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if platform not in Platform.values:
        errors["platform"] = ["Choose the platform."]
    else:
        if problem := checklist_problem(platform, checklist):
            errors["checklist"] = [problem]
    if not access_description.strip():
        errors["access_description"] = ["Describe how our technician reaches the system."]
    elif problem := access_problem(access_description):
        errors["access_description"] = [problem]
    if not slots:
        errors["slots"] = ["Give at least one preferred slot."]
    elif len(slots) > MAX_SLOTS:
        errors["slots"] = [f"Give at most {MAX_SLOTS} preferred slots."]
    elif len({slot.astimezone(UTC) for slot in slots}) < len(slots):
        errors["slots"] = ["Give a different time for each slot."]
    else:
        problems = [
            f"{local_text(slot, tz)}: {problem}"
            for slot in slots
            if (problem := slot_problem(slot, requested_at=now, free=free, tz=tz))
        ]
        if problems:
            errors["slots"] = problems
    return errors


# --- The partner's steps -----------------------------------------------------------------


def _event(
    intervention: Intervention, kind: str, *, actor, at: datetime, text: str, **data
) -> Event:
    """One step on the case timeline. ``start`` and ``slots`` (ISO instants) are worded in
    the reader's zone by ``entitlements.timeline``."""
    return events.record(
        intervention.ticket_id,
        kind,
        actor=actor,
        public=True,
        at=at,
        intervention=intervention.pk,
        text=text,
        **data,
    )


def _staff_to_tell(intervention: Intervention, ticket: Ticket) -> list[User]:
    """The assigned agent; whoever booked it when nobody is assigned."""
    return [ticket.assignee or intervention.confirmed_by]


def intervention_request(
    *,
    ticket: Ticket,
    actor: User,
    platform: str,
    checklist: Sequence[str],
    access_description: str,
    free: bool,
    slots: Sequence[datetime],
    now: datetime | None = None,
) -> Intervention:
    """The partner asks for a remote intervention on one of its open cases."""
    now = now or timezone.now()
    if not actor.is_partner or actor.organisation_id != ticket.organisation_id:
        raise PermissionDenied("Only the organisation's own users ask for an intervention.")
    if ticket.status not in workflow.ACTIVE:
        raise ValidationError(
            f"{ticket.number} is {ticket.get_status_display().lower()}: interventions are "
            "planned on open cases only."
        )
    errors = request_errors(
        platform=platform,
        checklist=checklist,
        access_description=access_description,
        free=free,
        slots=slots,
        now=now,
        tz=actor.effective_time_zone,
    )
    if errors:
        raise ValidationError(errors)
    kind = "free" if free else "paid"
    with transaction.atomic():
        intervention = Intervention.objects.create(
            ticket=ticket,
            organisation_id=ticket.organisation_id,
            requested_by=actor,
            platform=platform,
            access_description=access_description.strip(),
            checklist_confirmed=list(rules.REMOTE_ACCESS[rules.Platform(platform)]),
            free=free,
            slots=[iso(slot) for slot in slots],
            created_at=now,
        )
        _event(
            intervention,
            "intervention_requested",
            actor=actor,
            at=now,
            text=f"Remote intervention requested ({Platform(platform).label}, {kind})",
            slots=intervention.slots,
        )
        notifications.notify(
            [ticket.assignee],
            kind="intervention_requested",
            ticket=ticket,
            title=f"{ticket.number}: remote intervention requested ({kind})",
            body="Confirm one of the preferred slots, book another time or decline.",
        )
    return intervention


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
        _event(
            locked,
            "intervention_cancelled",
            actor=actor,
            at=now,
            text="Remote intervention cancelled by the partner",
        )
        ticket = Ticket.objects.select_related("assignee").get(pk=locked.ticket_id)
        notifications.notify(
            _staff_to_tell(locked, ticket),
            kind="intervention_cancelled",
            ticket=ticket,
            title=f"{ticket.number}: remote intervention cancelled by the partner",
        )
    return locked


# --- The agent's steps -------------------------------------------------------------------


def _check_staff(actor: User) -> None:
    if not works_cases(actor):
        raise PermissionDenied("Only support staff plan interventions.")


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
    _check_staff(actor)
    duration = duration_minutes or intervention.duration_minutes
    errors = {}
    if not MIN_DURATION <= duration <= MAX_DURATION:
        errors["duration_minutes"] = [
            f"Give between {MIN_DURATION} and {MAX_DURATION} minutes ({MAX_DURATION // 60} hours)."
        ]
    earliest = rules.earliest_slot(requested_at=now, free=False)
    if start < earliest:
        errors["start"] = [
            f"That time has passed: the earliest possible start is "
            f"{local_text(earliest, actor.effective_time_zone)}."
        ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked(intervention, State.CONFIRMED)
        if (locked.state, locked.confirmed_start, locked.duration_minutes) == (
            State.CONFIRMED,
            start,
            duration,
        ):
            raise ValidationError("The intervention is already booked at that time.")
        if locked.state == State.REQUESTED and start in locked.slot_starts:
            kind, text = "intervention_confirmed", "Remote intervention confirmed"
        elif locked.state == State.REQUESTED:
            kind = "intervention_rescheduled"
            text = "Support proposed another time for the remote intervention"
        else:
            kind, text = "intervention_rescheduled", "Remote intervention moved to another time"
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
        _event(
            locked,
            kind,
            actor=actor,
            at=now,
            text=text,
            start=iso(start),
            duration=duration,
        )
        _queue_mail(locked, kind.removeprefix("intervention_"))
        plan = [
            (locked.pk, reminder.key, due)
            for reminder in REMINDERS.values()
            if (due := reminder.due_at(start=start, booked_at=now)) is not None
        ]
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
        _event(
            locked,
            "intervention_declined",
            actor=actor,
            at=now,
            text="Remote intervention declined",
            detail=locked.decline_reason,
        )
        _queue_mail(locked, "declined")
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
        _event(
            locked, "intervention_done", actor=actor, at=now, text="Remote intervention carried out"
        )
    return locked


# --- Reminders ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    key: str
    lead: timedelta  # sent this long before the start
    field: str
    label: str
    until: timedelta  # not sent once the start is this near (a later reminder takes over)

    def due_at(self, *, start: datetime, booked_at: datetime) -> datetime | None:
        """When it goes for a start booked at ``booked_at``: None when booked too late."""
        due = start - self.lead
        return due if booked_at <= due else None

    def is_due(self, now: datetime) -> Q:
        """Confirmed, not yet sent, booked before its time, and due now."""
        return Q(
            state=State.CONFIRMED,
            **{f"{self.field}__isnull": True},
            confirmed_start__lte=now + self.lead,
            confirmed_start__gt=now + self.until,
            confirmed_at__lte=F("confirmed_start") - self.lead,
        )


REMINDERS = {
    "24h": Reminder("24h", timedelta(hours=24), "reminded_24h_at", "24 hours", timedelta(hours=1)),
    "1h": Reminder("1h", timedelta(hours=1), "reminded_1h_at", "1 hour", timedelta(0)),
}


def reminders_due(*, now: datetime) -> list[tuple[int, str]]:
    """(intervention id, reminder key) of the reminders to send now, soonest start first."""
    due = []
    for reminder in REMINDERS.values():
        ids = (
            Intervention.objects.filter(reminder.is_due(now))
            .order_by("confirmed_start")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        due += [(pk, reminder.key) for pk in ids]
    return due


def reminders_coming(*, now: datetime, until: datetime) -> list[tuple[int, str, datetime]]:
    """(intervention id, reminder key, when) of the reminders falling due in (now, until]."""
    coming = []
    for reminder in REMINDERS.values():
        rows = (
            Intervention.objects.filter(
                state=State.CONFIRMED,
                **{f"{reminder.field}__isnull": True},
                confirmed_start__gt=now + reminder.lead,
                confirmed_start__lte=until + reminder.lead,
                confirmed_at__lte=F("confirmed_start") - reminder.lead,
            )
            .order_by("confirmed_start")
            .values_list("pk", "confirmed_start")[:SWEEP_BATCH]
        )
        coming += [(pk, reminder.key, start - reminder.lead) for pk, start in rows]
    return coming


def intervention_remind(*, intervention_id: int, which: str, now: datetime) -> bool:
    """Send the ``which`` reminder if it is due and nobody sent it yet. True when sent here."""
    reminder = REMINDERS[which]
    with transaction.atomic():
        claimed = Intervention.objects.filter(reminder.is_due(now), pk=intervention_id).update(
            **{reminder.field: now}
        )
        if not claimed:
            return False
        intervention = Intervention.objects.select_related("ticket__assignee", "confirmed_by").get(
            pk=intervention_id
        )
        ticket = intervention.ticket
        _event(
            intervention,
            "intervention_reminded",
            actor=None,
            at=now,
            text=f"Reminders sent {reminder.label} before the remote intervention",
            start=iso(intervention.confirmed_start),
        )
        agent = ticket.assignee or intervention.confirmed_by
        if agent is not None:
            starts = local_text(intervention.confirmed_start, agent.effective_time_zone)
            notifications.notify(
                [agent],
                kind="intervention_reminder",
                ticket=ticket,
                title=f"{ticket.number}: remote intervention in {reminder.label}",
                body=(
                    f"{intervention.get_platform_display()}, starts {starts} for "
                    f"{intervention.duration_minutes} minutes. The access the partner "
                    "described is on the case."
                ),
            )
        _queue_mail(intervention, f"reminder_{which}")
    return True


def arm(
    plan: Iterable[tuple[int, str, datetime]],
    *,
    now: datetime | None = None,
    horizon: timedelta | None = None,
) -> int:
    """Queue ETA tasks for the reminders of ``(id, key, due)`` within the horizon (the same
    as the SLA timers'); the sweep queues the rest when they come near. Returns how many."""
    from entitlements.tasks import remind_intervention

    now = now or timezone.now()
    limit = now + (horizon if horizon is not None else default_horizon())
    queued = 0
    try:
        for intervention_id, which, due in plan:
            if due <= limit:
                remind_intervention.apply_async(args=[intervention_id, which], eta=due)
                queued += 1
    except Exception:
        logger.exception("Intervention reminders not queued; the sweep will send them when due")
    return queued


@dataclass(frozen=True)
class SweepResult:
    reminded: int
    armed: int


def interventions_sweep(*, now: datetime, lookahead: timedelta) -> SweepResult:
    """Send every reminder that is due, then queue those falling due before the next sweep."""
    reminded = 0
    while True:
        due = reminders_due(now=now)
        reminded += sum(
            intervention_remind(intervention_id=pk, which=which, now=now) for pk, which in due
        )
        if len(due) < SWEEP_BATCH:
            break
    plan = reminders_coming(now=now, until=now + lookahead)
    arm(plan, now=now, horizon=lookahead)
    return SweepResult(reminded=reminded, armed=len(plan))


# --- E-mail to the partner ---------------------------------------------------------------


def _queue_mail(intervention: Intervention, kind: str) -> None:
    from entitlements.tasks import send_intervention_mail

    start = iso(intervention.confirmed_start) if intervention.confirmed_start else None
    transaction.on_commit(
        partial(send_intervention_mail.delay, intervention.pk, kind, start), robust=True
    )


MAIL_HEADLINES = {
    "confirmed": "Remote intervention confirmed",
    "rescheduled": "Remote intervention: a new time",
    "declined": "Remote intervention declined",
    "reminder_24h": "Reminder: remote intervention in 24 hours",
    "reminder_1h": "Reminder: remote intervention in 1 hour",
}


def mail_for(intervention: Intervention, kind: str, start: str | None) -> EmailMessage | None:
    """The partner's e-mail about a step; None when the step no longer holds (the
    intervention moved on since it was queued) or nobody can receive it."""
    person = intervention.requested_by
    if not person.is_active or not person.email:
        return None
    if kind == "declined":
        if intervention.state != State.DECLINED:
            return None
    elif (
        intervention.state != State.CONFIRMED
        or start is None
        or intervention.confirmed_start != datetime.fromisoformat(start)
    ):
        return None
    ticket = intervention.ticket
    headline = MAIL_HEADLINES[kind]
    lines = [f"Hello {person.get_short_name()},", ""]
    if kind == "declined":
        lines += [
            f"We cannot carry out the remote intervention you asked for on {ticket.number}.",
            f"Why: {intervention.decline_reason}",
        ]
    else:
        when = local_text(intervention.confirmed_start, person.effective_time_zone)
        opening = {
            "confirmed": "Your remote intervention is booked.",
            "rescheduled": "We have booked your remote intervention at a new time.",
        }.get(kind, "This is a reminder of your remote intervention.")
        lines += [
            opening,
            f"Starts: {when}, for about {intervention.duration_minutes} minutes.",
            f"Platform: {intervention.get_platform_display()}.",
            "Please have the remote access you described ready by then.",
        ]
    lines += [
        "",
        f"Case {ticket.number}: {' '.join(ticket.subject.split())}",
        f"To see it, or to cancel the intervention: {mail.partner_case_url(ticket)}",
    ]
    return EmailMessage(
        subject=mail.subject_for(ticket, headline),
        body="\n".join(lines) + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[person.email],
        headers={
            "Message-ID": mail.new_message_id(ticket),
            "References": mail.case_thread_id(ticket),
            "X-Support-Case": ticket.number,
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": mail.SUPPRESS_AUTO_RESPONSES,
        },
    )
