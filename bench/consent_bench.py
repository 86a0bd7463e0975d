"""How long a narrowing made in the staff app takes to reach every public copy, on a real archive.

    .venv/bin/python bench/consent_bench.py --home DIR --content CORPUS [--narratives 6]

(with the test extras installed: the staff form is filled in as the tests fill it, tests/helpers/staff.py)

DIR is a built archive (e.g. the shared script's `$BENCH_DIR/home` after its run, whose content
is CORPUS: generated records only). The first run adds `--narratives` generated narratives to
CORPUS (with consent and a release), ingests and publishes them; each run then, through the
staff app over HTTP (signed in as a curator; the app's lifespan runs as under `reckon serve`):

1. withdraws a narrative (`/staff/store/narratives/<id>/withdraw`);
2. approves a redaction of a word in another narrative (`/staff/redactions/<id>/add`);
3. submits and publishes a staff narrative (not timed), then makes it staff-only by editing it
   (`/staff/narratives/<id>/edit`, scope "staff"): the restriction;

timing each request from its POST to its answer, the moment every copy is already updated:
then it checks the static page (tombstone), feed, sitemap, downloads, static search shards,
both search indexes and anonymous `/api/search`, and prints one line per action. A narrative
withdrawn stays withdrawn: a later run takes the next one.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sqlmodel import Session, select
from starlette.testclient import TestClient

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the tests' staff helpers

from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.db import open_engine, transaction
from archive.models import Narrative
from archive.settings import load_settings
from archive.users import create_user, get_user
from ingest.pipeline import ingest
from publish.pipeline import STAFF, publish
from search.incremental import bring_up_to_date
from search.indexer import staff_index_dir
from server.app import create_app
from tests.helpers.staff import FORM, act, csrf_of, submit, version_of

PASSWORD = "bench horse battery staple"
NARRATIVE = """---
id: nar-bench-{n:03d}
title: Bench testimony {n}
fictional: true
narrator: {{name: Private Benchname {n}, display_name: B. {n}, name_policy: pseudonym}}
date: 1962
harm_types: [ht-bench-01]
consent:
  - {{date: 2019-01-01, use: publish-text, granted: true}}
