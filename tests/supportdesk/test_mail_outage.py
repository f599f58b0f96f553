"""Partner e-mails while Redis, the broker, is down: each case opened meanwhile keeps its
"case received" e-mail in the outbox, and once Redis is back beat's sweep queues each one
for a worker, which sends it once, even when the broker hands a task out twice.

A ``redis-server`` of the test's own (``tests/services.py``) is stopped and started again,
empty, on the same port. This process plays the worker: it takes the task messages off the
queue and runs them.
"""

import ast
import json
import logging

import pytest
import redis
from django.test import Client
from django.urls import reverse

from tests.factories import OrganisationFactory, UserFactory
from tests.services import RedisServer
from tests.supportdesk.test_faults import broker_failures
from tests.tickets.factories import tech_support_body
from tickets.models import OutgoingEmail, Ticket
from tickets.tasks import deliver_pending_emails

pytestmark = [pytest.mark.fault, pytest.mark.integration]


def take_all(server: RedisServer, queue: str) -> list[tuple[str, tuple]]:
    """Take every task message off ``queue``, oldest first: the task's name and arguments."""
    client = redis.Redis.from_url(server.url)
    taken = []
    try:
        while (raw := client.rpop(queue)) is not None:
            headers = json.loads(raw)["headers"]
            taken.append((headers["task"], ast.literal_eval(headers["argsrepr"])))
    finally:
        client.close()
    return taken


def test_cases_opened_while_redis_is_down_get_their_email_once_it_is_back(
    desk_on_redis,
    transactional_db,
    policies,
    calendars,
    media_root,
    caplog,
    mailoutbox,
):
    redis_server = desk_on_redis
    partner = UserFactory(organisation=OrganisationFactory(name="Alpine Unified Comms GmbH"))
    browser = Client()
    browser.force_login(partner)

    redis_server.stop()
    caplog.set_level(logging.ERROR)
    for n in range(3):
        response = browser.post(
            reverse("tickets:case_new"), tech_support_body(subject=f"Outage {n}")
        )
        assert response.status_code == 302, response.content.decode()[:2000]

    cases = list(Ticket.objects.filter(subject__startswith="Outage"))
    assert len(cases) == 3
    emails = OutgoingEmail.objects.filter(kind="case_opened", ticket__in=cases)
    assert emails.count() == 3
    assert not emails.exclude(sent_at=None).exists()
    assert len(broker_failures(caplog, "tickets.deliver_email")) == 3
    assert mailoutbox == []

    redis_server.start()  # the same port, empty
    # Beat sends the sweep, and a worker runs it: it queues each e-mail's delivery.
    assert deliver_pending_emails.delay() is not None
    assert take_all(redis_server, "notifications") == [("tickets.deliver_pending_emails", ())]
    assert deliver_pending_emails.apply().get() == 3
    deliveries = take_all(redis_server, "notifications")
    assert sorted(deliveries) == sorted(("tickets.deliver_email", (e.pk,)) for e in emails)

    # The worker runs each, and each once more, as a broker may deliver a task twice.
    for name, args in deliveries * 2:
        deliver_pending_emails.app.tasks[name].apply(args=args).get()

    assert sorted(m.subject for m in mailoutbox) == sorted(
        f"[{case.number}] Case received: {case.subject}" for case in cases
    )
    assert [m.to for m in mailoutbox] == [[partner.email]] * 3
    assert not emails.filter(sent_at=None).exists()
    assert deliver_pending_emails.apply().get() == 0
    assert take_all(redis_server, "notifications") == []
