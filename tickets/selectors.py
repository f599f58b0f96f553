"""Reads for cases, scoped by who asks. A partner sees its organisation's cases and only
their public side; support staff (agents, NOC, admins) see everything."""

from django.db.models import Q, QuerySet

from partners.models import User
from partners.roles import CASE_WORKERS, GROUP_NAMES, works_cases
from tickets.models import (
    Article,
    Attachment,
    Event,
    Message,
    RefusedMail,
    RefusedMailFile,
    Ticket,
)


def tickets_visible_to(user: User) -> QuerySet[Ticket]:
    if not user.is_authenticated:
        return Ticket.objects.none()
    if user.is_partner:
        return Ticket.objects.filter(organisation_id=user.organisation_id)
    if works_cases(user):
        return Ticket.objects.all()
    return Ticket.objects.none()


def ticket_for(*, user: User, pk: int) -> Ticket:
    """Raises Ticket.DoesNotExist for a missing case and for someone else's alike."""
    # Joined: what every page of a case shows. The rest is read by small queries of its
    # own: with a dozen joins, planning the query took thirty times as long as running it.
    return (
        tickets_visible_to(user)
        .select_related("organisation", "requester", "assignee", "case_type", "reason")
        .prefetch_related(
            "organisation__upstream_partner",
            "created_by",
            "policy",
            "category",
            "subcategory",
            "device",
            "follow_up_of",
        )
        .get(pk=pk)
    )


def messages_visible_to(user: User, ticket: Ticket) -> QuerySet[Message]:
    messages = ticket.messages.select_related("author").prefetch_related("attachments")
    if not works_cases(user):
        messages = messages.filter(visibility=Message.Visibility.PUBLIC)
    return messages


def attachments_visible_to(user: User) -> QuerySet[Attachment]:
    attachments = Attachment.objects.filter(ticket__in=tickets_visible_to(user))
    if not works_cases(user):
        attachments = attachments.filter(
            Q(message__isnull=True) | Q(message__visibility=Message.Visibility.PUBLIC)
        )
    return attachments


def events_visible_to(user: User, ticket: Ticket) -> QuerySet[Event]:
    events = ticket.events.select_related("actor")
    if not works_cases(user):
        events = events.filter(public=True)
    return events


def articles_published() -> QuerySet[Article]:
    return Article.objects.filter(is_published=True)


def staff_assignees() -> QuerySet[User]:
    """Active staff who work cases (agents, NOC engineers, admins): whom a case can go to."""
    groups = [GROUP_NAMES[role] for role in CASE_WORKERS]
    return (
        User.objects.filter(organisation__isnull=True, is_active=True)
        .filter(Q(groups__name__in=groups) | Q(is_superuser=True))
        .distinct()
        .order_by("full_name", "email")
    )


def refused_mail_visible_to(user: User) -> QuerySet[RefusedMail]:
    """The e-mails the mailbox refused: support staff only (they may hold anything a
    stranger wrote, so partners never see them)."""
    if not works_cases(user):
        return RefusedMail.objects.none()
    return RefusedMail.objects.all()


def refused_mail_list(user: User, *, handled: bool) -> QuerySet[RefusedMail]:
    """Waiting ones newest first; handled ones by when they were dealt with, latest first."""
    mails = refused_mail_visible_to(user).filter(handled_at__isnull=not handled)
    if handled:
        return mails.select_related("handled_by", "ticket").order_by("-handled_at", "-id")
    return mails.order_by("-received_at", "-id")


def refused_mail_for(*, user: User, pk: int) -> RefusedMail:
    """Raises RefusedMail.DoesNotExist for a missing one and a forbidden one alike."""
    return (
        refused_mail_visible_to(user)
        .select_related("handled_by", "ticket")
        .prefetch_related("files")
        .get(pk=pk)
    )


def refused_mail_files_visible_to(user: User) -> QuerySet[RefusedMailFile]:
    if not works_cases(user):
        return RefusedMailFile.objects.none()
    return RefusedMailFile.objects.all()
