"""Chart drawings kept on disk by the Vega-Lite spec and renderer that made them
(`publish.charts.svg.Drawings`), in the build's cache folder, never published.

Drawing is a pure function of the spec and vl-convert's version, and costs ~0.1-0.4 s a chart
in a JavaScript engine; a patched rebuild runs in a process of its own and draws the charts
again whenever what they count may have changed (each new day), mostly to the same pictures.
A drawing read back is checked again as a fresh one is (`svg.checked`, by the caller): a file
changed on disk fails the build rather than reach a reader. Only the `KEEP` drawings used last stay.
"""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import version
from pathlib import Path

KEEP = 200  # drawings: the site's ~10 charts at two widths, many times over
FOLDER = "drawings"


def recall(cache_dir: Path, spec: dict) -> str | None:
    """The drawing of `spec` made before by this renderer (to be checked), or None."""
    path = _path(cache_dir, spec)
    try:
        svg = path.read_text(encoding="utf-8")
        path.touch()  # used now: the last to go
    except (OSError, UnicodeDecodeError):
        return None
    return svg


def keep(cache_dir: Path, spec: dict, svg: str) -> None:
    """Keep a drawing (written whole under a temporary name, then renamed), and let the oldest go."""
    path = _path(cache_dir, spec)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(".tmp")
        temp.write_text(svg, encoding="utf-8")
        temp.replace(path)
        kept = sorted(path.parent.glob("*.svg"), key=lambda p: p.stat().st_mtime)
        for old in kept[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a cache: the next build draws it again


def _path(cache_dir: Path, spec: dict) -> Path:
    key = json.dumps([spec, version("vl-convert-python")], sort_keys=True).encode("utf-8")
    return cache_dir / FOLDER / f"{hashlib.sha256(key).hexdigest()}.svg"
