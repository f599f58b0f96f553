"""REST API for the status e-mails a user follows: every service they may see, with whether
they are e-mailed about its incidents and its maintenance; a PUT on one service sets its
choices."""

from django.http import Http404
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from availability import status
from availability.models import StatusSubscription
from availability.services import notices
from core.api.errors import FIELD_ERRORS, ErrorSerializer
from core.api.parsers import JSONParser
from partners.access import api_role
from partners.roles import STAFF_ROLES, Role

Readers = api_role(Role.PARTNER, *STAFF_ROLES)
DENIED = {401: OpenApiResponse(ErrorSerializer, description="Not authenticated.")}


class FollowSerializer(serializers.Serializer):
    service = serializers.SlugField(read_only=True, help_text='Its code, e.g. "uc-cloud-eu".')
    name = serializers.CharField(read_only=True)
    incidents = serializers.BooleanField(help_text="E-mailed about its incident updates.")
    maintenance = serializers.BooleanField(help_text="E-mailed about announced maintenance.")


class ChoiceSerializer(serializers.Serializer):
    incidents = serializers.BooleanField(help_text="E-mail me its incident updates.")
    maintenance = serializers.BooleanField(help_text="E-mail me its announced maintenance.")


class FollowingBase(generics.GenericAPIView):
    permission_classes = [IsAuthenticated, Readers]
    parser_classes = [JSONParser]
    serializer_class = FollowSerializer
    pagination_class = None

    def services(self):
        today = timezone.now().date()
        return status.services_visible_to(self.request.user, today=today).order_by("name")

    def rows(self, services) -> list[dict]:
        following = {
            row.service_id: row for row in StatusSubscription.objects.filter(user=self.request.user)
        }
        return [
            {
                "service": service.code,
                "name": service.name,
                "incidents": service.pk in following and following[service.pk].incidents,
                "maintenance": service.pk in following and following[service.pk].maintenance,
            }
            for service in services
        ]


@extend_schema(
    summary="My status e-mails",
    description="Every service you may see, and what you are e-mailed about.",
    responses={200: FollowSerializer(many=True), **DENIED},
)
class StatusFollowingList(FollowingBase):
    def get(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.rows(self.services()), many=True).data)


@extend_schema(
    summary="Choose my status e-mails about a service",
    description="Both false stops its e-mails. A service you may not see is a 404.",
    request=ChoiceSerializer,
    responses={
        200: FollowSerializer,
        400: FIELD_ERRORS,
        404: OpenApiResponse(ErrorSerializer, description="No such service you may see."),
        **DENIED,
    },
)
class StatusFollowingDetail(FollowingBase):
    http_method_names = ["put", "options"]

    def put(self, request, *args, **kwargs):
        services = list(self.services())
        service = next((s for s in services if s.code == self.kwargs["code"]), None)
        if service is None:
            raise Http404("No such service you may see.")
        choice = ChoiceSerializer(data=request.data)
        choice.is_valid(raise_exception=True)
        notices.status_subscriptions_set(
            user=request.user,
            choices={
                service: (choice.validated_data["incidents"], choice.validated_data["maintenance"])
            },
            visible=services,
        )
        return Response(self.get_serializer(self.rows([service])[0]).data)


urlpatterns = [
    path("status/subscriptions/", StatusFollowingList.as_view(), name="api-status-subscriptions"),
    path(
        "status/subscriptions/<slug:code>/",
        StatusFollowingDetail.as_view(),
        name="api-status-subscription",
    ),
]
