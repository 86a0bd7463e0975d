"""How long `reckon audit --full` takes on a generated archive with a few hundred hidden objects.

    .venv/bin/python bench/audit_bench.py 10000 [--work DIR] [--hidden 300]
    .venv/bin/python bench/audit_bench.py 100000 --corpus /work/bench100k/corpus --work DIR [--hidden 300]
    .venv/bin/python bench/audit_bench.py --home H --plant WORD   # an archive ingested and built already


Generates N records of ~400 words of Zipf prose (`bench/corpus.py`'s vocabulary, the shape of
the shared script's records) into DIR/content, of which `--hidden` objects are hidden: a third
restricted records, a third embargoed records (until 2045), a third narratives (half withdrawn,
half staff-only, each with a pseudonymized narrator), every hidden object with two words of its
own. Ingests and builds once (kept in DIR between runs), then times a clean audit and one
with two leaks planted: a hidden record's own word in a public page, and a narrator's private
name in the public search index (a stored document rewritten). A leak served by the app is
planted at scale in tests/test_audit_scale.py (a route serving staff views). Times
`reckon audit --full` in a child process (wall clock, and the child's CPU time from
`resource`, which counts the child the audit forks to walk the app), checks each planted
leak is named, and prints the load average. With `--home`, an archive already ingested and
built (say 100,000 records of `bench/corpus.py` with a few hundred made restricted) is audited
as it is, then with `--plant`, a hidden record's word, written into a public page. With
`--corpus`, a corpus of public records already written (the shared script's, `bench/corpus.py`)
is copied into DIR and `--hidden` of its records made restricted, each with two words of its
own, instead of generating one.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import vocabulary

RECKON = str(ROOT / ".venv" / "bin" / "reckon")


def own_word(n: int, salt: str) -> str:
    """A made-up word no other object uses (letters only: the audit's words start with one)."""
    letters = "".join("bcdfghjklmnpqrstvwxz"[int(d)] for d in f"{n:05d}")
    return f"{salt}{letters}quor"


def generate(content: Path, n: int, hidden: int) -> dict[str, str]:
    """Write the corpus; returns one planted word per kind of hidden object."""
    rng = random.Random(1870)
    vocab = vocabulary(30_000, rng)
    weights = list(itertools.accumulate(1.0 / (r + 1) for r in range(len(vocab))))
    pool = rng.choices(vocab, cum_weights=weights, k=2_000_000)
    (content / "records").mkdir(parents=True, exist_ok=True)
    (content / "narratives").mkdir(parents=True, exist_ok=True)
    (content / "agents.yaml").write_text("- id: agent-ama\n  name: American Medical Association\n")
    (content / "taxonomy.yaml").write_text(
        "harm_types:\n" + "".join(f"  - id: ht-bench-{i:02d}\n    label: Bench harm type {i}\n" for i in range(24))
        + "affected_groups:\n" + "".join(f"  - id: ag-bench-{i:02d}\n    label: Bench group {i}\n" for i in range(12)))
    records = hidden * 2 // 3
    step = max(1, n // max(1, records))
    hidden_ids = {i * step: ("restricted" if k % 2 == 0 else "embargoed") for k, i in enumerate(range(records))}
    for i in range(n):
        y = rng.randint(1846, 2024)
        start = rng.randrange(len(pool) - 400)
        body = " ".join(pool[start:start + 400]).capitalize() + "."
        title = " ".join(rng.choices(vocab, cum_weights=weights, k=8)).capitalize()
        subjects = sorted({f"ht-bench-{rng.randrange(24):02d}" for _ in range(2)} | {f"ag-bench-{rng.randrange(12):02d}"})
        access = hidden_ids.get(i, "public")
        extra = ""
        if access != "public":
            body += f" {own_word(i, 'rec')} {own_word(i, 'sec')}."
            extra = "embargo_until: 2045-01-01\n" if access == "embargoed" else ""
        (content / "records" / f"rec-bench-{i:06d}.md").write_text(
            f"---\nid: rec-bench-{i:06d}\ntitle: \"{title} {i}\"\ndate: \"{y}\"\ntype: minutes\ncreators: [agent-ama]\n"
            f"subjects: [{', '.join(subjects)}]\nsource: \"Generated benchmark source {i}\"\naccess: {access}\n{extra}---\n{body}\n")
    for k in range(hidden - records):
        access = "withdrawn" if k % 2 == 0 else "staff"
        start = rng.randrange(len(pool) - 200)
        (content / "narratives" / f"nar-bench-{k:04d}.md").write_text(
            f"---\nid: nar-bench-{k:04d}\ntitle: Bench testimony {k}\nfictional: true\n"
            f"narrator: {{name: Private {own_word(k, 'nam').capitalize()}, display_name: B. {k}, name_policy: pseudonym}}\n"
            f"date: 1962\naccess: {access}\nconsent:\n  - {{date: 2019-01-01, use: publish-text, granted: true}}\n"
            f"release: {{signed: 2019-01-01}}\n---\n## [00:00:00] Start\n**Narrator:** "
            f"{' '.join(pool[start:start + 200])} {own_word(k, 'nar')}.\n")
    first = min(hidden_ids)
    return {"record": first, "word": own_word(first, "rec"), "name": f"Private {own_word(1, 'nam').capitalize()}",
            "api_word": own_word(sorted(hidden_ids)[1], "sec")}


def restrict(corpus: Path, content: Path, hidden: int) -> dict[str, str]:
    """Copy a corpus of public records, making `hidden` of them (spread evenly) restricted, each
    with two words of its own; returns the planted words, as `generate` does."""
    shutil.copytree(corpus, content)
    records = sorted((content / "records").glob("*.md"))
    step = max(1, len(records) // max(1, hidden))
    chosen = records[::step][:hidden]
    for n, path in enumerate(chosen):
        text = path.read_text().replace("\naccess: public\n", "\naccess: restricted\n", 1)
        path.write_text(text.rstrip("\n") + f" {own_word(n, 'rec')} {own_word(n, 'sec')}.\n")
    return {"record": chosen[0].stem, "word": own_word(0, "rec"), "name": "",
            "api_word": own_word(1, "sec")}


def reckon(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([RECKON, "--home", str(home), *args], check=False, capture_output=True, text=True)


OPEN_STORE = ("import sys; from archive.db import open_engine; from archive.settings import load_settings; "
              "open_engine(load_settings(home=sys.argv[1])).dispose()")


def open_store_once(home: Path) -> None:
    """Open the store with the code measured, untimed. The first process to open a store with
    code at another path or version writes the schema's key (`archive/store_schema.py`), a
    commit: in an audit, it makes the OAI-PMH route's kept data stale in the child mid-walk
    (docs/internals/audit.md), which a run right after another version's run paid."""
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", OPEN_STORE, str(home)], check=True)


def timed_audit(home: Path) -> tuple[float, float, int, str]:
    open_store_once(home)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = reckon(home, "audit", "--full")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, done.returncode, done.stdout + done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=10_000)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--hidden", type=int, default=300)
    parser.add_argument("--build-only", action="store_true", help="generate, ingest and build, then stop")
    parser.add_argument("--home", type=Path, default=None, help="audit this archive (ingested and built) instead")
    parser.add_argument("--corpus", type=Path, default=None, help="copy these records (all public) and hide some")
    parser.add_argument("--plant", default=None, help="with --home: a hidden record's word to plant in a page")
    args = parser.parse_args()
    if args.home is not None:
        audit_home(args.home, args.plant)
        return
    work = args.work or ROOT / "bench" / f".audit-{args.n}"
    home = work / "home"
    marker = work / "built.json"
    os.environ.setdefault("RECKON_SEARCH_ENGINE", "tantivy")
    if not marker.exists():
        shutil.rmtree(work, ignore_errors=True)
        home.mkdir(parents=True)
        planted = (restrict(args.corpus, home / "content", args.hidden) if args.corpus
                   else generate(home / "content", args.n, args.hidden))
        for step in (("ingest",), ("build",)):
            start = time.perf_counter()
            done = reckon(home, *step)
            print(f"{step[0]}: {time.perf_counter() - start:.1f} s (rc {done.returncode})", flush=True)
            if done.returncode:
                sys.exit(done.stdout + done.stderr)
        marker.write_text(json.dumps(planted))
    if args.build_only:
        return
    planted = json.loads(marker.read_text())
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"{args.n} records, {args.hidden} hidden, load before {load}", flush=True)

    wall, cpu, rc, out = timed_audit(home)
    print(f"clean:   {wall:.1f} s wall, {cpu:.1f} s CPU, exit {rc}; {out.strip().splitlines()[-1] if out.strip() else ''}")
    assert rc == 0, out[-3000:]

    # 1. a hidden record's word in a public page
    page = home / "public" / "records" / "rec-bench-000001" / "index.html"
    page_text = page.read_text()
    # 2. a narrator's private name in a stored document of the public index
    index = home / "index"
    moved = index.with_name("index.clean")
    shutil.copytree(index, moved, dirs_exist_ok=True)
    secret = planted["name"] or planted["api_word"]  # a corpus copied (--corpus) has no narrators
    try:  # both put back whatever happens, so the next run starts clean
        page.write_text(page_text + f"<p>{planted['word']}</p>")
        plant_in_index(home, secret)
        wall2, cpu2, rc2, out2 = timed_audit(home)
    finally:
        shutil.rmtree(index)
        moved.rename(index)
        page.write_text(page_text)
    print(f"planted: {wall2:.1f} s wall, {cpu2:.1f} s CPU, exit {rc2}")
    for what, where in ((planted["word"].lower(), "public/records/rec-bench-000001/index.html"),
                        (secret, "public search index")):
        found = [line for line in out2.splitlines() if f"'{what}'" in line and where in line]
        print(f"  {'found' if found else 'MISSED'}: '{what}' in {where}" + (f" ({len(found)} places)" if found else ""))
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"load after {load}")


def audit_home(home: Path, word: str | None) -> None:
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"{home}: load before {load}", flush=True)
    wall, cpu, rc, out = timed_audit(home)
    print(f"clean:   {wall:.1f} s wall, {cpu:.1f} s CPU, exit {rc}; {out.strip().splitlines()[-1] if out.strip() else ''}")
    if word:
        page = next((home / "public" / "records").glob("*/index.html"))
        text = page.read_text()
        page.write_text(text + f"<p>{word}</p>")
        try:
            wall, cpu, rc, out = timed_audit(home)
        finally:
            page.write_text(text)
        where = str(page.relative_to(home))
        found = [line for line in out.splitlines() if f"'{word.lower()}'" in line and where in line]
        print(f"planted: {wall:.1f} s wall, {cpu:.1f} s CPU, exit {rc}; {'found' if found else 'MISSED'}: "
              f"'{word}' in {where}")
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"load after {load}")


def plant_in_index(home: Path, name: str) -> None:
    """Rewrite one public document of the index (rec-bench-000003) with a private name in its text."""
    from search.engine import open_writer
    from search.indexer import read_manifest
    from search.query import open_index

    index_dir = home / "index"
    engine_name = read_manifest(index_dir)["engine"]
    index = open_index(index_dir)
    try:
        doc = next(d for d in index.stored_documents() if d.get("id") in ("rec-bench-000003", ["rec-bench-000003"]))
    finally:
        index.close()
    doc = {k: (v[0] if isinstance(v, list) and len(v) == 1 and k in ("id", "text", "title", "date_lower", "date_upper")
               else v) for k, v in doc.items()}
    doc["text"] = f"{doc.get('text') or ''} {name}"
    writer = open_writer(engine_name, index_dir)
    writer.delete([doc["id"]])
    writer.add([doc])
    writer.commit()


if __name__ == "__main__":
    main()
