"""Asking for hardware: the rules' answer first, then, in one transaction, the HWaaS
Management case that carries the request (opened like any case, with the clocks its terms
start) and the request recorded on it (``hwaas.services``)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from desk.actions.open_case import case_open
from hwaas import services as hwaas_services
from hwaas.models import HardwareRequest
from hwaas.services import RequestInput
from partners.models import User


def hardware_request_open(
    *, requester: User, data: RequestInput, now: datetime | None = None
) -> HardwareRequest:
    """Open the HWaaS Management case for ``data`` when the rules allow it.

    Raises ValidationError with field errors (what is missing, or the rules' refusal under
    the field it concerns) or tickets' NotEligible, before anything is written.
    """
    now = now or timezone.now()
    decision = hwaas_services.request_validate(
        requester=requester, data=data, today=timezone.localdate(now)
    )
    with transaction.atomic():
        ticket, _ = case_open(
            hwaas_services.request_case(requester=requester, data=data, decision=decision),
            now=now,
        )
        return hwaas_services.request_insert(
            ticket=ticket, requester=requester, data=data, decision=decision, now=now
        )
