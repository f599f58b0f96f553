"""Opening a case in the browser: the intake form, its lists, eligibility and referrals."""

import re
import uuid
from datetime import datetime
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from entitlements import selectors as entitlement_selectors
from partners.roles import Role
from tests.factories import DeviceFactory, OrganisationFactory, StaffFactory, UserFactory
from tests.partners.pages import Page
from tests.tickets.factories import TicketFactory
from tickets.models import Event, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

NEW = reverse("tickets:case_new")


@pytest.fixture
def partner(policies):
    organisation = OrganisationFactory(name="Alpine Unified Comms GmbH", tier="gold")
    return UserFactory(organisation=organisation, full_name="Anna Weber")


@pytest.fixture
def logged_in(client, partner):
    client.force_login(partner)
    return client


@pytest.fixture
def hudson(policies):
    return OrganisationFactory(
        name="Hudson Voice Systems Inc.",
        tier="platinum",
        contact_email="support@hudson.test",
        contact_phone="+1 212 555 0100",
    )


@pytest.fixture
def bronze_user(client, hudson):
    bronze = OrganisationFactory(name="Iberia Voz S.L.", tier="bronze", upstream_partner=hudson)
    user = UserFactory(organisation=bronze)
    client.force_login(user)
    return user


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


def control(page: Page, name: str):
    found = [e for e in page.elements if e.attrs.get("name") == name]
    assert found, f"no control named {name!r}"
    return found[0]


def _options(page: Page, select_name: str) -> list:
    """The <option> elements of the <select> named ``select_name``."""
    found, current = [], None
    for element in page.elements:
        if element.tag == "select":
            current = element.attrs.get("name")
        elif element.tag == "option":
            if current == select_name:
                found.append(element)
        else:
            current = None
    return found


def option_values(page: Page, select_name: str) -> list[str]:
    return [option.attrs.get("value", "") for option in _options(page, select_name)]


def selected_option(page: Page, select_name: str) -> str | None:
    chosen = [o for o in _options(page, select_name) if "selected" in o.attrs]
    return chosen[0].attrs.get("value", "") if chosen else None


# --- The happy path ----------------------------------------------------------------------


def test_form_offers_the_case_types_of_the_terms_in_force_with_labelled_fields(logged_in):
    page = Page(logged_in.get(NEW))

    case_type = page.field_labelled("Case type")
    assert case_type.tag == "select"
    assert option_values(page, "case_type") == [
        "",
        "tech_support",
        "customer_care",
        "customer_success",
        "feature_request",
        "hwaas_management",
    ]
    for label in ("Subject", "Description", "WMS version", "Firmware versions", "Attachments"):
        page.field_labelled(label)
    assert uuid.UUID(control(page, "submission_key").attrs["value"])


def test_tech_support_case_with_two_attachments(logged_in, partner):
    device = DeviceFactory(organisation=partner.organisation)
    invoice = SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 invoice", content_type="text/html")
    trace = SimpleUploadedFile("call.pcap", b"\xd4\xc3\xb2\xa1" + b"\x00" * 60)

    response = logged_in.post(
        NEW, tech_support(device=device.pk, attachments=[invoice, trace]), follow=True
    )

    ticket = Ticket.objects.get()
    assert response.redirect_chain[-1][0] == reverse("tickets:case_detail", args=[ticket.pk])
    assert ticket.organisation == partner.organisation
    assert ticket.requester == partner
    assert ticket.case_type.code == "tech_support"
    assert ticket.reason.code == "call-quality"
    assert ticket.category.code == "dropped"
    assert ticket.device == device
    assert ticket.cos == Ticket.ClassOfService.STANDARD
    assert ticket.channel == Ticket.Channel.PORTAL
    files = {a.original_name: a for a in ticket.attachments.all()}
    assert set(files) == {"invoice.pdf", "call.pcap"}
    # The type comes from the name, not from what the browser claimed.
    assert files["invoice.pdf"].content_type == "application/pdf"
    assert files["call.pcap"].content_type == "application/vnd.tcpdump.pcap"
    assert files["invoice.pdf"].size == len(b"%PDF-1.4 invoice")
    assert files["call.pcap"].size == 64
    assert Path(files["invoice.pdf"].file.path).read_bytes() == b"%PDF-1.4 invoice"
    html = response.content.decode()
    assert ticket.number in html
    assert "invoice.pdf" in html
    assert "call.pcap" in html


