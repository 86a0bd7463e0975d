"""The long lists' rows made in Python (publish.jinja.listing_rows) are the bytes the templates'
Jinja loops made, for any title, date and link, escapes included."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import DictLoader, select_autoescape

from archive.urls import SiteUrls
from publish.jinja.dicts import DictViewEnvironment
from publish.jinja.listing_rows import browse_rows, record_rows

# The loops as the templates had them (browse_value.html, record_list.html, _time.html's `when`).
BROWSE_LOOP = """<ol class="listing">
{% for i in items %}
  <li>{% if i.date %}<span class="date">{{ i.date }}</span> {% endif %}<a href="{{ i.url|u }}">{{ i.title }}</a> <span class="kind">{{ i.type }}</span></li>
{% endfor %}
</ol>"""
RECORD_LOOP = """{% from "_time.html" import when %}<ol class="listing">
{% for r in items %}
  <li><span class="date">{{ when(r.date) }}</span> <a href="{{ r.url|u }}">{{ r.title }}</a> <span class="kind">{{ r.record_type }}</span></li>
{% endfor %}
</ol>"""
WHEN = """{% macro when(d) %}{% if d %}{% set value = html_datetime(d.edtf) %}{% if value %}<time datetime="{{ value }}">{{ d.display }}</time>{% else %}<span class="when" data-edtf="{{ d.edtf }}">{{ d.display }}</span>{% endif %}{% endif %}{% endmacro %}"""
BROWSE_NOW = """<ol class="listing">
{{ items|browse_rows }}</ol>"""
RECORD_NOW = """<ol class="listing">
{{ items|record_rows }}</ol>"""


def environment(base_url: str) -> DictViewEnvironment:
    from archive.dates import html_datetime

    urls = SiteUrls(base_url)
    env = DictViewEnvironment(loader=DictLoader({"browse": BROWSE_LOOP, "record": RECORD_LOOP, "_time.html": WHEN,
                                                 "browse_now": BROWSE_NOW, "record_now": RECORD_NOW}),
                              autoescape=select_autoescape(default=True, default_for_string=True),
                              trim_blocks=True, lstrip_blocks=True)
    env.filters["u"] = urls.link
    env.filters["browse_rows"] = lambda items: browse_rows(urls.link, items)
    env.filters["record_rows"] = lambda items: record_rows(urls.link, items)
    env.globals["html_datetime"] = html_datetime
    return env


text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12) | st.sampled_from(
    ["", "<b>&amp;\"'", "Minutes & <notes>", "1950", "café"])
edtf = st.sampled_from(["1950", "1950-05", "1950-05-17", "1950~", "196X", "1950/1970", "[..1950]", "2001-13"])
url = st.sampled_from(["/records/rec-1/", "/records/a&b\"c/", "https://example.org/x?a=1&b=2", "relative/x"])
summaries = st.lists(st.fixed_dictionaries({"date": text, "url": url, "title": text, "type": text}), max_size=6)
listings = st.lists(st.fixed_dictionaries({
    "date": st.none() | st.fixed_dictionaries({"edtf": edtf, "display": text}),
    "url": url, "title": text, "record_type": st.none() | text}), max_size=6)
bases = st.sampled_from(["https://example.org", "https://example.org/archive", "https://ex.org/a&b"])


@settings(max_examples=150, deadline=None)
@given(summaries, bases)
def test_browse_rows_are_the_loops_bytes(items, base):
    env = environment(base)
    assert env.get_template("browse_now").render(items=items) == env.get_template("browse").render(items=items)


@settings(max_examples=150, deadline=None)
@given(listings, bases)
def test_record_rows_are_the_loops_bytes(items, base):
    env = environment(base)
    assert env.get_template("record_now").render(items=items) == env.get_template("record").render(items=items)


@settings(max_examples=300, deadline=None)
@given(st.text() | st.none() | st.integers())
def test_the_rows_escape_as_markupsafe_does(value):
    from markupsafe import escape

    from publish.jinja.listing_rows import _escaped

    assert _escaped(value) == str(escape(value))
