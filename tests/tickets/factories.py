import factory
from django.utils import timezone

from partners.models import CaseReason, CaseType, PolicyVersion
from tests.factories import DeviceFactory, OrganisationFactory, StaffFactory, UserFactory
from tickets.models import (
    Article,
    Event,
    Macro,
    Message,
    RefusedMail,
    RefusedMailFile,
    Ticket,
)

# A Tech Support case as a partner files it, for tests that open cases through the service.
CASE_FIELDS = {
    "case_type": "tech_support",
    "reason": "call-quality",
    "subject": "Calls drop",
    "description": "Every outgoing call drops after 30 seconds.",
    "wms_version": "7.02",
    "firmware_versions": "1.9.0",
    # Asked only with the "calls drop" Critical criterion: the partner has checked that the
    # calls drop with another operator too.
    "reproduced_with_other_operator": True,
}


def ticket_create(*, now=None, **fields) -> tuple[Ticket, bool]:
    """Open a case the way the desk does (``desk.actions.open_case``), from keyword fields."""
    from desk.actions.open_case import CaseRequest, case_open

    return case_open(CaseRequest(**fields), now=now)


def open_case(requester, at=None, **overrides) -> Ticket:
    """A case opened through ``case_open`` (unlike ``TicketFactory``), so its SLA clocks
    run from ``at`` (default: now). Needs the policies loaded."""
    ticket, _ = ticket_create(requester=requester, now=at, **(CASE_FIELDS | overrides))
    return ticket


def policy_2026() -> PolicyVersion:
    """The 2026-03 version; needs the ``policies`` fixture (or load_policies()) first."""
    return PolicyVersion.objects.get(code="2026-03")


class TicketFactory(factory.django.DjangoModelFactory):
    """A Tech Support case under the 2026-03 terms. Load the policies before using it."""

    class Meta:
        model = Ticket

    organisation = factory.SubFactory(OrganisationFactory)
    requester = factory.SubFactory(
        UserFactory, organisation=factory.SelfAttribute("..organisation")
    )
    created_by = factory.SelfAttribute("requester")
    policy = factory.LazyFunction(policy_2026)
    case_type = factory.LazyAttribute(
        lambda t: CaseType.objects.get(policy=t.policy, code="tech_support")
    )
    reason = factory.LazyAttribute(
        lambda t: CaseReason.objects.get(case_type=t.case_type, code="call-quality")
    )
    device = factory.SubFactory(DeviceFactory, organisation=factory.SelfAttribute("..organisation"))
    subject = factory.Sequence(lambda n: f"Calls drop after a few seconds ({n})")
    description = "Outgoing calls drop after about 30 seconds since this morning."
    wms_version = "7.02.1"
    firmware_versions = "DP-40 1.9.0"
    created_at = factory.LazyFunction(timezone.now)


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    ticket = factory.SubFactory(TicketFactory)
    author = factory.SubFactory(StaffFactory)
    body = "Thanks, we are looking into it."
    visibility = Message.Visibility.PUBLIC


class MacroFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Macro

    name = factory.Sequence(lambda n: f"Canned reply {n}")
    body = "Hello {requester_name}, about {case_number}: we are on it."
    created_by = factory.SubFactory(StaffFactory)


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"How to check trunk registration {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    body = "Open the PBX admin, go to Trunks and look at the registration state."
    product = "PBX"
    case_type_code = "tech_support"
    reason_code = "pbx-configuration"
    tags = "trunk, sip, registration"


class EventFactory(factory.django.DjangoModelFactory):
    """A stored timeline row, as any app's writer leaves it: give ``kind`` and ``data``."""

    class Meta:
        model = Event

    ticket = factory.SubFactory(TicketFactory)
    kind = "created"
    data = factory.LazyFunction(dict)
    actor = None
    public = False
    at = factory.LazyFunction(timezone.now)


class RefusedMailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RefusedMail

    sender = factory.Sequence(lambda n: f"stranger{n}@example.test")
    subject = factory.Sequence(lambda n: f"Please help with our PBX ({n})")
    message_id = factory.Sequence(lambda n: f"<refused-{n}@example.test>")
    text = "Our PBX stopped taking calls this morning."
    reason = RefusedMail.Reason.NO_REFERENCE


class RefusedMailFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RefusedMailFile

    mail = factory.SubFactory(RefusedMailFactory)
    file = factory.django.FileField(filename="trace.txt", data=b"INVITE sip:100@pbx")
    original_name = "trace.txt"
    content_type = "text/plain"
    size = 18


def tech_support_body(device=None, **overrides) -> dict:
    """The body of a technical-support case as a partner sends it to ``POST /api/tickets/``."""
    body = {
        "case_type": "tech_support",
        "reason": "call-quality",
        "category": "dropped",
        "subject": "Calls drop after 30 seconds",
        "description": "Every outgoing call drops after about 30 seconds since this morning.",
        "wms_version": "7.02.1",
        "firmware_versions": "DP-40 1.9.0",
    }
    if device is not None:
        body["device"] = device.serial_number
    body.update(overrides)
    return body
