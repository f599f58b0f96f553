"""Domain errors raised by ticket services; views and the API turn them into answers.

An illegal status move is the kernel's ``IllegalTransition`` (machine "case"), raised by
``tickets.workflow.CASE``; it is importable from here too.
"""

from core.errors import DomainError, IllegalTransition
from partners.eligibility import Decision

__all__ = [
    "FeedbackNotAllowed",
    "IllegalTransition",
    "NotEligible",
    "TicketClosed",
    "TicketError",
]


class TicketError(DomainError):
    """Base for the refusals of ticket services."""


class NotEligible(TicketError):
    def __init__(self, decision: Decision):
        self.decision = decision
        super().__init__(f"Not eligible under policy {decision.policy_version}: {decision.outcome}")


class TicketClosed(TicketError):
    """Closed cases take no more replies; open a follow-up case instead."""

    def __init__(self, ticket_number: str):
        self.ticket_number = ticket_number
        super().__init__(f"{ticket_number} is closed. Open a follow-up case that refers to it.")


class FeedbackNotAllowed(TicketError):
    pass
