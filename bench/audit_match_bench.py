"""How long the leak audit's matcher takes over every file of a built site, alone.

    .venv/bin/python bench/audit_match_bench.py --home H [--sample N] [--seed S]

Takes the archive's fingerprints and hidden addresses as `reckon audit` does
(`audit.leaks.fingerprints`, `audit.fingerprints.hidden_addresses`), then reads every public
file (or a seeded sample of N) as `audit.site_scan` does and matches its address and bytes with
one `audit.matcher.Matcher` (`indices_in_file`; an older version's: its text decoded, then
`indices`), timing reading and matching apart (this thread's CPU). The whole
audit's CPU moves by ±15% with the machine's load; this is the part the matcher owns, so two
versions of it can be compared side by side (run each from a frozen worktree with `PYTHONPATH=`).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.db import store_transaction
from archive.settings import load_settings
from audit.files import public_files
from audit.fingerprints import ADDRESS, hidden_addresses
from audit.leaks import Fingerprint, fingerprints
from audit.matcher import Matcher
from audit.recordings import MEDIA_SUFFIXES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="an archive ingested and built")
    parser.add_argument("--sample", type=int, default=0, help="match this many files (0: all)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    settings = load_settings(home=args.home)
    with store_transaction(settings) as session:
        seen_by: dict = {}
        prints, _ = fingerprints(session, settings.today(), settings.site_dir, seen_by)
        prints += [Fingerprint(text, object_id, why, ADDRESS) for text, object_id, why
                   in hidden_addresses(session, Catalog(session, PUBLIC, settings.today()), seen_by)]
    public = settings.public_dir.resolve()
    files = [p for p in public_files(public) if p.suffix.lower() not in MEDIA_SUFFIXES]
    if args.sample:
        files = random.Random(args.seed).sample(files, min(args.sample, len(files)))
    matcher = Matcher(prints)
    read = match = 0.0
    size = found = 0
    for path in files:
        start = time.thread_time()
        data = path.read_bytes()
        between = time.thread_time()
        head = f"/{path.relative_to(public).as_posix()}"
        if hasattr(matcher, "indices_in_file"):  # the bytes as read (`audit.site_scan`)
            found += len(matcher.indices_in_file(head, data))
        else:  # a version from before: the text decoded, then matched
            found += len(matcher.indices(f"{head}\n{data.decode('utf-8', 'replace')}"))
        read += between - start
        match += time.thread_time() - between
        size += len(data)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"{len(prints)} fingerprints, {len(files)} files, {size / 1e6:.0f} MB: "
          f"read {read:.1f} s, match {match:.1f} s CPU (decoding included; {size / 1e6 / max(match, 1e-9):.0f} MB/s), "
          f"{found} found; load {load}")


if __name__ == "__main__":
    main()
