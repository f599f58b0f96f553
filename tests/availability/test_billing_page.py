"""The billing page and the CSV export: a month's credits, filtered, approved, applied."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from availability import services
from availability.models import Credit
from partners.roles import Role
from tests.availability.factories import IncidentFactory, ServiceFactory, SubscriptionFactory
from tests.factories import OrganisationFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

OCTOBER = date(2026, 10, 1)
NOVEMBER = date(2026, 11, 1)  # 30 days under the 2026-03 terms: commitment 99.99 %
DECEMBER = date(2026, 12, 1)
PAGE = reverse("availability:billing")
CSV = reverse("availability:billing_csv")


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def books(policies):
    return make_books()


def make_books() -> dict:
    """Acme (EUR, UC Cloud EU) and Bolt (USD, CLASSOUND US) were each down a little over 1 %
    of November, so 90 % of the fee is payable; Calm (EUR, partner portal) was not down.
    October and November are computed."""
    cloud = ServiceFactory(code="uc-cloud-eu", name="UC Cloud EU")
    classound = ServiceFactory(code="classound-us", name="CLASSOUND US")
    portal = ServiceFactory(code="portal", name="Partner portal")
    acme = SubscriptionFactory(
        organisation=OrganisationFactory(name="Acme Spa", tax_id="IT01234567890"),
        reference="SUB-ACME",
        services=[cloud],
        monthly_fee=Decimal("1000.00"),
    )
    bolt = SubscriptionFactory(
        organisation=OrganisationFactory(name="Bolt Inc"),
        reference="SUB-BOLT",
        services=[classound],
        monthly_fee=Decimal("500.00"),
        currency="USD",
    )
    calm = SubscriptionFactory(
        organisation=OrganisationFactory(name="Calm GmbH"),
        reference="SUB-CALM",
        services=[portal],
        monthly_fee=Decimal("200.00"),
    )
    # 1 % and a bit of November down: 90 % payable under the 2026-03 table.
    one_percent = timedelta(days=30) / 100
    outage = IncidentFactory(
        title="Cloud EU database failover",
        services=[cloud],
        started_at=utc(2026, 11, 10, 8),
        ended_at=utc(2026, 11, 10, 8) + one_percent + timedelta(minutes=1),
    )
    IncidentFactory(
        services=[classound],
        started_at=utc(2026, 11, 20, 8),
        ended_at=utc(2026, 11, 20, 8) + one_percent + timedelta(minutes=1),
    )
    services.credits_compute(month=OCTOBER)
    services.credits_compute(month=NOVEMBER)
    return {"acme": acme, "bolt": bolt, "calm": calm, "cloud": cloud, "outage": outage}


@pytest.fixture
def billing_user(policies):
    return StaffFactory(roles=[Role.BILLING])


@pytest.fixture
def client_billing(client, billing_user):
    client.force_login(billing_user)
    return client


def credit_of(subscription, month=NOVEMBER) -> Credit:
    return Credit.objects.get(subscription=subscription, month=month, adjusts=None)


def page(client, **params):
    return client.get(PAGE, {"month": "2026-11", **params})


def rows(response) -> list[str]:
    """The subscription references of the credit rows shown, in order."""
    return [credit.subscription.reference for credit in response.context["page"].rows]


def adjustment_for(acme, cloud, actor):
    """Apply Acme's November credit, then record a longer outage: the difference becomes an
    adjustment line in December."""
    credit = credit_of(acme)
    services.credit_approve(credit=credit, actor=actor)
    services.credit_apply(credit=credit, actor=actor, invoice_number="INV-2026-0042")
    IncidentFactory(
        title="Cloud EU second outage",
        services=[cloud],
        started_at=utc(2026, 11, 25, 8),
        ended_at=utc(2026, 11, 25, 8) + timedelta(days=3),  # a tenth of the month more
    )
    result = services.credits_compute(month=NOVEMBER)
    assert result.adjustments == 1
    return Credit.objects.get(adjusts=credit)


# --- The list ------------------------------------------------------------------------------


def test_the_page_lists_the_months_credits_only(client_billing, books):
    response = page(client_billing)
    assert response.status_code == 200
    assert rows(response) == ["SUB-ACME", "SUB-BOLT", "SUB-CALM"]
    assert all(credit.month == NOVEMBER for credit in response.context["page"].rows)
    text = response.content.decode()
    assert "98.997 %" in text  # truncated, three places
    assert "<strong>100.00 EUR</strong>" in text
    assert "not met" in text
    assert rows(page(client_billing, month="2026-10")) == ["SUB-ACME", "SUB-BOLT", "SUB-CALM"]
    assert page(client_billing, month="2026-09").context["page"].rows == []


def test_the_month_defaults_to_the_previous_one(client_billing, books):
    with time_machine.travel(utc(2026, 12, 3, 10)):
        response = client_billing.get(PAGE)
    assert response.context["month"] == NOVEMBER
    assert len(response.context["page"].rows) == 3


def test_filters(client_billing, books):
    acme, bolt = books["acme"], books["bolt"]
    assert rows(page(client_billing, organisation=acme.organisation_id)) == ["SUB-ACME"]
    assert rows(page(client_billing, service=books["cloud"].pk)) == ["SUB-ACME"]
    assert rows(page(client_billing, only_nonzero="on")) == ["SUB-ACME", "SUB-BOLT"]
    services.credit_approve(credit=credit_of(bolt), actor=StaffFactory(roles=[Role.BILLING]))
    assert rows(page(client_billing, state="approved")) == ["SUB-BOLT"]
    assert rows(page(client_billing, state="draft")) == ["SUB-ACME", "SUB-CALM"]


def test_a_bad_month_gives_the_form_back_with_an_error(client_billing, books):
    response = page(client_billing, month="2026-13")
    assert response.status_code == 200
    assert "Give the month as YYYY-MM" in response.content.decode()
    assert "page" not in response.context


def test_totals_are_per_currency(client_billing, books):
    totals = {
        total.currency: (total.amount, total.count)
        for total in page(client_billing).context["totals"]
    }
    assert totals == {"EUR": (Decimal("100.00"), 2), "USD": (Decimal("50.00"), 1)}


def test_the_list_pages_without_counting(client_billing, books):
    response = page(client_billing)
    assert not response.context["page"].has_next
    for number in range(60):
        SubscriptionFactory(services=[books["cloud"]], reference=f"SUB-X{number:03d}")
    services.credits_compute(month=NOVEMBER)
    response = page(client_billing)
    assert len(response.context["page"].rows) == 50
    assert response.context["page"].has_next
    assert len(page(client_billing, page=2).context["page"].rows) == 13


def test_query_count_does_not_grow_with_rows(client_billing, books, django_assert_max_num_queries):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert page(client_billing).status_code == 200
        return len(captured)

    few = queries()
    for number in range(40):
        SubscriptionFactory(services=[books["cloud"]], reference=f"SUB-Y{number:03d}")
    services.credits_compute(month=NOVEMBER)
    with django_assert_max_num_queries(11):
        response = page(client_billing)
    assert len(response.context["page"].rows) == 43
    assert queries() == few


def test_adjustment_lines_are_marked(client_billing, books, billing_user):
    adjustment_for(books["acme"], books["cloud"], billing_user)
    response = page(client_billing, month="2026-12")
    assert rows(response) == ["SUB-ACME"]
    assert "adjusts 2026-11" in response.content.decode()


# --- Who may see it ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: UserFactory(),
        lambda: StaffFactory(roles=[Role.AGENT]),
        lambda: StaffFactory(roles=[Role.NOC]),
    ],
)
def test_partners_agents_and_noc_get_403(client, books, make_user):
    client.force_login(make_user())
    assert page(client).status_code == 403
    assert client.get(CSV, {"month": "2026-11"}).status_code == 403
    response = client.post(PAGE + "?month=2026-11", {"action": "compute"})
    assert response.status_code == 403


def test_admins_pass(client, books):
    client.force_login(StaffFactory(roles=[Role.ADMIN]))
    assert rows(page(client)) == ["SUB-ACME", "SUB-BOLT", "SUB-CALM"]


# --- Compute, approve, apply ---------------------------------------------------------------


def post(client, data, **params):
    query = "&".join(f"{key}={value}" for key, value in {"month": "2026-11", **params}.items())
    return client.post(f"{PAGE}?{query}", data, follow=True)


def texts(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_compute_button_has_the_worker_compute_the_month(client_billing, books, eager_celery):
    response = post(client_billing, {"action": "compute"}, month="2026-12")
    assert response.redirect_chain[-1][0].endswith("?month=2026-12")
    assert texts(response) == [
        "Working out the credits for December 2026. They show here as soon as they are "
        "ready, usually within a minute; reload the page to see them."
    ]
    # The worker (run in-process here) computed every subscription's credit, on the record
    # as the billing user's doing.
    credits = Credit.objects.filter(month=DECEMBER)
    assert credits.count() == 3
    assert {event.actor for credit in credits for event in credit.events.all()} == {
        response.wsgi_request.user
    }
    post(client_billing, {"action": "compute"}, month="2026-12")
    assert Credit.objects.filter(month=DECEMBER).count() == 3


def test_approve_and_apply_one(client_billing, books, billing_user):
    acme = credit_of(books["acme"])
    # Each row's buttons post their own form, so Enter in a row's field acts on that row.
    assert f'form="credit-form-{acme.pk}" name="action" value="approve-{acme.pk}"' in (
        page(client_billing).content.decode()
    )
    response = post(client_billing, {"action": f"approve-{acme.pk}"})
    assert texts(response) == ["Credit approved."]
    acme.refresh_from_db()
    assert (acme.state, acme.approved_by) == (Credit.State.APPROVED, billing_user)

    response = post(client_billing, {"action": f"apply-{acme.pk}", f"invoice-{acme.pk}": "F-77"})
    assert texts(response) == ["Credit marked applied to invoice F-77."]
    acme.refresh_from_db()
    assert (acme.state, acme.invoice_number) == (Credit.State.APPLIED, "F-77")


def test_a_refused_apply_keeps_what_was_typed(client_billing, books):
    acme = credit_of(books["acme"])
    response = post(client_billing, {"action": f"apply-{acme.pk}", f"invoice-{acme.pk}": "F-78"})
    assert response.redirect_chain == []  # the page comes back as it was, not redirected
    assert texts(response) == [
        "Nothing was changed. Acme Spa SUB-ACME: Approve the credit before applying it."
    ]
    acme.refresh_from_db()
    assert (acme.state, acme.invoice_number) == (Credit.State.DRAFT, "")

    services.credit_approve(credit=acme, actor=StaffFactory(roles=[Role.BILLING]))
    response = post(client_billing, {"action": f"apply-{acme.pk}", f"invoice-{acme.pk}": "  "})
    assert "Give the invoice the credit was applied to." in texts(response)[0]


def test_bulk_approve_reports_changed_and_skipped(client_billing, books):
    acme, bolt, calm = (credit_of(books[name]) for name in ("acme", "bolt", "calm"))
    services.credit_approve(credit=bolt, actor=StaffFactory(roles=[Role.BILLING]))
    response = post(client_billing, {"action": "approve", "credits": [acme.pk, bolt.pk, calm.pk]})
    assert texts(response) == [
        "2 credits approved.",
        "Skipped 1 credit: Bolt Inc SUB-BOLT: Only a draft credit can be approved.",
    ]
    states = set(Credit.objects.filter(month=NOVEMBER).values_list("state", flat=True))
    assert states == {Credit.State.APPROVED}
    # The ticks are still there for another try.
    ticked = [credit.pk for credit in response.context["page"].rows if credit.ticked]
    assert ticked == [acme.pk, bolt.pk, calm.pk]


def test_bulk_apply_with_one_invoice_number(client_billing, books):
    acme, bolt, calm = (credit_of(books[name]) for name in ("acme", "bolt", "calm"))
    for credit in (acme, bolt):
        services.credit_approve(credit=credit, actor=StaffFactory(roles=[Role.BILLING]))
    response = post(
        client_billing,
        {
            "action": "apply",
            "credits": [acme.pk, bolt.pk, calm.pk],
            "invoice_number": "F-100",
            "confirm_organisations": "2",
        },
    )
    assert texts(response)[0] == "2 credits marked applied to invoice F-100."
    assert "Skipped 1 credit: Calm GmbH SUB-CALM" in texts(response)[1]
    assert 'value="F-100"' in response.content.decode()  # kept for the retry
    applied = Credit.objects.filter(state=Credit.State.APPLIED, invoice_number="F-100")
    assert set(applied.values_list("pk", flat=True)) == {acme.pk, bolt.pk}


def test_several_organisations_on_one_invoice_need_a_confirmation(client_billing, books):
    acme, bolt = credit_of(books["acme"]), credit_of(books["bolt"])
    for credit in (acme, bolt):
        services.credit_approve(credit=credit, actor=StaffFactory(roles=[Role.BILLING]))
    ticked = {"action": "apply", "credits": [acme.pk, bolt.pk], "invoice_number": "F-200"}

    response = post(client_billing, ticked)
    assert response.redirect_chain == []
    assert texts(response) == [
        "The ticked credits belong to 2 different organisations. Nothing was applied. If "
        "they really go on one invoice, tick the confirmation under the table and mark them "
        "applied again."
    ]
    assert not Credit.objects.filter(state=Credit.State.APPLIED).exists()
    html = response.content.decode()
    assert 'value="F-200"' in html  # the number stays
    assert [credit.pk for credit in response.context["page"].rows if credit.ticked] == [
        acme.pk,
        bolt.pk,
    ]
    assert 'name="confirm_organisations" value="2"' in html
    assert "These credits of 2 organisations go on one invoice" in html
    assert html.count('name="invoice_number"') == 1

    # A confirmation given for another count does not do.
    response = post(client_billing, {**ticked, "confirm_organisations": "3"})
    assert not Credit.objects.filter(state=Credit.State.APPLIED).exists()

    response = post(client_billing, {**ticked, "confirm_organisations": "2"})
    assert texts(response) == ["2 credits marked applied to invoice F-200."]
    applied = Credit.objects.filter(state=Credit.State.APPLIED, invoice_number="F-200")
    assert set(applied.values_list("pk", flat=True)) == {acme.pk, bolt.pk}


def test_one_organisation_on_one_invoice_needs_no_confirmation(client_billing, books):
    acme = credit_of(books["acme"])
    services.credit_approve(credit=acme, actor=StaffFactory(roles=[Role.BILLING]))
    # Bolt's draft credit is ticked too, but would not go on the invoice: no confirmation.
    bolt = credit_of(books["bolt"])
    response = post(
        client_billing,
        {"action": "apply", "credits": [acme.pk, bolt.pk], "invoice_number": "F-300"},
    )
    assert texts(response)[0] == "1 credit marked applied to invoice F-300."
    assert "confirm_organisations" not in response.content.decode()
    acme.refresh_from_db()
    assert (acme.state, acme.invoice_number) == (Credit.State.APPLIED, "F-300")


def test_bulk_with_nothing_ticked_changes_nothing(client_billing, books):
    response = post(client_billing, {"action": "approve"})
    assert texts(response) == ["Tick the credits to change first."]
    assert not Credit.objects.exclude(state=Credit.State.DRAFT).exists()


# --- CSV -----------------------------------------------------------------------------------


def csv_rows(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_csv_export(client_billing, books, billing_user):
    response = client_billing.get(CSV, {"month": "2026-11"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="credits-2026-11.csv"'
    found = csv_rows(response)
    assert list(found[0]) == [
        "month",
        "organisation",
        "tax_id",
        "subscription_reference",
        "services",
        "active_from",
        "active_until",
        "availability",
        "commitment",
        "commitment_met",
        "payable_percent",
        "monthly_fee",
        "prorated_fee",
        "credit",
        "currency",
        "state",
        "invoice_number",
        "policy",
        "incidents",
        "adjusts_month",
    ]
    assert [row["subscription_reference"] for row in found] == ["SUB-ACME", "SUB-BOLT", "SUB-CALM"]
    assert found[0] == {
        "month": "2026-11",
        "organisation": "Acme Spa",
        "tax_id": "IT01234567890",
        "subscription_reference": "SUB-ACME",
        "services": "UC Cloud EU",
        "active_from": "2026-11-01",
        "active_until": "2026-11-30",
        "availability": "98.997",
        "commitment": "99.99",
        "commitment_met": "no",
        "payable_percent": "90",
        "monthly_fee": "1000.00",
        "prorated_fee": "1000.00",
        "credit": "100.00",
        "currency": "EUR",
        "state": "draft",
        "invoice_number": "",
        "policy": "2026-03",
        "incidents": f"{books['outage'].pk}: Cloud EU database failover",
        "adjusts_month": "",
    }
    assert client_billing.get(CSV, {"month": "2026-11", "state": "approved"}).status_code == 200
    assert (
        csv_rows(client_billing.get(CSV, {"month": "2026-11", "only_nonzero": "on"}))[-1][
            "subscription_reference"
        ]
        == "SUB-BOLT"
    )


def test_csv_includes_adjustment_lines(client_billing, books, billing_user):
    adjustment = adjustment_for(books["acme"], books["cloud"], billing_user)
    services.credits_compute(month=DECEMBER)
    found = csv_rows(
        client_billing.get(CSV, {"month": "2026-12", "organisation": books["acme"].organisation_id})
    )
    assert [(row["month"], row["adjusts_month"]) for row in found] == [
        ("2026-12", ""),
        ("2026-12", "2026-11"),
    ]
    line = found[1]
    # 70 % payable now: 300.00 owed, 100.00 already credited on INV-2026-0042.
    assert line["credit"] == f"{adjustment.amount:.2f}" == "200.00"
    assert (line["state"], line["payable_percent"], line["invoice_number"]) == ("draft", "70", "")


def test_csv_with_a_bad_month_is_refused(client_billing, books):
    response = client_billing.get(CSV, {"month": "November"})
    assert response.status_code == 400
    assert "Give the month as YYYY-MM" in response.content.decode()


# --- A subscription active for part of the month ---------------------------------------------


def late_starter(books) -> Credit:
    """Dune started on 20 November: measured over 11 days, credited from 11/30 of its fee.
    Acme's outage on the 10th was before it started."""
    dune = SubscriptionFactory(
        organisation=OrganisationFactory(name="Dune Srl"),
        reference="SUB-DUNE",
        services=[books["cloud"]],
        monthly_fee=Decimal("1000.00"),
        starts_on=date(2026, 11, 20),
    )
    services.credits_compute(month=NOVEMBER)
    return credit_of(dune)


