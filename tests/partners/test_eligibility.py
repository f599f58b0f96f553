"""Who may open a case directly, and whom everyone else is sent to (terms, art. 15).

The expectations below are written from the digest in ``reference/README.md``:

- 2022-04 and 2023-10: Platinum, Gold and Silver partners get direct support; Bronze
  partners and resellers go through their assigned upstream partner; end users go to the
  partner or reseller that installed their system. Diamond and Gold Plus did not exist
  yet; an organisation holding one of those tiers (which grew out of Platinum and Gold)
  is never worse off than the tier it grew out of, so it is served directly too. 15.2
  sends Bronze partners and resellers upstream for technical support only: both may open
  Customer Care cases directly.
- 2026-03: Diamond, Platinum, Gold Plus, Gold, Silver direct; Bronze direct only for an
  unreachable cloud PBX, a password reset or a CLASSOUND telephony outage (technical
  cases), upstream for everything else (15.1 limits its every submission, Customer Care
  included); resellers upstream for technical support only (15.2), so they open every
  other case type directly; end users to the installer.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partners import eligibility
from partners.eligibility import Access, Contact, Outcome, decide
from partners.models import CaseReason, CaseType, PolicyVersion
from partners.selectors import eligibility_for
from sla.selectors import policy_in_force_for
from tests.factories import OrganisationFactory, load_policies, organisation_for_audience

# An instant well inside each version's period.
INSIDE = {
    "2022-04": datetime(2022, 11, 16, 10, 30, tzinfo=UTC),
    "2023-10": datetime(2024, 6, 12, 15, 0, tzinfo=UTC),
    "2026-03": datetime(2026, 7, 8, 8, 0, tzinfo=UTC),
}
VERSIONS = list(INSIDE)


def version_of(code: str) -> PolicyVersion:
    return PolicyVersion.objects.get(code=code)


DIRECT_TIERS = ["diamond", "platinum", "gold_plus", "gold", "silver"]
AUDIENCES = [*DIRECT_TIERS, "bronze", "reseller", "end_customer"]

# Case type codes per version: 2022/2023 have Technical and Customer Care; 2026 has five.
TECHNICAL = {"2022-04": "technical", "2023-10": "technical", "2026-03": "tech_support"}

# The three things a Bronze partner may still open directly under 2026-03.
BRONZE_EXCEPTIONS = ["cloud-pbx-unreachable", "password-reset", "classound-outage"]


def cases_for(version: str) -> list[tuple[str, str | None]]:
    """(case type, reason) pairs to ask about under ``version``."""
    technical = TECHNICAL[version]
    cases = [(technical, reason) for reason in BRONZE_EXCEPTIONS]
    cases += [
        (technical, "call-quality"),
        (technical, "pbx-configuration"),
        (technical, None),
        ("customer_care", "billing"),
        # The CLASSOUND Customer Care topic (an order or a number) is not an outage.
        ("customer_care", "classound"),
    ]
    if version == "2026-03":
        cases += [
            ("customer_success", "escalation"),
            ("feature_request", "new-feature"),
            ("hwaas_management", "replace-device"),
        ]
    return cases


def expected_outcome(version: str, audience: str, case_type: str, reason: str | None) -> Outcome:
    if audience in DIRECT_TIERS:
        return Outcome.ALLOWED
    if audience == "end_customer":
        return Outcome.REFER_INSTALLER
    if case_type == "customer_care" and (audience == "reseller" or version != "2026-03"):
        return Outcome.ALLOWED
    if audience == "reseller" and case_type != TECHNICAL[version]:
        return Outcome.ALLOWED
    if (
        audience == "bronze"
        and version == "2026-03"
        and case_type == TECHNICAL[version]
        and reason in BRONZE_EXCEPTIONS
    ):
        return Outcome.ALLOWED
    return Outcome.REFER_UPSTREAM


TABLE = [
    pytest.param(
        version,
        audience,
        case_type,
        reason,
        expected_outcome(version, audience, case_type, reason),
        id=f"{version}-{audience}-{case_type}-{reason}",
    )
    for version in VERSIONS
    for audience in AUDIENCES
    for case_type, reason in cases_for(version)
]


@pytest.fixture(scope="module")
def loaded_policies(django_db_setup, django_db_blocker):
    """The shipped versions, loaded once for this module's many table rows."""
    with django_db_blocker.unblock():
        load_policies()
        yield
        PolicyVersion.objects.all().delete()


