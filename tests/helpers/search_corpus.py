"""The known-answer search corpus: the bundled sample with three records that pin the
date-overlap promise (dated `1910/1968`, `191X` and `1921`), ingested once and indexed by both
engines. Expected answers come from the content itself (the Catalog), not from either engine."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlmodel import Session

from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.db import open_engine
from ingest.pipeline import ingest
from search.documents import catalog_documents
from search.indexer import build_index
from tests.helpers import postgres
from tests.helpers.archives import SAMPLE, make_settings

ENGINES = ["whoosh", "tantivy", "postgres"]
IN_STORE = {"postgres"}  # engines whose index lives in a PostgreSQL store


def available(name: str) -> bool:
    """Whether this run can build the engine's index (postgres: only under --postgres)."""
    return name not in IN_STORE or postgres.in_use()


def skip_unless_available(name: str) -> None:
    if not available(name):
        pytest.skip(f"the {name} search engine needs a PostgreSQL store: run pytest --postgres")


def built_engines() -> list[str]:
    return [name for name in ENGINES if available(name)]
EXTRA = {
    "rec-1910-interval-test": ("1910/1968", "Interval record for the overlap test"),
    "rec-191x-decade-test": ("191X", "Unspecified year record for the overlap test"),
    "rec-1921-after-test": ("1921", "Record just after the range for the overlap test"),
}
RECORD = """---
id: {id}
title: "{title}"
date: "{date}"
type: report
creators: [agent-ama]
subjects: [ht-exclusion-from-membership]
language: en
source: "Written for the Reckoning test suite."
access: public
---
A record written only to test uncertain dates in search; its dates are {date}.
"""


def build_corpus(home: Path) -> dict:
    """The sample plus the date records, ingested in `home`, indexed by each engine in
    `home/index-<engine>`: `{"home", "settings", "docs"}`, the public documents by id as the
    Catalog sees them."""
    shutil.copytree(SAMPLE, home / "content")
    for object_id, (date, title) in EXTRA.items():
        (home / "content/records" / f"{object_id}.md").write_text(
            RECORD.format(id=object_id, date=date, title=title))
    settings = make_settings(home, home / "content")
    ingest(settings)
    engine = open_engine(settings)
    with Session(engine) as session:
        catalog = Catalog(session, PUBLIC, settings.today())
        docs = list(catalog_documents(catalog))
        for name in built_engines():
            build_index(catalog, home / f"index-{name}", name)
    engine.dispose()
    return {"home": home, "settings": settings, "docs": {d["id"]: d for d in docs}}
