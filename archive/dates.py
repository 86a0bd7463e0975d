"""EDTF dates kept as written, with sortable numeric bounds.

A historian's `1950~` or `196X` must survive as written and still sort and filter, so every
date is stored three ways: the EDTF text, and the earliest and latest day it may mean as
integers (YYYYMMDD). Bounds include the uncertainty (`1950~` spans 1949–1951) so a date
filter by overlap never misses a record whose date might fall in the range.
"""

from __future__ import annotations

import calendar
import re
import time
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from archive.errors import DateError
from archive.views import DateData

OPEN_LOWER = 0
OPEN_UPPER = 99991231


@dataclass(frozen=True)
class EDTFDate:
    text: str
    lower: int
    upper: int

    @property
    def display(self) -> str:
        return describe(self.text)


def _as_int(value: time.struct_time, fallback: int) -> int:
    if value is None or value.tm_year <= 0 or value.tm_year > 9999:
        return fallback
    return value.tm_year * 10000 + value.tm_mon * 100 + value.tm_mday


def coerce_text(value: object) -> str:
    """YAML reads `1870` as an int and `1870-05-03` as a date; give both back as written."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:04d}"
    if isinstance(value, str):
        return value.strip()
    raise DateError(f"expected an EDTF date such as 1870, 1895-08, 1950~ or 1910/1968, got {value!r}")


def parse_date(value: object) -> EDTFDate:
    """Parse an EDTF date; raise DateError saying what was expected."""
    text = coerce_text(value)
    if not text:
        raise DateError("expected an EDTF date such as 1870, 1895-08, 1950~ or 1910/1968, got nothing")
    return _parse_text(text)


_PLAIN = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def _plain_bounds(text: str) -> EDTFDate | None:
    """The common case, a plain YYYY, YYYY-MM or YYYY-MM-DD, without the grammar.

    The edtf package's pyparsing grammar costs tens of milliseconds per date, which made
    ingest crawl on large collections; plain calendar dates have obvious bounds, identical to
    what the grammar gives (see tests/test_dates_fast.py). Anything else goes to the grammar."""
    match = _PLAIN.fullmatch(text)
    if match is None:
        return None
    year, month, day = int(match.group(1)), match.group(2), match.group(3)
    if year == 0:
        return None
    try:
        if month is None:
            return EDTFDate(text, year * 10000 + 101, year * 10000 + 1231)
        first = date(year, int(month), 1)
        if day is None:
            last = calendar.monthrange(year, first.month)[1]
            return EDTFDate(text, year * 10000 + first.month * 100 + 1, year * 10000 + first.month * 100 + last)
        exact = date(year, int(month), int(day))
    except ValueError:
        return None  # an impossible date: let the grammar produce its usual error
    number = exact.year * 10000 + exact.month * 100 + exact.day
    return EDTFDate(text, number, number)


def _plain_interval(text: str) -> EDTFDate | None:
    """`1934/1960`, `1870-05-03/1870-05-06`: an interval between two plain dates, bounded by
    the first's earliest day and the second's latest, as the grammar bounds it (tests/
    test_dates_fast.py checks every shape against it). The shared benchmark's 100,000 records
    hold ~7,000 distinct intervals; through the grammar each cost ~30 ms of CPU."""
    start, slash, end = text.partition("/")
    if not slash:
        return None
    first, last = _plain_bounds(start), _plain_bounds(end)
    if first is None or last is None or first.lower > last.upper:
        return None  # anything else, and an interval ending before it begins, as the grammar has it
    return EDTFDate(text, first.lower, last.upper)


# The two ways EDTF leaves an end of an interval open: `..` (open: it runs on, as far as is
# known, to this day or from time immemorial) and nothing at all (unknown: it ended, or began,
# at some time no one recorded).
OPEN_END, UNKNOWN_END = "..", ""


def _open_interval(text: str) -> EDTFDate | None:
    """`1925/..`, `../1901`, `1925/` and `/1901`: an interval with an open or unknown end.

    The edtf package refuses the first two and gives the third an end ten years on; either
    way the date could not be stored or filtered. An open or unknown end is stored as an open
    bound (OPEN_LOWER or OPEN_UPPER), so a date filter by overlap never misses the object."""
    start, slash, end = text.partition("/")
    if not slash or "/" in end or (start not in (OPEN_END, UNKNOWN_END) and end not in (OPEN_END, UNKNOWN_END)):
        return None
    if start in (OPEN_END, UNKNOWN_END) and end in (OPEN_END, UNKNOWN_END):
        return None  # no end known at all: not a date (the grammar says so)
    lower = OPEN_LOWER if start in (OPEN_END, UNKNOWN_END) else _parse_text(start).lower
    upper = OPEN_UPPER if end in (OPEN_END, UNKNOWN_END) else _parse_text(end).upper
    return EDTFDate(text, lower, upper)


@lru_cache(maxsize=65536)
def _parse_text(text: str) -> EDTFDate:
    plain = _plain_bounds(text) or _plain_interval(text)
    if plain is not None:
        return plain
    try:
        opened = _open_interval(text)
    except DateError as exc:
        raise DateError(f"'{text}' is not an EDTF date (an end of the interval: {exc})") from exc
    if opened is not None:
        return opened
    import edtf  # ~0.1 s of grammar: imported for the first date the plain reading cannot take

    try:
        parsed = edtf.parse_edtf(text)
        lower = _as_int(parsed.lower_fuzzy(), OPEN_LOWER)
        upper = _as_int(parsed.upper_fuzzy(), OPEN_UPPER)
    except Exception as exc:  # the edtf package raises several types for bad input
        raise DateError(
            f"'{text}' is not an EDTF date (expected e.g. 1870, 1895-08, 1950~, 1910/1968, 196X)"
        ) from exc
    finally:
        _forget_the_parse()
    if lower > upper:
        raise DateError(f"'{text}' ends before it begins")
    return EDTFDate(text=text, lower=lower, upper=upper)


def _forget_the_parse() -> None:
    """Empty pyparsing's memo of the parse just made (edtf turns packrat parsing on).

    The memo lives until the next parse. A failed alternative it re-raises from the memo gets a
    traceback, whose frames reach up through every caller of `parse_date`: left there, the memo
    kept the ingest's reader, and with it every parsed record (7.9 KB each), alive to the end of
    the process, through the index build (bench/results/34). Emptied here, those frames are
    garbage at once."""
    import pyparsing

    pyparsing.ParserElement.reset_cache()


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
# EDTF's season codes (21–24, and 25–32 for the northern and southern hemispheres' seasons).
SEASONS = {21: "spring", 22: "summer", 23: "autumn", 24: "winter", 25: "spring", 26: "summer",
           27: "autumn", 28: "winter", 29: "spring", 30: "summer", 31: "autumn", 32: "winter"}
_DAY = re.compile(r"(\d{4})(?:-(\d{2}|XX)(?:-(\d{2}|XX))?)?")
_QUALIFIERS = {"~": ("circa ", ""), "?": ("", " (uncertain)"), "%": ("circa ", " (uncertain)")}


@lru_cache(maxsize=65536)  # every view of every record reads its date so: a few thousand dates
def describe(text: str) -> str:
    """A date as people write it: `1870-05-03` → `3 May 1870`, `1950~` → `circa 1950`,
    `191X` → `the 1910s`, `1870-05-03/1870-05-06` → `3–6 May 1870`, `1932-10/1972` →
    `October 1932 – 1972`. What it cannot read (a time of day, a set of ranges) is given back as written;
    the EDTF itself stays in every view's data."""
    if "/" in text:
        start, _, end = text.partition("/")
        return _describe_interval(start, end)
    if text[:1] in ("[", "{") and text[-1:] == {"[": "]", "{": "}"}[text[:1]] and ".." not in text:
        dates = [describe(part.strip()) for part in text[1:-1].split(",")]  # one of, all of
        return f"{', '.join(dates[:-1])} {'or' if text[0] == '[' else 'and'} {dates[-1]}" if len(dates) > 1 else dates[0]
    return "".join(_describe_one(text))


