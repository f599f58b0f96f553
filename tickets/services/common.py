"""What the writes on a case share: the longest text a case or a message may hold, and the
lock on the case's row that a write holds until its transaction ends."""

from tickets.models import Ticket

MAX_BODY = 50_000


def ticket_lock(ticket: Ticket) -> Ticket:
    """The case's row, locked against other writes until the caller's transaction ends."""
    return Ticket.objects.select_for_update().get(pk=ticket.pk)
