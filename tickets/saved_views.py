"""Saved views of the agent queue: the built-in ones every agent has, the ones an agent
saves for themself or for the team, who sees which and who may change them.

A view is the query string of the queue's filters and sort order, nothing else: the page
number and size stay with the person looking. It is checked by the queue's own filters
(``QueueFilter``) before it is kept, so a view always opens on a queue the page can show.

Who may do what (read as the desk's rule for shared work):

- a private view is its owner's alone: anyone else gets "not found", whether they open,
  rename or delete it by its id;
- a view shared with the team is seen by everyone who works the queue; its owner and the
  team leads (``Role.LEAD``, which administrators hold too) may rename, re-share or delete
  it, the rest of the team may only open it.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from partners.models import User
from partners.roles import Role, has_role, works_cases
from tickets import filters, workflow
from tickets.models import SavedView, Ticket

# The query keys a view keeps: every filter of the queue and its sort order.
VIEW_KEYS = tuple(filters.QueueFilter.base_filters)
DEFAULT_ORDERING = filters.DUE_FIRST


@dataclass(frozen=True)
class BuiltInView:
    """A view every agent has, which nobody can rename or delete."""

    name: str
    query: str


def _query(**lists: list[str]) -> str:
    query = QueryDict(mutable=True)
    for key, values in lists.items():
        query.setlist(key, values)
    return query.urlencode()


def built_in_views() -> list[BuiltInView]:
    active = filters.active_statuses()
    return [
        BuiltInView("My open cases", _query(assignee=[filters.ASSIGNEE_ME], status=active)),
        BuiltInView("Unassigned", _query(assignee=[filters.ASSIGNEE_NONE], status=active)),
        BuiltInView("Critical", _query(cos=[Ticket.ClassOfService.CRITICAL.value], status=active)),
        BuiltInView("All active", _query(status=active)),
        BuiltInView("All cases", _query(status=[status.value for status in workflow.Status])),
    ]


def view_query(params: QueryDict) -> str:
    """The part of a queue address a view keeps: the filters and the sort order, without
    empty values, in the order the filters are declared."""
    query = QueryDict(mutable=True)
    for key in VIEW_KEYS:
        values = [value for value in params.getlist(key) if value.strip()]
        if values:
            query.setlist(key, values)
    return query.urlencode()


def view_key(params: QueryDict) -> dict[str, list[str]]:
    """What makes two queue addresses show the same view: the same filters (no status
    ticked means the active ones, as the queue reads it) and the same sort order."""
    key = {
        name: sorted(value for value in params.getlist(name) if value.strip()) for name in VIEW_KEYS
    }
    key = {name: values for name, values in key.items() if values}
    key.setdefault("status", sorted(filters.active_statuses()))
    if key.get("ordering") == [DEFAULT_ORDERING]:
        del key["ordering"]
    return key


def view_query_problems(query: str, *, user: User) -> list[str]:
    """What the queue's filters refuse in ``query``, in words; empty when it is fine."""
    filterset = filters.QueueFilter(QueryDict(query), queryset=Ticket.objects.none(), user=user)
    form = filterset.form
    if form.is_valid():
        return []
    return [
        f"{form.fields[name].label}: {' '.join(errors)}"
        if name in form.fields
        else " ".join(errors)
        for name, errors in form.errors.items()
    ]


# --- Reads -----------------------------------------------------------------------------------


def saved_views_visible_to(user: User) -> QuerySet[SavedView]:
    """The user's own views and the ones shared with the team, by name."""
    if not works_cases(user):
        return SavedView.objects.none()
    return SavedView.objects.filter(
        Q(owner_id=user.pk) | Q(visibility=SavedView.Visibility.TEAM)
    ).order_by("name", "id")


def saved_view_for(*, user: User, pk: int) -> SavedView:
    """Raises SavedView.DoesNotExist for a missing view and for another's private one alike."""
    return saved_views_visible_to(user).select_related("owner").get(pk=pk)


def may_change(user: User, view: SavedView) -> bool:
    """Its owner, and for a view shared with the team, the team leads."""
    if view.owner_id == user.pk:
        return True
    return view.shared and has_role(user, Role.LEAD)


# --- Writes ----------------------------------------------------------------------------------


def _check(*, owner: User, name: str, exclude: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Give the view a name."})
    taken = SavedView.objects.filter(owner=owner, name__iexact=name).exclude(pk=exclude)
    if taken.exists():
        raise ValidationError(
            {"name": f"There is already a view named “{name}”: choose another name."}
        )
    return name


def saved_view_create(*, owner: User, name: str, visibility: str, params: QueryDict) -> SavedView:
    """Keep the filters and sort order of ``params`` under ``name``. Refuses a name the
    owner already uses and filters the queue would not accept."""
    if not works_cases(owner):
        raise PermissionDenied("Only the support team saves views of the queue.")
    query = view_query(params)
    problems = view_query_problems(query, user=owner)
    if problems:
        raise ValidationError(
            "These filters cannot be saved as they are: " + "; ".join(problems) + "."
        )
    with transaction.atomic():
        name = _check(owner=owner, name=name)
        try:
            with transaction.atomic():
                return SavedView.objects.create(
                    owner=owner, name=name, visibility=visibility, query=query
                )
        except IntegrityError:  # the same name saved twice at once
            raise ValidationError(
                {"name": f"There is already a view named “{name}”: choose another name."}
            ) from None


def saved_view_update(*, actor: User, view: SavedView, name: str, visibility: str) -> SavedView:
    if not may_change(actor, view):
        raise PermissionDenied("Only its owner or a team lead may change this view.")
    view.name = _check(owner=view.owner, name=name, exclude=view.pk)
    view.visibility = visibility
    view.updated_at = timezone.now()
    view.save(update_fields=["name", "visibility", "updated_at"])
    return view


def saved_view_delete(*, actor: User, view: SavedView) -> None:
    if not may_change(actor, view):
        raise PermissionDenied("Only its owner or a team lead may delete this view.")
    view.delete()
