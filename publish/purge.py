"""Telling a CDN which public URLs a publish changed (`RECKON_PURGE_COMMAND`).

Every answer carries `Cache-Control: no-cache`, but a CDN set to keep pages regardless would
still hand out a withdrawn testimony. After each publish the configured command is run with
the changed URLs as its arguments (absolute, under `RECKON_BASE_URL`; a folder's `index.html`
as both `…/x/` and `…/x/index.html`), at most `BATCH` a call, e.g.

    RECKON_PURGE_COMMAND="/usr/local/bin/purge-cdn --zone archive"

The URLs are first appended to a pending list beside the site (in the build cache, never
published), removed once the command succeeds: a purge that fails (non-zero exit, a timeout,
no such command) is raised, so the publish is reported failed ("public site out of date" on
the staff pages), and the URLs are purged again by the next publish.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Iterable
from pathlib import Path

from archive.errors import ReckoningError
from archive.settings import Settings
from archive.urls import SiteUrls

BATCH = 500
TIMEOUT = 120  # seconds a call may take
PENDING = "purge-pending.txt"


class PurgeFailed(ReckoningError):
    """The purge command did not succeed; its URLs stay pending."""


def urls_of(paths: Iterable[str], urls: SiteUrls) -> list[str]:
    """The public URLs of these published files (paths relative to the site)."""
    found: set[str] = set()
    for path in paths:
        found.add(urls.absolute("/" + path))
        if path == "index.html" or path.endswith("/index.html"):
            found.add(urls.absolute("/" + path[: -len("index.html")]))
    return sorted(found)


def purge(settings: Settings, paths: Iterable[str]) -> int:
    """Run the purge command for these changed files and any still pending; the number of URLs
    purged (0 when no command is set). Raises PurgeFailed."""
    if not settings.purge_command:
        return 0
    pending = Path(settings.build_cache_dir) / PENDING
    new = urls_of(paths, SiteUrls(settings.base_url))
    if new:
        pending.parent.mkdir(parents=True, exist_ok=True)
        with pending.open("a", encoding="utf-8") as out:
            out.writelines(url + "\n" for url in new)
    try:
        todo = sorted(set(pending.read_text(encoding="utf-8").split()))
    except FileNotFoundError:
        return 0
    command = shlex.split(settings.purge_command)
    for start in range(0, len(todo), BATCH):
        batch = todo[start:start + BATCH]
        try:
            done = subprocess.run(command + batch, capture_output=True, text=True, timeout=TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PurgeFailed(f"the purge command (RECKON_PURGE_COMMAND) could not run: {exc}") from exc
        if done.returncode != 0:
            said = (done.stderr or done.stdout).strip().splitlines()
            raise PurgeFailed(f"the purge command (RECKON_PURGE_COMMAND) exited with {done.returncode}"
                              + (f": {said[-1]}" if said else ""))
    pending.unlink(missing_ok=True)
    return len(todo)
