"""Real archives for the tests: the bundled sample and the small `tests/fixtures/minimal`
content, ingested and published into a temporary home, and copies of a home built once.

The fixtures in tests/conftest.py build each archive once per session (per xdist worker) with
these functions and hand each test that writes to one its own copy (`copy_home`)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from archive.settings import Settings, load_settings
from ingest.pipeline import ingest
from publish.pipeline import publish
from tests.helpers import postgres

TESTS = Path(__file__).resolve().parent.parent
REPO = TESTS.parent
SAMPLE = REPO / "content"
MINIMAL = TESTS / "fixtures" / "minimal"
LEDGER = TESTS / "fixtures" / "ledger"  # the harm ledger's files, laid over the minimal content
OHMS = REPO.parent / "shared" / "samples" / "ohms"
RECKON = os.path.join(os.path.dirname(sys.executable), "reckon")  # the installed command

# A fixed "today" so embargo tests do not change meaning as the calendar moves.
TODAY = date(2026, 11, 23)

# What the minimal content hides: a word only each hidden narrative uses, and nar-a's real name.
HIDDEN_WORDS = {
    "nar-b": "Zanzibarquux",  # withdrawn by access level
    "nar-c": "Quillobard",  # embargoed until 2045-01-01
    "nar-d": "Morvendale",  # staff only
    "nar-e": "Tessarine",  # restricted
    "nar-f": "Plumcourt",  # no consent recorded
    "nar-g": "Vantribble",  # withdrawn through the consent log
}
PRIVATE_NAME = "Secret Legalname"  # nar-a is public under a pseudonym


def make_settings(home: Path, content: Path, today: date = TODAY) -> Settings:
    return load_settings(home=home, environ={}, content_dir=content, today_override=today,
                         database_url=postgres.store_url(home))  # None but under --postgres


def published_minimal(home: Path, prepare: Callable[[Path], None] | None = None) -> Settings:
    """The minimal content copied into `home` (changed by `prepare` first, if given), ingested
    and published. Unchanged, it is the session's `published_template`; changed, the starting
    archive of a module that needs other content (built once per module, then copied)."""
    shutil.copytree(MINIMAL, home / "content")
    if prepare is not None:
        prepare(home / "content")
    settings = make_settings(home, home / "content")
    ingest(settings)
    publish(settings)
    return settings


def with_ledger(content: Path) -> None:
    """Lay the harm ledger's files (commitments, responses, more harms) over minimal content."""
    shutil.copytree(LEDGER, content, dirs_exist_ok=True)


def published_sample(home: Path) -> Settings:
    """The bundled sample (read where it is, in the repository) ingested and published in `home`."""
    settings = make_settings(home, SAMPLE)
    ingest(settings)
    publish(settings)
    return settings


def copy_home(template: Path, tmp_path: Path, content: Path | None = None) -> Settings:
    """A test's own copy of an archive built once, in `tmp_path / "home"` (content, store,
    indexes, both site buffers, with `public` kept the relative symlink it is): copying is much
    cheaper than ingesting and publishing again, and the copy is the same archive (ingest finds
    nothing changed, a build writes nothing). `content`: where the archive's content is when it
    is not in the home (the sample's is read in place, `SAMPLE`)."""
    home = tmp_path / "home"
    # A replaced folder (`.NAME.old-…`) is removed by a background thread (archive.files.
    # staged_directory) that may still be at it: it is garbage, and copying it races its removal.
    shutil.copytree(template, home, symlinks=True, ignore=shutil.ignore_patterns(".*.old-*"))
    postgres.copy_store(template, home)  # under --postgres: the store is a database, copied too
    return make_settings(home, content or home / "content")
