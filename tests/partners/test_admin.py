"""The Django admin, where administrators edit policy versions, organisations and users."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from partners.models import CaseReason, PolicyVersion
from partners.roles import Role
from tests.factories import DeviceFactory, OrganisationFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

REGISTERED = sorted(
    admin.site._registry.items(),
    key=lambda item: item[0]._meta.label,
)


# Generous, but far below what one query per choice or per row would cost.
PAGE_QUERIES = 20


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def administrator():
    """An administrator by role (the Administrators group), not a Django superuser."""
    return StaffFactory(roles=[Role.ADMIN])


@pytest.fixture
def admin_client(client, administrator, policies):
    # Something on every list, so change lists render rows and not only "0 results".
    DeviceFactory()
    UserFactory()
    client.force_login(administrator)
    return client


def test_every_model_is_registered():
    labels = {model._meta.label for model, _ in REGISTERED}
    assert {
        "partners.Organisation",
        "partners.Device",
        "partners.User",
        "partners.PolicyVersion",
        "partners.CaseType",
        "partners.CaseReason",
        "partners.CaseCategory",
        "partners.EligibilityRule",
        "partners.ResponseTarget",
        "partners.CreditBand",
    } <= labels


@pytest.mark.parametrize(
    ("model", "model_admin"), REGISTERED, ids=[m._meta.label for m, _ in REGISTERED]
)
def test_changelist_and_add_page(
    admin_client, administrator, django_assert_max_num_queries, model, model_admin
):
    with django_assert_max_num_queries(PAGE_QUERIES):
        changelist = admin_client.get(admin_url(model, "changelist"))
    assert changelist.status_code == 200

    request = RequestFactory().get("/")
    request.user = administrator
    may_add = model_admin.has_add_permission(request)
    # Choice labels such as "Tech Support: Password reset" must not cost a query each.
    with django_assert_max_num_queries(PAGE_QUERIES):
        add = admin_client.get(admin_url(model, "add"))
    # Some registered models (e.g. the login-attempt records) are read-only by design.
    assert add.status_code == (200 if may_add else 403)


SEARCHABLE = [(m, a) for m, a in REGISTERED if a.search_fields]


@pytest.mark.parametrize(
    ("model", "model_admin"), SEARCHABLE, ids=[m._meta.label for m, _ in SEARCHABLE]
)
def test_changelist_search_works(admin_client, model, model_admin):
    response = admin_client.get(admin_url(model, "changelist"), {"q": "a"})

    assert response.status_code == 200


def test_the_partner_models_may_be_added_by_an_administrator(admin_client, administrator):
    request = RequestFactory().get("/")
    request.user = administrator
    for model, model_admin in REGISTERED:
        if model._meta.app_label == "partners":
            assert model_admin.has_add_permission(request), model


@pytest.mark.parametrize("code", ["2022-04", "2023-10", "2026-03"])
def test_policy_version_change_page_with_its_inlines(admin_client, code):
    policy = PolicyVersion.objects.get(code=code)

    response = admin_client.get(admin_url(PolicyVersion, "change", policy.pk))

    assert response.status_code == 200
    html = response.content.decode()
    inline_rows = {
        "case_types": policy.case_types.count(),
        "eligibility_rules": policy.eligibility_rules.count(),
        "response_targets": policy.response_targets.count(),
        "credit_bands": policy.credit_bands.count(),
    }
    for prefix, rows in inline_rows.items():
        assert rows > 0, prefix
        assert f'name="{prefix}-INITIAL_FORMS" value="{rows}"' in html, prefix
    assert code in html


def test_policy_version_change_page_query_count(admin_client, django_assert_max_num_queries):
    policy = PolicyVersion.objects.get(code="2026-03")

    # Was about 470: every reason in every row's choices fetched its case type.
    with django_assert_max_num_queries(70):
        assert admin_client.get(admin_url(PolicyVersion, "change", policy.pk)).status_code == 200


def test_case_reason_change_page_with_categories(admin_client):
    reason = CaseReason.objects.get(case_type__policy__code="2026-03", code="classound-outage")

    response = admin_client.get(admin_url(CaseReason, "change", reason.pk))

    assert response.status_code == 200
    assert f'value="{reason.categories.count()}"' in response.content.decode()


def test_organisation_change_page_lists_its_devices(admin_client):
    device = DeviceFactory(serial_number="SN-ADMIN-0001")

    response = admin_client.get(
        admin_url(type(device.organisation), "change", device.organisation.pk)
    )

    assert response.status_code == 200
    assert "SN-ADMIN-0001" in response.content.decode()


def test_admin_refuses_staff_admin_access_for_a_partner_user(admin_client):
    organisation = OrganisationFactory()
    user = UserFactory(organisation=organisation)
    url = admin_url(type(user), "change", user.pk)
    form = admin_client.get(url)
    assert form.status_code == 200

    response = admin_client.post(
        url,
        {
            "email": user.email,
            "full_name": user.full_name,
            "organisation": organisation.pk,
            "time_zone": "",
            "is_active": "on",
            "is_staff": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    )

    assert response.status_code == 200  # the form again, with the error
    assert "admin site access" in response.content.decode().lower()
    user.refresh_from_db()
    assert not user.is_staff


@pytest.mark.parametrize("role", [Role.AGENT, Role.NOC, Role.BILLING])
def test_other_staff_roles_have_no_admin_site(client, role):
    client.force_login(StaffFactory(roles=[role]))

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302


def test_partner_users_have_no_admin_site(client):
    client.force_login(UserFactory())

    assert client.get(reverse("admin:index")).status_code == 302
