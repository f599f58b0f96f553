from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class Calendar(models.Model):
    """Support hours: a weekly pattern in a time zone, closed on the listed dates.

    ``week`` maps the weekday (0 = Monday) to open intervals in local wall time, e.g.
    ``{"0": [["09:00", "18:00"]]}``; "24:00" may close an interval.
    """

    code = models.SlugField(max_length=20, unique=True, help_text='"us", "eu" or "24x7".')
    name = models.CharField(max_length=100)
    time_zone = models.CharField(max_length=64)
    week = models.JSONField(default=dict)
    holiday_country = models.CharField(
        max_length=2,
        blank=True,
        help_text="ISO country whose public holidays close this calendar (empty: none).",
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ClosedDate(models.Model):
    """A whole local date on which a calendar is closed: a public holiday or a closure."""

    class Source(models.TextChoices):
        PUBLIC_HOLIDAY = "public_holiday", "Public holiday"
        CLOSURE = "closure", "Closure set by an administrator"

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="closed_dates")
    date = models.DateField()
    name = models.CharField(max_length=150)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.CLOSURE)

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "date"], name="closed_date_once_per_calendar"
            )
        ]

    def __str__(self) -> str:
        return f"{self.calendar.code} closed {self.date}: {self.name}"


class Clock(models.Model):
    """One SLA metric of one case: when it is due, and whether it was met.

    Times are measured on the clock's calendar. While paused, business time stops counting:
    ``paused_for`` holds the business time already spent paused, and the due instant is
    ``calendar.add(started_at, target + paused_for)``. Every change of ``state`` is a
    conditional UPDATE in ``sla.services``, so a timer that fires twice acts once.
    """

    class Metric(models.TextChoices):
        FIRST_RESPONSE = "first_response", "First response"
        OUT_OF_HOURS_TRIAGE = "out_of_hours_triage", "Out-of-hours triage"
        OUT_OF_HOURS_INVESTIGATION = (
            "out_of_hours_investigation",
            "Out-of-hours investigation",
        )
        RESTORATION = "restoration", "Restoration"

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        PAUSED = "paused", "Paused"
        MET = "met", "Met"
        BREACHED = "breached", "Breached"

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="clocks")
    metric = models.CharField(max_length=30, choices=Metric.choices)
    calendar = models.SlugField(max_length=20, help_text="Code of the calendar it runs on.")
    target = models.DurationField(help_text="Business time allowed.")
    pauses_while_waiting = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    paused_for = models.DurationField(
        default=timedelta(0), help_text="Business time spent paused, up to the last resume."
    )
    paused_since = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(help_text="Shown to people: the end of the allowed time.")
    warn_at = models.DateTimeField()
    breach_at = models.DateTimeField(
        help_text="When it is breached: the due instant, or the next opening after it."
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(
        null=True, blank=True, help_text="When it stopped counting: the reply, the restoration…"
    )

    class Meta:
        ordering = ["ticket", "due_at"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "metric"], name="clock_one_per_metric"),
        ]
        indexes = [
            # The sweep's two questions, each answered from a small partial index.
            models.Index(
                fields=["breach_at"],
                condition=models.Q(state="running"),
                name="clock_breach_pending",
            ),
            models.Index(
                fields=["warn_at"],
                condition=models.Q(state="running", warned_at__isnull=True),
                name="clock_warning_pending",
            ),
            # The NOC board's clocks still waiting (running, paused or breached).
            models.Index(
                fields=["breach_at"],
                condition=models.Q(stopped_at__isnull=True),
                name="clock_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} of {self.ticket_id}: {self.get_state_display()}"

    @property
    def is_active(self) -> bool:
        """Still waiting for what stops it (a breached clock keeps waiting for the reply)."""
        return self.stopped_at is None


# The NOC's own clocks on a case opened while support hours are closed: the triage of a
# partner-claimed Critical, and the investigation of every other new technical case (16.8).
# Internal targets, never shown to partners; the staff decision on the class of service
# stops either.
NOC_METRICS = (Clock.Metric.OUT_OF_HOURS_TRIAGE, Clock.Metric.OUT_OF_HOURS_INVESTIGATION)


class MonitoringAlert(models.Model):
    """One alert posted by a monitoring system, kept whatever became of it.

    An alert opens a proactive case for the PBX's organisation, or is added to the open case
    that an earlier alert with the same ``fingerprint`` opened. One that matches no PBX (or
    no one to open the case for) waits, unmatched, for the NOC to review it.
    """

    class Severity(models.TextChoices):
        CRITICAL = "critical", "Critical"
        MAJOR = "major", "Major"
        MINOR = "minor", "Minor"

    class Outcome(models.TextChoices):
        OPENED = "opened", "Opened a case"
        APPENDED = "appended", "Added to an open case"
        UNMATCHED = "unmatched", "Unmatched: awaiting NOC review"
        DUPLICATE = "duplicate", "Repeat of an alert already received"
        REVIEWED = "reviewed", "Unmatched, reviewed by the NOC"

    source = models.CharField(max_length=50, help_text='The monitoring system, e.g. "zabbix".')
    pbx_serial = models.CharField("PBX serial number", max_length=64)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    summary = models.CharField(max_length=200)
    details = models.TextField(blank=True)
    fingerprint = models.CharField(
        max_length=200, help_text="The monitoring system's identity of the problem."
    )
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "partners.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="monitoring_alerts",
    )
    device = models.ForeignKey(
        "partners.Device",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="monitoring_alerts",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="monitoring_alerts",
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            # The open case an alert joins: opened by an alert of the same organisation and
            # fingerprint.
            models.Index(fields=["organisation", "fingerprint"], name="alert_org_fingerprint"),
            # A monitoring system's retry: the same problem at the same instant.
            models.Index(fields=["fingerprint", "occurred_at"], name="alert_repeat"),
            models.Index(
                fields=["received_at"],
                condition=models.Q(outcome="unmatched"),
                name="alert_awaiting_review",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} alert from {self.source}: {self.summary}"


class WaitingEpisode(models.Model):
    """One stretch of a case waiting on the partner, from the move to "waiting on partner"
    until it moves on (a reply, a staff move, the resolution for want of an answer).

    The limits are worked out when it starts (``sla.waiting``, the case's policy version)
    and kept here, so the beat sweep finds what is due with an indexed query, and the
    reminder and the resolution each happen once: each is taken only while its marker
    (``reminded_at``, ``resolved_at``) is empty and the episode has not ended, under a row
    lock. A reply that ends the wait ends the episode, which cancels both; a new wait is a
    new episode."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="waiting_episodes"
    )
    started_at = models.DateTimeField()
    remind_at = models.DateTimeField(help_text="When the partner is reminded.")
    resolve_at = models.DateTimeField(
        help_text="When the case is resolved for want of an answer (moved later if the "
        "reminder went out late)."
    )
    step_in_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="From when staff may write to the end customer (14.5); empty when the "
        "case's terms do not allow it.",
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["ticket", "started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(ended_at__isnull=True),
                name="waiting_one_open_episode",
            ),
        ]
        indexes = [
            models.Index(
                fields=["remind_at"],
                condition=models.Q(ended_at__isnull=True, reminded_at__isnull=True),
                name="waiting_reminder_pending",
            ),
            models.Index(
                fields=["resolve_at"],
                condition=models.Q(ended_at__isnull=True, reminded_at__isnull=False),
                name="waiting_resolution_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"Waiting on the partner on {self.ticket_id} from {self.started_at:%Y-%m-%d %H:%M}"
