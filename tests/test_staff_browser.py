"""A new staff member in a real browser: headless Chromium against `reckon serve`.

Needs Debian's `chromium` (/usr/bin/chromium, or RECKON_CHROMIUM) and the `playwright` Python
package (in the test extras; it drives the system browser, it downloads none). Skipped, with
the reason, where Chromium is not installed.
"""

from __future__ import annotations

from tests.helpers.browser import chromium_page, sign_in, staff_marks

pytestmark = staff_marks()


def test_a_contributor_submits_an_embargoed_narrative_and_a_curator_publishes_it(staff_server):
    base, home = staff_server
    with chromium_page() as page:
        sign_in(page, base, "ana")
        page.click("text=Submit a narrative")
        page.fill("#title", "Ferncastle recollections")
        page.fill("#narrator_display", "F. C.")
        page.fill("#narrator_name", "Private Ferncastle")
        page.fill("#date", "the spring of 1962")  # not EDTF: comes back with the error beside it
        page.fill("#body", "## [00:00:00] Arrival\nFerncastle remembers the ward and Nurse Holloway.")
        page.fill("#redact_names", "Nurse Holloway")
        page.check("#release_signed")
        page.fill("#release_date", "2024-05-01")
        page.fill("#embargo_until", "2040-01-01")
        page.select_option("#narrator_review", "done")
        page.click("button:has-text('Save and submit for review')")
        assert "is not an EDTF date" in page.inner_text("#date-error")
        assert page.input_value("#title") == "Ferncastle recollections"
        assert "Ferncastle remembers the ward and Nurse Holloway." in page.input_value("#body")
        assert page.input_value("#embargo_until") == "2040-01-01"
        assert page.input_value("#redact_names") == "Nurse Holloway"
        page.fill("#date", "1962~")
        page.click("button:has-text('Save and submit for review')")
        assert page.inner_text("#state") == "Submitted"
        narrative_url = page.url
        page.screenshot(path=str(home / "submitted.png"), full_page=True)
        page.click("button:has-text('Sign out')")

        sign_in(page, base, "cora")
        page.goto(narrative_url)
        page.click("#do-publish")
        assert "Published “Ferncastle recollections”" in page.inner_text("main")
        assert page.inner_text("#state") == "Published"

        sub_id = narrative_url.rstrip("/").rsplit("/", 1)[-1]
        public = page.goto(f"{base}/narratives/{sub_id}/")
        assert public.status == 404  # embargoed until 2040: not on the public site
        assert page.request.get(f"{base}/api/narratives/{sub_id}").status == 404
        assert page.request.get(f"{base}/api/search?q=Ferncastle").json()["total"] == 0
