"""`reckon build`: render the static site from the store, through the public Catalog.

Read top to bottom: open the store, gather every page's data as the public sees it today,
render each page from its template into a fresh folder, copy the theme's assets, swap the
folder into place. Withdrawn narratives get a tombstone page and nothing else.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlmodel import Session

from archive.access import PUBLIC
from archive.catalog import STATUS_LABELS, Catalog
from archive.db import open_engine
from archive.files import staged_directory
from archive.settings import Settings
from archive.urls import SECTIONS, page_url
from web.iiif_files import public_media, write_iiif
from web.ledger_pages import ledger_downloads, ledger_pages

SECTION_TITLES = {"record": "Records", "narrative": "Narratives", "harm": "Harm ledger", "timeline": "Timelines"}


@dataclass
class BuildReport:
    pages: int
    public_dir: Path


def template_environment(settings: Settings) -> Environment:
    env = Environment(
        loader=FileSystemLoader(settings.site_dir / "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(page_url=page_url, section_titles=SECTION_TITLES, sections=SECTIONS,
                       status_labels=STATUS_LABELS)
    return env


def build_time(settings: Settings) -> str:
    """The date printed on pages: SOURCE_DATE_EPOCH when set, so builds are reproducible."""
    if settings.source_date_epoch is not None:
        moment = datetime.fromtimestamp(settings.source_date_epoch, UTC)
    else:
        moment = datetime.combine(settings.today(), datetime.min.time(), UTC)
    return moment.date().isoformat()


def collect_pages(catalog: Catalog) -> list[tuple[str, str, dict]]:
    """Every page as (path in public/, template, data). Templates get data, never queries."""
    views = {kind: catalog.all(kind) for kind in SECTIONS}
    pages: list[tuple[str, str, dict]] = [
        ("index.html", "home.html", {"timelines": views["timeline"], "harms": views["harm"],
                                     "records": sorted(views["record"], key=lambda r: r["date"]["lower"]),
                                     "narratives": views["narrative"]}),
        ("search/index.html", "search.html", {}),
        ("404.html", "404.html", {}),
    ]
    for kind, items in views.items():
        section = SECTIONS[kind]
        ordered = sorted(items, key=lambda v: (v.get("date", {}).get("lower", 0), v["id"]))
        pages.append((f"{section}/index.html", f"{kind}_list.html", {"items": ordered, "kind": kind}))
        for view in items:
            pages.append((f"{section}/{view['id']}/index.html", f"{kind}.html", {"item": view}))
    for tombstone in catalog.tombstones():
        pages.append((f"narratives/{tombstone['id']}/index.html", "tombstone.html", {"item": tombstone}))
    pages += ledger_pages(catalog)
    return pages


def build_site(settings: Settings) -> BuildReport:
    env = template_environment(settings)
    env.globals["built_on"] = build_time(settings)
    engine = open_engine(settings)
    try:
        with Session(engine) as session:
            catalog = Catalog(session, PUBLIC, settings.today())
            pages = collect_pages(catalog)
            media = public_media(catalog)
            downloads = ledger_downloads(catalog)
    finally:
        engine.dispose()
    with staged_directory(settings.public_dir) as out:
        for path, template, data in pages:
            target = out / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(env.get_template(template).render(**data), encoding="utf-8")
        write_iiif(media, out / "iiif", settings)
        for path, content in downloads.items():
            (out / path).write_bytes(content)
        static = settings.site_dir / "static"
        if static.is_dir():
            shutil.copytree(static, out / "static")
    return BuildReport(pages=len(pages), public_dir=settings.public_dir)
