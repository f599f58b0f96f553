"""Who may reach which address: the single list of every page and API route.

``ROUTES`` names every URL pattern outside the Django admin by its pattern text; the admin
site is one rule (staff with admin site access only) over the models in ``ADMIN_MODELS``.
``tests/supportdesk/test_authz_matrix.py`` fails when the URL conf and this list disagree.

Outcomes, per role:

- allowed: 2xx, or a redirect that is not to a login page;
- anonymous on a page: redirect to the login page; on the API: 401;
- a role the route is not for: 403 (pages and API), the admin login page (admin);
- a role the route is for, but the named object belongs to someone else: 404;
- a POST-only route answers a GET from an allowed role with 405.
"""

import re
from dataclasses import dataclass, field

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

from tests.supportdesk.world import (
    ADMIN,
    AGENT,
    ANONYMOUS,
    BILLING,
    END_CUSTOMER,
    INTEGRATION,
    LEAD,
    NOC,
    PARTNER,
    PARTNER_BRONZE,
    PARTNERS,
    ROLES,
    STAFF,
    SUPERUSER,
    World,
)

# Expected outcomes.
OK = "ok"
LOGIN = "login"
ADMIN_LOGIN = "admin-login"
REDIRECT = "redirect"
S401, S403, S404, S405 = "401", "403", "404", "405"
REFUSALS = {LOGIN, ADMIN_LOGIN, S401, S403, S404, S405}

ALL_PARTNERS = frozenset(PARTNERS)
SIGNED_IN = frozenset(ROLES) - {ANONYMOUS}
EVERYONE = frozenset(ROLES)
ADMINS = frozenset({ADMIN, SUPERUSER})
CASE_STAFF = frozenset({AGENT, NOC, ADMIN, SUPERUSER})
NOC_STAFF = frozenset({NOC, ADMIN, SUPERUSER})
BILLING_STAFF = frozenset({BILLING, ADMIN, SUPERUSER})
TIME_STAFF = CASE_STAFF | {BILLING}
MACRO_KEEPERS = frozenset({LEAD, ADMIN, SUPERUSER})
ALL_STAFF = frozenset(STAFF)
# Who sees organisation A's case, and the attachments on it.
CASE_READERS = frozenset({PARTNER}) | CASE_STAFF
# A's agreement with the end customer it installed, and the leased device.
LEASE_READERS = frozenset({PARTNER, END_CUSTOMER}) | CASE_STAFF
HANDLERS = ALL_PARTNERS | CASE_STAFF
ENTITLEMENT_READERS = ALL_PARTNERS | TIME_STAFF


@dataclass(frozen=True)
class Rule:
    kind: str  # "page", "api" or "admin"
    allowed: frozenset
    sees: frozenset | None = None  # allowed roles that may see the named object
    post_only: bool = False
    kwargs: dict = field(default_factory=dict)  # URL kwarg -> World object name or literal
    query: str = ""
    overrides: dict = field(default_factory=dict)  # role -> outcome, for GET
    # The roles to ask, where asking every role costs much and tells nothing more.
    probe: tuple = ROLES

    def expected(self, role: str, method: str = "GET") -> str:
        if method == "GET" and role in self.overrides:
            return self.overrides[role]
        if role == ANONYMOUS and ANONYMOUS not in self.allowed:
            return {"page": LOGIN, "api": S401, "admin": ADMIN_LOGIN}[self.kind]
        if role not in self.allowed:
            return ADMIN_LOGIN if self.kind == "admin" else S403
        if method == "GET" and self.post_only:
            return S405
        if self.sees is not None and role not in self.sees:
            return S404
        return OK


EVERYONE_405 = dict.fromkeys(ROLES, S405)


def page(allowed, **options) -> Rule:
    return Rule("page", frozenset(allowed), **options)


def api(allowed, **options) -> Rule:
    return Rule("api", frozenset(allowed), **options)


def post_only_page(allowed, *, method_checked_first: bool = False, **options) -> Rule:
    """``method_checked_first``: ``require_POST`` sits outside the role check, so every
    GET, anonymous or not, is refused with 405 before anything else is looked at."""
    overrides = EVERYONE_405 if method_checked_first else {}
    return page(allowed, post_only=True, overrides=overrides, **options)


