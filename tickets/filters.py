"""Which cases a list of cases shows, and in which order: the staff queue page and the API's
case list share one set of filters, ``CaseFilter``.

``CaseFilter`` declares every filter, what it matches and what it accepts, once.
``QueueFilter`` shows those filters on the queue page (labels, widgets, the lists to pick
from) and adds the organisation-name search and the page's sort order; the API's case list
documents them in a subclass of its own. Both take the query string
(``?status=new&status=open&assignee=me&q=…``) and the queryset to narrow. The queue's
default sort is "nearest breach first": breached cases on top, then the ones about to
breach, then those with no clock waiting, oldest first.

A Critical case with no clock running (answered, or paused while waiting on the partner)
"sorts with the Critical cases" where the class of service is the order: sorted by class
(the queue's column header) and in the Critical view it stays with them, after the
Critical cases whose clocks run. The default order stays strictly "nearest breach first":
such a case has nothing left to breach, and its row is still marked Critical.
"""

import copy
from functools import cache
from typing import Any, ClassVar

import django_filters
from django import forms
from django.core.cache import cache as shared_cache
from django.core.validators import RegexValidator
from django.db import connection
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.db.models.expressions import OrderBy
from django.urls import reverse_lazy
from django_filters.fields import ChoiceField, ModelChoiceField

from core.converters import MAX_ID, as_id
from core.widgets import PlainSelect
from partners.models import CaseReason, CaseType, Organisation
from partners.roles import works_cases
from tickets import search, selectors, workflow
from tickets.models import Ticket

ASSIGNEE_ME = "me"
ASSIGNEE_NONE = "none"


def _rank(field: str, values: list[str]) -> Case:
    """Sort a field by its position in ``values`` instead of alphabetically."""
    return Case(
        *(When(**{field: value}, then=Value(index)) for index, value in enumerate(values)),
        default=Value(len(values)),
        output_field=IntegerField(),
    )


STATUS_RANK = _rank("status", [status.value for status in workflow.Status])
COS_RANK = _rank("cos", [Ticket.ClassOfService.CRITICAL, Ticket.ClassOfService.STANDARD])

DUE_FIRST = "due"
# ``next_breach_at`` is kept by sla.services for the clocks still waiting, so a breached
# case (its breach instant already past) sorts before one that breaches later, and a case
# with no clock waiting comes last. Matches the ``ticket_active_by_breach`` index.
DUE_FIRST_ORDER: tuple[OrderBy, ...] = (
    F("next_breach_at").asc(nulls_last=True),
    F("created_at").asc(),
    F("id").asc(),
)

# Sort keys offered besides the default; "-key" sorts the other way round.
SORT_KEYS = {
    "created_at": F("created_at"),
    "updated_at": F("updated_at"),
    "status": STATUS_RANK,
    "cos": COS_RANK,
    "organisation": F("organisation__name"),
    # Unassigned cases come after the assigned ones, whichever way round.
    "assignee": F("assignee__full_name"),
}

ORDERING_CHOICES = [
    (DUE_FIRST, "Nearest breach first"),
    ("created_at", "Oldest first"),
    ("-created_at", "Newest first"),
    ("-updated_at", "Recently updated first"),
    ("updated_at", "Longest without an update first"),
    ("status", "Status, new to closed"),
    ("-status", "Status, closed to new"),
    ("cos", "Class of service, critical first"),
    ("-cos", "Class of service, standard first"),
    ("organisation", "Organisation, A to Z"),
    ("-organisation", "Organisation, Z to A"),
    ("assignee", "Assigned to, A to Z"),
    ("-assignee", "Assigned to, Z to A"),
]


def order_for(key: str | None) -> tuple[OrderBy, ...]:
    """The ORDER BY of a sort key; always ends on a unique column so pages never overlap."""
    if not key or key == DUE_FIRST:
        return DUE_FIRST_ORDER
    descending = key.startswith("-")
    name = key.removeprefix("-")
    if name not in SORT_KEYS:
        return DUE_FIRST_ORDER
    # Only the assignee can be missing; the other keys keep the plain order their indexes
    # serve.
    nulls = {"nulls_last": True} if name == "assignee" else {}
    primary = SORT_KEYS[name].desc(**nulls) if descending else SORT_KEYS[name].asc(**nulls)
    if name == "created_at":
        return (primary, F("id").desc() if descending else F("id").asc())
    if name == "cos":
        # Within a class of service, nearest breach first; a case with no clock waiting
        # (met, paused, or none yet) stays with its class, after the ones that have one.
        return (primary, *DUE_FIRST_ORDER)
    return (primary, F("created_at").asc(), F("id").asc())


# --- Choices, read when the form is shown or checked -------------------------------------


def case_type_choices() -> list[tuple[str, str]]:
    """Every case type code of every version of the terms, named as the newest names it."""
    seen: dict[str, str] = {}
    rows = CaseType.objects.order_by("-policy__effective_from", "position").values_list(
        "code", "name"
    )
    for code, name in rows:
        seen.setdefault(code, name)
    return list(seen.items())


