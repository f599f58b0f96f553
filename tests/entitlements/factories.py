from datetime import UTC, datetime, timedelta

import factory

from entitlements.models import Entitlement
from tests.factories import OrganisationFactory


class EntitlementFactory(factory.django.DjangoModelFactory):
    """A support-hour bundle of two hours, running for a year from 2026-01-01."""

    class Meta:
        model = Entitlement
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    kind = Entitlement.Kind.HOUR_BUNDLE
    reference = factory.Sequence(lambda n: f"BND-{n:04d}")
    starts_at = datetime(2026, 1, 1, tzinfo=UTC)
    ends_at = factory.LazyAttribute(lambda e: e.starts_at + timedelta(days=365))
    minutes_bought = 120

    @factory.post_generation
    def devices(self, create, extracted, **kwargs):
        if create and extracted:
            self.devices.set(extracted)
