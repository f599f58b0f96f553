"""Database ids in addresses and query strings.

A primary key is a 64-bit signed integer: a longer run of digits is no object's id, so it
is turned away before it reaches the database. ``<id:pk>`` in a URL pattern matches digits
only and answers 404 for a number no row can have; ``as_id`` reads an id from request input.
"""

from django.urls import register_converter

MAX_ID = 2**63 - 1  # the largest primary key the database can hold


def as_id(value) -> int | None:
    """A primary key from request input, or None for anything the database could not hold."""
    text = str(value or "").strip()
    # isdecimal, not isdigit: "²" is a digit that int() cannot read ("٣" it reads as 3).
    # More digits than MAX_ID has are no id, and int() may refuse to read that many at all.
    if not text.isdecimal() or len(text.lstrip("0")) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


class IdConverter:
    """``<id:pk>``: digits, read as an int; a number above ``MAX_ID`` does not match, so the
    address is a 404 without the view running."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError(f"{value} is larger than any id")
        return number

    def to_url(self, value) -> str:
        return str(value)


register_converter(IdConverter, "id")
