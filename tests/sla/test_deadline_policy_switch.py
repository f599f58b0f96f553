"""``sla_deadline`` picks the version of the terms as a case opened at ``--at`` would: it
takes effect at local midnight on its date in the zone of the region's support calendar."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from sla.models import Calendar

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendars")]


def policy_used(region: str, case_type: str, at: str, **extra) -> str:
    out = StringIO()
    options = ["--region", region, "--type", case_type, "--cos", "standard", "--at", at]
    for name, value in extra.items():
        options += [f"--{name}", value]
    call_command("sla_deadline", *options, "--json", stdout=out)
    return json.loads(out.getvalue())["policy"]


@pytest.mark.parametrize(
    ("region", "case_type", "at", "expected"),
    [
        pytest.param("eu", "technical", "2023-09-30T23:30:00+02:00", "2022-04", id="rome-eve"),
        pytest.param("eu", "technical", "2023-10-01T00:00:00+02:00", "2023-10", id="rome-0000"),
        # Still 30 September in UTC.
        pytest.param("eu", "technical", "2023-10-01T00:30:00+02:00", "2023-10", id="rome-0030"),
        pytest.param("eu", "tech_support", "2026-02-28T23:30:00Z", "2026-03", id="rome-by-utc"),
        # Already 1 March in UTC.
        pytest.param("us", "technical", "2026-02-28T20:00:00-05:00", "2023-10", id="ny-2000"),
        pytest.param("us", "technical", "2026-02-28T23:59:59.999999-05:00", "2023-10", id="ny-eve"),
        pytest.param("us", "tech_support", "2026-03-01T00:00:00-05:00", "2026-03", id="ny-0000"),
        pytest.param("us", "tech_support", "2026-03-01T05:00:00Z", "2026-03", id="ny-by-utc"),
    ],
)
def test_the_version_switches_at_the_regions_local_midnight(
    policies, region, case_type, at, expected
):
    assert policy_used(region, case_type, at) == expected


def test_the_same_instant_can_fall_under_different_versions_by_region(policies):
    at = "2026-03-01T03:00:00Z"  # 04:00 in Rome, 22:00 on 28 February in New York

    assert policy_used("eu", "tech_support", at) == "2026-03"
    assert policy_used("us", "technical", at) == "2023-10"
    with pytest.raises(CommandError, match="has no case type 'tech_support'"):
        policy_used("us", "tech_support", at)


def test_a_version_asked_for_by_name_is_used_as_given(policies):
    assert policy_used("us", "tech_support", "2026-02-28T20:00:00-05:00", policy="2026-03") == (
        "2026-03"
    )


def test_before_the_first_version_in_local_time_is_a_clear_error(policies):
    with pytest.raises(CommandError, match="No support policy is in force"):
        policy_used("eu", "technical", "2022-03-31T23:59:00+02:00")


def test_the_switch_follows_the_zone_of_the_regions_calendar(
    policies, django_capture_on_commit_callbacks
):
    at = "2023-09-30T22:30:00Z"  # 00:30 on 1 October in Rome, 23:30 on 30 September in Lisbon
    assert policy_used("eu", "technical", at) == "2023-10"

    with django_capture_on_commit_callbacks(execute=True):
        calendar = Calendar.objects.get(code="eu")
        calendar.time_zone = "Europe/Lisbon"
        calendar.save()

    assert policy_used("eu", "technical", at) == "2022-04"
