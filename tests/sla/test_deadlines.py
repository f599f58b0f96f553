"""Due times of a case's SLA metrics, through ``sla_deadline`` as callers use it."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from sla.models import Calendar, ClosedDate

pytestmark = pytest.mark.django_db


@pytest.fixture
def holidays(policies):
    call_command("refresh_holidays", verbosity=0)


def argv(options: dict) -> list[str]:
    """Options as they are typed on the command line."""
    return [part for name, value in options.items() for part in (f"--{name}", value)]


def deadlines(**options) -> dict:
    out = StringIO()
    call_command("sla_deadline", *argv(options), "--json", stdout=out)
    report = json.loads(out.getvalue())
    return report | {"by_metric": {d["metric"]: d for d in report["targets"]}}


def test_critical_in_hours_is_due_thirty_business_minutes_later(holidays):
    report = deadlines(
        region="us", type="tech_support", cos="critical", at="2026-11-23T10:00-05:00"
    )
    assert report["policy"] == "2026-03"
    assert set(report["by_metric"]) == {"first_response"}
    assert report["by_metric"]["first_response"]["due"] == "2026-11-23T10:30:00-05:00"


def test_critical_near_closing_rolls_into_the_next_working_day(holidays):
    report = deadlines(
        region="us", type="tech_support", cos="critical", at="2026-11-20T17:45-05:00"
    )
    first = report["by_metric"]["first_response"]
    assert first["due"] == "2026-11-23T09:15:00-05:00"


def test_critical_outside_hours_adds_a_24x7_triage_clock(holidays):
    report = deadlines(
        region="eu", type="tech_support", cos="critical", at="2026-11-28T10:00+01:00"
    )
    triage = report["by_metric"]["out_of_hours_triage"]
    assert (triage["calendar"], triage["target_minutes"]) == ("24x7", 30)
    assert triage["due"] == "2026-11-28T09:30:00+00:00"  # 10:30 in Rome, on a Saturday
    assert report["by_metric"]["first_response"]["due"] == "2026-11-30T09:30:00+01:00"


def test_standard_is_due_by_the_close_of_the_working_day(holidays):
    morning = deadlines(
        region="us", type="tech_support", cos="standard", at="2026-11-24T07:00-05:00"
    )
    assert morning["by_metric"]["first_response"]["due"] == "2026-11-24T18:00:00-05:00"
    # After hours on the eve of Thanksgiving: the next working day is Friday.
    evening = deadlines(
        region="us", type="tech_support", cos="standard", at="2026-11-25T19:30-05:00"
    )
    first = evening["by_metric"]["first_response"]
    assert first["due"] == "2026-11-27T18:00:00-05:00"
    assert first["breach_at"] == "2026-11-30T09:00:00-05:00"


def test_other_case_types_get_one_business_day(holidays):
    report = deadlines(
        region="eu", type="customer_care", cos="standard", at="2023-12-22T17:00+01:00"
    )
    assert report["policy"] == "2023-10"
    # One hour on Friday; Christmas and St Stephen's Day are closed; eight hours on the 27th.
    assert report["by_metric"]["first_response"]["due"] == "2023-12-27T17:00:00+01:00"


def test_classound_outage_gets_four_hours_around_the_clock(holidays):
    report = deadlines(
        region="eu",
        type="tech_support",
        reason="classound-outage",
        cos="standard",
        at="2026-12-24T20:00+01:00",
    )
    restoration = report["by_metric"]["restoration"]
    assert restoration["due"] == "2026-12-24T23:00:00+00:00"
    assert restoration["pauses_while_waiting"] is True


def test_an_older_version_can_be_asked_for(holidays):
    report = deadlines(
        region="us", type="technical", cos="critical", at="2026-11-23T10:00-05:00", policy="2022-04"
    )
    assert report["policy"] == "2022-04"
    assert report["by_metric"]["first_response"]["due"] == "2026-11-23T10:30:00-05:00"


def test_refreshing_holidays_keeps_what_is_on_record(holidays):
    eu = Calendar.objects.get(code="eu")
    christmas = ClosedDate.objects.get(calendar=eu, date="2026-12-25")
    christmas.name = "Office closed"
    christmas.save()
    count = ClosedDate.objects.count()
    call_command("refresh_holidays", verbosity=0)
    assert ClosedDate.objects.count() == count
    christmas.refresh_from_db()
    assert christmas.name == "Office closed"
    assert not ClosedDate.objects.filter(calendar__code="24x7").exists()


@pytest.mark.parametrize(
    "options",
    [
        {"at": "2026-11-23T10:00"},  # no offset
        {"at": "yesterday"},
        {"type": "technical"},  # a 2022/2023 type under 2026-03
        {"policy": "1999-01"},
    ],
)
def test_bad_arguments_are_clear_errors(holidays, options):
    arguments = {"region": "us", "type": "tech_support", "cos": "critical"}
    arguments["at"] = "2026-11-23T10:00-05:00"
    arguments.update(options)
    with pytest.raises(CommandError):
        call_command("sla_deadline", *argv(arguments), stdout=StringIO())


# --- The example table -----------------------------------------------------------------------

# (region, case type, class of service, opened at, metric, due, breach)
EXAMPLES = [
    pytest.param(
        "eu",
        "tech_support",
        "critical",
        "2026-03-27T17:45+01:00",
        "first_response",
        "2026-03-30T09:15:00+02:00",
        "2026-03-30T09:15:00+02:00",
        id="eu-spring-forward-weekend",
    ),
    pytest.param(
        "eu",
        "tech_support",
        "standard",
        "2026-10-24T12:00+02:00",
        "first_response",
        "2026-10-26T18:00:00+01:00",
        "2026-10-27T09:00:00+01:00",
        id="eu-fall-back-weekend",
    ),
    pytest.param(
        "us",
        "customer_care",
        "standard",
        "2026-03-06T14:00-05:00",
        "first_response",
        "2026-03-09T14:00:00-04:00",
        "2026-03-09T14:00:00-04:00",
        id="us-spring-forward-weekend",
    ),
    pytest.param(
        "us",
        "tech_support",
        "critical",
        "2026-10-30T17:50-04:00",
        "first_response",
        "2026-11-02T09:20:00-05:00",
        "2026-11-02T09:20:00-05:00",
        id="us-fall-back-weekend",
    ),
    pytest.param(
        "us",
        "tech_support",
        "critical",
        "2026-11-25T17:45-05:00",
        "first_response",
        "2026-11-27T09:15:00-05:00",
        "2026-11-27T09:15:00-05:00",
        id="thanksgiving",
    ),
    pytest.param(
        "eu",
        "tech_support",
        "critical",
        "2026-12-24T17:50+01:00",
        "first_response",
        "2026-12-28T09:20:00+01:00",
        "2026-12-28T09:20:00+01:00",
        id="christmas-and-st-stephen",
    ),
    pytest.param(
        "eu",
        "tech_support",
        "standard",
        "2026-04-04T11:00+02:00",
        "first_response",
        "2026-04-07T18:00:00+02:00",
        "2026-04-08T09:00:00+02:00",
        id="easter-monday",
    ),
    pytest.param(
        "eu",
        "tech_support",
        "critical",
        "2026-11-23T09:00+01:00",
        "first_response",
        "2026-11-23T09:30:00+01:00",
        "2026-11-23T09:30:00+01:00",
        id="opened-at-the-opening-instant",
    ),
    pytest.param(
        "eu",
        "tech_support",
        "critical",
        "2026-11-23T17:59+01:00",
        "first_response",
        "2026-11-24T09:29:00+01:00",
        "2026-11-24T09:29:00+01:00",
        id="opened-a-minute-before-closing",
    ),
    pytest.param(
        "eu",
        "tech_support",
        "critical",
        "2026-11-23T18:00+01:00",
        "first_response",
        "2026-11-24T09:30:00+01:00",
        "2026-11-24T09:30:00+01:00",
        id="opened-at-the-closing-instant",
    ),
    pytest.param(
        "eu",
        "tech_support",
        "critical",
        "2026-11-23T18:00+01:00",
        "out_of_hours_triage",
        "2026-11-23T17:30:00+00:00",
        "2026-11-23T17:30:00+00:00",
        id="closing-instant-is-out-of-hours",
    ),
    pytest.param(
        "us",
        "tech_support",
        "standard",
        "2026-11-23T18:00-05:00",
        "first_response",
        "2026-11-24T18:00:00-05:00",
        "2026-11-25T09:00:00-05:00",
        id="standard-at-closing-is-due-the-next-working-day",
    ),
    pytest.param(
        "eu",
        "tech_support",
        "standard",
        "2026-11-23T07:30+01:00",
        "first_response",
        "2026-11-23T18:00:00+01:00",
        "2026-11-24T09:00:00+01:00",
        id="standard-before-opening-is-due-that-day",
    ),
    pytest.param(
        "eu",
        "customer_care",
        "standard",
        "2026-12-08T11:00+01:00",
        "first_response",
        "2026-12-09T18:00:00+01:00",
        "2026-12-10T09:00:00+01:00",
        id="opened-on-a-public-holiday",
    ),
    pytest.param(
        "us",
        "tech_support",
        "critical",
        "2026-11-22T12:00-05:00",
        "first_response",
        "2026-11-23T09:30:00-05:00",
        "2026-11-23T09:30:00-05:00",
        id="opened-on-a-sunday",
    ),
    pytest.param(
        "us",
        "tech_support",
        "critical",
        "2026-11-22T12:00-05:00",
        "out_of_hours_triage",
        "2026-11-22T17:30:00+00:00",
        "2026-11-22T17:30:00+00:00",
        id="sunday-triage-runs-around-the-clock",
    ),
]


@pytest.mark.parametrize(("region", "kind", "cos", "at", "metric", "due", "breach"), EXAMPLES)
def test_example_table(holidays, region, kind, cos, at, metric, due, breach):
    report = deadlines(region=region, type=kind, cos=cos, at=at)
    assert report["calendar"] == region
    found = report["by_metric"][metric]
    assert (found["due"], found["breach_at"]) == (due, breach)
