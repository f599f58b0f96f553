"""What extended support does not cover (16.5), as partners and staff meet it: a Critical
claim for a case filed under hardware, internet connectivity or planned work is refused when
the case is opened, in the form and in the API alike; dropped calls are Critical only once
the partner has tried another operator; staff confirm Critical on an excluded case only with
an override reason, which is recorded, and the NOC is never paged for such a case."""

import html
import re
import shutil
import uuid
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from desk.actions.status import ticket_change_cos
from partners import services as partner_services
from partners.models import CaseCategory, CaseReason
from sla.models import Clock
from tests.factories import OrganisationFactory, UserFactory
from tests.tickets.factories import open_case
from tickets.models import Event, Notification, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

NEW = reverse("tickets:case_new")
TICKETS = "/api/tickets/"
SATURDAY_NIGHT = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # support hours closed in Rome
TUESDAY_MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 10:00 in Rome: open

HARDWARE = {"reason": "devices", "category": "hardware-fault"}
CRM_BUG = {"reason": "integrations", "category": "bug-report"}
CONNECTIVITY = {"reason": "connectivity", "category": None}


@pytest.fixture
def partner(policies):
    organisation = OrganisationFactory(name="Alpine Unified Comms GmbH", tier="gold", region="eu")
    return UserFactory(organisation=organisation, full_name="Anna Weber")


