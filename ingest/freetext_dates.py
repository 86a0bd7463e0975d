"""Free-text historical dates, as spreadsheets write them, normalised to EDTF.

Catalogue spreadsheets carry dates the way cataloguers wrote them: `ca. 1910`, `1910s`,
`May 3, 1910`, `January 2015 - December 2016`, AtoM's `2016-00-00` for "some day in 2016". The
store needs EDTF (sortable bounds, honest uncertainty), but the words as written are evidence
too, so the caller keeps both. Only forms whose meaning is clear are converted; anything else
(`03/05/1910`: March or May?) gives a warning and no guess. The rules are a table of patterns,
tried in order, so adding a form is adding a line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from archive.dates import parse_date
from archive.errors import DateError

MONTHS = {name: number for number, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
     ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
     ("october", "oct"), ("november", "nov"), ("december", "dec")], start=1) for name in names}
_MONTH = r"(?P<{}>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_CIRCA = r"(?:ca\.?|c\.|circa|approx\.?|approximately|about|abt\.?)\s*"
_RANGE = r"\s+(?:-|–|—|to|until)\s+|(?<=\d{4})[-–—](?=\d{4}$)|\s*[–—]\s*"


@dataclass(frozen=True)
class FreeTextDate:
    """A date as written, its EDTF reading (None when unclear) and why it was not read."""

    as_written: str
    edtf: str | None
    warning: str | None = None


def _month(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")]


def _day(year: str, month: str | int, day: str | None = None) -> str:
    month_number = month if isinstance(month, int) else _month(month)
    text = f"{int(year):04d}-{month_number:02d}"
    return text if day is None else f"{text}-{int(day):02d}"


def _single(text: str) -> str | None:
    """One point in time (no range), or None."""
    for pattern, build in _POINTS:
        match = re.fullmatch(pattern, text, flags=re.IGNORECASE)
        if match:
            return build(match)
    return None


def _atom_zeros(m: re.Match) -> str:
    # AtoM writes unknown month/day as 00: 2016-00-00 is "2016", 2016-05-00 is "2016-05".
    year, month, day = m.group("y"), m.group("m"), m.group("d")
    if month in (None, "00"):
        return year
    return f"{year}-{month}" if day in (None, "00") else f"{year}-{month}-{day}"


_POINTS: list[tuple[str, Callable[[re.Match], str]]] = [
    (r"(?P<y>\d{4})-(?P<m>\d{2})(?:-(?P<d>\d{2}))?", _atom_zeros),
    (r"(?P<y>\d{4})", lambda m: m.group("y")),
    (r"(?P<y>\d{3})0s", lambda m: f"{m.group('y')}X"),
    (r"(?P<c>\d{1,2})(?:st|nd|rd|th) century", lambda m: f"{int(m.group('c')) - 1:02d}XX"),
    (_MONTH.format("mon") + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})",
     lambda m: _day(m.group("y"), m.group("mon"), m.group("d"))),
    (r"(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH.format("mon") + r",?\s+(?P<y>\d{4})",
     lambda m: _day(m.group("y"), m.group("mon"), m.group("d"))),
    (_MONTH.format("mon") + r",?\s+(?P<y>\d{4})", lambda m: _day(m.group("y"), m.group("mon"))),
    (r"(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})",
     lambda m: _day(m.group("y"), int(m.group("m")), m.group("d"))),
]


def _plain(text: str) -> str | None:
    """A single point, possibly qualified: `ca. 1910`, `[1910]`, `[1910?]`, `1910?`."""
    circa = re.fullmatch(_CIRCA + r"(?P<rest>.+)", text, flags=re.IGNORECASE)
    if circa:
        inner = _plain(circa.group("rest"))
        return None if inner is None or inner[-1] in "~?%" else f"{inner}~"
    bracket = re.fullmatch(r"\[(?P<rest>[^\]]+)\]", text)
    if bracket:  # a cataloguer-supplied date: as certain as what is inside the brackets
        return _plain(bracket.group("rest").strip())
    question = re.fullmatch(r"(?P<rest>.+?)\s*\?", text)
    if question:
        inner = _plain(question.group("rest"))
        return None if inner is None or inner[-1] in "~?%" else f"{inner}?"
    return _single(text)


def _valid(edtf: str) -> bool:
    try:
        parse_date(edtf)
    except DateError:
        return False
    return True


def _ambiguous_numeric(text: str) -> str | None:
    match = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", text)
    if match and int(match.group(1)) <= 12 and int(match.group(2)) <= 12 and match.group(1) != match.group(2):
        return (f"'{text}' could be day/month or month/day; write it as YYYY-MM-DD "
                f"(e.g. {match.group(3)}-{int(match.group(2)):02d}-{int(match.group(1)):02d})")
    if match:
        return f"'{text}' is not a clear date; write it as YYYY-MM-DD"
    return None


def normalise(value: str) -> FreeTextDate:
    """Read a free-text date into EDTF where its meaning is clear; warn (edtf=None) otherwise."""
    text = " ".join((value or "").split())
    if not text:
        return FreeTextDate(value or "", None, "no date given (expected e.g. 1910, ca. 1910, 1910s, 1910-05-03)")
    if _valid(text) and not re.fullmatch(r"\d{4}-00(-00)?|\d{4}-\d{2}-00", text):
        return FreeTextDate(text, text)
    words = text.lower()
    if re.search(r"\b\d\d00s\b", words):
        return FreeTextDate(text, None, f"'{text}' could mean a decade or a century; write 190X "
                                        "(the decade) or 19XX (the century)")
    if words in ("n.d.", "nd", "undated", "unknown", "no date", "s.d.", "[n.d.]"):
        return FreeTextDate(text, "XXXX", None)
    point = _plain(text)
    if point and _valid(point):
        return FreeTextDate(text, point)
    between = re.fullmatch(r"between\s+(?P<a>.+?)\s+and\s+(?P<b>.+)", text, flags=re.IGNORECASE)
    parts = (between.group("a"), between.group("b")) if between else re.split(_RANGE, text, maxsplit=1)
    if len(parts) == 2:
        start, end = _plain(parts[0].strip()), _plain(parts[1].strip())
        if start and end and _valid(f"{start}/{end}"):
            return FreeTextDate(text, f"{start}/{end}")
    return FreeTextDate(text, None, _ambiguous_numeric(text) or (
        f"'{text}' is not a date this importer can read with certainty "
        f"(expected e.g. 1910, 1910-05-03, ca. 1910, 1910s, May 3, 1910, 1910-1920)"))
