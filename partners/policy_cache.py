"""The support policy's reference rows, read once and shared: every version of the terms,
its case taxonomy, its eligibility rules and its response targets. Nearly every page and
every case opened needs some of them, and they change only when ``load_policy`` runs or an
administrator edits them.

Where the rows come from, in order:

1. This connection's own uncommitted change. A transaction that wrote any of these rows
   reads them back from the database (once per write), never from or into the shared
   cache, so a change that is rolled back (a test's savepoint, a failed load) is never
   seen by anyone else.
2. This process's copy, while the shared generation stamp is the one it was read under.
3. The shared cache (Redis in production), stored with the generation stamp it belongs to.
4. The database, one query per part (versions, case types, reasons, categories, rules, what
   the rules list, response targets) read when first needed, stored back in the shared
   cache under the stamp read before it.

What invalidates it: saving or deleting any ``PolicyVersion``, ``CaseType``,
``CaseReason``, ``CaseCategory``, ``EligibilityRule`` or ``ResponseTarget`` through the
ORM, and changing a rule's reasons or case types (``m2m_changed``), give the generation a
new stamp once the change is committed (at once outside a transaction);
``policy_version_load`` (``manage.py load_policy``) and every ``migrate`` or ``flush``
(``post_migrate``) do too. A write that bypasses the ORM's signals (``bulk_create``,
``QuerySet.update``, raw SQL) must call ``policy_reference_forget`` itself.

A request reads the stamp once and keeps to it, so its reads agree with each other; its own
changes still show at once. A process that read the rows under an old stamp cannot store
them under the new one, so a read that races with a commit is never kept. Copies are kept
at most ``KEEP_SECONDS``, which bounds how long a change made while the shared cache was
unreachable can go unseen.
"""

import copy
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.core.cache import cache
from django.db import transaction
from django.db.models import Value

from partners.models import (
    CaseCategory,
    CaseReason,
    CaseType,
    EligibilityRule,
    PolicyVersion,
    ResponseTarget,
)

GENERATION_KEY = "partners:policy:generation"
KEEP_SECONDS = 300

# The models whose rows are kept here; a write to any of them is a change of the policy.
POLICY_MODELS = (PolicyVersion, CaseType, CaseReason, CaseCategory, EligibilityRule, ResponseTarget)


def _rule_lists() -> list[tuple[int, int, str]]:
    """(rule, case type or reason, "type" or "reason"): what each rule lists, in one query."""
    types = EligibilityRule.direct_case_types.through.objects.annotate(
        listed=Value("type")
    ).values_list("eligibilityrule_id", "casetype_id", "listed")
    reasons = EligibilityRule.allowed_reasons.through.objects.annotate(
        listed=Value("reason")
    ).values_list("eligibilityrule_id", "casereason_id", "listed")
    return list(types.union(reasons, all=True))


# Each part is read on its own the first time it is needed (one query each, so a page that
# needs only the versions reads only them), in its model's own order, so what is derived
# from it keeps that order.
_PARTS = {
    "versions": lambda: list(PolicyVersion.objects.all()),
    "case_types": lambda: list(CaseType.objects.all()),
    "reasons": lambda: list(CaseReason.objects.all()),
    "categories": lambda: list(CaseCategory.objects.all()),
    "rules": lambda: list(EligibilityRule.objects.all()),
    "rule_lists": _rule_lists,
    "targets": lambda: list(ResponseTarget.objects.all()),
}


def _part_key(name: str) -> str:
    return f"partners:policy:{name}"


@dataclass(frozen=True)
class RuleAccess:
    """One audience's eligibility rule under one version, as ``eligibility_for`` needs it."""

    access: str
    # (pk, name) of the case types it opens directly whatever its access, by position.
    direct_case_types: tuple[tuple[int, str], ...]
    # The reasons a limited rule allows, each with its case type, in the reasons' order.
    allowed_reasons: tuple[CaseReason, ...]


