"""Hidden narratives never change a public search answer: not a hit, a count, a facet, a
snippet, a score or a suggestion.

Two copies of the sample are indexed (the first is the known-answer suite's). In the second, every narrative the public may not see
(staff-only, restricted, embargoed, withdrawn) is rewritten to be as findable as possible:
full of the words the public searches for, tagged with other harm types, dated elsewhere.
Every public answer must stay byte-for-byte the same, on every engine (postgres under
`pytest --postgres`), while the staff
index (kept apart, never under public/) does find the rewritten text.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import frontmatter
import pytest
from sqlmodel import Session
from starlette.testclient import TestClient

from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.db import open_engine
from ingest.pipeline import ingest
from publish.pipeline import STAFF, publish
from search.incremental import state_meta
from search.query import open_index, search
from search.shared_build import Target, build_together
from server.app import create_app
from tests.helpers.archives import make_settings
from tests.helpers.search_corpus import ENGINES, built_engines, skip_unless_available

pytestmark = pytest.mark.slow  # four index builds of the sample
LURE = ("apology hospital segregation physicians exclusion membership Tuskegee nurses "
        "\"color bar\" Medicare picket Greensboro Zephyrquill")
QUERIES = [
    ("apology", {}), ("hospital", {}), ("segregation hospitals", {}), ('"color bar"', {}),
    ("physicians OR nurses", {}), ("Zephyrquill", {}), ("Zephyrquil", {}), ("*:*", {}),
    ("type:narrative", {}), ("type:segment", {}), ("exclusion", {"sort": "-date"}),
    ("", {"date_from": "2015", "date_to": "2025"}), ("nurse", {"filters": {"type": ["segment"]}}),
    ("harm_type:ht-segregated-care", {}), ("hospitl~", {}), ("apolog*", {"page": 2, "limit": 5}),
    ("Fairweather", {}), ("Castellano", {}), ("interview", {}),
]


def is_hidden(post) -> bool:
    consent = [c for c in post.get("consent", []) if c["use"] == "publish-text"]
    return post.get("access", "public") != "public" or not consent or not consent[-1]["granted"]


def lure(content: Path) -> list[str]:
    """Rewrite every hidden narrative to match the public's queries; return their ids."""
    rewritten = []
    for path in sorted((content / "narratives").glob("*.md")):
        post = frontmatter.load(path)
        if not is_hidden(post):
            continue
        post["title"] = f"Zephyrquill {LURE}"
        post["summary"] = f"A fictional composite. {LURE}"
        post["date"] = "2020-01-01"
        post["harm_types"] = ["ht-segregated-care", "ht-exclusion-from-membership"]
        post.content = "*A fictional composite.*\n\n" + "\n\n".join(
            f"## [00:0{i}:00] {LURE}\n**Narrator:** {LURE} apology apology hospital." for i in range(4))
        path.write_text(frontmatter.dumps(post) + "\n")
        rewritten.append(post["id"])
    return rewritten


@pytest.fixture(scope="module")
def archives(corpus, tmp_path_factory):
    original = corpus["settings"]
    home = tmp_path_factory.mktemp("lured")
    # A copy of the corpus's content and store (its indexes are made anew below): the ingest
    # after the lure reads only the rewritten narratives.
    # (a replaced index folder, `.NAME.old-…`, may still be being removed by a background thread)
    shutil.copytree(original.home, home, dirs_exist_ok=True, ignore=shutil.ignore_patterns("index-*", ".*.old-*"))
    hidden = lure(home / "content")
    assert len(hidden) >= 4
    lured = make_settings(home, home / "content")
    ingest(lured)
    engine = open_engine(lured)
    with Session(engine) as session:
        for name in built_engines():
            # Both in one pass, as a first ingest builds them (search.shared_build): the staff
            # index leads, and nothing of its documents may reach the public one.
            public, staff = Catalog(session, PUBLIC, lured.today()), Catalog(session, STAFF, lured.today())
            build_together(Target(staff, home / f"staff-{name}", state_meta(staff, name)),
                           Target(public, home / f"index-{name}", state_meta(public, name)), name)
    engine.dispose()
    return original, lured, hidden


def opened(settings, index: str):
    return open_index(settings.home / index, settings.database_url)


def answer(settings, index: str, query: str, options: dict) -> str:
    options = dict(options)
    limit = options.pop("limit", 100)
    ix = opened(settings, index)
    try:
        return json.dumps(search(ix, query, limit, **options).as_dict(), sort_keys=True)
    finally:
        ix.close()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("query, options", QUERIES)
def test_hidden_narratives_never_change_a_public_answer(archives, engine, query, options):
    skip_unless_available(engine)
    original, lured, _ = archives
    public = f"index-{engine}"
    assert answer(original, public, query, options) == answer(lured, public, query, options)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_staff_index_does_hold_them_so_the_test_above_means_something(archives, engine):
    skip_unless_available(engine)
    _, lured, hidden = archives
    staff = opened(lured, f"staff-{engine}")
    public = opened(lured, f"index-{engine}")
    found = {h.parent or h.id for h in search(staff, "Zephyrquill", 100).hits}
    assert found == set(hidden)
    assert search(public, "Zephyrquill").total == 0
    assert search(public, "Zephyrquil").suggestion is None  # the word is not even suggested
    assert search(staff, "hospital").total > search(public, "hospital").total
    stored = json.dumps(public.stored_documents())
    assert "Zephyrquill" not in stored


@pytest.mark.slow
def test_the_api_and_the_built_outputs_answer_from_the_public_index_only(archives):
    _, settings, _ = archives
    publish(settings)
    staff_dir = settings.home / "staff-index"
    assert search(open_index(staff_dir, settings.database_url), "Zephyrquill").total > 0
    assert not staff_dir.resolve().is_relative_to(settings.public_dir.resolve())
    for path in settings.public_dir.rglob("*"):
        assert not path.is_file() or b"Zephyrquill" not in path.read_bytes(), path
    with TestClient(create_app(settings)) as client:
        for query in ("Zephyrquill", "Zephyrquil", "type:narrative", "apology"):
            body = client.get("/api/search", params={"q": query}).json()
            del body["query"]  # the caller's own words come back; nothing else may carry them
            assert "Zephyrquill" not in json.dumps(body), query
        facets = client.get("/api/search", params={"q": "*:*"}).json()["facets"]
        counts = {v["value"]: v["count"] for v in facets["type"]}
        assert counts["narrative"] == 3 and counts["segment"] == 17  # 12 Markdown segments + 5 VTT cues
