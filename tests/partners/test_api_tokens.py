"""API tokens that can be taken back: they expire, end with a password change, a password
reset or a deactivation, and their owner (or an administrator) can list and revoke them.
Through the API, the profile page and the admin, as people use them."""

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from partners.models import ApiToken
from partners.roles import Role
from tests.factories import StaffFactory, UserFactory, api_token
from tests.partners.pages import Page

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase 42"
TOKEN_URL = "/api/auth/token/"
TOKENS_URL = "/api/auth/tokens/"
ME_URL = "/api/me/"


def obtain(email: str, **extra) -> dict:
    response = APIClient().post(
        TOKEN_URL, {"email": email, "password": PASSWORD, **extra}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def with_token(token: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def works(token: str) -> bool:
    status = with_token(token).get(ME_URL).status_code
    assert status in (200, 401), status
    return status == 200


# --- Issued, kept as a hash, expiring -------------------------------------------------------


def test_only_a_hash_of_the_token_is_kept():
    user = UserFactory(password=PASSWORD)

    token = obtain(user.email)["token"]

    row = ApiToken.objects.get(user=user)
    stored = " ".join(str(value) for value in row.__dict__.values())
    assert token not in stored
    assert works(token)


def test_an_expired_token_is_refused_and_deleted_while_the_users_others_work():
    user = UserFactory(password=PASSWORD)
    expired = api_token(user, expires_at=timezone.now() + timedelta(minutes=5))
    working = api_token(user)

    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        assert with_token(expired).get(ME_URL).status_code == 401
        assert with_token(working).get(ME_URL).status_code == 200

    assert ApiToken.objects.filter(user=user).count() == 1
    assert with_token(working).get(ME_URL).json()["email"] == user.email


def test_a_token_expires_after_the_configured_days(settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(days=2)}
    user = UserFactory(password=PASSWORD)
    before = timezone.now()

    body = obtain(user.email)

    expiry = ApiToken.objects.get(user=user).expiry
    assert timedelta(days=2) <= expiry - before < timedelta(days=2, minutes=1)
    assert body["expiry"].startswith(
        expiry.astimezone(timezone.get_current_timezone()).date().isoformat()
    )
    with time_machine.travel(expiry - timedelta(minutes=1), tick=False):
        assert works(body["token"])
    with time_machine.travel(expiry + timedelta(seconds=1), tick=False):
        assert not works(body["token"])


def test_the_default_lifetime_is_thirty_days():
    user = UserFactory(password=PASSWORD)
    before = timezone.now()

    obtain(user.email)

    lifetime = ApiToken.objects.get(user=user).expiry - before
    assert timedelta(days=30) <= lifetime < timedelta(days=30, minutes=1)


def test_past_the_limit_a_new_token_revokes_the_oldest(settings):
    settings.API_TOKENS_PER_USER = 3
    user = UserFactory(password=PASSWORD)

    tokens = [obtain(user.email, name=f"run {n}")["token"] for n in range(5)]

    assert [works(token) for token in tokens] == [False, False, True, True, True]
    assert sorted(ApiToken.objects.filter(user=user).values_list("name", flat=True)) == [
        "run 2",
        "run 3",
        "run 4",
    ]


@pytest.mark.parametrize(
    "header",
    ["Token zz-not-hex", "Token é", "Token " + "ab" * 100, "Token abcdef0123456789\x00ff"],
)
def test_a_token_that_cannot_be_one_is_401(header):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)

    response = api.get(ME_URL)

    assert response.status_code == 401
    assert "detail" in response.json()


def test_a_token_of_a_deactivated_user_is_401():
    user = UserFactory(password=PASSWORD)
    token = api_token(user)
    type(user).objects.filter(pk=user.pk).update(is_active=False)  # no save(): still refused

    assert not works(token)


# --- Ended by a password change, a reset or a deactivation -----------------------------------


def test_changing_the_password_revokes_every_token(client):
    user = UserFactory(password=PASSWORD)
    tokens = [obtain(user.email)["token"], obtain(user.email)["token"]]
    client.force_login(user)

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert not any(works(token) for token in tokens)
    assert not ApiToken.objects.filter(user=user).exists()


def test_resetting_the_password_revokes_every_token(
    client, mailoutbox, eager_celery, django_capture_on_commit_callbacks
):
    user = UserFactory(password=PASSWORD)
    token = obtain(user.email)["token"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": user.email})
    link = urlparse(re.search(r"https?://\S+", mailoutbox[0].body).group(0)).path
    form_url = client.get(link, follow=True).redirect_chain[-1][0]

    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response.status_code == 302
    assert not works(token)


def test_tokens_of_other_users_survive_a_password_change(client):
    user, colleague = UserFactory(password=PASSWORD), UserFactory(password=PASSWORD)
    theirs = api_token(colleague)
    client.force_login(user)

    client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert works(theirs)


@pytest.fixture
def admin_client(client, policies):
    client.force_login(StaffFactory(roles=[Role.ADMIN]))
    return client


def test_an_administrator_setting_a_password_revokes_the_tokens(admin_client):
    user = UserFactory(password=PASSWORD)
    token = obtain(user.email)["token"]

    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    assert not works(token)


def test_deactivating_a_user_revokes_the_tokens_for_good():
    user = UserFactory(password=PASSWORD)
    token = api_token(user)

    user.is_active = False
    user.save(update_fields=["is_active"])
    user.is_active = True
    user.save(update_fields=["is_active"])

    assert not works(token)
    assert not ApiToken.objects.filter(user=user).exists()


def test_a_rehash_on_login_is_not_a_password_change(client, settings):
    """Django stores the password again under a newer hasher when someone logs in: the
    password is the same, and the tokens stay."""
    user = UserFactory(password=PASSWORD)
    assert user.password.startswith("md5$")  # the test suite's fast hasher
    token = api_token(user)
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]

    assert (
        client.post(reverse("login"), {"username": user.email, "password": PASSWORD}).status_code
        == 302
    )

    user.refresh_from_db()
    assert user.password.startswith("pbkdf2")
    assert works(token)


# --- Listing and revoking your own -----------------------------------------------------------


def test_a_user_lists_their_own_working_tokens_without_the_tokens_themselves():
    user, colleague = UserFactory(password=PASSWORD), UserFactory(password=PASSWORD)
    mine = obtain(user.email, name="nightly export")
    obtain(colleague.email)
    expired = ApiToken.objects.create(user=user, expiry=timedelta(seconds=-1))[1]

    response = with_token(mine["token"]).get(TOKENS_URL)

    assert response.status_code == 200
    (listed,) = response.json()
    assert listed == {key: mine[key] for key in ("id", "name", "starts_with", "created", "expiry")}
    assert mine["token"] not in response.content.decode()
    assert expired not in response.content.decode()


def test_a_user_revokes_one_of_their_tokens_through_the_api():
    user = UserFactory(password=PASSWORD)
    script, laptop = obtain(user.email, name="script"), obtain(user.email, name="laptop")

    response = with_token(laptop["token"]).delete(f"{TOKENS_URL}{script['id']}/")

    assert response.status_code == 204
    assert not works(script["token"])
    assert works(laptop["token"])


def test_a_token_revokes_itself():
    user = UserFactory(password=PASSWORD)
    token = obtain(user.email)

    assert with_token(token["token"]).delete(f"{TOKENS_URL}{token['id']}/").status_code == 204
    assert not works(token["token"])


def test_someone_elses_token_is_404_and_keeps_working():
    user, colleague = UserFactory(password=PASSWORD), UserFactory(password=PASSWORD)
    theirs = obtain(colleague.email)

    response = with_token(api_token(user)).delete(f"{TOKENS_URL}{theirs['id']}/")

    assert response.status_code == 404
    assert works(theirs["token"])


def test_the_profile_page_lists_and_revokes_tokens(client):
    user, colleague = UserFactory(password=PASSWORD), UserFactory(password=PASSWORD)
    script = obtain(user.email, name="nightly export")
    theirs = obtain(colleague.email)
    client.force_login(user)

    page = Page(client.get(reverse("partners:profile")))
    section = page.text()
    assert "API tokens" in section
    assert "nightly export" in section
    assert script["starts_with"] in section
    assert script["token"] not in page.html

    refused = client.post(reverse("partners:api_token_revoke", args=[theirs["id"]]))
    assert refused.status_code == 404
    response = client.post(reverse("partners:api_token_revoke", args=[script["id"]]), follow=True)
    assert response.status_code == 200
    assert "has been revoked" in Page(response).text()
    assert "You have no API tokens." in Page(response).text()
    assert not works(script["token"])
    assert works(theirs["token"])


def test_revoking_from_the_profile_page_needs_a_post(client):
    user = UserFactory(password=PASSWORD)
    token = obtain(user.email)
    client.force_login(user)

    assert client.get(reverse("partners:api_token_revoke", args=[token["id"]])).status_code == 405
    assert works(token["token"])


# --- The administrator's view --------------------------------------------------------------


def test_an_administrator_revokes_anyones_token(admin_client):
    user = UserFactory(password=PASSWORD)
    token = obtain(user.email, name="zabbix")
    row = ApiToken.objects.get(pk=token["id"])
    changelist = admin_client.get(reverse("admin:partners_apitoken_changelist"))
    assert "zabbix" in changelist.content.decode()
    assert token["token"] not in changelist.content.decode()

    response = admin_client.post(
        reverse("admin:partners_apitoken_delete", args=[row.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not works(token["token"])


def test_an_administrator_issues_a_token_shown_once(admin_client):
    integration = StaffFactory(roles=[Role.INTEGRATION], email="zabbix@vendor.test")
    expires = timezone.now() + timedelta(days=365)

    response = admin_client.post(
        reverse("admin:partners_apitoken_add"),
        {
            "user": integration.pk,
            "name": "Zabbix EU",
            "expiry_0": expires.strftime("%d/%m/%Y"),
            "expiry_1": expires.strftime("%H:%M:%S"),
        },
        follow=True,
    )

    assert response.status_code == 200
    shown = re.search(
        r"The new token for zabbix@vendor\.test is ([0-9a-f]+)", response.content.decode()
    )
    assert shown, response.content.decode()
    row = ApiToken.objects.get(user=integration)
    assert row.name == "Zabbix EU"
    assert abs(row.expiry - expires) < timedelta(seconds=2)
    assert works(shown.group(1))
    assert (
        shown.group(1)
        not in admin_client.get(reverse("admin:partners_apitoken_changelist")).content.decode()
    )


def test_the_user_page_in_the_admin_revokes_their_tokens(admin_client):
    user = UserFactory(password=PASSWORD)
    token = obtain(user.email, name="laptop")
    url = reverse("admin:partners_user_change", args=[user.pk])
    page = admin_client.get(url).content.decode()
    assert "laptop" in page
    prefix = "auth_token_set"
    assert f'name="{prefix}-TOTAL_FORMS"' in page

    response = admin_client.post(
        url,
        {
            "email": user.email,
            "full_name": user.full_name,
            "organisation": user.organisation_id,
            "time_zone": "",
            "is_active": "on",
            "date_joined_0": "01/01/2026",
            "date_joined_1": "10:00:00",
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "1",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
            f"{prefix}-0-id": str(token["id"]),
            f"{prefix}-0-user": str(user.pk),
            f"{prefix}-0-DELETE": "on",
        },
    )

    assert response.status_code == 302, Page(response).text()[:2000]
    assert not works(token["token"])
