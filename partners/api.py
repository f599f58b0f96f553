from django.contrib.auth import authenticate
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.throttling import ClientScopedRateThrottle
from partners import selectors, services
from partners.models import ApiToken, Organisation, User
from partners.roles import primary_role, roles_of


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="What the token is for (a script, a monitoring system), to tell it apart.",
    )

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


class ApiTokenSerializer(serializers.ModelSerializer):
    starts_with = serializers.SerializerMethodField(
        help_text="The token's first characters, to recognise it by."
    )

    class Meta:
        model = ApiToken
        fields = ["id", "name", "starts_with", "created", "expiry"]
        read_only_fields = fields

    def get_starts_with(self, token: ApiToken) -> str:
        return token.token_key[:8]


class IssuedTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(help_text="The token itself. It is shown only this once.")

    class Meta(ApiTokenSerializer.Meta):
        fields = ["token", *ApiTokenSerializer.Meta.fields]


class ObtainTokenView(APIView):
    """Exchange an e-mail address and password for a new API token. It expires (``expiry``)
    and ends when revoked or when the password changes; only the newest few of a user's
    tokens are kept, so keep it and use it rather than asking for one on every call."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=TokenRequestSerializer, responses={200: IssuedTokenSerializer}, auth=[])
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        token, key = services.api_token_issue(user=data["user"], name=data.get("name", ""))
        token.token = key
        return Response(IssuedTokenSerializer(token).data)


class TokenListView(APIView):
    """Your API tokens that still work, newest first (never the tokens themselves)."""

    @extend_schema(responses=ApiTokenSerializer(many=True))
    def get(self, request):
        tokens = selectors.api_tokens_of(request.user, now=timezone.now())
        return Response(ApiTokenSerializer(tokens, many=True).data)


class TokenDetailView(APIView):
    """Revoke one of your API tokens: it stops working at once."""

    @extend_schema(responses={204: OpenApiResponse(description="Revoked.")})
    def delete(self, request, pk: int):
        tokens = selectors.api_tokens_of(request.user, now=timezone.now())
        services.api_token_revoke(token=get_object_or_404(tokens, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


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


def me_data(user: User) -> dict:
    """``MeSerializer(user).data``, written out: the answer of the cheapest authenticated
    request, which many clients make first. ``MeSerializer`` describes it in the schema, and
    a test holds the two equal."""
    role = primary_role(user)
    organisation = user.organisation
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "role": role.value if role else None,
        "roles": sorted(role.value for role in roles_of(user)),
        "time_zone": user.effective_time_zone,
        "organisation": None
        if organisation is None
        else {
            "id": organisation.pk,
            "name": organisation.name,
            "kind": organisation.kind,
            "tier": organisation.tier,
            "region": organisation.region,
            "country": organisation.country,
        },
    }


class MeView(APIView):
    """The signed-in user: role, staff roles and organisation."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(me_data(request.user))
