"""The terms' rows are cached (``partners.policy_cache``), and a change to them is seen at
once: by the process that made it, by every other one once it is committed, and by nobody
when it is rolled back."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection, transaction

from partners.models import EligibilityRule, PolicyVersion, ResponseTarget
from partners.selectors import eligibility_for, policy_in_force
from sla.selectors import target_rules
from tests.factories import OrganisationFactory

FAR_FUTURE = datetime(2095, 6, 1, tzinfo=UTC)
ZONE = "Europe/Rome"


class RolledBack(Exception):
    pass


def new_version(code: str = "2090-01", effective_from: date = date(2090, 1, 1)) -> PolicyVersion:
    """A version of the terms saved as the admin saves one: a copy of the latest, under a
    new code and date."""
    version = PolicyVersion.objects.order_by("-effective_from").first()
    version.pk, version.code, version.effective_from = None, code, effective_from
    version.save()
    return version


def in_another_process(read):
    """``read`` on a connection of its own, as another web process or worker would run it
    (it shares the cache, not this test's transaction)."""
    answer = {}

    def run():
        try:
            answer["value"] = read()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return answer["value"]


def code_in_force() -> str:
    return policy_in_force(FAR_FUTURE, zone=ZONE).code


def in_force_in_a_transaction_rolled_back(*version) -> str:
    """Save a new version in a transaction that is then rolled back; the version in force
    as that transaction saw it."""
    try:
        with transaction.atomic():
            new_version(*version)
            seen = code_in_force()
            raise RolledBack
    except RolledBack:
        return seen


def test_a_version_saved_is_in_force_at_once_and_gone_once_deleted(policies):
    assert code_in_force() == "2026-03"

    version = new_version()
    assert code_in_force() == "2090-01"

    version.delete()
    assert code_in_force() == "2026-03"


def test_a_version_saved_in_a_transaction_rolled_back_is_never_seen(policies):
    """As in a test module sharing its rows (``module_db``): each test is a savepoint, and
    what one test wrote and rolled back is not in the cache for the next."""
    assert code_in_force() == "2026-03"

    assert in_force_in_a_transaction_rolled_back() == "2090-01"

    assert code_in_force() == "2026-03"
    with transaction.atomic():
        assert code_in_force() == "2026-03"


def test_a_response_target_saved_or_deleted_changes_the_rules_at_once(policies):
    policy = policy_in_force(FAR_FUTURE, zone=ZONE)
    before = target_rules(policy)

    added = ResponseTarget.objects.create(
        policy=policy,
        metric=ResponseTarget.Metric.FIRST_RESPONSE,
        class_of_service=ResponseTarget.ClassOfService.CRITICAL,
        target=timedelta(minutes=7),
        calendar=ResponseTarget.Calendar.ALWAYS,
    )
    assert len(target_rules(policy)) == len(before) + 1
    assert timedelta(minutes=7) in {rule.target for rule in target_rules(policy.pk)}

    added.delete()
    assert target_rules(policy) == before


def test_a_case_type_listed_on_a_rule_opens_at_once(policies):
    """The rule's lists change with ``m2m_changed``, not a save of the rule."""
    policy = policy_in_force(FAR_FUTURE, zone=ZONE)
    bronze = OrganisationFactory(tier="bronze", upstream_partner=OrganisationFactory())
    ask = {"organisation": bronze, "case_type": "tech_support", "policy": policy}
    reason = "call-quality"  # not among the few a bronze partner opens directly
    assert not eligibility_for(**ask, reason=reason).allowed

    rule = EligibilityRule.objects.get(policy=policy, audience="bronze")
    rule.direct_case_types.add(policy.case_types.get(code="tech_support"))
    assert eligibility_for(**ask, reason=reason).allowed

    rule.direct_case_types.clear()
    assert not eligibility_for(**ask, reason=reason).allowed


@pytest.mark.django_db(transaction=True)
def test_other_processes_see_a_change_once_committed_and_never_one_rolled_back(policies):
    assert in_another_process(code_in_force) == code_in_force() == "2026-03"

    with transaction.atomic():
        new_version()
        assert code_in_force() == "2090-01"
        # Not committed yet: others read the terms as they are, and cache them.
        assert in_another_process(code_in_force) == "2026-03"
    assert in_another_process(code_in_force) == code_in_force() == "2090-01"

    assert in_force_in_a_transaction_rolled_back("2091-01", date(2091, 1, 1)) == "2091-01"
    assert in_another_process(code_in_force) == code_in_force() == "2090-01"

    PolicyVersion.objects.filter(code="2090-01").delete()
    assert in_another_process(code_in_force) == code_in_force() == "2026-03"
