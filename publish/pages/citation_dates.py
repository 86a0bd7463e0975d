"""An EDTF date read into what each citation format can say, without losing its meaning.

The store keeps a date as EDTF (`archive.dates`): `191X`, `1950~`, `1905?`, `1912-21` (spring),
`1846/1847`, `1925/..`. Reference managers read narrower shapes, so each gets the closest
honest form (`CitationDate` holds the parts; `citation.py` uses them):

- CSL-JSON `issued`: date-parts, a two-part range for a decade, century or interval, `circa`
  for `~`, `season` (1–4) for EDTF seasons 21–32, and a `literal` (what citeproc prints) when
  the date is uncertain, open-ended or in a form date-parts cannot hold.
- Highwire `citation_publication_date`: `YYYY/MM/DD` only for an exact date; otherwise the
  words the page shows ("1910s", "circa 1950"), never a false precise date.
- Dublin Core `DC.date` and JSON-LD: the EDTF text itself (ISO 8601-2), or for JSON-LD
  `dateCreated` (an ISO 8601 date) only when the date is exact.
- BibTeX: `year` (and `month`) for an exact date, the words otherwise; biblatex's `date`
  field, which reads EDTF, gets the text.
- Chicago: "July 10, 2008", "ca. 1950", "1905?", "spring 1912", "1910s", "1846–1847".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from archive.dates import MONTHS, OPEN_END, SEASONS, UNKNOWN_END, describe

_SINGLE = re.compile(r"(?P<year>\d{4}|\d{3}X|\d{2}XX)(?:-(?P<month>\d{2}|XX)(?:-(?P<day>\d{2}|XX))?)?"
                     r"(?P<q>[~?%])?")


@dataclass(frozen=True)
class CitationDate:
    """What an EDTF date says, in parts: `start` (and `end`, for a span) as (year[, month[, day]])."""

    edtf: str
    start: tuple[int, ...] = ()
    end: tuple[int, ...] = ()  # set for a span: a decade, a century or an interval
    circa: bool = False
    uncertain: bool = False
    season: int = 0  # CSL's 1 spring … 4 winter
    open_start: bool = False  # `../1901`, `/1901`
    open_end: bool = False  # `1925/..`, `1925/`
    readable: bool = True  # False: a form these parts cannot hold (EDTF level 2 and the like)

    @property
    def exact(self) -> bool:
        """A plain calendar date (YYYY, YYYY-MM or YYYY-MM-DD) with nothing qualifying it."""
        return bool(self.start) and self.readable and not (
            self.end or self.circa or self.uncertain or self.season or self.open_start or self.open_end)

    @property
    def display(self) -> str:
        """The words the page uses, without its article: "1910s", not "the 1910s"."""
        return _words(self.edtf)


def _words(edtf: str) -> str:
    words = describe(edtf)
    return words.removeprefix("the ")


def _single(text: str) -> CitationDate | None:
    match = _SINGLE.fullmatch(text)
    if match is None:
        return None
    year, month, day, q = match["year"], match["month"], match["day"], match["q"] or ""
    circa, uncertain = q in ("~", "%"), q in ("?", "%")
    if "X" in year:  # a decade (191X) or a century (19XX): a span of years
        digits = year.rstrip("X")
        low = int(digits.ljust(4, "0"))
        return CitationDate(text, (low,), (int(digits.ljust(4, "9")),), circa, uncertain)
    if month is None or month == "XX":
        return CitationDate(text, (int(year),), circa=circa, uncertain=uncertain)
    if int(month) in SEASONS:
        season = (int(month) - 21) % 4 + 1
        return CitationDate(text, (int(year),), circa=circa, uncertain=uncertain, season=season)
    if not 1 <= int(month) <= 12:
        return None
    if day is None or day == "XX":
        return CitationDate(text, (int(year), int(month)), circa=circa, uncertain=uncertain)
    return CitationDate(text, (int(year), int(month), int(day)), circa=circa, uncertain=uncertain)


def read(edtf: str, lower: int = 0, upper: int = 0) -> CitationDate | None:
    """The parts of an EDTF date; None when it says nothing about when (empty, `XXXX`).
    A form the parts cannot hold is read from its stored bounds (`lower`, `upper`)."""
    if not edtf or edtf == "XXXX":
        return None
    if "/" in edtf:
        first, _, last = edtf.partition("/")
        start = None if first in (OPEN_END, UNKNOWN_END) else _single(first)
        end = None if last in (OPEN_END, UNKNOWN_END) else _single(last)
        if (start is None and first not in (OPEN_END, UNKNOWN_END)) or (
                end is None and last not in (OPEN_END, UNKNOWN_END)):
            return _from_bounds(edtf, lower, upper)
        return CitationDate(
            edtf, start.start if start else (), (end.end or end.start) if end else (),
            circa=any(p is not None and p.circa for p in (start, end)),
            uncertain=any(p is not None and p.uncertain for p in (start, end)),
            open_start=start is None, open_end=end is None,
            readable=not any(p is not None and p.season for p in (start, end)))
    return _single(edtf) or _from_bounds(edtf, lower, upper)


def _from_bounds(edtf: str, lower: int, upper: int) -> CitationDate | None:
    if not lower or upper >= 99991231:
        return CitationDate(edtf, readable=False) if lower else None
    first, last = lower // 10000, upper // 10000
    return CitationDate(edtf, (first,), (last,) if last != first else (), readable=False)


def _iso(parts: tuple[int, ...]) -> str:
    return "-".join(f"{p:02d}" if i else f"{p:04d}" for i, p in enumerate(parts))


def iso_date(date: CitationDate | None) -> str:
    """An ISO 8601 date (HTML's `datetime`, schema.org's Date) for an exact date; "" otherwise."""
    return _iso(date.start) if date is not None and date.exact else ""


def csl_date(date: CitationDate | None) -> dict | None:
    """A CSL-JSON date variable (`issued`), or None for an undated object."""
    if date is None or not (date.start or date.end):
        return None
    parts = [list(p) for p in (date.start, date.end) if p]
    found: dict = {"date-parts": parts}
    if date.circa:
        found["circa"] = True
    if date.season:
        found["season"] = date.season
    if date.uncertain or date.open_start or date.open_end or not date.readable:
        found["literal"] = chicago_date(date)  # what citeproc prints: the parts only sort it
    return found


def highwire_date(date: CitationDate | None) -> str:
    """`citation_publication_date`: YYYY/MM/DD when exact, else the words a reader would use."""
    if date is None:
        return ""
    return _iso(date.start).replace("-", "/") if date.exact else date.display


def chicago_date(date: CitationDate | None) -> str:
    """The date as a Chicago citation prints it: "July 10, 2008", "ca. 1950", "1905?"."""
    if date is None:
        return ""
    if "/" in date.edtf:
        first, _, last = date.edtf.partition("/")
        if first == OPEN_END:
            return f"until {chicago_date(read(last))}"
        left = "?" if first == UNKNOWN_END else chicago_date(read(first))
        right = {OPEN_END: "", UNKNOWN_END: "?"}.get(last)
        return f"{left}–{chicago_date(read(last)) if right is None else right}"
    if not date.readable:
        return date.display
    if date.end or date.season:  # decades, centuries and seasons read as the page says them
        text = _words(date.edtf.rstrip("~?%"))
    elif len(date.start) == 3:
        text = f"{MONTHS[date.start[1] - 1]} {date.start[2]}, {date.start[0]}"
    elif len(date.start) == 2:
        text = f"{MONTHS[date.start[1] - 1]} {date.start[0]}"
    else:
        text = str(date.start[0])
    return ("ca. " if date.circa else "") + text + ("?" if date.uncertain else "")

