"""The rows of the long lists (the records list, each browse value's pages), made in Python.

A list page holds 200 rows, and there are ~1,000 such pages at 100,000 records; a patch of 100
records remakes ~440 of them (each record stands on the records list and on its decade's,
subjects' and institution's pages). Jinja renders a row as a loop body: a context lookup, a
filter call and an escape per field, and for the records list a macro call for the date. Made
here, a records-list page costs ~1.0 ms of CPU instead of ~2.9, a browse page ~0.3 instead of
~0.9. These give the bytes the templates' loops gave (tested against them in
`tests/test_listing_rows.py`), escaped by the same `markupsafe`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from markupsafe import Markup, escape

from archive.dates import html_datetime

# markupsafe's own entities. `escape` builds a `Markup` per call in Python (~0.6 µs, four calls
# a row, most of a row's cost); a plain string takes the same replacements as five C calls.
_AMP, _LT, _GT, _APOS, _QUOT = (str(escape(c)) for c in "&<>'\"")


def _escaped(value) -> str:
    """`str(escape(value))`: a plain string replaced in C, anything else through markupsafe."""
    if type(value) is str:
        return value.replace("&", _AMP).replace("<", _LT).replace(">", _GT).replace("'", _APOS).replace('"', _QUOT)
    return str(escape(value))


def when(date: dict | None) -> str:
    """A date as `_time.html`'s `when` macro writes it: a `<time>` when the EDTF is an HTML date."""
    if not date:
        return ""
    value = html_datetime(date["edtf"])
    if value:
        return f'<time datetime="{_escaped(value)}">{_escaped(date["display"])}</time>'
    return f'<span class="when" data-edtf="{_escaped(date["edtf"])}">{_escaped(date["display"])}</span>'


def browse_rows(link: Callable[[str], str], items: Iterable[dict]) -> Markup:
    """A browse value's rows (summaries: date as text, title, link, kind), one `<li>` a line."""
    rows = []
    for item in items:
        date = f'<span class="date">{_escaped(item["date"])}</span> ' if item["date"] else ""
        rows.append(f'  <li>{date}<a href="{_escaped(link(item["url"]))}">{_escaped(item["title"])}</a> '
                    f'<span class="kind">{_escaped(item["type"])}</span></li>\n')
    return Markup("".join(rows))


def record_rows(link: Callable[[str], str], items: Iterable[dict]) -> Markup:
    """The records list's rows (listings: the whole date, title, link, record type)."""
    rows = []
    for item in items:
        rows.append(f'  <li><span class="date">{when(item["date"])}</span> <a href="{_escaped(link(item["url"]))}">'
                    f'{_escaped(item["title"])}</a> <span class="kind">{_escaped(item["record_type"])}</span></li>\n')
    return Markup("".join(rows))