PK_TICKET = {"pk": "ticket"}
PK_REFUSED_MAIL = {"pk": "refused_mail"}
PK_PARTNER_REQUEST = {"pk": "partner_request"}
# A Bronze partner's request, sent to A: its sender and A see it.
REQUEST_PARTIES = frozenset({PARTNER, PARTNER_BRONZE})

ROUTES: dict[str, Rule] = {
    # --- accounts
    "": page(SIGNED_IN),  # each role lands on its own page; lead-only or integration: no-role
    "accounts/login/": page(EVERYONE),
    "accounts/logout/": page(EVERYONE, post_only=True, overrides=EVERYONE_405),
    "accounts/password_change/": page(SIGNED_IN),
    "accounts/password_change/done/": page(SIGNED_IN),
    "accounts/password_reset/": page(EVERYONE),
    "accounts/password_reset/done/": page(EVERYONE),
    "accounts/reset/<uidb64>/<token>/": page(
        EVERYONE, kwargs={"uidb64": "MQ", "token": "not-a-token"}
    ),
    "accounts/reset/done/": page(EVERYONE),
    "profile/": page(SIGNED_IN),
    "profile/tokens/<int:pk>/revoke/": post_only_page(SIGNED_IN, kwargs={"pk": 0}),
    "administration/": page(ADMINS),
    # The page that tells someone without a role so answers 403 itself.
    "no-role/": page(SIGNED_IN, overrides={role: S403 for role in SIGNED_IN}),
    # --- partners' cases
    "cases/": page(ALL_PARTNERS),
    # What support wrote to an end customer about its systems (14.5); each sees its own.
    "cases/from-support/": page(ALL_PARTNERS),
    "cases/new/": page(ALL_PARTNERS),
    "cases/new/options/": page(ALL_PARTNERS, query="case_type=tech_support"),
    "cases/new/devices/": page(ALL_PARTNERS),
    "cases/new/suggestions/": page(ALL_PARTNERS, query="subject=trunk"),
    "cases/new/response-time/": page(ALL_PARTNERS, query="case_type=tech_support"),
    "cases/<id:pk>/": page(ALL_PARTNERS, sees={PARTNER}, kwargs=PK_TICKET),
    "cases/<id:pk>/reply/": post_only_page(
        ALL_PARTNERS, sees={PARTNER}, kwargs=PK_TICKET, method_checked_first=True
    ),
    "cases/<id:pk>/close/": post_only_page(
        ALL_PARTNERS, sees={PARTNER}, kwargs=PK_TICKET, method_checked_first=True
    ),
    "cases/<id:pk>/feedback/": post_only_page(
        ALL_PARTNERS, sees={PARTNER}, kwargs=PK_TICKET, method_checked_first=True
    ),
    "attachments/<id:pk>/": page(SIGNED_IN, sees=CASE_READERS, kwargs={"pk": "attachment"}),
    # --- requests handed up the chain, and the cases of customers a partner installed
    "cases/customers/": page(ALL_PARTNERS),
    "requests/": page(ALL_PARTNERS),
    "requests/<id:pk>/": page(ALL_PARTNERS, sees=REQUEST_PARTIES, kwargs=PK_PARTNER_REQUEST),
    "requests/<id:pk>/send/": post_only_page(
        ALL_PARTNERS, sees={PARTNER_BRONZE}, kwargs=PK_PARTNER_REQUEST, method_checked_first=True
    ),
    "requests/<id:pk>/convert/": post_only_page(
        ALL_PARTNERS, sees={PARTNER}, kwargs=PK_PARTNER_REQUEST, method_checked_first=True
    ),
    "requests/<id:pk>/answer/": post_only_page(
        ALL_PARTNERS, sees={PARTNER}, kwargs=PK_PARTNER_REQUEST, method_checked_first=True
    ),
    "requests/<id:pk>/decline/": post_only_page(
        ALL_PARTNERS, sees={PARTNER}, kwargs=PK_PARTNER_REQUEST, method_checked_first=True
    ),
    "requests/files/<id:pk>/": page(
        ALL_PARTNERS, sees=REQUEST_PARTIES, kwargs={"pk": "partner_request_file"}
    ),
    "kb/<slug:slug>/": page(SIGNED_IN, kwargs={"slug": "article.slug"}),
    "kb/<slug:slug>/solved/": page(ALL_PARTNERS, kwargs={"slug": "article.slug"}),
    "cases/<id:pk>/intervention/": page(ALL_PARTNERS, sees={PARTNER}, kwargs=PK_TICKET),
    "cases/<id:pk>/intervention/<id:iid>/cancel/": post_only_page(
        ALL_PARTNERS,
        sees={PARTNER},
        kwargs={"pk": "ticket", "iid": "intervention"},
        method_checked_first=True,
    ),
    # --- staff side of cases
    "queue/": page(CASE_STAFF),
    "queue/bulk/": post_only_page(CASE_STAFF),
    "queue/organisations/": page(CASE_STAFF),
    "queue/rows/": page(CASE_STAFF),
    "queue/views/": page(CASE_STAFF),
    # A view the agent shared with the team: every case worker opens it (a redirect to the
    # queue); renaming and deleting are POSTs, refused to the rest of the team (403).
    "queue/views/<id:pk>/": page(CASE_STAFF, kwargs={"pk": "saved_view"}),
    "queue/views/<id:pk>/delete/": post_only_page(CASE_STAFF, kwargs={"pk": "saved_view"}),
    "staff/cases/new/": page(CASE_STAFF),
    "staff/refused-mail/": page(CASE_STAFF),
    "staff/refused-mail/<id:pk>/": page(CASE_STAFF, kwargs=PK_REFUSED_MAIL),
    "staff/refused-mail/<id:pk>/open/": page(CASE_STAFF, kwargs=PK_REFUSED_MAIL),
    "staff/refused-mail/<id:pk>/attach/": post_only_page(CASE_STAFF, kwargs=PK_REFUSED_MAIL),
    "staff/refused-mail/<id:pk>/discard/": post_only_page(CASE_STAFF, kwargs=PK_REFUSED_MAIL),
    "staff/refused-mail/files/<id:pk>/": page(CASE_STAFF, kwargs={"pk": "refused_mail_file"}),
    "staff/cases/<int:pk>/": page(CASE_STAFF, kwargs=PK_TICKET),
    "staff/cases/<int:pk>/reply/": post_only_page(CASE_STAFF, kwargs=PK_TICKET),
    "staff/cases/<int:pk>/assign/": post_only_page(CASE_STAFF, kwargs=PK_TICKET),
    "staff/cases/<int:pk>/time/": post_only_page(CASE_STAFF, kwargs=PK_TICKET),
    "staff/cases/<int:pk>/take/": post_only_page(CASE_STAFF, kwargs=PK_TICKET),
    "staff/cases/<int:pk>/status/": post_only_page(CASE_STAFF, kwargs=PK_TICKET),
    "staff/cases/<int:pk>/cos/": post_only_page(CASE_STAFF, kwargs=PK_TICKET),
    "staff/cases/<int:pk>/restored/": post_only_page(CASE_STAFF, kwargs=PK_TICKET),
    # Who else has the case open (polled fragment; a POST says "writing"), and a macro's
    # text filled in for the case.
    "staff/cases/<int:pk>/presence/": page(CASE_STAFF, kwargs=PK_TICKET),
    "staff/cases/<int:pk>/macros/<int:macro_pk>/": page(
        CASE_STAFF, kwargs={"pk": "ticket", "macro_pk": "macro"}
    ),
    # Macros are kept by team leads (and administrators); agents only apply them.
    "staff/macros/": page(MACRO_KEEPERS),
    "staff/macros/new/": page(MACRO_KEEPERS),
    "staff/macros/<int:pk>/": page(MACRO_KEEPERS, kwargs={"pk": "macro"}),
    "staff/macros/<int:pk>/active/": post_only_page(MACRO_KEEPERS, kwargs={"pk": "macro"}),
    "staff/cases/<int:pk>/documents/": post_only_page(CASE_STAFF, kwargs=PK_TICKET),
    "staff/cases/<int:pk>/activation-date/": post_only_page(CASE_STAFF, kwargs=PK_TICKET),
    "cases/<id:pk>/documents/<id:item>/": post_only_page(
        ALL_PARTNERS,
        sees={PARTNER},
        kwargs={"pk": "ticket", "item": "document_item"},
        method_checked_first=True,
    ),
    # Writing to the end customer (14.5): a staff action; on a case where it is not open,
    # staff get 403 too (tests/sla/test_waiting.py).
    "staff/cases/<int:pk>/step-in/": post_only_page(CASE_STAFF, kwargs=PK_TICKET),
    "staff/cases/<id:pk>/intervention/<id:iid>/": post_only_page(
        CASE_STAFF, kwargs={"pk": "ticket", "iid": "intervention"}
    ),
    "inbox/": page(ALL_STAFF),
    "inbox/read/": post_only_page(ALL_STAFF),
    # --- NOC
    "noc/": page(NOC_STAFF),
    "noc/sections/": page(NOC_STAFF),
    "noc/triage/<int:pk>/": post_only_page(NOC_STAFF, kwargs=PK_TICKET),
    "noc/alerts/reviewed/": post_only_page(NOC_STAFF),
    "noc/incidents/": page(NOC_STAFF),
    "noc/incidents/new/": page(NOC_STAFF),
    "noc/incidents/<int:pk>/": page(NOC_STAFF, kwargs={"pk": "incident"}),
    "noc/incidents/<int:pk>/edit/": page(NOC_STAFF, kwargs={"pk": "incident"}),
    "noc/incidents/<int:pk>/end/": post_only_page(
        NOC_STAFF, kwargs={"pk": "incident"}, method_checked_first=True
    ),
    "noc/incidents/<int:pk>/updates/": post_only_page(
        NOC_STAFF, kwargs={"pk": "incident"}, method_checked_first=True
    ),
    "noc/maintenance/": page(NOC_STAFF),
    "noc/maintenance/new/": page(NOC_STAFF),
    "noc/maintenance/<int:pk>/": page(NOC_STAFF, kwargs={"pk": "maintenance"}),
    "noc/maintenance/<int:pk>/edit/": page(NOC_STAFF, kwargs={"pk": "maintenance"}),
    "noc/maintenance/<int:pk>/announce/": post_only_page(
        NOC_STAFF, kwargs={"pk": "maintenance"}, method_checked_first=True
    ),
    # --- billing and status
    "billing/": page(BILLING_STAFF),
    "billing/credits.csv": page(BILLING_STAFF),
    "status/": page(SIGNED_IN),
    # A's incident is on a service only A subscribes to; staff see every incident.
    "status/incidents/<int:pk>/": page(
        SIGNED_IN, sees={PARTNER} | ALL_STAFF, kwargs={"pk": "incident"}
    ),
    "status/subscriptions/": page(SIGNED_IN),
    "status/subscriptions/feed-key/": post_only_page(SIGNED_IN, method_checked_first=True),
    # A signed link from an e-mail, without signing in: a token not signed here is a 404.
    "status/unsubscribe/<str:token>/": page(
        EVERYONE, kwargs={"token": "not-signed-here"}, overrides=dict.fromkeys(ROLES, S404)
    ),
    # The key in the address is the access: an unknown key is a 404, signed in or not.
    "status/feeds/<str:key>/<slug:code>.atom": page(
        EVERYONE,
        kwargs={"key": "no-such-key", "code": "no-such-service"},
        overrides=dict.fromkeys(ROLES, S404),
    ),
    # Off by default (PUBLIC_STATUS_PAGE): a 404 to everyone; on, open to everyone
    # (tests/availability/test_status_notices.py).
    "status/public/": page(EVERYONE, overrides=dict.fromkeys(ROLES, S404)),
    "status/public/<slug:code>.atom": page(
        EVERYONE, kwargs={"code": "any-service"}, overrides=dict.fromkeys(ROLES, S404)
    ),
    # --- hardware
    "hardware/": page(HANDLERS),
    "hardware/devices/<int:pk>/": page(HANDLERS, sees=LEASE_READERS, kwargs={"pk": "device"}),
    "hardware/agreements/<int:pk>/": page(HANDLERS, sees=LEASE_READERS, kwargs={"pk": "agreement"}),
    "hardware/agreements/<int:pk>/annex-a.csv": page(
        HANDLERS, sees=LEASE_READERS, kwargs={"pk": "agreement"}
    ),
    "hardware/requests/new/": page(ALL_PARTNERS),
    "hardware/requests/check/": post_only_page(ALL_PARTNERS),
    "staff/hardware/requests/": page(CASE_STAFF),
    "staff/hardware/requests/<int:pk>/": page(CASE_STAFF, kwargs={"pk": "hardware_request"}),
    "staff/hardware/requests/<int:pk>/step/": post_only_page(
        CASE_STAFF, kwargs={"pk": "hardware_request"}
    ),
    # --- entitlements
    "support/plan/": page(ALL_PARTNERS),
    "staff/time/": page(TIME_STAFF),
    "staff/time.csv": page(TIME_STAFF),
    # --- API
    "api/auth/token/": api(EVERYONE, post_only=True),
    "api/auth/tokens/": api(SIGNED_IN),
    # Revoking is DELETE only; the token named is nobody's.
    "api/auth/tokens/<int:pk>/": api(SIGNED_IN, post_only=True, kwargs={"pk": 0}),
    "api/me/": api(SIGNED_IN),
    "api/tickets/": api(HANDLERS),
    "api/tickets/<int:pk>/": api(HANDLERS, sees=CASE_READERS, kwargs=PK_TICKET),
    "api/tickets/<int:pk>/messages/": api(HANDLERS, sees=CASE_READERS, kwargs=PK_TICKET),
    "api/tickets/<int:pk>/feedback/": api(
        HANDLERS, sees=CASE_READERS, kwargs=PK_TICKET, post_only=True
    ),
    "api/tickets/<int:pk>/status/": api(
        HANDLERS, sees=CASE_READERS, kwargs=PK_TICKET, post_only=True
    ),
    "api/tickets/<int:pk>/assignee/": api(CASE_STAFF, kwargs=PK_TICKET, post_only=True),
    "api/tickets/<int:pk>/cos/": api(CASE_STAFF, kwargs=PK_TICKET, post_only=True),
    "api/tickets/<int:pk>/restored/": api(CASE_STAFF, kwargs=PK_TICKET, post_only=True),
    # Partners and case staff read the requests; only staff ask (a partner's POST: 403).
    "api/tickets/<int:pk>/document-requests/": api(HANDLERS, sees=CASE_READERS, kwargs=PK_TICKET),
    "api/tickets/<int:pk>/document-items/<int:item>/upload/": api(
        ALL_PARTNERS,
        sees={PARTNER},
        kwargs={"pk": "ticket", "item": "document_item"},
        post_only=True,
    ),
    "api/partner-requests/": api(ALL_PARTNERS),
    "api/partner-requests/<int:pk>/": api(
        ALL_PARTNERS, sees=REQUEST_PARTIES, kwargs=PK_PARTNER_REQUEST
    ),
    "api/partner-requests/<int:pk>/send/": api(
        ALL_PARTNERS, sees={PARTNER_BRONZE}, kwargs=PK_PARTNER_REQUEST, post_only=True
    ),
    "api/partner-requests/<int:pk>/convert/": api(
        ALL_PARTNERS, sees={PARTNER}, kwargs=PK_PARTNER_REQUEST, post_only=True
    ),
    "api/partner-requests/<int:pk>/answer/": api(
        ALL_PARTNERS, sees={PARTNER}, kwargs=PK_PARTNER_REQUEST, post_only=True
    ),
    "api/partner-requests/<int:pk>/decline/": api(
        ALL_PARTNERS, sees={PARTNER}, kwargs=PK_PARTNER_REQUEST, post_only=True
    ),
    "api/kb/search/": api(SIGNED_IN, query="q=trunk"),
    "api/noc/alerts/": api(NOC_STAFF | {INTEGRATION}, post_only=True),
    "api/availability/incidents/": api(NOC_STAFF),
    "api/availability/incidents/<int:pk>/": api(NOC_STAFF, kwargs={"pk": "incident"}),
    "api/availability/incidents/<int:pk>/updates/": api(NOC_STAFF, kwargs={"pk": "incident"}),
    "api/availability/maintenance/": api(NOC_STAFF),
    "api/availability/maintenance/<int:pk>/": api(NOC_STAFF, kwargs={"pk": "maintenance"}),
    "api/availability/maintenance/<int:pk>/announce/": api(
        NOC_STAFF, kwargs={"pk": "maintenance"}, post_only=True
    ),
    "api/status/subscriptions/": api(SIGNED_IN),
    # PUT only; the service named is none the caller may see.
    "api/status/subscriptions/<slug:code>/": api(
        SIGNED_IN, post_only=True, kwargs={"code": "no-such-service"}
    ),
    "api/availability/credits/": api(BILLING_STAFF, query="month=2026-01"),
    "api/hwaas/devices/": api(HANDLERS),
    "api/hwaas/devices/<int:pk>/": api(HANDLERS, sees=LEASE_READERS, kwargs={"pk": "device"}),
    "api/hwaas/agreements/": api(HANDLERS),
    "api/hwaas/agreements/<int:pk>/": api(HANDLERS, sees=LEASE_READERS, kwargs={"pk": "agreement"}),
    "api/hwaas/requests/": api(HANDLERS),
    "api/hwaas/requests/check/": api(ALL_PARTNERS, post_only=True),
    "api/hwaas/requests/<int:pk>/": api(
        HANDLERS, sees=CASE_READERS, kwargs={"pk": "hardware_request"}
    ),
    "api/entitlements/": api(ENTITLEMENT_READERS),
    "api/entitlements/<int:pk>/": api(
        ENTITLEMENT_READERS, sees={PARTNER} | TIME_STAFF, kwargs={"pk": "entitlement"}
    ),
    "api/cases/<int:case_id>/time/": api(CASE_STAFF, kwargs={"case_id": "ticket"}),
    "api/cases/<int:case_id>/interventions/": api(
        ALL_PARTNERS, sees={PARTNER}, post_only=True, kwargs={"case_id": "ticket"}
    ),
    "api/time-entries/": api(ENTITLEMENT_READERS),
    # The schema and its documentation describe the API, not anyone's data.
    "api/schema/": api(EVERYONE, probe=(ANONYMOUS, PARTNER, AGENT)),
    "api/docs/": api(EVERYONE),
    "health/": page(EVERYONE),
}

