"""The versioned support policy: which version is in force, how versions are loaded, and
that the shipped data says what the terms say (``reference/README.md`` digest)."""

import copy
import shutil
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from partners import services
from partners.models import (
    CaseCategory,
    CaseReason,
    CaseType,
    CreditBand,
    EligibilityRule,
    PolicyVersion,
    ResponseTarget,
)
from partners.selectors import NoPolicyInForce, policy_in_force
from partners.services import PolicyDataError, policy_version_load, read_policy_file

VERSIONS = ["2022-04", "2023-10", "2026-03"]
MARCH_2026 = datetime(2026, 3, 1, tzinfo=UTC)

# --- Which version is in force -------------------------------------------------------------
# A version takes effect at local midnight on its date in the zone asked about (for an
# organisation: its support calendar's). The pure rule is ``partners.policy_dates``; the
# boundaries through pages, the API and the command are in tests/tickets and tests/sla.

ROME, NEW_YORK = "Europe/Rome", "America/New_York"


@pytest.mark.parametrize(
    ("at", "zone", "expected"),
    [
        pytest.param(datetime(2022, 4, 1, tzinfo=UTC), "UTC", "2022-04", id="first-version-starts"),
        pytest.param(
            datetime(2023, 9, 30, 21, 59, 59, 999999, tzinfo=UTC), ROME, "2022-04", id="rome-eve"
        ),
        pytest.param(datetime(2023, 9, 30, 22, 0, tzinfo=UTC), ROME, "2023-10", id="rome-midnight"),
        pytest.param(
            datetime(2026, 3, 1, 4, 59, 59, 999999, tzinfo=UTC), NEW_YORK, "2023-10", id="ny-eve"
        ),
        pytest.param(datetime(2026, 3, 1, 5, 0, tzinfo=UTC), NEW_YORK, "2026-03", id="ny-midnight"),
        pytest.param(MARCH_2026 - timedelta(microseconds=1), "UTC", "2023-10", id="utc-eve"),
        pytest.param(datetime(2031, 1, 1, tzinfo=UTC), ROME, "2026-03", id="far-future"),
    ],
)
def test_policy_in_force_at_boundaries(policies, at, zone, expected):
    assert policy_in_force(at, zone=zone).code == expected


def test_just_after_local_midnight_that_is_still_february_in_utc(policies):
    # 00:30 on 1 March in Rome is 23:30 UTC on 28 February: in Rome it is March already.
    at = datetime(2026, 3, 1, 0, 30, tzinfo=ZoneInfo(ROME))
    assert at.astimezone(UTC).day == 28

    assert policy_in_force(at, zone=ROME).code == "2026-03"


def test_the_evening_before_that_is_already_march_in_utc(policies):
    # 20:00 on 28 February in New York is 01:00 UTC on 1 March: in New York it is February.
    at = datetime(2026, 2, 28, 20, 0, tzinfo=ZoneInfo(NEW_YORK))

    assert policy_in_force(at, zone=NEW_YORK).code == "2023-10"


def test_before_the_first_version_no_policy_is_in_force(policies):
    with pytest.raises(NoPolicyInForce):
        policy_in_force(datetime(2022, 3, 31, 23, 59, tzinfo=ZoneInfo(ROME)), zone=ROME)


def test_no_policy_in_force_when_none_is_loaded(db):
    with pytest.raises(NoPolicyInForce):
        policy_in_force(datetime(2026, 6, 1, tzinfo=UTC), zone=ROME)


def test_naive_datetime_is_refused(policies):
    with pytest.raises(ValueError, match="aware"):
        policy_in_force(datetime(2026, 6, 1, 12, 0), zone=ROME)


# --- Loading --------------------------------------------------------------------------------

POLICY_MODELS = [
    PolicyVersion,
    CaseType,
    CaseReason,
    CaseCategory,
    EligibilityRule,
    ResponseTarget,
    CreditBand,
]


def row_counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in POLICY_MODELS}
    counts["allowed_reasons"] = EligibilityRule.allowed_reasons.through.objects.count()
    return counts


def test_load_policy_loads_every_shipped_version(db):
    call_command("load_policy", verbosity=0)

    assert sorted(PolicyVersion.objects.values_list("code", flat=True)) == VERSIONS


