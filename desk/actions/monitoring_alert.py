"""Monitoring alerts: every alert is stored, then opens a proactive case for the partner
responsible for the PBX, joins the open case that an earlier alert with the same
fingerprint opened, or waits for the NOC when it matches no PBX. Nothing a monitoring
system sends is lost.

Whom the case is for (terms 18.2, all versions): when monitoring reveals a problem the NOC
gathers the PBX's serial, country and *partner*, and "the partner is contacted by creating a
ticket". For a partner's own PBX that partner is the PBX's organisation. For an end
customer's PBX it is the partner or reseller that installed the system (``installer``): the
end customer has no support relationship with the vendor (15.3 sends end users to their
installer), so the case is filed under the installer, in the name of its longest-standing
active member, naming the end customer and its PBX. The end customer does not see the case:
it is the vendor's exchange with the partner, and the terms give the vendor no direct line
to end customers except when the partner fails to act (14.5, 2026-03), which is for staff
to decide case by case, not for an alert to open. An end customer with no installer on
record leaves the alert for the NOC to review, since the partner to contact is unknown.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.api.errors import field_errors
from desk.actions.open_case import CaseRequest, case_open
from desk.actions.reply import Reply, message_post
from partners import selectors as partner_selectors
from partners.models import CaseReason, CaseType, Device, Organisation, User
from partners.roles import Role
from sla import selectors as sla_selectors
from sla.models import MonitoringAlert
from tickets import notifications, workflow
from tickets.models import Message, Notification, Ticket

Outcome = MonitoringAlert.Outcome

# Monitoring watches whether PBXs answer, so its cases are filed under this reason when the
# terms in force have it (else under the first reason of the technical case type). Staff
# re-file the case once they know more.
PREFERRED_REASON = "cloud-pbx-unreachable"
# The alert's severity is the monitoring system's judgement of the impact: nothing in it
# says that the cloud cannot be reached or that calls drop.
CRITICAL_CRITERION = Ticket.CriticalCriterion.SEVERE_IMPACT
UNKNOWN_VERSION = "unknown (monitoring)"


@dataclass(frozen=True)
class AlertResult:
    """What became of an alert. ``problems`` (field → messages) is set when the alert
    could not be matched to a case and waits for the NOC."""

    alert: MonitoringAlert
    ticket: Ticket | None = None
    created: bool = False
    problems: dict[str, list[str]] = field(default_factory=dict)


def alert_receive(
    *,
    received_by: User,
    source: str,
    pbx_serial: str,
    severity: str,
    summary: str,
    fingerprint: str,
    occurred_at: datetime,
    details: str = "",
    now: datetime | None = None,
) -> AlertResult:
    """Store an alert and act on it, all in one transaction.

    The same alert sent again (same fingerprint, instant and serial: a monitoring system
    retrying) is stored as a duplicate and changes nothing else.
    """
    if timezone.is_naive(occurred_at):
        raise ValidationError({"occurred_at": "Give the time with its offset from UTC."})
    now = now or timezone.now()
    alert = MonitoringAlert(
        source=source.strip(),
        pbx_serial=pbx_serial.strip(),
        severity=severity,
        summary=summary.strip(),
        details=details.strip(),
        fingerprint=fingerprint.strip(),
        occurred_at=occurred_at,
        received_at=now,
        received_by=received_by,
    )
    with transaction.atomic():
        return _act_on(alert, now=now)


def _act_on(alert: MonitoringAlert, *, now: datetime) -> AlertResult:
    """Match the alert to its PBX, then count it as a retry, add it to the case an earlier
    alert of the same fingerprint opened, or open a case."""
    device = _device_with_serial(alert.pbx_serial)
    if device is None:
        return _unmatched(
            alert,
            {"pbx_serial": [f"No PBX or device with serial “{alert.pbx_serial}” is on record."]},
        )
    # One organisation's alerts take turns, so two alerts about one new problem that
    # arrive together open one case, not two.
    organisation = Organisation.objects.select_for_update().get(pk=device.organisation_id)
    alert.organisation, alert.device = organisation, device

    earlier = _earlier_copy(alert, outcomes=[Outcome.OPENED, Outcome.APPENDED])
    if earlier is not None:
        return _record(alert, Outcome.DUPLICATE, earlier.ticket)

    opened_by_alert = _active_case_opener(alert)
    if opened_by_alert is not None:
        ticket = opened_by_alert.ticket
        _note_add(ticket=ticket, author=alert.received_by, body=_alert_text(alert))
        return _record(alert, Outcome.APPENDED, ticket)

    return _open_proactive_case(alert, device=device, now=now)


def _open_proactive_case(alert: MonitoringAlert, *, device: Device, now: datetime) -> AlertResult:
    owner = alert.organisation
    organisation = _partner_for(owner)
    if organisation is None:
        return _unmatched(
            alert,
            {
                "pbx_serial": [
                    f"The PBX with serial “{alert.pbx_serial}” belongs to the end customer "
                    f"{owner.name}, which has no installer on record to open a case for."
                ]
            },
        )
    requester = _requester_for(organisation)
    if requester is None:
        whose = (
            f"belongs to {organisation.name}"
            if organisation == owner
            else f"belongs to {owner.name}, installed by {organisation.name}"
        )
        return _unmatched(
            alert,
            {
                "pbx_serial": [
                    f"The PBX with serial “{alert.pbx_serial}” {whose}, "
                    f"which has no active user to open a case for."
                ]
            },
        )
    try:
        ticket = _proactive_ticket(
            alert=alert, device=device, requester=requester, created_by=alert.received_by, now=now
        )
    except ValidationError as exc:
        # The terms in force offer no technical case this alert could be filed under.
        return _unmatched(alert, field_errors(exc))
    return _record(alert, Outcome.OPENED, ticket, created=True)


def _record(
    alert: MonitoringAlert, outcome: str, ticket: Ticket, *, created: bool = False
) -> AlertResult:
    alert.outcome, alert.ticket = outcome, ticket
    alert.save()
    return AlertResult(alert=alert, ticket=ticket, created=created)


def _device_with_serial(serial: str) -> Device | None:
    return (
        Device.objects.select_related("organisation")
        .filter(serial_number__iexact=serial)
        .order_by("pk")
        .first()
    )


def _active_case_opener(alert: MonitoringAlert) -> MonitoringAlert | None:
    """The alert of the same organisation and fingerprint that opened a case still active."""
    return (
        MonitoringAlert.objects.filter(
            organisation=alert.organisation,
            fingerprint=alert.fingerprint,
            outcome=Outcome.OPENED,
            ticket__status__in=workflow.ACTIVE,
        )
        .select_related("ticket")
        .order_by("-received_at", "-pk")
        .first()
    )


def _earlier_copy(alert: MonitoringAlert, *, outcomes) -> MonitoringAlert | None:
    return (
        MonitoringAlert.objects.filter(
            fingerprint=alert.fingerprint,
            occurred_at=alert.occurred_at,
            pbx_serial__iexact=alert.pbx_serial,
            outcome__in=outcomes,
        )
        .select_related("ticket")
        .order_by("pk")
        .first()
    )


def _unmatched(alert: MonitoringAlert, problems: dict[str, list[str]]) -> AlertResult:
    """Keep the alert for the NOC. A retry of an alert the NOC already heard of is stored as
    a duplicate and tells nobody again."""
    if _earlier_copy(alert, outcomes=[Outcome.UNMATCHED, Outcome.REVIEWED]) is not None:
        alert.outcome = Outcome.DUPLICATE
        alert.save()
        return AlertResult(alert=alert, problems=problems)
    alert.outcome = Outcome.UNMATCHED
    alert.save()
    reasons = " ".join(message for messages in problems.values() for message in messages)
    notifications.notify(
        partner_selectors.staff_with_role(Role.NOC),
        kind=Notification.Kind.MONITORING,
        ticket=None,
        title=f"Monitoring alert needs review: {alert.summary}",
        body=f"{reasons}\n\n{_alert_text(alert, occurred=False)}",
        moments=[("Occurred at", alert.occurred_at)],
    )
    return AlertResult(alert=alert, problems=problems)


def _partner_for(owner: Organisation) -> Organisation | None:
    """The organisation a problem with ``owner``'s PBX is raised with (18.2: the partner):
    the installer of an end customer's system, else the owner itself."""
    if owner.kind == Organisation.Kind.END_CUSTOMER:
        return owner.installer
    return owner


