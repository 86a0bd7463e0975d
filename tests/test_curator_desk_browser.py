"""The curator's desk in headless Chromium against `reckon serve`, at a desktop's and a phone's
size: tag suggestions decided several at a time, revisions compared, redactions proposed by
selecting words. axe-core checks each page (in a context that bypasses the page's CSP only to
inject axe; the tests of the pages' own script run under the CSP the staff app sends).

Same set-up as tests/test_curator_browser.py (Debian's chromium driven by Playwright, skipped
with the reason where it is not installed: tests/helpers/browser.py).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import pytest

from tests.helpers.archives import MINIMAL
from tests.helpers.browser import (
    PASSWORD,
    SIZES,
    axe_violations,
    chromium_page,
    fits,
    sign_in,
    staff_marks,
)
from tests.helpers.content import with_phrases_and_contact_details
from tests.helpers.servers import reckon_serve

pytestmark = staff_marks()

@pytest.fixture
def server(tmp_path) -> Iterator[str]:
    shutil.copytree(MINIMAL, tmp_path / "content")
    with_phrases_and_contact_details(tmp_path / "content")
    with reckon_serve(tmp_path, {"ana": "contributor", "cora": "curator"}, PASSWORD) as base:
        yield base


def phone_labels(page) -> list:
    """Each collapsed cell's label and its column's heading (they must agree on a phone)."""
    return page.locator("table.ledger tbody td:not(:empty)").evaluate_all(
        "cells => cells.map(c => [getComputedStyle(c, '::before').content, "
        "c.closest('table').tHead.rows[0].cells[c.cellIndex].textContent.trim()])")


@pytest.mark.parametrize("size", list(SIZES))
def test_several_tag_suggestions_are_ticked_and_decided_at_once(server, size):
    with chromium_page(SIZES[size], bypass_csp=True) as page:
        sign_in(page, server, "cora")
        page.goto(server + "/staff/tags")
        rows = page.locator("#suggestions tbody tr")
        assert rows.count() == 2
        assert axe_violations(page) == [] and fits(page, SIZES[size])
        if size == "phone":
            labels = phone_labels(page)
            assert labels and all(before == f'"{head}: "' for before, head in labels), labels
        page.check("#suggestions tbody tr >> nth=0 >> input[type=checkbox]")
        page.check("#suggestions tbody tr >> nth=1 >> input[type=checkbox]")
        page.click("#accept-selected")
        assert "2 suggestions accepted" in page.inner_text("p.notice")
        assert "Nothing to review with these filters." in page.inner_text("main")
        page.goto(server + "/staff/tags?status=accepted")
        assert page.locator("#suggestions tbody tr").count() == 2
        assert axe_violations(page) == []


def write_narrative(page, base: str) -> str:
    """A contributor's draft, saved, then edited once: the narrative's staff page address."""
    sign_in(page, base, "ana")
    page.goto(base + "/staff/narratives/new")
    page.fill("#title", "Quarry Lane memories")
    page.fill("#narrator_display", "Q. L.")
    page.fill("#date", "1962~")
    page.fill("#place", "Richmond")
    page.fill("#body", "## [00:00:00] Arrival\nThe quarry road, the clinic and the long wait.")
    page.check("#release_signed")
    page.fill("#release_date", "2024-05-01")
    page.click("button[name=then][value=save]")
    page.wait_for_url(re.compile(r".*/staff/narratives/(?!new$)[^/?]+$"))  # the saved draft's page
    narrative = page.url
    page.goto(narrative + "/edit")
    page.fill("#place", "Petersburg")
    page.fill("#embargo_until", "2031-01-01")
    page.uncheck("#release_signed")
    page.click("button[name=then][value=save]")
    page.goto(narrative + "/edit")
    page.fill("#date", "1963")
    page.click("button[name=then][value=save]")
    page.click("button:has-text('Sign out')")
    return narrative


@pytest.mark.parametrize("size", list(SIZES))
def test_a_curator_compares_any_two_revisions_read_as_people_read_them(server, size):
    with chromium_page(SIZES[size], bypass_csp=True) as page:
        narrative = write_narrative(page, server)
        sign_in(page, server, "cora")
        page.goto(narrative)
        options = page.locator("#compare-from option")
        assert options.count() == 3
        assert axe_violations(page) == [] and fits(page, SIZES[size])
        # The first revision and the last: not neighbours.
        page.select_option("#compare-from", index=0)
        page.select_option("#compare-to", index=2)
        page.click("#compare-go")
        page.wait_for_url("**/diff?**")
        changes = {page.locator("section.change h3").nth(i).inner_text(): page.locator("section.change dl").nth(i)
                   .inner_text().split("\n") for i in range(page.locator("section.change dl").count())}
        assert changes["Release signed"] == ["Before", "Yes", "After", "No"]
        assert changes["Embargo until (YYYY-MM-DD, empty for none)"] == [
            "Before", "none", "After", "1 January 2031 (as written: 2031-01-01)"]
        assert changes["Date of the interview (EDTF)"][1] == "circa 1962 (as written: 1962~)"
        assert changes["Place"] == ["Before", "Richmond", "After", "Petersburg"]
        assert page.locator("#between tbody tr").count() == 2  # who changed it, and when
        assert "True" not in page.inner_text("main") and "False" not in page.inner_text("main")
        assert axe_violations(page) == [] and fits(page, SIZES[size])
        if size == "phone":
            labels = phone_labels(page)
            assert labels and all(before == f'"{head}: "' for before, head in labels), labels


SELECT_WORDS = """([field, words, from, to]) => {
  const p = document.querySelector(`.red-text[data-field="${field}"]`);
  const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode()) && !node.data.includes(words)) {}
  const at = node.data.indexOf(words);
  p.scrollIntoView();  // as a reader selecting it would see it
  const range = document.createRange();
  range.setStart(node, at + from);
  range.setEnd(node, at + to);
  getSelection().removeAllRanges();
  getSelection().addRange(range);
  document.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
}"""


@pytest.mark.parametrize("size", list(SIZES))
def test_a_curator_proposes_a_redaction_by_selecting_words_under_the_staff_csp(server, size):
    # Playwright's waiting assertion: the browser tests' own library (skipped without a browser).
    from playwright.sync_api import expect

    with chromium_page(SIZES[size]) as page:  # the page's own CSP applies: its script must load
        sign_in(page, server, "cora")
        page.goto(server + "/staff/redactions/nar-a")
        assert not page.locator("#propose-selection").is_visible()  # nothing selected yet
        # "ur dele" of "our delegation": the page widens it to whole words and counts the offsets.
        page.evaluate(SELECT_WORDS, ["body segment 0", "our delegation", 1, 8])
        panel = page.locator("#propose-selection")
        panel.wait_for(state="visible")
        assert page.inner_text("#selected-words") == "our delegation"
        assert "body segment 0" in page.inner_text("#selection-status")
        start = int(panel.locator("input[name=start]").input_value())
        end = int(panel.locator("input[name=end]").input_value())
        assert end - start == len("our delegation")
        box = panel.locator("#propose-selected").bounding_box()
        assert 0 <= box["y"] and box["y"] + box["height"] <= SIZES[size]["height"]  # in view beside the text
        page.click("#propose-selected")
        assert "Proposed redaction" in page.inner_text("p.notice")
        row = page.locator("#spans tr", has_text="our delegation")
        assert "pending (hidden until rejected)" in row.inner_text() and "curator" in row.inner_text()
        narrative = page.request.get(server + "/api/narratives/nar-a").text()
        assert "our delegation" not in narrative  # hidden at once, pending a decision
        row.locator("button:has-text('Approve')").click()
        assert "approved (hidden)" in page.locator("#spans tr", has_text="our delegation").inner_text()
        page.wait_for_load_state("load")  # the page after the approval: its script listens again
        # A selection across two fields is refused before anything is sent.
        page.evaluate("""() => {
          const a = document.querySelector('.red-text[data-field="title"]').firstChild;
          const b = document.querySelector('.red-text[data-field="body segment 0"]').lastChild;
          const r = document.createRange(); r.setStart(a, 0); r.setEnd(b, 1);
          getSelection().removeAllRanges(); getSelection().addRange(r);
          document.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
        }""")
        expect(page.locator("#selection-status")).to_contain_text("within one field")  # waits for the page's answer
        assert not page.locator("#propose-selected").is_visible()


@pytest.mark.parametrize("size", list(SIZES))
def test_the_redaction_page_passes_axe_with_a_selection_and_works_without_script(server, size):
    with chromium_page(SIZES[size], bypass_csp=True) as page:
        sign_in(page, server, "cora")
        page.goto(server + "/staff/redactions/nar-a")
        page.evaluate(SELECT_WORDS, ["body segment 0", "our delegation", 0, 3])
        page.locator("#propose-selection").wait_for(state="visible")
        assert axe_violations(page) == [] and fits(page, SIZES[size])
        if size == "phone":
            labels = phone_labels(page)
            assert labels and all(before == f'"{head}: "' for before, head in labels), labels
    with chromium_page(SIZES[size], java_script=False) as page:  # without JavaScript: the exact words instead
        sign_in(page, server, "cora")
        page.goto(server + "/staff/redactions/nar-a")
        assert not page.locator("#propose-selection").is_visible()
        page.fill("#text", "our delegation")
        page.click("#add")
        assert "Proposed redaction" in page.inner_text("p.notice")
        assert "pending" in page.locator("#spans tr", has_text="our delegation").inner_text()
