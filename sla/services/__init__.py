"""Writes for SLA clocks: start them with a case, pause, resume, stop, recompute, and the
two timed transitions (warning and breach) with their escalations.

Every function runs inside the caller's transaction (the case services own theirs) or opens
its own. State changes are conditional UPDATEs: a warning or breach that two workers, a
retry and the sweep all try to record is recorded, announced and notified once.

Callers use this package as one module (``from sla import services as sla``); each concern
lives in its own module: ``lifecycle`` (start, pause, resume, stop, restoration),
``class_of_service`` (triage and recomputation), ``timed`` (warnings, breaches, the sweep),
``alerts`` (monitoring alerts reviewed), ``waiting`` (how long a case may wait on the
partner, and stepping in), ``common`` (what they share).
"""

from sla.services.alerts import alerts_mark_reviewed
from sla.services.class_of_service import clocks_after_cos_change
from sla.services.common import Calendars, nearest_breach, warning_fraction
from sla.services.lifecycle import (
    clock_stop,
    clocks_after_status_change,
    clocks_pause,
    clocks_plan,
    clocks_resume,
    clocks_start,
    clocks_stop_all,
    service_mark_restored,
)
from sla.services.timed import SweepResult, clock_breach, clock_warn, sla_sweep
from sla.services.waiting import (
    StepIn,
    current_episode,
    step_in_for,
    waiting_adopt,
    waiting_remind,
)

__all__ = [
    "Calendars",
    "StepIn",
    "SweepResult",
    "alerts_mark_reviewed",
    "clock_breach",
    "clock_stop",
    "clock_warn",
    "clocks_after_cos_change",
    "clocks_after_status_change",
    "clocks_pause",
    "clocks_plan",
    "clocks_resume",
    "clocks_start",
    "clocks_stop_all",
    "current_episode",
    "nearest_breach",
    "service_mark_restored",
    "sla_sweep",
    "step_in_for",
    "waiting_adopt",
    "waiting_remind",
    "warning_fraction",
]
