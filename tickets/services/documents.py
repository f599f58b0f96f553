"""Documents staff ask the partner for on a case (terms 7.9.2), the partner's uploads
against each item, the reminders, and the partner's non-responsiveness once the due date
has passed; the activation date of a CLASSOUND case (7.9.1).

When a request is due and when it is reminded is decided when it is made
(``tickets.document_dates``, by the use case in ``desk.actions.documents``) and stored on
it. A beat sweep (``documents_sweep``, every minute) acts on what has come due: it locks
the rows it takes (``select_for_update(skip_locked=True)``, so two sweeps never take the
same one) and each step is a conditional UPDATE on the step's marker field
(``reminded_first_at``, ``reminded_last_at``, ``non_responsive_at``) in the transaction that
writes its timeline event, notices and e-mails: whoever runs it, it happens exactly once.

Non-responsiveness is recorded at the due instant itself (as an SLA breach is), on the
case's timeline for staff; the partner sees the request marked overdue and is e-mailed.
Organisations have no account manager in the desk, so the notice goes to the people who
act for the vendor on the case: whoever asked for the documents, the case's assignee, and
the team leads.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q

from partners.models import User
from partners.roles import Role
from partners.selectors import staff_with_role
from tickets import document_mail, notifications
from tickets.events import iso, record
from tickets.models import DocumentItem, DocumentRequest, Notification, Ticket
from tickets.services.attachments import attachments_save, attachments_validate
from tickets.services.outbox import email_queue

State = DocumentRequest.State

MAX_ITEMS = 20
SWEEP_BATCH = 200
REMINDERS = ("first", "last")


@dataclass(frozen=True)
class ItemSpec:
    kind: str
    label: str = ""  # defaults to the kind's name; required for "other"
    note: str = ""


def is_classound(ticket: Ticket) -> bool:
    """A case about CLASSOUND (activation, porting, outage): its reason says so."""
    return bool(ticket.reason_id and ticket.reason.code.startswith("classound"))


def _missing(request: DocumentRequest) -> list[str]:
    return [item.label for item in request.items.all() if not item.is_fulfilled]


def _mail(kind: str, request: DocumentRequest) -> None:
    email = document_mail.build(kind, request, missing=_missing(request))
    if email is not None:
        email_queue(email, kind=kind, ticket=request.ticket)


def _clean_items(items: list[ItemSpec]) -> list[DocumentItem]:
    if not items:
        raise ValidationError({"items": "Ask for at least one document."})
    if len(items) > MAX_ITEMS:
        raise ValidationError({"items": f"Ask for at most {MAX_ITEMS} documents at a time."})
    rows = []
    for spec in items:
        if spec.kind not in DocumentItem.Kind.values:
            raise ValidationError({"items": f"Unknown kind of document: {spec.kind}."})
        label = " ".join(spec.label.split())[:200]
        if spec.kind == DocumentItem.Kind.OTHER and not label:
            raise ValidationError({"items": "Say which document you need under “Other”."})
        rows.append(
            DocumentItem(
                kind=spec.kind,
                label=label or DocumentItem.Kind(spec.kind).label,
                note=spec.note.strip()[:500],
            )
        )
    return rows


def document_request_create(
    *,
    ticket: Ticket,
    actor: User,
    due_date: date,
    due_at: datetime,
    reminders: dict[str, datetime],
    note: str,
    items: list[ItemSpec],
    now: datetime,
) -> DocumentRequest:
    """Ask the partner for ``items`` by ``due_date`` (ending at ``due_at``); the reminders
    go at the given instants. The partner is e-mailed and the timeline records it."""
    if ticket.is_closed:
        raise ValidationError({"due_date": "This case is closed."})
    if due_at <= now:
        raise ValidationError({"due_date": "The due date must be in the future."})
    rows = _clean_items(items)
    with transaction.atomic():
        request = DocumentRequest.objects.create(
            ticket=ticket,
            asked_by=actor,
            asked_at=now,
            due_date=due_date,
            due_at=due_at,
            note=note.strip(),
            remind_first_at=reminders.get("first"),
            remind_last_at=reminders.get("last"),
        )
        for row in rows:
            row.request = request
        DocumentItem.objects.bulk_create(rows)
        record(
            ticket,
            "documents_requested",
            actor=actor,
            public=True,
            at=now,
            request=request.pk,
            due_date=due_date.isoformat(),
            items=[row.label for row in rows],
        )
        _mail("documents_requested", request)
    return request


def document_upload(
    *, item: DocumentItem, user: User, upload: UploadedFile, now: datetime
) -> DocumentItem:
    """The partner's file for one item, checked like every attachment and kept on the case.
    A second upload replaces the first as the item's document (both stay on the case). Once
    every item has a document the request is received, on time or late: a late delivery
    does not undo the non-responsiveness recorded (7.9.3 (b) counts from when it comes)."""
    try:
        attachments_validate([upload])
    except ValidationError as error:
        raise ValidationError({"file": error.message_dict.get("attachments", [])}) from None
    with transaction.atomic():
        request = (
            DocumentRequest.objects.select_for_update()
            .select_related("ticket")
            .get(pk=item.request_id)
        )
        ticket = request.ticket
        if ticket.is_closed:
            raise ValidationError({"file": "This case is closed."})
        (attachment,) = attachments_save(
            ticket=ticket, message=None, files=[upload], uploaded_by=user
        )
        DocumentItem.objects.filter(pk=item.pk).update(attachment=attachment, fulfilled_at=now)
        record(
            ticket,
            "document_uploaded",
            actor=user,
            public=True,
            at=now,
            request=request.pk,
            label=item.label,
            file=attachment.original_name,
        )
        if request.state != State.RECEIVED and not _missing(request):
            DocumentRequest.objects.filter(pk=request.pk).update(
                state=State.RECEIVED, received_at=now
            )
            record(
                ticket,
                "documents_received",
                actor=user,
                public=True,
                at=now,
                request=request.pk,
                late=now >= request.due_at,
                items=[each.label for each in request.items.all()],
            )
    item.refresh_from_db()
    return item


# --- The timers ----------------------------------------------------------------------------


def _reminder_due(which: str, now: datetime) -> Q:
    """Still waiting, not reminded, its time come and the due instant not yet: a reminder
    found late after the due date passed is dropped, the overdue notice says it all."""
    return Q(
        state=State.OPEN,
        due_at__gt=now,
        **{f"remind_{which}_at__lte": now, f"reminded_{which}_at__isnull": True},
    )


def _overdue(now: datetime) -> Q:
    return Q(state=State.OPEN, due_at__lte=now, non_responsive_at__isnull=True)


def document_remind(*, request_id: int, which: str, now: datetime) -> bool:
    """Send the ``which`` reminder if it is due and nobody sent it yet. True when sent here."""
    with transaction.atomic():
        claimed = DocumentRequest.objects.filter(_reminder_due(which, now), pk=request_id).update(
            **{f"reminded_{which}_at": now}
        )
        if not claimed:
            return False
        request = DocumentRequest.objects.select_related(
            "ticket__requester", "ticket__organisation"
        ).get(pk=request_id)
        record(
            request.ticket,
            "documents_reminded",
            public=False,
            at=now,
            request=request.pk,
            reminder=which,
        )
        _mail("documents_reminder", request)
    return True


def document_mark_overdue(*, request_id: int, now: datetime) -> bool:
    """Record the partner non-responsive on a request whose due date has passed with
    documents missing; tell staff and the partner. True when recorded here."""
    with transaction.atomic():
        claimed = DocumentRequest.objects.filter(_overdue(now), pk=request_id).update(
            state=State.OVERDUE, non_responsive_at=F("due_at")
        )
        if not claimed:
            return False
        request = DocumentRequest.objects.select_related(
            "ticket__requester", "ticket__organisation", "ticket__assignee", "asked_by"
        ).get(pk=request_id)
        ticket = request.ticket
        missing = _missing(request)
        record(
            ticket,
            "partner_non_responsive",
            public=False,
            at=now,
            request=request.pk,
            due=iso(request.due_at),
            due_date=request.due_date.isoformat(),
            items=missing,
        )
        notifications.notify(
            [request.asked_by, ticket.assignee, *staff_with_role(Role.LEAD)],
            kind=Notification.Kind.DOCUMENTS_OVERDUE,
            ticket=ticket,
            title=f"{ticket.number} partner non-responsive: documents overdue",
            body=f"{ticket.organisation.name}: {ticket.subject}\nMissing: {', '.join(missing)}",
        )
        _mail("documents_overdue", request)
    return True


@dataclass(frozen=True)
class SweepResult:
    overdue: int
    reminded: int


def _take(query: Q) -> list[int]:
    """Ids of requests matching ``query``, locked for the caller's transaction; rows another
    sweep holds are skipped."""
    return list(
        DocumentRequest.objects.filter(query)
        .order_by("due_at", "pk")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )


def documents_sweep(*, now: datetime) -> SweepResult:
    """Record every request whose due date has passed, then send the reminders that are
    due (overdue first, so a request found late is not reminded after it passed)."""
    overdue = reminded = 0
    while True:
        with transaction.atomic():
            ids = _take(_overdue(now))
            overdue += sum(document_mark_overdue(request_id=pk, now=now) for pk in ids)
        if len(ids) < SWEEP_BATCH:
            break
    for which in REMINDERS:
        while True:
            with transaction.atomic():
                ids = _take(_reminder_due(which, now))
                reminded += sum(document_remind(request_id=pk, which=which, now=now) for pk in ids)
            if len(ids) < SWEEP_BATCH:
                break
    return SweepResult(overdue=overdue, reminded=reminded)


# --- Activation date (7.9.1) -----------------------------------------------------------------


def ticket_activation_date_set(
    *, ticket: Ticket, actor: User, activation_date: date | None
) -> Ticket:
    """Record (or clear) the date the vendor completed a CLASSOUND activation or porting:
    charges start on it (7.9.1). Only on a CLASSOUND case."""
    if not is_classound(ticket):
        raise ValidationError(
            {"activation_date": "An activation date is recorded only on a CLASSOUND case."}
        )
    if ticket.activation_date == activation_date:
        return ticket
    with transaction.atomic():
        ticket.activation_date = activation_date
        ticket.save(update_fields=["activation_date", "updated_at"])
        record(
            ticket,
            "activation_date_set",
            actor=actor,
            public=True,
            date=activation_date.isoformat() if activation_date else None,
        )
    return ticket
