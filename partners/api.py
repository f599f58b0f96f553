from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from partners.models import Organisation, User
from partners.roles import primary_role, roles_of


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})

    def validate(self, attrs):
        user = authenticate(
            request=self.context["request"],
            email=attrs["email"].strip().lower(),
            password=attrs["password"],
        )
        if user is None:
            raise serializers.ValidationError(
                {"non_field_errors": ["Unable to log in with that e-mail address and password."]},
                code="authorization",
            )
        attrs["user"] = user
        return attrs


class ObtainTokenView(APIView):
    """Exchange an e-mail address and password for an API token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
        auth=[],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})


class OrganisationSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "tier", "region", "country"]


class MeSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()
    time_zone = serializers.CharField(source="effective_time_zone")
    organisation = OrganisationSummarySerializer(allow_null=True)

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "role", "roles", "time_zone", "organisation"]

    def get_role(self, user: User) -> str | None:
        role = primary_role(user)
        return role.value if role else None

    def get_roles(self, user: User) -> list[str]:
        return sorted(role.value for role in roles_of(user))


class MeView(APIView):
    """The signed-in user: role, staff roles and organisation."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)