def test_wms_and_firmware_are_required_for_tech_support(logged_in):
    response = logged_in.post(NEW, tech_support(wms_version="", firmware_versions=""))

    assert response.status_code == 200
    assert not Ticket.objects.exists()
    page = Page(response)
    assert "WMS version" in page.errors_for(page.field_labelled("WMS version"))
    assert "firmware" in page.errors_for(page.field_labelled("Firmware versions"))
    assert page.field_labelled("Subject").attrs["value"] == (
        "Calls drop after 30 seconds on the main trunk"
    )


def test_customer_care_needs_no_versions(logged_in):
    data = tech_support(
        case_type="customer_care",
        reason="billing",
        category="invoice",
        wms_version="",
        firmware_versions="",
        subject="Invoice 2026-1142 charges twelve licences",
    )

    response = logged_in.post(NEW, data)

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.case_type.code == "customer_care"
    assert ticket.category.code == "invoice"


def test_critical_criterion_sets_critical_class_of_service(logged_in):
    response = logged_in.post(
        NEW, tech_support(critical_criterion="call_drops", reproduced_with_other_operator="yes")
    )

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.cos == Ticket.ClassOfService.CRITICAL
    assert ticket.critical_criterion == "call_drops"
    page = logged_in.get(response["Location"]).content.decode()
    assert "Critical requested: Calls drop and the operator is not the cause" in page


def test_critical_is_refused_for_a_non_technical_case(logged_in):
    data = tech_support(
        case_type="customer_care", reason="billing", category="", critical_criterion="severe_impact"
    )

    response = logged_in.post(NEW, data)

    assert response.status_code == 200
    assert not Ticket.objects.exists()
    assert "Tech Support cases only" in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"case_type": "plumbing"}, "Choose one of the case types offered"),
        ({"case_type": ""}, "Choose a case type"),
        ({"reason": "billing"}, "Choose one of the reasons listed for this case type"),
        ({"reason": ""}, "Choose a reason"),
        ({"category": "invoice"}, "Choose one of the categories listed for this reason"),
    ],
)
def test_invalid_type_or_reason_returns_the_form_with_errors_and_text_kept(
    logged_in, overrides, message
):
    response = logged_in.post(NEW, tech_support(**overrides))

    assert response.status_code == 200
    assert not Ticket.objects.exists()
    page = Page(response)
    assert page.alerts()
    assert message in page.text()
    assert page.field_labelled("Subject").attrs["value"] == (
        "Calls drop after 30 seconds on the main trunk"
    )
    assert "every outgoing call drops after about 30 seconds" in page.html
    assert page.field_labelled("WMS version").attrs["value"] == "7.02.1"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("tool.exe", b"MZ" + b"\x00" * 10), "tool.exe: this type of file"),
        (SimpleUploadedFile("huge.log", b"x" * 2048), "huge.log is 2.0"),
    ],
)
def test_forbidden_or_oversized_file_is_refused_with_the_text_kept(
    logged_in, settings, upload, message
):
    settings.TICKET_ATTACHMENT_MAX_BYTES = 1024

    response = logged_in.post(NEW, tech_support(attachments=[upload]))

    assert response.status_code == 200
    assert not Ticket.objects.exists()
    page = Page(response)
    errors = page.errors_for(page.field_labelled("Attachments"))
    assert message in errors
    # A file the rules refuse is not kept for the next try either.
    assert "data-kept-file" not in page.html
    assert page.field_labelled("Subject").attrs["value"].startswith("Calls drop")


