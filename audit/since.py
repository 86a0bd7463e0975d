"""`reckon audit` after a publish: check what changed since the last audit.

A full audit (`audit.leaks.audit`, `reckon audit --full`) reads every public file, every
document of the public index and every anonymous API answer: minutes at 100,000 records, too
slow to run after each publish. Between two audits only two things can bring a new leak:

- a file written since (by a publish, or by anyone): every public file whose modification or
  change time is not older than the last audit's start is scanned for every fingerprint (a
  publish writes new files or links them in: both move those times);
- material that became hidden (a withdrawal, a restriction, a redaction) since the last
  audit, whose words may have stayed in a file no publish touched: its fingerprints (those the
  last audit did not have) are looked for in every public file and every document of the
  public index, as plain substrings first (one pass over the bytes, fast), then as the full
  audit matches them in the few that hold one.

The anonymous API is not walked here: it answers from the store through the access rule, live,
and `--full` checks it. What the last audit saw (a digest of each fingerprint, never its words)
is kept beside the site's build cache, private; with no earlier audit, a full one runs.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.db import store_transaction
from archive.settings import Settings
from audit.files import public_files, read_public
from audit.fingerprints import ADDRESS, hidden_addresses
from audit.leaks import (
    AuditReport,
    Fingerprint,
    Leak,
    audit,
    fingerprints,
)
from audit.matcher import Matcher
from audit.recordings import MEDIA_SUFFIXES, audit_recordings
from search.query import open_index

STATE = "audit-state.json"
SLACK_NS = 2_000_000_000  # a coarse file system clock: a file written just before the audit began counts


@dataclass
class Since:
    report: AuditReport
    full: bool  # a full audit ran (none before, or asked for)
    files: int = 0  # files scanned for every fingerprint (written since the last audit began)
    new: int = 0  # fingerprints the last audit did not have


def _digest(f: Fingerprint) -> str:
    return hashlib.blake2b(f"{f.kind}\0{f.object_id}\0{f.text}".encode(), digest_size=12).hexdigest()


def audit_since(settings: Settings, full: bool = False, seed: int | None = None) -> Since:
    """Check what changed since the last audit (a full audit when there was none, or `full`;
    `seed` draws its sample of public ids, `audit.leaks.audit`)."""
    state_path = Path(settings.build_cache_dir) / STATE
    try:
        state = json.loads(state_path.read_text()) if not full else None
    except (OSError, ValueError):
        state = None
    started = time.time_ns()
    if state is None:
        report = audit(settings, seed=seed)
        _remember(state_path, report, started)
        return Since(report, full=True, new=len(report.fingerprints))
    with store_transaction(settings) as session:
        prints, hidden_count = fingerprints(session, settings.today(), settings.site_dir)
        addresses = [Fingerprint(text, object_id, why, ADDRESS) for text, object_id, why
                     in hidden_addresses(session, Catalog(session, PUBLIC, settings.today()))]
    report = AuditReport(prints + addresses, hidden_count)
    seen = set(state.get("fingerprints", []))
    new = [f for f in report.fingerprints if _digest(f) not in seen]
    public = settings.public_dir

    every = Matcher(report.fingerprints)
    newly = Matcher([*(f for f in new if f.kind != ADDRESS), *(f for f in new if f.kind == ADDRESS)])

    def scan(where: str, text: str, matcher: Matcher) -> None:
        report.places += 1
        report.where.append(where)
        report.leaks.extend(Leak(where, f) for f in matcher.find(text))

    since = state.get("at", 0) - SLACK_NS
    written = set()
    for file in public_files(public):
        st = file.stat()
        if st.st_mtime_ns >= since or st.st_ctime_ns >= since:
            relative = file.relative_to(public).as_posix()
            written.add(relative)
            if file.suffix.lower() in MEDIA_SUFFIXES:
                continue  # sound: decoded below, not searched as text
            scan(str(file.relative_to(public.parent)),
                 f"/{relative}\n" + read_public(file), every)
    with store_transaction(settings) as session:  # the recordings written since, decoded
        heard, listened = audit_recordings(session, settings, written)
    report.where += listened
    report.places += len(listened)
    report.leaks += [Leak(f.where, Fingerprint(f.text, f.object_id or "the site", f.why, "recording")) for f in heard]
    if new:
        needles = [f.text.lower().encode() for f in new]
        for file in public_files(public):
            relative = file.relative_to(public).as_posix()
            if relative in written or file.suffix.lower() in MEDIA_SUFFIXES:
                continue
            data = (f"/{relative}\n".encode() + file.read_bytes()).lower()
            if any(needle in data for needle in needles):  # then as the full audit matches them
                scan(str(file.relative_to(public.parent)), data.decode("utf-8", "replace"), newly)
        index = open_index(settings.index_dir, settings.database_url)
        try:
            for stored in index.stored_documents():
                text = json.dumps(stored, ensure_ascii=False)
                if any(needle.decode() in text.lower() for needle in needles):
                    scan(f"public search index, document {stored.get('id')}", text, newly)
        finally:
            index.close()
    _remember(state_path, report, started)
    return Since(report, full=False, files=len(written), new=len(new))


def _remember(state_path: Path, report: AuditReport, started: int) -> None:
    """What this audit saw (digests of its fingerprints) and when it began."""
    state_path.parent.mkdir(parents=True, exist_ok=True)
    state_path.write_text(json.dumps({"at": started, "fingerprints": sorted(_digest(f) for f in report.fingerprints)}))
