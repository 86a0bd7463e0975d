"""CSV cells a spreadsheet will not run: the one place every CSV download is written through.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula (CSV injection): a title typed as
`=HYPERLINK("http://…")` would become a live link, or worse, in a historian's spreadsheet.
As OWASP advises, such a cell is written with a leading apostrophe, which spreadsheets show
as text; the JSON Lines downloads keep the value exactly. The downloads page says so. A plain
negative number (a longitude, `-87.6298`) is a number to a spreadsheet, not a formula: it is
written as it is.
"""

from __future__ import annotations

import csv
import io
import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NEGATIVE_NUMBER = re.compile(r"-\d+(\.\d+)?")


def safe_cell(value: object) -> object:
    """`value`, with a leading apostrophe when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not NEGATIVE_NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_line(values: list, lineterminator: str = "\r\n") -> str:
    """One CSV row, every cell made safe for spreadsheets."""
    out = io.StringIO()
    csv.writer(out, lineterminator=lineterminator).writerow([safe_cell(v) for v in values])
    return out.getvalue()
