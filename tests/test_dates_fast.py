"""The fast path for plain calendar dates gives exactly the bounds the EDTF grammar gives."""

from __future__ import annotations

import edtf
import pytest

from archive.dates import OPEN_LOWER, OPEN_UPPER, _as_int, _plain_bounds, parse_date
from archive.errors import DateError


def grammar_bounds(text: str) -> tuple[int, int]:
    parsed = edtf.parse_edtf(text)
    return _as_int(parsed.lower_fuzzy(), OPEN_LOWER), _as_int(parsed.upper_fuzzy(), OPEN_UPPER)


@pytest.mark.parametrize("text", ["1870", "0001", "9999", "1895-08", "1900-02", "2000-02", "2024-02",
                                  "1870-05-03", "2000-02-29", "1999-12-31", "1846-01-01"])
def test_plain_dates_match_the_grammar(text):
    fast = _plain_bounds(text)
    assert fast is not None and (fast.lower, fast.upper) == grammar_bounds(text)


@pytest.mark.parametrize("text", ["2008-13-45", "1900-02-29", "2008-00", "1950~", "196X", "1910/1968"])
def test_everything_else_goes_to_the_grammar(text):
    assert _plain_bounds(text) is None


def test_impossible_plain_dates_still_give_the_usual_error():
    with pytest.raises(DateError, match="'2008-13-45' is not an EDTF date"):
        parse_date("2008-13-45")