def test_the_page_shows_the_active_days_and_the_fee_for_them(client_billing, books):
    credit = late_starter(books)
    with time_machine.travel(utc(2026, 12, 3, 10)):
        response = page(client_billing)
    text = response.content.decode()
    row = text[text.index(f'id="credit-{credit.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "20 Nov – 30 Nov" in row
    assert "366.67 EUR" in row
    assert "of 1000.00 a month" in row
    assert "100.000 %" in row
    acme = text[text.index(f'id="credit-{credit_of(books["acme"]).pk}"') :]
    assert "Whole month" in acme[: acme.index("</tr>")]


def test_active_days_of_a_month_in_another_year_carry_the_year(client, billing_user, books):
    credit = late_starter(books)
    with time_machine.travel(utc(2027, 1, 12, 10)):
        client.force_login(billing_user)
        text = page(client).content.decode()
    row = text[text.index(f'id="credit-{credit.pk}"') :]
    assert "20 Nov 2026 – 30 Nov 2026" in row[: row.index("</tr>")]


def test_csv_gives_the_active_days_and_the_prorated_fee(client_billing, books):
    late_starter(books)
    found = {
        row["subscription_reference"]: row
        for row in csv_rows(client_billing.get(CSV, {"month": "2026-11"}))
    }
    dune = found["SUB-DUNE"]
    assert (dune["active_from"], dune["active_until"]) == ("2026-11-20", "2026-11-30")
    assert (dune["monthly_fee"], dune["prorated_fee"], dune["credit"]) == (
        "1000.00",
        "366.67",
        "0.00",
    )
    assert (dune["availability"], dune["incidents"]) == ("100.000", "")
