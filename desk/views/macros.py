"""Macros (canned replies), kept by team leads and administrators: the list, a new one,
changing one, and taking one out of use (or back)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from core.forms import apply_errors
from partners.access import role_required
from partners.roles import Role
from tickets.macro_forms import MacroForm
from tickets.models import Macro
from tickets.services.macros import macro_save, macro_set_active

LEADS = (Role.LEAD,)  # administrators pass every staff role's check


@role_required(*LEADS)
def macro_list(request):
    macros = list(Macro.objects.select_related("created_by").order_by("-is_active", "name"))
    return render(request, "tickets/staff/macros.html", {"macros": macros})


def _edit(request, macro: Macro | None):
    if request.method == "POST":
        form = MacroForm(request.POST)
        if form.is_valid():
            try:
                saved = macro_save(actor=request.user, macro=macro, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, f"Macro “{saved.name}” saved.")
                return redirect("tickets:macro_list")
        status = 400
    else:
        form = MacroForm.for_macro(macro) if macro else MacroForm()
        status = 200
    return render(
        request, "tickets/staff/macro_form.html", {"form": form, "macro": macro}, status=status
    )


@role_required(*LEADS)
def macro_new(request):
    return _edit(request, None)


@role_required(*LEADS)
def macro_edit(request, pk: int):
    return _edit(request, get_object_or_404(Macro, pk=pk))


@role_required(*LEADS)
@require_POST
def macro_active(request, pk: int):
    macro = get_object_or_404(Macro, pk=pk)
    active = request.POST.get("active") == "1"
    macro_set_active(actor=request.user, macro=macro, active=active)
    if active:
        messages.success(request, f"Macro “{macro.name}” is in use again.")
    else:
        messages.success(request, f"Macro “{macro.name}” deactivated: agents no longer see it.")
    return redirect("tickets:macro_list")


urlpatterns = [
    path("staff/macros/", macro_list, name="macro_list"),
    path("staff/macros/new/", macro_new, name="macro_new"),
    path("staff/macros/<int:pk>/", macro_edit, name="macro_edit"),
    path("staff/macros/<int:pk>/active/", macro_active, name="macro_active"),
]
