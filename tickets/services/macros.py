"""Canned replies (macros): team leads (and administrators) keep them, agents apply them.

Applying one is a reply plus, optionally, a status change and an assignment; that flow
also moves clocks, so it lives in ``desk.actions.macro``. Here only the list itself."""

from dataclasses import dataclass
from functools import partial

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from partners.models import User
from partners.roles import Role, has_role
from tickets.models import Macro, Ticket
from tickets.placeholders import unknown_placeholders

# The statuses a macro may move a case to: a reply never makes a case new, and closing
# is the partner's step (or the timer's) after a resolution.
MACRO_STATUSES = [
    (status.value, status.label)
    for status in (Ticket.Status.OPEN, Ticket.Status.WAITING, Ticket.Status.RESOLVED)
]


# The reply box lists the active macros on every staff case page; the list changes only
# when a lead saves one, so it is kept in the cache and dropped on every change.
CHOICES_KEY = "macros:active-choices"


@dataclass(frozen=True)
class MacroChoice:
    pk: int
    name: str


def macro_choices() -> list[MacroChoice]:
    """The active macros, by name, as the reply box offers them."""
    cached = cache.get(CHOICES_KEY)
    if cached is None:
        cached = list(
            Macro.objects.filter(is_active=True).order_by("name").values_list("pk", "name")
        )
        cache.set(CHOICES_KEY, cached, 3600)
    return [MacroChoice(pk=pk, name=name) for pk, name in cached]


def _choices_changed() -> None:
    transaction.on_commit(partial(cache.delete, CHOICES_KEY))


def may_manage_macros(user: User) -> bool:
    return has_role(user, Role.LEAD, Role.ADMIN)


def macro_check(*, body: str, status: str) -> None:
    """Refuse a body naming a placeholder we do not know, and a status a reply cannot set."""
    errors = {}
    unknown = unknown_placeholders(body)
    if unknown:
        names = ", ".join(f"{{{name}}}" for name in unknown)
        errors["body"] = (
            f"Unknown placeholder{'s' if len(unknown) > 1 else ''}: {names}. "
            "The placeholders you can use are listed under the text box."
        )
    if status and status not in dict(MACRO_STATUSES):
        errors["status"] = "A macro may move a case to open, waiting on partner or resolved."
    if errors:
        raise ValidationError(errors)


def macro_save(
    *, actor: User, macro: Macro | None, name: str, body: str, status: str, assign: str
) -> Macro:
    """Create a macro (``macro`` None) or change one."""
    if not may_manage_macros(actor):
        raise PermissionDenied("Only team leads and administrators manage macros.")
    macro_check(body=body, status=status)
    with transaction.atomic():
        if Macro.objects.filter(name=name).exclude(pk=macro.pk if macro else None).exists():
            raise ValidationError({"name": "Another macro already has this name."})
        _choices_changed()
        if macro is None:
            return Macro.objects.create(
                name=name, body=body, status=status, assign=assign, created_by=actor
            )
        macro.name, macro.body, macro.status, macro.assign = name, body, status, assign
        macro.save(update_fields=["name", "body", "status", "assign", "updated_at"])
        return macro


def macro_set_active(*, actor: User, macro: Macro, active: bool) -> Macro:
    """Deactivate a macro (agents no longer see it) or bring it back."""
    if not may_manage_macros(actor):
        raise PermissionDenied("Only team leads and administrators manage macros.")
    with transaction.atomic():
        macro.is_active = active
        macro.save(update_fields=["is_active", "updated_at"])
        _choices_changed()
    return macro
