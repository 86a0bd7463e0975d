"""Headless Chromium in the tests: Debian's `chromium` driven by Playwright (which downloads no
browser of its own).

Two set-ups, as the tests grew them:
- pages of the built sample on a static host, checked with axe-core for WCAG 2.2 AA
  (tests/test_browser.py, tests/test_search_page_browser.py): `CHROMIUM` (or `$CHROMIUM`) and
  `.cache/axe`, installed by `.ci/run`; skipped locally without them, an error in CI;
- the staff app under `reckon serve` (tests/test_staff_browser.py, test_ledger_browser.py,
  test_curator_browser.py): `STAFF_CHROMIUM` (or `$RECKON_CHROMIUM`), skipped without it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

import pytest

from tests.helpers.archives import REPO

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
AXE = REPO / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# The two windows the pages are checked at: a laptop, and a phone held upright.
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}

STAFF_CHROMIUM = os.environ.get("RECKON_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "a long passphrase"  # of the staff accounts the browser tests sign in with
# As root and on a closed network Chromium needs these to start quickly and quietly.
STAFF_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--disable-quic"]


def axe_marks() -> list[pytest.MarkDecorator]:
    """`pytestmark` of a module that checks pages with axe-core: slow, and skipped saying what is
    missing; in CI, where .ci/run installs everything, a missing piece stops the run instead."""
    missing = [str(p) for p in (CHROMIUM, AXE) if not p.exists()]
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:  # pragma: no cover - playwright is a test extra
        missing.append("playwright")
    if missing and os.environ.get("CI"):
        raise RuntimeError(f"browser tests need {', '.join(missing)}: .ci/run installs them")
    return [pytest.mark.slow, pytest.mark.skipif(bool(missing), reason=f"not installed: {', '.join(missing)}")]


def staff_marks() -> list[pytest.MarkDecorator]:
    """`pytestmark` of a module that drives the staff app in Chromium: slow, skipped without it."""
    return [pytest.mark.slow,
            pytest.mark.skipif(not Path(STAFF_CHROMIUM).exists(), reason="Debian's chromium is not installed")]


class QuietHandler(SimpleHTTPRequestHandler):
    """A static file server's handler that does not log every request."""

    def log_message(self, *args) -> None:
        pass


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.2 AA violations on the page as it is now, one line each (rule, help, where)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    return [f"{v['id']}: {v['help']} ({', '.join(str(n['target'][0]) for n in v['nodes'][:3])})"
            for v in result["violations"]]


def fits(page, size: dict) -> bool:
    """Whether the page is no wider than the window (nothing to scroll sideways)."""
    return page.evaluate("document.documentElement.scrollWidth") <= size["width"]


@contextmanager
def chromium_page(size: dict | None = None, *, bypass_csp: bool = False, java_script: bool = True) -> Iterator:
    """A page of headless Chromium (Playwright driving the system browser) at `size` (one of
    `SIZES`, or Playwright's default), closed afterwards; `bypass_csp` only to inject axe into a
    page whose CSP would refuse it; `java_script=False` to see the page as it is without script. Skips the test, saying why, where playwright is missing."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=STAFF_CHROMIUM, args=STAFF_FLAGS)
        try:
            yield browser.new_context(viewport=size, bypass_csp=bypass_csp, java_script_enabled=java_script).new_page()
        finally:
            browser.close()


def sign_in(page, base: str, name: str) -> None:
    """Sign in as `name` (password `PASSWORD`) through the staff app's form."""
    page.goto(base + "/staff/")
    assert page.url.endswith("/staff/signin?next=/staff/")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(base + "/staff/")
