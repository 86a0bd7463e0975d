"""A reader's tools on the public pages, in headless Chromium on the built sample served as plain
static files (no /api), at a desktop's and a phone's size (1366×900 and 390×844): finding words
in a long transcript, and records linking back to what cites them. Each page is checked with
axe-core for WCAG 2.2 AA with the tool in use, and without script the page is as it was.

The same static host and axe-core check as tests/test_browser.py.
"""

from __future__ import annotations

import re

import pytest

from tests.helpers.browser import SIZES, axe_marks, axe_violations, fits

pytestmark = axe_marks()

NARRATIVE = "/narratives/nar-composite-02/"  # its transcript behind a content note, one passage folded too


@pytest.mark.parametrize("size", list(SIZES))
def test_a_reader_finds_words_in_a_long_transcript_and_moves_between_them(browser, static_host, size):
    page = browser.new_page()
    page.set_viewport_size(SIZES[size])
    page.goto(static_host + NARRATIVE)
    page.click("details.content-note > summary")  # the reader chooses to read the transcript
    box = page.locator("form.find #find-words")
    assert box.is_visible()
    box.fill("hospital")
    page.wait_for_function("document.getElementById('find-status').textContent.startsWith('Match 1 of')")
    total = page.locator("mark.find-hit").count()
    assert total >= 2
    status = page.inner_text("#find-status")
    assert status.startswith(f"Match 1 of {total}.")
    # The folded passage (a patient's death, behind its own note) is not opened for a match.
    assert "in passages folded behind a content note" in status
    assert page.locator("details.passage-note[open]").count() == 0
    first = page.locator("mark.find-hit.current")
    assert first.count() == 1 and first.inner_text().lower() == "hospital" and first.is_visible()
    box.press("Enter")
    assert page.inner_text("#find-status").startswith(f"Match 2 of {total}.")
    assert page.locator("mark.find-hit").nth(1).get_attribute("class") == "find-hit current"
    page.click("#find-prev")
    page.click("#find-prev")  # from the first, back round to the last
    assert page.inner_text("#find-status").startswith(f"Match {total} of {total}.")
    assert axe_violations(page) == [] and fits(page, SIZES[size])
    # Opening the folded passage searches it too.
    page.click("details.passage-note > summary")
    page.wait_for_function(f"document.querySelectorAll('mark.find-hit').length > {total}")
    assert "folded" not in page.inner_text("#find-status")
    box.fill("zzzznothing")
    page.wait_for_function("document.getElementById('find-status').textContent.startsWith('No match')")
    assert page.locator("mark.find-hit").count() == 0 and page.locator("#find-next").is_disabled()
    page.close()


def test_without_script_the_narrative_page_has_no_find_box(browser, static_host):
    page = browser.new_page()
    page.route("**/*.js", lambda route: route.abort())
    page.goto(static_host + NARRATIVE)
    assert page.locator("form.find").count() == 0
    page.click("details.content-note > summary")
    assert page.locator("section.segment").count() >= 4
    page.close()


SCANNED = "/records/rec-2007-morris-nma-founding-thesis/"  # one image, published with IIIF level-0 tiles


@pytest.mark.parametrize("size", list(SIZES))
def test_a_record_image_opens_in_a_zoomable_viewer_from_the_sites_own_files(browser, static_host, size):
    page = browser.new_page()
    page.set_viewport_size(SIZES[size])
    requests, failures = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("response", lambda response: failures.append(response.url) if response.status >= 400 else None)
    page.goto(static_host + SCANNED)
    figure = page.locator("figure.scan")
    alt = figure.locator("a > img").get_attribute("alt")
    assert alt.startswith("An illustration drawn for this sample collection, not a scan") and "Image 1" not in page.inner_text("main")
    assert page.locator("script[src*='openseadragon']").count() == 0  # loaded only when asked for
    figure.locator("button:has-text('Zoom in on this image')").click()
    viewer = figure.locator(".zoom-viewer")
    viewer.wait_for(state="visible")
    assert viewer.get_attribute("aria-label") == f"Zoomable view: {alt}"
    page.wait_for_function("document.querySelector('.zoom-viewer canvas') !== null")
    page.wait_for_function("performance.getEntriesByType('resource').some(e => /default\\.jpg$/.test(e.name))")
    tiles = [url for url in requests if url.endswith("/default.jpg")]
    assert tiles and all(url.startswith(static_host + "/iiif/rec-2007-morris-nma-founding-thesis-1/") for url in tiles)
    assert any(url.endswith("/static/openseadragon/openseadragon.min.js") for url in requests)
    assert all(url.startswith(static_host) for url in requests), [u for u in requests if not u.startswith(static_host)]
    assert failures == []
    # Zooming in asks for the full-resolution tiles the build wrote (a region read at its own size).
    page.click(".zoom-viewer [title='Zoom in']")
    page.click(".zoom-viewer [title='Zoom in']")
    finest = re.compile(r"/(\d+),(\d+),(\d+),(\d+)/\3,\4/0/default\.jpg$")
    for _ in range(100):
        if any(finest.search(url) for url in requests):
            break
        page.wait_for_timeout(200)
    assert any(finest.search(url) for url in requests), [u for u in requests if u.endswith(".jpg")]
    assert failures == []
    assert figure.locator("a > img").is_visible()  # the plain image stays
    assert axe_violations(page) == [] and fits(page, SIZES[size])
    figure.locator("button:has-text('Close the viewer')").click()
    assert not viewer.is_visible()
    page.close()


def test_without_script_a_record_shows_its_plain_image(browser, static_host):
    page = browser.new_page()
    page.route("**/*.js", lambda route: route.abort())
    page.goto(static_host + SCANNED)
    image = page.locator("figure.scan img")
    # The page gives the lazy thumbnail its size, so it holds its place before it loads...
    box = image.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100, box
    # ...and it loads and shows without any script.
    image.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('figure.scan img').complete && document.querySelector('figure.scan img').naturalWidth > 0")
    assert image.is_visible()
    assert page.locator("figure.scan button").count() == 0
    assert page.locator("figure.scan a:has-text('Open it full size')").count() == 1
    page.close()
