"""REST API for cases: the list (filtered and sorted), opening a case, one case.

Thin views: every read goes through ``tickets.selectors`` (scoped to the user, so someone
else's case is a 404 exactly like a missing one) and opening a case through the use case in
``desk.actions``; the domain errors become 400 or 403 answers here. The conversation,
feedback and knowledge-base endpoints are in ``desk.api.messages``.
"""

import uuid

from django.urls import path
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.errors import FIELD_ERRORS
from desk.actions.open_case import CaseRequest, case_open
from desk.api import case_actions, documents, messages
from desk.api import partner_requests as partner_requests_api
from desk.api.access import (
    NO_ACCESS,
    NOT_FOUND,
    CaseAccess,
    clocks_in_hand,
    clocks_prefetch,
    visible_ticket,
)
from desk.api.paging import TicketCursor, TicketOrdering
from desk.api.serializers import (
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketSerializer,
    case_request_validated,
    ticket_detail_data,
)
from partners import selectors as partner_selectors
from tickets import selectors
from tickets.errors import NotEligible
from tickets.filters import CaseFilter
from tickets.models import Ticket
from tickets.serializers import NotEligibleSerializer, not_eligible_body

# --- Listing cases -------------------------------------------------------------------------


class TicketApiFilter(CaseFilter):
    """The case filters as the API documents them; ``CaseFilter`` says which apply to staff
    only (a partner's list ignores those)."""

    presentation = {
        "q": {"help_text": "A case number, or words in the subject or description."},
        "status": {"help_text": "Repeat for several statuses."},
        "case_type": {"help_text": "Case type code."},
        "reason": {"help_text": "Case reason code."},
        "cos": {"help_text": "Class of service."},
        "tier": {"help_text": "Partner tier of the organisation (staff only)."},
        "region": {"help_text": "Region of the organisation (staff only)."},
        "assignee": {
            "help_text": 'A staff user id, "none" for unassigned cases or "me" (staff only).'
        },
        "organisation": {"help_text": "Organisation id (staff only)."},
    }


