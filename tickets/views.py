from django.shortcuts import render
from django.utils import timezone

from partners import selectors
from partners.access import role_required
from partners.roles import Role


@role_required(Role.PARTNER)
def my_cases(request):
    organisation = request.user.organisation
    try:
        overview = selectors.support_overview(organisation=organisation, at=timezone.now())
    except selectors.NoPolicyInForce:
        overview = None
    devices = selectors.devices_visible_to(request.user).select_related("pbx")
    return render(
        request,
        "tickets/my_cases.html",
        {"organisation": organisation, "overview": overview, "devices": devices},
    )


@role_required(Role.AGENT)
def queue(request):
    return render(request, "tickets/queue.html")
