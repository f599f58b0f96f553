"""REST API for monitoring systems: alerts become proactive cases
(``desk.actions.monitoring_alert``)."""

from django.urls import path
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.errors import FIELD_ERRORS_SCHEMA, ErrorSerializer
from core.api.fields import AwareDateTimeField
from core.api.parsers import JSONParser
from desk.actions import monitoring_alert as alerts
from partners.access import api_role
from partners.roles import Role
from sla.models import MonitoringAlert

MAX_DETAILS = 20_000

AlertPosters = api_role(Role.NOC, Role.INTEGRATION)


class AlertSerializer(serializers.Serializer):
    source = serializers.CharField(max_length=50, help_text='The monitoring system, e.g. "zabbix".')
    pbx_serial = serializers.CharField(
        max_length=64, help_text="Serial number of the PBX or device (any letter case)."
    )
    severity = serializers.ChoiceField(choices=MonitoringAlert.Severity.choices)
    summary = serializers.CharField(max_length=200, help_text="Becomes the case's subject.")
    details = serializers.CharField(
        max_length=MAX_DETAILS, required=False, allow_blank=True, default=""
    )
    fingerprint = serializers.CharField(
        max_length=200,
        help_text="The monitoring system's identity of the problem: alerts with the same "
        "fingerprint are added to the open case the first one opened.",
    )
    occurred_at = AwareDateTimeField(help_text="ISO-8601 with an offset from UTC.")


class AlertAcceptedSerializer(serializers.Serializer):
    ticket = serializers.CharField(
        allow_null=True, help_text='The case\'s number, e.g. "SD-000123".'
    )
    created = serializers.BooleanField(help_text="A new case was opened for this alert.")
    alert = serializers.IntegerField(help_text="Id of the stored alert.")


class AlertUnmatchedSerializer(serializers.Serializer):
    pbx_serial = serializers.ListField(child=serializers.CharField())
    alert = serializers.IntegerField(help_text="Id of the stored alert, kept for NOC review.")


ALERT_FIELD_ERRORS = OpenApiResponse(
    response=FIELD_ERRORS_SCHEMA,
    description='Invalid input: field name → list of messages, e.g. {"severity": ["…"]}. '
    "Nothing is stored.",
)


class MonitoringAlertCreate(APIView):
    permission_classes = [IsAuthenticated, AlertPosters]
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Post a monitoring alert (NOC and monitoring integrations)",
        description="Every alert is stored. An alert for a known PBX opens a proactive case "
        "for its organisation, or for the partner that installed it when the PBX belongs to "
        "an end customer (Critical for severity critical, Standard otherwise), or is "
        "added as an internal note to the open case an alert with the same fingerprint "
        "opened. Sending the same alert again (same fingerprint, occurred_at and serial) "
        "changes nothing, so retries are safe. An alert that matches no PBX is kept for the "
        "NOC to review and answered 422.",
        request=AlertSerializer,
        responses={
            201: OpenApiResponse(AlertAcceptedSerializer, description="A case was opened."),
            200: OpenApiResponse(
                AlertAcceptedSerializer,
                description="Added to the open case with the same fingerprint, or a repeat "
                "of an alert already received.",
            ),
            400: ALERT_FIELD_ERRORS,
            401: OpenApiResponse(ErrorSerializer, description="Not authenticated."),
            403: OpenApiResponse(
                ErrorSerializer, description="Only NOC engineers and monitoring integrations."
            ),
            422: OpenApiResponse(
                AlertUnmatchedSerializer,
                description="No PBX has this serial, or its organisation has no one to open "
                "a case for. The alert is kept and the NOC is told.",
                examples=[
                    OpenApiExample(
                        "Unknown serial",
                        value={
                            "pbx_serial": ["No PBX or device with serial “X1” is on record."],
                            "alert": 42,
                        },
                    )
                ],
            ),
        },
    )
    def post(self, request):
        serializer = AlertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = alerts.alert_receive(received_by=request.user, **serializer.validated_data)
        if result.problems:
            return Response(
                {**result.problems, "alert": result.alert.pk},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Response(
            {
                "ticket": result.ticket.number if result.ticket else None,
                "created": result.created,
                "alert": result.alert.pk,
            },
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


urlpatterns = [
    path("noc/alerts/", MonitoringAlertCreate.as_view(), name="api-noc-alerts"),
]
