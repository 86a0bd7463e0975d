import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive.dates import describe, html_datetime, parse_date
from archive.errors import DateError


@pytest.mark.parametrize(
    ("text", "lower", "upper"),
    [
        ("1870", 18700101, 18701231),
        ("1895-08", 18950801, 18950831),
        ("1950~", 19490101, 19511231),  # approximate: the bounds widen so filters never miss it
        ("1910/1968", 19100101, 19681231),
        ("196X", 19600101, 19691231),
        ("1870-05-03/1870-05-06", 18700503, 18700506),
    ],
)
def test_edtf_kept_as_written_with_sortable_bounds(text, lower, upper):
    parsed = parse_date(text)
    assert (parsed.text, parsed.lower, parsed.upper) == (text, lower, upper)


def test_yaml_numbers_and_dates_are_read_back_as_written():
    assert parse_date(1870).text == "1870"
    assert parse_date(date(2008, 7, 10)).text == "2008-07-10"


@pytest.mark.parametrize("bad", ["2008-13-45", "ca. 1910", "18700", "", "1968/1910"])
def test_bad_dates_say_what_was_expected(bad):
    with pytest.raises(DateError, match="EDTF|ends before"):
        parse_date(bad)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("1870", "1870"),
        ("1895-08", "August 1895"),
        ("2008-07-10", "10 July 2008"),
        ("1950~", "circa 1950"),
        ("1950?", "1950 (uncertain)"),
        ("191X", "the 1910s"),
        ("18XX", "the 19th century"),
        ("XXXX", "undated"),
        ("2001-21", "spring 2001"),
        ("1910/1968", "1910–1968"),
        ("1870-05-03/1870-05-06", "3–6 May 1870"),
        ("1870-05/1870-08", "May–August 1870"),
        ("1870-05-03/1870-06-06", "3 May – 6 June 1870"),
        ("1932-10/1972", "October 1932 – 1972"),
        ("1946-08-13/1963", "13 August 1946 – 1963"),
        ("1950~/1960", "circa 1950 – 1960"),
        ("[1667,1668]", "1667 or 1668"),
    ],
)
def test_reader_facing_dates_read_as_people_write_them(text, words):
    parse_date(text)  # each is EDTF the store accepts
    assert describe(text) == words


def test_open_and_unknown_ends_are_said_in_words():
    assert (describe("../1950"), describe("1950/.."), describe("1950/"), describe("/1950")) == (
        "until 1950", "1950–present", "1950–unknown", "unknown–1950")


@pytest.mark.parametrize(("text", "value"), [("1870", "1870"), ("1870-05", "1870-05"), ("1870-05-03", "1870-05-03"),
                                             ("1950~", None), ("196X", None), ("1910/1968", None),
                                             ("2001-21", None), ("XXXX", None)])
def test_only_an_exact_year_month_or_day_is_an_html_datetime(text, value):
    assert html_datetime(text) == value


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(2999, 12, 31)))
def test_a_day_is_its_own_bounds(day):
    parsed = parse_date(day.isoformat())
    as_int = day.year * 10000 + day.month * 100 + day.day
    assert parsed.lower == parsed.upper == as_int


@given(st.integers(min_value=1000, max_value=2999), st.integers(min_value=0, max_value=30))
def test_interval_bounds_contain_both_ends(start, length):
    parsed = parse_date(f"{start}/{start + length}")
    assert parsed.lower == start * 10000 + 101
    assert parsed.upper == (start + length) * 10000 + 1231


@pytest.mark.parametrize(
    ("text", "lower", "upper", "shown"),
    [
        ("1925/..", 19250101, 99991231, "1925–present"),  # open end: it runs on
        ("../1901", 0, 19011231, "until 1901"),
        ("1925/", 19250101, 99991231, "1925–unknown"),  # unknown end: not ten years, not "present"
        ("/1901", 0, 19011231, "unknown–1901"),
        ("1950-03-02/..", 19500302, 99991231, "2 March 1950–present"),
    ],
)
def test_open_and_unknown_interval_ends_are_stored_as_open_bounds(text, lower, upper, shown):
    parsed = parse_date(text)
    assert (parsed.text, parsed.lower, parsed.upper) == (text, lower, upper)
    assert describe(text) == shown


@pytest.mark.parametrize("bad", ["../..", "/", "1925/..x", "2001/../3", "1925-13/.."])
def test_an_interval_needs_one_known_end(bad):
    with pytest.raises(DateError, match="EDTF"):
        parse_date(bad)


def test_seasons_and_unspecified_months_read_as_words():
    assert describe("1912-21") == "spring 1912" and describe("1912-24~") == "circa winter 1912"
    assert describe("1950-XX") == "1950" and describe("20XX") == "the 21st century"


def test_search_from_and_to_take_open_intervals():
    from search.query import date_bound

    assert date_bound("1925/..", "from") == 19250101 and date_bound("1925/..", "to") == 99991231
    assert date_bound("../1901", "to") == 19011231 and date_bound("../1901", "from") == 0


def test_ingest_stores_an_open_interval(minimal, session_for):
    from sqlmodel import select

    from archive import models as m
    from ingest.pipeline import ingest

    path = minimal.content_dir / "records" / "rec-2008-apology.md"
    path.write_text(re.sub(r'(?m)^date: .*$', 'date: "1925/.."', path.read_text(encoding="utf-8"), count=1),
                    encoding="utf-8")
    ingest(minimal)
    row = session_for(minimal).exec(select(m.Record).where(m.Record.id == "rec-2008-apology")).one()
    assert (row.date, row.date_lower, row.date_upper) == ("1925/..", 19250101, 99991231)


def test_a_date_read_by_the_grammar_keeps_none_of_its_callers_alive():
    # pyparsing's memo re-raises a failed alternative with a traceback through every caller:
    # kept until the next parse, it once held an ingest's reader and all it had read.
    import gc
    import weakref

    class Held:
        pass

    def parse_holding(held: Held, text: str) -> None:
        parse_date(text)

    held = Held()
    alive = weakref.ref(held)
    parse_holding(held, "1787~")  # not a plain date: the grammar reads it
    del held
    gc.collect()
    assert alive() is None
