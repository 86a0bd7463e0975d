"""The built sample site in real headless Chromium, served as plain static files (no API).

This is how most readers meet the archive: a static host. The pages are checked with
axe-core for WCAG 2.2 AA, used with the keyboard-free paths a reader takes (sorting the
ledger, opening a content note, searching with the built-in fallback index), without
JavaScript, and at a phone's width.

Needs Debian's `chromium` (/usr/bin/chromium) and axe-core (`.cache/axe`, installed by
`.ci/run` with npm). Without them the tests are skipped locally and fail in CI (the set-up is
in tests/helpers/browser.py, the `browser` and `static_host` fixtures in tests/conftest.py).
"""

from __future__ import annotations

import pytest

from tests.helpers.browser import axe_marks, axe_violations

pytestmark = axe_marks()


PAGES = {
    "home": "/",
    "ledger": "/harms/",
    "harm": "/harms/harm-society-exclusion-1872-1968/",
    "timeline": "/timelines/tl-exclusion-1846-1968/",
    "narrative": "/narratives/nar-composite-01/",
    "search": "/search/?q=picket",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_pages_have_no_wcag_violations(browser, static_host, name):
    page = browser.new_page()
    page.goto(static_host + PAGES[name])
    if name == "search":
        page.wait_for_selector("#results ol li")
    if name == "narrative":
        page.click("details.content-note > summary")  # check the transcript too, opened
    assert axe_violations(page) == []
    page.close()


def test_search_works_on_a_static_host_and_finds_a_narrative_segment(browser, static_host):
    page = browser.new_page()
    page.goto(static_host + "/search/?q=picket%20line")
    page.wait_for_selector("#results ol li")
    status = page.inner_text("#search-status")
    assert "built-in index" in status
    links = [a.get_attribute("href") for a in page.query_selector_all("#results ol a")]
    assert any(link.startswith("/narratives/nar-composite-01/") for link in links), links
    segment = next(link for link in links if "#t-" in link)
    page.click(f'#results a[href="{segment}"]')
    page.wait_for_url("**/narratives/**")
    anchor = segment.split("#", 1)[1]
    assert page.locator(f"#{anchor}").is_visible()  # the content note opens for a direct link
    # A word that is in no public object finds nothing (and says so).
    page.goto(static_host + "/search/?q=zzzznothing")
    page.wait_for_selector("#search-status:has-text('result')")
    assert page.inner_text("#search-status").startswith("0 results")
    page.close()


def test_ledger_sorts_and_filters_in_the_browser(browser, static_host):
    page = browser.new_page()
    page.goto(static_host + "/harms/")
    total = page.locator("#ledger tbody tr").count()
    assert total >= 12
    page.select_option("#ledger-controls select >> nth=3", "Apologized")
    shown = page.locator("#ledger tbody tr:not([hidden])")
    assert 0 < shown.count() < total
    assert all(t == "Apologized" for t in shown.locator("td:last-child").all_inner_texts())
    page.select_option("#ledger-controls select >> nth=3", "")
    assert page.get_attribute("#ledger thead th:nth-child(5)", "aria-sort") == "ascending"  # date order
    page.click("#ledger thead th:nth-child(5) button")  # a click turns it: newest first
    assert page.get_attribute("#ledger thead th:nth-child(5)", "aria-sort") == "descending"
    firsts = page.locator("#ledger tbody tr td:nth-child(5)").all_inner_texts()
    assert firsts[0] != firsts[-1] and "20" in firsts[0]
    page.close()


def test_pages_work_without_javascript(browser, static_host):
    page = browser.new_page()
    page.route("**/*.js", lambda route: route.abort())  # no script loads: the page as plain HTML
    page.goto(static_host + "/harms/")
    assert page.locator("#ledger tbody tr:not([hidden])").count() >= 12
    page.goto(static_host + "/narratives/nar-composite-01/")
    assert not page.locator("#t-00-05-40").is_visible()  # behind the content note until chosen
    page.click("details.content-note > summary")
    assert page.locator("#t-00-05-40").is_visible()
    page.close()


def test_pages_fit_a_phone_screen(browser, static_host):
    page = browser.new_page()
    page.set_viewport_size({"width": 360, "height": 740})
    for path in PAGES.values():
        page.goto(static_host + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
    page.close()


def test_the_accessibility_check_does_catch_violations(browser):
    """A check that always answers "no violations" would prove nothing."""
    page = browser.new_page()
    page.set_content('<html lang="en"><title>t</title><main><img src="x.png"><a href="/"></a></main></html>')
    found = axe_violations(page)
    assert any(v.startswith("image-alt") for v in found) and any(v.startswith("link-name") for v in found)
    page.close()
