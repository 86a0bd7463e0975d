"""`reckon audit`: look for any fingerprint of hidden material in everything public.

The access rule is meant to keep restricted, embargoed and withdrawn material out of every
output; this is the independent check that it did. It takes fingerprints of everything the
public may not see (distinctive words of hidden objects, the private names of narrators who
appear under a pseudonym, the addresses of hidden objects) and scans every public output for
them: each file of the built site (pages, JSON, feeds, sitemap, downloads, the static search
index, IIIF files), the stored fields of the public search index, and every answer the app
gives an anonymous caller (its routes walked by `web.audit_walk`: API, ledger API, OAI-PMH,
IIIF).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from archive import models as m
from archive.access import PUBLIC, Role, Viewer
from archive.catalog import Catalog
from archive.db import store_transaction
from archive.errors import Gone, NotFound
from archive.media import Media
from archive.settings import Settings
from archive.urls import iiif_url, kind_of, page_url
from search.query import open_index
from web.audit_walk import Walker

WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
MIN_LENGTH = 7  # shorter words are too common to tell hidden text from public text
PER_OBJECT = 60  # enough fingerprints per object to catch any real leak, few enough to stay fast
AUDITED_KINDS = ("record", "narrative", "harm", "timeline", "commitment", "response")
ADMIN = Viewer(Role.ADMIN, "audit")
WORD_PRINT, NAME_PRINT, ADDRESS_PRINT = "word", "name", "address"


@dataclass(frozen=True)
class Fingerprint:
    text: str
    object_id: str
    why: str
    kind: str = WORD_PRINT  # a distinctive word, a private name (a phrase), or a hidden object's address


@dataclass(frozen=True)
class Leak:
    where: str
    fingerprint: Fingerprint

    def __str__(self) -> str:
        f = self.fingerprint
        return f"LEAK: {self.where}: '{f.text}' from {f.object_id} ({f.why})"


@dataclass
class AuditReport:
    fingerprints: list[Fingerprint]
    hidden_objects: int
    places: int = 0
    leaks: list[Leak] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # answers the audit could not read (a 5xx, a loop)
    where: list[str] = field(default_factory=list)  # every place scanned, in order


def words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)}


def _view_text(view) -> str:
    """The text a view holds: its values, not its field names (which every API answer shares)."""
    if isinstance(view, dict):
        return " ".join(_view_text(v) for v in view.values())
    if isinstance(view, list):
        return " ".join(_view_text(v) for v in view)
    return "" if view is None else str(view)


def theme_words(site_dir: Path) -> set[str]:
    """The theme's own fixed text (templates, styles, scripts) is public by definition."""
    return set().union(*(words(p.read_text(errors="replace")) for p in site_dir.rglob("*") if p.is_file()))


# View fields the software writes itself (a credit line, a narrator label, a vocabulary label,
# a computed lateness note) and ids (hidden ids are caught as addresses): not the object's own words.
GENERATED_FIELDS = ("id", "credit", "narrator", "url", "api_url", "lateness")


def _strip_generated(value):
    if isinstance(value, dict):
        return {k: _strip_generated(v) for k, v in value.items()
                if k not in GENERATED_FIELDS and not k.endswith("_label")}
    if isinstance(value, list):
        return [_strip_generated(v) for v in value]
    return value


def _own_words(view: dict, row) -> dict:
    """The hidden object's own text: its view without generated phrasing, plus its raw names."""
    own = _strip_generated(view)
    if isinstance(row, m.Narrative):
        own["narrator_names"] = [row.narrator_name, row.narrator_display]
    return own


def view_of(catalog: Catalog, kind: str, object_id: str) -> dict | None:
    """The object as this catalog's viewer sees it, or None when it is hidden from them."""
    from archive import ledger_views

    try:
        if kind == "commitment":
            return ledger_views.commitment(catalog, object_id)
        if kind == "response":
            return ledger_views.response(catalog, object_id)
        return catalog.get(kind, object_id)
    except (NotFound, Gone):
        return None


def hidden_addresses(session: Session, hidden: dict[str, str]) -> list[Fingerprint]:
    """The site addresses of hidden objects and of the images of hidden records: a page, an
    image or a sitemap entry at one of them shows what the public may not see."""
    prints = [Fingerprint(page_url(kind_of(i) or "", i), i, why, ADDRESS_PRINT)
              for i, why in hidden.items() if kind_of(i)]
    for media in session.exec(select(Media).order_by(Media.id)):
        if media.record_id in hidden:
            prints.append(Fingerprint(iiif_url(media.id), media.record_id,
                                      f"image of a hidden record: {hidden[media.record_id]}", ADDRESS_PRINT))
    return prints


def fingerprints(session: Session, today, site_dir: Path) -> tuple[list[Fingerprint], int]:
    """Fingerprints of all material the public may not see, and the number of hidden objects.

    Three sorts: distinctive words of hidden objects and of the hidden parts of visible ones
    (redacted spans, progress or claims resting on a hidden source: what the staff view
    holds and the public view does not), the private names of pseudonymized narrators, and
    the addresses of hidden objects and their images.
    """
    public = Catalog(session, PUBLIC, today)
    admin = Catalog(session, ADMIN, today)
    public_words: set[str] = theme_words(site_dir)
    hidden: list[tuple[str, str, str]] = []  # (object id, why, text)
    hidden_why: dict[str, str] = {}
    hidden_count = 0
    for kind in AUDITED_KINDS:
        for row in session.exec(select(m.OBJECT_TYPES[kind]).order_by(m.OBJECT_TYPES[kind].id)):
            vis = public.visibility_of(row)
            seen = view_of(public, kind, row.id) if vis.visible else None
            staff_view = view_of(admin, kind, row.id)
            own = _view_text(_own_words(staff_view, row)) if staff_view else ""
            if seen is not None:
                public_words |= words(_view_text(seen))
                hidden.append((row.id, f"{kind} part not public (redacted, or resting on a hidden source)", own))
                continue
            why = f"{kind} not public: {vis.reason or vis.form.value}"
            hidden_count += 1
            hidden.append((row.id, why, own))
            if vis.form.value == "tombstone":
                public_words |= words(_view_text(Catalog.tombstone(row, vis)))
            else:
                hidden_why[row.id] = why
    for concept in session.exec(select(m.Concept)):
        public_words |= words(f"{concept.label} {concept.definition} {' '.join(concept.alt_labels)}")
    for agent in session.exec(select(m.Agent)):
        public_words |= words(f"{agent.name} {agent.description}")

    # Ids are not words of the text (a request for a hidden id is echoed in its refusal); a
    # hidden object's id is caught in an address instead.
    public_words |= {i.lower() for found in store_ids(session).values() for i in found}
    found: list[Fingerprint] = []
    for object_id, why, text in hidden:
        distinctive = sorted(w for w in words(text) if len(w) >= MIN_LENGTH and w not in public_words)
        found += [Fingerprint(w, object_id, why) for w in distinctive[:PER_OBJECT]]
    for narrative in session.exec(select(m.Narrative)):
        if narrative.name_policy != "full" and narrative.narrator_name.strip():
            found.append(Fingerprint(narrative.narrator_name.strip(), narrative.id,
                                     f"private name of a narrator shown as '{narrative.narrator_display}'",
                                     NAME_PRINT))
    found += hidden_addresses(session, hidden_why)
    return found, hidden_count


def _address_pattern(path: str) -> re.Pattern:
    return re.compile(re.escape(path.rstrip("/")) + r"(?![\w-])")


def find_in(text: str, prints: list[Fingerprint]) -> Iterator[Fingerprint]:
    """Fingerprints present in `text`: words whole, names as a phrase, addresses as a path."""
    raw = text
    text = html.unescape(text).lower()
    present = words(text)
    flat = " ".join(text.split())
    for f in prints:
        if f.kind == ADDRESS_PRINT:
            if f.text.rstrip("/") in raw and _address_pattern(f.text).search(raw):
                yield f
            continue
        needle = f.text.lower()
        if (" " in needle and needle in flat) or needle in present:
            yield f


def public_files(public_dir: Path) -> Iterable[Path]:
    return sorted(p for p in public_dir.rglob("*") if p.is_file())


def store_ids(session: Session) -> dict[str, list[str]]:
    """Every id in the store by kind, hidden and deleted ones included: the walk asks for each."""
    ids = {kind: list(session.exec(select(table.id).order_by(table.id))) for kind, table in m.OBJECT_TYPES.items()}
    ids["media"] = list(session.exec(select(Media.id).order_by(Media.id)))
    return ids


def audit(settings: Settings, app: Starlette | None = None) -> AuditReport:
    """Scan every public output for fingerprints of hidden material.

    `app` is the application whose routes are walked (by default `create_app(settings)`);
    every public GET route it has is audited, or `UnwalkableRoute` says which one cannot be.
    """
    from web.app import create_app

    with store_transaction(settings) as session:
        prints, hidden_count = fingerprints(session, settings.today(), settings.site_dir)
        ids = store_ids(session)
    report = AuditReport(prints, hidden_count)
    if not prints:
        return report

    def scan(where: str, text: str) -> None:
        report.places += 1
        report.where.append(where)
        report.leaks.extend(Leak(where, f) for f in find_in(text, prints))

    site_texts = []
    for path in public_files(settings.public_dir):
        text = path.read_text(encoding="utf-8", errors="replace")
        site_path = "/" + path.relative_to(settings.public_dir).as_posix()
        scan(str(path.relative_to(settings.public_dir.parent)), f"{site_path}\n{text}")
        if "/iiif/" in text:
            site_texts.append(text)

    for stored in open_index(settings.index_dir).stored_documents():
        scan(f"public search index, document {stored.get('id')}", json.dumps(stored, ensure_ascii=False))

    app = app or create_app(settings)
    search_words = sorted({f.text for f in prints if f.kind == WORD_PRINT})
    with TestClient(app, raise_server_exceptions=False) as client:
        walker = Walker(client, ids, search_words, settings.oai_repository_id,
                        site_mount_dirs=[str(settings.public_dir)])
        walker.routes(app)
        walker.iiif(site_texts + [text for _, text in walker.walk.answers])
    for where, text in walker.walk.answers:
        scan(where, text)
    report.failures = walker.walk.failures
    return report
