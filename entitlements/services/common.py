"""What every step of a remote intervention shares: its line on the case timeline and the
partner's e-mail about it."""

from datetime import datetime

from entitlements import mail
from entitlements.models import Intervention
from partners.models import User
from tickets import events
from tickets import services as ticket_services
from tickets.events import iso
from tickets.models import Event


def record(
    intervention: Intervention, kind: str, *, actor: User | None, at: datetime, **data
) -> Event:
    """One step on the case timeline, as data (``entitlements.timeline`` words it)."""
    return events.record(
        intervention.ticket_id,
        kind,
        actor=actor,
        public=True,
        at=at,
        intervention=intervention.pk,
        **data,
    )


def queue_mail(intervention: Intervention, kind: str) -> None:
    """The partner's e-mail about the step (``entitlements.mail``), written to the outbox
    with the step and sent once it commits."""
    email = mail.intervention_mail(intervention, kind, iso(intervention.confirmed_start))
    if email is not None:
        ticket_services.email_queue(email, kind=f"intervention_{kind}", ticket=intervention.ticket)
