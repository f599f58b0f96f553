"""REST API for hardware: devices (leased and purchased), agreements with their Annex A
lines, and requests. Reads go through ``hwaas.selectors`` (a partner sees its own
organisation and the organisations it looks after; a foreign id is a 404).
``POST /api/hwaas/requests/check/`` gives the rules' answer to a request without opening a
case; the list that opens one on ``POST`` is built in the use-case layer
(``desk.api.hardware``), on the serializers here.
"""

from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.cursor import CheckedCursor
from core.api.errors import FIELD_ERRORS
from core.api.fields import SlugRelatedField
from core.api.parsers import JSONParser
from hwaas import capex, decisions, rules, selectors, services
from hwaas.models import HardwareModel, HardwareRequest, LeaseAgreement, LeaseLine
from partners.access import api_role
from partners.models import Device
from partners.roles import Role

HardwareAccess = api_role(Role.PARTNER, Role.AGENT, Role.NOC, Role.ADMIN)
PartnerOnly = api_role(Role.PARTNER)


def cursor(*ordering: str) -> type[CheckedCursor]:
    return type("HardwareCursor", (CheckedCursor,), {"ordering": ordering})


class LineSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="hardware_model.name")
    description = serializers.CharField(source="hardware_model.description")
    serial_number = serializers.CharField(
        source="device.serial_number", allow_null=True, default=None
    )
    agreement = serializers.CharField(source="agreement.number")
    change_possible_from = serializers.SerializerMethodField(
        help_text="From this day the line may be reduced or exchanged (null: not delivered)."
    )

    class Meta:
        model = LeaseLine
        fields = [
            "id",
            "agreement",
            "model",
            "description",
            "serial_number",
            "fee",
            "ordered_on",
            "invoicing_starts_on",
            "delivered_on",
            "returned_on",
            "ownership_passed_on",
            "change_possible_from",
        ]

    def get_change_possible_from(self, line) -> str | None:
        if line.delivered_on is None:
            return None
        return rules.change_possible_from(line.delivered_on).isoformat()


class AgreementSerializer(serializers.ModelSerializer):
    lessor = serializers.CharField(source="lessor.name")
    lessee = serializers.CharField(source="lessee.name")
    owner = serializers.CharField(source="get_owner_display")

    class Meta:
        model = LeaseAgreement
        fields = ["id", "number", "lessor", "lessee", "term", "starts_on", "ends_on"]
        fields += ["currency", "owner"]


class ChargeLineSerializer(serializers.Serializer):
    device = serializers.CharField(help_text="Model and serial number.")
    quantity = serializers.IntegerField()
    monthly_fee = serializers.DecimalField(max_digits=12, decimal_places=2)
    months_left = serializers.IntegerField(help_text="Months to the end of the term period.")
    unpaid_fees = serializers.DecimalField(max_digits=12, decimal_places=2)
    casualty_value = serializers.DecimalField(max_digits=12, decimal_places=2)
    surcharge = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="10 % of the casualty value."
    )
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)


class ChargeSerializer(serializers.Serializer):
    """What the lessee pays if the delivered units are not handed back (21.24)."""

    currency = serializers.CharField()
    term = serializers.ChoiceField(choices=LeaseAgreement.Term.choices)
    period_starts_on = serializers.DateField()
    period_ends_on = serializers.DateField(help_text="Last day of the current term period.")
    months_left = serializers.IntegerField()
    lines = ChargeLineSerializer(many=True, help_text="Delivered units still on lease.")
    unpaid_fees = serializers.DecimalField(max_digits=12, decimal_places=2)
    casualty_value = serializers.DecimalField(max_digits=12, decimal_places=2)
    surcharge = serializers.DecimalField(max_digits=12, decimal_places=2)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)


class AgreementDetailSerializer(AgreementSerializer):
    lines = LineSerializer(many=True, read_only=True, help_text="Annex A.")
    not_returned_charge = serializers.SerializerMethodField(
        help_text="What not handing back the units today would cost; null when none is on lease."
    )

    class Meta(AgreementSerializer.Meta):
        fields = [*AgreementSerializer.Meta.fields, "lines", "not_returned_charge"]

    @extend_schema_field(ChargeSerializer(allow_null=True))
    def get_not_returned_charge(self, agreement) -> dict | None:
        if not any(line.is_active for line in agreement.lines.all()):
            return None
        charge = decisions.not_returned_charge(agreement, today=timezone.localdate())
        return decisions.charge_data(charge, currency=agreement.currency)


class DeviceSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name")
    holding = serializers.SerializerMethodField(help_text='"leased" or "owned".')
    lease = serializers.SerializerMethodField()
    purchase = serializers.SerializerMethodField()

    class Meta:
        model = Device
        fields = ["id", "serial_number", "model", "name", "kind", "organisation"]
        fields += ["holding", "lease", "purchase"]

    def get_holding(self, device) -> str:
        return "leased" if selectors.active_line_of(device) else "owned"

    def get_lease(self, device) -> dict | None:
        line = selectors.active_line_of(device)
        return LineSerializer(line).data if line else None

    def get_purchase(self, device) -> dict | None:
        purchase = getattr(device, "purchase", None)
        if purchase is None:
            return None
        warranty = capex.capex_warranty(
            purchased_on=purchase.purchased_on,
            on=timezone.localdate(),
            extended_contract=purchase.extended_warranty,
        )
        return {
            "id": purchase.pk,
            "purchased_on": purchase.purchased_on.isoformat(),
            "invoice_number": purchase.invoice_number,
            "extended_warranty": purchase.extended_warranty,
            "converted_on": purchase.converted_on.isoformat() if purchase.converted_on else None,
            "under_warranty": warranty.covered,
            "warranty_until": warranty.until.isoformat() if warranty.until else None,
        }


class DecisionSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    reason = serializers.CharField()
    from_date = serializers.DateField(allow_null=True)
    documents = serializers.ListField(child=serializers.CharField())
    lessee_pays = serializers.BooleanField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    charge = ChargeSerializer(
        allow_null=True, help_text="A return: the parts of what not handing back would cost."
    )


class RequestSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="ticket.number", read_only=True)
    case_id = serializers.IntegerField(source="ticket_id", read_only=True)
    hardware_model = serializers.CharField(source="hardware_model.code", allow_null=True)
    # Read-only model fields lose allow_blank: say so, or the schema's enum leaves out "".
    cause = serializers.ChoiceField(
        choices=HardwareRequest.Cause.choices, allow_blank=True, read_only=True
    )
    warranty_exclusion = serializers.ChoiceField(
        choices=capex.EXCLUSION_CHOICES, allow_blank=True, read_only=True
    )

    class Meta:
        model = HardwareRequest
        fields = [
            "id",
            "case",
            "case_id",
            "kind",
            "state",
            "agreement",
            "line",
            "purchase",
            "hardware_model",
            "quantity",
            "cause",
            "warranty_exclusion",
            "decision",
            "ship_by",
            "tracking_number",
            "created_at",
        ]
        read_only_fields = fields


class RequestCreateSerializer(serializers.Serializer):
    """The same fields as the form; ids refer to what the caller may see."""

    kind = serializers.ChoiceField(choices=HardwareRequest.Kind.choices)
    agreement = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    line = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    purchase = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    hardware_model = SlugRelatedField(
        slug_field="code",
        queryset=HardwareModel.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    quantity = serializers.IntegerField(required=False, min_value=1, max_value=100, default=1)
    cause = serializers.ChoiceField(
        choices=HardwareRequest.Cause.choices, required=False, allow_blank=True, default=""
    )
    label_readable = serializers.BooleanField(required=False, allow_null=True, default=None)
    operational = serializers.BooleanField(required=False, allow_null=True, default=None)
    warranty_exclusion = serializers.ChoiceField(
        choices=capex.EXCLUSION_CHOICES,
        required=False,
        allow_blank=True,
        default="",
        help_text='RMA: the warranty exclusion that applies, or "none".',
    )
    fault_description = serializers.CharField(required=False, allow_blank=True, default="")
    parcel_weight_kg = serializers.DecimalField(
        max_digits=6, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    parcel_dimensions = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=60
    )
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=50_000
    )
    police_report = serializers.FileField(required=False)
    proof_of_purchase = serializers.FileField(required=False)
    warranty_contract = serializers.FileField(required=False)

    def request_input(self, user) -> services.RequestInput:
        """Resolve ids through the user's selectors; unknown ids are field errors."""
        data = self.validated_data
        errors = {}
        found = {}
        sources = {
            "agreement": selectors.running_agreements(user, on=timezone.localdate()),
            "line": selectors.lines_visible_to(user),
            "purchase": selectors.purchases_visible_to(user),
        }
        for name, queryset in sources.items():
            pk = data.get(name)
            found[name] = queryset.filter(pk=pk).first() if pk else None
            if pk and found[name] is None:
                errors[name] = [f"No {name} with id {pk} that you may use."]
        if errors:
            raise serializers.ValidationError(errors)
        return services.RequestInput(
            kind=data["kind"],
            description=data["description"],
            hardware_model=data.get("hardware_model"),
            quantity=data["quantity"],
            cause=data["cause"],
            label_readable=data["label_readable"],
            operational=data["operational"],
            warranty_exclusion=data["warranty_exclusion"],
            fault_description=data["fault_description"],
            parcel_weight_kg=data.get("parcel_weight_kg"),
            parcel_dimensions=data["parcel_dimensions"],
            documents={
                name: data[name]
                for name in ("police_report", "proof_of_purchase", "warranty_contract")
                if data.get(name)
            },
            **found,
        )


