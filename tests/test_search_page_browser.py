"""The search page, passage content notes and "Cite this" copying, in real headless Chromium.

The built sample is copied to a plain `http.server` (no API at all, as on a static host) for
the fallback index; one test runs the real app (API and site) for the same page with the API.
Every page checked here must have zero axe-core WCAG 2.2 AA violations. Needs Debian's
`chromium` and `.cache/axe` (see tests/helpers/browser.py); skipped locally without them.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.helpers.browser import axe_marks, axe_violations
from tests.helpers.servers import live_server

pytestmark = axe_marks()

STATUS = "#search-status"


def wait_for_results(page) -> str:
    page.wait_for_selector(f"{STATUS}:has-text('result')")
    return page.inner_text(STATUS)


def total(status: str) -> int:
    return int(re.match(r"(\d+) results?", status).group(1))


def facet_counts(page, name: str) -> dict[str, int]:
    found = {}
    for link in page.query_selector_all(f'.facets a[data-facet="{name}"]'):
        count = int(re.search(r"\((\d+)\)", link.inner_text()).group(1))
        found[link.get_attribute("data-value")] = count
    return found


def test_facets_filter_combine_and_change_the_counts_on_a_static_host(browser, static_host):
    page = browser.new_page()
    page.goto(static_host + "/search/?q=hospital")
    before = wait_for_results(page)
    assert "built-in index" in before
    types = facet_counts(page, "type")
    assert types["record"] < total(before) == sum(types.values())
    groups_before = facet_counts(page, "affected_group")
    page.click('.facets a[data-facet="type"][data-value="record"]')
    after = wait_for_results(page)
    assert total(after) == types["record"]
    assert facet_counts(page, "type") == {"record": types["record"]}
    assert facet_counts(page, "affected_group") != groups_before  # counts follow the filter
    assert page.get_attribute('.facets a[data-value="record"]', "aria-current") == "true"
    assert page.locator("#results ol li .kind").all_inner_texts() == [
        t for t in page.locator("#results ol li .kind").all_inner_texts() if t.strip().startswith("Record")]
    # A second facet combines with the first (every facet must match).
    decades = facet_counts(page, "decade")
    decade, count = max(decades.items(), key=lambda item: item[1])
    page.click(f'.facets a[data-facet="decade"][data-value="{decade}"]')
    combined = wait_for_results(page)
    assert total(combined) == count < total(after)
    assert parse_qs(urlsplit(page.url).query) == {"q": ["hospital"], "type": ["record"], "decade": [decade]}
    assert axe_violations(page) == []
    # Clicking a chosen value removes that filter again.
    page.click('.facets a[data-facet="type"][data-value="record"]')
    assert total(wait_for_results(page)) >= count
    assert "type" not in parse_qs(urlsplit(page.url).query)
    page.close()


def test_dates_sort_pages_and_did_you_mean_on_a_static_host(browser, static_host):
    page = browser.new_page()
    page.goto(static_host + "/search/?q=hospitl")
    status = wait_for_results(page)
    assert total(status) == 0
    assert page.inner_text(".suggestion") == "Did you mean hospital?"
    page.click(".suggestion a")
    assert total(wait_for_results(page)) > 0 and "q=hospital" in page.url
    # A date range (by overlap) and oldest-first order, typed into the form like a reader would.
    page.fill("#from", "1960")
    page.fill("#to", "1969")
    page.select_option("#sort", "date")
    page.press("#q", "Enter")
    wait_for_results(page)
    spans = [[int(y) for y in re.findall(r"\b1[0-9]{3}\b|\b20[0-9]{2}\b", t)]
             for t in page.locator("#results ol li .kind").all_inner_texts()]
    assert spans and all(years for years in spans), spans  # every hit is dated
    assert [years[0] for years in spans] == sorted(years[0] for years in spans), spans  # oldest first
    assert all(years[0] <= 1969 and years[-1] >= 1960 for years in spans), spans  # overlapping 1960s
    page.fill("#from", "19xx")
    page.press("#q", "Enter")
    page.wait_for_selector(f"{STATUS}:has-text('cannot be run')")
    assert "From: write a year (1870)" in page.inner_text(STATUS)
    # More than one page: the pager links to the next page of the same search.
    page.goto(static_host + "/search/?type=record")
    first = wait_for_results(page)
    assert total(first) > 20 and "page 1 of" in first
    page.click("nav.pager a[rel=next]")
    second = wait_for_results(page)
    assert "page 2 of" in second and page.get_attribute("#results ol", "start") == "21"
    # A hit inside a transcript links to its segment (carrying the search words to mark there).
    page.goto(static_host + "/search/?q=flashlight")
    wait_for_results(page)
    links = [a.get_attribute("href") for a in page.query_selector_all("#results ol a")]
    assert "/narratives/nar-composite-02/?hl=flashlight#t-00-31-20" in links
    page.close()


def test_a_content_noted_passage_stays_folded_until_the_reader_opens_it(browser, static_host):
    page = browser.new_page()
    page.route("**/*.js", lambda route: route.abort())  # it must work without JavaScript
    page.goto(static_host + "/narratives/nar-composite-02/")
    page.click("details.content-note > summary")  # the narrative's own note first
    assert page.locator("#t-00-00-00").is_visible() and page.locator("#t-00-16-30").is_visible()
    note = page.locator("details.passage-note > summary")
    assert note.count() == 1
    assert "death of a patient left in a hospital corridor" in note.inner_text()
    assert not page.locator("#t-00-07-15").is_visible()
    note.click()
    assert page.locator("#t-00-07-15").is_visible()
    assert "He died before morning" in page.inner_text("#t-00-07-15")
    page.unroute("**/*.js")
    page.goto(static_host + "/narratives/nar-composite-02/")
    for summary in page.query_selector_all("details > summary"):
        summary.click()
    assert axe_violations(page) == []
    page.close()


def test_cite_this_copies_and_says_so(browser, static_host):
    browser.grant_permissions(["clipboard-read", "clipboard-write"], origin=static_host)
    page = browser.new_page()
    page.goto(static_host + "/records/rec-2008-ama-apology-press-release/")
    button = page.get_by_role("button", name="Copy the Chicago citation")
    button.click()
    page.wait_for_selector("section.cite [role=status]:has-text('Copied')")
    assert page.inner_text("section.cite [role=status]") == "Copied the Chicago citation."
    assert page.evaluate("navigator.clipboard.readText()") == page.inner_text("section.cite p.chicago")
    page.get_by_role("button", name="Copy the BibTeX entry").click()
    page.wait_for_selector("section.cite [role=status]:has-text('BibTeX')")
    assert page.evaluate("navigator.clipboard.readText()").startswith("@")
    assert axe_violations(page) == []
    page.route("**/*.js", lambda route: route.abort())
    page.reload()
    assert page.locator("section.cite button").count() == 0  # no button that could not work
    page.goto(static_host + "/about/")
    assert page.get_attribute("#main a[href^='mailto:']", "href").startswith("mailto:archive@example.org")
    page.close()


def test_the_same_page_with_the_api(browser, sample):
    with live_server(sample) as base:
        page = browser.new_page()
        page.goto(base + "/search/?q=hospitl&type=record")
        status = wait_for_results(page)
        assert "built-in index" not in status and total(status) == 0
        assert page.inner_text(".suggestion") == "Did you mean hospital?"
        page.click(".suggestion a")
        status = wait_for_results(page)
        assert total(status) == facet_counts(page, "type")["record"] > 0
        assert parse_qs(urlsplit(page.url).query) == {"q": ["hospital"], "type": ["record"]}
        assert page.locator("#results .snippet mark").count() > 0
        # A passage of a transcript is listed with the stretch its citation names.
        page.goto(base + "/search/?q=ward&type=segment")
        assert total(wait_for_results(page)) > 0
        assert re.search(r" · \d\d:\d\d:\d\d–\d\d:\d\d:\d\d$", page.inner_text("#results li .kind"))
        # (axe runs on the static copies above: the app's CSP refuses the injected script.)
        page.close()


@pytest.mark.parametrize("path", ["/about/", "/search/?q=segregated&sort=-date"])
def test_more_pages_have_no_wcag_violations(browser, static_host, path):
    page = browser.new_page()
    page.goto(static_host + path)
    if "search" in path:
        wait_for_results(page)
    assert axe_violations(page) == []
    page.close()


@pytest.mark.parametrize("size", [{"width": 1366, "height": 900}, {"width": 390, "height": 844}])
def test_focus_goes_to_the_results_after_a_search_and_a_skip_link_leads_there(browser, static_host, size):
    page = browser.new_page()
    page.set_viewport_size(size)
    page.goto(static_host + "/search/")
    page.focus("#q")
    page.keyboard.type("hospital")
    page.keyboard.press("Enter")
    wait_for_results(page)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'hits-h'")
    assert page.evaluate("document.getElementById('hits-h').getBoundingClientRect().top") >= 0  # in view
    for _ in range(2):  # the first result is at most two Tabs away (a phone has "Filter these results" first)
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('#results ol') !== null"):
            break
    assert page.evaluate("document.activeElement.closest('#results ol li:first-child') !== null")
    # At the top of the page, the Tab after "Skip to content" offers "Skip to results".
    page.focus("a.skip[href='#main']")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to results"
    assert page.locator("#skip-results").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "hits-h"
    assert axe_violations(page) == []
    page.close()


def test_the_order_applies_as_soon_as_it_is_chosen(browser, static_host):
    page = browser.new_page()
    page.goto(static_host + "/search/?q=hospital")
    wait_for_results(page)
    page.evaluate("window.sameDocument = true")
    page.focus("#sort")
    page.select_option("#sort", "-date")
    page.wait_for_selector(f"{STATUS}:has-text('newest first')")
    assert page.evaluate("window.sameDocument") is True  # drawn again in place, not reloaded
    assert page.evaluate("document.activeElement.id") == "sort"  # focus stays on the choice
    assert parse_qs(urlsplit(page.url).query) == {"q": ["hospital"], "sort": ["-date"]}
    years = [int(m.group(0)) for t in page.locator("#results ol li .kind").all_inner_texts()
             if (m := re.search(r"\b1[0-9]{3}\b|\b20[0-9]{2}\b", t))]
    assert len(years) > 3 and years == sorted(years, reverse=True)
    page.close()


def test_the_passage_a_hit_lands_on_marks_the_search_words(browser, static_host):
    page = browser.new_page()
    page.goto(static_host + "/search/?q=picket%20line")
    wait_for_results(page)
    hit = page.locator("#results ol a[href*='#t-']").first
    hit.click()
    page.wait_for_url("**/narratives/**")
    passage = page.locator("section.segment:target")
    marks = passage.locator("mark.search-hit")
    assert [m.lower() for m in marks.all_inner_texts()] == ["picket", "line"]
    assert page.locator("mark.search-hit").count() == marks.count()  # only in the passage landed on
    note = passage.locator("p.hit-note")
    assert "2 matches" in note.inner_text() and note.is_visible()
    assert axe_violations(page) == []
    note.locator("button").click()
    assert page.locator("mark.search-hit").count() == 0 and "picket line" in passage.inner_text()
    page.close()


def test_a_facet_alone_searches_every_document_on_a_static_host(browser, static_host, sample):
    """No words, a facet only: every document is a candidate, the empty slots of the records'
    block (`publish.static_search.slots`) skipped, and the count is the records' count."""
    records = sum(1 for shard in (sample.public_dir / "search" / "docs").glob("*.json")
                  for line in json.loads(shard.read_text()) if line and line[0] == "record")
    assert records
    page = browser.new_page()
    page.goto(static_host + "/search/?type=record")
    status = wait_for_results(page)
    assert "built-in index" in status
    assert total(status) == records == facet_counts(page, "type")["record"]