class PolicyReference:
    """The rows of every version, indexed for the questions asked of them, each part read
    when first needed. The model instances are shared: the lookups hand out copies of the
    ones a caller may keep (attach to a case, change); ``rule`` and ``targets`` give values
    to read only."""

    def __init__(self, generation: str | None) -> None:
        # None: read from the database only (this connection's uncommitted change).
        self._generation = generation
        self._parts: dict[str, object] = {}

    def _rows(self, name: str) -> list:
        generation = self._generation
        if generation:
            stored = cache.get(_part_key(name))
            if stored is not None and stored[0] == generation:
                return stored[1]
        rows = _PARTS[name]()
        if generation:
            cache.set(_part_key(name), (generation, rows), KEEP_SECONDS)
        return rows

    def _part(self, name: str):
        found = self._parts.get(name)
        if found is None:
            found = self._parts[name] = getattr(self, f"_build_{name}")(self._rows(name))
        return found

    def _build_versions(self, rows: list[PolicyVersion]):
        return {row.effective_from: row for row in rows}, {row.pk: row for row in rows}

    def _build_case_types(self, rows: list[CaseType]):
        _, versions = self._part("versions")
        by_code, of_policy = {}, defaultdict(list)
        for row in rows:
            _attach(row, "policy", versions.get(row.policy_id))
            by_code[row.policy_id, row.code] = row
            of_policy[row.policy_id].append(row)
        return {row.pk: row for row in rows}, by_code, of_policy

    def _build_reasons(self, rows: list[CaseReason]):
        case_types, _, _ = self._part("case_types")
        of_type = defaultdict(list)
        for row in rows:
            _attach(row, "case_type", case_types.get(row.case_type_id))
            of_type[row.case_type_id].append(row)
        return (
            {row.pk: row for row in rows},
            {(row.case_type_id, row.code): row for row in rows},
            of_type,
            rows,
        )

    def _build_categories(self, rows: list[CaseCategory]):
        reasons, _, _, _ = self._part("reasons")
        by_pk = {row.pk: row for row in rows}
        # Categories by reason, sub-categories by parent, as their unique constraints are.
        categories, subcategories = {}, {}
        of_reason, of_parent = defaultdict(list), defaultdict(list)
        for row in rows:
            _attach(row, "reason", reasons.get(row.reason_id))
            if row.parent_id:
                _attach(row, "parent", by_pk.get(row.parent_id))
                subcategories[row.parent_id, row.code] = row
                of_parent[row.parent_id].append(row)
            else:
                categories[row.reason_id, row.code] = row
                of_reason[row.reason_id].append(row)
        return categories, subcategories, of_reason, of_parent

    def _build_rules(self, rows: list[EligibilityRule]):
        return {(row.policy_id, row.audience): row for row in rows}

    def _build_rule_lists(self, rows: list[tuple[int, int, str]]):
        listed = defaultdict(set)
        for rule_id, pk, kind in rows:
            listed[rule_id, kind].add(pk)
        return listed

    def _build_targets(self, rows: list[ResponseTarget]):
        case_types, _, _ = self._part("case_types")
        reasons, _, _, _ = self._part("reasons")
        of_policy = defaultdict(list)
        for row in rows:
            if row.case_type_id:
                _attach(row, "case_type", case_types.get(row.case_type_id))
            if row.reason_id:
                _attach(row, "reason", reasons.get(row.reason_id))
            of_policy[row.policy_id].append(row)
        return of_policy

    @property
    def versions(self) -> dict[date, PolicyVersion]:
        """Every version by the date it takes effect. For reading only."""
        return self._part("versions")[0]

    def version(self, pk: int) -> PolicyVersion | None:
        return _copy(self._part("versions")[1].get(pk))

    def case_type(self, policy_id: int, code: str) -> CaseType | None:
        return _copy(self._part("case_types")[1].get((policy_id, code)))

    def case_types(self, policy_id: int) -> list[CaseType]:
        """The version's case types, in their model's order."""
        return [copy.copy(row) for row in self._part("case_types")[2].get(policy_id, [])]

    def reason(self, case_type_id: int, code: str) -> CaseReason | None:
        return _copy(self._part("reasons")[1].get((case_type_id, code)))

    def reasons_of(self, case_type_id: int) -> list[CaseReason]:
        """The case type's reasons, in their model's order."""
        return [copy.copy(row) for row in self._part("reasons")[2].get(case_type_id, [])]

    def has_reasons(self, case_type_id: int) -> bool:
        return bool(self._part("reasons")[2].get(case_type_id))

    def category(self, reason_id: int, code: str) -> CaseCategory | None:
        return _copy(self._part("categories")[0].get((reason_id, code)))

    def subcategory(self, parent_id: int, code: str) -> CaseCategory | None:
        return _copy(self._part("categories")[1].get((parent_id, code)))

    def categories_of(self, reason_id: int) -> list[CaseCategory]:
        """The reason's categories (not sub-categories), in their model's order."""
        return [copy.copy(row) for row in self._part("categories")[2].get(reason_id, [])]

    def subcategories_of(self, category_id: int) -> list[CaseCategory]:
        """The category's sub-categories, in their model's order."""
        return [copy.copy(row) for row in self._part("categories")[3].get(category_id, [])]

    def rule(self, policy_id: int, audience: str) -> RuleAccess | None:
        """The audience's rule; the case types and reasons it lists are read only for a rule
        that is not direct access (which opens everything)."""
        rule = self._part("rules").get((policy_id, audience))
        if rule is None:
            return None
        if rule.access == EligibilityRule.Access.DIRECT:
            return RuleAccess(access=rule.access, direct_case_types=(), allowed_reasons=())
        listed = self._part("rule_lists")
        types, reasons = listed[rule.pk, "type"], listed[rule.pk, "reason"]
        return RuleAccess(
            access=rule.access,
            direct_case_types=tuple(
                (row.pk, row.name)
                for row in self._part("case_types")[2].get(policy_id, [])
                if row.pk in types
            ),
            allowed_reasons=tuple(row for row in self._part("reasons")[3] if row.pk in reasons)
            if reasons
            else (),
        )

    def targets(self, policy_id: int) -> list[ResponseTarget]:
        """The version's response targets, in their model's order, with case type and
        reason attached. For reading only."""
        return self._part("targets").get(policy_id, [])