def test_the_same_submission_twice_opens_one_case(logged_in):
    data = tech_support()

    first = logged_in.post(NEW, data)
    second = logged_in.post(NEW, data, follow=True)

    ticket = Ticket.objects.get()
    assert first["Location"] == reverse("tickets:case_detail", args=[ticket.pk])
    assert second.redirect_chain[-1][0] == first["Location"]
    assert "opened only once" in second.content.decode()


def test_a_form_sent_back_with_errors_keeps_its_submission_key(logged_in):
    key = str(uuid.uuid4())

    page = Page(logged_in.post(NEW, tech_support(subject="", submission_key=key)))

    assert control(page, "submission_key").attrs["value"] == key


def test_each_fresh_form_gets_its_own_submission_key(logged_in):
    first = control(Page(logged_in.get(NEW)), "submission_key").attrs["value"]
    second = control(Page(logged_in.get(NEW)), "submission_key").attrs["value"]

    assert first != second


def test_a_foreign_device_is_refused(logged_in):
    foreign = DeviceFactory(serial_number="SN-FOREIGN-1")

    response = logged_in.post(NEW, tech_support(device=foreign.pk))

    assert response.status_code == 200
    assert not Ticket.objects.exists()
    assert "Choose one of your organisation's PBXs or devices" in Page(response).text()


def test_staff_cannot_use_the_partner_intake(client, policies):
    client.force_login(StaffFactory(roles=[Role.AGENT]))

    assert client.get(NEW).status_code == 403


# --- Eligibility and referrals -----------------------------------------------------------


def test_bronze_outside_its_three_reasons_is_referred_upstream_with_its_text(client, bronze_user):
    data = tech_support(
        case_type="customer_care",
        reason="billing",
        category="invoice",
        subject="Invoice 2026-1142 looks wrong",
        description="We were charged for twelve licences\nbut we only have ten.",
    )

    response = client.post(NEW, data)

    assert response.status_code == 200
    assert not Ticket.objects.exists()
    assert "tickets/partner/referral.html" in [t.name for t in response.templates]
    page = Page(response)
    text = page.text()
    for detail in ("Hudson Voice Systems Inc.", "support@hudson.test", "+1 212 555 0100"):
        assert detail in text
    for allowed in ("Cloud PBX unreachable", "Password reset", "CLASSOUND telephony outage"):
        assert allowed in text
    copy_blocks = [e.text for e in page.find_all("pre")]
    assert "Invoice 2026-1142 looks wrong" in copy_blocks
    assert any("We were charged for twelve licences" in block for block in copy_blocks)
    # "Change the case type" posts every typed value back to the form.
    hidden = {
        e.attrs["name"]: e.attrs["value"]
        for e in page.find_all("input")
        if e.attrs.get("type") == "hidden" and e.attrs.get("name") != "csrfmiddlewaretoken"
    }
    assert hidden["subject"] == "Invoice 2026-1142 looks wrong"
    assert hidden["description"] == data["description"]
    assert hidden["submission_key"] == data["submission_key"]
    assert [b for b in page.find_all("button") if b.text == "Change the case type"]


def test_change_the_case_type_brings_back_the_form_with_everything_typed(client, bronze_user):
    data = tech_support(
        case_type="customer_care",
        reason="billing",
        subject="Cannot log in to the PBX admin",
        description="Nobody knows the admin password any more.",
    )
    data["_refresh"] = "1"

    response = client.post(NEW, data)

    assert response.status_code == 200
    assert not Ticket.objects.exists()
    page = Page(response)
    assert not page.alerts()
    assert page.field_labelled("Subject").attrs["value"] == "Cannot log in to the PBX admin"
    assert "Nobody knows the admin password any more." in page.html
    assert selected_option(page, "case_type") == "customer_care"
    assert control(page, "submission_key").attrs["value"] == data["submission_key"]


