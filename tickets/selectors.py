"""Reads for cases, scoped by who asks. A partner sees its organisation's cases and only
their public side; support staff (agents, NOC, admins) see everything."""

from collections.abc import Callable

from django.db.models import Prefetch, Q, QuerySet

from partners.models import User
from partners.policy_cache import policy_reference
from partners.roles import CASE_WORKERS, GROUP_NAMES, works_cases
from tickets.models import (
    Article,
    Attachment,
    DocumentItem,
    DocumentRequest,
    Event,
    Message,
    PartnerRequest,
    PartnerRequestFile,
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


# Read with the case itself: the organisation and the people every page of a case names.
# Who entered the case is nearly always its requester (``case_read``); the version of the
# terms, the case type, reason and categories come from the shared copy of the policy's rows
# (``_with_policy_rows``); what is seldom set (the organisation's upstream partner, the case
# it follows up, its device) is read when used, by a query of its own and only for the cases
# that have it.
CASE_RELATED = ("organisation", "requester", "assignee")


def case_read(cases: QuerySet[Ticket], pk: int) -> Ticket:
    """Case ``pk`` among ``cases`` with what every page of a case shows; raises
    Ticket.DoesNotExist when it is not among them.

    Every join makes PostgreSQL weigh more join orders before it runs the query: past half
    a dozen tables, planning took several times as long as a query of its own. So the case
    joins only the rows that differ from case to case, and is read without the LIMIT that
    ``get`` adds (a limit makes the planner weigh every order again for the first row); the
    primary key already makes it one row at most."""
    found = list(cases.select_related(*CASE_RELATED).filter(pk=pk).order_by())
    if not found:
        raise Ticket.DoesNotExist("No such case.")
    ticket = found[0]
    if ticket.created_by_id == ticket.requester_id:
        ticket.created_by = ticket.requester
    return _with_policy_rows(ticket)


def _with_policy_rows(ticket: Ticket) -> Ticket:
    """``ticket`` with its version of the terms, case type, reason and categories taken from
    the shared copy of the policy's rows (``partners.policy_cache``). One the copy does not
    hold is read from the database when first used, as it would be without it."""
    reference = policy_reference()
    if (policy := reference.version(ticket.policy_id)) is not None:
        ticket.policy = policy
    if case_type := _by_pk(reference.case_types(ticket.policy_id), ticket.case_type_id):
        ticket.case_type = case_type
    if ticket.reason_id is None:
        return ticket
    if reason := _by_pk(reference.reasons_of(ticket.case_type_id), ticket.reason_id):
        ticket.reason = reason
    if ticket.category_id is None:
        return ticket
    if category := _by_pk(reference.categories_of(ticket.reason_id), ticket.category_id):
        ticket.category = category
    if ticket.subcategory_id is None:
        return ticket
    if subcategory := _by_pk(reference.subcategories_of(ticket.category_id), ticket.subcategory_id):
        ticket.subcategory = subcategory
    return ticket


def _by_pk(rows: list, pk: int):
    return next((row for row in rows if row.pk == pk), None)


def ticket_for(*, user: User, pk: int) -> Ticket:
    """Raises Ticket.DoesNotExist for a missing case and for someone else's alike."""
    return case_read(tickets_visible_to(user), pk)


def messages_visible_to(user: User, ticket: Ticket) -> QuerySet[Message]:
    messages = ticket.messages.select_related("author").prefetch_related("attachments")
    if not works_cases(user):
        messages = messages.filter(visibility=Message.Visibility.PUBLIC)
    return messages


def attachments_visible_to(user: User) -> QuerySet[Attachment]:
    """Files of the cases the user sees; for a partner also those of its installed
    customers' cases (``customer_tickets_visible_to``), which it reads and answers."""
    if works_cases(user):
        # Every case: no need to ask the database which.
        return Attachment.objects.all()
    cases = Q(ticket__in=tickets_visible_to(user))
    if user.is_authenticated and user.is_partner:
        cases |= Q(ticket__in=customer_tickets_visible_to(user))
    return Attachment.objects.filter(cases).filter(
        Q(message__isnull=True) | Q(message__visibility=Message.Visibility.PUBLIC)
    )


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


# --- Requests handed on, and the cases of customers a partner installed -------------------


def partner_requests_received(user: User) -> QuerySet[PartnerRequest]:
    """Requests sent to the user's organisation (drafts are their author's alone), newest
    first."""
    if not user.is_authenticated or not user.is_partner:
        return PartnerRequest.objects.none()
    return (
        PartnerRequest.objects.filter(recipient_id=user.organisation_id)
        .exclude(status=PartnerRequest.Status.DRAFT)
        .order_by("-sent_at", "-id")
    )


def partner_requests_sent(user: User) -> QuerySet[PartnerRequest]:
    """Requests the user's organisation has sent on, newest first."""
    if not user.is_authenticated or not user.is_partner:
        return PartnerRequest.objects.none()
    return (
        PartnerRequest.objects.filter(sender_id=user.organisation_id)
        .exclude(status=PartnerRequest.Status.DRAFT)
        .order_by("-sent_at", "-id")
    )


def partner_requests_visible_to(user: User) -> QuerySet[PartnerRequest]:
    """What the user's organisation wrote (drafts included) or received (once sent).
    Support staff see none: the request is between the two organisations."""
    if not user.is_authenticated or not user.is_partner:
        return PartnerRequest.objects.none()
    organisation = user.organisation_id
    return PartnerRequest.objects.filter(
        Q(sender_id=organisation)
        | (Q(recipient_id=organisation) & ~Q(status=PartnerRequest.Status.DRAFT))
    )


def partner_request_for(*, user: User, pk: int) -> PartnerRequest:
    """Raises PartnerRequest.DoesNotExist for a missing request and someone else's alike."""
    return (
        partner_requests_visible_to(user)
        .select_related("sender", "recipient", "sent_by", "handled_by", "ticket")
        .prefetch_related("files")
        .get(pk=pk)
    )


def partner_request_files_visible_to(user: User) -> QuerySet[PartnerRequestFile]:
    return PartnerRequestFile.objects.filter(request__in=partner_requests_visible_to(user))


def customer_tickets_visible_to(user: User) -> QuerySet[Ticket]:
    """The cases of the end customers the user's organisation installed, and the
    monitoring cases filed under it about those customers' systems. Kept apart from
    ``tickets_visible_to`` (the organisation's own cases) on purpose: the installer reads
    and answers these on its customers' behalf, but it does not close them or give
    feedback, and their lists are shown apart."""
    if not user.is_authenticated or not user.is_partner:
        return Ticket.objects.none()
    organisation = user.organisation_id
    return Ticket.objects.filter(
        Q(organisation__installer_id=organisation)
        | Q(
            organisation_id=organisation,
            channel=Ticket.Channel.MONITORING,
            device__organisation__installer_id=organisation,
        )
    )


def partner_ticket_for(
    *,
    user: User,
    pk: int,
    reading: Callable[[QuerySet[Ticket]], QuerySet[Ticket]] | None = None,
) -> Ticket:
    """A case a partner may read and answer: its organisation's own, or one of its
    installed customers' (``customer_tickets_visible_to``). Raises Ticket.DoesNotExist for
    a missing case and for anyone else's alike. Staff get ``ticket_for``'s cases.

    ``reading`` adds to the scope what a page reads with the case (joins, annotations); the
    own cases are looked in first, one query for most cases."""
    scopes = [tickets_visible_to(user)]
    if user.is_authenticated and user.is_partner:
        scopes.append(customer_tickets_visible_to(user))
    for cases in scopes:
        try:
            return case_read(reading(cases) if reading else cases, pk)
        except Ticket.DoesNotExist:
            continue
    raise Ticket.DoesNotExist("No such case.")


def is_customer_case(user: User, ticket: Ticket) -> bool:
    """The case belongs to an end customer the user's organisation installed (not to the
    organisation itself)."""
    return bool(user.is_partner) and ticket.organisation_id != user.organisation_id


def document_requests_of(ticket: Ticket) -> QuerySet[DocumentRequest]:
    """The documents asked for on ``ticket`` (which the caller got through ``ticket_for``,
    so it is the reader's to see), with their items and files: three queries in all."""
    return ticket.document_requests.select_related("asked_by").prefetch_related(
        Prefetch("items", queryset=DocumentItem.objects.select_related("attachment"))
    )


def document_requests_with_items(
    ticket: Ticket,
) -> list[tuple[DocumentRequest, list[DocumentItem]]]:
    """The documents asked for on ``ticket`` (which the caller got through ``ticket_for``),
    oldest first, each with its items and their files: one query, read through the items.
    Every request has items (``document_request_create`` refuses an empty list, and items
    are only ever deleted with their request)."""
    items = (
        DocumentItem.objects.filter(request__ticket=ticket)
        .select_related("request__asked_by", "attachment")
        .order_by("request__asked_at", "request_id", "id")
    )
    found: dict[int, tuple[DocumentRequest, list[DocumentItem]]] = {}
    for item in items:
        request, its_items = found.setdefault(item.request_id, (item.request, []))
        request.ticket = ticket
        item.request = request
        its_items.append(item)
    return list(found.values())


def document_item_for(*, ticket: Ticket, pk: int) -> DocumentItem:
    """Raises DocumentItem.DoesNotExist for a missing item and one of another case alike."""
    return DocumentItem.objects.select_related("request").get(pk=pk, request__ticket=ticket)
