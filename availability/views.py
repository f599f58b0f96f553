"""Billing pages: a month's credits, their approval and application to invoices, the export.

Every change goes through ``availability.services``; a refusal comes back as a message on
the same page, with the ticks and invoice numbers typed still in place.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from availability import calc, selectors, services, tasks
from availability.models import Credit, Service
from core.converters import as_id
from core.csv import csv_lines
from core.formatting import count_text
from core.paging import page_of, query_with
from partners.access import role_required
from partners.models import Organisation, PolicyVersion
from partners.roles import Role

PAGE_SIZE = 50
MAX_PAGE = 2000


class CreditFilterForm(forms.Form):
    month = forms.CharField(
        label="Month",
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
        help_text="Credits are computed per calendar month.",
    )
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), required=False, empty_label="Any organisation"
    )
    service = forms.ModelChoiceField(
        queryset=Service.objects.all(), required=False, empty_label="Any service"
    )
    state = forms.ChoiceField(choices=[("", "Any state"), *Credit.State.choices], required=False)
    only_nonzero = forms.BooleanField(label="Only credits above zero", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only organisations that have ever subscribed can have a credit.
        self.fields["organisation"].queryset = Organisation.objects.filter(
            subscriptions__isnull=False
        ).distinct()

    def clean_month(self):
        try:
            return selectors.month_parse(self.cleaned_data["month"])
        except selectors.BadMonth as error:
            raise ValidationError(str(error)) from None

    def query(self) -> selectors.CreditQuery:
        data = self.cleaned_data
        return selectors.CreditQuery(
            month=data["month"],
            organisation_id=data["organisation"].pk if data.get("organisation") else None,
            service_id=data["service"].pk if data.get("service") else None,
            state=data.get("state") or None,
            only_nonzero=bool(data.get("only_nonzero")),
        )


def _filter_form(request) -> CreditFilterForm:
    params = request.GET.copy()
    if not params.get("month"):
        params["month"] = f"{selectors.previous_month(timezone.localdate()):%Y-%m}"
    return CreditFilterForm(params)


def _page_number(request) -> int:
    try:
        number = int(request.GET.get("page", 1))
    except ValueError:
        number = 1
    return min(max(number, 1), MAX_PAGE)


@dataclass
class Typed:
    """What the user typed or ticked in the actions form, shown again when a step failed."""

    ticked: set[int] = field(default_factory=set)
    invoice_number: str = ""
    row_invoices: dict[int, str] = field(default_factory=dict)
    # Set when an application to one invoice waits for the confirmation that the ticked
    # credits of this many organisations really go on it together.
    organisations_to_confirm: int = 0


@role_required(Role.BILLING)
def billing(request):
    form = _filter_form(request)
    typed = Typed()
    if request.method == "POST" and form.is_valid():
        typed, redirect_ok = _act(request, form.query())
        if redirect_ok:
            return HttpResponseRedirect(request.get_full_path())
    context = {
        "form": form,
        "typed": typed,
        "policies": PolicyVersion.objects.prefetch_related("credit_bands"),
    }
    if form.is_valid():
        credits = selectors.credits_for(user=request.user, query=form.query())
        page = page_of(credits, number=_page_number(request), size=PAGE_SIZE)
        for credit in page.rows:
            credit.shown_availability = calc.shown(Decimal(credit.availability))
            credit.typed_invoice = typed.row_invoices.get(credit.pk, "")
            credit.ticked = credit.pk in typed.ticked
        params = request.GET.copy()
        params["month"] = f"{form.cleaned_data['month']:%Y-%m}"
        context.update(
            month=form.cleaned_data["month"],
            page=page,
            totals=selectors.credit_totals(credits),
            csv_query=query_with(params, page=None),
            next_query=query_with(params, page=page.number + 1),
            previous_query=query_with(params, page=page.number - 1),
        )
    return render(request, "availability/billing.html", context)


# --- Actions -------------------------------------------------------------------------------


def _label(credit: Credit) -> str:
    reference = credit.subscription.reference or f"subscription #{credit.subscription_id}"
    line = f"{credit.subscription.organisation.name} {reference}"
    if credit.adjusts_id:
        line += f" (adjusts {credit.adjusts.month:%Y-%m})"
    return line


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _act(request, query: selectors.CreditQuery) -> tuple[Typed, bool]:
    """Run the chosen action. Returns what was typed and whether the page may redirect
    (nothing went wrong, so nothing typed needs showing again)."""
    typed = _typed(request.POST)
    action, _, one = request.POST.get("action", "").partition("-")
    if action == "compute":
        _compute(request, query)
        return typed, True
    if action not in ("approve", "apply"):
        messages.error(request, "Choose what to do with the credits.")
        return typed, False
    if one:
        ids = [pk] if (pk := as_id(one)) is not None else []
        invoice_number = typed.row_invoices.get(ids[0], "") if ids else ""
    else:
        ids = sorted(typed.ticked)
        invoice_number = typed.invoice_number
        if not ids:
            messages.error(request, "Tick the credits to change first.")
            return typed, False
        if action == "apply" and not _several_organisations_confirmed(request, typed, ids):
            return typed, False
    outcome = _change(request, action, ids=ids, invoice_number=invoice_number)
    _report(request, outcome, action=action, one=bool(one), invoice_number=invoice_number)
    return typed, not outcome.skipped and not outcome.missing


def _several_organisations_confirmed(request, typed: Typed, ids: list[int]) -> bool:
    """Whether the ticked credits may go on one invoice. An invoice is normally made out to
    one organisation, so credits of several organisations on one invoice number is most
    likely a slip of the ticks: it needs the confirmation given with the count of
    organisations shown, so ticking another organisation's credit after confirming asks
    again. Nothing is applied until then; the ticks and the number stay in place."""
    count = selectors.organisations_invoiced_together(user=request.user, credit_ids=ids)
    if count < 2 or request.POST.get("confirm_organisations") == str(count):
        return True
    typed.organisations_to_confirm = count
    messages.warning(
        request,
        f"The ticked credits belong to {count} different organisations. Nothing was applied. "
        f"If they really go on one invoice, tick the confirmation under the table and "
        f"mark them applied again.",
    )
    return False


def _typed(post) -> Typed:
    return Typed(
        ticked={as_id(pk) for pk in post.getlist("credits")} - {None},
        invoice_number=post.get("invoice_number", ""),
        row_invoices={
            as_id(key.removeprefix("invoice-")): value
            for key, value in post.items()
            if key.startswith("invoice-") and as_id(key.removeprefix("invoice-")) is not None
        },
    )


def _compute(request, query: selectors.CreditQuery) -> None:
    """Queue the month's computation: a month of many subscriptions takes a while, so the
    worker does it."""
    if tasks.recompute_credits.delay(query.month.isoformat(), request.user.pk) is None:
        messages.error(
            request,
            "The credits cannot be worked out right now (the task queue is unreachable). "
            "Try again in a few minutes.",
        )
        return
    messages.success(
        request,
        f"Working out the credits for {query.month:%B %Y}. They show here as soon as "
        "they are ready, usually within a minute; reload the page to see them.",
    )


@dataclass
class Outcome:
    """What an approval or application did to the credits asked for."""

    changed: int = 0
    skipped: list[str] = field(default_factory=list)  # one line per refusal, with its reason
    missing: int = 0  # asked for, but not found among the credits the user may see


def _change(request, action: str, *, ids: list[int], invoice_number: str) -> Outcome:
    """Approve or apply each of the credits ``ids`` the user may see, one at a time."""
    credits = list(
        selectors.credits_visible_to(request.user)
        .filter(pk__in=ids)
        .select_related(*selectors.ROW_RELATED)
        .order_by("pk")
    )
    outcome = Outcome(missing=len(ids) - len(credits))
    for credit in credits:
        try:
            if action == "approve":
                services.credit_approve(credit=credit, actor=request.user)
            else:
                services.credit_apply(
                    credit=credit, actor=request.user, invoice_number=invoice_number
                )
            outcome.changed += 1
        except ValidationError as error:
            outcome.skipped.append(f"{_label(credit)}: {_error_text(error)}")
    return outcome


def _report(request, outcome: Outcome, *, action: str, one: bool, invoice_number: str) -> None:
    done = (
        "approved" if action == "approve" else f"marked applied to invoice {invoice_number.strip()}"
    )
    changed, skipped, missing = outcome.changed, outcome.skipped, outcome.missing
    if one:
        if changed:
            messages.success(request, f"Credit {done}.")
        elif skipped:
            messages.error(request, f"Nothing was changed. {skipped[0]}")
    else:
        messages.success(request, f"{count_text(changed, 'credit')} {done}.")
        if skipped:
            messages.warning(
                request, f"Skipped {count_text(len(skipped), 'credit')}: " + " ".join(skipped)
            )
    if missing:
        messages.warning(
            request, f"{count_text(missing, 'credit')} could not be found and were left alone."
        )


# --- Export --------------------------------------------------------------------------------


# Written as numbers (the export gives them as text): a negative credit stays a number.
NUMBER_COLUMNS = {
    "availability",
    "commitment",
    "payable_percent",
    "monthly_fee",
    "prorated_fee",
    "credit",
}


def _csv_cell(column: str, value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if column == "services":
        return "; ".join(value)
    if column == "incidents":
        return "; ".join(f"{incident['id']}: {incident['title']}" for incident in value)
    return Decimal(value) if column in NUMBER_COLUMNS else value


def _csv_lines(credits):
    rows = (selectors.credit_export(credit) for credit in credits.iterator(chunk_size=500))
    return csv_lines(
        selectors.EXPORT_COLUMNS,
        ([_csv_cell(column, row[column]) for column in selectors.EXPORT_COLUMNS] for row in rows),
    )


@require_GET
@role_required(Role.BILLING)
def billing_csv(request):
    form = _filter_form(request)
    if not form.is_valid():
        messages.error(request, "The export needs a valid month and filters.")
        return render(
            request,
            "availability/billing.html",
            {"form": form, "typed": Typed(), "policies": PolicyVersion.objects.none()},
            status=400,
        )
    query = form.query()
    credits = selectors.credits_for(user=request.user, query=query, with_incidents=True)
    response = StreamingHttpResponse(_csv_lines(credits), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="credits-{query.month:%Y-%m}.csv"'
    return response
