"""Asking a partner for documents on a case (terms 7.9.2): the due date and the reminders
are decided on the organisation's support calendar (``tickets.document_dates``), then the
request is written by ``tickets.services.documents``."""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError

from partners.models import User
from sla.calendars import business_calendar
from tickets import document_dates
from tickets.models import DocumentRequest, Ticket
from tickets.services import documents

# The furthest a due date may be set ahead.
LONGEST_WAIT = timedelta(days=366)


def documents_request(
    *,
    ticket: Ticket,
    actor: User,
    due_date: date,
    note: str,
    items: list[documents.ItemSpec],
    now: datetime,
) -> DocumentRequest:
    """Ask for ``items`` by the end of ``due_date`` in the partner's zone. Refused (field
    ``due_date``) when it leaves the partner less than one whole working day."""
    organisation = ticket.organisation
    calendar = business_calendar(organisation.region)
    zone = organisation.member_time_zone
    earliest = document_dates.earliest_due_date(now, calendar, zone)
    if due_date < earliest:
        raise ValidationError(
            {
                "due_date": "Give the partner at least one whole working day: the earliest "
                f"due date is {earliest:%a %-d %b %Y}."
            }
        )
    if due_date > (now + LONGEST_WAIT).date():
        raise ValidationError({"due_date": "Set a due date within a year."})
    due_at = document_dates.due_instant(due_date, zone)
    return documents.document_request_create(
        ticket=ticket,
        actor=actor,
        due_date=due_date,
        due_at=due_at,
        reminders=document_dates.reminder_times(
            asked_at=now, due_date=due_date, due_at=due_at, calendar=calendar
        ),
        note=note,
        items=items,
        now=now,
    )