def reason_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Reasons grouped by case type; values are "<type code>/<reason code>"."""
    groups: dict[str, tuple[str, dict[str, str]]] = {}
    rows = CaseReason.objects.order_by(
        "-case_type__policy__effective_from", "case_type__position", "position"
    ).values_list("case_type__code", "case_type__name", "code", "name")
    for type_code, type_name, code, name in rows:
        _, reasons = groups.setdefault(type_code, (type_name, {}))
        reasons.setdefault(f"{type_code}/{code}", name)
    return [("", "Any reason")] + [
        (type_name, list(reasons.items())) for type_name, reasons in groups.values()
    ]


# How long a copy of the staff list is kept at most: the bound on a change that bypassed the
# ORM's signals (``QuerySet.update``, raw SQL).
STAFF_CHOICES_SECONDS = 300


def _staff_choices_key() -> str:
    # Named after the database: processes on different databases may share one cache
    # server (parallel test runs), and a list of one is no good to another.
    return f"tickets:staff-choices:{connection.settings_dict['NAME']}"


def staff_choices() -> list[tuple[str, str]]:
    """(id, name) of everyone a case can be assigned to. Every staff case page and the queue
    offer it, and it changes only when someone joins, leaves, changes name or roles: kept in
    the shared cache, forgotten on every such change (``tickets.signals``)."""
    key = _staff_choices_key()
    found = shared_cache.get(key)
    if found is None:
        staff = selectors.staff_assignees().values_list("pk", "full_name", "email")
        found = [(str(pk), full_name or email) for pk, full_name, email in staff]
        shared_cache.set(key, found, STAFF_CHOICES_SECONDS)
    return found


def staff_choices_forget() -> None:
    shared_cache.delete(_staff_choices_key())


def assignee_choices() -> list[tuple[str, str]]:
    return [(ASSIGNEE_ME, "Me"), (ASSIGNEE_NONE, "Nobody (unassigned)"), *staff_choices()]


REGION_CHOICES = [(Organisation.Region.EU, "Europe"), (Organisation.Region.US, "United States")]


# How many organisations the queue's organisation list offers at once; the name search
# narrows it to the one wanted.
ORGANISATIONS_LISTED = 50


def organisations_named(query: str) -> QuerySet[Organisation]:
    """Organisations whose name contains ``query`` (every one for an empty query), by name."""
    organisations = Organisation.objects.order_by("name")
    query = query.strip()
    return organisations.filter(name__icontains=query) if query else organisations


class IdField(forms.IntegerField):
    """A database id: out-of-range numbers are refused instead of reaching the database."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class IdFilter(django_filters.Filter):
    field_class = IdField


ASSIGNEE_FORMAT = RegexValidator(r"^(none|me|[0-9]{1,18})$", "Give a user id, “none” or “me”.")


def presented(declared: django_filters.Filter, **options: Any) -> django_filters.Filter:
    """A copy of ``declared`` shown another way: ``label`` and ``field_class`` replace the
    filter's own, every other option goes to its form field (help text, widget, choices)."""
    shown = copy.deepcopy(declared)
    if "label" in options:
        shown.label = options.pop("label")
    if "field_class" in options:
        shown.field_class = options.pop("field_class")
    shown.extra.update(options)
    return shown


