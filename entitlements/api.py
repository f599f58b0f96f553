"""REST API for entitlements and the time logged on cases. Reads go through
``entitlements.selectors`` (a partner sees its own organisation's; a foreign id is a 404);
logging time calls ``entitlements.services.time_log``, whose refusals are 400s naming the
field (a bundle overdrawn without an override is one under ``override_reason``). A partner
asks for a remote intervention on its case with ``POST /api/cases/<id>/interventions/``:
free or drawn from a bundle as its entitlements on record say, else a 400 under ``cover``
saying what would cover it.
"""

from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.cursor import CheckedCursor
from core.api.errors import FIELD_ERRORS, ErrorSerializer
from core.api.parsers import JSONParser
from core.converters import MAX_ID
from entitlements import rules, selectors, services
from entitlements.forms import CHECKLIST_ITEMS
from entitlements.models import Entitlement, Intervention, TimeEntry
from partners.access import api_role
from partners.roles import Role
from tickets import selectors as ticket_selectors
from tickets.models import Ticket

EntitlementReaders = api_role(Role.PARTNER, Role.AGENT, Role.NOC, Role.ADMIN, Role.BILLING)
CaseWorkers = api_role(Role.AGENT, Role.NOC, Role.ADMIN)
PartnerOnly = api_role(Role.PARTNER)

NOT_AUTHENTICATED = OpenApiResponse(ErrorSerializer, description="Not authenticated.")
CASE_NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such case.")


def cursor(*ordering: str) -> type[CheckedCursor]:
    return type("EntitlementsCursor", (CheckedCursor,), {"ordering": ordering})


class OrganisationQuerySerializer(serializers.Serializer):
    organisation = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="Organisation id (staff; a partner only ever sees its own).",
    )


class TimeQuerySerializer(OrganisationQuerySerializer):
    to = serializers.DateField(required=False, help_text="Last day worked, YYYY-MM-DD.")

    def get_fields(self):
        # "from" is a Python keyword, so it cannot be declared in the class body.
        fields = super().get_fields()
        fields["from"] = serializers.DateField(
            required=False, help_text="First day worked, YYYY-MM-DD."
        )
        return fields

    def validate(self, data):
        first, last = data.get("from"), data.get("to")
        if first and last and first > last:
            raise serializers.ValidationError({"to": ["Give a day on or after the first one."]})
        return data

    def query(self) -> selectors.TimeQuery:
        data = self.validated_data
        return selectors.TimeQuery(
            organisation_id=data.get("organisation"), first=data.get("from"), last=data.get("to")
        )


def _query(serializer_class, request):
    params = serializer_class(data=request.query_params)
    if not params.is_valid():
        raise ValidationError(params.errors)
    return params


class EntitlementSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name")
    kind = serializers.CharField(
        help_text="purchase_window, hour_bundle, maintenance_contract or reseller_status."
    )
    active = serializers.SerializerMethodField(help_text="It covers requests right now.")
    serials = serializers.SerializerMethodField(
        help_text="Purchase window: the serials of the devices bought (else empty)."
    )
    minutes_left = serializers.SerializerMethodField(
        help_text="Bundle: minutes bought less billable time logged; negative when "
        "overdrawn with an override. Null for other kinds."
    )
    technician = serializers.SerializerMethodField(
        help_text="Maintenance contract: the technician its cases go to."
    )
    qualifies = serializers.SerializerMethodField(
        help_text="Reseller status: purchases above 6,000 EUR and a signed reseller "
        "contract. Null for other kinds."
    )
    channels = serializers.SerializerMethodField(
        help_text="How cases may reach support under it: portal, phone, email."
    )

    class Meta:
        model = Entitlement
        fields = [
            "id",
            "organisation",
            "organisation_id",
            "kind",
            "reference",
            "starts_at",
            "ends_at",
            "active",
            "serials",
            "minutes_bought",
            "minutes_left",
            "technician",
            "purchase_volume_eur",
            "contract_signed_on",
            "qualifies",
            "channels",
        ]
        read_only_fields = fields

    def get_active(self, entitlement) -> bool:
        return entitlement.active(self.context.get("now") or timezone.now())

    def get_serials(self, entitlement) -> list[str]:
        return [device.serial_number for device in entitlement.devices.all()]

    def get_minutes_left(self, entitlement) -> int | None:
        return selectors.remaining_minutes(entitlement)

    def get_technician(self, entitlement) -> str | None:
        technician = entitlement.technician
        return technician.get_full_name() if technician else None

    def get_qualifies(self, entitlement) -> bool | None:
        if entitlement.kind != Entitlement.Kind.RESELLER_STATUS:
            return None
        return selectors.as_grant(entitlement).qualifies

    def get_channels(self, entitlement) -> list[str]:
        return sorted(str(channel) for channel in rules.CHANNELS[rules.Kind(entitlement.kind)])


