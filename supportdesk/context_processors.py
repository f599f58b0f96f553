from functools import cached_property

from django.urls import reverse
from django.utils import timezone

from desk.support_line import support_line_now
from partners.roles import STAFF_ROLES, Role, has_role, primary_role
from tickets.views.inbox import unread_badge

# (label, url name, roles that see it) in the order the navigation shows them.
NAVIGATION = [
    ("My cases", "tickets:my_cases", (Role.PARTNER,)),
    ("Open a case", "tickets:case_new", (Role.PARTNER,)),
    ("Requests", "tickets:partner_requests", (Role.PARTNER,)),
    ("Devices", "hwaas:inventory", (Role.PARTNER,)),
    ("Queue", "tickets:queue", (Role.AGENT, Role.NOC)),
    ("Hardware", "hwaas:staff_requests", (Role.AGENT,)),
    ("Refused mail", "tickets:refused_mail_list", (Role.AGENT, Role.NOC)),
    ("NOC board", "sla:noc_board", (Role.NOC,)),
    ("Incidents", "availability:noc_incidents", (Role.NOC,)),
    ("Billing", "availability:billing", (Role.BILLING,)),
    ("Time", "entitlements:time_report", (Role.AGENT, Role.BILLING)),
    ("Status", "availability:status", (Role.PARTNER, *STAFF_ROLES)),
    ("Administration", "partners:administration", (Role.ADMIN,)),
]


class InboxLink:
    """The header's link to a member of staff's notifications. The unread figure is read
    when a template first shows it, so pages and fragments that never show the header cost
    no query."""

    def __init__(self, user) -> None:
        self._user = user
        self.url = reverse("tickets:inbox")

    @cached_property
    def unread(self) -> str:
        return unread_badge(self._user)


class SupportLineLink:
    """The support number for a signed-in partner's country, read when a template first
    shows it (the footer), so fragments cost no query."""

    def __init__(self, user) -> None:
        self._user = user

    @cached_property
    def line(self):
        return support_line_now(self._user.organisation, now=timezone.now())


def support_line(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "organisation_id", None):
        return {"support": None}
    return {"support": SupportLineLink(user)}


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_role": None, "inbox": None}
    path = request.path
    items = []
    for label, url_name, roles in NAVIGATION:
        if has_role(user, *roles):
            url = reverse(url_name)
            items.append({"label": label, "url": url, "current": False})
    # The longest matching address is the current page ("/cases/new/" rather than "/cases/").
    matching = [item for item in items if path.startswith(item["url"])]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["current"] = True
    role = primary_role(user)
    inbox = InboxLink(user) if not user.is_partner and has_role(user, *STAFF_ROLES) else None
    return {"nav_items": items, "user_role": role.label if role else None, "inbox": inbox}
