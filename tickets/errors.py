"""Domain errors raised by ticket services; views and the API turn them into answers."""

from partners.eligibility import Decision


class TicketError(Exception):
    """Base for refusals that come from the rules, not from bad input."""


class NotEligible(TicketError):
    def __init__(self, decision: Decision):
        self.decision = decision
        super().__init__(f"Not eligible under policy {decision.policy_version}: {decision.outcome}")


class IllegalTransition(TicketError):
    def __init__(self, current: str, target: str):
        self.current, self.target = current, target
        super().__init__(f"A case cannot go from {current} to {target}.")


class TicketClosed(TicketError):
    """Closed cases take no more replies; open a follow-up case instead."""

    def __init__(self, ticket_number: str):
        self.ticket_number = ticket_number
        super().__init__(f"{ticket_number} is closed. Open a follow-up case that refers to it.")


class FeedbackNotAllowed(TicketError):
    pass
