"""Pages for partners: their organisation's cases, the case page with its conversation,
replies, closing and feedback, and attachment downloads.

Every case, message and file is fetched through ``tickets.selectors`` for the signed-in
user: another organisation's case is a 404, exactly like a missing one. The case page keeps
the files of the messages it shows (``desk.conversation``).
"""

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from availability.models import Incident
from availability.status import incidents_of_case
from desk.actions.reply import Reply, message_post
from desk.actions.status import ticket_set_status
from desk.conversation import conversation_of
from desk.documents_panel import DocumentsPanel, documents_panel
from desk.step_in import has_messages_from_support
from desk.support_line import support_line_now
from desk.views import intake
from entitlements.models import Intervention
from entitlements.selectors import interventions_for
from hwaas import selectors as hwaas_selectors
from hwaas.models import HardwareRequest
from partners import selectors as partner_selectors
from partners.access import role_required
from partners.roles import Role
from sla import display as sla_display
from sla import selectors as sla_selectors
from sla.calendars import business_calendar
from tickets import search, selectors, services, workflow
from tickets.errors import FeedbackNotAllowed, IllegalTransition, TicketClosed
from tickets.forms import (
    FILES_NOT_KEPT,
    CaseFilterForm,
    FeedbackForm,
    ReplyForm,
    case_type_filter_choices,
)
from tickets.models import (
    DocumentRequest,
    Feedback,
    Message,
    Ticket,
    format_number,
)
from tickets.services.documents import is_classound
from tickets.timeline import describe as timeline_in_words
from tickets.views import kb

CASES_PER_PAGE = 20


def _ticket_or_404(user, pk: int) -> Ticket:
    try:
        return selectors.ticket_for(user=user, pk=pk)
    except Ticket.DoesNotExist:
        raise Http404("No such case.") from None


