"""Ingest benchmark: generated Markdown corpora of 10,000 and 100,000 records.

Run from the repository root (not part of the test suite):

    .venv/bin/python bench/ingest_bench.py            # 10,000 and 100,000 records
    .venv/bin/python bench/ingest_bench.py 10000      # one size

Each size is generated once into bench/.corpus-N/ (git-ignored), then ingested in a fresh child
process pinned to one core (so peak memory is that run's own): a first ingest into an empty
store (every record created, with revisions), then a re-run on unchanged files. It prints
records per second by wall clock and by the process's own CPU time (the second is what one
core achieves when the machine is shared), and peak resident memory. Target: >= 2,000
records/s on one core.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = ["minutes", "resolution", "delegation", "society", "membership", "exclusion", "physicians", "hospital", "council", "report", "segregated", "apology", "equity", "committee", "petition", "charter", "bylaws", "ruling"]


def generate(folder: Path, count: int) -> Path:
    """A content folder with `count` record files, realistic in size (~1 KB each)."""
    if (folder / ".complete").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    records = folder / "records"
    records.mkdir(parents=True)
    (folder / "agents.yaml").write_text(
        "- id: agent-ama\n  name: American Medical Association\n"
        "- id: agent-nma\n  name: National Medical Association\n", encoding="utf-8")
    (folder / "taxonomy.yaml").write_text(
        "harm_types:\n  - id: ht-exclusion\n    label: Exclusion from membership\n"
        "affected_groups:\n  - id: ag-black-physicians\n    label: Black physicians\n", encoding="utf-8")
    for i in range(count):
        year = 1846 + i % 170
        body = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(120))
        (records / f"rec-bench-{i:06d}.md").write_text(
            f"---\nid: rec-bench-{i:06d}\ntitle: \"Generated record {i} about the {year} meeting\"\n"
            f"date: \"{year}-{1 + i % 12:02d}\"\ntype: minutes\ncreators: [agent-ama]\n"
            f"subjects: [ht-exclusion, ag-black-physicians]\n"
            f"source: \"Generated benchmark source {i}\"\naccess: public\n---\n{body}\n", encoding="utf-8")
    (folder / ".complete").write_text("ok")
    return folder


def run_child(content: Path, home: Path) -> dict:
    """One ingest in this process; prints JSON with timings and peak memory."""
    from archive.settings import load_settings
    from ingest.pipeline import ingest

    settings = load_settings(home=home, environ={}, content_dir=content)
    started, cpu_started = time.perf_counter(), time.process_time()
    report = ingest(settings)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    total = sum(report.created.values()) + sum(report.updated.values()) + sum(report.unchanged.values())
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "cpu": cpu, "objects": total, "created": sum(report.created.values()),
            "peak_mib": peak_kib / 1024}


def measure(count: int) -> None:
    content = generate(ROOT / "bench" / f".corpus-{count}", count)
    home = Path(tempfile.mkdtemp(prefix="reckon-bench-"))
    try:
        for label in ("first ingest", "unchanged re-run"):
            command = [sys.executable, __file__, "--child", str(content), str(home)]
            if shutil.which("taskset"):
                command = ["taskset", "-c", "0", *command]
            out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
            result = json.loads(out.strip().splitlines()[-1])
            rate, cpu_rate = count / result["seconds"], count / result["cpu"]
            print(f"{count:>7} records  {label:<17} {result['seconds']:7.1f} s wall {rate:7,.0f} records/s   "
                  f"{result['cpu']:6.1f} s CPU {cpu_rate:7,.0f} records/s   peak {result['peak_mib']:5.0f} MiB",
                  flush=True)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        print(json.dumps(run_child(Path(argv[1]), Path(argv[2]))))
        return 0
    sizes = [int(a) for a in argv] or [10_000, 100_000]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores (child pinned to one core)")
    for size in sizes:
        measure(size)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