# Every model the admin site shows. The admin site checks itself that the user may use it
# (active, with admin site access) and then the model permissions.
ADMIN_MODELS = {
    "auth.group",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
    "partners.organisation",
    "partners.device",
    "partners.user",
    "partners.apitoken",
    "partners.policyversion",
    "partners.casetype",
    "partners.casereason",
    "partners.casecategory",
    "partners.eligibilityrule",
    "partners.responsetarget",
    "partners.creditband",
    "tickets.ticket",
    "tickets.message",
    "tickets.attachment",
    "tickets.feedback",
    "tickets.article",
    "tickets.deflection",
    "sla.calendar",
    "sla.closeddate",
    "sla.monitoringalert",
    "availability.service",
    "availability.subscription",
    "availability.incident",
    "availability.maintenance",
    "availability.credit",
    "availability.event",
    "availability.incidentupdate",
    "availability.serviceday",
    "hwaas.hardwaremodel",
    "hwaas.leaseagreement",
    "hwaas.capexpurchase",
    "hwaas.hardwarerequest",
    "entitlements.entitlement",
    "entitlements.timeentry",
    "entitlements.intervention",
}
# Records the desk writes itself (login attempts, alerts, credits, timelines, daily
# figures) are never added by hand.
ADMIN_NO_ADD = {
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
    "sla.monitoringalert",
    "availability.credit",
    "availability.event",
    "availability.serviceday",
    # Recorded through the NOC pages and API, which write the timeline and recompute.
    "availability.incident",
    "availability.maintenance",
}