def _with_panels(cases: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """What the partner's case page reads with the case besides ``case_read``'s: its device
    and feedback, and whether it has any interventions, linked incidents, document requests
    or hardware request, so that the panels of a case without them cost no query."""
    return cases.select_related("device", "feedback").annotate(
        has_interventions=Exists(Intervention.objects.filter(ticket=OuterRef("pk"))),
        has_incidents=Exists(Incident.tickets.through.objects.filter(ticket=OuterRef("pk"))),
        has_document_requests=Exists(DocumentRequest.objects.filter(ticket=OuterRef("pk"))),
        has_hardware_request=Exists(HardwareRequest.objects.filter(ticket=OuterRef("pk"))),
    )


def _case_kind(ticket: Ticket) -> str:
    """The case's type, reason and categories, as the page names them: "Tech Support ·
    Call quality and dropped calls"."""
    parts = (ticket.case_type, ticket.reason, ticket.category, ticket.subcategory)
    return " · ".join(part.name for part in parts if part is not None)


def _own_case_or_404(user, pk: int) -> Ticket:
    """The organisation's own case, read for its page (``_with_panels``)."""
    try:
        return selectors.case_read(_with_panels(selectors.tickets_visible_to(user)), pk)
    except Ticket.DoesNotExist:
        raise Http404("No such case.") from None


def _readable_case_or_404(user, pk: int) -> Ticket:
    """The organisation's own case, or one of the end customers it installed, which it
    reads and answers (never closes or rates), read for its page (``_with_panels``)."""
    try:
        return selectors.partner_ticket_for(user=user, pk=pk, reading=_with_panels)
    except Ticket.DoesNotExist:
        raise Http404("No such case.") from None


# --- My cases ----------------------------------------------------------------------------


def _filtered_cases(user, form: CaseFilterForm):
    cases = selectors.tickets_visible_to(user).select_related("case_type", "reason")
    if form.is_valid():
        status = form.cleaned_data["status"]
        if status == "active":
            cases = cases.filter(status__in=[s.value for s in workflow.ACTIVE])
        elif status:
            cases = cases.filter(status=status)
        if form.cleaned_data["case_type"]:
            cases = cases.filter(case_type__code=form.cleaned_data["case_type"])
        cases = search.search_tickets(cases, form.cleaned_data["q"])
    return cases.order_by("-created_at", "-id")


@role_required(Role.PARTNER)
def my_cases(request):
    form = CaseFilterForm(request.GET, case_types=case_type_filter_choices())
    page = Paginator(_filtered_cases(request.user, form), CASES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    filtered = any(request.GET.get(name) for name in ("q", "status", "case_type"))
    context = {"form": form, "page": page, "filtered": filtered}
    if request.htmx and request.htmx.target == "case-list":
        return render(request, "tickets/partner/_case_list.html", context)

    organisation = request.user.organisation
    try:
        policy = sla_selectors.policy_in_force_for(region=organisation.region, at=timezone.now())
        overview = partner_selectors.support_overview(organisation=organisation, policy=policy)
    except partner_selectors.NoPolicyInForce:
        overview = None
    devices = partner_selectors.devices_visible_to(request.user).select_related("pbx")
    context.update({"organisation": organisation, "overview": overview, "devices": devices})
    context["has_customers"] = organisation.installed_customers.exists()
    context["has_messages_from_support"] = has_messages_from_support(organisation)
    return render(request, "tickets/my_cases.html", context)


# --- The case page -----------------------------------------------------------------------


def _feedback_of(ticket: Ticket) -> Feedback | None:
    try:
        return ticket.feedback
    except Feedback.DoesNotExist:
        return None


def _reach_us(ticket: Ticket, *, now) -> dict:
    """How else to reach support about this case: the phone line of the organisation's
    country for a Critical case (24/7, in English: 16.6–16.7), and the chat link while the
    region's support hours are open (17.7: chat only during support hours, and only once a
    case exists). Only while the case is active: a resolved or closed case has nothing left
    to chat about."""
    if ticket.status not in workflow.ACTIVE:
        return {"critical_line": None, "chat_line": None}
    critical = ticket.cos == Ticket.ClassOfService.CRITICAL
    hours_open = business_calendar(ticket.organisation.region).is_open(now)
    if not (critical or hours_open):
        return {"critical_line": None, "chat_line": None}
    line = support_line_now(ticket.organisation, now=now)
    return {
        "critical_line": line if critical and line and line.phone else None,
        "chat_line": line if hours_open and line and line.chat else None,
    }


def _render_case(
    request,
    ticket: Ticket,
    *,
    reply_form: ReplyForm | None = None,
    feedback_form: FeedbackForm | None = None,
    unsent_reply: str = "",
    status: int = 200,
):
    """The case page of ``ticket``, as read by ``_readable_case_or_404``."""
    user = request.user
    conversation, intake_files = conversation_of(user, ticket)
    timeline = timeline_in_words(list(selectors.events_visible_to(user, ticket)))
    feedback = _feedback_of(ticket)
    is_closed = ticket.status == workflow.Status.CLOSED
    is_resolved = ticket.status == workflow.Status.RESOLVED
    customer_case = selectors.is_customer_case(user, ticket)
    wants_feedback = feedback is None and (is_closed or is_resolved) and not customer_case
    # Partners see the promises made to them; triage and warnings are support's business.
    clocks = sla_display.clocks_for_viewer(
        ticket.clocks.filter(metric__in=sla_display.PARTNER_METRICS), internal=False
    )
    now, zone = timezone.now(), timezone.get_current_timezone()
    # An installed customer's case shows neither interventions nor documents.
    own_panels = not customer_case
    context = {
        "ticket": ticket,
        "case_kind": _case_kind(ticket),
        "follow_up_number": format_number(ticket.follow_up_of_id),
        "clocks": [sla_display.clock_display(clock, tz=zone, now=now) for clock in clocks],
        "conversation": conversation,
        "intake_files": intake_files,
        "timeline": timeline,
        "feedback": feedback,
        "is_closed": is_closed,
        "is_resolved": is_resolved,
        "reply_form": None if is_closed else (reply_form or ReplyForm()),
        "feedback_form": (feedback_form or FeedbackForm()) if wants_feedback else None,
        "unsent_reply": unsent_reply,
        "customer_case": customer_case,
        "interventions": (
            interventions_for(ticket) if own_panels and ticket.has_interventions else []
        ),
        "linked_incidents": (
            incidents_of_case(ticket, user=user, now=now) if ticket.has_incidents else []
        ),
        "documents": (
            documents_panel(ticket=ticket, tz=user.effective_time_zone, now=now, staff=False)
            if own_panels and ticket.has_document_requests
            else DocumentsPanel(rows=[], classound=is_classound(ticket))
        ),
        "hardware_request": (
            hwaas_selectors.request_of_case(ticket) if ticket.has_hardware_request else None
        ),
        "critical_label": (
            Ticket.CriticalCriterion(ticket.critical_criterion).label
            if ticket.critical_criterion in Ticket.CriticalCriterion.values
            else ""
        ),
        **_reach_us(ticket, now=now),
    }
    return render(request, "tickets/partner/case_detail.html", context, status=status)


@role_required(Role.PARTNER)
def case_detail(request, pk: int):
    return _render_case(request, _readable_case_or_404(request.user, pk))


@require_POST
@role_required(Role.PARTNER)
def case_reply(request, pk: int):
    ticket = _readable_case_or_404(request.user, pk)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            message_post(
                ticket=ticket,
                reply=Reply(
                    author=request.user,
                    body=form.cleaned_data["body"],
                    attachments=form.cleaned_data["attachments"],
                    channel=Message.Channel.WEB,
                ),
            )
        except TicketClosed:
            ticket = _readable_case_or_404(request.user, pk)
            messages.error(
                request,
                f"{ticket.number} is closed, so your reply was not added. Your text is below: "
                "copy it into a follow-up case.",
            )
            return _render_case(request, ticket, unsent_reply=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "Your reply has been added.")
            return redirect("tickets:case_detail", pk=ticket.pk)
    if request.FILES:
        form.add_error("attachments", FILES_NOT_KEPT)
    return _render_case(request, ticket, reply_form=form)


@require_POST
@role_required(Role.PARTNER)
def case_close(request, pk: int):
    ticket = _ticket_or_404(request.user, pk)
    try:
        ticket_set_status(ticket=ticket, actor=request.user, status=workflow.Status.CLOSED)
    except IllegalTransition:
        messages.error(request, "Only a resolved case can be closed.")
    else:
        messages.success(request, f"{ticket.number} is closed. Thank you.")
    return redirect("tickets:case_detail", pk=ticket.pk)


@require_POST
@role_required(Role.PARTNER)
def case_feedback(request, pk: int):
    ticket = _own_case_or_404(request.user, pk)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            services.feedback_give(
                ticket=ticket,
                author=request.user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except FeedbackNotAllowed as refusal:
            messages.error(request, str(refusal))
            return redirect("tickets:case_detail", pk=ticket.pk)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Thank you for your feedback.")
            return redirect("tickets:case_detail", pk=ticket.pk)
    return _render_case(request, ticket, feedback_form=form)


# --- Files -------------------------------------------------------------------------------


@login_required
def attachment_download(request, pk: int):
    """Any user who may see the attachment (partner of the case's organisation, for public
    files; support staff) gets it; everyone else a 404."""
    attachment = selectors.attachments_visible_to(request.user).filter(pk=pk).first()
    if attachment is None:
        raise Http404("No such file.")
    if settings.MEDIA_X_ACCEL_REDIRECT:
        return proxied_download(attachment)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is no longer stored.") from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


def proxied_download(attachment):
    """A stored file (an attachment, or a refused e-mail's file) as a download the reverse
    proxy sends from its internal location for MEDIA_ROOT (deploy/nginx.conf), so no web
    process is held while a client reads it. The caller has checked who may have it."""
    if not attachment.file.storage.exists(attachment.file.name):
        raise Http404("The file is no longer stored.")
    response = HttpResponse(content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(True, attachment.original_name)
    response["X-Accel-Redirect"] = settings.MEDIA_X_ACCEL_REDIRECT + quote(attachment.file.name)
    return response


urlpatterns = [
    path("cases/", my_cases, name="my_cases"),
    path("cases/new/", intake.case_new, name="case_new"),
    path("cases/new/options/", intake.intake_options, name="intake_options"),
    path("cases/new/devices/", intake.intake_devices, name="intake_devices"),
    path("cases/new/suggestions/", intake.kb_suggestions, name="kb_suggestions"),
    path("cases/new/response-time/", intake.intake_response_time, name="intake_response_time"),
    path("cases/<id:pk>/", case_detail, name="case_detail"),
    path("cases/<id:pk>/reply/", case_reply, name="case_reply"),
    path("cases/<id:pk>/close/", case_close, name="case_close"),
    path("cases/<id:pk>/feedback/", case_feedback, name="case_feedback"),
    path("attachments/<id:pk>/", attachment_download, name="attachment_download"),
    path("kb/<slug:slug>/", kb.article, name="article"),
    path("kb/<slug:slug>/solved/", kb.article_solved, name="article_solved"),
]