def _attach(row, field: str, related) -> None:
    # Parts are read at different moments: a row whose related row is not in the part read
    # earlier (a change committed in between) is left to read it when asked.
    if related is not None:
        setattr(row, field, related)


def _copy(row):
    return copy.copy(row) if row is not None else None


class _Uncommitted:
    """Policy rows written in a transaction still open, registered to run on its commit
    (a new stamp for everyone). Rolled back, Django drops it with the savepoint or
    transaction that registered it, and what it held with it."""

    def __init__(self) -> None:
        self.reference = PolicyReference(None)

    def __call__(self) -> None:
        _new_generation()


def _uncommitted(connection) -> list[tuple[set, _Uncommitted]]:
    # ``run_on_commit`` holds (savepoint ids, callback, robust) for what is still to run
    # on commit; Django removes the entries of a savepoint rolled back.
    return [
        (entry[0], entry[1])
        for entry in connection.run_on_commit
        if isinstance(entry[1], _Uncommitted)
    ]


_kept: tuple[str, float, PolicyReference] | None = None
# The stamp this thread's request read first: the rest of the request uses the same rows
# without asking the shared cache again (set between ``request_started`` and
# ``request_finished``, see ``partners.signals``).
_in_request = threading.local()


def request_started() -> None:
    _in_request.active = True
    _in_request.generation = None


def request_finished() -> None:
    _in_request.active = False
    _in_request.generation = None


def _new_generation() -> None:
    _in_request.generation = None
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def policy_reference_forget() -> None:
    """Record that policy rows changed: at once outside a transaction, else on commit;
    until then this connection reads its own change from the database."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _new_generation()
        return
    pending = _uncommitted(connection)
    for _, uncommitted in pending:
        uncommitted.reference = PolicyReference(None)
    here = set(connection.savepoint_ids)
    if not any(savepoints == here for savepoints, _ in pending):
        transaction.on_commit(_Uncommitted())


def policy_reference() -> PolicyReference:
    """Every version's reference rows (see the module's docstring for where they come
    from and what invalidates them)."""
    global _kept
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        pending = _uncommitted(connection)
        if pending:
            return pending[-1][1].reference
    generation = getattr(_in_request, "generation", None)
    if generation is None:
        generation = cache.get(GENERATION_KEY)
        if generation is None:
            cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
            generation = cache.get(GENERATION_KEY)
        if generation is None:
            # The shared cache is unreachable: nothing is kept.
            return PolicyReference(None)
        if getattr(_in_request, "active", False):
            _in_request.generation = generation
    now = time.monotonic()
    kept = _kept
    if kept is not None and kept[0] == generation and now - kept[1] < KEEP_SECONDS:
        return kept[2]
    reference = PolicyReference(generation)
    _kept = (generation, now, reference)
    return reference
