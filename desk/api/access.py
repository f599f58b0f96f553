"""Who may use the cases API, and the case each request may read: the rules every case
endpoint shares.

Every read goes through ``tickets.selectors``, scoped to the user, so someone else's case is
a 404 exactly like a missing one; each case comes with the SLA clocks its reader may see.
"""

from operator import attrgetter

from django.db.models import Prefetch, prefetch_related_objects
from drf_spectacular.utils import OpenApiResponse
from rest_framework.exceptions import NotFound

from core.api.errors import ErrorSerializer
from partners.access import api_role
from partners.roles import Role, works_cases
from sla import display as sla_display
from sla.models import Clock
from tickets import selectors
from tickets.models import Ticket

# Partners and the staff roles that work cases; billing staff have no access to cases.
CaseAccess = api_role(Role.PARTNER, Role.AGENT, Role.NOC, Role.ADMIN)

NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such case, or not yours.")
NO_ACCESS = OpenApiResponse(ErrorSerializer, description="Your role has no access to cases.")


# The order a case's clocks are shown in, whether read from the database or in hand.
CLOCK_ORDER = ("due_at", "metric")


def _clock_metrics(user):
    return sla_display.visible_metrics(internal=works_cases(user))


def clocks_prefetch(user) -> Prefetch:
    """The clocks ``user`` may see, read for a whole page of cases in one query."""
    return Prefetch(
        "clocks",
        queryset=Clock.objects.filter(metric__in=_clock_metrics(user)).order_by(*CLOCK_ORDER),
        to_attr="visible_clocks",
    )


def clocks_in_hand(ticket: Ticket, clocks: list[Clock], user) -> None:
    """What ``clocks_prefetch`` would read for ``ticket``, from clocks already in hand."""
    metrics = _clock_metrics(user)
    ticket.visible_clocks = sorted(
        (clock for clock in clocks if clock.metric in metrics), key=attrgetter(*CLOCK_ORDER)
    )


def visible_ticket(request, pk: int) -> Ticket:
    try:
        ticket = selectors.ticket_for(user=request.user, pk=pk)
    except Ticket.DoesNotExist:
        raise NotFound("No such case.") from None
    prefetch_related_objects([ticket], clocks_prefetch(request.user))
    return ticket
