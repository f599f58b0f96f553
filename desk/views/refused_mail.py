"""The e-mails the support mailbox refused (see ``desk.inbound``): a list for support
staff, and on each one the three ways to deal with it: open a case on the sender's
behalf, add it to an existing case, or discard it with a reason."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.converters import as_id
from core.forms import apply_errors
from core.paging import page_of, page_params, query_with
from desk.actions.open_case import CaseRequest
from desk.actions.refused_mail import (
    partner_users_for_sender,
    refused_mail_attach,
    refused_mail_open_case,
)
from desk.views.on_behalf import caller_search, open_for
from desk.views.partner import proxied_download
from desk.views.staff import STAFF
from partners import selectors as partner_selectors
from partners.access import role_required
from partners.models import User
from sla import selectors as sla_selectors
from tickets import selectors
from tickets.errors import TicketClosed
from tickets.models import RefusedMail, parse_number
from tickets.services.refused_mail import AlreadyHandled, refused_mail_mark_handled
from tickets.staff_forms import OnBehalfForm

HANDLED = "handled"


class AttachForm(forms.Form):
    case = forms.CharField(
        label="Case number",
        max_length=30,
        help_text="For example SD-000123. The e-mail is added as a message from its sender.",
    )

    def clean_case(self) -> int:
        pk = parse_number(self.cleaned_data["case"])
        if pk is None:
            raise ValidationError("Write a case number such as SD-000123.")
        return pk


class DiscardForm(forms.Form):
    note = forms.CharField(
        label="Why discard it",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why the e-mail is discarded."},
    )


def _mail_or_404(request, pk: int) -> RefusedMail:
    try:
        return selectors.refused_mail_for(user=request.user, pk=pk)
    except RefusedMail.DoesNotExist:
        raise Http404("No such e-mail.") from None


def _already_handled(request, error: AlreadyHandled):
    mail = error.mail
    messages.info(request, f"This e-mail was already dealt with: {mail.get_handling_display()}.")
    return redirect("tickets:refused_mail_detail", pk=mail.pk)


@role_required(*STAFF)
def refused_mail_list(request):
    handled = request.GET.get("tab") == HANDLED
    number, size = page_params(request.GET)
    page = page_of(
        selectors.refused_mail_list(request.user, handled=handled), number=number, size=size
    )
    return render(
        request,
        "tickets/staff/refused_mail_list.html",
        {
            "page": page,
            "handled": handled,
            "previous_query": query_with(request.GET, page=page.number - 1),
            "next_query": query_with(request.GET, page=page.number + 1),
        },
    )


def _render_detail(request, mail, *, attach_form=None, discard_form=None):
    return render(
        request,
        "tickets/staff/refused_mail_detail.html",
        {
            "mail": mail,
            "files": list(mail.files.all()),
            "attach_form": attach_form or AttachForm(),
            "discard_form": discard_form or DiscardForm(),
        },
    )


@role_required(*STAFF)
def refused_mail_detail(request, pk: int):
    return _render_detail(request, _mail_or_404(request, pk))


@role_required(*STAFF)
@require_POST
def refused_mail_attach_view(request, pk: int):
    mail = _mail_or_404(request, pk)
    form = AttachForm(request.POST)
    if form.is_valid():
        ticket = selectors.tickets_visible_to(request.user).filter(pk=form.cleaned_data["case"])
        ticket = ticket.select_related("organisation").first()
        if ticket is None:
            form.add_error("case", "There is no case with that number.")
        else:
            try:
                refused_mail_attach(mail=mail, actor=request.user, ticket=ticket)
            except AlreadyHandled as error:
                return _already_handled(request, error)
            except TicketClosed:
                form.add_error(
                    "case", f"{ticket.number} is closed; open a new case with the e-mail instead."
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, f"The e-mail was added to {ticket.number}.")
                return redirect("tickets:refused_mail_list")
    return _render_detail(request, mail, attach_form=form)


@role_required(*STAFF)
@require_POST
def refused_mail_discard(request, pk: int):
    mail = _mail_or_404(request, pk)
    form = DiscardForm(request.POST)
    if form.is_valid():
        try:
            refused_mail_mark_handled(
                mail=mail,
                actor=request.user,
                handling=RefusedMail.Handling.DISCARDED,
                note=form.cleaned_data["note"],
            )
        except AlreadyHandled as error:
            return _already_handled(request, error)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The e-mail was discarded.")
            return redirect("tickets:refused_mail_list")
    return _render_detail(request, mail, discard_form=form)


def _requester(request, mail: RefusedMail) -> User | None:
    """The partner user chosen on the page, else the one the sender's address names."""
    pk = as_id(request.POST.get("requester") or request.GET.get("requester"))
    if pk is not None:
        return (
            User.objects.filter(pk=pk, organisation__isnull=False, is_active=True)
            .select_related("organisation", "organisation__upstream_partner")
            .first()
        )
    if "who" in request.GET:  # staff are searching for someone else
        return None
    matches = list(partner_users_for_sender(mail)[:2])
    return matches[0] if len(matches) == 1 else None


