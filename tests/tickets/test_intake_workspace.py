"""The intake form promises only what the terms give: the response time appears only when
the organisation may open the case, otherwise the same place names whom it goes to; a
device fills in its versions on record; files picked survive a form that comes back; the
error summary links to each field."""

import io
import os
import re
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as project_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from partners.models import User
from tests.factories import DeviceFactory, OrganisationFactory, PhoneFactory, UserFactory
from tests.partners.pages import Page
from tests.tickets.factories import ArticleFactory
from tickets import kept_uploads
from tickets.models import Ticket
from tickets.tasks import sweep_kept_uploads

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

NEW = reverse("tickets:case_new")
OUTLOOK = reverse("tickets:intake_response_time")
DEVICES = reverse("tickets:intake_devices")
PDF = b"%PDF-1.4 the signed delivery note"


def signed_in(organisation) -> tuple[Client, object]:
    client = Client()
    user = UserFactory(organisation=organisation)
    client.force_login(user)
    return client, user


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def hudson(policies):
    return OrganisationFactory(
        name="Hudson Voice Systems Inc.",
        tier="platinum",
        contact_email="support@hudson.test",
        contact_phone="+1 212 555 0100",
    )


@pytest.fixture
def gold(policies):
    return signed_in(OrganisationFactory(name="Alpine Unified Comms GmbH", tier="gold"))


@pytest.fixture
def bronze(hudson):
    return signed_in(
        OrganisationFactory(name="Iberia Voz S.L.", tier="bronze", upstream_partner=hudson)
    )


@pytest.fixture
def reseller(hudson):
    return signed_in(
        OrganisationFactory(name="Nordic Resale AB", reseller=True, upstream_partner=hudson)
    )


@pytest.fixture
def end_customer(policies):
    installer = OrganisationFactory(
        name="Alpine Installers GmbH", tier="gold", contact_email="service@alpine.test"
    )
    return signed_in(
        OrganisationFactory(name="Bakery Rossi", end_customer=True, installer=installer)
    )


