"""The API for working a case: what an agent does on the staff case page, for integrators
and scripts. Move its status, assign it, set its class of service, mark the service
restored. Replies and internal notes are in ``desk.api.messages``; time spent in
``entitlements.api``.

Each endpoint calls the same use case or service as the page, so the rules (the transition
table, who may do what, the reason a class of service needs) are the page's rules; a
refusal is a 400 with the field, a move the case's status does not allow a 409 that says
where it can go, someone else's case a 404.
"""

from django.core.exceptions import PermissionDenied
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.errors import FIELD_ERRORS, ErrorSerializer
from core.converters import MAX_ID
from desk.actions.status import ticket_change_cos, ticket_set_status
from desk.api.access import NOT_FOUND, CaseAccess, visible_ticket
from desk.api.serializers import TicketDetailSerializer
from partners.access import api_role
from partners.models import User
from partners.roles import Role
from sla import services as sla_services
from tickets import selectors, services, workflow
from tickets.errors import IllegalTransition
from tickets.models import Ticket
from tickets.staff_forms import move_refusal

# The staff roles that work cases.
StaffCaseAccess = api_role(Role.AGENT, Role.NOC, Role.ADMIN)
STAFF_ONLY = OpenApiResponse(
    ErrorSerializer, description="Only support staff (agents, NOC, administrators) may do this."
)


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=Ticket.Status.choices,
        help_text="The status to move to. Partners may only close a resolved case.",
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        default="",
        help_text="Shown to the partner on the timeline with the change.",
    )


class MoveRefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    status = serializers.ChoiceField(choices=Ticket.Status.choices, help_text="Where it is now.")
    allowed = serializers.ListField(
        child=serializers.ChoiceField(choices=Ticket.Status.choices),
        help_text="The statuses it may move to from here.",
    )


class AssignSerializer(serializers.Serializer):
    assignee = serializers.IntegerField(
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="Id of a support staff user, or null to unassign.",
    )


class CosChangeSerializer(serializers.Serializer):
    cos = serializers.ChoiceField(choices=Ticket.ClassOfService.choices)
    reason = serializers.CharField(
        max_length=1000, help_text="Why; shown to the partner on the timeline."
    )
    override_reason = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to set Critical on a case filed where extended support does not "
        "apply (hardware, internet connectivity, planned work): why the exception. Internal.",
    )


class RestoredSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, default="", help_text="What fixed it."
    )


def _answer(request, ticket: Ticket) -> Response:
    """The case as it is now, as ``GET /api/tickets/{id}/`` shows it."""
    fresh = visible_ticket(request, ticket.pk)
    return Response(TicketDetailSerializer(fresh, context={"request": request}).data)


def _refused(error: PermissionDenied):
    raise ApiPermissionDenied(str(error) or None)


class TicketStatus(APIView):
    permission_classes = [IsAuthenticated, CaseAccess]

    @extend_schema(
        summary="Move a case to another status",
        description="Staff move a case along its life: open, waiting on the partner "
        "(pauses the clocks that allow it), resolved, closed. A partner may close its own "
        "resolved case.",
        request=StatusChangeSerializer,
        responses={
            200: TicketDetailSerializer,
            400: FIELD_ERRORS,
            403: OpenApiResponse(
                ErrorSerializer,
                description="Your role has no access to cases, or a partner asked for "
                "another move than closing a resolved case.",
            ),
            404: NOT_FOUND,
            409: OpenApiResponse(
                MoveRefusedSerializer,
                description="The case's status does not allow this move: where it can go.",
            ),
        },
    )
    def post(self, request, pk: int):
        ticket = visible_ticket(request, pk)
        serializer = StatusChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = serializer.validated_data["status"]
        try:
            ticket = ticket_set_status(
                ticket=ticket,
                actor=request.user,
                status=target,
                note=serializer.validated_data["note"],
            )
        except IllegalTransition as error:
            return Response(
                {
                    "detail": move_refusal(ticket.number, error),
                    "status": error.current,
                    "allowed": [s.value for s in workflow.allowed_targets(error.current)],
                },
                status=status.HTTP_409_CONFLICT,
            )
        except PermissionDenied as error:
            _refused(error)
        return _answer(request, ticket)


class TicketAssignee(APIView):
    permission_classes = [IsAuthenticated, StaffCaseAccess]

    @extend_schema(
        summary="Assign a case (staff)",
        request=AssignSerializer,
        responses={200: TicketDetailSerializer, 400: FIELD_ERRORS, 403: STAFF_ONLY, 404: NOT_FOUND},
    )
    def post(self, request, pk: int):
        ticket = visible_ticket(request, pk)
        serializer = AssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignee_id = serializer.validated_data["assignee"]
        assignee = None
        if assignee_id is not None:
            try:
                assignee = selectors.staff_assignees().get(pk=assignee_id)
            except User.DoesNotExist:
                return Response(
                    {"assignee": ["No support staff member has this id."]},
                    status=status.HTTP_400_BAD_REQUEST,
                )
        try:
            ticket = services.ticket_assign(ticket=ticket, actor=request.user, assignee=assignee)
        except PermissionDenied as error:
            _refused(error)
        return _answer(request, ticket)


class TicketClassOfService(APIView):
    permission_classes = [IsAuthenticated, StaffCaseAccess]

    @extend_schema(
        summary="Confirm or change the class of service (staff)",
        description="Sets Critical or Standard with the reason, which the partner sees; the "
        "case's SLA clocks are recomputed from its creation.",
        request=CosChangeSerializer,
        responses={200: TicketDetailSerializer, 400: FIELD_ERRORS, 403: STAFF_ONLY, 404: NOT_FOUND},
    )
    def post(self, request, pk: int):
        ticket = visible_ticket(request, pk)
        serializer = CosChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            ticket = ticket_change_cos(
                ticket=ticket,
                actor=request.user,
                cos=serializer.validated_data["cos"],
                reason=serializer.validated_data["reason"],
                override_reason=serializer.validated_data["override_reason"],
            )
        except PermissionDenied as error:
            _refused(error)
        return _answer(request, ticket)


class TicketRestored(APIView):
    permission_classes = [IsAuthenticated, StaffCaseAccess]

    @extend_schema(
        summary="Mark the partner's service restored (staff)",
        description="Stops the case's restoration clock (CLASSOUND telephony outages).",
        request=RestoredSerializer,
        responses={
            200: TicketDetailSerializer,
            400: OpenApiResponse(
                FIELD_ERRORS.response,
                description="Invalid input, or no restoration clock is running on this case "
                '({"restored": ["…"]}).',
            ),
            403: STAFF_ONLY,
            404: NOT_FOUND,
        },
    )
    def post(self, request, pk: int):
        ticket = visible_ticket(request, pk)
        serializer = RestoredSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            ticket = sla_services.service_mark_restored(
                ticket=ticket, actor=request.user, note=serializer.validated_data["note"]
            )
        except PermissionDenied as error:
            _refused(error)
        return _answer(request, ticket)


urlpatterns = [
    path("tickets/<int:pk>/status/", TicketStatus.as_view(), name="api-ticket-status"),
    path("tickets/<int:pk>/assignee/", TicketAssignee.as_view(), name="api-ticket-assignee"),
    path("tickets/<int:pk>/cos/", TicketClassOfService.as_view(), name="api-ticket-cos"),
    path("tickets/<int:pk>/restored/", TicketRestored.as_view(), name="api-ticket-restored"),
]
