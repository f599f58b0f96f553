"""REST API for hardware requests: ``GET /api/hwaas/requests/`` lists the requests the
caller may see, ``POST`` opens one as an HWaaS Management case
(``desk.actions.hardware_request``). Creating a request runs the same rules as the form: a
refusal is a 400 naming the field and the date it becomes possible. The rest of the
hardware API, and the serializers used here, are ``hwaas.api``.
"""

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.api.errors import FIELD_ERRORS, ErrorSerializer
from core.api.parsers import JSONParser
from desk.actions.hardware_request import hardware_request_open
from hwaas import selectors
from hwaas.api import HardwareAccess, RequestCreateSerializer, RequestSerializer, cursor
from tickets.errors import NotEligible
from tickets.serializers import not_eligible_body


@extend_schema(tags=["hardware"])
class RequestListCreate(generics.ListAPIView):
    serializer_class = RequestSerializer
    permission_classes = [HardwareAccess]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    pagination_class = cursor("-created_at", "-id")

    def get_queryset(self):
        return selectors.requests_visible_to(self.request.user).select_related("hardware_model")

    @extend_schema(
        request=RequestCreateSerializer,
        responses={
            201: RequestSerializer,
            400: FIELD_ERRORS,
            403: OpenApiResponse(ErrorSerializer, description="Partners only; or not eligible."),
        },
    )
    def post(self, request):
        if not request.user.is_partner:
            return Response(
                {"detail": "Hardware requests are opened by partner users."},
                status=status.HTTP_403_FORBIDDEN,
            )
        serializer = RequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.request_input(request.user)
        try:
            created = hardware_request_open(requester=request.user, data=data)
        except NotEligible as refusal:
            return Response(not_eligible_body(refusal), status=status.HTTP_403_FORBIDDEN)
        return Response(RequestSerializer(created).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("hwaas/requests/", RequestListCreate.as_view(), name="api-hwaas-requests"),
]
