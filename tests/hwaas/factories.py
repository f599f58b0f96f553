from datetime import date, timedelta
from decimal import Decimal

import factory

from hwaas import rules
from hwaas.models import CapexPurchase, HardwareModel, LeaseAgreement, LeaseLine
from tests.factories import OrganisationFactory, PhoneFactory


class HardwareModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HardwareModel
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"model-{n}")
    name = factory.Sequence(lambda n: f"Desk phone X{n}")
    description = "Colour desk phone"
    casualty_value = Decimal("180.00")
    default_fee = Decimal("8.00")


class LeaseAgreementFactory(factory.django.DjangoModelFactory):
    """Partner A leases to its installed customer B."""

    class Meta:
        model = LeaseAgreement

    number = factory.Sequence(lambda n: f"HW-TEST-{n:04d}")
    lessor = factory.SubFactory(OrganisationFactory)
    lessee = factory.SubFactory(
        OrganisationFactory,
        end_customer=True,
        installer=factory.SelfAttribute("..lessor"),
    )
    term = LeaseAgreement.Term.YEAR_TO_YEAR
    starts_on = date(2025, 1, 1)
    currency = "EUR"
    owner = factory.LazyAttribute(lambda agreement: rules.owner_entity(agreement.lessee.country))


class LeaseLineFactory(factory.django.DjangoModelFactory):
    """A delivered line; pass ``delivered_on=`` to say when."""

    class Meta:
        model = LeaseLine

    agreement = factory.SubFactory(LeaseAgreementFactory)
    hardware_model = factory.SubFactory(HardwareModelFactory)
    device = factory.SubFactory(
        PhoneFactory, organisation=factory.SelfAttribute("..agreement.lessee")
    )
    fee = Decimal("8.00")
    delivered_on = date(2025, 2, 1)
    ordered_on = factory.LazyAttribute(
        lambda line: (line.delivered_on or date(2025, 2, 1)) - timedelta(days=3)
    )
    invoicing_starts_on = factory.LazyAttribute(
        lambda line: rules.invoicing_starts(line.ordered_on)
    )


class CapexPurchaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CapexPurchase

    device = factory.SubFactory(PhoneFactory)
    hardware_model = factory.SubFactory(HardwareModelFactory)
    purchased_on = date(2026, 6, 1)
    invoice_number = factory.Sequence(lambda n: f"INV-{n:05d}")
