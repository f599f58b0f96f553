"""Document requests on a case (terms 7.9): staff ask for documents and record a CLASSOUND
case's activation date on the staff case page; the partner uploads a document against each
item of the checklist on its case page.

A refusal comes back on the same page: staff get their form back with its errors; the
partner, whose file a browser cannot be given back, gets the reason above the checklist.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.forms import apply_errors
from desk.actions.documents import documents_request
from desk.views.staff import STAFF
from desk.views.staff_case import case_page
from partners.access import role_required
from partners.roles import Role
from tickets import selectors
from tickets.document_forms import ActivationDateForm, DocumentRequestForm, DocumentUploadForm
from tickets.models import DocumentItem, Ticket
from tickets.services import documents


def _ticket(request, pk: int) -> Ticket:
    try:
        return selectors.ticket_for(user=request.user, pk=pk)
    except Ticket.DoesNotExist:
        raise Http404("No such case.") from None


def _staff_documents(ticket: Ticket):
    return redirect(reverse("tickets:staff_case", args=[ticket.pk]) + "#documents")


@role_required(*STAFF)
@require_POST
def staff_documents_request(request, pk: int):
    ticket = _ticket(request, pk)
    form = DocumentRequestForm(request.POST)
    if form.is_valid():
        try:
            asked = documents_request(
                ticket=ticket,
                actor=request.user,
                due_date=form.cleaned_data["due_date"],
                note=form.cleaned_data["note"],
                items=form.items(),
                now=timezone.now(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            count = len(asked.items.all())
            noun = "document" if count == 1 else "documents"
            messages.success(request, f"Asked the partner for {count} {noun}.")
            return _staff_documents(ticket)
    return case_page(request, ticket, bound=form, status=400)


@role_required(*STAFF)
@require_POST
def staff_activation_date(request, pk: int):
    ticket = _ticket(request, pk)
    form = ActivationDateForm(request.POST)
    if form.is_valid():
        try:
            documents.ticket_activation_date_set(
                ticket=ticket,
                actor=request.user,
                activation_date=form.cleaned_data["activation_date"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Activation date saved.")
            return _staff_documents(ticket)
    return case_page(request, ticket, bound=form, status=400)


@require_POST
@role_required(Role.PARTNER)
def partner_document_upload(request, pk: int, item: int):
    try:
        ticket = selectors.ticket_for(user=request.user, pk=pk)
        document = selectors.document_item_for(ticket=ticket, pk=item)
    except (Ticket.DoesNotExist, DocumentItem.DoesNotExist):
        raise Http404("No such document request.") from None
    form = DocumentUploadForm(request.POST, request.FILES)
    target = reverse("tickets:case_detail", args=[ticket.pk]) + "#documents"
    if not form.is_valid():
        messages.error(request, f"{document.label}: choose the file to upload.")
        return redirect(target)
    try:
        documents.document_upload(
            item=document, user=request.user, upload=form.cleaned_data["file"], now=timezone.now()
        )
    except ValidationError as error:
        reasons = " ".join(error.message_dict.get("file", []) or error.messages)
        messages.error(request, f"{document.label} was not uploaded. {reasons}")
    else:
        messages.success(request, f"{document.label}: thank you, we have your document.")
    return redirect(target)


urlpatterns = [
    path(
        "staff/cases/<int:pk>/documents/",
        staff_documents_request,
        name="staff_documents_request",
    ),
    path(
        "staff/cases/<int:pk>/activation-date/",
        staff_activation_date,
        name="staff_activation_date",
    ),
    path(
        "cases/<id:pk>/documents/<id:item>/",
        partner_document_upload,
        name="document_upload",
    ),
]
