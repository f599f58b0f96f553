"""The agent queue: which cases, in which order, one page at a time.

Pages are read as ``page_size + 1`` rows: the extra row only tells whether a next page
exists, so the queue never counts the whole table.
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import QueryDict

from partners.models import User
from tickets.filters import QueueFilter, active_statuses
from tickets.models import Ticket
from tickets.selectors import tickets_visible_to

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = PAGE_SIZES[0]
# Deep pages get slow with OFFSET; nobody works a queue 2,000 pages down, they filter.
MAX_PAGE = 2000

# What a queue row shows besides the case's own columns.
ROW_RELATED = ("organisation", "assignee", "case_type")


def queue_filter(user: User, params: QueryDict) -> QueueFilter:
    """The queue's filter set for ``params``. With no status chosen it shows the cases that
    still need work (new, open, waiting on the partner)."""
    params = params.copy()
    if not [value for value in params.getlist("status") if value]:
        params.setlist("status", active_statuses())
    queryset = tickets_visible_to(user).select_related(*ROW_RELATED)
    return QueueFilter(params, queryset=queryset, user=user)


def queue_for(user: User, params: QueryDict) -> QuerySet[Ticket]:
    """The cases ``user`` sees in the queue for these filters, sorted, rows ready to show."""
    return queue_filter(user, params).qs


@dataclass(frozen=True)
class Page:
    rows: list
    number: int
    size: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_params(params: QueryDict) -> tuple[int, int]:
    """(page number, page size) from ``?page=&size=``; anything odd falls back to the first
    page of the default size."""
    try:
        size = int(params.get("size", DEFAULT_PAGE_SIZE))
    except ValueError:
        size = DEFAULT_PAGE_SIZE
    if size not in PAGE_SIZES:
        size = DEFAULT_PAGE_SIZE
    try:
        number = int(params.get("page", 1))
    except ValueError:
        number = 1
    return min(max(number, 1), MAX_PAGE), size


def page_of(queryset: QuerySet, *, number: int, size: int) -> Page:
    start = (number - 1) * size
    rows = list(queryset[start : start + size + 1])
    return Page(rows=rows[:size], number=number, size=size, has_next=len(rows) > size)


def query_with(params: QueryDict, **changes) -> str:
    """``params`` as a query string, with some keys replaced (None removes a key)."""
    query = params.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = str(value)
    return query.urlencode()
