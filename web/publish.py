"""Publishing: the public search index and the static site, both from the public Catalog.

The two are always made together, so an embargo that lifted today opens in search and on
the site in the same step.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.db import open_engine
from archive.settings import Settings
from search.indexer import build_index
from web.build import BuildReport, build_site


@dataclass
class PublishReport:
    indexed: int
    site: BuildReport


def index_public(settings: Settings) -> int:
    engine = open_engine(settings)
    try:
        with Session(engine) as session:
            return build_index(Catalog(session, PUBLIC, settings.today()), settings.index_dir)
    finally:
        engine.dispose()


def publish(settings: Settings) -> PublishReport:
    indexed = index_public(settings)
    return PublishReport(indexed=indexed, site=build_site(settings))


def outputs_missing(settings: Settings) -> bool:
    return not ((settings.public_dir / "index.html").exists() and settings.index_dir.is_dir())