def test_load_policy_twice_creates_no_duplicates(db):
    call_command("load_policy", verbosity=0)
    first = row_counts()

    call_command("load_policy", verbosity=0)
    call_command("load_policy", "--update", verbosity=0)

    assert row_counts() == first
    assert all(count > 0 for count in first.values()), first


def _edit_2026_in_the_admin() -> None:
    """What an administrator might change on the 2026-03 version."""
    policy = PolicyVersion.objects.get(code="2026-03")
    policy.availability_commitment = Decimal("99.5")
    policy.maintenance_notice = timedelta(hours=72)
    policy.save()
    case_type = policy.case_types.get(code="feature_request")
    case_type.name = "Ideas"
    case_type.save()
    rule = policy.eligibility_rules.get(audience="bronze")
    rule.access = EligibilityRule.Access.UPSTREAM
    rule.save()
    rule.allowed_reasons.clear()
    band = policy.credit_bands.get(upper_bound__isnull=True)
    band.payable_percent = 95
    band.save()


def _2026_as_seen() -> dict:
    policy = PolicyVersion.objects.get(code="2026-03")
    bronze = policy.eligibility_rules.get(audience="bronze")
    return {
        "commitment": policy.availability_commitment,
        "notice": policy.maintenance_notice,
        "feature_request": policy.case_types.get(code="feature_request").name,
        "bronze": bronze.access,
        "bronze_reasons": bronze.allowed_reasons.count(),
        "top_band": policy.credit_bands.get(upper_bound__isnull=True).payable_percent,
    }


def test_load_policy_keeps_admin_edits(policies):
    _edit_2026_in_the_admin()
    edited = _2026_as_seen()

    call_command("load_policy", verbosity=0)

    assert _2026_as_seen() == edited


def test_load_policy_update_brings_file_values_back(policies):
    _edit_2026_in_the_admin()

    call_command("load_policy", "--update", verbosity=0)

    assert _2026_as_seen() == {
        "commitment": Decimal("99.99"),
        "notice": timedelta(hours=48),
        "feature_request": "Feature Request",
        "bronze": EligibilityRule.Access.LIMITED,
        "bronze_reasons": 3,
        "top_band": 100,
    }


def _valid_data(code: str = "2099-01") -> dict:
    """The shipped 2026-03 data under a new code, ready to be broken by a test."""
    path = next(p for p in services.policy_files() if p.stem == "2026-03")
    data = copy.deepcopy(read_policy_file(path))
    data["code"] = code
    data["effective_from"] = datetime(2099, 1, 1, tzinfo=UTC).date()
    return data


def _without_audience(data: dict) -> dict:
    del data["eligibility"]["silver"]
    return data


def _with_credit_gap(data: dict) -> dict:
    # [90, 98) missing between the rows [80, 90) and [98, 99).
    next(b for b in data["credit_bands"] if b.get("upper") == "99")["lower"] = "98"
    return data


def _with_credit_overlap(data: dict) -> dict:
    next(b for b in data["credit_bands"] if b.get("upper") == "90")["upper"] = "95"
    return data


def _with_unknown_reason(data: dict) -> dict:
    data["eligibility"]["bronze"]["allowed_reasons"].append("tech_support/no-such-reason")
    return data


def _with_credit_table_not_starting_at_zero(data: dict) -> dict:
    data["credit_bands"] = [b for b in data["credit_bands"] if b["lower"] != "0"]
    return data


BROKEN = [
    pytest.param(_without_audience, id="missing-audience"),
    pytest.param(_with_credit_gap, id="credit-gap"),
    pytest.param(_with_credit_overlap, id="credit-overlap"),
    pytest.param(_with_unknown_reason, id="unknown-reason"),
    pytest.param(_with_credit_table_not_starting_at_zero, id="credit-not-from-zero"),
]


def test_valid_data_loads(db):
    """The baseline the broken variants below start from is itself accepted."""
    policy, written = policy_version_load(data=_valid_data())

    assert written
    assert policy.code == "2099-01"