ADMIN_RULE = Rule("admin", ADMINS)
# Past the admin site's own gate (an active user with admin site access) nothing depends on
# which role someone without that access holds: the deeper pages ask one of each kind.
ADMIN_DEEP_PROBE = (ANONYMOUS, PARTNER, AGENT, ADMIN)


def admin_rule(pattern: str) -> Rule:
    """The admin site's rule for one of its patterns (``pattern`` without "admin/")."""
    if pattern == "login/":
        return Rule("admin", EVERYONE)
    if pattern == "logout/":
        # Someone without admin access is sent to the admin index (and from there to its
        # login page); the admin's own logout is POST-only.
        return Rule("admin", EVERYONE, overrides=dict.fromkeys(ADMINS, S405))
    if pattern == "r/<path:content_type_id>/<path:object_id>/":
        # "View on site" for a case: no model has a public address of its own.
        return Rule("admin", ADMINS, overrides=dict.fromkeys(ADMINS, S404))
    if pattern == "(?P<url>.*)$":
        return Rule("admin", ADMINS, overrides=dict.fromkeys(ADMINS, S404))
    if pattern == "autocomplete/":
        # Without the field it completes, the view refuses even an admin.
        return Rule("admin", ADMINS, overrides=dict.fromkeys(ADMINS, S403))
    found = re.match(r"(\w+)/(\w+)/(.*)$", pattern)
    if found and f"{found[1]}.{found[2]}" in ADMIN_MODELS:
        label, rest = f"{found[1]}.{found[2]}", found[3]
        if rest == "":
            return ADMIN_RULE
        if rest == "add/" and label in ADMIN_NO_ADD:
            return Rule(
                "admin", ADMINS, overrides=dict.fromkeys(ADMINS, S403), probe=ADMIN_DEEP_PROBE
            )
        return Rule("admin", ADMINS, probe=ADMIN_DEEP_PROBE)
    return ADMIN_RULE


