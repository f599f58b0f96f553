"""Cursor pagination whose cursor is checked before it reaches the database.

DRF's cursor carries the position of the first sort field as text and only checks that it
decodes. A forged cursor (``?cursor=cD0A`` is ``p=\\x00``) would put any text into the
list's query: a NUL, which PostgreSQL refuses, or a word where an id or an instant is
expected. Every API list pages with ``CheckedCursor`` (the ``DEFAULT_PAGINATION_CLASS``,
and the base of the lists' own cursors): a position its sort field cannot hold answers
404 ``{"detail": "Invalid cursor"}``, as a cursor that does not decode already does.
"""

from datetime import datetime

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Model
from rest_framework.exceptions import NotFound
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
    except (ValidationError, ValueError, TypeError, OverflowError):
        return False
    return True


class CheckedCursor(CursorPagination):
    """``CursorPagination`` that answers 404 for a cursor whose position its sort field
    cannot hold."""

    def paginate_queryset(self, queryset, request, view=None):
        self.model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        position = cursor.position if cursor is not None else None
        if position is not None and not position_readable(self.model, self.ordering[0], position):
            raise NotFound(self.invalid_cursor_message)
        return cursor
