"""Demo cases for ``seed_demo``: a realistic queue across the demo organisations, opened and
worked through the services so every case has its timeline. Safe to run repeatedly: a case
is recognised by its subject within its organisation and never created twice.

Needs the demo organisations, devices and accounts (``partners.demo``) and the policies.
Most of the module is the ``CASES`` table; the code that plays it is the last hundred lines.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from desk.actions.open_case import CaseRequest, case_open
from desk.actions.reply import Reply, message_post
from desk.actions.status import ticket_change_cos, ticket_set_status
from partners.models import Device, Organisation, User
from tickets import services
from tickets.models import Ticket

AGENT_EMAIL = "agent@demo.test"
NOC_EMAIL = "noc@demo.test"
TS, CC, CS, FR, HW = (
    "tech_support",
    "customer_care",
    "customer_success",
    "feature_request",
    "hwaas_management",
)
C = Ticket.CriticalCriterion


@dataclass(frozen=True)
class DemoCase:
    org: str  # key in partners.demo.ORGANISATIONS; the requester is <key>@demo.test
    subject: str
    description: str
    case_type: str
    reason: str
    hours_ago: float
    category: str = ""
    subcategory: str = ""
    device: str = ""  # serial suffix in partners.demo.DEVICES: CPBX, HPBX, PH01, PH02
    critical: str = ""
    by_phone: bool = False
    follow_up_of: str = ""  # subject of a closed case of the same organisation
    # What happens after opening, in order. ("assign", "agent"|"noc"), ("reply", text),
    # ("note", text), ("partner", text), ("status", target, note), ("cos", cos, reason),
    # ("feedback", rating, comment).
    steps: tuple[tuple, ...] = ()


CASES = [
    DemoCase(
        "diamond",
        "Calls drop after 30 seconds on the SIP trunk",
        "Since 08:15 every outgoing call through the main trunk drops after about 30 "
        "seconds. Internal calls are fine. The operator says their side looks normal.",
        TS,
        "call-quality",
        2,
        category="dropped",
        device="CPBX",
        critical=C.CALL_DROPS,
        steps=(
            ("assign", "agent"),
            ("note", "Looks like a session timer mismatch after last night's update."),
            ("cos", "critical", "Every outgoing call drops; no workaround at the customer."),
            ("reply", "We are on it. Could you send a trace of one failing call?"),
        ),
    ),
    DemoCase(
        "diamond",
        "Cloud PBX web console not reachable since 07:00",
        "The admin console of the main office cloud PBX times out. Phones still register.",
        TS,
        "cloud-pbx-unreachable",
        0.5,
        device="CPBX",
        critical=C.CLOUD_UNREACHABLE,
    ),
    DemoCase(
        "diamond",
        "Invoice for October lists 40 licences instead of 35",
        "We terminated five user licences on 30 September but October's invoice still counts 40.",
        CC,
        "billing",
        72,
        category="invoice",
        steps=(
            ("assign", "agent"),
            ("reply", "Thanks. Could you tell us which five users were removed?"),
            ("status", "waiting_on_partner", ""),
        ),
    ),
    DemoCase(
        "diamond",
        "Reception phone shows 'No service' after the firmware update",
        "After updating to 1.9.0 the reception desk phone shows 'No service' every morning "
        "until it is restarted.",
        TS,
        "devices",
        26,
        category="firmware",
        device="PH01",
        steps=(
            ("assign", "agent"),
            ("reply", "Please turn off 'Power saving' under Settings > Display and tell us."),
            ("partner", "Done yesterday; this morning the phone was fine."),
            ("status", "resolved", "Power saving made the phone drop its registration."),
        ),
    ),
    DemoCase(
        "platinum",
        "Outgoing calls to mobile numbers fail",
        "Calls to any mobile number end with a busy tone. Landlines work.",
        TS,
        "classound-outage",
        5,
        category="outbound",
        device="CPBX",
        critical=C.SEVERE_IMPACT,
        steps=(
            ("assign", "agent"),
            ("cos", "critical", "Sales team cannot reach any customer on mobile."),
            ("note", "Carrier route for mobile prefixes shows errors; asked the NOC."),
            ("reply", "We found a routing problem at the carrier and are working on it."),
        ),
    ),
    DemoCase(
        "platinum",
        "Ring group does not ring the DECT handsets",
        "The 'Warehouse' ring group rings the desk phones but never the DECT handsets.",
        TS,
        "pbx-configuration",
        50,
        category="users",
        device="PH02",
    ),
    DemoCase(
        "platinum",
        "Tax breakdown needed for quote Q-2026-118",
        "Our customer in Texas needs the state and local taxes shown separately.",
        CC,
        "billing",
        96,
        category="tax-breakdown",
        steps=(
            ("assign", "agent"),
            ("reply", "Which ship-to address should the breakdown use?"),
            ("status", "waiting_on_partner", ""),
        ),
    ),
    DemoCase(
        "platinum",
        "Teams integration shows everyone as offline",
        "Since Monday the presence of all users shows 'Offline' in Microsoft Teams.",
        TS,
        "integrations",
        144,
        steps=(
            ("assign", "agent"),
            ("reply", "Please re-authorise the Teams connector in the PBX admin."),
            ("status", "waiting_on_partner", ""),
            ("partner", "Re-authorised, but presence is still offline for half the users."),
        ),
    ),
    DemoCase(
        "platinum",
        "Onboarding training for our new technicians",
        "Three new technicians start next month. Can we book the installer training?",
        CS,
        "onboarding",
        192,
        steps=(
            ("assign", "agent"),
            ("reply", "Of course. The next sessions are on the 3rd and the 17th."),
            ("status", "waiting_on_partner", ""),
        ),
    ),
    DemoCase(
        "gold",
        "SIP trunk to the carrier does not register after a router swap",
        "We replaced the customer's router. Since then the SIP trunk stays 'Unregistered'.",
        TS,
        "pbx-configuration",
        24,
        category="trunks",
        subcategory="sip",
        device="HPBX",
        steps=(
            ("assign", "agent"),
            ("note", "Probably SIP ALG on the new router; check before replying."),
        ),
    ),
    DemoCase(
        "gold",
        "Echo on calls from the warehouse DECT",
        "Callers hear their own voice when talking to the warehouse DECT handsets.",
        TS,
        "call-quality",
        3,
        category="echo",
        device="PH02",
    ),
    DemoCase(
        "gold",
        "Add 20 desk phones to our HWaaS agreement",
        "We need 20 more DP-40 desk phones for a new customer site, delivered by the 15th.",
        HW,
        "add-devices",
        48,
        steps=(
            ("assign", "agent"),
            ("reply", "Please confirm the delivery address and a contact on site."),
            ("status", "waiting_on_partner", ""),
        ),
    ),
    DemoCase(
        "gold",
        "Voicemail to e-mail stopped working",
        "Voicemails are recorded but no e-mail arrives any more.",
        TS,
        "apps",
        288,
        device="CPBX",
        steps=(
            ("assign", "agent"),
            ("reply", "The SMTP password stored in the PBX expired. Please update it."),
            ("partner", "Updated; e-mails arrive again."),
            ("status", "resolved", "SMTP credentials renewed by the partner."),
            ("feedback", 5, "Quick and clear, thank you."),
            ("close",),
        ),
    ),
    DemoCase(
        "gold",
        "Voicemail e-mails missing again for two users",
        "Same problem as before, but only for two users this time.",
        TS,
        "apps",
        2,
        device="CPBX",
        follow_up_of="Voicemail to e-mail stopped working",
    ),
    DemoCase(
        "gold2",
        "Call recordings missing for yesterday afternoon",
        "Recordings between 14:00 and 17:00 yesterday are missing for all users.",
        TS,
        "other-technical",
        7,
        device="CPBX",
    ),
    DemoCase(
        "gold2",
        "Change the company address on our account",
        "We moved to 200 N Michigan Ave, Chicago. Please update invoices from next month.",
        CC,
        "company-information",
        120,
        category="contacts-address",
        steps=(
            ("assign", "agent"),
            ("reply", "Done for the billing address. Should the delivery address change too?"),
            ("status", "waiting_on_partner", ""),
        ),
    ),
    DemoCase(
        "gold2",
        "Hunt group overflow to an external number",
        "We would like a hunt group to overflow to a mobile number after 30 seconds.",
        FR,
        "new-feature",
        216,
        steps=(
            ("assign", "agent"),
            ("note", "Already on the roadmap for 7.04; ask product for a date."),
            ("reply", "Thanks, we passed this to the product team."),
        ),
    ),
    DemoCase(
        "gold2",
        "Whole office cannot call out",
        "Taken by phone: since 10:20 no outgoing call works from the office; incoming is fine.",
        TS,
        "classound-outage",
        1,
        category="outbound",
        device="CPBX",
        critical=C.CALL_DROPS,
        by_phone=True,
        steps=(("assign", "agent"),),
    ),
    DemoCase(
        "silver",
        "Password reset for the PBX admin account",
        "Our admin left the company and nobody knows the PBX admin password.",
        TS,
        "password-reset",
        0.3,
        device="CPBX",
    ),
    DemoCase(
        "silver",
        "Escalation: trunk problem still not solved after a week",
        "Our trunk case has been open for a week and the customer is losing patience.",
        CS,
        "escalation",
        40,
        steps=(
            ("assign", "agent"),
            ("note", "Linked trunk case is waiting on the carrier; call the partner today."),
        ),
    ),
    DemoCase(
        "silver",
        "Backup restore fails with 'archive corrupt'",
        "Restoring last night's backup on the branch PBX fails with 'archive corrupt'.",
        TS,
        "pbx-configuration",
        100,
        category="backup",
        device="HPBX",
        steps=(
            ("assign", "agent"),
            ("reply", "Please attach the backup file and the PBX log from the restore."),
            ("status", "waiting_on_partner", ""),
            ("partner", "Both attached to the case by e-mail just now."),
        ),
    ),
    DemoCase(
        "silver",
        "Order ORD-55812 not delivered yet",
        "The order was confirmed three weeks ago and has not arrived.",
        CC,
        "orders",
        20,
        category="tracking",
    ),
    DemoCase(
        "bronze",
        "Cloud PBX unreachable from our office",
        "Neither the phones nor the console reach the cloud PBX since 09:40.",
        TS,
        "cloud-pbx-unreachable",
        0.8,
        device="CPBX",
        critical=C.CLOUD_UNREACHABLE,
        steps=(
            ("assign", "noc"),
            ("note", "Our monitoring shows the instance up; probably their firewall."),
        ),
    ),
    DemoCase(
        "bronze",
        "CLASSOUND: incoming calls fail on one number",
        "Calls to +34 93 555 0501 get 'number not available'. Other numbers are fine.",
        TS,
        "classound-outage",
        3,
        category="inbound",
        device="CPBX",
        critical=C.CALL_DROPS,
        steps=(
            ("assign", "agent"),
            ("cos", "standard", "One number only; calls reach the main line meanwhile."),
            ("reply", "We have asked the carrier to check the number's routing."),
        ),
    ),
    DemoCase(
        "bronze",
        "Password reset for a locked-out user",
        "User 205 locked herself out of the mobile app after too many attempts.",
        TS,
        "password-reset",
        30,
        device="CPBX",
        steps=(
            ("assign", "agent"),
            ("reply", "We sent a reset link to the user's address. Did it arrive?"),
            ("status", "waiting_on_partner", ""),
        ),
    ),
]


def _device(organisation: Organisation, suffix: str) -> Device | None:
    if not suffix:
        return None
    return Device.objects.filter(organisation=organisation, serial_number__contains=suffix).first()


@transaction.atomic
def seed_cases() -> int:
    """Open the demo cases that do not exist yet; returns how many were created."""
    staff = {
        "agent": User.objects.get(email=AGENT_EMAIL),
        "noc": User.objects.get(email=NOC_EMAIL),
    }
    now = timezone.now()
    created = 0
    for spec in CASES:
        requester = User.objects.select_related("organisation").get(email=f"{spec.org}@demo.test")
        organisation = requester.organisation
        if Ticket.objects.filter(organisation=organisation, subject=spec.subject).exists():
            continue
        device = _device(organisation, spec.device)
        technical = spec.case_type == TS
        ticket, _ = case_open(
            CaseRequest(
                requester=requester,
                created_by=staff["agent"] if spec.by_phone else requester,
                channel=Ticket.Channel.PHONE if spec.by_phone else Ticket.Channel.PORTAL,
                case_type=spec.case_type,
                reason=spec.reason,
                category=spec.category or None,
                subcategory=spec.subcategory or None,
                device=device,
                subject=spec.subject,
                description=spec.description,
                wms_version=_wms(device) if technical else "",
                firmware_versions=_firmware(device) if technical else "",
                critical_criterion=spec.critical,
                # The demo partners checked with another operator before asking.
                reproduced_with_other_operator=True if spec.critical == C.CALL_DROPS else None,
                follow_up_of=(
                    Ticket.objects.filter(
                        organisation=organisation, subject=spec.follow_up_of
                    ).first()
                    if spec.follow_up_of
                    else None
                ),
            ),
            now=now - timedelta(hours=spec.hours_ago),
        )
        _work(ticket, spec.steps, requester=requester, staff=staff)
        created += 1
    return created


def _wms(device: Device | None) -> str:
    pbx = device.pbx if device is not None and device.pbx_id else device
    return (pbx.wms_version if pbx is not None else "") or "7.02.1"


def _firmware(device: Device | None) -> str:
    if device is not None and device.firmware_version:
        return f"{device.model} {device.firmware_version}"
    return "DP-40 1.9.0, DB-1 4.2.7"


def _work(ticket: Ticket, steps, *, requester: User, staff: dict[str, User]) -> None:
    agent = staff["agent"]
    for step in steps:
        match step:
            case ("assign", who):
                services.ticket_assign(ticket=ticket, actor=agent, assignee=staff[who])
            case ("reply", text):
                message_post(ticket=ticket, reply=Reply(author=ticket.assignee or agent, body=text))
            case ("note", text):
                message_post(
                    ticket=ticket,
                    reply=Reply(author=ticket.assignee or agent, body=text, internal=True),
                )
            case ("partner", text):
                message_post(ticket=ticket, reply=Reply(author=requester, body=text))
            case ("status", target, note):
                ticket_set_status(
                    ticket=ticket, actor=ticket.assignee or agent, status=target, note=note
                )
            case ("cos", cos, reason):
                ticket_change_cos(
                    ticket=ticket, actor=ticket.assignee or agent, cos=cos, reason=reason
                )
            case ("feedback", rating, comment):
                services.feedback_give(
                    ticket=ticket, author=requester, rating=rating, comment=comment
                )
            case ("close",):
                ticket_set_status(ticket=ticket, actor=requester, status="closed")
            case _:
                raise ValueError(f"Unknown demo step {step!r}")
