"""Documents asked of the partner on a case (terms 7.9): staff ask with a due date, the
partner uploads against each item of a checklist, reminders go before the due date, and
once it has passed the partner is recorded non-responsive and staff are told. The
activation date of a CLASSOUND case. Through the services, the pages and the API."""

import re
from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from desk.actions.documents import documents_request
from partners.roles import Role
from tests.factories import StaffFactory, UserFactory
from tests.tickets.factories import open_case
from tickets.models import DocumentRequest, Event, Notification, OutgoingEmail
from tickets.services import documents

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root", "calendars")]

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def pdf(name: str = "loa.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, "application/pdf")


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def flash(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.fixture
def lead(policies):
    return StaffFactory(roles=[Role.LEAD], email="lead@vendor.test", time_zone="UTC")


@pytest.fixture
def case(partner, agent):
    """A CLASSOUND porting case, assigned to the agent."""
    ticket = open_case(
        partner,
        case_type="customer_care",
        reason="classound",
        category="order-status",
        wms_version="",
        firmware_versions="",
        subject="Port our six numbers to CLASSOUND",
    )
    ticket.assignee = agent
    ticket.save(update_fields=["assignee"])
    return ticket


def in_days(days: int) -> date:
    return timezone.localdate(timezone.now() + timedelta(days=days))


def ask(case, agent, *, due_date=None, items=None, now=None) -> DocumentRequest:
    return documents_request(
        ticket=case,
        actor=agent,
        due_date=due_date or in_days(10),
        note="For the porting to the new carrier.",
        items=items
        or [
            documents.ItemSpec(kind="authorisation"),
            documents.ItemSpec(kind="other", label="Last phone bill"),
        ],
        now=now or timezone.now(),
    )


# --- Services --------------------------------------------------------------------------------


def test_asking_records_a_checklist_tells_the_partner_and_plans_the_reminders(case, agent):
    request = ask(case, agent)

    assert [(i.kind, i.label) for i in request.items.all()] == [
        ("authorisation", "Letter of authorisation"),
        ("other", "Last phone bill"),
    ]
    assert request.state == DocumentRequest.State.OPEN
    assert request.due_at.date() >= request.due_date  # the end of the due date
    assert request.remind_first_at < request.remind_last_at < request.due_at
    event = Event.objects.get(ticket=case, kind="documents_requested")
    assert event.public
    (email,) = OutgoingEmail.objects.filter(kind="documents_requested")
    assert email.to == [case.requester.email]
    assert "Letter of authorisation" in email.body
    assert "Last phone bill" in email.body
    assert f"by the end of {request.due_date:%a %-d %b %Y}" in email.body


def test_a_due_date_without_a_whole_working_day_is_refused(case, agent):
    with pytest.raises(ValidationError) as refused:
        ask(case, agent, due_date=timezone.localdate())
    assert "earliest due date" in refused.value.message_dict["due_date"][0]
    assert not DocumentRequest.objects.exists()


def test_another_document_needs_a_name(case, agent):
    with pytest.raises(ValidationError) as refused:
        ask(case, agent, items=[documents.ItemSpec(kind="other")])
    assert "items" in refused.value.message_dict


def test_uploads_fulfil_items_and_the_last_one_completes_the_request(case, agent):
    request = ask(case, agent)
    first, second = request.items.all()
    now = timezone.now()

    documents.document_upload(item=first, user=case.requester, upload=pdf(), now=now)
    request.refresh_from_db()
    assert request.state == DocumentRequest.State.OPEN
    documents.document_upload(item=second, user=case.requester, upload=pdf("bill.pdf"), now=now)

    request.refresh_from_db()
    assert request.state == DocumentRequest.State.RECEIVED
    assert request.received_at == now
    first.refresh_from_db()
    assert first.attachment.original_name == "loa.pdf"
    assert first.attachment.ticket == case
    received = Event.objects.get(ticket=case, kind="documents_received")
    assert received.public
    assert received.data["late"] is False


def test_a_file_that_is_not_what_its_name_says_is_refused(case, agent):
    request = ask(case, agent)
    item = request.items.first()
    fake = SimpleUploadedFile("loa.pdf", b"MZ\x90\x00binary", "application/pdf")
    with pytest.raises(ValidationError) as refused:
        documents.document_upload(item=item, user=case.requester, upload=fake, now=timezone.now())
    assert "does not hold what its name says" in refused.value.message_dict["file"][0]
    item.refresh_from_db()
    assert not item.is_fulfilled


def test_each_reminder_goes_once_and_not_after_the_due_date(case, agent):
    request = ask(case, agent)

    assert documents.documents_sweep(now=request.remind_first_at - timedelta(seconds=1)) == (
        documents.SweepResult(overdue=0, reminded=0)
    )
    at_first = request.remind_first_at + timedelta(seconds=5)
    assert documents.documents_sweep(now=at_first).reminded == 1
    assert documents.documents_sweep(now=at_first).reminded == 0
    assert not documents.document_remind(request_id=request.pk, which="first", now=at_first)
    assert OutgoingEmail.objects.filter(kind="documents_reminder").count() == 1

    # The last reminder found only after the due date is dropped: the overdue notice tells.
    late = request.due_at + timedelta(minutes=1)
    result = documents.documents_sweep(now=late)
    assert result == documents.SweepResult(overdue=1, reminded=0)
    request.refresh_from_db()
    assert request.reminded_last_at is None
    reminders = Event.objects.filter(ticket=case, kind="documents_reminded")
    assert [e.data["reminder"] for e in reminders] == ["first"]
    assert not reminders[0].public


def test_past_the_due_date_the_partner_is_non_responsive_and_staff_are_told(case, agent, lead):
    asker = StaffFactory(roles=[Role.AGENT], email="asker@vendor.test")
    request = ask(case, asker)
    first = request.items.first()
    documents.document_upload(item=first, user=case.requester, upload=pdf(), now=timezone.now())
    now = request.due_at + timedelta(seconds=30)

    assert documents.documents_sweep(now=now).overdue == 1
    assert documents.documents_sweep(now=now).overdue == 0
    assert not documents.document_mark_overdue(request_id=request.pk, now=now)

    request.refresh_from_db()
    assert request.state == DocumentRequest.State.OVERDUE
    assert request.non_responsive_at == request.due_at
    (event,) = Event.objects.filter(ticket=case, kind="partner_non_responsive")
    assert not event.public  # staff see it on the timeline; the partner sees "overdue"
    assert event.data["items"] == ["Last phone bill"]
    notices = Notification.objects.filter(kind=Notification.Kind.DOCUMENTS_OVERDUE)
    assert sorted(n.recipient.email for n in notices) == sorted(
        [asker.email, agent.email, lead.email]
    )
    assert "Last phone bill" in notices[0].body
    assert OutgoingEmail.objects.filter(kind="notice_documents_overdue").count() == 3
    (partner_mail,) = OutgoingEmail.objects.filter(kind="documents_overdue")
    assert partner_mail.to == [case.requester.email]
    assert "Last phone bill" in partner_mail.body
    assert "Letter of authorisation" not in partner_mail.body


def test_documents_delivered_late_complete_the_request_and_keep_the_record(case, agent):
    request = ask(case, agent, items=[documents.ItemSpec(kind="tax")])
    documents.documents_sweep(now=request.due_at)
    item = request.items.get()

    documents.document_upload(
        item=item, user=case.requester, upload=pdf(), now=request.due_at + timedelta(days=1)
    )

    request.refresh_from_db()
    assert request.state == DocumentRequest.State.RECEIVED
    assert request.non_responsive_at == request.due_at
    assert Event.objects.get(ticket=case, kind="documents_received").data["late"] is True
    # Nothing more comes of the sweep.
    assert documents.documents_sweep(now=request.due_at + timedelta(days=2)) == (
        documents.SweepResult(overdue=0, reminded=0)
    )


def test_activation_date_only_on_a_classound_case(case, agent, partner):
    documents.ticket_activation_date_set(
        ticket=case, actor=agent, activation_date=date(2026, 12, 14)
    )
    case.refresh_from_db()
    assert case.activation_date == date(2026, 12, 14)
    event = Event.objects.get(ticket=case, kind="activation_date_set")
    assert event.public
    assert event.data["date"] == "2026-12-14"

    other = open_case(partner)  # Tech Support, call quality
    with pytest.raises(ValidationError) as refused:
        documents.ticket_activation_date_set(
            ticket=other, actor=agent, activation_date=date(2026, 12, 14)
        )
    assert "CLASSOUND" in refused.value.message_dict["activation_date"][0]


# --- Pages --------------------------------------------------------------------------------


def test_staff_ask_on_the_case_page_and_see_the_checklist(client, case, agent):
    client.force_login(agent)
    due = in_days(9)
    response = client.post(
        reverse("tickets:staff_documents_request", args=[case.pk]),
        {"kinds": ["identity", "address"], "other": "", "due_date": due.isoformat(), "note": ""},
    )
    assert response.status_code == 302
    assert "Asked the partner for 2 documents" in flash(response)

    page = words(client.get(reverse("tickets:staff_case", args=[case.pk])).content.decode())
    assert "Documents from the partner" in page
    assert f"Due by the end of {due:%a %-d %b %Y}" in page
    assert "Identity evidence" in page
    assert "Address evidence" in page
    assert "0 of 2 in" in page


def test_a_refused_request_comes_back_with_what_was_typed(client, case, agent):
    client.force_login(agent)
    response = client.post(
        reverse("tickets:staff_documents_request", args=[case.pk]),
        {"kinds": [], "other": "", "due_date": "", "note": "Signed by the account holder"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Tick at least one document" in page
    assert "Signed by the account holder" in page
    assert not DocumentRequest.objects.exists()


def test_staff_record_the_activation_date_and_the_partner_sees_it(client, case, agent):
    client.force_login(agent)
    response = client.post(
        reverse("tickets:staff_activation_date", args=[case.pk]),
        {"activation_date": "2026-12-14"},
    )
    assert response.status_code == 302
    client.force_login(case.requester)
    page = words(client.get(reverse("tickets:case_detail", args=[case.pk])).content.decode())
    assert "Activation date: Mon 14 Dec 2026" in page


def test_the_partner_uploads_against_an_item_and_sees_it_ticked(client, case, agent):
    request = ask(case, agent)
    item = request.items.first()
    client.force_login(case.requester)

    page = words(client.get(reverse("tickets:case_detail", args=[case.pk])).content.decode())
    assert "Documents we need from you" in page
    assert "0 of 2 uploaded" in page

    response = client.post(
        reverse("tickets:document_upload", args=[case.pk, item.pk]), {"file": pdf()}
    )
    assert response.status_code == 302
    assert "thank you" in flash(response)
    page = words(client.get(reverse("tickets:case_detail", args=[case.pk])).content.decode())
    assert "1 of 2 uploaded" in page
    assert "✓ Uploaded Letter of authorisation" in page


def test_a_refused_upload_says_why(client, case, agent):
    item = ask(case, agent).items.first()
    client.force_login(case.requester)
    response = client.post(
        reverse("tickets:document_upload", args=[case.pk, item.pk]),
        {"file": SimpleUploadedFile("loa.exe", b"MZ", "application/octet-stream")},
    )
    assert response.status_code == 302
    assert "was not uploaded" in flash(response)
    item.refresh_from_db()
    assert not item.is_fulfilled


def test_the_partner_sees_an_overdue_request_but_not_the_staff_record(client, case, agent):
    request = ask(case, agent)
    documents.documents_sweep(now=request.due_at)
    client.force_login(case.requester)
    page = words(client.get(reverse("tickets:case_detail", args=[case.pk])).content.decode())
    assert "Overdue" in page
    assert "The due date has passed" in page
    assert "non-responsive" not in page.lower().replace("non-responsiveness", "")

    client.force_login(agent)
    page = words(client.get(reverse("tickets:staff_case", args=[case.pk])).content.decode())
    assert "Overdue: partner non-responsive" in page
    assert "Partner non-responsive: documents due by the end of" in page


def test_another_partner_cannot_upload_against_the_item(client, case, agent):
    item = ask(case, agent).items.first()
    stranger = UserFactory()
    client.force_login(stranger)
    response = client.post(
        reverse("tickets:document_upload", args=[case.pk, item.pk]), {"file": pdf()}
    )
    assert response.status_code == 404
    # Nor through a case of its own with someone else's item.
    own = open_case(stranger)
    response = client.post(
        reverse("tickets:document_upload", args=[own.pk, item.pk]), {"file": pdf()}
    )
    assert response.status_code == 404
    item.refresh_from_db()
    assert not item.is_fulfilled


# --- API ------------------------------------------------------------------------------------


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def list_url(case) -> str:
    return reverse("api-ticket-document-requests", args=[case.pk])


def test_api_staff_ask_and_the_partner_lists_and_uploads(case, agent):
    staff = api_as(agent)
    due = in_days(12)
    response = staff.post(
        list_url(case),
        {
            "due_date": due.isoformat(),
            "note": "",
            "items": [{"kind": "identity"}, {"kind": "other", "label": "Signed contract"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "open"
    assert body["overdue"] is False
    assert [item["label"] for item in body["items"]] == ["Identity evidence", "Signed contract"]

    partner = api_as(case.requester)
    listed = partner.get(list_url(case)).json()
    assert [r["id"] for r in listed] == [body["id"]]
    item_id = listed[0]["items"][0]["id"]
    upload = partner.post(
        reverse("api-ticket-document-upload", args=[case.pk, item_id]),
        {"file": pdf()},
        format="multipart",
    )
    assert upload.status_code == 200, upload.content
    uploaded = upload.json()["items"][0]
    assert uploaded["fulfilled_at"]
    assert uploaded["attachment"]["name"] == "loa.pdf"


def test_api_refusals_name_the_field(case, agent):
    staff = api_as(agent)
    response = staff.post(
        list_url(case),
        {"due_date": timezone.localdate().isoformat(), "items": [{"kind": "identity"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "due_date" in response.json()
    response = staff.post(
        list_url(case), {"due_date": in_days(9).isoformat(), "items": []}, format="json"
    )
    assert response.status_code == 400
    assert "items" in response.json()
    response = staff.post(
        list_url(case),
        {"due_date": in_days(9).isoformat(), "items": [{"kind": "passport-of-the-cat"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "items" in response.json()

    item = ask(case, agent).items.first()
    bad = api_as(case.requester).post(
        reverse("api-ticket-document-upload", args=[case.pk, item.pk]),
        {"file": SimpleUploadedFile("loa.pdf", b"not a pdf at all", "application/pdf")},
        format="multipart",
    )
    assert bad.status_code == 400
    assert "file" in bad.json()


def test_api_partners_may_not_ask_and_staff_may_not_upload(case, agent):
    response = api_as(case.requester).post(
        list_url(case),
        {"due_date": in_days(9).isoformat(), "items": [{"kind": "tax"}]},
        format="json",
    )
    assert response.status_code == 403
    item = ask(case, agent).items.first()
    response = api_as(agent).post(
        reverse("api-ticket-document-upload", args=[case.pk, item.pk]),
        {"file": pdf()},
        format="multipart",
    )
    assert response.status_code == 403


def test_api_another_partner_gets_404(case, agent):
    item = ask(case, agent).items.first()
    stranger = api_as(UserFactory())
    assert stranger.get(list_url(case)).status_code == 404
    response = stranger.post(
        reverse("api-ticket-document-upload", args=[case.pk, item.pk]),
        {"file": pdf()},
        format="multipart",
    )
    assert response.status_code == 404


def test_api_list_queries_do_not_grow_with_requests(case, agent, django_assert_max_num_queries):
    partner = api_as(case.requester)
    ask(case, agent)
    with django_assert_max_num_queries(12) as few:
        partner.get(list_url(case))
    for _ in range(4):
        ask(case, agent)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(partner.get(list_url(case)).json()) == 5


def test_the_schema_declares_the_endpoints(client):
    schema = client.get("/api/schema/").content.decode()
    assert "/api/tickets/{id}/document-requests/" in schema
    assert "/api/tickets/{id}/document-items/{item}/upload/" in schema
