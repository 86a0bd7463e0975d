"""What a site build did, as `reckon build` prints it: one report for both ways of building.

Its own module because both the full build (`publish.build`) and the patched rebuild
(`publish.incremental`, which the full build calls first) return it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class BuildReport:
    pages: int
    public_dir: Path
    written: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    records_made: int = 0  # record views made through the Catalog (the rest came from the cache)
    applied: int = 0  # files written into the standby buffer (its changes since two builds ago)
    patched: bool = False  # True when only a few records changed and their outputs were patched (publish.incremental)
    # The files this build changed in the served site (written anew or removed; an image's
    # files as `iiif/<id>/`): what a CDN must drop (publish.purge). Empty for a first build.
    changed: list[str] = field(default_factory=list)
    # True when no site was served before this build (a first build): every file is new, and
    # `changed` is empty (nothing a CDN holds changed). `reckon build --changed-list` then
    # lists every file (publish.changed_list).
    whole: bool = False