def test_bronze_is_referred_before_completing_the_rest_of_the_form(client, bronze_user):
    data = tech_support(reason="pbx-configuration", category="", wms_version="", subject="")

    response = client.post(NEW, data)

    assert "tickets/partner/referral.html" in [t.name for t in response.templates]
    assert not Ticket.objects.exists()


@pytest.fixture
def access_checks():
    """Every evaluation of the tier's rule and the entitlements, wherever it is asked for."""
    with mock.patch.object(
        entitlement_selectors, "access_for", wraps=entitlement_selectors.access_for
    ) as spy:
        yield spy


def test_a_complete_eligible_submission_decides_eligibility_once(logged_in, access_checks):
    response = logged_in.post(NEW, tech_support())

    assert response.status_code == 302
    assert Ticket.objects.count() == 1
    assert access_checks.call_count == 1


def test_a_complete_ineligible_submission_is_referred_on_one_decision(
    client, bronze_user, access_checks
):
    data = tech_support(case_type="customer_care", reason="billing", category="invoice")

    response = client.post(NEW, data)

    assert "tickets/partner/referral.html" in [t.name for t in response.templates]
    assert not Ticket.objects.exists()
    assert access_checks.call_count == 1


def test_an_incomplete_ineligible_form_is_still_referred(client, bronze_user, access_checks):
    data = tech_support(reason="pbx-configuration", category="", wms_version="", subject="")

    response = client.post(NEW, data)

    assert "tickets/partner/referral.html" in [t.name for t in response.templates]
    assert not Ticket.objects.exists()
    assert access_checks.call_count == 1


def test_bronze_may_open_a_password_reset_case(client, bronze_user):
    data = tech_support(reason="password-reset", category="", subject="Admin password lost")

    response = client.post(NEW, data)

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.organisation == bronze_user.organisation
    assert ticket.reason.code == "password-reset"


def test_end_customer_is_referred_to_its_installer(client, policies):
    installer = OrganisationFactory(
        name="Alpine Unified Comms GmbH",
        tier="gold",
        contact_email="service@alpine.test",
        contact_phone="+49 89 555 0200",
    )
    customer = OrganisationFactory(end_customer=True, installer=installer)
    client.force_login(UserFactory(organisation=customer))

    response = client.post(NEW, tech_support(subject="Phones show no service"))

    assert response.status_code == 200
    assert not Ticket.objects.exists()
    text = Page(response).text()
    assert "Please contact Alpine Unified Comms GmbH" in text
    assert "service@alpine.test" in text
    assert "+49 89 555 0200" in text
    assert "installed" in text
    assert "Phones show no service" in text


def test_reseller_without_an_upstream_partner_is_told_none_is_on_file(client, policies):
    reseller = OrganisationFactory(reseller=True)
    client.force_login(UserFactory(organisation=reseller))

    response = client.post(NEW, tech_support())

    assert response.status_code == 200
    assert not Ticket.objects.exists()
    text = Page(response).text()
    assert "no assigned partner on file" in text
    assert "Calls drop after 30 seconds on the main trunk" in text


# --- Follow-ups --------------------------------------------------------------------------


def test_follow_up_is_prefilled_and_linked(logged_in, partner):
    old = TicketFactory(
        organisation=partner.organisation,
        status=Ticket.Status.CLOSED,
        subject="One-way audio on the branch PBX",
    )

    page = Page(logged_in.get(f"{NEW}?follow_up={old.pk}"))

    assert page.field_labelled("Subject").attrs["value"] == (
        f"Follow-up to {old.number}: One-way audio on the branch PBX"
    )
    assert selected_option(page, "case_type") == "tech_support"
    assert selected_option(page, "reason") == "call-quality"
    assert selected_option(page, "device") == str(old.device.pk)
    assert control(page, "follow_up_of").attrs["value"] == str(old.pk)
    assert old.number in page.text()

    data = tech_support(follow_up_of=old.pk, subject=f"Follow-up to {old.number}")
    response = logged_in.post(NEW, data)

    new = Ticket.objects.exclude(pk=old.pk).get()
    assert response["Location"] == reverse("tickets:case_detail", args=[new.pk])
    assert new.follow_up_of == old
    assert Event.objects.filter(ticket=old, kind="follow_up_opened").exists()
    assert old.number in logged_in.get(response["Location"]).content.decode()


