"""Demo data for the partner chain, for ``seed_demo``: requests Iberia Voz (Bronze) and
Trattoria da Marco (an end customer) handed to the organisations they are referred to
(Hudson Voice Systems and Alpine Unified Comms), one still waiting, others taken up,
answered or declined; and a case of Trattoria da Marco (opened in its free set-up window)
that its installer follows under "Our customers' cases".

Runs after the partners, cases and entitlements demo data. Safe to run again: a request is
recognised by its subject and sender, the case by its subject.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from desk.actions.open_case import CaseRequest, case_open
from desk.actions.partner_requests import (
    Conversion,
    RefusedCase,
    hand_up_target,
    partner_request_answer,
    partner_request_convert,
    partner_request_decline,
    partner_request_keep,
    partner_request_send,
)
from desk.actions.reply import Reply, message_post
from partners.eligibility import Decision, Outcome
from partners.models import Device, User
from tickets.errors import NotEligible
from tickets.models import PartnerRequest, Ticket


@dataclass(frozen=True)
class DemoRequest:
    sender: str  # demo account that wrote it
    subject: str
    description: str
    case_type: str
    case_type_name: str
    reason: str
    reason_name: str
    hours_ago: float
    # ("convert",), ("answer", text) or ("decline", text); () leaves it waiting.
    outcome: tuple = ()
    file: tuple[str, bytes] | None = None


REQUESTS = [
    DemoRequest(
        "bronze@demo.test",
        "Echo on outside calls since the phones were updated",
        "Since the desk phones took firmware 1.9.0 on Tuesday, outside callers hear their own "
        "voice back on every call. Internal calls are clean. Trace of one call attached.",
        "tech_support",
        "Tech Support",
        "call-quality",
        "Call quality and dropped calls",
        3,
        file=("echo-trace.txt", b"INVITE sip:+34935550500@pbx.iberiavoz.test SIP/2.0\n"),
    ),
    DemoRequest(
        "bronze@demo.test",
        "Queue music stops after 20 seconds",
        "Callers waiting in the sales queue hear music for about 20 seconds, then silence "
        "until an agent answers. Happens on both of our PBXs.",
        "tech_support",
        "Tech Support",
        "pbx-configuration",
        "PBX configuration",
        30,
        outcome=("convert",),
    ),
    DemoRequest(
        "customer@demo.test",
        "Night service should ring the owner's mobile",
        "After closing time calls go to voicemail. We would like them to ring Marco's mobile "
        "until 23:00 instead.",
        "tech_support",
        "Tech Support",
        "pbx-configuration",
        "PBX configuration",
        5,
    ),
    DemoRequest(
        "customer@demo.test",
        "How do we change the voicemail greeting?",
        "The greeting still says the old opening hours. Which key do we press to record a new one?",
        "tech_support",
        "Tech Support",
        "apps",
        "Collaboration, desktop and mobile apps",
        50,
        outcome=(
            "answer",
            "Dial *97 from the reception phone, then press 3 and record after "
            "the tone. We can do it for you on Thursday if you prefer.",
        ),
    ),
]

# The hardware PBX of the entitlements demo, in its free set-up window.
PURCHASED_PBX = "TDM-HPBX-0001"
CUSTOMER_CASE_SUBJECT = "New desk phone does not register on the restaurant PBX"
CUSTOMER_CASE_TEXT = (
    "We plugged in the new phone for the bar this morning. It shows 'Registration failed' "
    "and cannot make calls. The other phones work."
)


def seed_partner_chain() -> int:
    """The demo requests and the installed customer's case; how many requests are new."""
    created = 0
    now = timezone.now()
    for spec in REQUESTS:
        author = User.objects.select_related("organisation").filter(email=spec.sender).first()
        if (
            author is None
            or PartnerRequest.objects.filter(
                sender=author.organisation, subject=spec.subject
            ).exists()
        ):
            continue
        with transaction.atomic():
            _play(spec, author=author, at=now - timedelta(hours=spec.hours_ago))
        created += 1
    _seed_customer_case(now=now)
    return created


def _play(spec: DemoRequest, *, author: User, at) -> None:
    organisation = author.organisation
    outcome = Outcome.REFER_INSTALLER if organisation.installer_id else Outcome.REFER_UPSTREAM
    target = hand_up_target(organisation, Decision(outcome, "2026-03"))
    if target is None:
        return
    recipient, referral = target
    files = [SimpleUploadedFile(spec.file[0], spec.file[1], "text/plain")] if spec.file else []
    draft = partner_request_keep(
        RefusedCase(
            author=author,
            recipient=recipient,
            referral=referral,
            subject=spec.subject,
            description=spec.description,
            case_type_code=spec.case_type,
            case_type_name=spec.case_type_name,
            reason_code=spec.reason,
            reason_name=spec.reason_name,
            wms_version="7.02.1" if spec.case_type == "tech_support" else "",
            firmware_versions="DP-40 1.9.0" if spec.case_type == "tech_support" else "",
            policy_version="2026-03",
            files=files,
        ),
        now=at,
    )
    partner_request_send(request=draft, actor=author, now=at)
    handler = recipient.members.filter(is_active=True).order_by("pk").first()
    if handler is None or not spec.outcome:
        return
    later = at + timedelta(hours=2)
    match spec.outcome:
        case ("convert",):
            partner_request_convert(
                request=draft,
                actor=handler,
                conversion=Conversion(
                    case_type=spec.case_type,
                    reason=spec.reason,
                    wms_version="7.02.1",
                    firmware_versions="DP-40 1.9.0",
                ),
                now=later,
            )
        case ("answer", text):
            partner_request_answer(request=draft, actor=handler, answer=text, now=later)
        case ("decline", text):
            partner_request_decline(request=draft, actor=handler, note=text, now=later)


def _seed_customer_case(*, now) -> None:
    """A case Trattoria da Marco opened in its free set-up window, with its installer's
    reply, so the installer's "Our customers' cases" tab has something in it."""
    customer = User.objects.select_related("organisation").filter(email="customer@demo.test")
    customer = customer.first()
    if customer is None or customer.organisation.installer_id is None:
        return
    if Ticket.objects.filter(
        organisation=customer.organisation, subject=CUSTOMER_CASE_SUBJECT
    ).exists():
        return
    device = Device.objects.filter(
        organisation=customer.organisation, serial_number=PURCHASED_PBX
    ).first()
    try:
        ticket, _ = case_open(
            CaseRequest(
                requester=customer,
                case_type="tech_support",
                reason="devices",
                category="provisioning",
                device=device,
                subject=CUSTOMER_CASE_SUBJECT,
                description=CUSTOMER_CASE_TEXT,
                wms_version=(device.wms_version if device else "") or "7.02.1",
                firmware_versions="DP-40 1.9.0",
            ),
            now=now - timedelta(hours=4),
        )
    except NotEligible:
        # The free window is over (the entitlements demo sets it from today): nothing to show.
        return
    installer = (
        customer.organisation.installer.members.filter(is_active=True).order_by("pk").first()
    )
    if installer is not None:
        message_post(
            ticket=ticket,
            reply=Reply(
                author=installer,
                body="We provisioned the bar phone on our side too; it should register within "
                "ten minutes. Tell us here if it still does not.",
            ),
        )
