from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone

from availability.models import (
    Incident,
    IncidentUpdate,
    Maintenance,
    Service,
    ServiceDay,
    StatusSubscription,
    Subscription,
)
from tests.factories import OrganisationFactory, StaffFactory


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"service-{n}")
    name = factory.Sequence(lambda n: f"Service {n}")
    launched_on = date(2020, 1, 1)


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    reference = factory.Sequence(lambda n: f"SUB-{n:05d}")
    monthly_fee = "1000.00"
    currency = "EUR"
    starts_on = factory.LazyFunction(lambda: timezone.now().date().replace(year=2022, day=1))

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)


class IncidentFactory(factory.django.DjangoModelFactory):
    """A full outage of the vendor's making unless told otherwise; pass ``services=[…]``."""

    class Meta:
        model = Incident
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Outage {n}")
    created_by = factory.SubFactory(StaffFactory)

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)

    @factory.post_generation
    def organisations(self, create, extracted, **kwargs):
        if create and extracted:
            self.organisations.set(extracted)


class MaintenanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Maintenance
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Maintenance {n}")
    created_by = factory.SubFactory(StaffFactory)

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)


class IncidentUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncidentUpdate

    incident = factory.SubFactory(IncidentFactory)
    status = IncidentUpdate.Status.INVESTIGATING
    body = factory.Sequence(lambda n: f"We are looking into it (update {n}).")
    posted_by = factory.SubFactory(StaffFactory)


class ServiceDayFactory(factory.django.DjangoModelFactory):
    """A stored daily figure; a clean day unless told otherwise. Pass ``service`` and ``day``."""

    class Meta:
        model = ServiceDay

    service = factory.SubFactory(ServiceFactory)
    availability = Decimal(100)
    outage_seconds = 0
    incident_count = 0


class StatusSubscriptionFactory(factory.django.DjangoModelFactory):
    """Someone following a service for both kinds of notice; pass ``user`` and ``service``."""

    class Meta:
        model = StatusSubscription

    incidents = True
    maintenance = True
