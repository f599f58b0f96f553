"""Pages for partners: their cases, opening a case, the case page."""

from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from partners import selectors as partner_selectors
from partners.access import role_required
from partners.roles import Role


@role_required(Role.PARTNER)
def my_cases(request):
    organisation = request.user.organisation
    try:
        overview = partner_selectors.support_overview(organisation=organisation, at=timezone.now())
    except partner_selectors.NoPolicyInForce:
        overview = None
    devices = partner_selectors.devices_visible_to(request.user).select_related("pbx")
    return render(
        request,
        "tickets/my_cases.html",
        {"organisation": organisation, "overview": overview, "devices": devices},
    )


urlpatterns = [
    path("cases/", my_cases, name="my_cases"),
]