# --- Walking the URL conf ----------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    pattern: str  # the full pattern text, e.g. "cases/<int:pk>/"
    callback: object
    rule: Rule

    @property
    def accepts_unsafe_methods(self) -> tuple[str, ...]:
        """The unsafe methods a DRF view allows; POST for everything else (a page decides
        in its body what a POST does)."""
        view_class = getattr(self.callback, "cls", None)
        if view_class is None:
            return ("post",)
        allowed = getattr(self.callback, "initkwargs", {}).get(
            "http_method_names", view_class.http_method_names
        )
        return tuple(
            method
            for method in ("post", "put", "patch", "delete")
            if method in allowed and hasattr(view_class, method)
        )


def url_patterns() -> list[tuple[str, object]]:
    """(pattern text, view) for every URL pattern, in resolution order, first one wins."""
    found: dict[str, object] = {}

    def walk(patterns, prefix: str):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                found.setdefault(prefix + str(entry.pattern), entry.callback)

    walk(get_resolver().url_patterns, "")
    return list(found.items())


def registered_admin_models() -> set[str]:
    return {model._meta.label_lower for model in admin.site._registry}


def routes() -> list[Route]:
    """Every pattern of the URL conf with its rule; KeyError for one the matrix lacks."""
    result = []
    for pattern, callback in url_patterns():
        if pattern.startswith("admin/"):
            rule = admin_rule(pattern.removeprefix("admin/"))
        else:
            rule = ROUTES[pattern]
        result.append(Route(pattern, callback, rule))
    return result


