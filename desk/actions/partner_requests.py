"""Handing a refused case up the chain: to the partner a Bronze partner or a reseller is
assigned to, or to the installer of an end customer (terms, 15.2–15.3). The refusal keeps
what was typed as a draft; its author sends it; the receiving organisation turns it into a
case of its own with the vendor, answers it, or declines it.

A case opened from a request is the receiving organisation's own case, in its own name and
under its own eligibility: nothing is opened with the vendor in the refused organisation's
name.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from desk.actions.open_case import CaseRequest, case_open
from entitlements.rules import Access
from partners.eligibility import Decision, Outcome
from partners.models import Organisation, User
from tickets import events
from tickets.models import PartnerRequest, Ticket
from tickets.services.partner_requests import (
    RefusedCase,
    partner_request_close,
    partner_request_keep,
    partner_request_send,
    partner_request_uploads,
)

__all__ = [
    "Conversion",
    "RefusedCase",
    "hand_up_target",
    "partner_request_answer",
    "partner_request_convert",
    "partner_request_decline",
    "partner_request_keep",
    "partner_request_send",
]


def hand_up_target(
    organisation: Organisation | None, decision: Decision | Access
) -> tuple[Organisation, str] | None:
    """The organisation a refusal (the tier's ``Decision``, or the entitlements' ``Access``
    built on it) sends ``organisation`` to, and how it is related
    (``PartnerRequest.Referral``); None when the refusal names nobody on file (or the
    case was refused for another reason, e.g. a missing entitlement)."""
    if organisation is None:
        return None
    if decision.outcome == Outcome.REFER_UPSTREAM and organisation.upstream_partner_id:
        return organisation.upstream_partner, PartnerRequest.Referral.UPSTREAM
    if decision.outcome == Outcome.REFER_INSTALLER and organisation.installer_id:
        return organisation.installer, PartnerRequest.Referral.INSTALLER
    return None


@dataclass(frozen=True, kw_only=True)
class Conversion:
    """What the receiving organisation's case is opened with, besides the request's text and
    files: codes of the terms in force for it."""

    case_type: str
    reason: str | None = None
    wms_version: str = ""
    firmware_versions: str = ""
    channel: str = Ticket.Channel.PORTAL


def partner_request_convert(
    *, request: PartnerRequest, actor: User, conversion: Conversion, now: datetime | None = None
) -> Ticket:
    """Open a case for ``actor``'s organisation (the one the request was sent to) with the
    request's subject, description and files, link it to the request and tell the sender,
    all in one transaction.

    Raises what ``case_open`` raises (ValidationError, NotEligible: the receiving
    organisation's own rules apply) and what ``partner_request_close`` raises, leaving
    nothing written."""
    with transaction.atomic():
        ticket, _ = case_open(
            CaseRequest(
                requester=actor,
                case_type=conversion.case_type,
                reason=conversion.reason or None,
                subject=request.subject,
                description=request.description,
                wms_version=conversion.wms_version,
                firmware_versions=conversion.firmware_versions,
                attachments=partner_request_uploads(request),
                channel=conversion.channel,
            ),
            now=now,
        )
        partner_request_close(
            request=request,
            actor=actor,
            status=PartnerRequest.Status.CONVERTED,
            ticket=ticket,
            now=now,
        )
        events.opened_from_request(
            ticket, actor=actor, request_number=request.number, sender=request.sender.name
        )
    return ticket


def partner_request_answer(
    *, request: PartnerRequest, actor: User, answer: str, now: datetime | None = None
) -> PartnerRequest:
    return partner_request_close(
        request=request, actor=actor, status=PartnerRequest.Status.ANSWERED, reply=answer, now=now
    )


def partner_request_decline(
    *, request: PartnerRequest, actor: User, note: str, now: datetime | None = None
) -> PartnerRequest:
    return partner_request_close(
        request=request, actor=actor, status=PartnerRequest.Status.DECLINED, reply=note, now=now
    )