@pytest.fixture
def upstream(db):
    return OrganisationFactory(
        name="Hudson Upstream Inc.",
        tier="platinum",
        region="us",
        contact_email="help@hudson-upstream.test",
        contact_phone="+1 212 555 0199",
    )


@pytest.fixture
def installer(db):
    return OrganisationFactory(
        name="Installer Alpine GmbH",
        tier="gold",
        contact_email="service@installer-alpine.test",
        contact_phone="+49 89 555 0142",
    )


def contact_of(organisation) -> Contact:
    return Contact(
        name=organisation.name,
        email=organisation.contact_email,
        phone=organisation.contact_phone,
    )


def organisation_with_referrals(audience, upstream, installer):
    if audience in ("bronze", "reseller"):
        return organisation_for_audience(audience, upstream_partner=upstream)
    if audience == "end_customer":
        return organisation_for_audience(audience, installer=installer)
    return organisation_for_audience(audience)


@pytest.mark.parametrize(("version", "audience", "case_type", "reason", "expected"), TABLE)
def test_eligibility_table(
    loaded_policies, upstream, installer, version, audience, case_type, reason, expected
):
    organisation = organisation_with_referrals(audience, upstream, installer)

    decision = eligibility_for(
        organisation=organisation, case_type=case_type, reason=reason, policy=version_of(version)
    )

    assert decision.outcome == expected
    assert decision.allowed is (expected == Outcome.ALLOWED)
    assert decision.policy_version == version
    if expected == Outcome.REFER_UPSTREAM:
        assert decision.contact == contact_of(upstream)
    elif expected == Outcome.REFER_INSTALLER:
        assert decision.contact == contact_of(installer)


def _names_the_bronze_exceptions(limited_to: tuple[str, ...]) -> bool:
    texts = [text.lower() for text in limited_to]
    wanted = [
        lambda t: "cloud pbx" in t and "unreachable" in t,
        lambda t: "password" in t and "reset" in t,
        lambda t: "classound" in t and "outage" in t,
    ]
    return len(texts) == 3 and all(sum(map(match, texts)) == 1 for match in wanted)


@pytest.mark.parametrize(
    ("case_type", "reason"),
    [
        ("tech_support", "call-quality"),
        ("tech_support", None),
        ("customer_care", "billing"),
        ("customer_care", "classound"),
        ("feature_request", "new-feature"),
    ],
)
def test_bronze_2026_referral_lists_what_it_may_still_open(
    loaded_policies, upstream, case_type, reason
):
    bronze = organisation_for_audience("bronze", upstream_partner=upstream)

    decision = eligibility_for(
        organisation=bronze, case_type=case_type, reason=reason, policy=version_of("2026-03")
    )

    assert decision.outcome == Outcome.REFER_UPSTREAM
    assert decision.contact.name == "Hudson Upstream Inc."
    assert decision.contact.email == "help@hudson-upstream.test"
    assert decision.contact.phone == "+1 212 555 0199"
    assert _names_the_bronze_exceptions(decision.limited_to), decision.limited_to


@pytest.mark.parametrize("version", ["2022-04", "2023-10"])
def test_bronze_before_2026_has_no_exceptions(loaded_policies, upstream, version):
    bronze = organisation_for_audience("bronze", upstream_partner=upstream)

    for reason in BRONZE_EXCEPTIONS:
        decision = eligibility_for(
            organisation=bronze, case_type="technical", reason=reason, policy=version_of(version)
        )
        assert decision.outcome == Outcome.REFER_UPSTREAM, reason
        assert decision.limited_to == ()


