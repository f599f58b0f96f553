import re

from django.contrib.auth.forms import AuthenticationForm
from django.forms import EmailField, EmailInput
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

# What an issued token looks like (hexadecimal); anything else is refused before a lookup.
TOKEN_SHAPE = re.compile(rb"[0-9a-f]{16,128}")


def login_identifier(request, credentials: dict | None) -> str:
    """The account a login attempt is for, as the throttle counts it (lower-cased e-mail)."""
    credentials = credentials or {}
    value = credentials.get("username") or credentials.get("email")
    if value is None and request is not None:
        value = request.POST.get("username") or request.POST.get("email")
    return (value or "").strip().lower()


class EmailAuthenticationForm(AuthenticationForm):
    username = EmailField(
        label="E-mail",
        widget=EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "That e-mail address and password do not match an active account. "
            "Check both and try again; passwords are case-sensitive."
        ),
        "inactive": "This account has been deactivated. Ask your administrator to restore it.",
    }

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


class ApiTokenAuthentication(TokenAuthentication):
    """django-rest-knox's token authentication (hashed tokens that expire), answering a
    token that cannot be one (not hexadecimal, not UTF-8, a NUL byte) with 401 like any
    other wrong token, rather than failing on it."""

    def authenticate_credentials(self, token: bytes):
        if not TOKEN_SHAPE.fullmatch(token):
            raise AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(token)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes ``ApiTokenAuthentication``: the same
    ``Authorization: Token <key>`` header, under the name the schema always gave it."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )
