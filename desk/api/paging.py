"""How the API's case list is sorted and paged: by creation time, or for staff by the
nearest SLA breach, with cursors that never count the table."""

from base64 import b64decode, b64encode
from datetime import datetime
from urllib import parse

from django.db.models import Q
from rest_framework.exceptions import NotFound
from rest_framework.filters import OrderingFilter
from rest_framework.utils.urls import replace_query_param

from core.api.cursor import CheckedCursor
from core.converters import MAX_ID
from partners.roles import works_cases
from tickets.filters import DUE_FIRST_ORDER
from tickets.models import Ticket

# The API's name for the queue's order, nearest breach first (``DUE_FIRST_ORDER``): cases
# with nothing waiting last, oldest first among equals.
BREACH_FIRST = "next_breach_at"


class TicketOrdering(OrderingFilter):
    """By creation time (either way), or for staff by the nearest SLA breach; the id breaks
    ties so pages never overlap. Staff get the nearest breach first unless they ask
    otherwise, partners the newest case first."""

    ordering_fields = ["created_at", BREACH_FIRST]
    ordering_description = (
        '"created_at" (oldest first), "-created_at" (newest first: the default for partners) '
        'or, for support staff, "next_breach_at" (nearest SLA breach first, cases with no '
        "clock waiting last, then oldest first: the default for staff)."
    )

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = super().remove_invalid_fields(queryset, fields, view, request)
        # Only staff sort by the breach instant (it includes internal clocks), and only
        # nearest first.
        staff = works_cases(request.user)
        return [
            term
            for term in valid
            if term.lstrip("-") != BREACH_FIRST or (staff and term == BREACH_FIRST)
        ]

    def get_default_ordering(self, view):
        if works_cases(view.request.user):
            return [BREACH_FIRST]
        return ["-created_at"]

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view))
        if ordering[0] == BREACH_FIRST:
            return [BREACH_FIRST, "created_at", "id"]
        if not any(field.lstrip("-") == "id" for field in ordering):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return ordering

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if ordering[0] == BREACH_FIRST:
            return queryset.order_by(*DUE_FIRST_ORDER)
        return queryset.order_by(*ordering)


def _after_in_breach_order(key: tuple) -> Q:
    """Cases after ``key`` = (next_breach_at or None, created_at, id) in DUE_FIRST_ORDER."""
    breach, created, pk = key
    later = Q(created_at__gt=created) | Q(created_at=created, id__gt=pk)
    if breach is None:
        return Q(next_breach_at__isnull=True) & later
    return (
        Q(next_breach_at__gt=breach)
        | Q(next_breach_at__isnull=True)
        | (Q(next_breach_at=breach) & later)
    )


def _before_in_breach_order(key: tuple) -> Q:
    breach, created, pk = key
    earlier = Q(created_at__lt=created) | Q(created_at=created, id__lt=pk)
    if breach is None:
        return Q(next_breach_at__isnull=False) | (Q(next_breach_at__isnull=True) & earlier)
    return Q(next_breach_at__lt=breach) | (Q(next_breach_at=breach) & earlier)


class TicketCursor(CheckedCursor):
    """Next/previous links, never a COUNT over the whole table.

    DRF's cursor keeps the position of the first sort field only, which cannot hold the
    empty breach instants of cases with nothing waiting; in the nearest-breach order the
    cursor carries the whole sort key instead (keyset pagination).
    """

    ordering = ("-created_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        self.by_breach = self.get_ordering(request, queryset, view)[0] == BREACH_FIRST
        if not self.by_breach:
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        key, backwards = self._decode_key(request)
        if backwards:
            ordered = queryset.order_by(
                *(term.copy().reverse_ordering() for term in DUE_FIRST_ORDER)
            )
            ordered = ordered.filter(_before_in_breach_order(key))
        else:
            ordered = queryset.order_by(*DUE_FIRST_ORDER)
            if key is not None:
                ordered = ordered.filter(_after_in_breach_order(key))
        rows = list(ordered[: self.page_size + 1])
        more = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        if backwards:
            self.page.reverse()
            self.has_next, self.has_previous = True, more
        else:
            self.has_next, self.has_previous = more, key is not None
        return self.page

    @staticmethod
    def _key_of(ticket: Ticket) -> tuple:
        return (ticket.next_breach_at, ticket.created_at, ticket.pk)

    def _decode_key(self, request) -> tuple[tuple | None, bool]:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None, False
        try:
            tokens = parse.parse_qs(
                b64decode(encoded.encode("ascii"), validate=True).decode("ascii"),
                keep_blank_values=True,
            )
            breach = tokens["b"][0]
            key = (
                datetime.fromisoformat(breach) if breach else None,
                datetime.fromisoformat(tokens["c"][0]),
                int(tokens["i"][0]),
            )
            if key[1].tzinfo is None or (key[0] is not None and key[0].tzinfo is None):
                raise ValueError("naive instant")
            if not 0 < key[2] <= MAX_ID:
                raise ValueError("id out of range")
            return key, tokens.get("r", ["0"])[0] == "1"
        except (KeyError, TypeError, ValueError, UnicodeError):
            raise NotFound(self.invalid_cursor_message) from None

    def _link(self, ticket: Ticket, *, backwards: bool) -> str:
        breach, created, pk = self._key_of(ticket)
        tokens = {"b": breach.isoformat() if breach else "", "c": created.isoformat(), "i": pk}
        if backwards:
            tokens["r"] = "1"
        encoded = b64encode(parse.urlencode(tokens).encode("ascii")).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def get_next_link(self):
        if not self.by_breach:
            return super().get_next_link()
        if not self.has_next or not self.page:
            return None
        return self._link(self.page[-1], backwards=False)

    def get_previous_link(self):
        if not self.by_breach:
            return super().get_previous_link()
        if not self.has_previous or not self.page:
            return None
        return self._link(self.page[0], backwards=True)
