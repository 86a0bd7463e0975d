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
    """One CSV row, every cell made safe for spreadsheets: what `csv.writer` writes (excel
    dialect, minimal quoting). Cells of text and numbers are written here, each scanned once
    by `in` (the csv module's writer reads a cell a character at a time, half of the record
    downloads' time at 100,000 records); a row with a line break in a cell, or of one cell,
    or of other values, is left to the csv module."""
    cells = [safe_cell(v) for v in values]
    line = _written(cells, lineterminator) if len(cells) > 1 else None
    if line is not None:
        return line
    out = io.StringIO()
    csv.writer(out, lineterminator=lineterminator).writerow(cells)
    return out.getvalue()


def _written(cells: list, lineterminator: str) -> str | None:
    """`cells` as the csv module writes them, or None when it must decide."""
    written = []
    for cell in cells:
        kind = type(cell)
        if kind is str:
            if "\n" in cell or "\r" in cell or any(c in cell for c in lineterminator):
                return None
            if "," in cell or '"' in cell:
                cell = '"' + cell.replace('"', '""') + '"'
        elif kind is float or kind is int:
            cell = str(cell)
        elif cell is None:
            cell = ""
        else:
            return None
        written.append(cell)
    return ",".join(written) + lineterminator
