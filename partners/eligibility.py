"""Who may open a case directly, and who is referred elsewhere (terms, art. 15). Pure.

The caller looks up the audience's rule in the policy version in force and passes plain
values; ``decide`` returns the answer the intake shows before anything is saved.

A rule may also name case types its audience opens directly whatever its access
(``direct_case_types``). 15.2 sends Bronze partners and Resellers to their partner "for
technical support": under 2022-04 and 2023-10 both may still open Customer Care cases with
the vendor, and under 2026-03 a Reseller may. A Bronze partner under 2026-03 may not: 15.1
limits its every submission to the three listed kinds. Which types a rule names is data of
the version (``[eligibility]`` in ``partners/policy_data``).
"""

from collections.abc import Collection, Hashable
from dataclasses import dataclass
from enum import StrEnum


class Access(StrEnum):
    DIRECT = "direct"
    LIMITED = "limited"
    UPSTREAM = "upstream"
    INSTALLER = "installer"


class Outcome(StrEnum):
    ALLOWED = "allowed"
    REFER_UPSTREAM = "refer_upstream"
    REFER_INSTALLER = "refer_installer"


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    phone: str = ""


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    policy_version: str
    # Whom to turn to when referred; None when the organisation has no such contact on file.
    contact: Contact | None = None
    # With limited access: the case reasons the organisation may still open directly.
    limited_to: tuple[str, ...] = ()
    # When referred: the case types the organisation still opens directly (Customer Care).
    also_direct: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOWED


def decide(
    *,
    policy_version: str,
    access: Access,
    reason: Hashable | None,
    case_type: Hashable | None = None,
    direct_case_types: Collection[Hashable] = (),
    allowed_reasons: Collection[Hashable] = (),
    allowed_reason_names: tuple[str, ...] = (),
    direct_case_type_names: tuple[str, ...] = (),
    upstream: Contact | None = None,
    installer: Contact | None = None,
) -> Decision:
    if (
        access is Access.DIRECT
        or (case_type is not None and case_type in direct_case_types)
        or (access is Access.LIMITED and reason in allowed_reasons)
    ):
        return Decision(Outcome.ALLOWED, policy_version)
    if access is Access.INSTALLER:
        return Decision(
            Outcome.REFER_INSTALLER,
            policy_version,
            contact=installer,
            also_direct=direct_case_type_names,
        )
    limited_to = allowed_reason_names if access is Access.LIMITED else ()
    return Decision(
        Outcome.REFER_UPSTREAM,
        policy_version,
        contact=upstream,
        limited_to=limited_to,
        also_direct=direct_case_type_names,
    )