def _describe_interval(start: str, end: str) -> str:
    # `..` is an open end (to this day, from time immemorial), nothing an unknown one.
    if start == "..":
        return f"until {describe(end)}" if end not in ("", "..") else "date unknown"
    if start == "" or end in ("", ".."):
        first = "unknown" if start == "" else describe(start)
        last = {"..": "present", "": "unknown"}.get(end) or describe(end)
        return f"{first}–{last}"
    first, last = _parts(start), _parts(end)
    if first is not None and last is not None and first[0] == last[0] and not first[3] and not last[3]:
        (year, month, day, _), (_, end_month, end_day, _) = first, last
        if month and end_month and day and end_day and month == end_month:  # 3–6 May 1870
            return f"{day}–{end_day} {MONTHS[month - 1]} {year}"
        if month and end_month and bool(day) == bool(end_day):  # May–August 1870, 3 May – 6 June 1870
            left, right = _describe_one(start)[0], _describe_one(end)[0]
            left = left[: -len(f" {year}")]
            return f"{left}{' – ' if day else '–'}{right}"
    left, right = describe(start), describe(end)
    return f"{left}{' – ' if ' ' in left + right else '–'}{right}"


def _parts(text: str) -> tuple[str, int, int, str] | None:
    """A plain (possibly qualified) calendar date as (year, month, day, qualifier); 0 for parts
    not given or unspecified (`XX`)."""
    qualifier = text[-1] if text and text[-1] in _QUALIFIERS else ""
    match = _DAY.fullmatch(text[:-1] if qualifier else text)
    if match is None:
        return None
    year, month, day = match.groups()
    month_number = int(month) if month and month != "XX" else 0
    if not 1 <= month_number <= 12 and month_number not in SEASONS and month_number != 0:
        return None
    return year, month_number, int(day) if day and day != "XX" and month_number <= 12 else 0, qualifier


