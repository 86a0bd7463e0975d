"""`reckon audit` past the size where its walk samples public ids still finds a leak anywhere.

An archive of 1,200 generated records (more than `ALL_IDS_UP_TO`, so the app's answers for
public record ids are a sample) plus the minimal content, 40 of the records hidden, each with
words of its own. Three leaks are planted: a hidden record's word in a public page, a private
name in a document of the public index, and a route added to the app that answers with staff
views (every hidden id is asked for on every id route, so it is named however large the archive).
"""

from __future__ import annotations

import random
import shutil

import pytest
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from archive.access import Role, Viewer
from archive.catalog import Catalog
from audit.leaks import audit
from audit.public_answers import ALL_IDS_UP_TO
from ingest.pipeline import ingest
from publish.pipeline import publish
from search.engine import open_writer
from search.indexer import read_manifest
from search.query import open_index
from server.app import create_app
from tests.helpers.archives import MINIMAL, make_settings

N = 1_200
HIDDEN = range(0, N, 30)  # 40 restricted records
WORDS = ["council", "ward", "minutes", "patients", "hearing", "committee", "report", "records", "board",
         "physicians", "inspection", "admission", "transfer", "letter", "budget", "survey"]


def own_word(n: int) -> str:
    return "zq" + "".join("bcdfghjklmnpqrst"[int(d)] for d in f"{n:04d}") + "orvane"


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    home = tmp_path_factory.mktemp("scale")
    content = home / "content"
    shutil.copytree(MINIMAL, content)
    rng = random.Random(7)
    for i in range(N):
        body = " ".join(rng.choices(WORDS, k=60)).capitalize() + "."
        access = "restricted" if i in HIDDEN else "public"
        if i in HIDDEN:
            body += f" {own_word(i)}."
        (content / "records" / f"rec-scale-{i:04d}.md").write_text(
            f"---\nid: rec-scale-{i:04d}\ntitle: Scaled minutes {i}\ndate: 1931\ntype: minutes\n"
            f"creators: [agent-ama]\nsource: \"Minutes {i}\"\naccess: {access}\n---\n{body}\n")
    settings = make_settings(home, content)
    ingest(settings)
    publish(settings)
    return settings


def staff_app(settings):
    """The real app with a route added that answers with staff views (never part of the product)."""
    def full(request: Request) -> JSONResponse:
        with Session(request.app.state.engine) as session:
            view = Catalog(session, Viewer(Role.ADMIN, "leaky"), settings.today()).get("record", request.path_params["id"])
            return JSONResponse(view)

    app = create_app(settings)
    app.router.routes[:0] = [Route("/api/records/{id}/full", full)]
    return app


@pytest.mark.slow
def test_a_clean_archive_past_the_sample_size_has_no_leaks_and_every_hidden_id_is_asked(scaled):
    report = audit(scaled, seed=1)
    assert report.seed == 1  # the sample of public ids is this seed's (tests/test_audit_sampling.py)
    assert report.leaks == [], [str(leak) for leak in report.leaks[:5]]
    assert report.failures == []
    asked = {w.split()[1] for w in report.where if w.startswith("API /api/records/rec-scale-")}
    assert {f"/api/records/rec-scale-{i:04d}" for i in HIDDEN} <= asked
    assert len(asked) < N - ALL_IDS_UP_TO + len(HIDDEN) + 250  # the public ones sampled, not all
    oai = {w for w in report.where if "verb=GetRecord" in w}
    assert all(any(f"rec-scale-{i:04d}&" in w for w in oai) for i in HIDDEN)


@pytest.mark.slow
def test_leaks_in_a_file_the_index_and_an_answer_are_each_found_at_scale(scaled):
    page = scaled.public_dir / "records" / "rec-scale-0001" / "index.html"
    original = page.read_text()
    index_copy = scaled.index_dir.with_name("index.kept")
    shutil.copytree(scaled.index_dir, index_copy)
    try:
        page.write_text(original + f"<p>{own_word(30)}</p>")
        index = open_index(scaled.index_dir)
        try:
            doc = next(d for d in index.stored_documents() if d.get("id") in ("rec-scale-0002", ["rec-scale-0002"]))
        finally:
            index.close()
        doc = {k: v[0] if isinstance(v, list) and len(v) == 1 and k in ("id", "text", "title") else v
               for k, v in doc.items()}
        doc["text"] = f"{doc.get('text') or ''} Secret Legalname"
        writer = open_writer(read_manifest(scaled.index_dir)["engine"], scaled.index_dir)
        writer.delete([doc["id"]])
        writer.add([doc])
        writer.commit()

        report = audit(scaled, staff_app(scaled), seed=2)
    finally:
        page.write_text(original)
        shutil.rmtree(scaled.index_dir)
        index_copy.rename(scaled.index_dir)
    found = {(leak.where, leak.fingerprint.text) for leak in report.leaks}
    assert ("public/records/rec-scale-0001/index.html", own_word(30)) in found, sorted(found)[:10]
    assert ("public search index, document rec-scale-0002", "Secret Legalname") in found, sorted(found)[:10]
    for i in HIDDEN:  # every hidden record, through the added route
        assert (f"API /api/records/rec-scale-{i:04d}/full", own_word(i)) in found, i