def _requester_for(organisation: Organisation) -> User | None:
    """The case is opened in the name of the organisation's longest-standing active member."""
    return organisation.members.filter(is_active=True).order_by("date_joined", "pk").first()


def _proactive_ticket(
    *, alert: MonitoringAlert, device: Device, requester: User, created_by: User, now: datetime
) -> Ticket:
    policy = sla_selectors.policy_in_force_for(region=requester.organisation.region, at=now)
    case_type = (
        CaseType.objects.filter(policy=policy, is_technical=True).order_by("position", "pk").first()
    )
    if case_type is None:
        raise ValidationError(
            {"pbx_serial": [f"The terms in force ({policy.code}) have no technical case type."]}
        )
    reasons = CaseReason.objects.filter(case_type=case_type)
    reason = (
        reasons.filter(code=PREFERRED_REASON).first() or reasons.order_by("position", "pk").first()
    )
    ticket, _ = case_open(
        CaseRequest(
            requester=requester,
            created_by=created_by,
            case_type=case_type.code,
            reason=reason.code if reason else None,
            subject=_subject(alert, device=device, requester=requester),
            description=_description(alert, device=device, requester=requester),
            device=device,
            wms_version=device.wms_version or UNKNOWN_VERSION,
            firmware_versions=device.firmware_version or UNKNOWN_VERSION,
            critical_criterion=(
                CRITICAL_CRITERION if alert.severity == MonitoringAlert.Severity.CRITICAL else ""
            ),
            channel=Ticket.Channel.MONITORING,
            proactive=True,
        ),
        now=now,
    )
    return ticket


