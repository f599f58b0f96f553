"""Time logged on cases: drawn from a support-hour bundle, never past its balance without
a recorded override, and the warning when a bundle runs low."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from entitlements import mail, rules, selectors
from entitlements.models import Entitlement, TimeEntry
from entitlements.services.grants import entitlement_event
from entitlements.timeline import bundle_low_text
from partners.models import User
from partners.roles import works_cases
from tickets import events, notifications
from tickets import services as ticket_services
from tickets.models import Ticket

MAX_MINUTES = 24 * 60


@dataclass(frozen=True)
class LowBalance:
    """A bundle this entry takes across its low-balance threshold, and what it leaves."""

    bundle: Entitlement
    remaining: int


def time_log(
    *,
    ticket: Ticket,
    actor: User,
    minutes: int,
    billable: bool | None = None,
    entitlement: Entitlement | None = None,
    note: str = "",
    override_reason: str = "",
    now: datetime | None = None,
) -> TimeEntry:
    """Log ``minutes`` of work on ``ticket``. Billable time drawn from a bundle may not take
    it below zero unless ``override_reason`` says why; the override is kept on the entry.
    Without ``billable`` the time is billable only when drawn from a bundle or logged under a
    running maintenance contract (``rules.billable_by_default``)."""
    now = now or timezone.now()
    _check_entry(ticket=ticket, actor=actor, minutes=minutes, entitlement=entitlement)
    if billable is None:
        billable = rules.billable_by_default(
            from_bundle=entitlement is not None,
            under_contract=selectors.under_maintenance_contract(ticket.organisation, at=now),
        )
    override_reason = override_reason.strip()
    with transaction.atomic():
        low = None
        if entitlement is not None and billable:
            low = _draw(entitlement, minutes=minutes, override_reason=override_reason)
        entry = TimeEntry.objects.create(
            ticket=ticket,
            organisation_id=ticket.organisation_id,
            agent=actor,
            minutes=minutes,
            billable=billable,
            entitlement=entitlement,
            note=note.strip()[:300],
            override_reason=override_reason[:300] if entitlement is not None else "",
            worked_on=timezone.localdate(now),
            created_at=now,
        )
        events.record(
            ticket,
            "time_logged",
            actor=actor,
            public=False,
            at=now,
            minutes=minutes,
            billable=billable,
            entitlement=entitlement.pk if entitlement else None,
            override=override_reason,
        )
        if low is not None:
            _warn_low_balance(low, ticket=ticket, actor=actor, at=now)
    return entry


def _check_entry(
    *, ticket: Ticket, actor: User, minutes: int, entitlement: Entitlement | None
) -> None:
    if not works_cases(actor):
        raise PermissionDenied("Only support staff log time on cases.")
    errors = {}
    if not 1 <= minutes <= MAX_MINUTES:
        errors["minutes"] = f"Log between 1 and {MAX_MINUTES} minutes at a time."
    if entitlement is not None and (
        entitlement.organisation_id != ticket.organisation_id
        or entitlement.kind != Entitlement.Kind.HOUR_BUNDLE
    ):
        errors["entitlement"] = "Choose one of this organisation's support-hour bundles."
    if errors:
        raise ValidationError(errors)


def _draw(bundle: Entitlement, *, minutes: int, override_reason: str) -> LowBalance | None:
    """Take ``minutes`` from the bundle, or refuse; the low balance it leaves, if newly so."""
    # One writer per bundle at a time, so two agents cannot both spend the last hour.
    locked = Entitlement.objects.select_for_update().get(pk=bundle.pk)
    before = selectors.remaining_minutes(locked)
    consumption = rules.consume(
        remaining_minutes=before, minutes=minutes, override=bool(override_reason)
    )
    if not consumption.allowed:
        raise ValidationError({"override_reason": consumption.reason})
    after = consumption.remaining_after
    if rules.crosses_low_balance(before=before, after=after, threshold=locked.low_balance_minutes):
        return LowBalance(locked, after)
    return None


def _warn_low_balance(low: LowBalance, *, ticket: Ticket, actor: User, at: datetime) -> None:
    bundle, remaining = low.bundle, low.remaining
    entitlement_event(bundle, "low_balance", actor=actor, remaining_minutes=remaining)
    events.record(
        ticket,
        "bundle_low",
        public=True,
        at=at,
        reference=bundle.reference,
        remaining_minutes=remaining,
    )
    if bundle.account_manager is not None:
        notifications.notify(
            [bundle.account_manager],
            kind="bundle_low",
            ticket=ticket,
            title=f"{bundle.organisation}: {bundle_low_text(bundle.reference, remaining)}",
            body="Offer the organisation more support hours before the bundle runs out.",
        )
    email = mail.low_balance_mail(bundle, remaining)
    if email is not None:
        ticket_services.email_queue(email, kind="low_balance")
