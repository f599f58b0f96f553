"""The availability models: what the NOC records and what billing is owed from it
(``records``), and the status notices partners follow (``notices``)."""

from availability.models.notices import (
    StatusFeedKey,
    StatusNotice,
    StatusNoticeDelivery,
    StatusSubscription,
)
from availability.models.records import (
    Credit,
    Event,
    Incident,
    IncidentSet,
    IncidentUpdate,
    Maintenance,
    Service,
    ServiceDay,
    Subscription,
    SubscriptionDay,
    utc_today,
)

__all__ = [
    "Credit",
    "Event",
    "Incident",
    "IncidentSet",
    "IncidentUpdate",
    "Maintenance",
    "Service",
    "ServiceDay",
    "StatusFeedKey",
    "StatusNotice",
    "StatusNoticeDelivery",
    "StatusSubscription",
    "Subscription",
    "SubscriptionDay",
    "utc_today",
]
