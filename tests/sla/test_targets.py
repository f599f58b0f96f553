"""The pure target picker: which metrics apply, and that their due times make sense."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from sla.businesstime import always_open, office_hours
from sla.targets import BUSINESS_TIME, SAME_WORKING_DAY, TargetRule, deadlines

# The 2026-03 targets, as plain rules (the data file is checked against the terms elsewhere).
RULES = [
    TargetRule("first_response", "tech_support", None, "critical", BUSINESS_TIME,
               timedelta(minutes=30), "region"),
    TargetRule("first_response", "tech_support", None, "standard", SAME_WORKING_DAY, None,
               "region"),
    TargetRule("first_response", None, None, "", BUSINESS_TIME, timedelta(hours=9), "region"),
    TargetRule("out_of_hours_triage", None, None, "critical", BUSINESS_TIME,
               timedelta(minutes=30), "24x7", only_outside_support_hours=True),
    TargetRule("restoration", "tech_support", "classound-outage", "", BUSINESS_TIME,
               timedelta(hours=4), "24x7", pauses_while_waiting=True),
]  # fmt: skip
REGION = office_hours("Europe/Rome")
ALWAYS = always_open()

instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
types = st.sampled_from(["tech_support", "customer_care", "hwaas_management"])
reasons = st.sampled_from([None, "classound-outage", "billing"])
classes = st.sampled_from(["critical", "standard"])


def compute(created, case_type, reason, cos):
    return deadlines(
        RULES,
        case_type=case_type,
        reason=reason,
        cos=cos,
        created_at=created,
        region=REGION,
        region_code="eu",
        always=ALWAYS,
    )


@settings(max_examples=300)
@given(instants, types, reasons, classes)
def test_every_case_has_one_first_response_due_after_it_is_opened(created, case_type, reason, cos):
    found = compute(created, case_type, reason, cos)
    metrics = [d.metric for d in found]
    assert metrics.count("first_response") == 1
    assert len(metrics) == len(set(metrics))
    for deadline in found:
        assert deadline.due >= created
        assert deadline.breach_at >= deadline.due


@settings(max_examples=300)
@given(instants, types, reasons, classes)
def test_triage_only_for_critical_cases_opened_outside_support_hours(
    created, case_type, reason, cos
):
    metrics = {d.metric for d in compute(created, case_type, reason, cos)}
    expected = cos == "critical" and not REGION.is_open(created)
    assert ("out_of_hours_triage" in metrics) == expected


@settings(max_examples=300)
@given(instants, types, reasons, classes)
def test_restoration_only_for_classound_outages(created, case_type, reason, cos):
    metrics = {d.metric for d in compute(created, case_type, reason, cos)}
    assert ("restoration" in metrics) == (
        case_type == "tech_support" and reason == "classound-outage"
    )


def test_the_most_specific_rule_wins():
    created = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # Monday, 11:00 in Rome
    (critical,) = compute(created, "tech_support", None, "critical")
    (other,) = compute(created, "customer_care", None, "critical")
    assert critical.target == timedelta(minutes=30)
    assert other.target == timedelta(hours=9)