@pytest.mark.parametrize("breakage", BROKEN)
def test_inconsistent_data_is_refused_and_nothing_is_written(db, breakage):
    before = row_counts()

    with pytest.raises(PolicyDataError):
        policy_version_load(data=breakage(_valid_data()))

    assert row_counts() == before
    assert not PolicyVersion.objects.filter(code="2099-01").exists()


@pytest.mark.parametrize("breakage", BROKEN)
def test_inconsistent_update_leaves_the_existing_version_as_it_was(db, breakage):
    policy_version_load(data=_valid_data())
    before = row_counts()
    data = breakage(_valid_data())
    data["availability_commitment"] = "12.34"

    with pytest.raises(PolicyDataError):
        policy_version_load(data=data, update=True)

    assert row_counts() == before
    assert PolicyVersion.objects.get(code="2099-01").availability_commitment == Decimal("99.99")


def test_load_policy_command_reports_bad_data_as_a_command_error(db, tmp_path, monkeypatch):
    for path in services.POLICY_DATA_DIR.glob("*.toml"):
        shutil.copy(path, tmp_path)
    broken = tmp_path / "2026-03.toml"
    text = broken.read_text()
    assert 'lower = "90"\nupper = "99"' in text
    broken.write_text(text.replace('lower = "90"\nupper = "99"', 'lower = "90"\nupper = "98"'))
    monkeypatch.setattr(services, "policy_files", lambda: sorted(tmp_path.glob("2*.toml")))

    with pytest.raises(CommandError, match="2026-03"):
        call_command("load_policy", verbosity=0)

    assert not PolicyVersion.objects.filter(code="2026-03").exists()


# --- The shipped data says what the terms say ----------------------------------------------


@pytest.mark.parametrize(
    ("code", "commitment"),
    [("2022-04", "99.90"), ("2023-10", "99.98"), ("2026-03", "99.99")],
)
def test_availability_commitment(policies, code, commitment):
    assert PolicyVersion.objects.get(code=code).availability_commitment == Decimal(commitment)


@pytest.mark.parametrize("code", VERSIONS)
def test_effective_from_the_first_of_the_month_in_the_code(policies, code):
    year, month = map(int, code.split("-"))
    effective = PolicyVersion.objects.get(code=code).effective_from
    assert (effective.year, effective.month, effective.day) == (year, month, 1)


CREDIT_2022 = [
    ("99.9", None, 100),
    ("98", "99.9", 90),
    ("95", "98", 75),
    ("90", "95", 50),
    ("0", "90", 0),
]
CREDIT_2023 = [
    ("99", None, 100),
    ("90", "99", 90),
    ("80", "90", 70),
    ("70", "80", 50),
    ("0", "70", 0),
]


@pytest.mark.parametrize(
    ("code", "table"),
    [("2022-04", CREDIT_2022), ("2023-10", CREDIT_2023), ("2026-03", CREDIT_2023)],
)
def test_credit_table(policies, code, table):
    bands = CreditBand.objects.filter(policy__code=code).order_by("-lower_bound")
    rows = [(b.lower_bound, b.upper_bound, b.payable_percent) for b in bands]

    assert rows == [
        (Decimal(lower), Decimal(upper) if upper else None, payable)
        for lower, upper, payable in table
    ]


@pytest.mark.parametrize("code", VERSIONS)
def test_maintenance_notice_is_48_hours(policies, code):
    assert PolicyVersion.objects.get(code=code).maintenance_notice == timedelta(hours=48)


@pytest.mark.parametrize(
    ("code", "names"),
    [
        ("2022-04", {"Technical", "Customer Care"}),
        ("2023-10", {"Technical", "Customer Care"}),
        (
            "2026-03",
            {
                "Tech Support",
                "Customer Care",
                "Customer Success",
                "Feature Request",
                "HWaaS Management",
            },
        ),
    ],
)
def test_case_types(policies, code, names):
    assert set(CaseType.objects.filter(policy__code=code).values_list("name", flat=True)) == names


@pytest.mark.parametrize("code", VERSIONS)
def test_only_the_technical_type_asks_for_versions(policies, code):
    technical = CaseType.objects.filter(policy__code=code, is_technical=True)
    assert [t.name for t in technical] in (["Technical"], ["Tech Support"])


