"""``manage.py seed_demo``: the demo accounts the README promises, and idempotent. (Refused on
a production configuration unless forced: ``test_seed_demo_debug_off``.)"""

import pytest
from django.core.management import call_command
from django.test import RequestFactory, override_settings

from partners.models import Device, Organisation, PolicyVersion, User
from partners.roles import Role, roles_of

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "supportdesk-demo"

# local part of the e-mail -> (roles, kind, tier, region); staff have no organisation.
ACCOUNTS = {
    "diamond": ({Role.PARTNER}, "partner", "diamond", "eu"),
    "platinum": ({Role.PARTNER}, "partner", "platinum", "us"),
    "gold": ({Role.PARTNER}, "partner", "gold", "eu"),
    "gold2": ({Role.PARTNER}, "partner", "gold", "us"),
    "silver": ({Role.PARTNER}, "partner", "silver", "eu"),
    "bronze": ({Role.PARTNER}, "partner", "bronze", "eu"),
    "reseller": ({Role.PARTNER}, "reseller", "", "us"),
    "customer": ({Role.PARTNER}, "end_customer", "", None),
    "agent": ({Role.AGENT, Role.LEAD}, None, None, None),  # the agent also leads the team
    "noc": ({Role.NOC}, None, None, None),
    "billing": ({Role.BILLING}, None, None, None),
    "admin": ({Role.ADMIN}, None, None, None),
}


@pytest.fixture(scope="module")
def _seeded_once(module_db, django_db_blocker):
    """The command runs once for the module (``module_db``); each test's changes are rolled
    back after it, so every test sees what one run of the command wrote."""
    with django_db_blocker.unblock(), override_settings(DEBUG=True):
        call_command("seed_demo", verbosity=0)


@pytest.fixture
def seeded(_seeded_once, settings):
    settings.DEBUG = True


def account(local_part: str) -> User:
    return User.objects.select_related("organisation").get(email__startswith=f"{local_part}@")


def test_exactly_the_twelve_demo_accounts(seeded):
    local_parts = sorted(
        email.split("@")[0] for email in User.objects.values_list("email", flat=True)
    )

    assert local_parts == sorted(ACCOUNTS)


@pytest.mark.parametrize("local_part", list(ACCOUNTS))
def test_demo_account(seeded, local_part):
    roles, kind, tier, region = ACCOUNTS[local_part]
    user = account(local_part)

    assert user.is_active
    assert user.check_password(DEMO_PASSWORD)
    assert roles_of(user) == roles
    if Role.PARTNER in roles:
        assert user.organisation.kind == kind
        assert user.organisation.tier == tier
        if region:
            assert user.organisation.region == region
        user.organisation.full_clean()
    else:
        assert user.organisation is None


@pytest.mark.parametrize("local_part", ["diamond", "agent", "admin"])
def test_demo_accounts_can_log_in_with_the_published_password(seeded, local_part):
    from django.contrib.auth import authenticate

    user = account(local_part)
    request = RequestFactory().post("/accounts/login/")

    assert authenticate(request, username=user.email, password=DEMO_PASSWORD) == user


def test_demo_admin_can_use_the_admin_site(seeded, client):
    client.force_login(account("admin"))

    assert client.get("/admin/").status_code == 200


def test_bronze_is_supported_by_the_platinum_organisation(seeded):
    assert account("bronze").organisation.upstream_partner == account("platinum").organisation


def test_reseller_is_supported_by_the_second_gold_organisation(seeded):
    assert account("reseller").organisation.upstream_partner == account("gold2").organisation


def test_end_customer_was_installed_by_the_first_gold_organisation(seeded):
    customer = account("customer").organisation

    assert customer.installer == account("gold").organisation
    assert customer.installer != account("gold2").organisation


def test_the_two_gold_organisations_are_different(seeded):
    assert account("gold").organisation != account("gold2").organisation


@pytest.mark.parametrize(
    "local_part", [k for k, (_r, kind, _t, _g) in ACCOUNTS.items() if kind == "partner"]
)
def test_partner_organisations_have_pbxs_and_devices(seeded, local_part):
    organisation = account(local_part).organisation
    devices = list(Device.objects.filter(organisation=organisation).select_related("pbx"))

    pbxs = [d for d in devices if d.is_pbx]
    phones = [d for d in devices if not d.is_pbx]
    assert pbxs, "no PBX"
    assert phones, "no phones or devices"
    for device in devices:
        device.full_clean()
    assert any(phone.pbx in pbxs for phone in phones), "no device registered on a PBX"


def test_policies_are_loaded(seeded):
    assert set(PolicyVersion.objects.values_list("code", flat=True)) >= {
        "2022-04",
        "2023-10",
        "2026-03",
    }


def test_running_twice_creates_no_duplicates(seeded):
    counts = (User.objects.count(), Organisation.objects.count(), Device.objects.count())

    call_command("seed_demo", verbosity=0)

    assert (User.objects.count(), Organisation.objects.count(), Device.objects.count()) == counts
    assert len(ACCOUNTS) == counts[0]


def test_running_again_restores_a_changed_demo_password(seeded):
    user = account("gold")
    user.set_password("something else entirely")
    user.save()

    call_command("seed_demo", verbosity=0)

    assert account("gold").check_password(DEMO_PASSWORD)


@pytest.mark.parametrize(
    ("local_part", "zone"),
    [
        ("diamond", "Europe/Rome"),  # Italy
        ("platinum", "America/New_York"),  # United States, on New York's support hours
        ("gold", "Europe/Berlin"),  # Germany
        ("silver", "Europe/Tallinn"),  # Estonia, though its support hours are Rome's
        ("bronze", "Europe/Madrid"),  # Spain
        ("agent", "Europe/Rome"),  # staff as the README lists them
    ],
)
def test_demo_accounts_read_times_in_their_countrys_zone(seeded, local_part, zone):
    assert account(local_part).effective_time_zone == zone


def test_running_again_puts_back_the_demo_time_zones(seeded):
    user = account("silver")
    user.time_zone = "Europe/Rome"
    user.save()

    call_command("seed_demo", verbosity=0)

    assert account("silver").time_zone == "Europe/Tallinn"
