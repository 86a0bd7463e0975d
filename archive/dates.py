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
    plain = _plain_bounds(text)
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
    if lower > upper:
        raise DateError(f"'{text}' ends before it begins")
    return EDTFDate(text=text, lower=lower, upper=upper)


_QUALIFIERS = {"~": "circa ", "?": "", "%": "circa "}
# EDTF's season codes (21–24, and 25–32 for the northern and southern hemispheres' seasons).
SEASONS = {21: "spring", 22: "summer", 23: "autumn", 24: "winter", 25: "spring", 26: "summer",
           27: "autumn", 28: "winter", 29: "spring", 30: "summer", 31: "autumn", 32: "winter"}
_SEASON = re.compile(r"(\d{4})-(2[1-9]|3[0-2])")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def describe(text: str) -> str:
    """A reader-facing rendering: `1950~` → `circa 1950`, `196X` → `1960s`, `a/b` → `a–b`,
    `1912-21` → `spring 1912`; open intervals: `1925/..` → `1925–present`, `../1901` →
    `until 1901`, and an unknown end `1925/` → `1925–unknown` (`/1901` → `unknown–1901`)."""
    if "/" in text:
        start, _, end = text.partition("/")
        if start == OPEN_END:
            return f"until {describe(end)}"
        first = "unknown" if start == UNKNOWN_END else describe(start)
        last = {OPEN_END: "present", UNKNOWN_END: "unknown"}.get(end) or describe(end)
        return f"{first}–{last}"
    if text == "XXXX":  # EDTF's unspecified year: what a catalogue's "n.d." is read as
        return "undated"
    prefix = ""
    suffix = ""
    if text and text[-1] in _QUALIFIERS:
        prefix = _QUALIFIERS[text[-1]]
        if text[-1] == "?":
            suffix = " (uncertain)"
        text = text[:-1]
    text = re.sub(r"(-XX)+$", "", text)  # an unspecified month or day: the year (or month) is what is known
    season = _SEASON.fullmatch(text)
    if season:
        text = f"{SEASONS[int(season.group(2))]} {season.group(1)}"
    elif len(text) == 4 and text.endswith("XX") and text[:2].isdigit():
        text = f"{_ordinal(int(text[:2]) + 1)} century"
    elif len(text) == 4 and text.endswith("X") and text[:3].isdigit():
        text = f"{text[:3]}0s"
    return f"{prefix}{text}{suffix}"


def date_data(obj) -> DateData:
    """An object's date as every view shows it: the EDTF, how a reader reads it, and its bounds."""
    return {"edtf": obj.date, "display": describe(obj.date), "lower": obj.date_lower, "upper": obj.date_upper}