def _matches(topic: str):
    """Topic names from the digest; the data may spell two of them out in full."""
    spelled_out = {
        "PBX/Licenses": lambda name: "pbx" in name.lower() and "licen" in name.lower(),
        "Promo": lambda name: name.lower().startswith("promo"),
    }
    return spelled_out.get(topic, lambda name: name.lower() == topic.lower())


TOPICS = [
    "Billing",
    "CLASSOUND",
    "HWaaS",
    "PBX/Licenses",
    "Orders",
    "Portal errors",
    "Promo",
    "Company information changes",
    "Feature request",
]


@pytest.mark.parametrize(
    ("code", "topics"),
    [
        ("2022-04", [*TOPICS, "General questions"]),
        ("2023-10", TOPICS),
        ("2026-03", TOPICS),
    ],
)
def test_customer_care_topics(policies, code, topics):
    names = list(
        CaseReason.objects.filter(
            case_type__policy__code=code, case_type__name="Customer Care"
        ).values_list("name", flat=True)
    )

    assert len(names) == len(topics), names
    for topic in topics:
        assert sum(map(_matches(topic), names)) == 1, (topic, names)


@pytest.mark.parametrize("code", ["2023-10", "2026-03"])
def test_general_questions_topic_is_gone_after_2022(policies, code):
    assert not CaseReason.objects.filter(
        case_type__policy__code=code, name__icontains="general question"
    ).exists()


def _targets(code: str, metric: str):
    return ResponseTarget.objects.filter(policy__code=code, metric=metric).select_related(
        "case_type", "reason"
    )


@pytest.mark.parametrize("code", VERSIONS)
def test_first_response_targets(policies, code):
    targets = list(_targets(code, ResponseTarget.Metric.FIRST_RESPONSE))
    by_scope = {
        (t.case_type.is_technical if t.case_type else None, t.class_of_service): t for t in targets
    }

    critical = by_scope[(True, "critical")]
    assert critical.kind == ResponseTarget.Kind.BUSINESS_TIME
    assert critical.target == timedelta(minutes=30)
    assert critical.calendar == ResponseTarget.Calendar.REGION

    standard = by_scope[(True, "standard")]
    assert standard.kind == ResponseTarget.Kind.SAME_WORKING_DAY
    assert standard.target is None
    assert standard.calendar == ResponseTarget.Calendar.REGION

    every_other_type = by_scope[(None, "")]
    assert every_other_type.kind == ResponseTarget.Kind.BUSINESS_TIME
    assert every_other_type.target == timedelta(hours=9)
    assert every_other_type.calendar == ResponseTarget.Calendar.REGION

    assert len(targets) == 3
    assert not any(t.pauses_while_waiting for t in targets)
    assert not any(t.only_outside_support_hours for t in targets)


@pytest.mark.parametrize("code", VERSIONS)
def test_out_of_hours_triage_target(policies, code):
    (triage,) = _targets(code, ResponseTarget.Metric.OUT_OF_HOURS_TRIAGE)

    assert triage.class_of_service == ResponseTarget.ClassOfService.CRITICAL
    assert triage.target == timedelta(minutes=30)
    assert triage.calendar == ResponseTarget.Calendar.ALWAYS
    assert triage.only_outside_support_hours


@pytest.mark.parametrize("code", VERSIONS)
def test_classound_restoration_target(policies, code):
    (restoration,) = _targets(code, ResponseTarget.Metric.RESTORATION)

    assert restoration.case_type.is_technical
    assert "classound" in restoration.reason.name.lower()
    assert "outage" in restoration.reason.name.lower()
    assert restoration.target == timedelta(hours=4)
    assert restoration.calendar == ResponseTarget.Calendar.ALWAYS
    assert restoration.pauses_while_waiting


@pytest.mark.parametrize("code", VERSIONS)
def test_every_audience_has_a_rule(policies, code):
    audiences = set(
        EligibilityRule.objects.filter(policy__code=code).values_list("audience", flat=True)
    )
    assert audiences == {
        "diamond",
        "platinum",
        "gold_plus",
        "gold",
        "silver",
        "bronze",
        "reseller",
        "end_customer",
    }