def test_follow_up_of_another_organisations_case_is_404(logged_in):
    foreign = TicketFactory(status=Ticket.Status.CLOSED)

    assert logged_in.get(f"{NEW}?follow_up={foreign.pk}").status_code == 404
    assert logged_in.get(f"{NEW}?follow_up=999999").status_code == 404


def test_posting_a_foreign_follow_up_opens_nothing(logged_in):
    foreign = TicketFactory(status=Ticket.Status.CLOSED)

    response = logged_in.post(NEW, tech_support(follow_up_of=foreign.pk))

    assert response.status_code == 200
    assert Ticket.objects.count() == 1
    assert "could not be found" in response.content.decode()


# --- Dependent lists and device search ---------------------------------------------------


def test_choosing_hwaas_management_points_to_the_hardware_request_form(logged_in):
    url = reverse("tickets:intake_options")

    hardware = logged_in.get(url, {"case_type": "hwaas_management"}).content.decode()
    technical = logged_in.get(url, {"case_type": "tech_support"}).content.decode()

    assert reverse("hwaas:request_new") in hardware
    assert reverse("hwaas:request_new") not in technical


def test_options_follow_the_chosen_type_reason_and_category(logged_in):
    url = reverse("tickets:intake_options")

    care = Page(logged_in.get(url, {"case_type": "customer_care"}, HTTP_HX_REQUEST="true"))
    billing = Page(
        logged_in.get(url, {"case_type": "customer_care", "reason": "billing"}, HTTP_HX_REQUEST="1")
    )
    trunks = Page(
        logged_in.get(
            url, {"case_type": "tech_support", "reason": "pbx-configuration", "category": "trunks"}
        )
    )

    assert "billing" in option_values(care, "reason")
    assert "call-quality" not in option_values(care, "reason")
    assert not care.find_all("select", name="category")
    assert "credit-note" in option_values(billing, "category")
    assert selected_option(billing, "reason") == "billing"
    assert option_values(trunks, "subcategory") == ["", "sip", "isdn"]
    assert "<html" not in care.html  # a fragment, not a page


def test_without_javascript_a_changed_type_comes_back_with_its_reasons(logged_in):
    data = tech_support(case_type="customer_care")  # the reason is still a technical one

    response = logged_in.post(NEW, data)

    assert response.status_code == 200
    assert not Ticket.objects.exists()
    page = Page(response)
    assert "billing" in option_values(page, "reason")
    assert "call-quality" not in option_values(page, "reason")
    assert page.field_labelled("Subject").attrs["value"].startswith("Calls drop")


def test_device_search_lists_only_the_organisations_own_devices(logged_in, partner):
    DeviceFactory(organisation=partner.organisation, name="Main office PBX", serial_number="AL-1")
    DeviceFactory(organisation=partner.organisation, name="Warehouse DECT", serial_number="AL-2")
    DeviceFactory(name="Main office PBX", serial_number="OTHER-1")
    url = reverse("tickets:intake_devices")

    by_name = logged_in.get(url, {"q": "main office"}, HTTP_HX_REQUEST="true").content.decode()
    by_serial = logged_in.get(url, {"q": "al-2"}).content.decode()
    full_form = logged_in.get(NEW).content.decode()

    assert "AL-1" in by_name
    assert "AL-2" not in by_name
    assert "OTHER-1" not in by_name
    assert "AL-2" in by_serial
    assert "AL-1" not in by_serial
    assert "AL-1" in full_form
    assert "AL-2" in full_form
    assert "OTHER-1" not in full_form


