"""The one CSV writer: text that a spreadsheet would run as a formula is shown as typed,
numbers stay numbers."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.csv import FORMULA_START, cell, csv_lines


def written(*rows) -> list[list[str]]:
    text = "".join(csv_lines(["a", "b"], rows))
    return list(csv.reader(io.StringIO(text)))[1:]


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://evil.test","x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"],
)
def test_text_a_spreadsheet_would_run_gets_a_quote_in_front(text):
    assert written([text, "plain"]) == [["'" + text, "plain"]]


def test_numbers_stay_numbers_even_below_zero():
    assert written([Decimal("-12.50"), -3]) == [["-12.50", "-3"]]


def test_text_that_reads_like_a_negative_number_is_still_text():
    assert written(["-12.50", None]) == [["'-12.50", ""]]


def test_dates_and_other_values_are_written_as_their_text():
    assert written([date(2026, 11, 1), True]) == [["2026-11-01", "True"]]


@given(st.text())
def test_no_text_cell_ever_starts_a_formula(text):
    assert not str(cell(text)).startswith(FORMULA_START)


def test_the_text_starts_with_one_byte_order_mark_and_keeps_accents():
    text = "".join(csv_lines(["organisation"], [["Müller GmbH"]]))

    assert text.encode("utf-8").startswith(b"\xef\xbb\xbfo")
    assert list(csv.DictReader(io.StringIO(text.encode().decode("utf-8-sig")))) == [
        {"organisation": "Müller GmbH"}
    ]
