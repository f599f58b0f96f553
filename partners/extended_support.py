"""What the extended (24/7) support for Critical problems leaves out (16.5), read from the
taxonomy a case is filed under, and the sentences that tell a partner so.

The flag sits on a case reason or a category (``ExtendedSupportExclusion``). The most
specific flag wins: a sub-category's, else its category's, else the reason's; a row
without a flag takes its parent's.

The terms list the exclusions under extended support, but what they name (hardware
replacement and checks, connectivity checks, work that is planned ahead) is by nature
not an emergency in support hours either. The desk therefore refuses the Critical claim
for such a case at any hour, says so before the case is opened (so the partner is not
told later that the 30-minute promise never applied), and lets support staff confirm
Critical on it only with a recorded override reason.
"""

from partners.models import CaseCategory, CaseReason, ExtendedSupportExclusion

__all__ = ["ExtendedSupportExclusion", "exclusion_for", "refusal_text"]

# Why each kind of case is not taken as Critical, and what to do instead.
_REFUSALS = {
    ExtendedSupportExclusion.HARDWARE: (
        "Hardware replacements and checks on faulty hardware are not handled as Critical. "
        "Open the case as Standard; we will check the device in support hours."
    ),
    ExtendedSupportExclusion.CONNECTIVITY: (
        "Checks on the internet connection are not handled as Critical. Open the case as "
        "Standard, or ask your internet provider first."
    ),
    ExtendedSupportExclusion.PLANNED_WORK: (
        "Deployment questions, integration analysis and bug reports are planned work, not "
        "Critical. Open the case as Standard and we will plan it with you."
    ),
}

OPERATOR_NOT_CHECKED = (
    "Tell us whether the calls also drop with another operator: we can only take dropped "
    "calls as Critical once you have checked that."
)
OPERATOR_NOT_EXCLUDED = (
    "Dropped calls are Critical only when the operator is not the cause. Try the same calls "
    "with another operator first: if they drop there too, ask for Critical again; if not, "
    "contact the operator, or open the case as Standard."
)


def exclusion_for(
    reason: CaseReason | None,
    category: CaseCategory | None = None,
    subcategory: CaseCategory | None = None,
) -> str:
    """The exclusion that applies to a case filed under these rows ("" when covered)."""
    for row in (subcategory, category, reason):
        if row is not None and row.extended_support_exclusion:
            return row.extended_support_exclusion
    return ExtendedSupportExclusion.COVERED


def refusal_text(exclusion: str) -> str:
    """The sentence that refuses a Critical claim for a case with this exclusion."""
    return _REFUSALS[ExtendedSupportExclusion(exclusion)]
