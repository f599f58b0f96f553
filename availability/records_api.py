"""REST API for the NOC's records: incidents and scheduled maintenance.

The serializers check the shape of the input; ``availability.services.records`` applies the
rules (end after start, at least one service, organisations for a listed-organisations scope),
writes the timeline and recomputes the credits. Its refusals come back as 400 with field
errors, like the serializers' own.
"""

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from availability.models import Incident, IncidentUpdate, Maintenance, Service
from availability.services import records
from core.api.cursor import CheckedCursor
from core.api.errors import FIELD_ERRORS, ErrorSerializer
from core.api.fields import AwareDateTimeField, SlugRelatedField
from core.api.parsers import JSONParser
from partners.access import api_role
from partners.models import Organisation
from partners.roles import Role
from tickets.models import Ticket

NocOnly = api_role(Role.NOC)
# Every time of a record: a time outside this range is refused with a field error.
TIME_RANGE = records.TIME_RANGE_HELP

DENIED = {
    401: OpenApiResponse(ErrorSerializer, description="Not authenticated."),
    403: OpenApiResponse(ErrorSerializer, description="Only NOC engineers."),
}


def _services_field():
    return SlugRelatedField(
        many=True,
        slug_field="code",
        queryset=Service.objects.all(),
        help_text='Service codes, e.g. ["uc-cloud-eu"]. At least one.',
    )


class IncidentSerializer(serializers.ModelSerializer):
    started_at = AwareDateTimeField(help_text=f"ISO-8601 with an offset from UTC. {TIME_RANGE}")
    ended_at = AwareDateTimeField(
        required=False,
        allow_null=True,
        help_text=f"Empty (null) while the incident is ongoing. {TIME_RANGE}",
    )
    services = _services_field()
    organisations = serializers.PrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=Organisation.objects.all(),
        help_text='Organisation ids; required with scope "organisations", ignored otherwise.',
    )
    tickets = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Ticket.objects.all(), help_text="Linked case ids."
    )
    counts = serializers.BooleanField(
        read_only=True, help_text="Counts against availability: a full outage of the vendor's."
    )
    created_by = serializers.EmailField(source="created_by.email", read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "title",
            "started_at",
            "ended_at",
            "services",
            "scope",
            "organisations",
            "impact",
            "cause",
            "public_note",
            "tickets",
            "counts",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        # The model's check constraint would be read as a validator; the service decides.
        validators = []


class MaintenanceSerializer(serializers.ModelSerializer):
    starts_at = AwareDateTimeField(help_text=f"ISO-8601 with an offset from UTC. {TIME_RANGE}")
    ends_at = AwareDateTimeField(help_text=f"ISO-8601 with an offset from UTC. {TIME_RANGE}")
    notified_at = AwareDateTimeField(
        read_only=True,
        help_text="When the desk sent the announcement to the followers of its services "
        "(`POST …/announce/`); null: not announced. Announced at least the terms' notice "
        "before it starts, the window counts as available time. A change that makes it start "
        "earlier, end later or take in another service sets it back to null.",
    )
    services = _services_field()
    created_by = serializers.EmailField(source="created_by.email", read_only=True)

    class Meta:
        model = Maintenance
        fields = [
            "id",
            "title",
            "starts_at",
            "ends_at",
            "services",
            "notified_at",
            "note",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators = []


class IncidentCursor(CheckedCursor):
    ordering = ("-started_at", "-pk")


class MaintenanceCursor(CheckedCursor):
    ordering = ("-starts_at", "-pk")


class RecordListCreate(generics.ListCreateAPIView):
    permission_classes = [IsAuthenticated, NocOnly]
    parser_classes = [JSONParser]
    create_service = None

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = type(self).create_service(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)


class RecordDetail(generics.RetrieveUpdateAPIView):
    permission_classes = [IsAuthenticated, NocOnly]
    parser_classes = [JSONParser]
    http_method_names = ["get", "patch", "head", "options"]
    update_service = None
    record_argument = ""

    def update(self, request, *args, **kwargs):
        record = self.get_object()
        serializer = self.get_serializer(record, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        record = type(self).update_service(
            actor=request.user,
            **{self.record_argument: record},
            **serializer.validated_data,
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=record.pk)).data)

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])


INCIDENT_QUERYSET = Incident.objects.select_related("created_by").prefetch_related(
    "services", "organisations", "tickets"
)
MAINTENANCE_QUERYSET = Maintenance.objects.select_related("created_by").prefetch_related("services")


@extend_schema_view(
    get=extend_schema(
        summary="List incidents (NOC)",
        description="Newest start first, 50 per page (follow `next`).",
        responses={200: IncidentSerializer(many=True), **DENIED},
    ),
    post=extend_schema(
        summary="Record an incident (NOC)",
        description="Recorded on the availability timeline; the credits of the months it "
        "touches are worked out again once it is saved.",
        responses={201: IncidentSerializer, 400: FIELD_ERRORS, **DENIED},
    ),
)
class IncidentListCreate(RecordListCreate):
    serializer_class = IncidentSerializer
    pagination_class = IncidentCursor
    queryset = INCIDENT_QUERYSET
    create_service = staticmethod(records.incident_create)


@extend_schema_view(
    get=extend_schema(summary="An incident (NOC)", responses={200: IncidentSerializer, **DENIED}),
    patch=extend_schema(
        summary="Change an incident (NOC)",
        description="Send only the fields to change; `ended_at` ends an ongoing incident. The "
        "change is recorded on the timeline and the affected months' credits recomputed.",
        responses={200: IncidentSerializer, 400: FIELD_ERRORS, **DENIED},
    ),
)
class IncidentDetail(RecordDetail):
    serializer_class = IncidentSerializer
    queryset = INCIDENT_QUERYSET
    update_service = staticmethod(records.incident_update)
    record_argument = "incident"


