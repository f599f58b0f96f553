"""A month's credits from what the NOC recorded, and billing's approve and apply."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from availability import services
from availability.models import Credit, Incident
from partners.roles import Role
from tests.availability.factories import (
    IncidentFactory,
    MaintenanceFactory,
    ServiceFactory,
    SubscriptionFactory,
)
from tests.factories import OrganisationFactory, StaffFactory

pytestmark = pytest.mark.django_db

NOVEMBER = date(2026, 11, 1)  # 30 days under the 2026-03 terms: commitment 99.99 %


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def cloud(policies):
    return ServiceFactory(code="uc-cloud-eu", name="UC Cloud EU")


@pytest.fixture
def subscription(cloud):
    return SubscriptionFactory(services=[cloud], monthly_fee=Decimal("1000.00"))


@pytest.fixture
def billing(policies):
    return StaffFactory(roles=[Role.BILLING])


def credit_for(subscription, month=NOVEMBER) -> Credit:
    return Credit.objects.get(subscription=subscription, month=month, adjusts=None)


def down(cloud, start, length, **fields):
    return IncidentFactory(services=[cloud], started_at=start, ended_at=start + length, **fields)


def test_a_month_without_outages_owes_nothing(subscription):
    services.credits_compute(month=NOVEMBER)
    credit = credit_for(subscription)
    assert (credit.availability, credit.payable_percent, credit.amount) == (100, 100, 0)
    assert credit.policy.code == "2026-03"
    assert credit.commitment == Decimal("99.99")
    assert credit.commitment_met


def test_exactly_99_percent_pays_in_full_and_a_microsecond_more_down_earns_a_credit(
    cloud, subscription
):
    one_percent = timedelta(days=30) / 100  # 7 h 12 min
    incident = down(cloud, utc(2026, 11, 10, 8), one_percent)
    services.credits_compute(month=NOVEMBER)
    credit = credit_for(subscription)
    assert (credit.availability, credit.payable_percent, credit.amount) == (99, 100, 0)
    assert not credit.commitment_met  # below 99.99 all the same
    assert list(credit.incidents.all()) == [incident]

    incident.ended_at += timedelta(microseconds=1)
    incident.save()
    services.credits_compute(month=NOVEMBER)
    credit.refresh_from_db()
    assert credit.payable_percent == 90
    assert credit.amount == Decimal("100.00")


def test_overlapping_incidents_count_once(cloud, subscription):
    down(cloud, utc(2026, 11, 3, 0), timedelta(hours=36))
    down(cloud, utc(2026, 11, 3, 12), timedelta(hours=36))  # 60 h in all: 91.66 %
    services.credits_compute(month=NOVEMBER)
    assert credit_for(subscription).payable_percent == 90


def test_only_full_outages_of_the_vendors_making_count(cloud, subscription):
    down(cloud, utc(2026, 11, 3), timedelta(days=5), impact=Incident.Impact.DEGRADED)
    down(cloud, utc(2026, 11, 10), timedelta(days=5), cause=Incident.Cause.OPERATOR)
    down(cloud, utc(2026, 11, 20), timedelta(days=5), cause=Incident.Cause.CUSTOMER_NETWORK)
    services.credits_compute(month=NOVEMBER)
    credit = credit_for(subscription)
    assert credit.availability == 100
    assert credit.incidents.count() == 0


def test_an_incident_for_other_organisations_does_not_count(cloud, subscription):
    down(
        cloud,
        utc(2026, 11, 3),
        timedelta(days=5),
        scope=Incident.Scope.ORGANISATIONS,
        organisations=[OrganisationFactory()],
    )
    mine = down(
        cloud,
        utc(2026, 11, 20),
        timedelta(hours=1),
        scope=Incident.Scope.ORGANISATIONS,
        organisations=[subscription.organisation],
    )
    services.credits_compute(month=NOVEMBER)
    assert list(credit_for(subscription).incidents.all()) == [mine]


def test_maintenance_announced_in_time_is_available_time_and_late_notice_is_not(
    cloud, subscription
):
    start = utc(2026, 11, 14, 22)
    MaintenanceFactory(
        services=[cloud],
        starts_at=start,
        ends_at=start + timedelta(hours=4),
        notified_at=start - timedelta(hours=48),
    )
    down(cloud, start, timedelta(hours=4))
    services.credits_compute(month=NOVEMBER)
    assert credit_for(subscription).availability == 100

    late = utc(2026, 11, 21, 22)
    MaintenanceFactory(
        services=[cloud],
        starts_at=late,
        ends_at=late + timedelta(hours=4),
        notified_at=late - timedelta(hours=47, minutes=59),
    )
    down(cloud, late, timedelta(hours=4))
    services.credits_compute(month=NOVEMBER)
    assert credit_for(subscription).availability < 100


def test_an_outage_across_the_month_end_counts_by_the_reporting_zone(cloud, policies):
    rome = SubscriptionFactory(services=[cloud], reporting_time_zone="Europe/Rome")
    utc_reporting = SubscriptionFactory(services=[cloud])
    down(cloud, utc(2026, 10, 31, 23), timedelta(hours=2))  # 00:00–02:00 on 1 Nov in Rome

    services.credits_compute(month=date(2026, 10, 1))
    services.credits_compute(month=NOVEMBER)

    hour_of_october = Decimal(100) - Decimal(100) / (31 * 24)
    # SQLite keeps decimals as floating point; PostgreSQL keeps all twenty places.
    assert credit_for(utc_reporting, date(2026, 10, 1)).availability == pytest.approx(
        hour_of_october, abs=Decimal("1e-12")
    )
    assert credit_for(rome, date(2026, 10, 1)).availability == 100
    assert credit_for(rome).availability < credit_for(utc_reporting).availability


def test_a_month_uses_the_terms_in_force_on_its_first_day(cloud, policies):
    subscription = SubscriptionFactory(services=[cloud])
    # 98.5 %: 100 % payable under 2023-10 (from 99) would be 90; under 2022-04 it is 90 too,
    # but the commitment differs: 99.90 in 2022-04, 99.98 in 2023-10.
    down(cloud, utc(2023, 9, 10), timedelta(hours=10))
    down(cloud, utc(2023, 10, 10), timedelta(hours=10))
    services.credits_compute(month=date(2023, 9, 1))
    services.credits_compute(month=date(2023, 10, 1))
    september = credit_for(subscription, date(2023, 9, 1))
    october = credit_for(subscription, date(2023, 10, 1))
    assert (september.policy.code, september.commitment) == ("2022-04", Decimal("99.9"))
    assert (october.policy.code, october.commitment) == ("2023-10", Decimal("99.98"))


def test_an_approved_credit_whose_figures_move_goes_back_to_draft(cloud, subscription, billing):
    down(cloud, utc(2026, 11, 3), timedelta(hours=10))
    services.credits_compute(month=NOVEMBER)
    services.credit_approve(credit=credit_for(subscription), actor=billing)
    services.credits_compute(month=NOVEMBER)
    assert credit_for(subscription).state == Credit.State.APPROVED  # nothing moved

    down(cloud, utc(2026, 11, 20), timedelta(days=3))
    result = services.credits_compute(month=NOVEMBER)
    credit = credit_for(subscription)
    assert result.updated == 1
    assert (credit.state, credit.approved_by) == (Credit.State.DRAFT, None)
    assert credit.events.filter(kind="credit_recomputed").get().data["approval_withdrawn"]


def test_an_applied_credit_never_changes_and_a_correction_goes_to_next_month(
    cloud, subscription, billing
):
    down(cloud, utc(2026, 11, 3), timedelta(days=1))  # 96.66 %: 90 % payable
    services.credits_compute(month=NOVEMBER)
    credit = services.credit_approve(credit=credit_for(subscription), actor=billing)
    services.credit_apply(credit=credit, actor=billing, invoice_number="INV-2026-1201")

    down(cloud, utc(2026, 11, 20), timedelta(days=3))  # now 86.66 %: 70 % payable
    services.credits_compute(month=NOVEMBER)
    services.credits_compute(month=NOVEMBER)  # once more: still one adjustment line

    applied = credit_for(subscription)
    assert (applied.state, applied.amount) == (Credit.State.APPLIED, Decimal("100.00"))
    adjustment = Credit.objects.get(adjusts=applied)
    assert adjustment.month == date(2026, 12, 1)
    assert adjustment.amount == Decimal("200.00")  # 300 owed in all, 100 already credited
    assert adjustment.state == Credit.State.DRAFT


def test_approve_and_apply_follow_their_order(subscription, billing):
    services.credits_compute(month=NOVEMBER)
    credit = credit_for(subscription)
    with pytest.raises(ValidationError):
        services.credit_apply(credit=credit, actor=billing, invoice_number="INV-1")
    services.credit_approve(credit=credit, actor=billing)
    with pytest.raises(ValidationError):
        services.credit_approve(credit=credit, actor=billing)
    with pytest.raises(ValidationError):
        services.credit_apply(credit=credit, actor=billing, invoice_number="  ")
    applied = services.credit_apply(credit=credit, actor=billing, invoice_number="INV-1")
    assert applied.invoice_number == "INV-1"
    assert [e.kind for e in applied.events.all()] == [
        "credit_computed",
        "credit_approved",
        "credit_applied",
    ]


def test_subscriptions_outside_the_month_get_no_credit(cloud, policies):
    ended = SubscriptionFactory(
        services=[cloud], starts_on=date(2025, 1, 1), ends_on=date(2026, 10, 31)
    )
    later = SubscriptionFactory(services=[cloud], starts_on=date(2026, 12, 1))
    services.credits_compute(month=NOVEMBER)
    assert not Credit.objects.filter(subscription__in=[ended, later]).exists()


# --- Only the part of the month a subscription was active -----------------------------------


def test_an_outage_before_the_subscription_started_earns_no_credit(cloud, policies):
    late_starter = SubscriptionFactory(services=[cloud], starts_on=date(2026, 11, 20))
    down(cloud, utc(2026, 11, 10), timedelta(days=2))
    services.credits_compute(month=NOVEMBER)
    credit = credit_for(late_starter)
    assert (credit.availability, credit.payable_percent, credit.amount) == (100, 100, 0)
    assert list(credit.incidents.all()) == []
    assert (credit.active_from, credit.active_until) == (
        date(2026, 11, 20),
        NOVEMBER.replace(day=30),
    )
    assert credit.prorated_fee == Decimal("366.67")  # 11 of 30 days of 1000.00
    assert credit.monthly_fee == Decimal("1000.00")


def test_a_subscription_starting_exactly_as_an_outage_ends_is_not_charged_for_it(cloud, policies):
    late_starter = SubscriptionFactory(services=[cloud], starts_on=date(2026, 11, 20))
    down(cloud, utc(2026, 11, 19, 12), timedelta(hours=12))  # ends at midnight on the 20th
    services.credits_compute(month=NOVEMBER)
    credit = credit_for(late_starter)
    assert credit.availability == 100
    assert credit.counted is None


def test_a_subscription_starting_mid_outage_counts_the_part_after_its_start(cloud, policies):
    late_starter = SubscriptionFactory(services=[cloud], starts_on=date(2026, 11, 20))
    full_month = SubscriptionFactory(services=[cloud])
    # 12 h before and 4 h after midnight on the 20th. 4 h of 11 days is 98.48 %: 90 % payable;
    # 16 h of 30 days is 97.77 %: 90 % payable too.
    outage = down(cloud, utc(2026, 11, 19, 12), timedelta(hours=16))
    services.credits_compute(month=NOVEMBER)
    credit = credit_for(late_starter)
    assert credit.availability == pytest.approx(
        Decimal(100) - Decimal(400) / (11 * 24), abs=Decimal("1e-12")
    )
    assert list(credit.incidents.all()) == [outage]
    assert (credit.payable_percent, credit.prorated_fee) == (90, Decimal("366.67"))
    assert credit.amount == Decimal("36.67")  # 10 % of the fee for the active days
    whole = credit_for(full_month)
    assert (whole.prorated_fee, whole.amount) == (Decimal("1000.00"), Decimal("100.00"))


def test_a_subscription_ending_mid_month_is_measured_up_to_its_last_day(cloud, policies):
    ended = SubscriptionFactory(
        services=[cloud], starts_on=date(2025, 1, 1), ends_on=date(2026, 11, 10)
    )
    before = down(cloud, utc(2026, 11, 5), timedelta(hours=3))  # 3 h of 10 days: 98.75 %
    down(cloud, utc(2026, 11, 15), timedelta(days=5))  # after its last day
    services.credits_compute(month=NOVEMBER)
    credit = credit_for(ended)
    assert (credit.active_from, credit.active_until) == (NOVEMBER, date(2026, 11, 10))
    assert list(credit.incidents.all()) == [before]
    assert credit.availability == Decimal("98.75")
    assert (credit.payable_percent, credit.prorated_fee, credit.amount) == (
        90,
        Decimal("333.33"),
        Decimal("33.33"),
    )


def test_the_active_days_follow_the_reporting_zone_and_its_clock_change(cloud, policies):
    rome = SubscriptionFactory(
        services=[cloud], starts_on=date(2026, 10, 20), reporting_time_zone="Europe/Rome"
    )
    down(cloud, utc(2026, 10, 19, 21), timedelta(hours=1))  # 23:00–24:00 on the 19th in Rome
    services.credits_compute(month=date(2026, 10, 1))
    credit = credit_for(rome, date(2026, 10, 1))
    assert credit.availability == 100
    assert credit.prorated_fee == Decimal("387.92")  # 289 of the month's 745 hours


def test_a_later_start_date_moves_a_draft_credit(cloud, subscription):
    down(cloud, utc(2026, 11, 3), timedelta(days=1))
    services.credits_compute(month=NOVEMBER)
    assert credit_for(subscription).amount == Decimal("100.00")
    subscription.starts_on = date(2026, 11, 16)
    subscription.save()
    result = services.credits_compute(month=NOVEMBER)
    credit = credit_for(subscription)
    assert result.updated == 1
    assert (credit.availability, credit.amount, credit.prorated_fee) == (
        100,
        Decimal("0.00"),
        Decimal("500.00"),
    )
    assert credit.counted is None


# --- Maintenance excuses its own service only -----------------------------------------------


@pytest.fixture
def classound(policies):
    return ServiceFactory(code="classound-eu", name="CLASSOUND EU")


def announced(*services_, start, hours=4):
    return MaintenanceFactory(
        services=list(services_),
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        notified_at=start - timedelta(days=3),
    )


def test_maintenance_of_another_service_does_not_excuse_an_outage(cloud, classound, policies):
    both = SubscriptionFactory(services=[cloud, classound])
    start = utc(2026, 11, 14, 22)
    announced(classound, start=start)
    outage = down(cloud, start, timedelta(hours=4))
    services.credits_compute(month=NOVEMBER)
    credit = credit_for(both)
    assert credit.availability < 100
    assert list(credit.incidents.all()) == [outage]


def test_maintenance_of_the_same_service_excuses_it(cloud, classound, policies):
    both = SubscriptionFactory(services=[cloud, classound])
    start = utc(2026, 11, 14, 22)
    announced(cloud, start=start)
    down(cloud, start, timedelta(hours=4))
    services.credits_compute(month=NOVEMBER)
    credit = credit_for(both)
    assert credit.availability == 100
    assert credit.counted is None  # wholly excused: not listed


def test_an_outage_of_two_services_is_judged_per_service(cloud, classound, policies):
    both = SubscriptionFactory(services=[cloud, classound])
    cloud_only = SubscriptionFactory(services=[cloud])
    start = utc(2026, 11, 14, 22)
    announced(cloud, start=start)
    outage = IncidentFactory(
        services=[cloud, classound], started_at=start, ended_at=start + timedelta(hours=3)
    )
    services.credits_compute(month=NOVEMBER)
    counted = credit_for(both)
    assert counted.availability == pytest.approx(
        Decimal(100) - Decimal(300) / (30 * 24), abs=Decimal("1e-12")
    )
    assert list(counted.incidents.all()) == [outage]
    excused = credit_for(cloud_only)
    assert (excused.availability, excused.counted) == (100, None)


def test_a_credit_lists_only_the_incidents_that_counted(cloud, policies):
    late_starter = SubscriptionFactory(services=[cloud], starts_on=date(2026, 11, 10))
    down(cloud, utc(2026, 11, 5), timedelta(hours=2))  # before its start
    start = utc(2026, 11, 14, 22)
    announced(cloud, start=start)
    down(cloud, start + timedelta(hours=1), timedelta(hours=2))  # inside the maintenance
    partly = down(cloud, start + timedelta(hours=3), timedelta(hours=2))  # runs past its end
    services.credits_compute(month=NOVEMBER)
    assert list(credit_for(late_starter).incidents.all()) == [partly]
