"""The life of a monthly credit, declared once. Pure: no Django.

A credit is computed as a draft, approved by billing and applied to an invoice. An approved
credit whose figures move goes back to draft; an applied one never changes (a later
correction is a new adjustment line). The values are those of ``Credit.State``.
"""

from core.transitions import Transitions

DRAFT, APPROVED, APPLIED = "draft", "approved", "applied"

CREDIT = Transitions(
    "credit",
    {
        DRAFT: frozenset({APPROVED}),
        APPROVED: frozenset({APPLIED, DRAFT}),
        APPLIED: frozenset(),
    },
)
