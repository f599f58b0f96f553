"""What every streamed CSV export needs: a writer target that hands each line back, and
text cells a spreadsheet will not run as formulas."""

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Echo:
    """A file-like object whose write hands the line back, so csv.writer can stream."""

    def write(self, value: str) -> str:
        return value


def spreadsheet_safe(text: str) -> str:
    """``text`` as a cell that shows as typed, never evaluated."""
    return "'" + text if text.startswith(FORMULA_START) else text
