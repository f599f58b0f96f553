"""One small desk with a user for every role and one object of every kind that a URL can
name, for tests that walk the whole URL conf (access matrix, CSRF, API fuzzing).

Organisation A (Gold) owns the objects; B is another Gold partner; a Bronze partner and a
reseller have A as their upstream partner; an end customer was installed by A and leases
devices from it.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import QueryDict
from django.test.utils import override_settings
from django.utils import timezone

from availability.models import Incident
from desk.actions.hardware_request import hardware_request_open
from entitlements import rules as entitlement_rules
from entitlements import services as entitlement_services
from hwaas import services as hwaas_services
from partners.models import Organisation, User
from partners.roles import Role
from sla.calendars import standard_calendars_ensure
from tests.availability.factories import (
    IncidentFactory,
    MaintenanceFactory,
    ServiceFactory,
    SubscriptionFactory,
)
from tests.entitlements.factories import EntitlementFactory
from tests.factories import OrganisationFactory, StaffFactory, UserFactory, load_policies
from tests.hwaas.factories import HardwareModelFactory, LeaseAgreementFactory, LeaseLineFactory
from tests.tickets.factories import (
    ArticleFactory,
    MacroFactory,
    RefusedMailFileFactory,
    TicketFactory,
    open_case,
)
from tickets import services as ticket_services
from tickets.saved_views import saved_view_create
from tickets.services import documents as document_services
from tickets.services import partner_requests as partner_request_services

PASSWORD = "correct horse battery staple"

# Every kind of person the desk knows. Partner users differ by their organisation's kind
# and tier; staff by the groups (roles) they hold.
ANONYMOUS = "anonymous"
PARTNER = "partner"  # Gold partner A, owner of every object below
PARTNER_OTHER = "partner_other"  # Gold partner B
PARTNER_BRONZE = "partner_bronze"
RESELLER = "reseller"
END_CUSTOMER = "end_customer"  # installed by A, leases A's devices
AGENT = "agent"
LEAD = "lead"
NOC = "noc"
BILLING = "billing"
INTEGRATION = "integration"
ADMIN = "admin"
SUPERUSER = "superuser"

PARTNERS = (PARTNER, PARTNER_OTHER, PARTNER_BRONZE, RESELLER, END_CUSTOMER)
STAFF = (AGENT, LEAD, NOC, BILLING, INTEGRATION, ADMIN, SUPERUSER)
ROLES = (ANONYMOUS, *PARTNERS, *STAFF)


@dataclass
class World:
    users: dict[str, User] = field(default_factory=dict)
    objects: dict[str, object] = field(default_factory=dict)

    def pk(self, name: str) -> int:
        return self.objects[name].pk


def build_world() -> World:
    load_policies()
    standard_calendars_ensure()
    world = World()
    org_a = OrganisationFactory(tier=Organisation.Tier.GOLD, region=Organisation.Region.EU)
    org_b = OrganisationFactory(tier=Organisation.Tier.GOLD, region=Organisation.Region.US)
    bronze = OrganisationFactory(tier=Organisation.Tier.BRONZE, upstream_partner=org_a)
    reseller = OrganisationFactory(reseller=True, upstream_partner=org_a)
    customer = OrganisationFactory(end_customer=True, installer=org_a)

    users = world.users
    users[PARTNER] = UserFactory(organisation=org_a)
    users[PARTNER_OTHER] = UserFactory(organisation=org_b)
    users[PARTNER_BRONZE] = UserFactory(organisation=bronze)
    users[RESELLER] = UserFactory(organisation=reseller)
    users[END_CUSTOMER] = UserFactory(organisation=customer)
    users[AGENT] = StaffFactory(roles=[Role.AGENT])
    users[LEAD] = StaffFactory(roles=[Role.LEAD])
    users[NOC] = StaffFactory(roles=[Role.NOC])
    users[BILLING] = StaffFactory(roles=[Role.BILLING])
    users[INTEGRATION] = StaffFactory(roles=[Role.INTEGRATION])
    users[ADMIN] = StaffFactory(roles=[Role.ADMIN])
    users[SUPERUSER] = StaffFactory(is_staff=True, is_superuser=True)

    objects = world.objects
    ticket = open_case(users[PARTNER])
    objects["ticket"] = ticket
    (objects["attachment"],) = ticket_services.attachments_add(
        ticket=ticket,
        files=[SimpleUploadedFile("trace.txt", b"INVITE sip:100@pbx", "text/plain")],
        uploaded_by=users[PARTNER],
    )
    objects["document_item"] = document_services.document_request_create(
        ticket=ticket,
        actor=users[AGENT],
        due_date=timezone.localdate() + timedelta(days=7),
        due_at=timezone.now() + timedelta(days=7),
        reminders={},
        note="",
        items=[document_services.ItemSpec(kind="identity")],
        now=timezone.now(),
    ).items.get()
    objects["partner_request"] = _partner_request(users[PARTNER_BRONZE], org_a)
    objects["partner_request_file"] = objects["partner_request"].files.get()
    objects["customer_ticket"] = TicketFactory(organisation=customer, requester=users[END_CUSTOMER])
    objects["article"] = ArticleFactory(is_published=True)
    objects["macro"] = MacroFactory(created_by=users[LEAD])
    objects["saved_view"] = saved_view_create(
        owner=users[AGENT],
        name="Critical in Europe",
        visibility="team",
        params=QueryDict("cos=critical&region=eu"),
    )
    objects["refused_mail_file"] = RefusedMailFileFactory()
    objects["refused_mail"] = objects["refused_mail_file"].mail

    service = ServiceFactory()
    SubscriptionFactory(organisation=org_a, services=[service])
    objects["incident"] = IncidentFactory(
        started_at=timezone.now() - timedelta(hours=2),
        scope=Incident.Scope.SERVICE,
        services=[service],
    )
    objects["maintenance"] = MaintenanceFactory(
        starts_at=timezone.now() + timedelta(days=3),
        ends_at=timezone.now() + timedelta(days=3, hours=1),
        services=[service],
    )

    agreement = LeaseAgreementFactory(lessor=org_a, lessee=customer)
    line = LeaseLineFactory(agreement=agreement)
    objects["agreement"] = agreement
    objects["device"] = line.device
    objects["hardware_request"] = hardware_request_open(
        requester=users[PARTNER],
        data=hwaas_services.RequestInput(
            kind="add",
            agreement=agreement,
            hardware_model=HardwareModelFactory(),
            quantity=1,
        ),
    )
    objects["entitlement"] = EntitlementFactory(
        organisation=org_a,
        starts_at=datetime(2020, 1, 1, tzinfo=UTC),
        ends_at=timezone.now() + timedelta(days=365),
    )
    platform = entitlement_rules.Platform.THREECX
    objects["intervention"] = entitlement_services.intervention_request(
        ticket=ticket,
        actor=users[PARTNER],
        platform=platform,
        checklist=list(entitlement_rules.REMOTE_ACCESS[platform]),
        access_description="3CX web admin at https://pbx.a.test:5001, account support-tech.",
        slots=[timezone.now() + timedelta(days=5)],
    )
    return world


def _partner_request(author: User, recipient: Organisation):
    """A Bronze partner's refused case, sent to its upstream partner with one file."""
    draft = partner_request_services.partner_request_keep(
        partner_request_services.RefusedCase(
            author=author,
            recipient=recipient,
            referral="upstream",
            subject="Echo on outside calls",
            description="Outside callers hear their own voice back.",
            files=[SimpleUploadedFile("trace.txt", b"INVITE sip:100@pbx", "text/plain")],
        )
    )
    return partner_request_services.partner_request_send(request=draft, actor=author)


def world_fixture(django_db_blocker):
    """Build the world once for a module, inside a transaction rolled back at the end.

    Each test's own transaction nests inside it as a savepoint.
    """
    md5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=md5),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)