def tech_support(**overrides) -> dict:
    data = {
        "case_type": "tech_support",
        "reason": "call-quality",
        "category": "dropped",
        "subject": "Calls drop after 30 seconds on the main trunk",
        "description": "Since this morning every outgoing call drops after about 30 seconds.",
        "wms_version": "7.02.1",
        "firmware_versions": "DP-40 1.9.0",
        "submission_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- The response time, or whom the case goes to ------------------------------------------


def test_gold_sees_the_response_time_and_no_referral(gold):
    client, _ = gold

    text = text_of(client.get(OUTLOOK, {"case_type": "tech_support"}))

    assert "When we answer" in text
    assert "First response by" in text
    assert "goes to" not in text


def test_bronze_is_told_live_that_customer_care_goes_to_its_partner(bronze):
    client, _ = bronze

    response = client.get(OUTLOOK, {"case_type": "customer_care"})

    text = text_of(response)
    assert "This case goes to Hudson Voice Systems Inc." in text
    assert "support@hudson.test" in text
    assert "When we answer" not in text
    assert "First response" not in text


def test_bronze_sees_which_tech_support_reasons_it_may_open_before_picking_one(bronze):
    client, _ = bronze

    text = text_of(client.get(OUTLOOK, {"case_type": "tech_support"}))

    assert "Iberia Voz S.L. can open these Tech Support cases with us" in text
    for allowed in ("Cloud PBX unreachable", "Password reset", "CLASSOUND telephony outage"):
        assert allowed in text
    assert "For any other reason, Hudson Voice Systems Inc." in text
    assert "your assigned partner, helps you" in text
    assert "First response" not in text


def test_bronze_gets_the_response_time_for_a_reason_it_may_open_and_the_partner_otherwise(bronze):
    client, _ = bronze

    allowed = text_of(
        client.get(OUTLOOK, {"case_type": "tech_support", "reason": "password-reset"})
    )
    refused = text_of(
        client.get(OUTLOOK, {"case_type": "tech_support", "reason": "pbx-configuration"})
    )

    assert "First response by" in allowed
    assert "goes to" not in allowed
    assert "This case goes to Hudson Voice Systems Inc." in refused
    assert "First response" not in refused


def test_bronze_form_lists_what_it_may_open_from_the_start(bronze):
    client, _ = bronze

    page = Page(client.get(NEW))

    notes = [e for e in page.elements if "data-open-reasons" in e.attrs]
    assert notes
    assert "Tech Support: Password reset" in notes[0].text
    assert "Hudson Voice Systems Inc., your assigned partner, helps with everything else" in (
        notes[0].text
    )


def test_the_list_gives_way_to_the_answer_for_the_picked_type(bronze):
    client, _ = bronze
    options = reverse("tickets:intake_options")

    before = client.get(options, {"case_type": ""}).content.decode()
    after = client.get(options, {"case_type": "tech_support"}).content.decode()

    assert "data-open-reasons" in before
    assert "Tech Support: Password reset" in before
    assert "data-open-reasons" not in after


def test_gold_is_not_shown_a_list_of_what_it_may_open(gold):
    client, _ = gold

    assert "data-open-reasons" not in client.get(NEW).content.decode()


def test_reseller_is_referred_upstream_for_tech_support_but_not_for_customer_care(reseller):
    client, _ = reseller

    technical = text_of(client.get(OUTLOOK, {"case_type": "tech_support"}))
    care = text_of(client.get(OUTLOOK, {"case_type": "customer_care"}))

    assert "This case goes to Hudson Voice Systems Inc." in technical
    assert "You can still open Customer Care" in technical
    assert "First response" not in technical
    assert "First response by" in care
    assert "goes to" not in care


def test_end_customer_is_told_its_installer_takes_the_case(end_customer):
    client, _ = end_customer

    for case_type in ("tech_support", "customer_care"):
        text = text_of(client.get(OUTLOOK, {"case_type": case_type}))

        assert "This case goes to Alpine Installers GmbH" in text
        assert "company that installed it" in text
        assert "service@alpine.test" in text
        assert "First response" not in text


def test_without_javascript_the_refreshed_form_shows_the_referral_in_the_same_place(
    end_customer,
):
    client, _ = end_customer
    data = tech_support()
    data["_refresh"] = "1"

    page = Page(client.post(NEW, data))

    place = next(e for e in page.elements if e.attrs.get("id") == "response-time")
    assert "This case goes to Alpine Installers GmbH" in place.text
    assert "First response" not in page.text()


def test_the_outlook_asks_the_database_a_bounded_number_of_times(
    bronze, django_assert_max_num_queries
):
    client, _ = bronze

    with django_assert_max_num_queries(20):
        client.get(OUTLOOK, {"case_type": "tech_support", "reason": "pbx-configuration"})


def test_the_outlook_is_asked_again_when_the_category_or_device_changes(gold):
    client, _ = gold

    page = Page(client.get(NEW))

    asking = next(e for e in page.elements if e.attrs.get("hx-get") == OUTLOOK)
    for selector in ("#id_case_type", "#id_reason", "#id_category", "#id_device"):
        assert selector in asking.attrs["hx-include"]
    script = (project_settings.BASE_DIR / "static/js/case_new.js").read_text()
    assert '"category"' in script
    assert '"device"' in script


# --- Devices ------------------------------------------------------------------------------


def test_each_device_carries_its_versions_on_record_for_the_form_to_fill(gold):
    client, user = gold
    pbx = DeviceFactory(organisation=user.organisation, name="Main PBX", wms_version="7.04.2")
    phone = PhoneFactory(organisation=user.organisation, name="Reception phone", pbx=pbx)

    page = Page(client.get(NEW))

    options = {o.attrs["value"]: o.attrs for o in page.find_all("option") if "data-wms" in o.attrs}
    assert options[str(pbx.pk)]["data-wms"] == "7.04.2"
    # A phone runs the WMS of the PBX it is registered on.
    assert options[str(phone.pk)]["data-wms"] == "7.04.2"
    assert options[str(phone.pk)]["data-firmware"] == "Desk phone DP-40 1.9.0"


def test_without_javascript_a_chosen_device_fills_empty_versions_and_keeps_typed_ones(gold):
    client, user = gold
    phone = PhoneFactory(organisation=user.organisation, pbx=DeviceFactory(wms_version="7.04.2"))
    empty = tech_support(device=phone.pk, wms_version="", firmware_versions="", _refresh="1")
    typed = tech_support(device=phone.pk, wms_version="7.01", firmware_versions="", _refresh="1")

    filled = Page(client.post(NEW, empty))
    kept = Page(client.post(NEW, typed))

    assert filled.field_labelled("WMS version").attrs["value"] == "7.04.2"
    assert filled.field_labelled("Firmware versions").attrs["value"] == "Desk phone DP-40 1.9.0"
    assert kept.field_labelled("WMS version").attrs["value"] == "7.01"
    assert not Ticket.objects.exists()


def test_a_device_search_with_one_match_chooses_it(gold):
    client, user = gold
    DeviceFactory(organisation=user.organisation, name="Main office PBX", serial_number="AL-1")
    warehouse = DeviceFactory(
        organisation=user.organisation, name="Warehouse DECT", serial_number="AL-2"
    )

    one = Page(client.get(DEVICES, {"q": "warehouse"}))
    two = Page(client.get(DEVICES, {"q": "al-"}))

    select = one.find_all("select", name="device")[0]
    assert "data-picked" in select.attrs
    chosen = [o for o in one.find_all("option") if "selected" in o.attrs]
    assert [o.attrs["value"] for o in chosen] == [str(warehouse.pk)]
    assert "it is chosen" in one.text() or "it is chosen" in one.html
    assert "data-picked" not in two.find_all("select", name="device")[0].attrs
    assert not [o for o in two.find_all("option") if "selected" in o.attrs]


def test_without_javascript_a_search_with_one_match_chooses_it_and_fills_versions(gold):
    client, user = gold
    DeviceFactory(organisation=user.organisation, name="Main office PBX", serial_number="AL-1")
    warehouse = DeviceFactory(
        organisation=user.organisation,
        name="Warehouse DECT",
        serial_number="AL-2",
        wms_version="7.03",
    )
    data = tech_support(device_q="warehouse", wms_version="")
    data["_refresh"] = "1"

    page = Page(client.post(NEW, data))

    chosen = [o for o in page.find_all("option") if "selected" in o.attrs and o.attrs["value"]]
    assert [o.attrs["value"] for o in chosen if o.attrs["value"] == str(warehouse.pk)]
    assert page.field_labelled("WMS version").attrs["value"] == "7.03"


# --- Files kept across a form that comes back ---------------------------------------------


def kept_names(page: Page) -> list[str]:
    return [e.text for e in page.find_all("span") if e.attrs.get("class") == "kept-files__name"]


def test_a_file_picked_is_kept_across_an_error_and_attached_on_success(gold):
    client, _ = gold
    data = tech_support(subject="")
    upload = SimpleUploadedFile("delivery.pdf", PDF)

    page = Page(client.post(NEW, {**data, "attachments": [upload]}))

    assert kept_names(page) == ["delivery.pdf"]
    assert f"({len(PDF)} bytes)" in page.text()
    assert not Ticket.objects.exists()
    stored = list((Path(project_settings.MEDIA_ROOT) / kept_uploads.FOLDER).rglob("*.pdf"))
    assert len(stored) == 1

    response = client.post(NEW, {**data, "subject": "Calls drop on the main trunk"})

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    [attachment] = ticket.attachments.all()
    assert attachment.original_name == "delivery.pdf"
    assert attachment.content_type == "application/pdf"
    assert Path(attachment.file.path).read_bytes() == PDF
    # Once on the case, the kept copy is gone.
    assert not stored[0].exists()
    assert kept_uploads.SESSION_KEY not in client.session or not client.session[
        kept_uploads.SESSION_KEY
    ].get(data["submission_key"])


def test_kept_and_newly_picked_files_go_on_the_case_together(gold):
    client, _ = gold
    data = tech_support(wms_version="")
    client.post(NEW, {**data, "attachments": [SimpleUploadedFile("first.pdf", PDF)]})

    response = client.post(
        NEW,
        {**data, "wms_version": "7.02.1", "attachments": [SimpleUploadedFile("second.log", b"ok")]},
    )

    assert response.status_code == 302
    names = sorted(a.original_name for a in Ticket.objects.get().attachments.all())
    assert names == ["first.pdf", "second.log"]


def test_kept_files_are_not_visible_to_another_user_or_another_session(gold, policies):
    client, user = gold
    data = tech_support(subject="")
    client.post(NEW, {**data, "attachments": [SimpleUploadedFile("secret.pdf", PDF)]})
    other_user, _ = signed_in(user.organisation)  # a colleague, same organisation
    same_user_elsewhere = Client()
    same_user_elsewhere.force_login(user)

    for other in (other_user, same_user_elsewhere):
        page = Page(other.post(NEW, {**data, "subject": ""}))
        assert kept_names(page) == []
        assert "secret.pdf" not in page.html

    response = same_user_elsewhere.post(NEW, {**data, "subject": "Calls drop"})

    assert response.status_code == 302
    assert not Ticket.objects.get().attachments.exists()


def test_a_kept_file_can_be_removed_and_nothing_typed_is_lost(gold):
    client, _ = gold
    data = tech_support(subject="")
    page = Page(client.post(NEW, {**data, "attachments": [SimpleUploadedFile("wrong.pdf", PDF)]}))
    [remove] = [b for b in page.find_all("button") if b.attrs.get("name") == "_forget"]

    page = Page(client.post(NEW, {**data, "_forget": remove.attrs["value"]}))

    assert kept_names(page) == []
    assert not page.alerts()
    assert "every outgoing call drops after about 30 seconds" in page.html
    assert not list((Path(project_settings.MEDIA_ROOT) / kept_uploads.FOLDER).rglob("*.pdf"))


def test_a_refused_file_is_reported_and_the_good_one_kept(gold):
    client, _ = gold
    files = [SimpleUploadedFile("good.pdf", PDF), SimpleUploadedFile("fake.pdf", b"MZ program")]

    page = Page(client.post(NEW, {**tech_support(), "attachments": files}))

    assert kept_names(page) == ["good.pdf"]
    errors = page.errors_for(page.field_labelled("Attachments"))
    assert "fake.pdf does not hold what its name says" in errors
    assert not Ticket.objects.exists()


def test_files_picked_before_a_referral_come_back_with_the_form(bronze):
    client, _ = bronze
    data = tech_support(case_type="customer_care", reason="billing", category="invoice")

    referral = client.post(NEW, {**data, "attachments": [SimpleUploadedFile("bill.pdf", PDF)]})
    back = Page(client.post(NEW, {**data, "_refresh": "1"}))

    assert "tickets/partner/referral.html" in [t.name for t in referral.templates]
    assert "Your files are kept with the form (bill.pdf)" in text_of(referral)
    assert kept_names(back) == ["bill.pdf"]


def test_the_sweep_deletes_kept_files_left_behind(gold):
    client, _ = gold
    old_key, new_key = str(uuid.uuid4()), str(uuid.uuid4())
    for key, name in ((old_key, "old.pdf"), (new_key, "new.pdf")):
        client.post(
            NEW,
            {
                **tech_support(subject="", submission_key=key),
                "attachments": [SimpleUploadedFile(name, PDF)],
            },
        )
    folder = Path(project_settings.MEDIA_ROOT) / kept_uploads.FOLDER
    entries = client.session[kept_uploads.SESSION_KEY]
    old_file = folder.parent / entries[old_key]["files"][0]["path"]
    new_file = folder.parent / entries[new_key]["files"][0]["path"]
    long_ago = time.time() - (kept_uploads.KEEP_FOR + timedelta(minutes=5)).total_seconds()
    os.utime(old_file, (long_ago, long_ago))

    deleted = sweep_kept_uploads()

    assert deleted == 1
    assert not old_file.exists()
    assert not old_file.parent.exists()
    assert new_file.exists()
    # The form no longer offers what the sweep deleted.
    page = Page(client.post(NEW, tech_support(subject="", submission_key=old_key)))
    assert kept_names(page) == []
    assert project_settings.CELERY_BEAT_SCHEDULE["kept-uploads-sweep"]["task"] == (
        "tickets.sweep_kept_uploads"
    )


def test_a_stale_entry_of_the_session_is_dropped_on_next_use(gold):
    client, _ = gold
    key = str(uuid.uuid4())
    client.post(
        NEW,
        {
            **tech_support(subject="", submission_key=key),
            "attachments": [SimpleUploadedFile("late.pdf", PDF)],
        },
    )
    session = client.session
    path = (
        Path(project_settings.MEDIA_ROOT)
        / session[kept_uploads.SESSION_KEY][key]["files"][0]["path"]
    )
    later = timezone.now() + kept_uploads.KEEP_FOR + timedelta(minutes=1)

    assert kept_uploads.kept_files(session, key, now=later) == []
    assert not path.exists()


# --- The error summary --------------------------------------------------------------------


def test_the_error_summary_links_to_each_field_in_error(gold):
    client, _ = gold
    data = tech_support(subject="", wms_version="", critical_criterion="nonsense")

    page = Page(client.post(NEW, data))

    summary = [e for e in page.elements if "data-error-summary" in e.attrs]
    assert summary
    assert summary[0].attrs["tabindex"] == "-1"
    links = [a.attrs["href"] for a in page.find_all("a") if a.attrs.get("href", "").startswith("#")]
    for anchor in ("#id_subject", "#id_wms_version", "#id_critical_criterion_0"):
        assert anchor in links
    ids = {e.attrs.get("id") for e in page.elements}
    for anchor in links:
        assert anchor[1:] in ids, f"{anchor} leads nowhere"
    assert "Give the case a short subject." in summary[0].text


def test_the_demo_end_customer_is_told_its_installer_takes_the_case(client, policies):
    call_command("seed_demo", force=True, stdout=io.StringIO())
    client.force_login(User.objects.get(email="customer@demo.test"))

    text = text_of(client.get(OUTLOOK, {"case_type": "tech_support"}))

    assert "This case goes to Alpine Unified Comms GmbH" in text
    assert "First response" not in text


def test_suggestions_also_come_for_the_place_under_the_subject(gold):
    client, _ = gold
    ArticleFactory(title="One-way audio behind NAT", body="Check SIP ALG.", tags="")

    html = client.get(
        reverse("tickets:kb_suggestions"), {"subject": "one-way audio"}, HTTP_HX_REQUEST="true"
    ).content.decode()

    # The list beside the form, and out of band the one under the subject (on a phone).
    assert 'id="kb-inline" hx-swap-oob="innerHTML"' in html
    assert html.count("One-way audio behind NAT") == 2