def _describe_one(text: str) -> tuple[str, str]:
    """One date (not an interval) as words, and the qualifier's suffix (kept apart so an
    interval can strip the repeated year off its first half)."""
    if text == "XXXX":  # EDTF's unspecified year: what a catalogue's "n.d." is read as
        return "undated", ""
    prefix, suffix = _QUALIFIERS.get(text[-1:], ("", ""))
    core = text[:-1] if text[-1:] in _QUALIFIERS else text
    parts = _parts(text)
    if parts is not None:
        year, month, day, _ = parts
        year = str(int(year))  # "0870" reads as 870
        if month in SEASONS:
            words = f"{SEASONS[month]} {year}"
        elif month and day:
            words = f"{day} {MONTHS[month - 1]} {year}"
        elif month:
            words = f"{MONTHS[month - 1]} {year}"
        else:
            words = year
    elif len(core) == 4 and core.endswith("XX") and core[:2].isdigit():
        words = f"the {_ordinal(int(core[:2]) + 1)} century"
    elif len(core) == 4 and core.endswith("X") and core[:3].isdigit():
        words = f"the {core[:3]}0s"
    else:
        return text, ""
    return f"{prefix}{words}", suffix


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def html_datetime(text: str) -> str | None:
    """The EDTF as the `datetime` of an HTML `<time>` when it is one (a year, a month or a day,
    exactly known), else None: `1950~`, `196X` or an interval are no HTML date."""
    return text if _plain_bounds(text) is not None else None


def date_data(obj) -> DateData:
    """An object's date as every view shows it: the EDTF, how a reader reads it, and its bounds."""
    return {"edtf": obj.date, "display": describe(obj.date), "lower": obj.date_lower, "upper": obj.date_upper}


def coverage_data(narrative) -> DateData | None:
    """The period a narrative's testimony is about, as `date_data` gives a date; None when not given."""
    if not narrative.coverage_date:
        return None
    return {"edtf": narrative.coverage_date, "display": describe(narrative.coverage_date),
            "lower": narrative.coverage_lower, "upper": narrative.coverage_upper}


def subject_date(view: dict) -> DateData | None:
    """The date a view is filtered and grouped by: a narrative's coverage where given (what the
    testimony is about, so a 1950–1970 search finds a 2020 interview about the 1950s), else its
    date. Search, the static search's date range, the decade facet and the API's `decade` all
    read it here. (A record's `coverage` is its place or period as free text, not a date.)"""
    if view.get("type") == "narrative" and view.get("coverage_date"):
        return view["coverage_date"]
    return view.get("date")