release: {{signed: 2019-01-01}}
---
## [00:00:00] Start
**Narrator:** The ward{n}marker ward closed in 1962, and quorbicle{n} was its word.
"""


def add_narratives(settings, count: int) -> None:
    folder = settings.content_dir / "narratives"
    folder.mkdir(exist_ok=True)
    if any(folder.glob("nar-bench-*.md")):
        return
    for n in range(count):
        (folder / f"nar-bench-{n:03d}.md").write_text(NARRATIVE.format(n=n))
    started = time.perf_counter()
    ingest(settings)
    publish(settings)
    print(f"added {count} narratives: ingest + publish {time.perf_counter() - started:.1f} s")


def curator(settings) -> None:
    engine = open_engine(settings)
    try:
        with transaction(engine) as session:
            if get_user(session, "bench-curator") is None:
                create_user(session, "bench-curator", PASSWORD, "curator")
    finally:
        engine.dispose()


def public_narratives(settings) -> list[str]:
    engine = open_engine(settings)
    try:
        with Session(engine) as session:
            catalog = Catalog(session, PUBLIC, settings.today())
            ids = [i for i in session.exec(select(Narrative.id).where(Narrative.id.like("nar-bench-%")))]
            return sorted(catalog.visible_among("narrative", ids))
    finally:
        engine.dispose()


def leaks(settings, word: str, gone: str | None, client) -> list[str]:
    """Every public copy still holding the word (or, with `gone`, that narrative's address), by name."""
    found = []
    root = settings.public_dir.resolve()
    marks = [word] + ([f"/narratives/{gone}/"] if gone else [])
    paths = [root / name for name in ("feed.xml", "sitemap.xml", "downloads/narratives.csv",
                                      "downloads/narratives.jsonl")] + list((root / "search").rglob("*.json"))
    for path in paths:
        if path.exists() and any(mark in path.read_text() for mark in marks):
            found.append(str(path.relative_to(root)))
    for page in (root / "narratives").rglob("index.html"):
        if word in page.read_text():
            found.append(str(page.relative_to(root)))
    if client.get(f"/api/search?q={word}").json()["total"]:
        found.append("/api/search")
    engine = open_engine(settings)
    try:
        with Session(engine) as session:
            for viewer, folder in ((PUBLIC, settings.index_dir), (STAFF, staff_index_dir(settings))):
                report = bring_up_to_date(Catalog(session, viewer, settings.today()), folder, settings.search_engine)
                if report.added or report.deleted or report.rebuilt:
                    found.append(f"index {folder.name} was not up to date")
    finally:
        engine.dispose()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True)
    parser.add_argument("--content", required=True)
    parser.add_argument("--narratives", type=int, default=6)
    args = parser.parse_args()
    settings = load_settings(home=args.home, content_dir=Path(args.content))
    add_narratives(settings, args.narratives)
    curator(settings)
    ids = public_narratives(settings)
    if len(ids) < 2:
        print("no public bench narratives left: make the archive again")
        return 1
    withdrawn, redacted = ids[0], ids[1]
    with TestClient(create_app(settings)) as client:
        page = client.get("/staff/signin")
        client.post("/staff/signin", data={"csrf_token": csrf_of(page.text), "username": "bench-curator",
                                           "password": PASSWORD})
        page = client.get("/staff/store/narratives")
        started = time.perf_counter()
        done = client.post(f"/staff/store/narratives/{withdrawn}/withdraw",
                           data={"csrf_token": csrf_of(page.text), "confirm": "yes"})
        seconds = time.perf_counter() - started
        word = f"quorbicle{int(withdrawn.rsplit('-', 1)[1])}"
        ok = done.status_code == 200 and "COULD NOT" not in done.text
        print(f"withdraw {withdrawn}: {seconds:.2f} s to every copy; published ok: {ok}; "
              f"still showing it: {leaks(settings, word, withdrawn, client) or 'nothing'}")
        page = client.get(f"/staff/redactions/{redacted}")
        word = f"quorbicle{int(redacted.rsplit('-', 1)[1])}"
        started = time.perf_counter()
        done = client.post(f"/staff/redactions/{redacted}/add",
                           data={"csrf_token": csrf_of(page.text), "text": word, "category": "name of a third party"})
        seconds = time.perf_counter() - started
        ok = done.status_code == 200 and "COULD NOT" not in done.text
        print(f"redact a word of {redacted}: {seconds:.2f} s to every copy; published ok: {ok}; "
              f"still showing the word: {leaks(settings, word, None, client) or 'nothing'}")
        word = f"zorvantle{time.time_ns() % 10**9}"
        body = f"## [00:00:00] Beginning\n**Narrator:** The {word} ward closed in 1962.\n"
        restricted = submit(client, title="Bench night ward", body=body)  # the tests' form, as a staff member fills it in
        act(client, restricted, "publish")
        if not (settings.public_dir / "narratives" / restricted / "index.html").exists():
            print(f"the staff submission {restricted} did not publish")
            return 1
        form = client.get(f"/staff/narratives/{restricted}/edit")
        started = time.perf_counter()
        done = client.post(f"/staff/narratives/{restricted}/edit",
                           data=FORM | {"title": "Bench night ward", "body": body, "scope": "staff",
                                        "csrf_token": csrf_of(form.text), "version": version_of(form.text),
                                        "then": "save"})
        seconds = time.perf_counter() - started
        ok = done.status_code == 200 and "COULD NOT" not in done.text
        still = leaks(settings, word, restricted, client)
        if (settings.public_dir / "narratives" / restricted / "index.html").exists():
            still.append(f"narratives/{restricted}/index.html")
        print(f"make {restricted} staff-only: {seconds:.2f} s to every copy; published ok: {ok}; "
              f"still showing it: {still or 'nothing'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
