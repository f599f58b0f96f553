"""The documents panel of a case page, staff's and the partner's: the requests with their
checklists, and (staff) the forms to ask for more and to record a CLASSOUND activation
date."""

from dataclasses import dataclass
from datetime import datetime

from django import forms

from tickets.document_forms import ActivationDateForm, DocumentRequestForm
from tickets.document_mail import due_words
from tickets.models import DocumentItem, DocumentRequest, Ticket
from tickets.selectors import document_requests_with_items
from tickets.services.documents import is_classound


@dataclass(frozen=True)
class RequestRow:
    request: DocumentRequest
    items: list[DocumentItem]
    due: str  # "by the end of Thu 12 Mar 2026", in the reader's zone
    overdue: bool  # the due date has passed with documents missing

    @property
    def done(self) -> int:
        return sum(1 for item in self.items if item.is_fulfilled)


@dataclass(frozen=True)
class DocumentsPanel:
    rows: list[RequestRow]
    classound: bool
    request_form: DocumentRequestForm | None = None  # staff only
    activation_form: ActivationDateForm | None = None  # staff, on a CLASSOUND case

    @property
    def open_rows(self) -> list[RequestRow]:
        return [row for row in self.rows if row.request.state != DocumentRequest.State.RECEIVED]


def documents_panel(
    *, ticket: Ticket, tz: str, now: datetime, staff: bool, bound: forms.Form | None = None
) -> DocumentsPanel:
    # The staff case page's read of the case knows whether any were asked for.
    asked = getattr(ticket, "has_document_requests", True)
    rows = []
    for request, items in document_requests_with_items(ticket) if asked else []:
        missing = any(not item.is_fulfilled for item in items)
        rows.append(
            RequestRow(
                request=request,
                items=items,
                due=due_words(request, tz=tz),
                overdue=missing and (request.is_overdue or now >= request.due_at),
            )
        )
    classound = is_classound(ticket)
    if not staff:
        return DocumentsPanel(rows=rows, classound=classound)
    request_form = bound if isinstance(bound, DocumentRequestForm) else DocumentRequestForm()
    activation_form = None
    if classound:
        activation_form = (
            bound
            if isinstance(bound, ActivationDateForm)
            else ActivationDateForm(initial={"activation_date": ticket.activation_date})
        )
    return DocumentsPanel(
        rows=rows,
        classound=classound,
        request_form=request_form if not ticket.is_closed else None,
        activation_form=activation_form,
    )
