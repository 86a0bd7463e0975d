"""The fast path for plain calendar dates gives exactly the bounds the EDTF grammar gives."""

from __future__ import annotations

from datetime import date

import edtf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.dates import (
    OPEN_LOWER,
    OPEN_UPPER,
    _as_int,
    _plain_bounds,
    _plain_interval,
    parse_date,
)
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


@pytest.mark.parametrize("text", ["1934/1960", "1870-05-03/1870-05-06", "1932-10/1972", "1900-02/2000-02-29",
                                  "1846/1846", "1999-12-31/2000-01-01", "1870/1870-05"])
def test_intervals_of_plain_dates_match_the_grammar(text):
    fast = _plain_interval(text)
    assert fast is not None and (fast.lower, fast.upper) == grammar_bounds(text)


@pytest.mark.parametrize("text", ["1950~/1960", "196X/1970", "1925/..", "../1901", "1910/1968/1970", "1870"])
def test_other_intervals_go_to_the_grammar_or_the_open_reading(text):
    assert _plain_interval(text) is None


def test_an_interval_ending_before_it_begins_is_still_refused():
    with pytest.raises(DateError, match="ends before it begins|is not an EDTF date"):
        parse_date("1960/1934")


plain_dates = st.dates(min_value=date(1000, 1, 1), max_value=date(2999, 12, 31)).flatmap(
    lambda d: st.sampled_from([f"{d.year:04d}", f"{d.year:04d}-{d.month:02d}", d.isoformat()]))


@settings(max_examples=60, deadline=None)
@given(plain_dates, plain_dates)
def test_any_interval_of_plain_dates_has_the_grammars_bounds(start, end):
    text = f"{start}/{end}"
    fast = _plain_interval(text)
    try:
        expected = grammar_bounds(text)
    except Exception:  # noqa: BLE001 - the grammar refuses it: so must we
        assert fast is None
        return
    if expected[0] > expected[1]:
        assert fast is None  # ends before it begins: refused by parse_date
    else:
        assert fast is not None and (fast.lower, fast.upper) == expected