@role_required(*STAFF)
def refused_mail_open(request, pk: int):
    """Opening a case from the e-mail through the same form as a case taken by phone, with
    the e-mail's subject and text filled in and its files carried over."""
    mail = _mail_or_404(request, pk)
    if mail.is_handled:
        messages.info(
            request, f"This e-mail was already dealt with: {mail.get_handling_display()}."
        )
        return redirect("tickets:refused_mail_detail", pk=mail.pk)
    requester = _requester(request, mail)
    if requester is None:
        return render(
            request,
            "tickets/staff/refused_mail_requester.html",
            {"mail": mail, **caller_search(request)},
        )
    try:
        policy = sla_selectors.policy_in_force_for(
            region=requester.organisation.region, at=timezone.now()
        )
    except partner_selectors.NoPolicyInForce:
        messages.error(request, "No version of the support terms is in force; ask an admin.")
        return redirect("tickets:refused_mail_detail", pk=mail.pk)

    if request.method == "POST":
        form = OnBehalfForm(request.POST, request.FILES, requester=requester, policy=policy)
    else:
        form = OnBehalfForm(
            requester=requester,
            policy=policy,
            initial={"subject": mail.subject[:200], "description": mail.text},
        )
    referral = None
    if request.method == "POST" and form.is_valid():
        fields = form.case_fields()
        fields.pop("phone_override_reason")  # a written request, not a call: not shown
        try:
            ticket, referral = open_for(
                form,
                lambda: refused_mail_open_case(
                    mail=mail,
                    actor=request.user,
                    request=CaseRequest(requester=requester, **fields),
                ),
            )
        except AlreadyHandled as error:
            return _already_handled(request, error)
        if ticket is not None:
            messages.success(
                request, f"{ticket.number} opened for {requester.get_full_name()} from the e-mail."
            )
            return redirect("tickets:staff_case", pk=ticket.pk)
    return render(
        request,
        "tickets/staff/refused_mail_open.html",
        {
            "mail": mail,
            "files": list(mail.files.all()),
            "form": form,
            "requester": requester,
            "referral": referral,
            "policy": policy,
        },
    )


@role_required(*STAFF)
def refused_mail_file(request, pk: int):
    kept = selectors.refused_mail_files_visible_to(request.user).filter(pk=pk).first()
    if kept is None:
        raise Http404("No such file.")
    if settings.MEDIA_X_ACCEL_REDIRECT:
        return proxied_download(kept)
    try:
        handle = kept.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is no longer stored.") from None
    return FileResponse(
        handle, as_attachment=True, filename=kept.original_name, content_type=kept.content_type
    )


urlpatterns = [
    path("staff/refused-mail/", refused_mail_list, name="refused_mail_list"),
    path("staff/refused-mail/<id:pk>/", refused_mail_detail, name="refused_mail_detail"),
    path("staff/refused-mail/<id:pk>/open/", refused_mail_open, name="refused_mail_open"),
    path(
        "staff/refused-mail/<id:pk>/attach/", refused_mail_attach_view, name="refused_mail_attach"
    ),
    path("staff/refused-mail/<id:pk>/discard/", refused_mail_discard, name="refused_mail_discard"),
    path("staff/refused-mail/files/<id:pk>/", refused_mail_file, name="refused_mail_file"),
]
