"""The status page: every service the user may see, its state, the month so far and the last
90 days; current incidents and announced maintenance; and each incident's own page with its
public updates."""

from django.shortcuts import render
from django.utils import timezone

from availability import status
from partners.access import role_required
from partners.roles import STAFF_ROLES, Role, has_role

EVERYONE = (Role.PARTNER, *STAFF_ROLES)


@role_required(*EVERYONE)
def status_page(request):
    board = status.status_board(user=request.user, now=timezone.now())
    return render(
        request,
        "availability/status.html",
        {
            "board": board,
            "legend": [(level.value, label) for level, label in status.LEVEL_LABELS.items()],
            "minor_from": status.MINOR_FROM,
            "major_from": status.MAJOR_FROM,
        },
    )


@role_required(*EVERYONE)
def status_incident(request, pk: int):
    incident = status.incident_get_for(user=request.user, pk=pk, now=timezone.now())
    return render(
        request,
        "availability/status_incident.html",
        {
            "incident": incident,
            "standing": status.incident_status(incident),
            "is_noc": has_role(request.user, Role.NOC),
        },
    )