def test_the_whole_intake_is_for_partners_only(client, policies):
    client.force_login(StaffFactory(roles=[Role.AGENT]))
    for name in ("intake_options", "intake_devices", "kb_suggestions"):
        assert client.get(reverse(f"tickets:{name}")).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, policies):
    response = client.get(NEW)

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_ids_too_large_for_the_database_are_plain_form_errors(logged_in):
    huge = str(2**63)

    response = logged_in.post(NEW, tech_support(device=huge, follow_up_of=huge))
    suggestions = logged_in.get(reverse("tickets:kb_suggestions"), {"device": huge})
    devices = logged_in.get(reverse("tickets:intake_devices"), {"device": huge})

    assert response.status_code == 200
    assert not Ticket.objects.exists()
    assert "Choose one of your organisation's PBXs or devices" in Page(response).text()
    assert suggestions.status_code == 200
    assert devices.status_code == 200


def test_without_javascript_the_device_search_narrows_the_list_and_keeps_the_text(
    logged_in, partner
):
    DeviceFactory(organisation=partner.organisation, name="Main office PBX", serial_number="AL-1")
    DeviceFactory(organisation=partner.organisation, name="Warehouse DECT", serial_number="AL-2")
    data = tech_support(device_q="warehouse")
    data["_refresh"] = "1"

    page = Page(logged_in.post(NEW, data))

    labels = [o.text for o in _options(page, "device") if o.attrs.get("value")]
    assert labels == ["Warehouse DECT · AL-2 (Cloud PBX)"]
    assert page.field_labelled("Find by serial number or name").attrs["value"] == "warehouse"
    assert page.field_labelled("Subject").attrs["value"].startswith("Calls drop")
    assert not Ticket.objects.exists()


# --- The response time to expect, before submitting ----------------------------------------

RESPONSE_TIME = reverse("tickets:intake_response_time")
ROME = ZoneInfo("Europe/Rome")
NEW_YORK = ZoneInfo("America/New_York")
# Tuesday 24 November 2026, 10:00 in Rome: support hours are open.
TUESDAY_MORNING_ROME = datetime(2026, 11, 24, 10, 0, tzinfo=ROME)


def expected_response(client, **params) -> str:
    """The response-time fragment the form asks for as things are picked, as plain text."""
    response = client.get(RESPONSE_TIME, params)
    assert response.status_code == 200
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def us_partner(client, policies):
    organisation = OrganisationFactory(name="Hudson Voice Systems Inc.", region="us")
    user = UserFactory(organisation=organisation)
    client.force_login(user)
    return user


def test_standard_tech_support_in_the_morning_is_answered_by_the_close_of_the_day(logged_in):
    with time_machine.travel(TUESDAY_MORNING_ROME, tick=False):
        text = expected_response(logged_in, case_type="tech_support", reason="call-quality")

    assert "First response by Tue 18:00 CET" in text
    assert "restoration" not in text
    assert "network operations centre" not in text


def test_customer_care_gets_one_business_day(logged_in):
    with time_machine.travel(TUESDAY_MORNING_ROME, tick=False):
        text = expected_response(logged_in, case_type="customer_care")

    assert "First response by Wed 10:00 CET" in text


def test_after_friday_close_the_answer_is_due_on_monday(logged_in):
    friday_evening = datetime(2026, 11, 27, 19, 0, tzinfo=ROME)
    with time_machine.travel(friday_evening, tick=False):
        text = expected_response(logged_in, case_type="tech_support", reason="call-quality")

    assert "First response by Mon 18:00 CET" in text


