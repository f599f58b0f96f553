import factory
from django.core.management import call_command

from partners.models import Device, Organisation, User
from partners.roles import GROUP_NAMES, Role


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Partner {n} Ltd")
    kind = Organisation.Kind.PARTNER
    tier = Organisation.Tier.GOLD
    region = Organisation.Region.EU
    # Members read times in their country's zone: a US-region organisation is American.
    country = factory.LazyAttribute(lambda o: "US" if o.region == Organisation.Region.US else "IT")
    contact_email = factory.LazyAttribute(lambda o: f"support@{o.name.split()[0].lower()}.test")
    contact_phone = "+39 0461 000 000"
    tax_id = factory.Sequence(lambda n: f"IT{n:011d}")

    class Params:
        reseller = factory.Trait(kind=Organisation.Kind.RESELLER, tier="")
        end_customer = factory.Trait(kind=Organisation.Kind.END_CUSTOMER, tier="")


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    organisation = factory.SubFactory(OrganisationFactory)
    serial_number = factory.Sequence(lambda n: f"SN-{n:08d}")
    model = "Cloud PBX Business"
    name = factory.Sequence(lambda n: f"PBX {n}")
    kind = Device.Kind.CLOUD_PBX
    wms_version = "7.02.1"


class PhoneFactory(DeviceFactory):
    """A phone or other device, not a PBX; pass ``pbx=`` to register it on one."""

    model = "Desk phone DP-40"
    name = factory.Sequence(lambda n: f"Desk phone {n}")
    kind = Device.Kind.DEVICE
    wms_version = ""
    firmware_version = "1.9.0"


class UserFactory(factory.django.DjangoModelFactory):
    """A partner-side user by default; pass ``roles=[Role.AGENT]`` for staff."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        from django.contrib.auth.models import Group

        for role in extracted:
            group, _ = Group.objects.get_or_create(name=GROUP_NAMES[role])
            self.groups.add(group)
        if Role.ADMIN in extracted:
            self.is_staff = True
            self.save(update_fields=["is_staff"])


class StaffFactory(UserFactory):
    organisation = None
    time_zone = "UTC"


def api_token(user: User, **options) -> str:
    """A new API token for ``user``, issued as ``POST /api/auth/token/`` issues one."""
    from partners.services import api_token_issue

    return api_token_issue(user=user, **options)[1]


def load_policies() -> None:
    call_command("load_policy", verbosity=0)


def organisation_for_audience(audience: str, **fields) -> Organisation:
    """An organisation the support terms address as ``audience`` (a tier, "reseller" or
    "end_customer")."""
    if audience == Organisation.Kind.RESELLER:
        return OrganisationFactory(reseller=True, **fields)
    if audience == Organisation.Kind.END_CUSTOMER:
        return OrganisationFactory(end_customer=True, **fields)
    return OrganisationFactory(tier=audience, **fields)


def only_first_response_within(duration) -> None:
    """Make the terms in force (in the eu calendar's zone) give a new case one clock: its
    first response, due ``duration`` after opening, around the clock. The out-of-hours
    clocks (triage, investigation) are dropped, so a test on the real worker reads the same
    at any hour it runs."""
    from django.utils import timezone

    from partners.models import ResponseTarget
    from partners.policy_cache import policy_reference_forget
    from partners.selectors import policy_in_force

    policy = policy_in_force(timezone.now(), zone="Europe/Rome")
    targets = ResponseTarget.objects.filter(policy=policy)
    targets.filter(metric=ResponseTarget.Metric.FIRST_RESPONSE).update(
        kind=ResponseTarget.Kind.BUSINESS_TIME,
        target=duration,
        calendar=ResponseTarget.Calendar.ALWAYS,
    )
    targets.exclude(metric=ResponseTarget.Metric.FIRST_RESPONSE).delete()
    # ``update`` sends no signal: say the targets changed, as a bulk write must.
    policy_reference_forget()
