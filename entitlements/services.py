"""Writes for entitlements: time logged on cases (drawn from a bundle, never past its
balance without a recorded override), the low-balance warning, and the timeline of every
grant and change."""

from datetime import datetime, timedelta
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.formatting import duration_text
from entitlements import rules, selectors
from entitlements.models import Entitlement, EntitlementEvent, TimeEntry
from partners.models import User
from partners.roles import works_cases
from tickets import events, notifications
from tickets.models import Ticket

MAX_MINUTES = 24 * 60


def entitlement_event(entitlement: Entitlement, kind: str, *, actor=None, **data):
    return EntitlementEvent.objects.create(
        entitlement=entitlement, kind=kind, actor=actor, data=data
    )


def entitlement_recorded(*, entitlement: Entitlement, actor: User | None, created: bool) -> None:
    """An admin granted or changed an entitlement: on its timeline."""
    entitlement_event(
        entitlement,
        "granted" if created else "changed",
        actor=actor,
        starts_at=entitlement.starts_at.isoformat(),
        ends_at=entitlement.ends_at.isoformat(),
        minutes_bought=entitlement.minutes_bought,
    )


def time_log(
    *,
    ticket: Ticket,
    actor: User,
    minutes: int,
    billable: bool = True,
    entitlement: Entitlement | None = None,
    note: str = "",
    override_reason: str = "",
    now: datetime | None = None,
) -> TimeEntry:
    """Log ``minutes`` of work on ``ticket``. Billable time drawn from a bundle may not take
    it below zero unless ``override_reason`` says why; the override is kept on the entry."""
    now = now or timezone.now()
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
    override_reason = override_reason.strip()
    with transaction.atomic():
        warn = None
        if entitlement is not None and billable:
            # One writer per bundle at a time, so two agents cannot both spend the last hour.
            locked = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
            before = selectors.remaining_minutes(locked)
            consumption = rules.consume(
                remaining_minutes=before, minutes=minutes, override=bool(override_reason)
            )
            if not consumption.allowed:
                raise ValidationError({"override_reason": consumption.reason})
            if rules.crosses_low_balance(
                before=before,
                after=consumption.remaining_after,
                threshold=locked.low_balance_minutes,
            ):
                warn = (locked, consumption.remaining_after)
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
        if warn is not None:
            _warn_low_balance(*warn, ticket=ticket, actor=actor, at=now)
    return entry


def _warn_low_balance(bundle: Entitlement, remaining: int, *, ticket: Ticket, actor, at) -> None:
    left = duration_text(timedelta(minutes=max(remaining, 0)), "compact")
    text = f"{left} left on support-hour bundle {bundle.reference}"
    if remaining < 0:
        over = duration_text(timedelta(minutes=-remaining), "compact")
        text = f"Support-hour bundle {bundle.reference} is overdrawn by {over}"
    entitlement_event(bundle, "low_balance", actor=actor, remaining_minutes=remaining)
    events.record(ticket, "bundle_low", public=True, at=at, text=text)
    if bundle.account_manager is not None:
        notifications.notify(
            [bundle.account_manager],
            kind="bundle_low",
            ticket=ticket,
            title=f"{bundle.organisation}: {text}",
            body="Offer the organisation more support hours before the bundle runs out.",
        )
    from entitlements.tasks import send_low_balance_mail

    transaction.on_commit(partial(send_low_balance_mail.delay, bundle.pk, remaining), robust=True)
