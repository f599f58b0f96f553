"""How the API reads a JSON body.

DRF's parser hands the text to ``json``, which recurses once per nesting level: a body of
100,000 opening brackets raises ``RecursionError`` and, left alone, a server error. No
request the desk takes nests deeper than a few levels, so a body nested deeper than
``MAX_DEPTH`` is refused as unreadable (400, ``{"detail": "…"}``) before any view sees it,
whether ``json`` gave up on it or not.
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32
TOO_DEEP = f"JSON parse error - nested deeper than {MAX_DEPTH} levels."


def nesting_depth(value: object, *, limit: int = MAX_DEPTH) -> int:
    """How many arrays and objects deep ``value`` goes, counted without recursion (so it
    is safe on any input); stops counting once past ``limit``."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            break
        pending.extend((child, depth + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing a body nested deeper than ``MAX_DEPTH``."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if nesting_depth(data) > MAX_DEPTH:
            raise ParseError(TOO_DEEP)
        return data