def _decision_body(decision: rules.Decision, *, currency: str) -> dict:
    return {
        "allowed": decision.allowed,
        "reason": decision.reason,
        "from_date": decision.from_date.isoformat() if decision.from_date else None,
        "documents": [str(document) for document in decision.documents],
        "lessee_pays": decision.lessee_pays,
        "amount": str(decision.amount) if decision.amount is not None else None,
        "charge": (
            decisions.charge_data(decision.charge, currency=currency) if decision.charge else None
        ),
    }


@extend_schema(tags=["hardware"])
class DeviceList(generics.ListAPIView):
    """Leased and purchased devices the caller may see; ``?q=`` searches serials."""

    serializer_class = DeviceSerializer
    permission_classes = [HardwareAccess]
    pagination_class = cursor("serial_number", "id")

    def get_queryset(self):
        holding = self.request.query_params.get("holding", "")
        query = selectors.InventoryQuery(
            text=self.request.query_params.get("q", "")[:100],
            holding=holding if holding in ("leased", "owned") else "",
        )
        return selectors.inventory_for(user=self.request.user, query=query)


@extend_schema(tags=["hardware"])
class DeviceDetail(generics.RetrieveAPIView):
    serializer_class = DeviceSerializer
    permission_classes = [HardwareAccess]

    def get_object(self):
        return selectors.device_for(user=self.request.user, pk=self.kwargs["pk"])


@extend_schema(tags=["hardware"])
class AgreementList(generics.ListAPIView):
    serializer_class = AgreementSerializer
    permission_classes = [HardwareAccess]
    pagination_class = cursor("-starts_on", "id")

    def get_queryset(self):
        return selectors.agreements_visible_to(self.request.user)


@extend_schema(tags=["hardware"])
class AgreementDetail(generics.RetrieveAPIView):
    serializer_class = AgreementDetailSerializer
    permission_classes = [HardwareAccess]

    def get_object(self):
        return selectors.agreement_for(user=self.request.user, pk=self.kwargs["pk"])


@extend_schema(tags=["hardware"])
class RequestDetail(generics.RetrieveAPIView):
    serializer_class = RequestSerializer
    permission_classes = [HardwareAccess]

    def get_object(self):
        return selectors.request_for(user=self.request.user, pk=self.kwargs["pk"])


@extend_schema(
    tags=["hardware"],
    request=RequestCreateSerializer,
    responses={200: DecisionSerializer, 400: FIELD_ERRORS},
)
class RequestCheck(APIView):
    """What the terms say about a request, without opening a case."""

    permission_classes = [PartnerOnly]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def post(self, request):
        serializer = RequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.request_input(request.user)
        try:
            decision = services.request_check(
                requester=request.user, data=data, today=timezone.localdate()
            )
        except decisions.Incomplete as incomplete:
            return Response(
                {field: [text] for field, text in incomplete.errors.items()},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(
            _decision_body(decision, currency=data.lease.currency if data.lease else "")
        )


urlpatterns = [
    path("hwaas/devices/", DeviceList.as_view(), name="api-hwaas-devices"),
    path("hwaas/devices/<int:pk>/", DeviceDetail.as_view(), name="api-hwaas-device"),
    path("hwaas/agreements/", AgreementList.as_view(), name="api-hwaas-agreements"),
    path("hwaas/agreements/<int:pk>/", AgreementDetail.as_view(), name="api-hwaas-agreement"),
    path("hwaas/requests/check/", RequestCheck.as_view(), name="api-hwaas-request-check"),
    path("hwaas/requests/<int:pk>/", RequestDetail.as_view(), name="api-hwaas-request"),
]
