"""Pages of a long list, read as ``page_size + 1`` rows: the extra row only tells whether a
next page exists, so no list ever counts its whole table."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import QueryDict

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = PAGE_SIZES[0]
# Deep pages get slow with OFFSET; nobody works a queue 2,000 pages down, they filter.
MAX_PAGE = 2000


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
