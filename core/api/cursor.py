"""Cursor pagination whose cursor is checked before it reaches the database.

DRF's cursor carries the position of the first sort field as text and only checks that it
decodes. A forged cursor (``?cursor=cD0A`` is ``p=\\x00``) would put any text into the
list's query: a NUL, which PostgreSQL refuses, or a word where an id or an instant is
expected. Every API list pages with ``CheckedCursor`` (the ``DEFAULT_PAGINATION_CLASS``,
and the base of the lists' own cursors): a position its sort field cannot hold answers
404 ``{"detail": "Invalid cursor"}``, as a cursor that does not decode already does.

A list that lets the caller choose its page size (``page_size_query_param``) takes a whole
number from 1 to its ``max_page_size`` written in ASCII digits, and answers anything else
with 400 ``{"page_size": ["…"]}``: DRF would quietly give the default size instead, or the
largest for a number above it, and a caller would not learn that the page is not the size
asked for. Sent empty (``?page_size=``) it counts as not sent, as every optional query
parameter does.
"""

from datetime import datetime

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


def position_readable(model: type[Model], ordering: str, position: str) -> bool:
    """Whether ``position`` is a value the field ``ordering`` sorts by can hold."""
    if "\x00" in position:
        return False
    name = ordering.lstrip("-")
    try:
        field = model._meta.get_field("id" if name == "pk" else name)
    except FieldDoesNotExist:
        return True  # an annotation: the database reads it as it reads the column
    try:
        value = field.to_python(position)
        # A cursor this desk wrote states its offset from UTC.
        if isinstance(value, datetime) and value.tzinfo is None:
            return False
        field.get_prep_value(value)
    except (DjangoValidationError, ValueError, TypeError, OverflowError):
        return False
    return True


def page_size_readable(text: str, *, maximum: int | None) -> int | None:
    """The page size ``text`` asks for, or None when it is no whole number from 1 to
    ``maximum`` (no upper bound when ``maximum`` is None)."""
    # isascii too: "٣" is a decimal digit int() reads as 3, "²" one it cannot read at all.
    if not (text.isascii() and text.isdecimal()):
        return None
    try:
        size = int(text)
    except ValueError:  # more digits than int() reads from text
        return None
    if size < 1 or (maximum is not None and size > maximum):
        return None
    return size


class CheckedCursor(CursorPagination):
    """``CursorPagination`` that answers 404 for a cursor whose position its sort field
    cannot hold, and 400 for a page size out of range."""

    def paginate_queryset(self, queryset, request, view=None):
        self.model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        position = cursor.position if cursor is not None else None
        if position is not None and not position_readable(self.model, self.ordering[0], position):
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def get_page_size(self, request):
        name = self.page_size_query_param
        text = request.query_params.get(name, "") if name else ""
        if not text:
            return self.page_size
        size = page_size_readable(text, maximum=self.max_page_size)
        if size is None:
            raise ValidationError({name: [self.page_size_message()]})
        return size

    def page_size_message(self) -> str:
        if self.max_page_size is None:
            return "Give a whole number of at least 1."
        return f"Give a whole number from 1 to {self.max_page_size}."

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                bounds = {"minimum": 1}
                if self.max_page_size is not None:
                    bounds["maximum"] = self.max_page_size
                parameter["schema"] = {**parameter["schema"], **bounds}
                parameter["description"] += f" {self.page_size_message()}"
        return parameters