def case_data(**overrides) -> dict:
    data = {
        "case_type": "tech_support",
        "reason": "call-quality",
        "category": "dropped",
        "subject": "Every outgoing call drops",
        "description": "Since 02:00 every outgoing call drops after about 30 seconds.",
        "wms_version": "7.02.1",
        "firmware_versions": "DP-40 1.9.0",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_login(user)
    return api


def post_page(client, at=TUESDAY_MORNING, **overrides):
    with time_machine.travel(at, tick=False):
        return client.post(NEW, case_data(submission_key=str(uuid.uuid4()), **overrides))


def post_api(user, at=TUESDAY_MORNING, **overrides):
    with time_machine.travel(at, tick=False):
        return api_for(user).post(TICKETS, case_data(**overrides), format="json")


def text(response) -> str:
    """The words of a page, without its markup."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


# --- Refused at intake -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filed", "words"),
    [
        (HARDWARE, "Hardware replacements and checks on faulty hardware are not handled as"),
        (CRM_BUG, "Deployment questions, integration analysis and bug reports are planned work"),
        (CONNECTIVITY, "Checks on the internet connection are not handled as Critical"),
    ],
    ids=["hardware-fault", "crm-bug-report", "connectivity"],
)
def test_the_api_refuses_critical_for_what_extended_support_excludes(partner, filed, words):
    response = post_api(partner, at=SATURDAY_NIGHT, critical_criterion="severe_impact", **filed)

    assert response.status_code == 400, response.content
    errors = response.json()
    assert list(errors) == ["critical_criterion"]
    assert words in errors["critical_criterion"][0]
    assert not Ticket.objects.exists()
    assert not Notification.objects.exists()  # nobody paged


def test_the_page_gives_the_form_back_with_the_refusal_and_keeps_what_was_typed(client, partner):
    client.force_login(partner)
    response = post_page(client, critical_criterion="severe_impact", **CRM_BUG)

    assert response.status_code == 200
    assert "bug reports are planned work, not Critical" in text(response)
    assert "field--error" in response.content.decode()
    assert 'value="Every outgoing call drops"' in response.content.decode()  # still typed
    assert "Since 02:00 every outgoing call drops" in response.content.decode()
    assert not Ticket.objects.exists()


def test_the_same_case_opens_as_standard_without_the_claim(partner):
    response = post_api(partner, at=SATURDAY_NIGHT, **HARDWARE)
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    assert ticket.cos == Ticket.ClassOfService.STANDARD
    assert not Notification.objects.filter(kind=Notification.Kind.OUT_OF_HOURS).exists()


def test_a_covered_category_of_the_same_reason_may_still_be_critical(partner):
    response = post_api(
        partner, critical_criterion="severe_impact", reason="integrations", category="not-working"
    )
    assert response.status_code == 201, response.content
    assert response.json()["cos"] == "critical"


def test_older_versions_of_the_terms_refuse_it_too(partner):
    with time_machine.travel(datetime(2024, 5, 2, 9, 0, tzinfo=UTC), tick=False):
        response = api_for(partner).post(
            TICKETS,
            case_data(case_type="technical", critical_criterion="severe_impact", **HARDWARE),
            format="json",
        )
    assert response.status_code == 400, response.content
    assert "critical_criterion" in response.json()


# --- Dropped calls: another operator first -----------------------------------------------


def test_the_api_asks_whether_the_calls_drop_with_another_operator(partner):
    response = post_api(partner, critical_criterion="call_drops")
    assert response.status_code == 400
    assert list(response.json()) == ["reproduced_with_other_operator"]
    assert "another operator" in response.json()["reproduced_with_other_operator"][0]


def test_not_reproduced_with_another_operator_is_refused_with_what_to_do(partner):
    response = post_api(
        partner, critical_criterion="call_drops", reproduced_with_other_operator=False
    )
    assert response.status_code == 400
    message = response.json()["critical_criterion"][0]
    assert "Try the same calls with another operator first" in message
    assert not Ticket.objects.exists()


def test_reproduced_with_another_operator_opens_critical(partner):
    response = post_api(
        partner, critical_criterion="call_drops", reproduced_with_other_operator=True
    )
    assert response.status_code == 201, response.content
    assert response.json()["cos"] == "critical"


def test_the_page_gives_the_same_answer(client, partner):
    client.force_login(partner)

    unanswered = post_page(client, critical_criterion="call_drops")
    assert unanswered.status_code == 200
    assert "Tell us whether the calls also drop with another operator" in text(unanswered)

    refused = post_page(
        client, critical_criterion="call_drops", reproduced_with_other_operator="no"
    )
    assert refused.status_code == 200
    assert "Try the same calls with another operator first" in text(refused)
    assert "Every outgoing call drops" in refused.content.decode()
    assert not Ticket.objects.exists()

    opened = post_page(
        client, critical_criterion="call_drops", reproduced_with_other_operator="yes"
    )
    assert opened.status_code == 302
    assert Ticket.objects.get().cos == Ticket.ClassOfService.CRITICAL


def test_the_question_is_on_the_form(client, partner):
    client.force_login(partner)
    response = client.get(NEW)
    assert 'name="reproduced_with_other_operator"' in response.content.decode()
    assert "Do the calls also drop with another operator?" in text(response)


# --- Staff override ----------------------------------------------------------------------


def excluded_case(partner, at=TUESDAY_MORNING) -> Ticket:
    return open_case(partner, at, **HARDWARE)


def test_staff_confirm_critical_on_an_excluded_case_only_with_an_override_reason(
    client, partner, agent
):
    ticket = excluded_case(partner)
    client.force_login(agent)
    cos_url = reverse("tickets:staff_case_cos", args=[ticket.pk])

    with time_machine.travel(datetime(2026, 11, 24, 10, 0, tzinfo=UTC), tick=False):
        refused = client.post(
            cos_url, {"cos-cos": "critical", "cos-reason": "The whole office is down."}
        )
    assert refused.status_code == 200
    assert "To confirm Critical anyway, give the reason for the exception" in text(refused)
    assert "The whole office is down." in refused.content.decode()  # kept
    ticket.refresh_from_db()
    assert ticket.cos == Ticket.ClassOfService.STANDARD
    assert not Event.objects.filter(ticket=ticket, kind="cos_changed").exists()

    with time_machine.travel(datetime(2026, 11, 24, 10, 0, tzinfo=UTC), tick=False):
        confirmed = client.post(
            cos_url,
            {
                "cos-cos": "critical",
                "cos-reason": "The whole office is down.",
                "cos-override_reason": "The only PBX of a hospital; no spare on site.",
            },
        )
    assert confirmed.status_code == 302
    ticket.refresh_from_db()
    assert ticket.cos == Ticket.ClassOfService.CRITICAL
    override = Event.objects.get(ticket=ticket, kind="critical_override")
    assert override.data["exclusion"] == "hardware"
    assert override.data["reason"] == "The only PBX of a hospital; no spare on site."
    assert not override.public
    page = client.get(reverse("tickets:staff_case", args=[ticket.pk]))
    assert "Critical confirmed as an exception" in text(page)


def test_the_override_field_is_only_offered_for_excluded_cases(client, partner, agent):
    client.force_login(agent)
    covered = open_case(partner, TUESDAY_MORNING)
    excluded = excluded_case(partner)
    covered_page = client.get(reverse("tickets:staff_case", args=[covered.pk]))
    excluded_page = client.get(reverse("tickets:staff_case", args=[excluded.pk]))
    assert "cos-override_reason" not in covered_page.content.decode()
    assert "cos-override_reason" in excluded_page.content.decode()


def test_the_api_wants_the_override_reason_too(partner, agent):
    ticket = excluded_case(partner)
    api = api_for(agent)
    url = f"{TICKETS}{ticket.pk}/cos/"

    refused = api.post(url, {"cos": "critical", "reason": "Office down"}, format="json")
    assert refused.status_code == 400
    assert list(refused.json()) == ["override_reason"]

    done = api.post(
        url,
        {"cos": "critical", "reason": "Office down", "override_reason": "Hospital PBX"},
        format="json",
    )
    assert done.status_code == 200, done.content
    assert done.json()["cos"] == "critical"
    assert Event.objects.filter(ticket=ticket, kind="critical_override").count() == 1


def test_an_override_out_of_hours_never_pages_the_noc(partner, agent, noc):
    ticket = excluded_case(partner, at=datetime(2026, 11, 27, 16, 0, tzinfo=UTC))  # Fri 17:00

    with time_machine.travel(datetime(2026, 11, 27, 19, 0, tzinfo=UTC), tick=False):
        ticket_change_cos(
            ticket=ticket,
            actor=agent,
            cos="critical",
            reason="Office down",
            override_reason="Hospital PBX",
        )
    assert not ticket.clocks.filter(metric=Clock.Metric.OUT_OF_HOURS_TRIAGE).exists()
    assert not Notification.objects.filter(recipient=noc).exists()


def test_downgrading_an_excluded_case_needs_no_override(partner, agent):
    ticket = excluded_case(partner)
    response = api_for(agent).post(
        f"{TICKETS}{ticket.pk}/cos/", {"cos": "standard", "reason": "Planned"}, format="json"
    )
    assert response.status_code == 200


# --- The flags are data ------------------------------------------------------------------


@pytest.mark.parametrize("code", ["2022-04", "2023-10", "2026-03"])
def test_every_version_carries_the_flags(policies, code):
    technical = "tech_support" if code == "2026-03" else "technical"
    category = CaseCategory.objects.get(
        reason__case_type__policy__code=code,
        reason__case_type__code=technical,
        reason__code="devices",
        code="hardware-fault",
    )
    assert category.extended_support_exclusion == "hardware"
    reasons = CaseReason.objects.filter(case_type__policy__code=code, case_type__code=technical)
    assert reasons.get(code="connectivity").extended_support_exclusion == "connectivity"
    assert reasons.get(code="deployment").extended_support_exclusion == "planned_work"
    assert reasons.get(code="call-quality").extended_support_exclusion == ""


def test_the_2026_version_flags_its_own_case_types(policies):
    reasons = CaseReason.objects.filter(case_type__policy__code="2026-03")
    assert reasons.get(code="replace-device").extended_support_exclusion == "hardware"
    assert reasons.get(code="integration").extended_support_exclusion == "planned_work"


def test_an_unknown_flag_in_a_data_file_is_refused(db, tmp_path, monkeypatch):
    for path in partner_services.POLICY_DATA_DIR.glob("*.toml"):
        shutil.copy(path, tmp_path)
    shared = tmp_path / "_technical_reasons.toml"
    flag = 'excluded_from_extended_support = "connectivity"'
    assert flag in shared.read_text()
    shared.write_text(
        shared.read_text().replace(flag, 'excluded_from_extended_support = "weather"')
    )
    monkeypatch.setattr(partner_services, "policy_files", lambda: sorted(tmp_path.glob("2*.toml")))
    with pytest.raises(CommandError, match="excluded_from_extended_support"):
        call_command("load_policy", verbosity=0)
