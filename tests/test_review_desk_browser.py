"""The archivist at the review desk, in headless Chromium against `reckon serve`, at a desktop's
and a phone's size: the next allowed step as the main action, what blocks publishing as a
checklist, destructive actions set apart behind a confirmation, and focus on the error summary
after a failed save. axe-core checks each staff page kind changed here (the staff CSP allows
only the site's own script files, so it is bypassed to inject axe).

Same set-up as tests/test_staff_browser.py (Debian's chromium driven by playwright).
"""

from __future__ import annotations

import pytest

from tests.helpers.archives import copy_home
from tests.helpers.browser import (
    PASSWORD,
    SIZES,
    axe_violations,
    chromium_page,
    sign_in,
    staff_marks,
)
from tests.helpers.servers import reckon_serve

pytestmark = staff_marks()

def focused_on(page, element_id: str) -> None:
    """Wait (a few seconds at most) for focus to reach the element: autofocus takes effect at
    the page's first rendering, a moment after it has loaded."""
    page.wait_for_function(f"document.activeElement && document.activeElement.id === {element_id!r}", timeout=5000)


def fill_narrative(page, *, reviewed: bool) -> None:
    page.fill("#title", "Quarry Lane memories")
    page.fill("#narrator_display", "Q. L.")
    page.fill("#date", "1962~")
    page.fill("#body", "## [00:00:00] Arrival\nThe quarry road, the clinic and the long wait.")
    page.check("#release_signed")
    page.fill("#release_date", "2024-05-01")
    page.select_option("#narrator_review", "done" if reviewed else "pending")


@pytest.mark.parametrize("size", list(SIZES))
def test_a_failed_save_puts_focus_on_an_error_summary_that_links_to_each_field(staff_server, size):
    base, _home = staff_server
    with chromium_page(SIZES[size], bypass_csp=True) as page:
        sign_in(page, base, "ana")
        page.goto(base + "/staff/narratives/new")
        assert axe_violations(page) == []
        fill_narrative(page, reviewed=True)
        page.fill("#date", "the spring of 1962")  # not EDTF
        page.fill("#language", "English")  # not a language code
        page.click("button:has-text('Save and submit for review')")
        focused_on(page, "error-summary")
        links = page.locator("#error-summary a")
        assert links.count() == 2
        assert {links.nth(i).get_attribute("href") for i in range(2)} == {"#date", "#language"}
        assert page.get_attribute("#date", "aria-invalid") == "true"
        links.first.click()
        assert page.evaluate("document.activeElement.id") in ("date", "language")
        assert axe_violations(page) == []


def test_a_refused_upload_is_marked_invalid_and_listed(staff_server, tmp_path):
    base, _home = staff_server
    bad = tmp_path / "notes.vtt"
    bad.write_text("this is not WebVTT\n")
    with chromium_page(SIZES["desktop"], bypass_csp=True) as page:
        sign_in(page, base, "ana")
        page.goto(base + "/staff/narratives/new")
        fill_narrative(page, reviewed=True)
        page.set_input_files("#transcript_file", str(bad))
        page.click("button:has-text('Save')")
        focused_on(page, "error-summary")
        assert page.get_attribute("#transcript_file", "aria-invalid") == "true"
        assert page.locator("#error-summary a[href='#transcript_file']").count() == 1


@pytest.mark.parametrize("size", list(SIZES))
def test_the_desk_offers_the_next_step_and_lists_what_blocks_publishing(staff_server, size):
    base, _home = staff_server
    with chromium_page(SIZES[size], bypass_csp=True) as page:
        sign_in(page, base, "ana")
        page.goto(base + "/staff/narratives/new")
        fill_narrative(page, reviewed=False)  # the narrator has not reviewed it yet
        page.click("button:has-text('Save and submit for review')")
        notice = page.inner_text("p.notice")
        assert "submitted for review" in notice and "cannot be published yet" in notice  # the contributor is warned
        assert page.locator("#do-withdraw").count() == 0  # never published: nothing to withdraw
        narrative = page.url
        page.click("button:has-text('Sign out')")

        sign_in(page, base, "cora")
        page.goto(narrative)
        assert page.locator("button.primary").all_inner_texts() == ["Start review"]
        assert page.locator("#do-publish").count() == 0  # blocked: not offered
        checks = page.locator("ul.checks li")
        assert checks.count() == 3
        assert page.locator("ul.checks li.open").inner_text().startswith("Not yet:")
        assert "narrator has reviewed" in page.inner_text("ul.checks li.open")
        reject = page.locator("#do-reject")
        assert not reject.is_visible()  # set apart, behind a disclosure
        assert axe_violations(page) == []
        if size == "phone":  # the history collapses into cards, each cell named by its column
            labels = page.locator("table.ledger tbody td:not(:empty)").evaluate_all(
                "cells => cells.map(c => [getComputedStyle(c, '::before').content, "
                "c.closest('table').tHead.rows[0].cells[c.cellIndex].textContent.trim()])")
            assert labels and all(before == f'"{head}: "' for before, head in labels), labels
        page.click("#do-start_review")
        assert page.inner_text("#state") == "In review"
        # In review and still blocked: the main step is to return it, with a comment.
        assert page.locator("button.primary").all_inner_texts() == ["Return to contributor"]
        # Rejecting needs the confirmation ticked (the browser asks; the server checks too).
        page.click("details.danger > summary:has-text('Reject')")
        page.fill("#comment-reject", "Out of scope for this collection.")
        page.click("#do-reject")
        assert page.inner_text("#state") == "In review"  # nothing was sent: the box is unticked
        forged = page.request.post(f"{narrative}/act", form={"action": "reject", "version": "3"})
        assert forged.status in (400, 403)
        assert axe_violations(page) == []


@pytest.fixture
def staffed(published_template, tmp_path):
    """`reckon serve` on a copy of the published minimal archive, with an admin too."""
    home = copy_home(published_template, tmp_path).home
    with reckon_serve(home, {"cora": "curator", "dina": "admin"}, PASSWORD) as base:
        yield base


STAFF_PAGES = ["/staff/", "/staff/narratives/new", "/staff/harms/", "/staff/harms/harm-exclusion",
               "/staff/store/narratives", "/staff/tags", "/staff/redactions", "/staff/redactions/nar-a",
               "/staff/tokens", "/staff/admin/users", "/staff/admin/audit"]


@pytest.mark.parametrize("size", list(SIZES))
def test_every_staff_page_kind_passes_axe_and_labels_its_collapsed_tables(staffed, size):
    with chromium_page(SIZES[size], bypass_csp=True) as page:
        sign_in(page, staffed, "dina")
        for path in STAFF_PAGES:
            assert page.goto(staffed + path).status == 200, path
            assert axe_violations(page) == [], (path, size)
            assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"], path
            if size == "phone":
                labels = page.locator("table.ledger tbody td:not(:empty)").evaluate_all(
                    "cells => cells.filter(c => !c.colSpan || c.colSpan === 1).map(c => "
                    "[getComputedStyle(c, '::before').content, c.closest('table').tHead.rows[0].cells[c.cellIndex].textContent.trim()])")
                assert all(before == f'"{head}: "' for before, head in labels), (path, labels)
