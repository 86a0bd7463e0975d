"""A new staff member in a real browser: headless Chromium against `reckon serve`.

Needs Debian's `chromium` (/usr/bin/chromium, or RECKON_CHROMIUM) and the `playwright` Python
package (in the test extras; it drives the system browser, it downloads none). Skipped, with
the reason, where Chromium is not installed.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import copy_home
from tests.live_server import reckon_serve

CHROMIUM = os.environ.get("RECKON_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "a long passphrase"
# As root and on a closed network Chromium needs these to start quickly and quietly.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]



@pytest.fixture
def server(published_template, tmp_path):
    """`reckon serve` on a copy of the published minimal archive (so it starts with nothing to
    build; tests/test_serve.py starts one on a fresh checkout)."""
    home = copy_home(published_template, tmp_path).home
    with reckon_serve(home, {"ana": "contributor", "cora": "curator"}, PASSWORD) as base:
        yield base, home


@contextmanager
def chromium_page():
    """A page of headless Chromium (Playwright driving the system browser), closed afterwards;
    skips the test, saying why, where the playwright package is missing."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def sign_in(page, base: str, name: str) -> None:
    page.goto(base + "/staff/")
    assert page.url.endswith("/staff/signin?next=/staff/")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(base + "/staff/")


def test_a_contributor_submits_an_embargoed_narrative_and_a_curator_publishes_it(server):
    base, home = server
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