class CaseFilter(django_filters.FilterSet):
    """Every filter of a list of cases, what it matches and what it accepts, written once.

    A subclass shows the filters its own way through ``presentation``; partners may narrow
    their own cases by status, type, reason, class of service and text, the filters that
    reach across organisations apply to staff who work cases only."""

    STAFF_ONLY = frozenset({"tier", "region", "assignee", "organisation"})

    # Per filter name, the options ``presented`` applies in a subclass: how a filter is
    # shown, never what it matches.
    presentation: ClassVar[dict[str, dict[str, Any]]] = {}

    q = django_filters.CharFilter(method="filter_text")
    status = django_filters.MultipleChoiceFilter(
        choices=Ticket.Status.choices,
        # A plain IN on the case's own column cannot repeat rows; DISTINCT would make the
        # database sort every matching case before it could return the first page.
        distinct=False,
    )
    case_type = django_filters.CharFilter(field_name="case_type__code")
    reason = django_filters.CharFilter(method="filter_reason")
    cos = django_filters.ChoiceFilter(choices=Ticket.ClassOfService.choices)
    tier = django_filters.ChoiceFilter(
        field_name="organisation__tier", choices=Organisation.Tier.choices
    )
    region = django_filters.ChoiceFilter(
        field_name="organisation__region", choices=Organisation.Region.choices
    )
    assignee = django_filters.CharFilter(method="filter_assignee", validators=[ASSIGNEE_FORMAT])
    organisation = IdFilter(field_name="organisation_id")

    class Meta:
        model = Ticket
        fields: list[str] = []

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        for name, options in cls.presentation.items():
            filters[name] = presented(filters[name], **options)
        return filters

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.user = user if user is not None else getattr(request, "user", None)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        staff = works_cases(self.user)
        for name, value in self.form.cleaned_data.items():
            if name in self.STAFF_ONLY and not staff:
                continue
            queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search.search_tickets(queryset, value)

    def filter_reason(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """ "tech_support/call-quality" names one reason; a bare "call-quality" matches that
        code under any case type."""
        type_code, _, code = value.rpartition("/")
        if type_code:
            return queryset.filter(case_type__code=type_code, reason__code=code)
        return queryset.filter(reason__code=code)

    def filter_assignee(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == ASSIGNEE_NONE:
            return queryset.filter(assignee__isnull=True)
        if value == ASSIGNEE_ME:
            user_id = self.user.pk if self.user is not None else None
            return queryset.filter(assignee_id=user_id) if user_id else queryset.none()
        return queryset.filter(assignee_id=int(value))


class QueueFilter(CaseFilter):
    """The filters as the queue page shows them, each list to pick from checking what it is
    given; with the organisation-name search and the sort order the page adds."""

    presentation = {
        "q": {
            "label": "Search",
            "help_text": "A case number (SD-000123) or words from the subject or description.",
            "widget": forms.TextInput(
                attrs={"type": "search", "placeholder": "Search: SD-000123 or words"}
            ),
        },
        "status": {"label": "Status", "widget": forms.CheckboxSelectMultiple},
        "case_type": {
            "label": "Case type",
            "field_class": ChoiceField,
            "choices": case_type_choices,
            "empty_label": "Any type",
            "widget": PlainSelect,
        },
        "reason": {"label": "Reason", "widget": PlainSelect(choices=reason_choices)},
        "cos": {"label": "Class of service", "empty_label": "Any", "widget": PlainSelect},
        "tier": {"label": "Partner tier", "empty_label": "Any tier", "widget": PlainSelect},
        "region": {
            "label": "Region",
            "choices": REGION_CHOICES,
            "empty_label": "Any region",
            "widget": PlainSelect,
        },
        "assignee": {
            "label": "Assigned to",
            "field_class": ChoiceField,
            "choices": assignee_choices,
            "empty_label": "Anyone or nobody",
            "widget": PlainSelect,
        },
        "organisation": {
            "label": "Organisation",
            "field_class": ModelChoiceField,
            "queryset": Organisation.objects.all(),
            "empty_label": "Any organisation",
            "widget": PlainSelect,
        },
    }

    org_q = django_filters.CharFilter(
        method="filter_organisation_name",
        label="Organisation name",
        help_text="Part of a name: shows those organisations' cases, and narrows the list "
        "beside it as you type.",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                # The organisation list below follows what is typed (htmx).
                "hx-get": reverse_lazy("tickets:queue_organisations"),
                "hx-trigger": "input changed delay:300ms, search",
                "hx-target": "#queue-organisation",
                "hx-swap": "outerHTML",
                "hx-include": "#id_organisation",
                "hx-sync": "this:replace",
            }
        ),
    )
    ordering = django_filters.ChoiceFilter(
        method="filter_nothing",
        choices=ORDERING_CHOICES,
        label="Sort by",
        empty_label=None,
        widget=PlainSelect,
    )

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user=None):
        super().__init__(data, queryset, request=request, prefix=prefix, user=user)
        # Choices are read from the database once per use of the filters, however many
        # times the form checks or renders them.
        self.filters["case_type"].extra["choices"] = cache(case_type_choices)
        # The staff list is read once for the assignee filter and whatever else the page
        # offers people from (the queue's bulk assignment).
        self.staff_choices = cache(staff_choices)
        self.filters["assignee"].extra["choices"] = cache(self._assignee_choices)
        self.filters["reason"].extra["widget"] = PlainSelect(choices=cache(reason_choices))
        # Read only where the form is shown: filters applied without being shown (the next
        # case of a view, on the case page) read no organisation list.
        self.organisation_choices = cache(self.organisation_options)

    def _assignee_choices(self) -> list[tuple[str, str]]:
        return [(ASSIGNEE_ME, "Me"), (ASSIGNEE_NONE, "Nobody (unassigned)"), *self.staff_choices()]

    def filter_organisation_name(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(organisation__name__icontains=value.strip())

    @property
    def form(self):
        form = super().form
        form.fields["organisation"].widget.choices = self.organisation_choices
        return form

    def organisation_options(self) -> list[tuple[str, str]]:
        """What the organisation list offers: the first organisations matching the name
        typed, and the one chosen whatever its name, never every organisation at once."""
        data = self.data or {}
        listed = list(
            organisations_named(str(data.get("org_q", ""))[:100]).values_list("pk", "name")[
                :ORGANISATIONS_LISTED
            ]
        )
        chosen = as_id(data.get("organisation"))
        if chosen and all(pk != chosen for pk, _ in listed):
            listed[:0] = Organisation.objects.filter(pk=chosen).values_list("pk", "name")
        return [("", "Any organisation"), *((str(pk), name) for pk, name in listed)]

    def filter_nothing(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # the sort order is applied last, in filter_queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        return queryset.order_by(*order_for(self.form.cleaned_data.get("ordering")))


def active_statuses() -> list[str]:
    return [status.value for status in workflow.Status if status in workflow.ACTIVE]
