"""Free-text dates as catalogue spreadsheets write them, read into EDTF only where clear."""

from __future__ import annotations

import pytest

from archive.dates import parse_date
from ingest.freetext_dates import normalise

CLEAR = [
    ("1910", "1910"),
    ("1910-05-03", "1910-05-03"),
    ("ca. 1910", "1910~"),
    ("c. 1910", "1910~"),
    ("circa 1910", "1910~"),
    ("1910s", "191X"),
    ("c. 1910s", "191X~"),
    ("2016-00-00", "2016"),  # AtoM: month and day unknown
    ("2016-05-00", "2016-05"),
    ("May 3, 1910", "1910-05-03"),
    ("3 May 1910", "1910-05-03"),
    ("Sept. 1910", "1910-09"),
    ("circa May 1910", "1910-05~"),
    ("[1910]", "1910"),
    ("[1910?]", "1910?"),
    ("1910?", "1910?"),
    ("1950~", "1950~"),
    ("19th century", "18XX"),
    ("1910-1920", "1910/1920"),
    ("1910 – 1920", "1910/1920"),
    ("between 1910 and 1920", "1910/1920"),
    ("January 1, 2015 - December 31, 2016", "2015-01-01/2016-12-31"),  # AtoM eventDates
    ("January 2015 - December 2016", "2015-01/2016-12"),
    ("1910/05/03", "1910-05-03"),
    ("n.d.", "XXXX"),
]

UNCLEAR = [
    ("03/05/1910", "could be day/month or month/day"),
    ("1900s", "a decade or a century"),
    ("soon after the war", "not a date this importer can read"),
    ("", "no date given"),
    ("1910-13-45", "not a date this importer can read"),
]


@pytest.mark.parametrize(("written", "edtf"), CLEAR)
def test_clear_dates_become_edtf_and_keep_the_words_as_written(written, edtf):
    result = normalise(written)
    assert (result.edtf, result.warning, result.as_written) == (edtf, None, written)
    parse_date(result.edtf)  # and the store's EDTF parser accepts what was produced


@pytest.mark.parametrize(("written", "why"), UNCLEAR)
def test_unclear_dates_are_not_guessed_and_say_why(written, why):
    result = normalise(written)
    assert result.edtf is None
    assert why in result.warning