@pytest.mark.parametrize("version", VERSIONS)
def test_reseller_is_referred_for_technical_support(loaded_policies, upstream, version):
    reseller = organisation_for_audience("reseller", upstream_partner=upstream)

    decision = eligibility_for(
        organisation=reseller,
        case_type=TECHNICAL[version],
        reason="password-reset",
        policy=version_of(version),
    )

    assert decision.outcome == Outcome.REFER_UPSTREAM
    assert decision.contact == contact_of(upstream)
    assert decision.limited_to == ()


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("audience", ["bronze", "reseller"])
def test_referral_without_an_upstream_partner_has_no_contact(loaded_policies, version, audience):
    organisation = organisation_for_audience(audience)

    decision = eligibility_for(
        organisation=organisation,
        case_type=TECHNICAL[version],
        reason="call-quality",
        policy=version_of(version),
    )

    assert decision.outcome == Outcome.REFER_UPSTREAM
    assert decision.contact is None


@pytest.mark.parametrize("version", VERSIONS)
def test_end_customer_without_installer_has_no_contact(loaded_policies, version):
    customer = organisation_for_audience("end_customer")

    decision = eligibility_for(
        organisation=customer,
        case_type=TECHNICAL[version],
        reason="call-quality",
        policy=version_of(version),
    )

    assert decision.outcome == Outcome.REFER_INSTALLER
    assert decision.contact is None


def test_end_customer_installed_by_a_reseller_is_sent_to_that_reseller(loaded_policies):
    reseller = OrganisationFactory(
        reseller=True, name="Prairie Installers Co.", contact_email="desk@prairie.test"
    )
    customer = organisation_for_audience("end_customer", installer=reseller)

    decision = eligibility_for(
        organisation=customer, case_type="tech_support", reason=None, policy=version_of("2026-03")
    )

    assert decision.outcome == Outcome.REFER_INSTALLER
    assert decision.contact == contact_of(reseller)


def test_the_version_in_force_decides_not_the_latest(loaded_policies, upstream):
    """A Bronze partner's password reset: referred in 2025, direct from March 2026 (the
    version its calendar has in force, ``sla.selectors.policy_in_force_for``)."""
    bronze = organisation_for_audience("bronze", upstream_partner=upstream)
    rome = ZoneInfo("Europe/Rome")

    before = eligibility_for(
        organisation=bronze,
        case_type="technical",
        reason="password-reset",
        policy=policy_in_force_for(
            region=bronze.region, at=datetime(2026, 2, 28, 23, 59, tzinfo=rome)
        ),
    )
    after = eligibility_for(
        organisation=bronze,
        case_type="tech_support",
        reason="password-reset",
        policy=policy_in_force_for(
            region=bronze.region, at=datetime(2026, 3, 1, 0, 0, tzinfo=rome)
        ),
    )

    assert (before.policy_version, before.outcome) == ("2023-10", Outcome.REFER_UPSTREAM)
    assert (after.policy_version, after.outcome) == ("2026-03", Outcome.ALLOWED)


def test_unknown_case_type_raises(loaded_policies):
    gold = organisation_for_audience("gold")

    with pytest.raises(CaseType.DoesNotExist):
        eligibility_for(
            organisation=gold, case_type="no-such-type", reason=None, policy=version_of("2026-03")
        )


def test_case_type_of_another_version_is_unknown(loaded_policies):
    gold = organisation_for_audience("gold")

    with pytest.raises(CaseType.DoesNotExist):
        eligibility_for(
            organisation=gold, case_type="tech_support", reason=None, policy=version_of("2022-04")
        )


def test_unknown_reason_raises(loaded_policies):
    gold = organisation_for_audience("gold")

    with pytest.raises(CaseReason.DoesNotExist):
        eligibility_for(
            organisation=gold,
            case_type="tech_support",
            reason="no-such-reason",
            policy=version_of("2026-03"),
        )