class TimeEntrySerializer(serializers.ModelSerializer):
    entitlement = serializers.IntegerField(
        source="entitlement_id", allow_null=True, help_text="The bundle drawn from."
    )
    entitlement_reference = serializers.CharField(
        source="entitlement.reference", allow_null=True, default=None
    )
    agent = serializers.CharField(source="agent.get_full_name")

    class Meta:
        model = TimeEntry
        fields = [
            "id",
            "minutes",
            "billable",
            "entitlement",
            "entitlement_reference",
            "agent",
            "note",
            "override_reason",
            "worked_on",
            "created_at",
        ]
        read_only_fields = fields


class TimeReportEntrySerializer(TimeEntrySerializer):
    case = serializers.CharField(source="ticket.number")
    case_id = serializers.IntegerField(source="ticket_id")
    organisation = serializers.CharField(source="organisation.name")

    class Meta(TimeEntrySerializer.Meta):
        fields = [
            "id",
            "case",
            "case_id",
            "organisation",
            "organisation_id",
            *TimeEntrySerializer.Meta.fields[1:],
        ]
        read_only_fields = fields

    # Agents' notes and override reasons are internal: partners get them empty.
    INTERNAL = ("note", "override_reason")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and request.user.is_partner:
            for name in self.INTERNAL:
                data[name] = ""
        return data


class TimeLogSerializer(serializers.Serializer):
    minutes = serializers.IntegerField(help_text="Between 1 and 1440.")
    billable = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Left out: billable only when drawn from a bundle or logged under a running "
        "maintenance contract.",
    )
    entitlement = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="Id of one of the case organisation's support-hour bundles to draw from.",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text="Why the bundle may go below zero; needed to log more than is left.",
    )

    def bundle(self, ticket: Ticket) -> Entitlement | None:
        pk = self.validated_data.get("entitlement")
        if not pk:
            return None
        bundle = selectors.bundles_for_case(ticket.organisation).filter(pk=pk).first()
        if bundle is None:
            raise ValidationError(
                {"entitlement": ["Choose one of this organisation's support-hour bundles."]}
            )
        return bundle


@extend_schema(tags=["entitlements"])
class EntitlementList(generics.ListAPIView):
    """What organisations bought beyond their tier: a partner sees its own, support and
    billing staff every organisation's."""

    serializer_class = EntitlementSerializer
    permission_classes = [EntitlementReaders]
    pagination_class = cursor("-ends_at", "id")

    def get_queryset(self):
        params = _query(OrganisationQuerySerializer, self.request)
        entitlements = selectors.entitlements_visible_to(self.request.user)
        organisation_id = params.validated_data.get("organisation")
        if organisation_id:
            entitlements = entitlements.filter(organisation_id=organisation_id)
        return entitlements

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(
        parameters=[OrganisationQuerySerializer],
        responses={
            200: EntitlementSerializer(many=True),
            400: FIELD_ERRORS,
            401: NOT_AUTHENTICATED,
            403: OpenApiResponse(ErrorSerializer, description="Your role has no access."),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["entitlements"])
class EntitlementDetail(generics.RetrieveAPIView):
    serializer_class = EntitlementSerializer
    permission_classes = [EntitlementReaders]

    def get_object(self):
        return selectors.entitlement_for(user=self.request.user, pk=self.kwargs["pk"])

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}


