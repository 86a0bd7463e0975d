"""The narrative player in real headless Chromium, from a plain static host.

The sample's narrative with a (synthetic) recording is played as a reader would: nothing plays
by itself, "Play from" links (by mouse and by keyboard) seek and play, the passage being heard is
highlighted and marked `aria-current`, a passage's permalink sets the recording to its moment,
the page passes axe, and without JavaScript the time links still open the recording at the
moment (a media fragment). The host serves byte ranges, as static hosts do, so the browser can seek.

Needs Debian's `chromium` and axe-core (`.cache/axe`), like tests/test_browser.py.
"""

from __future__ import annotations

import functools
import io
import os
import re
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.helpers.browser import CHROMIUM, CHROMIUM_FLAGS, axe_marks, axe_violations

PLAYER_FLAGS = [*CHROMIUM_FLAGS, "--autoplay-policy=user-gesture-required"]  # as a reader's browser: no sound unasked
PAGE = "/narratives/nar-composite-02/"
AUDIO = "document.querySelector('audio[data-player]')"

pytestmark = axe_marks()


class RangeHandler(SimpleHTTPRequestHandler):
    """A static file host that answers byte ranges (`Range: bytes=a-b`), as real ones do."""

    def log_message(self, *args) -> None:
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        path = self.translate_path(self.path)
        wanted = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        if wanted is None or not os.path.isfile(path):
            return super().send_head()
        size = os.path.getsize(path)
        first, last = wanted.groups()
        start = int(first) if first else max(size - int(last or 0), 0)
        end = min(int(last), size - 1) if first and last else size - 1
        with open(path, "rb") as handle:
            handle.seek(start)
            body = handle.read(end - start + 1)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        return io.BytesIO(body)


@pytest.fixture(scope="module")
def host(sample, tmp_path_factory):
    root = tmp_path_factory.mktemp("host") / "public"
    shutil.copytree(sample.public_dir, root)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(RangeHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=PLAYER_FLAGS)
        yield context
        context.close()


def at(page, seconds: float) -> None:
    """Wait until the recording is at `seconds` (within a second after it)."""
    page.wait_for_function(f"s => {AUDIO}.currentTime >= s && {AUDIO}.currentTime < s + 1.5", arg=seconds)


def test_nothing_plays_by_itself_and_the_page_passes_axe(browser, host):
    page = browser.new_page()
    page.goto(host + PAGE)
    page.wait_for_function(f"{AUDIO}.readyState >= 1")  # the browser read the recording's header
    assert page.evaluate(f"{AUDIO}.canPlayType('audio/mp4; codecs=\"mp4a.40.2\"')") != ""
    assert page.evaluate(f"[{AUDIO}.paused, {AUDIO}.autoplay, {AUDIO}.currentTime]") == [True, False, 0]
    assert page.evaluate(f"Math.round({AUDIO}.duration)") == 148
    assert page.locator("[data-follow-control]").is_visible()
    assert axe_violations(page) == []
    page.click("details.content-note > summary")  # the transcript, opened, checked too
    assert axe_violations(page) == []
    page.close()


def test_play_links_seek_and_the_transcript_follows(browser, host):
    page = browser.new_page()
    page.goto(host + PAGE)
    page.click("details.content-note > summary")
    page.click("#t-00-32-05 a.play")
    at(page, 63)
    page.wait_for_selector("#t-00-32-05.playing[aria-current='true']")
    assert page.evaluate(f"{AUDIO}.paused") is False
    # By keyboard: a link is reached with Tab and followed with Enter; the focus stays on it.
    page.focus("#t-00-32-31 a.play")
    page.keyboard.press("Enter")
    at(page, 89)
    page.wait_for_selector("#t-00-32-31.playing")
    assert page.locator(".segment.playing").count() == 1
    assert page.evaluate("document.activeElement.closest('section').id") == "t-00-32-31"
    # Following can be turned off (by keyboard too).
    page.focus("[data-follow]")
    page.keyboard.press("Space")
    assert page.evaluate("document.querySelector('[data-follow]').checked") is False
    page.evaluate(f"{AUDIO}.pause()")
    page.close()


def test_a_passage_permalink_sets_the_recording_to_its_moment_without_playing(browser, host):
    page = browser.new_page()
    page.goto(host + PAGE + "#t-00-32-31")
    at(page, 89)
    page.wait_for_selector("#t-00-32-31.playing")
    assert page.evaluate(f"{AUDIO}.paused") is True
    page.close()


def test_without_javascript_time_links_open_the_recording_at_the_moment(browser, host):
    page = browser.new_page()
    page.route("**/*.js", lambda route: route.abort())
    page.goto(host + PAGE)
    assert page.get_attribute("#t-00-32-05 a.play", "href") == "/narratives/nar-composite-02/recording-1.m4a#t=63"
    assert page.locator("audio[data-player][controls]").is_visible()
    assert not page.locator("[data-follow-control]").is_visible()  # nothing to follow without the script
    page.close()


def test_the_player_fits_a_phone_screen(browser, host):
    page = browser.new_page()
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(host + PAGE)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate(f"{AUDIO}.getBoundingClientRect().width") > 250
    page.close()


def test_arriving_at_a_passage_offers_its_citation_at_the_same_moment(browser, host):
    page = browser.new_page()
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(host + PAGE + "#t-00-32-31")
    at(page, 89)
    box = page.locator("#t-00-32-31 details.cite-passage")
    page.wait_for_function("document.querySelector('#t-00-32-31 details.cite-passage').open")
    summary = box.locator("summary").inner_text()
    assert summary.startswith("Cite this passage (00:32:31–")
    locator = summary[len("Cite this passage ("):-1]
    assert f", {locator}." in box.locator("p.chicago").inner_text()
    assert box.locator("a.permalink").get_attribute("href").endswith("/narratives/nar-composite-02/#t-00-32-31")
    media = box.locator("a[href*='recording-1.m4a#t=']").get_attribute("href")
    assert media.split("#t=")[1].split(",")[0] == "89"  # the moment the permalink set the recording to
    assert box.locator("button.copy").count() == 3  # Chicago, BibTeX, CSL-JSON
    assert page.locator("details.cite-passage[open]").count() == 1  # only the passage arrived at
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert axe_violations(page) == []
    page.close()
