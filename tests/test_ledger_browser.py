"""A curator edits the harm ledger in a real browser: headless Chromium against `reckon serve`.

Same setup as tests/test_staff_browser.py (Debian's chromium, driven by playwright; skipped
with the reason where it is not installed).
"""

from __future__ import annotations

from tests.helpers.browser import chromium_page, sign_in, staff_marks

pytestmark = staff_marks()

QUOTE = "I remember the apology."


def test_a_curator_adds_an_event_and_links_a_narrative_a_contributor_cannot(staff_server):
    base, home = staff_server
    with chromium_page() as page:
        sign_in(page, base, "cora")
        page.click("text=Harm ledger")
        page.click("text=Exclusion of Black physicians")
        assert page.inner_text("#harm-status") == "Apologized"

        page.select_option("#evt-status", "repair-committed")
        page.fill("#evt-date", "early 2021")  # not EDTF: comes back with the error beside it
        page.fill("#evt-source", "rec-2008-apology")
        page.fill("#evt-note", "An equity plan is announced.")
        page.click("#do-add-event")
        assert "is not an EDTF date" in page.inner_text("#evt-date-error")
        assert page.input_value("#evt-note") == "An equity plan is announced."
        page.fill("#evt-date", "2021-05")
        page.click("#do-add-event")
        assert "Added the accountability event" in page.inner_text("main")
        assert page.inner_text("#harm-status") == "Repair committed"

        page.select_option("#ev-source_kind", "segment")
        page.fill("#ev-source_id", "nar-a")
        page.fill("#ev-segment", "00:00:00")
        page.fill("#ev-quote", "I remember the apologies.")  # not word for word
        page.click("#do-link")
        assert "quotation not found word for word" in page.inner_text("#ev-quote-error")
        assert page.input_value("#ev-source_id") == "nar-a"
        page.fill("#ev-quote", QUOTE)
        page.click("#do-link")
        assert "Linked the evidence" in page.inner_text("main")
        assert QUOTE in page.inner_text("#evidence")
        api = page.request.get(f"{base}/api/harms/harm-exclusion").json()
        assert api["status"] == "repair-committed"
        assert api["evidence"][-1]["quote"] == QUOTE and api["evidence"][-1]["locator"] == "segment at 00:00:00"

        # A forged POST (no CSRF token) with the curator's own cookie is refused.
        forged = page.request.post(f"{base}/staff/harms/harm-exclusion/events",
                                   form={"version": "999", "status": "repaired", "date": "2024",
                                         "source": "rec-2008-apology"})
        assert forged.status == 403 and "Form refused" in forged.text()

        page.click("#do-publish-site")
        public = page.goto(f"{base}/harms/harm-exclusion/")
        assert public.status == 200
        assert QUOTE in page.inner_text("main") and "Repair committed" in page.inner_text("main")
        assert "Repaired" not in page.inner_text("main")
        page.screenshot(path=str(home / "harm-after-edit.png"), full_page=True)

        page.goto(f"{base}/staff/")
        page.click("button:has-text('Sign out')")
        sign_in(page, base, "ana")
        assert "Harm ledger" not in page.inner_text("nav")
        refused = page.goto(f"{base}/staff/harms/harm-exclusion")
        assert refused.status == 403 and "This page is for curators" in page.inner_text("main")
