"""The pages with charts in real headless Chromium, on a plain static host (no API, no script
needed): no WCAG 2.2 AA violation found by axe-core at a desktop's and at a phone's width,
the drawing made for that width shown (and the other hidden from everyone), nothing wider
than a 390 px phone, and the charts' links and tables there without JavaScript.

The browser set-up is tests/helpers/browser.py's, the `browser` and `static_host` fixtures
tests/conftest.py's (Debian's chromium and axe-core; skipped where they are not installed, a
failure in CI).
"""

from __future__ import annotations

import pytest

from tests.helpers.browser import axe_marks, axe_violations

pytestmark = axe_marks()

CHART_PAGES = {
    "home": "/",
    "ledger": "/harms/",
    "browse": "/browse/",
    "institution": "/institutions/agent-ama/",
    "sub-body": "/institutions/agent-ama-house-of-delegates/",
}
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("name", list(CHART_PAGES))
def test_chart_pages_have_no_wcag_violations(browser, static_host, name, width):
    page = browser.new_page()
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    page.goto(static_host + CHART_PAGES[name])
    for summary in page.locator("details.chart-data > summary").all():
        summary.click()  # the tables too, opened
    assert page.locator("figure.chart").count() >= 1
    assert axe_violations(page) == []
    page.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_each_width_shows_its_own_drawing_and_fits(browser, static_host, width):
    page = browser.new_page()
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    shown, hidden = (".chart-wide", ".chart-narrow") if width == "desktop" else (".chart-narrow", ".chart-wide")
    for path in CHART_PAGES.values():
        page.goto(static_host + path)
        for figure in page.locator("figure.chart").all():
            drawing = figure.locator(f"{shown} svg")
            assert drawing.is_visible() and not figure.locator(f"{hidden} svg").is_visible()
            box = drawing.bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 50
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width][0], path
    page.close()


def test_charts_show_their_data_and_links_without_javascript(browser, static_host):
    page = browser.new_page()
    page.route("**/*.js", lambda route: route.abort())
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(static_host + "/")
    facts = page.locator("figure.chart ul.chart-facts").inner_text()
    assert "1846–1968" in facts and "2008" in facts
    top = page.locator("figure.chart").bounding_box()
    assert top is not None and top["y"] < 844  # on the first screen of a phone
    link = page.locator('.chart-narrow svg a[href="/harms/harm-society-exclusion-1872-1968/"]')
    assert link.count() == 1
    link.click()
    page.wait_for_url("**/harms/harm-society-exclusion-1872-1968/")
    page.goto(static_host + "/browse/")
    page.click("#chart-decades details.chart-data > summary")
    assert page.locator("#chart-decades table.chart-table tbody tr").count() >= 5
    page.close()


def test_the_map_lists_each_place_with_its_links_on_a_phone(browser, static_host):
    page = browser.new_page()
    page.route("**/*.js", lambda route: route.abort())
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(static_host + "/browse/")
    figure = page.locator("#chart-places")
    assert "8 places on the map" in figure.locator("ul.chart-facts").inner_text()
    points = figure.locator(".chart-narrow svg [aria-label]").all()
    assert any(p.get_attribute("aria-label") == "Chicago, Illinois: 1 record and 1 narrative" for p in points)
    places = figure.locator("section.chart-places > ul > li")
    assert places.count() == 8 and "Macon County, Alabama" in places.nth(4).inner_text()
    box = figure.locator(".chart-narrow svg").bounding_box()
    assert box is not None and box["width"] <= 390
    figure.get_by_role("link", name="Twelve Black physicians found the National Medical Association in Atlanta").click()
    page.wait_for_url("**/records/rec-1895-nma-founded/")
    page.close()
