"""Rules enforced by the ticket services, whatever page, API or e-mail calls them."""

import uuid
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from desk.actions.reply import Reply, message_post
from desk.actions.status import ticket_change_cos, ticket_set_status
from partners.roles import Role
from tests.factories import DeviceFactory, OrganisationFactory, StaffFactory, UserFactory
from tests.tickets.factories import MessageFactory, TicketFactory, ticket_create
from tickets import services
from tickets.errors import FeedbackNotAllowed, IllegalTransition, NotEligible, TicketClosed
from tickets.models import Event, Message, Ticket

pytestmark = pytest.mark.django_db


def open_case(requester, **overrides):
    fields = {
        "case_type": "tech_support",
        "reason": "call-quality",
        "subject": "Calls drop",
        "description": "Every outgoing call drops after 30 seconds.",
        "wms_version": "7.02",
        "firmware_versions": "1.9.0",
        "device": DeviceFactory(organisation=requester.organisation),
        "reproduced_with_other_operator": True,  # asked with the "calls drop" criterion
    }
    fields.update(overrides)
    return ticket_create(requester=requester, **fields)


def test_a_case_keeps_the_terms_in_force_when_it_was_opened(partner):
    ticket, _ = open_case(
        partner,
        case_type="technical",
        reason="call-quality",
        now=datetime(2024, 5, 2, 10, 0, tzinfo=UTC),
    )
    assert ticket.policy.code == "2023-10"
    assert ticket.case_type.code == "technical"


def test_case_types_of_another_version_are_refused(partner):
    with pytest.raises(ValidationError) as caught:
        open_case(partner, case_type="technical")  # a 2022/2023 type, not in 2026-03
    assert "case_type" in caught.value.message_dict


def test_asking_for_critical_makes_the_case_critical_until_staff_decide(partner):
    ticket, _ = open_case(partner, critical_criterion=Ticket.CriticalCriterion.CALL_DROPS)
    assert ticket.cos == Ticket.ClassOfService.CRITICAL
    assert not ticket.cos_confirmed


def test_critical_is_only_for_technical_cases(partner):
    with pytest.raises(ValidationError) as caught:
        open_case(
            partner,
            case_type="customer_care",
            reason="billing",
            critical_criterion=Ticket.CriticalCriterion.SEVERE_IMPACT,
        )
    assert "critical_criterion" in caught.value.message_dict


def test_the_same_submission_opens_one_case(partner):
    key = uuid.uuid4()
    first, created_first = open_case(partner, submission_key=key)
    second, created_second = open_case(partner, submission_key=key)
    assert (created_first, created_second) == (True, False)
    assert first.pk == second.pk
    assert Ticket.objects.count() == 1


def test_another_organisations_device_is_refused(partner):
    with pytest.raises(ValidationError) as caught:
        open_case(partner, device=DeviceFactory())
    assert "device" in caught.value.message_dict


def test_ineligible_requests_write_nothing(policies):
    upstream = OrganisationFactory(tier="platinum")
    bronze = UserFactory(organisation=OrganisationFactory(tier="bronze", upstream_partner=upstream))
    with pytest.raises(NotEligible) as caught:
        open_case(bronze, case_type="customer_care", reason="billing", device=None)
    assert caught.value.decision.contact.name == upstream.name
    assert Ticket.objects.count() == 0
    assert Event.objects.count() == 0


def test_only_staff_open_cases_on_someone_elses_behalf(partner):
    colleague = UserFactory(organisation=partner.organisation)
    with pytest.raises(PermissionDenied):
        open_case(partner, created_by=colleague)
    agent = StaffFactory(roles=[Role.AGENT])
    ticket, _ = open_case(partner, created_by=agent, channel=Ticket.Channel.PHONE)
    assert (ticket.requester, ticket.created_by, ticket.channel) == (partner, agent, "phone")


def test_first_response_is_the_first_public_staff_reply(agent, partner):
    ticket, _ = open_case(partner)
    message_post(ticket=ticket, reply=Reply(author=agent, body="Checking logs", internal=True))
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    assert ticket.status == Ticket.Status.NEW
    reply = message_post(ticket=ticket, reply=Reply(author=agent, body="Please send a trace"))
    ticket.refresh_from_db()
    assert ticket.first_response_at == reply.created_at
    assert ticket.status == Ticket.Status.OPEN


def test_partners_cannot_write_internal_notes_or_post_to_other_organisations(agent, partner):
    ticket, _ = open_case(partner)
    with pytest.raises(ValidationError):
        message_post(ticket=ticket, reply=Reply(author=partner, body="x", internal=True))
    with pytest.raises(PermissionDenied):
        message_post(ticket=ticket, reply=Reply(author=UserFactory(), body="hello"))


def test_a_closed_case_takes_no_more_messages(agent, partner):
    ticket = TicketFactory(requester=partner, organisation=partner.organisation, status="resolved")
    ticket_set_status(ticket=ticket, actor=agent, status="closed")
    with pytest.raises(TicketClosed):
        message_post(ticket=ticket, reply=Reply(author=partner, body="One more thing"))
    assert not Message.objects.filter(ticket=ticket).exists()