class TicketListCreate(generics.ListAPIView):
    """Cases of your organisation (partners, newest first) or every case (support staff,
    nearest SLA breach first), each with the SLA clocks its reader may see."""

    permission_classes = [IsAuthenticated, CaseAccess]
    serializer_class = TicketSerializer
    pagination_class = TicketCursor
    filter_backends = [filters.DjangoFilterBackend, TicketOrdering]
    filterset_class = TicketApiFilter
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return (
            selectors.tickets_visible_to(self.request.user)
            # Joined in: what sorting and filtering may need. Each further join would cost
            # the planner more than the one small query that reads it for the whole page.
            .select_related("organisation", "case_type")
            .prefetch_related(
                "reason", "category", "subcategory", "device", clocks_prefetch(self.request.user)
            )
        )

    @extend_schema(
        summary="List cases",
        responses={200: TicketSerializer(many=True), 400: FIELD_ERRORS, 403: NO_ACCESS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Open a case (partners)",
        description="Opens a case for your organisation. Eligibility is checked before "
        "anything is saved: a case your organisation may not open directly is refused with "
        "the partner or installer to contact instead.",
        request=TicketCreateSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.UUID,
                OpenApiParameter.HEADER,
                description="Same role as submission_key in the body.",
            )
        ],
        responses={
            201: OpenApiResponse(TicketDetailSerializer, description="The case was opened."),
            200: OpenApiResponse(
                TicketDetailSerializer,
                description="This submission key already opened this case; nothing new.",
            ),
            400: FIELD_ERRORS,
            403: OpenApiResponse(
                NotEligibleSerializer,
                description="Not eligible for direct support: whom to contact instead. "
                "Also returned (with detail only) to staff and billing users.",
            ),
        },
    )
    def post(self, request, *args, **kwargs):
        if not request.user.is_partner:
            return Response(
                {
                    "detail": "The API opens cases for partner users only. To log a case for "
                    "a partner, use the staff case pages."
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        data = case_request_validated(request)
        named, errors = _things_named(request, data)
        if errors:
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        try:
            ticket, created = case_open(_case_request(request, data, **named))
        except NotEligible as exc:
            body = not_eligible_body(exc)
            body["hand_up"] = partner_requests_api.hand_up_body(request, data, exc.decision)
            return Response(body, status=status.HTTP_403_FORBIDDEN)
        if created:
            # The new case is in hand with every relation and clock the answer shows.
            clocks_in_hand(ticket, ticket.started_clocks, request.user)
        else:
            ticket = visible_ticket(request, ticket.pk)
        return Response(
            ticket_detail_data(ticket, request),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


# --- Opening a case ------------------------------------------------------------------------


def _things_named(request, data: dict) -> tuple[dict, dict[str, list[str]]]:
    """The submission key, device and earlier case a new case's request names, looked up
    for the partner; and, per field, what is wrong with them."""
    errors: dict[str, list[str]] = {}
    submission_key, problem = _submission_key(request, data.get("submission_key"))
    if problem:
        errors["submission_key"] = [problem]

    device = None
    if data.get("device"):
        device = (
            partner_selectors.devices_visible_to(request.user)
            .filter(serial_number=data["device"].strip())
            .first()
        )
        if device is None:
            errors["device"] = ["No PBX or device of your organisation has this serial number."]

    follow_up_of = None
    if data.get("follow_up_of") is not None:
        follow_up_of = (
            selectors.tickets_visible_to(request.user).filter(pk=data["follow_up_of"]).first()
        )
        if follow_up_of is None:
            errors["follow_up_of"] = ["No case of your organisation has this id."]
    named = {"submission_key": submission_key, "device": device, "follow_up_of": follow_up_of}
    return named, errors


def _submission_key(request, submission_key: uuid.UUID | None) -> tuple[uuid.UUID | None, str]:
    """The key that makes opening this case idempotent: the body's submission key or the
    Idempotency-Key header, which plays the same role; and what is wrong with them, if
    anything."""
    header_key = request.headers.get("Idempotency-Key", "").strip()
    if not header_key:
        return submission_key, ""
    try:
        header_uuid = uuid.UUID(header_key)
    except ValueError:
        return submission_key, "The Idempotency-Key header must be a UUID."
    if submission_key and submission_key != header_uuid:
        return header_uuid, "The Idempotency-Key header and submission_key differ."
    return header_uuid, ""


def _case_request(request, data: dict, *, submission_key, device, follow_up_of) -> CaseRequest:
    return CaseRequest(
        requester=request.user,
        case_type=data["case_type"],
        reason=data.get("reason") or None,
        category=data.get("category") or None,
        subcategory=data.get("subcategory") or None,
        subject=data["subject"],
        description=data["description"],
        device=device,
        wms_version=data.get("wms_version") or "",
        firmware_versions=data.get("firmware_versions") or "",
        critical_criterion=data.get("critical_criterion") or "",
        reproduced_with_other_operator=data.get("reproduced_with_other_operator"),
        follow_up_of=follow_up_of,
        submission_key=submission_key,
        channel=Ticket.Channel.API,
    )


# --- One case ------------------------------------------------------------------------------


class TicketDetail(generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated, CaseAccess]
    serializer_class = TicketDetailSerializer

    @extend_schema(
        summary="One case",
        responses={200: TicketDetailSerializer, 403: NO_ACCESS, 404: NOT_FOUND},
    )
    def get(self, request, pk: int):
        ticket = visible_ticket(request, pk)
        return Response(TicketDetailSerializer(ticket, context={"request": request}).data)


urlpatterns = [
    path("tickets/", TicketListCreate.as_view(), name="api-tickets"),
    path("tickets/<int:pk>/", TicketDetail.as_view(), name="api-ticket"),
    *messages.urlpatterns,
    *case_actions.urlpatterns,
    *partner_requests_api.urlpatterns,
    *documents.urlpatterns,
]
