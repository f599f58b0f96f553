"""REST API for requests handed up the chain (``desk.actions.partner_requests``).

A case refused to a Bronze partner, a reseller or an end customer is kept as a draft, and
the refusal's answer (``POST /api/tickets/``, 403) names it under ``hand_up``. Its author
sends it with ``POST /api/partner-requests/{id}/send/``; the organisation it was referred
to lists and reads it, and converts, answers or declines it. Every read is scoped to the
user's organisation: anyone else's request is a 404, exactly like a missing one.
"""

from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.cursor import CheckedCursor
from core.api.errors import FIELD_ERRORS, ErrorSerializer
from core.errors import IllegalTransition
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
from partners.access import api_role
from partners.models import CaseType
from partners.roles import Role
from tickets import selectors
from tickets.errors import NotEligible
from tickets.models import PartnerRequest, Ticket
from tickets.serializers import NotEligibleSerializer, OrganisationRefSerializer, not_eligible_body

PartnerAccess = api_role(Role.PARTNER)
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such request, or not yours.")
NO_ACCESS = OpenApiResponse(ErrorSerializer, description="Only partner users have requests.")
CONFLICT = OpenApiResponse(
    ErrorSerializer, description="The request was already sent, or already dealt with."
)


class RequestFileSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="original_name", read_only=True)
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField(help_text="Download page of the file.")

    def get_url(self, kept) -> str:
        return reverse("tickets:partner_request_file", args=[kept.pk])


class PartnerRequestSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    sender = OrganisationRefSerializer(read_only=True)
    recipient = OrganisationRefSerializer(read_only=True)
    sent_by = serializers.SerializerMethodField()
    files = RequestFileSerializer(many=True, read_only=True)
    ticket = serializers.SerializerMethodField(
        help_text="Id of the case opened from it; only the receiving organisation sees it."
    )

    class Meta:
        model = PartnerRequest
        fields = [
            "id",
            "number",
            "status",
            "referral",
            "sender",
            "sent_by",
            "recipient",
            "subject",
            "description",
            "case_type_code",
            "case_type_name",
            "reason_code",
            "reason_name",
            "wms_version",
            "firmware_versions",
            "created_at",
            "sent_at",
            "handled_at",
            "reply",
            "ticket",
            "files",
        ]
        read_only_fields = fields

    def get_sent_by(self, item) -> dict:
        return {"name": item.sent_by.get_full_name(), "email": item.sent_by.email}

    def get_ticket(self, item) -> int | None:
        user = self.context["request"].user
        return item.ticket_id if item.recipient_id == user.organisation_id else None


class ConvertSerializer(serializers.Serializer):
    case_type = serializers.SlugField(
        help_text="Case type code of the terms in force for your organisation."
    )
    reason = serializers.SlugField(required=False, allow_blank=True, default="")
    wms_version = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
    firmware_versions = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default=""
    )


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=50_000)


class DeclineSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000, help_text="Why; the sender reads it.")


class ConvertedSerializer(serializers.Serializer):
    ticket = serializers.IntegerField(help_text="Id of the case opened.")
    number = serializers.CharField()
    request = PartnerRequestSerializer()


class RequestCursor(CheckedCursor):
    # Sent requests only (drafts are never listed), so every row has its sent_at.
    ordering = ("-sent_at", "-id")


def _visible(request, pk: int) -> PartnerRequest:
    try:
        return selectors.partner_request_for(user=request.user, pk=pk)
    except PartnerRequest.DoesNotExist:
        raise NotFound("No such request.") from None


def _received(request, pk: int) -> PartnerRequest:
    found = _visible(request, pk)
    if found.recipient_id != request.user.organisation_id or found.status == found.Status.DRAFT:
        raise NotFound("No such request.")
    return found


def _conflict(found: PartnerRequest) -> Response:
    return Response(
        {"detail": f"{found.number} is {found.get_status_display().lower()}."},
        status=status.HTTP_409_CONFLICT,
    )


def _shown(request, pk: int) -> dict:
    return PartnerRequestSerializer(_visible(request, pk), context={"request": request}).data


