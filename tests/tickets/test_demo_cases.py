"""The demo cases ``seed_demo`` adds: a realistic queue, built through the services, and
never duplicated when the seed runs again."""

import pytest
from django.urls import reverse

from desk.demo_cases import CASES, seed_cases
from partners.demo import seed_demo
from partners.models import User
from tickets.models import Event, Feedback, Message, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(module_db, django_db_blocker):
    """Seeded once for the module (``module_db``); each test's changes are rolled back."""
    with django_db_blocker.unblock():
        seed_demo()
        return seed_cases()


def test_the_demo_queue_is_a_realistic_mix(demo):
    tickets = Ticket.objects.all()
    agent = User.objects.get(email="agent@demo.test")

    assert demo == len(CASES) == tickets.count() >= 25
    assert tickets.values("organisation").distinct().count() == 6
    assert tickets.values("case_type__code").distinct().count() == 5
    assert tickets.filter(cos=Ticket.ClassOfService.CRITICAL).count() >= 3
    assert tickets.filter(assignee=agent).count() >= 10
    assert tickets.filter(assignee__isnull=True).count() >= 5
    assert set(tickets.values_list("status", flat=True)) == set(Ticket.Status.values)
    assert tickets.filter(status=Ticket.Status.RESOLVED).count() == 1
    closed = tickets.get(status=Ticket.Status.CLOSED)
    assert Feedback.objects.get().ticket == closed
    assert tickets.get(follow_up_of=closed)
    phone = tickets.get(channel=Ticket.Channel.PHONE)
    assert phone.created_by == agent
    assert phone.requester.organisation == phone.organisation
    assert Message.objects.filter(visibility=Message.Visibility.INTERNAL).count() >= 5
    assert Message.objects.filter(author__organisation__isnull=False).count() >= 3
    requested = tickets.exclude(critical_criterion="")
    assert requested.filter(cos_confirmed=False).count() >= 2  # still to be confirmed
    assert requested.filter(cos=Ticket.ClassOfService.STANDARD, cos_confirmed=True).count() == 1
    for ticket in tickets:
        assert ticket.events.filter(kind="created").count() == 1
    assert Event.objects.filter(kind="cos_changed").count() >= 2


def test_seeding_again_adds_nothing(demo):
    before = (Ticket.objects.count(), Message.objects.count(), Event.objects.count())

    assert seed_cases() == 0
    seed_demo()
    assert seed_cases() == 0

    assert (Ticket.objects.count(), Message.objects.count(), Event.objects.count()) == before


def test_the_demo_agent_finds_work_in_the_queue(demo, client):
    client.force_login(User.objects.get(email="agent@demo.test"))

    response = client.get(reverse("tickets:queue"), {"assignee": "me"})

    assert response.status_code == 200
    assert "Calls drop after 30 seconds on the SIP trunk" in response.content.decode()
