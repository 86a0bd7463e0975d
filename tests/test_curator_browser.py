"""A curator in a real browser (headless Chromium against `reckon serve`): review tags and redactions.

Same set-up as tests/test_staff_browser.py (Debian's chromium driven by Playwright, skipped
with the reason where it is not installed: tests/helpers/browser.py), on content where the
tagger has suggestions and detection has proposed redactions.
"""

from __future__ import annotations

import shutil

import pytest

from tests.helpers.archives import MINIMAL
from tests.helpers.browser import PASSWORD, chromium_page, sign_in, staff_marks
from tests.helpers.content import EMAIL, PHONE, with_phrases_and_contact_details
from tests.helpers.servers import reckon_serve

pytestmark = staff_marks()


@pytest.fixture
def server(tmp_path):
    shutil.copytree(MINIMAL, tmp_path / "content")
    with_phrases_and_contact_details(tmp_path / "content")
    with reckon_serve(tmp_path, {"ana": "contributor", "cora": "curator"}, PASSWORD) as base:
        yield base, tmp_path


def test_a_curator_accepts_a_tag_and_rejects_a_redaction_and_the_api_shows_both(server):
    base, home = server
    with chromium_page() as page:
        sign_in(page, base, "ana")  # a contributor: neither the menu entries nor the pages
        assert page.locator("text=Tag suggestions").count() == 0
        assert page.goto(f"{base}/staff/tags").status == 403
        assert page.goto(f"{base}/staff/redactions/nar-a").status == 403
        page.goto(base + "/staff/")
        page.click("button:has-text('Sign out')")

        api = page.request
        assert api.get(f"{base}/api/records/rec-2008-apology").json()["subjects"] == []
        assert PHONE not in api.get(f"{base}/api/narratives/nar-a").text()  # pending: hidden

        sign_in(page, base, "cora")
        page.click("text=Tag suggestions")
        page.select_option("#object", "rec-2008-apology")
        page.click("button:has-text('Show')")
        page.wait_for_url("**object=rec-2008-apology**")  # the filtered page, loaded: not the one before
        row = page.locator("#suggestions tbody tr")
        assert row.count() == 1 and "barred from membership" in row.locator("mark").inner_text()
        row.locator("button:has-text('Accept')").click()
        assert "accepted" in page.inner_text("p.notice")

        page.click("text=Redactions")
        page.click("a:has-text('nar-a')")
        phone = page.locator("#spans tr", has_text=PHONE)
        assert "pending (hidden until rejected)" in phone.inner_text()
        phone.locator("button:has-text('Reject')").click()
        assert "the words are now public" in page.inner_text("p.notice")
        assert "rejected (shown)" in page.locator("#spans tr", has_text=PHONE).inner_text()
        page.screenshot(path=str(home / "redactions.png"), full_page=True)

        subjects = api.get(f"{base}/api/records/rec-2008-apology").json()["subjects"]
        assert [s["id"] for s in subjects] == ["ht-exclusion"]
        narrative = api.get(f"{base}/api/narratives/nar-a").text()
        assert PHONE in narrative and EMAIL not in narrative  # only the rejected span is released
        assert api.get(f"{base}/api/search?q=555-0199").json()["total"] >= 1
