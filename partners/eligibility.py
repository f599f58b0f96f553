"""Who may open a case directly, and who is referred elsewhere (terms, art. 15). Pure.

The caller looks up the audience's rule in the policy version in force and passes plain
values; ``decide`` returns the answer the intake shows before anything is saved.
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

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOWED


def decide(
    *,
    policy_version: str,
    access: Access,
    reason: Hashable | None,
    allowed_reasons: Collection[Hashable] = (),
    allowed_reason_names: tuple[str, ...] = (),
    upstream: Contact | None = None,
    installer: Contact | None = None,
) -> Decision:
    if access is Access.DIRECT or (access is Access.LIMITED and reason in allowed_reasons):
        return Decision(Outcome.ALLOWED, policy_version)
    if access is Access.INSTALLER:
        return Decision(Outcome.REFER_INSTALLER, policy_version, contact=installer)
    limited_to = allowed_reason_names if access is Access.LIMITED else ()
    return Decision(Outcome.REFER_UPSTREAM, policy_version, contact=upstream, limited_to=limited_to)
