"""Waiting on the partner: each wait is a ``WaitingEpisode`` with its limits worked out
when it starts (``sla.waiting``, the case's policy version, the organisation's support
calendar). The reminder is sent here; the resolution goes through the status use case
(``desk.actions.waiting``), which this layer cannot call.

Exactly once: the reminder is taken only while the case still waits, the episode is
open and not yet reminded, with the case row locked (``skip_locked``: a case someone is
changing right now is left to the next sweep) and the episode row locked after it, in the
same order as a reply that ends the wait (case first, then episode), so the two never
deadlock and never both win.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef

from sla import events
from sla import waiting as rules
from sla.models import WaitingEpisode
from sla.services.common import Calendars
from tickets import notifications
from tickets.models import Ticket

SWEEP_BATCH = 200


def limits_for(policy) -> rules.WaitingLimits:
    return rules.WaitingLimits(
        reminder_days=policy.waiting_reminder_days,
        resolve_days=policy.waiting_resolve_days,
        step_in_days=policy.step_in_days,
    )


def waiting_start(*, ticket: Ticket, at: datetime, calendars: Calendars | None = None):
    """The case starts waiting on the partner: a new episode with its limits. An episode
    left open (a wait that ended without passing here) is closed first."""
    calendar = (calendars or Calendars())[ticket.organisation.region]
    limits = limits_for(ticket.policy)
    WaitingEpisode.objects.filter(ticket_id=ticket.pk, ended_at=None).update(ended_at=at)
    remind_at = rules.reminder_due(calendar, waiting_since=at, limits=limits)
    return WaitingEpisode.objects.create(
        ticket_id=ticket.pk,
        started_at=at,
        remind_at=remind_at,
        # Planned as if the reminder goes out on time; moved when it actually does.
        resolve_at=rules.resolution_due(calendar, reminded_at=remind_at, limits=limits),
        step_in_at=rules.step_in_from(calendar, waiting_since=at, limits=limits),
    )


def waiting_end(*, ticket: Ticket, at: datetime) -> int:
    """The wait is over (a reply, a staff move, the resolution): the reminder and the
    resolution still pending for it will not happen."""
    return WaitingEpisode.objects.filter(ticket_id=ticket.pk, ended_at=None).update(ended_at=at)


def current_episode(ticket: Ticket) -> WaitingEpisode | None:
    """The open episode of a case waiting on the partner, if any."""
    if ticket.status != Ticket.Status.WAITING:
        return None
    return WaitingEpisode.objects.filter(ticket_id=ticket.pk, ended_at=None).first()


def lock_waiting_case(ticket_id: int) -> Ticket | None:
    """The case, locked, if it still waits on the partner and nobody else holds it."""
    return (
        Ticket.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("organisation", "policy", "requester")
        .filter(pk=ticket_id, status=Ticket.Status.WAITING)
        .first()
    )


def waiting_remind(*, episode_id: int, now: datetime) -> bool:
    """Remind the partner once the episode's reminder is due: a public timeline line and
    an e-mail to the requester saying when the case will be resolved. Returns whether this
    call sent it."""
    ticket_id = (
        WaitingEpisode.objects.filter(pk=episode_id).values_list("ticket_id", flat=True).first()
    )
    if ticket_id is None:
        return False
    with transaction.atomic():
        ticket = lock_waiting_case(ticket_id)
        if ticket is None:
            return False
        episode = (
            WaitingEpisode.objects.select_for_update()
            .filter(
                pk=episode_id,
                ticket_id=ticket_id,
                ended_at=None,
                reminded_at=None,
                remind_at__lte=now,
            )
            .first()
        )
        if episode is None:
            return False
        limits = limits_for(ticket.policy)
        calendar = Calendars()[ticket.organisation.region]
        resolve_at = max(
            episode.resolve_at, rules.resolution_due(calendar, reminded_at=now, limits=limits)
        )
        episode.reminded_at, episode.resolve_at = now, resolve_at
        episode.save(update_fields=["reminded_at", "resolve_at"])
        events.waiting_reminder(
            ticket, waited_days=limits.reminder_days, resolve_at=resolve_at, at=now
        )
        notifications.waiting_reminder(
            ticket, resolve_at=resolve_at, waited_days=limits.reminder_days
        )
    return True


def reminders_due(*, now: datetime):
    return WaitingEpisode.objects.filter(
        ended_at=None, reminded_at=None, remind_at__lte=now
    ).values_list("pk", flat=True)[:SWEEP_BATCH]


def resolutions_due(*, now: datetime):
    return WaitingEpisode.objects.filter(
        ended_at=None, reminded_at__isnull=False, resolve_at__lte=now
    ).values_list("pk", flat=True)[:SWEEP_BATCH]


def waiting_without_episode():
    """Cases waiting on the partner that no episode watches (a status set outside the
    status use case, or a wait that began before the limits existed)."""
    open_episode = WaitingEpisode.objects.filter(ticket_id=OuterRef("pk"), ended_at=None)
    return Ticket.objects.filter(status=Ticket.Status.WAITING).filter(~Exists(open_episode))


def waiting_adopt(*, now: datetime) -> int:
    """Give every unwatched waiting case an episode counted from ``now`` (never from the
    past: a partner is not resolved at once for a wait nobody was counting)."""
    calendars = Calendars()
    adopted = 0
    for ticket_id in list(waiting_without_episode().values_list("pk", flat=True)[:SWEEP_BATCH]):
        with transaction.atomic():
            ticket = lock_waiting_case(ticket_id)
            if (
                ticket is None
                or WaitingEpisode.objects.filter(ticket_id=ticket_id, ended_at=None).exists()
            ):
                continue
            waiting_start(ticket=ticket, at=now, calendars=calendars)
            adopted += 1
    return adopted


@dataclass(frozen=True)
class StepIn:
    """Whether staff may write to the end customer of a case (14.5), and to whom."""

    allowed: bool
    end_customer: object | None  # the Organisation whose system the case is about
    step_in_at: datetime | None


def about_end_customer(ticket: Ticket):
    """The end customer whose system the case is about, or None: the case names a device
    of an end customer, and the case is its installer's."""
    device = ticket.device if ticket.device_id else None
    if device is None:
        return None
    owner = device.organisation
    if owner.kind != owner.Kind.END_CUSTOMER or owner.installer_id != ticket.organisation_id:
        return None
    return owner


def step_in_for(ticket: Ticket, *, now: datetime) -> StepIn:
    """Staff may step in on a case about an end customer's system that has waited on the
    partner longer than its terms' limit (2026-03 only)."""
    limits = limits_for(ticket.policy)
    if limits.step_in_days is None:
        return StepIn(False, None, None)
    owner = about_end_customer(ticket)
    episode = current_episode(ticket) if owner is not None else None
    step_in_at = episode.step_in_at if episode is not None else None
    allowed = rules.step_in_allowed(
        limits=limits, about_end_customer=owner is not None, step_in_at=step_in_at, now=now
    )
    return StepIn(allowed, owner, step_in_at)
