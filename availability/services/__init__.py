"""Every write of availability: what the NOC records (``records``: incidents, maintenance,
public updates), the stored daily figures (``daily_figures``), and the monthly credits with
billing's decisions on them (``credits``). The pure rules they apply are in
``availability.calc``; the figures they store are read by ``availability.figures``.
"""

from availability.services.credits import (
    ComputeResult,
    credit_apply,
    credit_approve,
    credits_compute,
    incident_sets_for,
    month_start,
    next_month,
    subscriptions_in,
)
from availability.services.daily_figures import DaysResult, days_compute
from availability.services.records import (
    incident_create,
    incident_delete,
    incident_end,
    incident_update,
    incident_update_post,
    maintenance_announce,
    maintenance_create,
    maintenance_delete,
    maintenance_update,
)

__all__ = [
    "ComputeResult",
    "DaysResult",
    "credit_apply",
    "credit_approve",
    "credits_compute",
    "days_compute",
    "incident_create",
    "incident_delete",
    "incident_end",
    "incident_sets_for",
    "incident_update",
    "incident_update_post",
    "maintenance_announce",
    "maintenance_create",
    "maintenance_delete",
    "maintenance_update",
    "month_start",
    "next_month",
    "subscriptions_in",
]
