"""Writes for entitlements: the timeline of every grant and change, time logged on cases
(drawn from a bundle, never past its balance without a recorded override) and the
low-balance warning, and the steps and reminders of scheduled remote interventions.

Each service owns its transaction (a grant joins the admin's), checks the rules, writes
the case timeline through ``tickets.events.record`` as data (worded by
``entitlements.timeline``), and queues its e-mail (``entitlements.mail``) only once the
transaction has committed.

One module per concern; the names below are the ones callers use.
"""

from entitlements.services.grants import entitlement_recorded
from entitlements.services.interventions import (
    intervention_cancel,
    intervention_confirm,
    intervention_decline,
    intervention_done,
    intervention_request,
)
from entitlements.services.reminders import intervention_remind, interventions_sweep
from entitlements.services.time import time_log

__all__ = [
    "entitlement_recorded",
    "intervention_cancel",
    "intervention_confirm",
    "intervention_decline",
    "intervention_done",
    "intervention_remind",
    "intervention_request",
    "interventions_sweep",
    "time_log",
]
