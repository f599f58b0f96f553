"""Organisations, devices and users: the rules the admin and the services rely on."""

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import RequestFactory

from partners.models import Organisation, User
from partners.roles import Role, roles_of
from partners.services import user_create
from tests.factories import (
    DeviceFactory,
    OrganisationFactory,
    PhoneFactory,
    StaffFactory,
    UserFactory,
    organisation_for_audience,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
UPSTREAM_TIERS = ["diamond", "platinum", "gold_plus", "gold"]


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


# --- Organisation.clean ---------------------------------------------------------------------


@pytest.mark.parametrize("tier", [t.value for t in Organisation.Tier])
def test_partner_with_a_tier_is_valid(tier):
    OrganisationFactory.build(tier=tier).full_clean()


def test_partner_needs_a_tier():
    with pytest.raises(ValidationError) as excinfo:
        OrganisationFactory.build(tier="").full_clean()
    assert "tier" in errors_of(excinfo)


@pytest.mark.parametrize("kind", ["reseller", "end_customer"])
def test_only_partners_have_a_tier(kind):
    with pytest.raises(ValidationError) as excinfo:
        OrganisationFactory.build(kind=kind, tier="gold").full_clean()
    assert "tier" in errors_of(excinfo)


@pytest.mark.parametrize("kind", ["reseller", "end_customer"])
def test_reseller_and_end_customer_without_tier_are_valid(kind):
    OrganisationFactory.build(kind=kind, tier="").full_clean()


@pytest.mark.parametrize("upstream_tier", UPSTREAM_TIERS)
@pytest.mark.parametrize("audience", ["bronze", "reseller"])
def test_upstream_may_be_a_diamond_platinum_gold_plus_or_gold_partner(audience, upstream_tier):
    upstream = OrganisationFactory(tier=upstream_tier)
    organisation = organisation_for_audience(audience)
    organisation.upstream_partner = upstream

    organisation.full_clean()


@pytest.mark.parametrize("upstream_tier", ["silver", "bronze"])
def test_upstream_of_a_lower_tier_is_refused(upstream_tier):
    upstream = OrganisationFactory(tier=upstream_tier)
    bronze = OrganisationFactory.build(tier="bronze", upstream_partner=upstream)

    with pytest.raises(ValidationError) as excinfo:
        bronze.full_clean()
    assert "upstream_partner" in errors_of(excinfo)


@pytest.mark.parametrize("kind", ["reseller", "end_customer"])
def test_upstream_must_be_a_partner(kind):
    not_a_partner = organisation_for_audience(kind)
    bronze = OrganisationFactory.build(tier="bronze", upstream_partner=not_a_partner)

    with pytest.raises(ValidationError) as excinfo:
        bronze.full_clean()
    assert "upstream_partner" in errors_of(excinfo)


def test_organisation_cannot_be_its_own_upstream():
    gold = OrganisationFactory(tier="gold")
    gold.upstream_partner = gold

    with pytest.raises(ValidationError) as excinfo:
        gold.full_clean()
    assert "upstream_partner" in errors_of(excinfo)


@pytest.mark.parametrize("installer_audience", ["gold", "bronze", "reseller"])
def test_end_customer_installed_by_a_partner_or_reseller(installer_audience):
    installer = organisation_for_audience(installer_audience)
    customer = OrganisationFactory.build(end_customer=True, installer=installer)

    customer.full_clean()


def test_installer_must_not_be_an_end_customer():
    other_customer = OrganisationFactory(end_customer=True)
    customer = OrganisationFactory.build(end_customer=True, installer=other_customer)

    with pytest.raises(ValidationError) as excinfo:
        customer.full_clean()
    assert "installer" in errors_of(excinfo)


@pytest.mark.parametrize("audience", ["gold", "bronze", "reseller"])
def test_only_end_customers_have_an_installer(audience):
    installer = OrganisationFactory(tier="platinum")
    organisation = organisation_for_audience(audience)
    organisation.installer = installer

    with pytest.raises(ValidationError) as excinfo:
        organisation.full_clean()
    assert "installer" in errors_of(excinfo)


# --- Database constraints hold even when clean() is skipped ---------------------------------


def _refused_by_the_database(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(**fields)


def test_db_refuses_partner_without_tier():
    _refused_by_the_database(tier="")


@pytest.mark.parametrize("kind", ["reseller", "end_customer"])
def test_db_refuses_tier_on_non_partner(kind):
    _refused_by_the_database(kind=kind, tier="silver")


@pytest.mark.parametrize("audience", ["gold", "reseller"])
def test_db_refuses_installer_on_non_end_customer(audience):
    installer = OrganisationFactory(tier="platinum")
    kind_fields = {"gold": {"tier": "gold"}, "reseller": {"kind": "reseller", "tier": ""}}
    _refused_by_the_database(installer=installer, **kind_fields[audience])


def test_organisation_name_is_unique():
    OrganisationFactory(name="Same Name Ltd")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory.build(name="Same Name Ltd").save()


# --- Devices ---------------------------------------------------------------------------------


def test_device_serial_number_is_unique():
    DeviceFactory(serial_number="SN-DUPLICATE")

    with pytest.raises(IntegrityError), transaction.atomic():
        DeviceFactory(serial_number="SN-DUPLICATE")


def test_phone_on_its_own_organisations_pbx_is_valid():
    pbx = DeviceFactory()
    phone = PhoneFactory.build(organisation=pbx.organisation, pbx=pbx)

    phone.full_clean()


@pytest.mark.parametrize("pbx_kind", ["cloud_pbx", "hardware_pbx"])
def test_both_kinds_of_pbx_take_phones(pbx_kind):
    pbx = DeviceFactory(kind=pbx_kind)
    PhoneFactory.build(organisation=pbx.organisation, pbx=pbx).full_clean()


def test_phone_on_another_organisations_pbx_is_refused():
    pbx = DeviceFactory()
    phone = PhoneFactory.build(organisation=OrganisationFactory(), pbx=pbx)

    with pytest.raises(ValidationError) as excinfo:
        phone.full_clean()
    assert "pbx" in errors_of(excinfo)


def test_device_cannot_be_attached_to_a_phone():
    phone = PhoneFactory()
    other = PhoneFactory.build(organisation=phone.organisation, pbx=phone)

    with pytest.raises(ValidationError) as excinfo:
        other.full_clean()
    assert "pbx" in errors_of(excinfo)


def test_pbx_is_not_attached_to_another_pbx():
    pbx = DeviceFactory()
    second = DeviceFactory.build(organisation=pbx.organisation, pbx=pbx)

    with pytest.raises(ValidationError) as excinfo:
        second.full_clean()
    assert "pbx" in errors_of(excinfo)


# --- Users -----------------------------------------------------------------------------------


def _login_request():
    return RequestFactory().post("/accounts/login/")


def test_email_login_ignores_case():
    user = UserFactory(email="anna.weber@example.test", password=PASSWORD)

    found = authenticate(_login_request(), username="Anna.Weber@EXAMPLE.test", password=PASSWORD)

    assert found == user


def test_wrong_password_does_not_authenticate():
    UserFactory(email="anna.weber@example.test", password=PASSWORD)

    assert (
        authenticate(_login_request(), username="anna.weber@example.test", password="nope") is None
    )


def test_user_clean_stores_the_email_lower_case():
    user = UserFactory.build(email="Mixed.Case@Example.TEST", organisation=OrganisationFactory())
    user.full_clean(exclude=["password"])
    assert user.email == "mixed.case@example.test"


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_partner_user_cannot_get_admin_access_through_clean(flag):
    user = UserFactory()
    setattr(user, flag, True)

    with pytest.raises(ValidationError) as excinfo:
        user.full_clean()
    assert "is_staff" in errors_of(excinfo)


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_partner_user_cannot_get_admin_access_in_the_database(flag):
    user = UserFactory()
    setattr(user, flag, True)

    with pytest.raises(IntegrityError), transaction.atomic():
        user.save()


def test_staff_user_may_have_admin_access():
    user = StaffFactory(roles=[Role.ADMIN])
    user.refresh_from_db()
    assert user.is_staff
    user.full_clean()


def test_email_is_unique():
    UserFactory(email="dup@example.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="dup@example.test")


# --- user_create ----------------------------------------------------------------------------


def test_user_create_partner_member():
    organisation = OrganisationFactory(tier="silver")

    user = user_create(
        email="  New.Member@Example.TEST ",
        password=PASSWORD,
        full_name="New Member",
        organisation=organisation,
    )

    user.refresh_from_db()
    assert user.email == "new.member@example.test"
    assert user.organisation == organisation
    assert roles_of(user) == {Role.PARTNER}
    assert not user.is_staff
    assert authenticate(_login_request(), username="new.member@example.test", password=PASSWORD)


def test_user_create_refuses_staff_role_for_organisation_member():
    with pytest.raises(ValidationError):
        user_create(
            email="mixed@example.test",
            password=PASSWORD,
            organisation=OrganisationFactory(),
            roles=(Role.AGENT,),
        )
    assert not User.objects.filter(email="mixed@example.test").exists()


def test_user_create_refuses_nobody():
    with pytest.raises(ValidationError):
        user_create(email="nobody@example.test", password=PASSWORD)
    assert not User.objects.filter(email="nobody@example.test").exists()


def test_user_create_refuses_duplicate_email_in_another_case():
    UserFactory(email="taken@example.test")
    with pytest.raises(ValidationError):
        user_create(
            email="Taken@Example.test", password=PASSWORD, organisation=OrganisationFactory()
        )


@pytest.mark.parametrize(
    ("role", "admin_access"),
    [(Role.AGENT, False), (Role.NOC, False), (Role.BILLING, False), (Role.ADMIN, True)],
)
def test_user_create_staff(role, admin_access):
    user = user_create(email="staff@example.test", password=PASSWORD, roles=(role,))

    user = User.objects.get(pk=user.pk)
    assert user.organisation is None
    assert roles_of(user) == {role}
    assert user.is_staff is admin_access


@pytest.mark.parametrize(
    ("region", "country", "zone"),
    [
        ("eu", "IT", "Europe/Rome"),
        ("eu", "EE", "Europe/Tallinn"),
        ("eu", "DE", "Europe/Berlin"),
        ("eu", "ES", "Europe/Madrid"),
        ("us", "US", "America/New_York"),
    ],
)
def test_user_create_time_zone_defaults_from_the_country(region, country, zone):
    organisation = OrganisationFactory(region=region, country=country)

    user = user_create(email="tz@example.test", password=PASSWORD, organisation=organisation)

    assert User.objects.get(pk=user.pk).effective_time_zone == zone


def test_user_create_keeps_an_explicit_time_zone():
    organisation = OrganisationFactory(region="eu")

    user = user_create(
        email="tz@example.test",
        password=PASSWORD,
        organisation=organisation,
        time_zone="Europe/Tallinn",
    )

    assert User.objects.get(pk=user.pk).effective_time_zone == "Europe/Tallinn"


def test_user_create_refuses_an_unknown_time_zone():
    with pytest.raises(ValidationError):
        user_create(
            email="tz@example.test",
            password=PASSWORD,
            organisation=OrganisationFactory(),
            time_zone="Mars/Olympus_Mons",
        )


def test_staff_without_a_zone_gets_the_default(settings):
    settings.DEFAULT_USER_TIME_ZONE = "UTC"
    user = user_create(email="agent@example.test", password=PASSWORD, roles=(Role.AGENT,))

    assert User.objects.get(pk=user.pk).effective_time_zone == "UTC"
