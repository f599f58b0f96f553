"""Requests the terms refuse before a case is opened, on the page and in the API: changes to
a leased unit not delivered yet, and an RMA whose fault a warranty exclusion covers (22.4)."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from hwaas import capex
from hwaas.models import HardwareModel, HardwareRequest
from tests.hwaas.factories import (
    CapexPurchaseFactory,
    HardwareModelFactory,
    LeaseLineFactory,
)
from tickets.models import Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root", "wednesday")]

NEW = reverse("hwaas:request_new")
REQUESTS = "/api/hwaas/requests/"
CHECK = "/api/hwaas/requests/check/"


@pytest.fixture
def partner_client(client, partner):
    client.force_login(partner)
    return client


@pytest.fixture
def api(partner):
    client = APIClient()
    client.force_login(partner)
    return client


def nothing_created() -> bool:
    return not Ticket.objects.exists() and not HardwareRequest.objects.exists()


def request_fields(kind: str, line) -> dict:
    """Everything else the kind needs, so only the delivery can stand in the way."""
    extra = {
        "reduce": {},
        "exchange": {"hardware_model": HardwareModelFactory(name="Vision XL").pk},
        "replace": {"cause": "defect", "label_readable": "yes"},
    }[kind]
    return {"kind": kind, "line": line.pk, **extra}


# --- A unit not delivered yet ------------------------------------------------------------------

KINDS = ["replace", "reduce", "exchange"]
NOT_DELIVERED = [
    pytest.param({"device": None, "delivered_on": None}, id="on-order"),
    pytest.param({"delivered_on": date(2026, 11, 25)}, id="arriving-next-week"),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("line_fields", NOT_DELIVERED)
def test_the_page_refuses_a_change_to_a_unit_not_delivered_and_keeps_what_was_typed(
    partner_client, agreement, kind, line_fields
):
    line = LeaseLineFactory(agreement=agreement, **line_fields)

    response = partner_client.post(
        NEW, {**request_fields(kind, line), "description": "Call Marta at the front desk."}
    )

    assert response.status_code == 400
    message = str(response.context["form"].errors["line"])
    assert "not been delivered yet" in message
    assert "Call Marta at the front desk." in response.content.decode()
    assert nothing_created()


@pytest.mark.parametrize("kind", KINDS)
def test_the_api_refuses_a_change_to_a_unit_not_delivered_under_line(api, agreement, kind):
    line = LeaseLineFactory(agreement=agreement, device=None, delivered_on=None)
    fields = request_fields(kind, line)
    if "hardware_model" in fields:
        fields["hardware_model"] = HardwareModel.objects.get(pk=fields["hardware_model"]).code
    if "label_readable" in fields:
        fields["label_readable"] = True

    created = api.post(REQUESTS, fields, format="json")
    checked = api.post(CHECK, fields, format="json")

    for response in (created, checked):
        assert response.status_code == 400, response.content
        assert list(response.json()) == ["line"]
        assert "not been delivered yet" in response.json()["line"][0]
    assert nothing_created()


def test_a_unit_delivered_today_may_be_replaced(api, agreement):
    line = LeaseLineFactory(agreement=agreement, delivered_on=date(2026, 11, 18))

    response = api.post(
        REQUESTS,
        {"kind": "replace", "line": line.pk, "cause": "defect", "label_readable": True},
        format="json",
    )

    assert response.status_code == 201, response.content


# --- RMA: which exclusion applies ----------------------------------------------------------------


@pytest.fixture
def purchase(agreement):
    """Bought on 1 June 2026: under the one-year warranty."""
    return CapexPurchaseFactory(device__organisation=agreement.lessor)


def proof() -> SimpleUploadedFile:
    return SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 invoice", "application/pdf")


def test_the_rma_form_asks_which_exclusion_applies_with_the_terms_list(partner_client, purchase):
    page = partner_client.get(NEW, {"kind": "rma", "purchase": purchase.pk})

    text = page.content.decode()
    field = page.context["form"]["warranty_exclusion"]
    assert [value for value, _ in field.field.choices] == [
        "none",
        "misuse",
        "neglect",
        "accident",
        "modification",
        "environment",
        "wear",
        "loss_or_theft",
    ]
    for label in ("Normal wear and tear", "Loss or theft", "Unauthorised modification"):
        assert label in text
    assert "None of these" in text


def test_an_rma_without_the_exclusion_answer_is_sent_back(partner_client, purchase):
    response = partner_client.post(
        NEW,
        {
            "kind": "rma",
            "purchase": purchase.pk,
            "fault_description": "The screen stays dark.",
            "proof_of_purchase": proof(),
        },
    )

    assert response.status_code == 400
    assert "warranty_exclusion" in response.context["form"].errors
    assert "The screen stays dark." in response.content.decode()
    assert nothing_created()


def test_an_excluded_cause_means_no_warranty_and_the_page_says_why(partner_client, purchase):
    fields = {
        "kind": "rma",
        "purchase": purchase.pk,
        "warranty_exclusion": "wear",
        "fault_description": "The keys are worn out.",
        "proof_of_purchase": proof(),
    }

    checked = partner_client.post(reverse("hwaas:request_check"), fields)
    sent = partner_client.post(NEW, {**fields, "proof_of_purchase": proof()})

    assert checked.context["answer"]["decision"].allowed is False
    assert "does not cover normal wear and tear" in checked.content.decode()
    assert sent.status_code == 400
    assert "normal wear and tear" in str(sent.context["form"].errors["purchase"])
    assert "The keys are worn out." in sent.content.decode()
    assert nothing_created()


def test_no_exclusion_and_the_rma_opens_a_case_recording_the_answer(partner_client, purchase):
    response = partner_client.post(
        NEW,
        {
            "kind": "rma",
            "purchase": purchase.pk,
            "warranty_exclusion": "none",
            "fault_description": "No power since Monday.",
            "proof_of_purchase": proof(),
        },
    )

    assert response.status_code == 302, response.context["form"].errors
    hardware_request = HardwareRequest.objects.get()
    assert hardware_request.warranty_exclusion == "none"
    assert hardware_request.decision["allowed"] is True


@pytest.mark.parametrize("exclusion", sorted(capex.EXCLUSIONS))
def test_the_api_refuses_an_rma_an_exclusion_covers_under_purchase(api, purchase, exclusion):
    fields = {
        "kind": "rma",
        "purchase": purchase.pk,
        "warranty_exclusion": exclusion,
        "fault_description": "Broken.",
    }

    checked = api.post(CHECK, fields, format="json")
    created = api.post(REQUESTS, {**fields, "proof_of_purchase": proof()}, format="multipart")

    assert checked.status_code == 200
    assert checked.json()["allowed"] is False
    assert capex.EXCLUSIONS[exclusion] in checked.json()["reason"]
    assert created.status_code == 400
    assert list(created.json()) == ["purchase"]
    assert capex.EXCLUSIONS[exclusion] in created.json()["purchase"][0]
    assert nothing_created()


def test_the_api_asks_for_the_exclusion_answer_and_rejects_an_unknown_one(api, purchase):
    missing = api.post(CHECK, {"kind": "rma", "purchase": purchase.pk}, format="json")
    unknown = api.post(
        CHECK,
        {"kind": "rma", "purchase": purchase.pk, "warranty_exclusion": "bad-luck"},
        format="json",
    )

    assert missing.status_code == 400
    assert list(missing.json()) == ["warranty_exclusion"]
    assert unknown.status_code == 400
    assert "warranty_exclusion" in unknown.json()


def test_the_api_opens_an_rma_when_no_exclusion_applies(api, purchase):
    response = api.post(
        REQUESTS,
        {
            "kind": "rma",
            "purchase": purchase.pk,
            "warranty_exclusion": "none",
            "fault_description": "No power.",
            "proof_of_purchase": proof(),
        },
        format="multipart",
    )

    assert response.status_code == 201, response.content
    assert response.json()["warranty_exclusion"] == "none"
    assert response.json()["decision"]["allowed"] is True
