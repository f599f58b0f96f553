"""What every step of a remote intervention shares: its line on the case timeline and the
partner's e-mail about it."""

from datetime import datetime
from functools import partial

from django.db import transaction

from entitlements.models import Intervention
from partners.models import User
from tickets import events
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
    """The partner's e-mail about the step (``entitlements.mail``), sent once it commits."""
    from entitlements.tasks import send_intervention_mail

    start = iso(intervention.confirmed_start)
    transaction.on_commit(
        partial(send_intervention_mail.delay, intervention.pk, kind, start), robust=True
    )