# --- The pure rule ------------------------------------------------------------------------

contacts = st.builds(
    Contact,
    name=st.text(min_size=1, max_size=30),
    email=st.emails(),
    phone=st.text(max_size=20),
)
optional_contacts = st.none() | contacts
reason_ids = st.integers(min_value=1, max_value=40)
reason_sets = st.frozensets(reason_ids, max_size=6)
versions = st.sampled_from(VERSIONS)
names = st.lists(st.text(min_size=1, max_size=20), max_size=4).map(tuple)


@given(
    version=versions,
    reason=st.none() | reason_ids,
    allowed=reason_sets,
    upstream=optional_contacts,
    installer=optional_contacts,
)
def test_direct_access_is_always_allowed(version, reason, allowed, upstream, installer):
    decision = decide(
        policy_version=version,
        access=Access.DIRECT,
        reason=reason,
        allowed_reasons=allowed,
        upstream=upstream,
        installer=installer,
    )

    assert decision.allowed
    assert decision.outcome == Outcome.ALLOWED
    assert decision.policy_version == version


@given(
    version=versions,
    reason=st.none() | reason_ids,
    allowed=reason_sets,
    upstream=optional_contacts,
    installer=optional_contacts,
)
def test_installer_access_is_never_allowed_and_points_to_the_installer(
    version, reason, allowed, upstream, installer
):
    decision = decide(
        policy_version=version,
        access=Access.INSTALLER,
        reason=reason,
        allowed_reasons=allowed,
        upstream=upstream,
        installer=installer,
    )

    assert not decision.allowed
    assert decision.outcome == Outcome.REFER_INSTALLER
    assert decision.contact == installer
    assert decision.policy_version == version


@given(
    version=versions,
    reason=st.none() | reason_ids,
    allowed=reason_sets,
    allowed_names=names,
    upstream=optional_contacts,
    installer=optional_contacts,
)
def test_limited_access_is_allowed_exactly_for_the_listed_reasons(
    version, reason, allowed, allowed_names, upstream, installer
):
    decision = decide(
        policy_version=version,
        access=Access.LIMITED,
        reason=reason,
        allowed_reasons=allowed,
        allowed_reason_names=allowed_names,
        upstream=upstream,
        installer=installer,
    )

    assert decision.allowed is (reason is not None and reason in allowed)
    if not decision.allowed:
        assert decision.outcome == Outcome.REFER_UPSTREAM
        assert decision.contact == upstream
        assert decision.limited_to == allowed_names


@given(
    version=versions,
    reason=st.none() | reason_ids,
    allowed=reason_sets,
    upstream=optional_contacts,
    installer=optional_contacts,
)
def test_upstream_access_is_never_allowed_and_points_upstream(
    version, reason, allowed, upstream, installer
):
    decision = decide(
        policy_version=version,
        access=Access.UPSTREAM,
        reason=reason,
        allowed_reasons=allowed,
        upstream=upstream,
        installer=installer,
    )

    assert not decision.allowed
    assert decision.outcome == Outcome.REFER_UPSTREAM
    assert decision.contact == upstream


@given(
    version=versions,
    access=st.sampled_from(list(Access)),
    reason=st.none() | reason_ids,
    allowed=reason_sets,
    upstream=optional_contacts,
    installer=optional_contacts,
)
def test_a_referral_names_the_contact_of_where_it_refers(
    version, access, reason, allowed, upstream, installer
):
    decision = decide(
        policy_version=version,
        access=access,
        reason=reason,
        allowed_reasons=allowed,
        upstream=upstream,
        installer=installer,
    )

    expected_contact = {
        eligibility.Outcome.ALLOWED: None,
        eligibility.Outcome.REFER_UPSTREAM: upstream,
        eligibility.Outcome.REFER_INSTALLER: installer,
    }[decision.outcome]
    assert decision.contact == expected_contact
    if decision.outcome != Outcome.REFER_UPSTREAM or access != Access.LIMITED:
        assert decision.limited_to == ()
