"""Who a user is to the product: a partner-side member or vendor staff with one or more roles.

Staff roles are Django groups, so an admin can grant them in the admin site. The groups and
their model permissions are (re)created after every migration.
"""

from django.contrib.auth.models import Group, Permission
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import Expression, OuterRef, TextChoices


class Role(TextChoices):
    PARTNER = "partner", "Partner"
    AGENT = "agent", "Support agent"
    NOC = "noc", "NOC engineer"
    BILLING = "billing", "Billing"
    ADMIN = "admin", "Administrator"
    LEAD = "lead", "Team lead"
    INTEGRATION = "integration", "Monitoring integration"


STAFF_ROLES = (Role.AGENT, Role.NOC, Role.BILLING, Role.ADMIN, Role.LEAD, Role.INTEGRATION)

GROUP_NAMES = {
    Role.AGENT: "Support agents",
    Role.NOC: "NOC engineers",
    Role.BILLING: "Billing",
    Role.ADMIN: "Administrators",
    # Team leads hear of every breach; a lead usually also holds the agent role.
    Role.LEAD: "Team leads",
    # Service accounts of monitoring systems: they may only post alerts.
    Role.INTEGRATION: "Monitoring integrations",
}
ROLE_BY_GROUP = {name: role for role, name in GROUP_NAMES.items()}

# Model permissions each staff group gets, as "app_label.codename" prefixes of Django's
# default permissions ("view_", "add_", "change_", "delete_"). Later features add to this.
GROUP_PERMISSIONS = {
    Role.AGENT: ["partners.view_organisation", "partners.view_device", "partners.view_user"],
    Role.NOC: [
        "partners.view_organisation",
        "partners.view_device",
        "sla.view_monitoringalert",
        "sla.change_monitoringalert",
    ],
    Role.BILLING: ["partners.view_organisation"],
    Role.ADMIN: ["*"],
    Role.LEAD: ["partners.view_organisation", "partners.view_device", "partners.view_user"],
    Role.INTEGRATION: [],
}
ADMIN_APPS = [
    "partners",
    "tickets",
    "sla",
    "availability",
    "hwaas",
    "entitlements",
    "auth",
    "axes",
]

_CACHE_ATTR = "_supportdesk_roles"
# The names of a user's groups, when the query that read the user also read them.
GROUP_NAMES_ATTR = "_supportdesk_group_names"


def group_names(user_id: str = "pk") -> Expression | None:
    """An expression for the names of the groups of the user whose id is the outer query's
    ``user_id`` field: annotated as ``GROUP_NAMES_ATTR`` on a query reading users, it spares
    ``roles_of`` a query of its own for each of them. None where the database has no
    arrays (SQLite): ``roles_of`` then reads the groups itself."""
    if connection.vendor != "postgresql":
        return None
    return ArraySubquery(Group.objects.filter(user=OuterRef(user_id)).values("name"))


def with_group_names(users):
    """``users`` (a queryset of users) reading each one's group names in the same query."""
    names = group_names()
    return users if names is None else users.annotate(**{GROUP_NAMES_ATTR: names})


def roles_of(user) -> frozenset[Role]:
    """The roles of a user, read once per user object."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if user.organisation_id is not None:
        roles = frozenset({Role.PARTNER})
    else:
        names = getattr(user, GROUP_NAMES_ATTR, None)
        if names is None:
            names = user.groups.values_list("name", flat=True)
        roles = frozenset(ROLE_BY_GROUP[name] for name in names if name in ROLE_BY_GROUP)
        if user.is_superuser:
            roles |= {Role.ADMIN}
    setattr(user, _CACHE_ATTR, roles)
    return roles


# Staff who read and work cases: answer, assign, change status.
CASE_WORKERS = (Role.AGENT, Role.NOC, Role.ADMIN)


def works_cases(user) -> bool:
    """Vendor staff who read and work support cases (never a partner-side user)."""
    return (
        getattr(user, "is_authenticated", False)
        and not user.is_partner
        and has_role(user, *CASE_WORKERS)
    )


def has_role(user, *roles: Role) -> bool:
    """True when the user holds any of ``roles``. Administrators may act in every staff role."""
    held = roles_of(user)
    if Role.ADMIN in held and any(role in STAFF_ROLES for role in roles):
        return True
    return bool(held.intersection(roles))


# The page a user lands on after login is the one for the first role they hold in this order.
LANDING_ORDER = (Role.PARTNER, Role.AGENT, Role.NOC, Role.BILLING, Role.ADMIN)


def primary_role(user) -> Role | None:
    held = roles_of(user)
    return next((role for role in LANDING_ORDER if role in held), None)


def sync_role_groups() -> None:
    """Create the staff groups and give each its permissions; safe to run repeatedly."""
    for role, group_name in GROUP_NAMES.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = GROUP_PERMISSIONS[role]
        if wanted == ["*"]:
            permissions = Permission.objects.filter(content_type__app_label__in=ADMIN_APPS)
        else:
            permissions = [
                Permission.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in (name.split(".", 1) for name in wanted)
            ]
        group.permissions.set(permissions)


def sync_role_groups_after_migrate(sender, **kwargs) -> None:
    """Runs once per ``migrate``, after the last app has created its permissions."""
    from django.apps import apps

    last = [config for config in apps.get_app_configs() if config.models_module][-1]
    if sender.label == last.label:
        sync_role_groups()
