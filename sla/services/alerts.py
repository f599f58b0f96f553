"""Writes for the monitoring alerts the NOC reviews."""

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from partners.models import User
from sla.models import MonitoringAlert


def alerts_mark_reviewed(
    *, alert_ids: Iterable[int], actor: User, now: datetime | None = None
) -> int:
    """The NOC has looked at these unmatched alerts; any other alert is left as it is.
    Returns how many were marked."""
    return MonitoringAlert.objects.filter(
        pk__in=list(alert_ids), outcome=MonitoringAlert.Outcome.UNMATCHED
    ).update(
        outcome=MonitoringAlert.Outcome.REVIEWED,
        reviewed_by=actor,
        reviewed_at=now or timezone.now(),
    )