def _for_a_customer(device: Device, requester: User) -> bool:
    return device.organisation_id != requester.organisation_id


def _subject(alert: MonitoringAlert, *, device: Device, requester: User) -> str:
    """The alert's summary; for a customer's PBX, led by the customer's name so the
    partner's case list tells its customers apart."""
    if not _for_a_customer(device, requester):
        return alert.summary
    return f"{device.organisation.name}: {alert.summary}"[:200]


def _description(alert: MonitoringAlert, *, device: Device, requester: User) -> str:
    lines = ["Opened by the vendor from a monitoring alert."]
    if _for_a_customer(device, requester):
        lines.append(
            f"The alert concerns your customer {device.organisation.name}: "
            f"{device.name}, serial {device.serial_number}."
        )
    return "\n".join(lines) + "\n\n" + _alert_text(alert)


def _note_add(*, ticket: Ticket, author: User, body: str) -> Message:
    return message_post(
        ticket=ticket,
        reply=Reply(author=author, body=body, internal=True, channel=Message.Channel.API),
    )


def _alert_text(alert: MonitoringAlert, *, occurred: bool = True) -> str:
    """The alert as text. A note on a case, read by every agent, gives the time in UTC; a
    notice leaves it out (``occurred=False``) and names it in each reader's own zone."""
    lines = [
        f"{alert.get_severity_display()} alert from {alert.source}: {alert.summary}",
        f"PBX serial: {alert.pbx_serial}",
    ]
    if occurred:
        lines.append(f"Occurred at: {alert.occurred_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC")
    lines.append(f"Fingerprint: {alert.fingerprint}")
    if alert.details:
        lines += ["", alert.details]
    return "\n".join(lines)
