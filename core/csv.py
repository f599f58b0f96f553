"""How the desk writes CSV: every export's rows go through ``csv_lines``.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula, so text someone else typed (an organisation's name, a case subject,
a note) could run ``=HYPERLINK(…)`` on the desk's own staff. Every text cell that starts
with one of them is written with a ``'`` in front (OWASP's advice for CSV injection), which
a spreadsheet shows as typed and never evaluates.

Only text is neutralised: a number (``int``, ``Decimal``, ``float``) is written as a number,
so a credit of -12.50 stays -12.50 and sums as one. A ``str`` is always text, even when it
reads like a number: an export with a number at hand passes the number.

The text starts with a byte order mark: a spreadsheet opened by double-click on Windows
reads a CSV without one in the machine's legacy code page, so "Müller GmbH" would come out
as "MÃ¼ller GmbH". Served as ``text/csv; charset=utf-8``, it becomes the bytes EF BB BF;
a reader of the file decodes it as ``utf-8-sig``.
"""

import csv
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBERS = (int, Decimal, float)
BOM = "\ufeff"


class Echo:
    """A file-like object whose write hands the line back, so csv.writer can stream."""

    def write(self, value: str) -> str:
        return value


def spreadsheet_safe(text: str) -> str:
    """``text`` as a cell that shows as typed, never evaluated."""
    return "'" + text if text.startswith(FORMULA_START) else text


def cell(value: object) -> object:
    """One value as the CSV writes it: nothing as an empty cell, a number as itself, and
    anything else as its text, made safe."""
    if value is None:
        return ""
    if isinstance(value, NUMBERS) and not isinstance(value, bool):
        return value
    return spreadsheet_safe(str(value))


def csv_lines(header: Sequence[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The CSV text of ``header`` and ``rows``, one line at a time (to stream, or join),
    starting with the byte order mark."""
    writer = csv.writer(Echo())
    yield BOM + writer.writerow(header)
    for row in rows:
        yield writer.writerow([cell(value) for value in row])
