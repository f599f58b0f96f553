"""Finding the case an e-mail answers, and the sender's account in its organisation."""

import re

from partners.models import User
from tickets import mail
from tickets.models import NUMBER_PREFIX, Ticket, parse_number

_CASE_IN_BRACKETS = re.compile(rf"\[\s*{re.escape(NUMBER_PREFIX)}(\d{{1,18}})\s*\]", re.I)
_CASE_ANYWHERE = re.compile(rf"(?<![A-Za-z0-9]){re.escape(NUMBER_PREFIX)}(\d{{1,18}})(?!\d)", re.I)


def case_pks_in(subject: str, referenced_ids: tuple[str, ...]) -> tuple[int, ...]:
    """Case numbers the mail points to, most trusted first: "[SD-000123]" in the subject,
    "SD-000123" anywhere in it, then Message-IDs of ours it answers."""
    found: list[int] = []
    for pattern in (_CASE_IN_BRACKETS, _CASE_ANYWHERE):
        found += [pk for pk in map(parse_number, pattern.findall(subject)) if pk]
    for message_id in reversed(referenced_ids):  # the latest answered first
        pk = mail.case_pk_from_message_id(message_id)
        if pk:
            found.append(pk)
    return tuple(dict.fromkeys(found))


def find_ticket(case_pks: tuple[int, ...]) -> Ticket | None:
    """The first of ``case_pks`` that is a case."""
    for pk in case_pks:
        ticket = Ticket.objects.select_related("organisation").filter(pk=pk).first()
        if ticket is not None:
            return ticket
    return None


def member_of(ticket: Ticket, address: str) -> User | None:
    """The active member of the case's organisation with this address, if any."""
    return User.objects.filter(
        email__iexact=address, is_active=True, organisation_id=ticket.organisation_id
    ).first()