def test_a_partner_reply_reopens_a_resolved_case(agent, partner):
    ticket = TicketFactory(requester=partner, organisation=partner.organisation, status="open")
    ticket_set_status(ticket=ticket, actor=agent, status="resolved")
    assert ticket.resolved_at is not None
    message_post(ticket=ticket, reply=Reply(author=partner, body="Still happening"))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.resolved_at is None


def test_illegal_moves_are_refused_and_change_nothing(agent, partner):
    ticket = TicketFactory(requester=partner, organisation=partner.organisation)
    with pytest.raises(IllegalTransition):
        ticket_set_status(ticket=ticket, actor=agent, status="closed")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW
    assert not ticket.events.filter(kind="status_changed").exists()


def test_partners_may_only_close_their_resolved_case(agent, partner):
    ticket = TicketFactory(requester=partner, organisation=partner.organisation, status="open")
    with pytest.raises(PermissionDenied):
        ticket_set_status(ticket=ticket, actor=partner, status="resolved")
    ticket_set_status(ticket=ticket, actor=agent, status="resolved")
    ticket_set_status(ticket=ticket, actor=partner, status="closed")
    assert ticket.status == Ticket.Status.CLOSED


def test_feedback_once_and_only_after_resolution(agent, partner):
    ticket = TicketFactory(requester=partner, organisation=partner.organisation, status="open")
    with pytest.raises(FeedbackNotAllowed):
        services.feedback_give(ticket=ticket, author=partner, rating=5)
    ticket_set_status(ticket=ticket, actor=agent, status="resolved")
    with pytest.raises(ValidationError):
        services.feedback_give(ticket=ticket, author=partner, rating=6)
    services.feedback_give(ticket=ticket, author=partner, rating=4, comment="Quick fix")
    with pytest.raises(FeedbackNotAllowed):
        services.feedback_give(ticket=ticket, author=partner, rating=1)
    assert ticket.feedback.rating == 4


def test_class_of_service_changes_need_a_reason_and_are_on_the_timeline(agent, partner):
    ticket, _ = open_case(partner, critical_criterion=Ticket.CriticalCriterion.CALL_DROPS)
    with pytest.raises(ValidationError):
        ticket_change_cos(ticket=ticket, actor=agent, cos="standard", reason=" ")
    ticket_change_cos(ticket=ticket, actor=agent, cos="standard", reason="Only one user affected")
    event = ticket.events.get(kind="cos_changed")
    assert (event.data["old"], event.data["new"], event.actor) == ("critical", "standard", agent)
    assert ticket.cos_confirmed


def test_cases_are_assigned_to_staff_only(agent, partner):
    ticket = TicketFactory(requester=partner, organisation=partner.organisation)
    with pytest.raises(ValidationError):
        services.ticket_assign(ticket=ticket, actor=agent, assignee=partner)
    services.ticket_assign(ticket=ticket, actor=agent, assignee=agent)
    assert ticket.assignee == agent
    assert ticket.events.get(kind="assigned").actor == agent


def test_every_change_lands_on_the_timeline_with_its_actor(agent, partner, calendars):
    # In support hours (a Tuesday, 10:00 in Rome): out of hours a case has a second clock.
    with time_machine.travel(datetime(2026, 11, 24, 9, 0, tzinfo=UTC)):
        ticket, _ = open_case(partner)
        services.ticket_assign(ticket=ticket, actor=agent, assignee=agent)
        message_post(ticket=ticket, reply=Reply(author=agent, body="note", internal=True))
        message_post(ticket=ticket, reply=Reply(author=agent, body="reply"))
        ticket_set_status(ticket=ticket, actor=agent, status="resolved")
    kinds = list(ticket.events.values_list("kind", "actor"))
    assert kinds == [
        ("created", partner.pk),
        ("assigned", agent.pk),
        ("internal_note", agent.pk),
        ("public_reply", agent.pk),
        ("sla_stopped", agent.pk),
        ("status_changed", agent.pk),
        ("status_changed", agent.pk),
    ]
    public = set(ticket.events.filter(public=True).values_list("kind", flat=True))
    assert "internal_note" not in public
    assert "assigned" not in public


def test_a_redelivered_email_is_stored_once(agent, partner):
    ticket = MessageFactory(
        ticket__requester=partner, ticket__organisation=partner.organisation
    ).ticket
    first = message_post(
        ticket=ticket,
        reply=Reply(author=partner, body="hi", channel="email", email_message_id="<a@b>"),
    )
    again = message_post(
        ticket=ticket,
        reply=Reply(author=partner, body="hi", channel="email", email_message_id="<a@b>"),
    )
    assert first.pk == again.pk
    assert ticket.messages.filter(email_message_id="<a@b>").count() == 1