class PartnerRequestList(generics.ListAPIView):
    permission_classes = [IsAuthenticated, PartnerAccess]
    serializer_class = PartnerRequestSerializer
    pagination_class = RequestCursor

    def get_queryset(self):
        box = self.request.query_params.get("box") or "received"
        if box not in ("received", "sent"):
            raise serializers.ValidationError({"box": ["Use received or sent."]})
        if box == "sent":
            found = selectors.partner_requests_sent(self.request.user)
        else:
            found = selectors.partner_requests_received(self.request.user)
        return found.select_related("sender", "recipient", "sent_by").prefetch_related("files")

    @extend_schema(
        summary="List requests",
        description="Requests sent to your organisation (box=received, the default) or sent "
        "on by it (box=sent), newest first.",
        parameters=[OpenApiParameter("box", OpenApiTypes.STR, enum=["received", "sent"])],
        responses={200: PartnerRequestSerializer(many=True), 400: FIELD_ERRORS, 403: NO_ACCESS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PartnerRequestDetail(APIView):
    permission_classes = [IsAuthenticated, PartnerAccess]

    @extend_schema(
        summary="One request",
        responses={200: PartnerRequestSerializer, 403: NO_ACCESS, 404: NOT_FOUND},
    )
    def get(self, request, pk: int):
        return Response(_shown(request, pk))


class PartnerRequestSend(APIView):
    permission_classes = [IsAuthenticated, PartnerAccess]

    @extend_schema(
        summary="Send a refused case to your partner or installer",
        description="Hands the draft kept at the refusal (its id is in the refusal's "
        "hand_up) to the organisation it was referred to.",
        request=None,
        responses={200: PartnerRequestSerializer, 404: NOT_FOUND, 409: CONFLICT},
    )
    def post(self, request, pk: int):
        found = _visible(request, pk)
        if found.sender_id != request.user.organisation_id:
            raise NotFound("No such request.")
        try:
            partner_request_send(request=found, actor=request.user)
        except IllegalTransition:
            return _conflict(found)
        return Response(_shown(request, pk))


class PartnerRequestConvert(APIView):
    permission_classes = [IsAuthenticated, PartnerAccess]

    @extend_schema(
        summary="Open a case of your own from a request",
        description="Opens a case for your organisation with the request's subject, "
        "description and files, links it to the request and tells the sender. Your "
        "organisation's own eligibility applies.",
        request=ConvertSerializer,
        responses={
            201: ConvertedSerializer,
            400: FIELD_ERRORS,
            403: OpenApiResponse(NotEligibleSerializer, description="Not eligible either."),
            404: NOT_FOUND,
            409: CONFLICT,
        },
    )
    def post(self, request, pk: int):
        found = _received(request, pk)
        serializer = ConvertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            ticket = partner_request_convert(
                request=found,
                actor=request.user,
                conversion=Conversion(
                    case_type=data["case_type"],
                    reason=data["reason"] or None,
                    wms_version=data["wms_version"],
                    firmware_versions=data["firmware_versions"],
                    channel=Ticket.Channel.API,
                ),
            )
        except IllegalTransition:
            return _conflict(found)
        except NotEligible as refusal:
            return Response(not_eligible_body(refusal), status=status.HTTP_403_FORBIDDEN)
        return Response(
            {"ticket": ticket.pk, "number": ticket.number, "request": _shown(request, pk)},
            status=status.HTTP_201_CREATED,
        )


class PartnerRequestAnswer(APIView):
    permission_classes = [IsAuthenticated, PartnerAccess]

    @extend_schema(
        summary="Answer a request yourself",
        request=AnswerSerializer,
        responses={200: PartnerRequestSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND, 409: CONFLICT},
    )
    def post(self, request, pk: int):
        found = _received(request, pk)
        serializer = AnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            partner_request_answer(
                request=found, actor=request.user, answer=serializer.validated_data["answer"]
            )
        except IllegalTransition:
            return _conflict(found)
        return Response(_shown(request, pk))


class PartnerRequestDecline(APIView):
    permission_classes = [IsAuthenticated, PartnerAccess]

    @extend_schema(
        summary="Decline a request, with a note",
        request=DeclineSerializer,
        responses={200: PartnerRequestSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND, 409: CONFLICT},
    )
    def post(self, request, pk: int):
        found = _received(request, pk)
        serializer = DeclineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            partner_request_decline(
                request=found, actor=request.user, note=serializer.validated_data["note"]
            )
        except IllegalTransition:
            return _conflict(found)
        return Response(_shown(request, pk))


urlpatterns = [
    path("partner-requests/", PartnerRequestList.as_view(), name="api-partner-requests"),
    path("partner-requests/<int:pk>/", PartnerRequestDetail.as_view(), name="api-partner-request"),
    path(
        "partner-requests/<int:pk>/send/",
        PartnerRequestSend.as_view(),
        name="api-partner-request-send",
    ),
    path(
        "partner-requests/<int:pk>/convert/",
        PartnerRequestConvert.as_view(),
        name="api-partner-request-convert",
    ),
    path(
        "partner-requests/<int:pk>/answer/",
        PartnerRequestAnswer.as_view(),
        name="api-partner-request-answer",
    ),
    path(
        "partner-requests/<int:pk>/decline/",
        PartnerRequestDecline.as_view(),
        name="api-partner-request-decline",
    ),
]


def hand_up_body(request, data: dict, decision) -> dict | None:
    """For a refused case: the draft kept with its text (the ``hand_up`` of the refusal's
    answer) and where to send it; None when the refusal names nobody on file."""
    user = request.user
    target = hand_up_target(user.organisation, decision)
    if target is None:
        return None
    recipient, referral = target
    case_type = CaseType.objects.filter(
        policy__code=decision.policy_version, code=data.get("case_type") or ""
    ).first()
    reason = case_type.reasons.filter(code=data.get("reason") or "").first() if case_type else None
    draft = partner_request_keep(
        RefusedCase(
            author=user,
            recipient=recipient,
            referral=referral,
            subject=data.get("subject") or "",
            description=data.get("description") or "",
            case_type_code=data.get("case_type") or "",
            case_type_name=case_type.name if case_type else "",
            reason_code=data.get("reason") or "",
            reason_name=reason.name if reason else "",
            wms_version=data.get("wms_version") or "",
            firmware_versions=data.get("firmware_versions") or "",
            policy_version=decision.policy_version,
            submission_key=data.get("submission_key"),
        )
    )
    return {
        "request": draft.pk,
        "number": draft.number,
        "recipient": {"id": recipient.pk, "name": recipient.name},
        "status": draft.status,
        "send": reverse("api-partner-request-send", args=[draft.pk]),
    }
