"""The support line for a country (pure), the shipped data of every version, and the
eligibility rule's case types opened directly whatever the access."""

import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partners.eligibility import Access, Outcome, decide
from partners.services import PolicyDataError, policy_files, policy_version_load, read_policy_file
from partners.support_lines import SupportLine, line_for, problems

REGIONS = frozenset({"eu", "us"})
DATA = {
    "lines": [
        {"code": "dach", "label": "D/A/CH", "countries": ["DE", "AT", "CH"], "phone": "+49 1"},
        {"code": "usa", "label": "USA", "countries": ["US"], "phone": "+1 2", "chat": "u"},
        {"code": "intl", "label": "International", "countries": [], "phone": "+44 3"},
    ],
    "fallback": {"eu": "intl", "us": "usa"},
}
LISTED = {"DE", "AT", "CH", "US"}


def test_a_listed_country_gets_its_own_line():
    assert line_for(DATA, country="de", region="eu").code == "dach"
    assert line_for(DATA, country="US", region="eu").code == "usa"


def test_an_unlisted_country_gets_its_regions_fallback():
    assert line_for(DATA, country="EE", region="eu").code == "intl"
    assert line_for(DATA, country="CA", region="us").code == "usa"


@pytest.mark.parametrize("data", [None, {}, {"lines": []}, {"lines": "x", "fallback": 3}])
def test_missing_or_broken_data_gives_no_line(data):
    assert line_for(data, country="DE", region="eu") is None


def test_phone_uri_keeps_only_digits_and_the_plus():
    assert SupportLine("x", "X", phone="+49 89 2000 60 65").phone_uri == "+498920006065"


@given(
    country=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
    region=st.sampled_from(sorted(REGIONS)),
)
def test_every_country_of_a_covered_region_gets_a_line(country, region):
    """Valid data leaves nobody without a number: a listed country gets its line, any
    other its region's fallback."""
    line = line_for(DATA, country=country, region=region)

    assert line is not None
    assert line.phone
    if country not in LISTED:
        assert line.code == DATA["fallback"][region]


def test_problems_names_what_is_wrong():
    assert problems(DATA, regions=REGIONS) == []
    broken = {
        "lines": [
            {"code": "a", "countries": ["DE"], "phone": "1"},
            {"code": "a", "countries": ["DE", "Germany"]},
        ],
        "fallback": {"eu": "a"},
    }
    found = " | ".join(problems(broken, regions=REGIONS))
    assert "appears twice" in found
    assert "neither phone nor chat" in found
    assert "'GERMANY'" in found
    assert "DE is in both" in found
    assert "region 'us' needs a fallback line" in found


@pytest.mark.parametrize("path", policy_files(), ids=lambda p: p.stem)
def test_every_shipped_version_has_the_six_numbers_of_the_terms(path):
    data = read_policy_file(path)
    lines = {line["code"]: line for line in data["support_lines"]["lines"]}

    assert problems(data["support_lines"], regions=REGIONS) == []
    digits = {
        code: SupportLine(code, "", phone=line["phone"]).phone_uri for code, line in lines.items()
    }
    assert digits["usa"] == "+16144841546"
    assert digits["uk"] == "+443300563663"
    assert digits["italy"] == "+3904611715112"
    assert digits["dach"] == "+498920006065"
    assert digits["france"] == "+33176747983"
    assert digits["spain"] == "+34932202994"
    assert lines["international"]["chat"] == "https://kite.wildix.com/ucit/57"


def test_a_version_with_a_broken_support_line_table_is_refused(db, tmp_path):
    with open(policy_files()[-1], "rb") as handle:
        raw = tomllib.load(handle)
    data = read_policy_file(policy_files()[-1])
    assert data["support_lines"] == raw["support_lines"]
    del data["support_lines"]["fallback"]["us"]

    with pytest.raises(PolicyDataError, match="region 'us' needs a fallback line"):
        policy_version_load(data=data)


# --- Case types opened directly whatever the access -----------------------------------------


@given(
    access=st.sampled_from([Access.UPSTREAM, Access.LIMITED, Access.INSTALLER]),
    reason=st.integers(0, 5),
    case_type=st.integers(0, 5),
    direct=st.frozensets(st.integers(0, 5)),
)
def test_a_direct_case_type_is_always_allowed(access, reason, case_type, direct):
    decision = decide(
        policy_version="v",
        access=access,
        reason=reason,
        case_type=case_type,
        direct_case_types=direct,
    )

    if case_type in direct:
        assert decision.outcome is Outcome.ALLOWED
    elif access is not Access.LIMITED:
        assert decision.outcome is not Outcome.ALLOWED


def test_the_migration_fills_versions_loaded_before_it(policies):
    """A database loaded before these fields existed gets them from the data files, and
    keeps an administrator's own support lines."""
    from importlib import import_module

    from django.apps import apps

    from partners.models import CaseType, EligibilityRule, PolicyVersion

    migration = import_module("partners.migrations.0003_support_lines_and_customer_care")
    edited = {"lines": [{"code": "x", "phone": "+1"}], "fallback": {"eu": "x", "us": "x"}}
    PolicyVersion.objects.filter(code="2026-03").update(support_lines=edited)
    PolicyVersion.objects.exclude(code="2026-03").update(support_lines={})
    CaseType.objects.update(english_only=False, tickets_only=False)
    for rule in EligibilityRule.objects.all():
        rule.direct_case_types.clear()

    migration.fill_from_policy_files(apps, None)

    assert PolicyVersion.objects.get(code="2026-03").support_lines == edited
    older = PolicyVersion.objects.get(code="2022-04").support_lines
    assert line_for(older, country="DE", region="eu").code == "dach"
    care = CaseType.objects.filter(code="customer_care")
    assert care.count() == 3
    assert all(t.english_only and t.tickets_only for t in care)
    reseller = EligibilityRule.objects.get(policy__code="2026-03", audience="reseller")
    assert [t.code for t in reseller.direct_case_types.order_by("position")] == [
        "customer_care",
        "customer_success",
        "feature_request",
        "hwaas_management",
    ]
    bronze = EligibilityRule.objects.get(policy__code="2026-03", audience="bronze")
    assert not bronze.direct_case_types.exists()