def _admin_values(pattern: str, world: World) -> dict:
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    values = {"app_label": "partners", "url": "no-such-page/", "id": world.users[ADMIN].pk}
    found = re.match(r"admin/(\w+)/(\w+)/", pattern)
    if found and f"{found[1]}.{found[2]}" in ADMIN_MODELS:
        model = apps.get_model(found[1], found[2])
        first = model._default_manager.order_by("pk").first()
        values["object_id"] = first.pk if first else 1
    else:
        ticket = world.objects["ticket"]
        values["content_type_id"] = ContentType.objects.get_for_model(ticket).pk
        values["object_id"] = ticket.pk
    return values


def _value(world: World, name: str):
    if not isinstance(name, str) or not re.fullmatch(r"[a-z_]+(\.[a-z_]+)?", name):
        return name
    base, _, attribute = name.partition(".")
    if base not in world.objects:
        return name
    target = world.objects[base]
    return getattr(target, attribute) if attribute else target.pk


def url_for(route: Route, world: World) -> str:
    """The address of ``route`` with its kwargs filled with the world's objects."""
    if route.pattern.startswith("admin/"):
        values = _admin_values(route.pattern, world)
    else:
        values = {key: _value(world, name) for key, name in route.rule.kwargs.items()}
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m[1]]), route.pattern)
    text = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m[1]]), text)
    text = text.replace("^", "").replace("$", "")
    url = "/" + text
    return f"{url}?{route.rule.query}" if route.rule.query else url
