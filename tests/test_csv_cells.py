"""publish/csv_cells.py: every CSV download line is what the csv module writes (excel dialect,
minimal quoting), cells a spreadsheet would run made text, whether the line is written by
`csv_line` itself or left to the csv module."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from publish import csv_cells
from publish.csv_cells import csv_line, safe_cell


def by_the_csv_module(values: list, lineterminator: str = "\r\n") -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator=lineterminator).writerow([safe_cell(v) for v in values])
    return out.getvalue()


TEXT = st.lists(st.sampled_from(["word", " ", ",", '"', "'", "=", "+", "-", "@", "\t", "\r", "\n", "\r\n", ";", "é",
                                 "1.5", "-87.6", "\\", "\x00", "\u2028", ""]), max_size=8).map("".join)
CELL = st.one_of(TEXT, st.none(), st.integers(), st.floats(allow_nan=True), st.booleans())


@settings(max_examples=3000, deadline=None)
@given(st.lists(CELL, max_size=6), st.sampled_from(["\r\n", "\n"]))
def test_a_line_is_what_the_csv_module_writes(values, lineterminator):
    assert csv_line(values, lineterminator) == by_the_csv_module(values, lineterminator)


def test_plain_cells_are_written_without_the_csv_module():
    values = ["rec-1", "A title, with a comma", 'a "quoted" word', "=1+1", -87.6, None, 3]
    assert csv_cells._written([safe_cell(v) for v in values], "\r\n") is not None
    assert csv_line(values) == by_the_csv_module(values)
    assert csv_line(values) == 'rec-1,"A title, with a comma","a ""quoted"" word",\'=1+1,-87.6,,3\r\n'
