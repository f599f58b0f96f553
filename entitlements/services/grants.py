"""An entitlement's own timeline: every grant and change an admin makes, and the
low-balance warnings of a support-hour bundle."""

from entitlements.models import Entitlement, EntitlementEvent
from partners.models import User


def entitlement_event(
    entitlement: Entitlement, kind: str, *, actor: User | None = None, **data
) -> EntitlementEvent:
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