@extend_schema_view(
    get=extend_schema(
        summary="List scheduled maintenance (NOC)",
        description="Latest start first, 50 per page (follow `next`).",
        responses={200: MaintenanceSerializer(many=True), **DENIED},
    ),
    post=extend_schema(
        summary="Record scheduled maintenance (NOC)",
        responses={201: MaintenanceSerializer, 400: FIELD_ERRORS, **DENIED},
    ),
)
class MaintenanceListCreate(RecordListCreate):
    serializer_class = MaintenanceSerializer
    pagination_class = MaintenanceCursor
    queryset = MAINTENANCE_QUERYSET
    create_service = staticmethod(records.maintenance_create)


@extend_schema_view(
    get=extend_schema(
        summary="A maintenance window (NOC)", responses={200: MaintenanceSerializer, **DENIED}
    ),
    patch=extend_schema(
        summary="Change a maintenance window (NOC)",
        description="Send only the fields to change.",
        responses={200: MaintenanceSerializer, 400: FIELD_ERRORS, **DENIED},
    ),
)
class MaintenanceDetail(RecordDetail):
    serializer_class = MaintenanceSerializer
    queryset = MAINTENANCE_QUERYSET
    update_service = staticmethod(records.maintenance_update)
    record_argument = "maintenance"


@extend_schema(
    summary="Announce a maintenance window (NOC)",
    description="E-mails the followers of its services, shows it on the status page and the "
    "feeds, and sets `notified_at` to now. A window announced already, or over, is refused "
    "(400), so a repeated request sends nothing twice. `short_notice` says the announcement "
    "came later than the terms' notice: the window counts as downtime.",
    request=None,
    responses={
        200: inline_serializer(
            "MaintenanceAnnounced",
            {
                "maintenance": MaintenanceSerializer(),
                "recipients": serializers.IntegerField(),
                "short_notice": serializers.BooleanField(),
            },
        ),
        400: FIELD_ERRORS,
        **DENIED,
    },
)
class MaintenanceAnnounce(generics.GenericAPIView):
    permission_classes = [IsAuthenticated, NocOnly]
    parser_classes = [JSONParser]
    serializer_class = MaintenanceSerializer
    queryset = MAINTENANCE_QUERYSET

    def post(self, request, *args, **kwargs):
        window = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        window = records.maintenance_announce(maintenance=window, actor=request.user)
        window = self.get_queryset().get(pk=window.pk)
        notice = window.notices.order_by("-sent_at", "-pk").first()
        return Response(
            {
                "maintenance": self.get_serializer(window).data,
                "recipients": notice.recipient_count,
                "short_notice": not window.qualifies(records.maintenance_notice(window.starts_at)),
            }
        )


class IncidentUpdateSerializer(serializers.ModelSerializer):
    posted_by = serializers.EmailField(source="posted_by.email", read_only=True)

    class Meta:
        model = IncidentUpdate
        fields = ["id", "status", "body", "posted_by", "posted_at"]
        read_only_fields = ["id", "posted_at"]
        extra_kwargs = {
            "body": {"help_text": "What partners read on the status page."},
            "status": {
                "help_text": '"resolved" says the problem is over; it does not end the '
                "incident (set `ended_at` for that)."
            },
        }


@extend_schema_view(
    get=extend_schema(
        summary="An incident's public updates (NOC)",
        description="Newest first.",
        responses={200: IncidentUpdateSerializer(many=True), **DENIED},
    ),
    post=extend_schema(
        summary="Post a public update on an incident (NOC)",
        description="Shown on the status page and recorded on the incident's timeline.",
        responses={201: IncidentUpdateSerializer, 400: FIELD_ERRORS, **DENIED},
    ),
)
class IncidentUpdateListCreate(generics.ListCreateAPIView):
    permission_classes = [IsAuthenticated, NocOnly]
    parser_classes = [JSONParser]
    serializer_class = IncidentUpdateSerializer
    pagination_class = None

    def get_incident(self) -> Incident:
        return get_object_or_404(Incident, pk=self.kwargs["pk"])

    def get_queryset(self):
        return (
            IncidentUpdate.objects.filter(incident=self.get_incident())
            .select_related("posted_by")
            .order_by("-posted_at", "-pk")
        )

    def create(self, request, *args, **kwargs):
        incident = self.get_incident()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        update = records.incident_update_post(
            incident=incident, actor=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(update).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path(
        "availability/incidents/", IncidentListCreate.as_view(), name="api-availability-incidents"
    ),
    path(
        "availability/incidents/<int:pk>/",
        IncidentDetail.as_view(),
        name="api-availability-incident",
    ),
    path(
        "availability/incidents/<int:pk>/updates/",
        IncidentUpdateListCreate.as_view(),
        name="api-availability-incident-updates",
    ),
    path(
        "availability/maintenance/",
        MaintenanceListCreate.as_view(),
        name="api-availability-maintenance-list",
    ),
    path(
        "availability/maintenance/<int:pk>/",
        MaintenanceDetail.as_view(),
        name="api-availability-maintenance",
    ),
    path(
        "availability/maintenance/<int:pk>/announce/",
        MaintenanceAnnounce.as_view(),
        name="api-availability-maintenance-announce",
    ),
]