@extend_schema(tags=["entitlements"])
class CaseTime(generics.ListAPIView):
    """Time logged on a case (support staff who work cases)."""

    serializer_class = TimeEntrySerializer
    permission_classes = [CaseWorkers]
    parser_classes = [JSONParser]
    pagination_class = cursor("-worked_on", "-id")

    def ticket(self) -> Ticket:
        try:
            return ticket_selectors.ticket_for(user=self.request.user, pk=self.kwargs["case_id"])
        except Ticket.DoesNotExist:
            raise NotFound("No such case.") from None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TimeEntry.objects.none()
        ticket = self.ticket()
        return selectors.time_entries_visible_to(self.request.user).filter(ticket=ticket)

    @extend_schema(
        responses={
            200: TimeEntrySerializer(many=True),
            401: NOT_AUTHENTICATED,
            403: OpenApiResponse(ErrorSerializer, description="Support staff only."),
            404: CASE_NOT_FOUND,
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=TimeLogSerializer,
        responses={
            201: TimeEntrySerializer,
            400: FIELD_ERRORS,
            401: NOT_AUTHENTICATED,
            403: OpenApiResponse(ErrorSerializer, description="Support staff who work cases only."),
            404: CASE_NOT_FOUND,
        },
    )
    def post(self, request, case_id: int):
        ticket = self.ticket()
        serializer = TimeLogSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry = services.time_log(
            ticket=ticket,
            actor=request.user,
            minutes=data["minutes"],
            billable=data["billable"],
            entitlement=serializer.bundle(ticket),
            note=data["note"],
            override_reason=data["override_reason"],
        )
        return Response(TimeEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["entitlements"])
class TimeEntryList(generics.ListAPIView):
    """Logged time: support and billing staff see every organisation's (``?organisation=``
    narrows it), a partner its own organisation's, billable or not."""

    serializer_class = TimeReportEntrySerializer
    permission_classes = [EntitlementReaders]
    pagination_class = cursor("-worked_on", "-id")

    def get_queryset(self):
        params = _query(TimeQuerySerializer, self.request)
        return selectors.time_entries_visible_to(self.request.user, query=params.query())

    @extend_schema(
        parameters=[TimeQuerySerializer],
        responses={
            200: TimeReportEntrySerializer(many=True),
            400: FIELD_ERRORS,
            401: NOT_AUTHENTICATED,
            403: OpenApiResponse(ErrorSerializer, description="Your role has no access."),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class InterventionRequestSerializer(serializers.Serializer):
    """The same questions as the page; whether it is free is decided from the records."""

    platform = serializers.ChoiceField(choices=Intervention.Platform.choices)
    checklist = serializers.ListField(
        child=serializers.ChoiceField(choices=list(CHECKLIST_ITEMS.items())),
        help_text="The remote-access items ready, by key: the platform's own "
        '("3cx-0") and the shared ones ("all-0"). Every item of the platform is needed.',
    )
    access_description = serializers.CharField(max_length=2000)
    slots = serializers.ListField(
        child=serializers.DateTimeField(),
        min_length=1,
        max_length=3,
        help_text="Up to three preferred start times, most preferred first (ISO 8601).",
    )


class InterventionSerializer(serializers.ModelSerializer):
    free = serializers.BooleanField(
        read_only=True, help_text="Covered by a maintenance contract or a purchase window."
    )
    covered_by = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="The free entitlement, or the bundle it is drawn from."
    )
    slots = serializers.ListField(child=serializers.DateTimeField(), read_only=True)

    class Meta:
        model = Intervention
        fields = ["id", "state", "platform", "free", "covered_by", "slots", "created_at"]
        read_only_fields = fields


@extend_schema(tags=["entitlements"])
class CaseInterventions(APIView):
    """A partner asks for a remote intervention on one of its open cases."""

    permission_classes = [PartnerOnly]
    parser_classes = [JSONParser]

    @extend_schema(
        request=InterventionRequestSerializer,
        responses={
            201: InterventionSerializer,
            400: FIELD_ERRORS,
            401: NOT_AUTHENTICATED,
            403: OpenApiResponse(ErrorSerializer, description="Partners only."),
            404: CASE_NOT_FOUND,
        },
    )
    def post(self, request, case_id: int):
        try:
            ticket = ticket_selectors.ticket_for(user=request.user, pk=case_id)
        except Ticket.DoesNotExist:
            raise NotFound("No such case.") from None
        serializer = InterventionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        intervention = services.intervention_request(
            ticket=ticket,
            actor=request.user,
            platform=data["platform"],
            checklist=[CHECKLIST_ITEMS[key] for key in data["checklist"]],
            access_description=data["access_description"],
            slots=data["slots"],
        )
        return Response(InterventionSerializer(intervention).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("entitlements/", EntitlementList.as_view(), name="api-entitlements"),
    path("entitlements/<int:pk>/", EntitlementDetail.as_view(), name="api-entitlement"),
    path("cases/<int:case_id>/time/", CaseTime.as_view(), name="api-case-time"),
    path(
        "cases/<int:case_id>/interventions/",
        CaseInterventions.as_view(),
        name="api-case-interventions",
    ),
    path("time-entries/", TimeEntryList.as_view(), name="api-time-entries"),
]
