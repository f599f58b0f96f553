"""REST API for billing: a month's credits, with the same fields as the CSV export."""

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated

from availability import selectors
from availability.models import Credit, Service
from core.api.cursor import CheckedCursor
from core.api.errors import FIELD_ERRORS, ErrorSerializer
from partners.access import api_role
from partners.models import Organisation
from partners.roles import Role

BillingStaff = api_role(Role.BILLING)


class CreditQuerySerializer(serializers.Serializer):
    month = serializers.CharField(help_text="The month, as YYYY-MM.")
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, help_text="Organisation id."
    )
    service = serializers.PrimaryKeyRelatedField(
        queryset=Service.objects.all(), required=False, help_text="Service id."
    )
    state = serializers.ChoiceField(choices=Credit.State.choices, required=False)
    only_nonzero = serializers.BooleanField(
        required=False, default=False, help_text="Leave out credits of zero."
    )

    def validate_month(self, value: str):
        try:
            return selectors.month_parse(value)
        except selectors.BadMonth as error:
            raise serializers.ValidationError(str(error)) from None

    def query(self) -> selectors.CreditQuery:
        data = self.validated_data
        return selectors.CreditQuery(
            month=data["month"],
            organisation_id=data["organisation"].pk if data.get("organisation") else None,
            service_id=data["service"].pk if data.get("service") else None,
            state=data.get("state") or None,
            only_nonzero=data.get("only_nonzero", False),
        )


class IncidentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class CreditSerializer(serializers.Serializer):
    """One credit line; the export's columns plus ids."""

    id = serializers.IntegerField()
    month = serializers.CharField(help_text="YYYY-MM.")
    organisation = serializers.CharField()
    organisation_id = serializers.IntegerField()
    tax_id = serializers.CharField()
    subscription = serializers.IntegerField(help_text="Subscription id.")
    subscription_reference = serializers.CharField()
    services = serializers.ListField(child=serializers.CharField())
    active_from = serializers.DateField(
        help_text="The first day of the month the subscription was active (its reporting zone)."
    )
    active_until = serializers.DateField(
        help_text="The last day of the month the subscription was active, included."
    )
    availability = serializers.CharField(
        help_text="Availability in percent over the active days, truncated (never rounded) "
        "to 3 places."
    )
    commitment = serializers.CharField(help_text="The promised availability, in percent.")
    commitment_met = serializers.BooleanField()
    payable_percent = serializers.IntegerField(
        help_text="Share of the fee for the active days that is payable."
    )
    monthly_fee = serializers.CharField(help_text="Decimal, two places.")
    prorated_fee = serializers.CharField(
        help_text="The fee for the active days, which the credit is taken from: the monthly "
        "fee times the active share of the month's time, half-up to the cent. Decimal, two "
        "places."
    )
    credit = serializers.CharField(
        help_text="The credit, decimal with two places; an adjustment line may be negative."
    )
    currency = serializers.CharField(help_text="ISO 4217 code.")
    state = serializers.ChoiceField(choices=Credit.State.choices)
    invoice_number = serializers.CharField()
    policy = serializers.CharField(help_text="Version of the terms the credit follows.")
    incidents = IncidentRefSerializer(many=True, help_text="The incidents counted.")
    adjusts_month = serializers.CharField(
        allow_null=True,
        help_text="For an adjustment line: the month (YYYY-MM) of the applied credit it "
        "corrects; null for a month's own credit.",
    )

    def to_representation(self, instance: Credit) -> dict:
        return selectors.credit_export(instance)


class CreditCursor(CheckedCursor):
    """Next/previous links, never a COUNT over the month."""

    ordering = ("id",)
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class CreditList(generics.ListAPIView):
    permission_classes = [IsAuthenticated, BillingStaff]
    serializer_class = CreditSerializer
    pagination_class = CreditCursor

    def get_queryset(self):
        params = CreditQuerySerializer(data=self.request.query_params)
        if not params.is_valid():
            raise ValidationError(params.errors)
        return selectors.credits_for(
            user=self.request.user, query=params.query(), with_incidents=True
        )

    @extend_schema(
        summary="A month's availability credits (billing)",
        description="Every credit line of the month, one per subscription, plus adjustment "
        "lines correcting credits already applied to an invoice (``adjusts_month`` set). "
        "The fields are those of the billing CSV export. Paged by cursor: follow ``next``.",
        parameters=[CreditQuerySerializer],
        responses={
            200: CreditSerializer(many=True),
            400: FIELD_ERRORS,
            401: OpenApiResponse(ErrorSerializer, description="Not authenticated."),
            403: OpenApiResponse(ErrorSerializer, description="Billing staff only."),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


urlpatterns = [
    path("availability/credits/", CreditList.as_view(), name="api-availability-credits"),
]
