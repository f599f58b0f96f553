import factory
from django.utils import timezone

from availability.models import Incident, Maintenance, Service, Subscription
from tests.factories import OrganisationFactory, StaffFactory


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"service-{n}")
    name = factory.Sequence(lambda n: f"Service {n}")


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
