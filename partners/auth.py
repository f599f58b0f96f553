import functools
import re
from hmac import compare_digest

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import QuerySet
from django.forms import EmailField, EmailInput
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework.exceptions import AuthenticationFailed

from partners.models import ApiToken, User
from partners.roles import GROUP_NAMES_ATTR, group_names, with_group_names

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


@functools.cache
def _signed_in_users() -> QuerySet:
    """How a signed-in user is read: with their organisation and their group names. Built
    once per process, as every request reads one (each read clones it)."""
    return with_group_names(User._default_manager.select_related("organisation"))


@functools.cache
def _tokens() -> QuerySet:
    """How an API token is read: with its user as ``_signed_in_users`` reads one."""
    tokens = ApiToken.objects.select_related("user__organisation")
    names = group_names("user_id")
    return tokens if names is None else tokens.annotate(**{GROUP_NAMES_ATTR: names})


class UserBackend(ModelBackend):
    """Django's model backend, reading the signed-in user of a request in one query: with
    their organisation and the names of their groups (``roles_of``), which would otherwise
    take a query each on most pages."""

    def get_user(self, user_id):
        try:
            user = _signed_in_users().get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class ApiTokenAuthentication(TokenAuthentication):
    """django-rest-knox's token authentication (hashed tokens that expire), answering a
    token that cannot be one (not hexadecimal, not UTF-8, a NUL byte) with 401 like any
    other wrong token, rather than failing on it.

    The token, its user, the user's organisation and group names are read in one query.
    Unlike knox, a request does not also read and clear the user's other expired tokens:
    ``partners.services.api_token_issue`` clears them whenever a token is issued, and an
    expired token is refused (and deleted) when it is used."""

    def authenticate_credentials(self, token: bytes):
        if not TOKEN_SHAPE.fullmatch(token):
            raise AuthenticationFailed("Invalid token.")
        token = token.decode("ascii")
        candidates = _tokens().filter(token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH])
        digest = hash_token(token)
        now = timezone.now()
        for api_token in candidates:
            if api_token.expiry is not None and api_token.expiry < now:
                api_token.delete()
                token_expired.send(
                    sender=self.__class__,
                    username=api_token.user.get_username(),
                    source="auth_token",
                )
                continue
            if compare_digest(digest, api_token.digest):
                if hasattr(api_token, GROUP_NAMES_ATTR):
                    setattr(api_token.user, GROUP_NAMES_ATTR, getattr(api_token, GROUP_NAMES_ATTR))
                if knox_settings.AUTO_REFRESH and api_token.expiry:
                    self.renew_token(api_token)
                return self.validate_user(api_token)
        raise AuthenticationFailed("Invalid token.")


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes ``ApiTokenAuthentication``: the same
    ``Authorization: Token <key>`` header, under the name the schema always gave it."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )
