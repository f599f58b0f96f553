"""Applying a macro: its text with the case's values filled in, then on sending, the reply
plus the status and assignment the macro sets, in one transaction, through the same
services as a reply and a status change made by hand (so clocks, timeline and notices
behave exactly as they would)."""

from datetime import datetime

from django.db import transaction

from desk.actions.reply import Reply, message_post
from desk.actions.status import ticket_set_status
from partners.models import User
from sla import display
from tickets import services as ticket_services
from tickets.models import Macro, Message, Ticket
from tickets.placeholders import fill

# What ``{due_time}`` says when no clock the partner can see is still waiting.
NO_DUE_TIME = "not set"


def macro_values(*, ticket: Ticket, agent: User, now: datetime) -> dict[str, str]:
    """The placeholders' values for ``ticket``. The text goes to the partner, so the due
    time is written in the requester's zone, in the one wording of due times
    (``sla.display.clock_deadline_text``, built on ``core.formatting.deadline_text``),
    without "2 h ago" since it is read later."""
    waiting = [
        clock
        for clock in display.clocks_for_viewer(ticket.clocks.all(), internal=False)
        if clock.stopped_at is None
    ]
    due = NO_DUE_TIME
    if waiting:
        first = min(waiting, key=lambda clock: (clock.breach_at, clock.due_at))
        due = display.clock_deadline_text(
            first, tz=ticket.requester.effective_time_zone, now=now, relative=False
        )
    return {
        "partner_name": ticket.organisation.name,
        "requester_name": ticket.requester.get_full_name(),
        "case_number": ticket.number,
        "case_subject": ticket.subject,
        "due_time": due,
        "agent_name": agent.get_full_name(),
    }


def macro_text(*, macro: Macro, ticket: Ticket, agent: User, now: datetime) -> str:
    return fill(macro.body, macro_values(ticket=ticket, agent=agent, now=now))


def macro_effects(macro: Macro) -> list[str]:
    """What sending the macro does besides the reply, in words."""
    effects = []
    if macro.status:
        effects.append(f"status becomes {macro.get_status_display()}")
    if macro.assign == Macro.Assign.ME:
        effects.append("the case is assigned to you")
    elif macro.assign == Macro.Assign.NOBODY:
        effects.append("the case is unassigned")
    return effects


def reply_with_macro(*, ticket: Ticket, reply: Reply, macro: Macro | None) -> Message:
    """Post the reply, then make the macro's status change and assignment, all or nothing:
    a status the case cannot move to (``IllegalTransition``) leaves the reply unsent too,
    so the agent sees why with the text still in the box."""
    if macro is None:
        return message_post(ticket=ticket, reply=reply)
    actor = reply.author
    with transaction.atomic():
        message = message_post(ticket=ticket, reply=reply)
        if macro.status and ticket.status != macro.status:
            ticket_set_status(
                ticket=ticket, actor=actor, status=macro.status, note=f"Macro: {macro.name}"
            )
        if macro.assign:
            assignee = actor if macro.assign == Macro.Assign.ME else None
            ticket_services.ticket_assign(ticket=ticket, actor=actor, assignee=assignee)
    return message