def test_a_us_organisation_sees_new_york_time(client, us_partner):
    tuesday_morning_new_york = datetime(2026, 11, 24, 10, 0, tzinfo=NEW_YORK)
    with time_machine.travel(tuesday_morning_new_york, tick=False):
        text = expected_response(client, case_type="tech_support", reason="call-quality")

    assert "First response by Tue 18:00 EST" in text


def test_asking_for_critical_shortens_the_response_time(logged_in):
    with time_machine.travel(TUESDAY_MORNING_ROME, tick=False):
        text = expected_response(
            logged_in,
            case_type="tech_support",
            reason="call-quality",
            critical_criterion="call_drops",
        )

    assert "First response by Tue 10:30 CET" in text
    assert "network operations centre" not in text  # support hours are open


def test_critical_outside_support_hours_mentions_the_noc_triage(logged_in):
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=ROME)
    with time_machine.travel(saturday, tick=False):
        text = expected_response(
            logged_in,
            case_type="tech_support",
            reason="call-quality",
            critical_criterion="call_drops",
        )

    assert "First response by Mon 09:30 CET" in text
    assert "network operations centre triages a Critical case within 30 minutes" in text


def test_critical_is_ignored_for_a_case_type_it_does_not_apply_to(logged_in):
    with time_machine.travel(TUESDAY_MORNING_ROME, tick=False):
        text = expected_response(
            logged_in, case_type="customer_care", critical_criterion="call_drops"
        )

    assert "First response by Wed 10:00 CET" in text


def test_classound_outage_shows_the_restoration_target(logged_in):
    with time_machine.travel(TUESDAY_MORNING_ROME, tick=False):
        text = expected_response(logged_in, case_type="tech_support", reason="classound-outage")

    assert "First response by Tue 18:00 CET" in text
    assert "Service restoration target: 4 hours, around the clock" in text


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"case_type": ""},
        {"case_type": "no-such-type"},
        {"case_type": "x" * 500, "reason": "y" * 500, "critical_criterion": "z" * 500},
        {"reason": "call-quality", "critical_criterion": "call_drops"},
    ],
)
def test_nothing_is_promised_before_a_case_type_is_picked(logged_in, params):
    assert expected_response(logged_in, **params) == ""


def test_a_reason_of_another_case_type_is_left_out(logged_in):
    with time_machine.travel(TUESDAY_MORNING_ROME, tick=False):
        text = expected_response(logged_in, case_type="customer_care", reason="classound-outage")

    assert "First response by Wed 10:00 CET" in text
    assert "restoration" not in text


def test_the_form_asks_for_the_response_time_when_type_reason_or_critical_change(logged_in):
    page = Page(logged_in.get(NEW))

    asking = [e for e in page.elements if e.attrs.get("hx-get") == RESPONSE_TIME]
    assert len(asking) == 1
    # case_new.js raises this event when one of those fields changes (no eval under the CSP).
    assert asking[0].attrs["hx-trigger"] == "response-time-inputs-changed from:#intake-form"
    script = (settings.BASE_DIR / "static/js/case_new.js").read_text()
    for name in ("case_type", "reason", "critical_criterion"):
        assert f'"{name}"' in script
    assert "#id_case_type" in asking[0].attrs["hx-include"]
    # Nothing is promised on a blank form.
    assert "First response" not in page.text()


def test_without_javascript_the_refreshed_form_shows_the_response_time(logged_in):
    data = tech_support(critical_criterion="call_drops")
    data["_refresh"] = "1"

    with time_machine.travel(TUESDAY_MORNING_ROME, tick=False):
        page = Page(logged_in.post(NEW, data))

    assert "First response by Tue 10:30 CET" in page.text()
    assert not Ticket.objects.exists()


def test_the_response_time_is_for_partners_only(client, policies):
    client.force_login(StaffFactory(roles=[Role.AGENT]))

    assert client.get(RESPONSE_TIME, {"case_type": "tech_support"}).status_code == 403
