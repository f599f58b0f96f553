"""The NOC board: a page that refreshes itself, a fragment it polls, the out-of-hours
triage (confirm Critical or downgrade to Standard, always with a reason) and investigation of
every other new technical case (confirm Critical or leave it Standard, with a reason), and
the review of monitoring alerts that matched no PBX.

With HTMX a triage answers with the refreshed board sections; without it, the whole page.
A refused triage comes back with the error beside its row and the reason still typed.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.converters import as_id
from core.forms import apply_errors
from desk.actions.status import ticket_change_cos
from partners.access import role_required
from partners.roles import Role
from sla import board as noc
from sla import services as sla_services
from tickets.models import Ticket
from tickets.selectors import ticket_for

CRITICAL, STANDARD = Ticket.ClassOfService.CRITICAL, Ticket.ClassOfService.STANDARD


class TriageForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(CRITICAL, "Confirm Critical"), (STANDARD, "Standard")],
        error_messages={
            "required": "Choose Confirm Critical, or Standard (downgrade or leave it)."
        },
    )
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Give a reason: it goes on the case's timeline."},
    )
    # Only for a case extended support does not cover, to confirm Critical anyway.
    override_reason = forms.CharField(
        max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, ticket_pk: int, **kwargs):
        super().__init__(*args, auto_id=f"triage-{ticket_pk}-%s", **kwargs)
        self.ticket_pk = ticket_pk


def _is_wall(request) -> bool:
    return request.GET.get("wall") == "1"


def _board_context(request, *, failed: TriageForm | None = None, notice: tuple = ()) -> dict:
    limit = noc.WALL_SECTION_LIMIT if _is_wall(request) else None
    board = noc.board_for(user=request.user, now=timezone.now(), limit=limit)
    triage_rows = [
        (
            row,
            failed
            if failed is not None and failed.ticket_pk == row.ticket.pk
            else TriageForm(ticket_pk=row.ticket.pk),
        )
        for row in board.triage.rows
    ]
    shown = {row.ticket.pk for row in board.triage.rows}
    return {
        "board": board,
        "now": board.now,
        "triage_rows": triage_rows,
        # An error for a case no longer listed still has to be seen.
        "failed_elsewhere": failed
        if failed is not None and failed.ticket_pk not in shown
        else None,
        "notice": notice,
        "wall": _is_wall(request),
    }


def _render_board(request, context: dict):
    if request.htmx:
        return render(request, "sla/_board_sections.html", context)
    template = "sla/_wall_base.html" if context["wall"] else "base.html"
    return render(request, "sla/noc_board.html", {**context, "base_template": template})


@role_required(Role.NOC)
@require_GET
def noc_board(request):
    return _render_board(request, _board_context(request))


@role_required(Role.NOC)
@require_GET
def noc_board_sections(request):
    """What the board polls: its sections, fresh."""
    return render(request, "sla/_board_sections.html", _board_context(request))


@role_required(Role.NOC)
@require_POST
def noc_triage(request, pk: int):
    try:
        ticket = ticket_for(user=request.user, pk=pk)
    except Ticket.DoesNotExist:
        raise Http404("No such case.") from None
    form = TriageForm(request.POST, ticket_pk=ticket.pk)
    if form.is_valid():
        if not noc.awaiting_triage(ticket):
            return _done(
                request,
                "warning",
                f"{ticket.number} is no longer awaiting triage: someone has decided already. "
                "Nothing was changed; its case page shows the decision.",
            )
        decision = form.cleaned_data["decision"]
        try:
            was = ticket.cos
            ticket_change_cos(
                ticket=ticket,
                actor=request.user,
                cos=decision,
                reason=form.cleaned_data["reason"],
                override_reason=form.cleaned_data["override_reason"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied:
            form.add_error(None, "You may not change the class of service of this case.")
        else:
            if decision == CRITICAL:
                text = f"{ticket.number} confirmed as Critical."
            elif was == STANDARD:
                text = f"{ticket.number} left as Standard; its investigation is done."
            else:
                text = f"{ticket.number} downgraded to Standard; its response time is recomputed."
            return _done(request, "success", text)
    return _render_board(request, _board_context(request, failed=form))


@role_required(Role.NOC)
@require_POST
def noc_alert_reviewed(request):
    """Mark the posted alerts reviewed: one row's button sends its alert, "Mark all reviewed"
    the alerts the engineer saw listed (never any that arrived since)."""
    alert_ids = {as_id(value) for value in request.POST.getlist("alert")} - {None}
    if not alert_ids:
        return _done(request, "warning", "No alert was chosen; nothing was changed.")
    marked = sla_services.alerts_mark_reviewed(alert_ids=alert_ids, actor=request.user)
    if marked == 0:
        return _done(
            request,
            "warning",
            "Nothing was changed: "
            + ("this alert is" if len(alert_ids) == 1 else "these alerts are")
            + " no longer waiting for review.",
        )
    text = "Alert marked reviewed." if marked == 1 else f"{marked} alerts marked reviewed."
    if marked < len(alert_ids):
        text += f" {len(alert_ids) - marked} had been reviewed already."
    return _done(request, "success", text)


def _done(request, level: str, text: str):
    if request.htmx:
        return _render_board(request, _board_context(request, notice=(level, text)))
    messages.add_message(
        request, messages.SUCCESS if level == "success" else messages.WARNING, text
    )
    return redirect("sla:noc_board")
