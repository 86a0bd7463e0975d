"""`reckon audit`: look for any fingerprint of hidden material in everything public.

The access rule is meant to keep restricted, embargoed and withdrawn material out of every
output; this is the independent check that it did. It takes fingerprints of everything the
public may not see (distinctive words of hidden objects, the private names of narrators who
appear under a pseudonym, the words of every redacted span not rejected) and scans every public output for them: each file of the built
site, the stored fields of the public search index, and the anonymous API's answers.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select
from starlette.testclient import TestClient

from archive import models as m
from archive.access import PUBLIC, Role, Viewer
from archive.catalog import Catalog
from archive.db import store_transaction
from archive.redactions import NARRATOR, REJECTED, Redaction
from archive.settings import Settings
from search.query import open_index

WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
MIN_LENGTH = 7  # shorter words are too common to tell hidden text from public text
PER_OBJECT = 60  # enough fingerprints per object to catch any real leak, few enough to stay fast
AUDITED_KINDS = ("record", "narrative", "harm", "timeline")
ADMIN = Viewer(Role.ADMIN, "audit")


@dataclass(frozen=True)
class Fingerprint:
    text: str
    object_id: str
    why: str


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


def words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)}


def _view_text(view: dict) -> str:
    return json.dumps(view, ensure_ascii=False)


def theme_words(site_dir: Path) -> set[str]:
    """The theme's own fixed text (templates, styles, scripts) is public by definition."""
    return set().union(*(words(p.read_text(errors="replace")) for p in site_dir.rglob("*") if p.is_file()))


# View fields the software writes itself (a credit line, a narrator label): not the object's words.
GENERATED_FIELDS = ("credit", "narrator", "status_label", "url", "api_url")


def _own_words(view: dict, row) -> dict:
    """The hidden object's own text: its view without generated phrasing, plus its raw names."""
    own = {k: v for k, v in view.items() if k not in GENERATED_FIELDS}
    if isinstance(row, m.Narrative):
        own["narrator_names"] = [row.narrator_name, row.narrator_display]
    return own


def fingerprints(session: Session, today, site_dir: Path) -> tuple[list[Fingerprint], int]:
    """Fingerprints of all material the public may not see, and the number of hidden objects."""
    public = Catalog(session, PUBLIC, today)
    admin = Catalog(session, ADMIN, today)
    public_words: set[str] = theme_words(site_dir)
    hidden: list[tuple[str, str, str]] = []  # (object id, why, text)
    spans = redacted_spans(session)
    span_views: set[str] = set()  # words of the public views of narratives with redacted spans
    for kind in AUDITED_KINDS:
        for row in session.exec(select(m.OBJECT_TYPES[kind]).order_by(m.OBJECT_TYPES[kind].id)):
            vis = public.visibility_of(row)
            if vis.visible:
                view_words = words(_view_text(public.get(kind, row.id)))
                if kind == "narrative" and row.id in spans:
                    span_views |= view_words  # kept apart: the spans are checked against other objects
                else:
                    public_words |= view_words
            else:
                why = f"{kind} not public: {vis.reason or vis.form.value}"
                hidden.append((row.id, why, _view_text(_own_words(admin.get(kind, row.id), row))))
                if vis.form.value == "tombstone":
                    public_words |= words(_view_text(Catalog.tombstone(row, vis)))
    for concept in session.exec(select(m.Concept)):
        public_words |= words(f"{concept.label} {concept.definition} {' '.join(concept.alt_labels)}")
    for agent in session.exec(select(m.Agent)):
        public_words |= words(f"{agent.name} {agent.description}")
    elsewhere = set(public_words)  # public words outside the narratives that hide spans
    public_words |= span_views

    found: list[Fingerprint] = []
    for object_id, why, text in hidden:
        distinctive = sorted(w for w in words(text) if len(w) >= MIN_LENGTH and w not in public_words)
        found += [Fingerprint(w, object_id, why) for w in distinctive[:PER_OBJECT]]
    for narrative in session.exec(select(m.Narrative)):
        if narrative.name_policy != "full" and narrative.narrator_name.strip():
            found.append(Fingerprint(narrative.narrator_name.strip(), narrative.id,
                                     f"private name of a narrator shown as '{narrative.narrator_display}'"))
        for text, category in spans.get(narrative.id, []) if public.visibility_of(narrative).visible else []:
            # One word another public object also uses (a common surname) cannot be told apart;
            # a phrase, an e-mail address or a number can.
            if " " in text or not WORD.fullmatch(text) or text.lower() not in elsewhere:
                found.append(Fingerprint(text, narrative.id, f"redacted span ({category})"))
    return found, len(hidden)


def redacted_spans(session: Session) -> dict[str, list[tuple[str, str]]]:
    """Spans the public form of each narrative hides (not rejected; the narrator's name apart)."""
    spans: dict[str, list[tuple[str, str]]] = {}
    for row in session.exec(select(Redaction).where(Redaction.status != REJECTED, Redaction.origin != NARRATOR)):
        spans.setdefault(row.narrative_id, []).append((" ".join(row.text.split()), row.category))
    return spans


def find_in(text: str, prints: list[Fingerprint]) -> Iterator[Fingerprint]:
    """Fingerprints present in `text` as whole words (or, for names, as a phrase)."""
    text = html.unescape(text).lower()
    present = words(text)
    for f in prints:
        needle = f.text.lower()
        phrase = " " in needle and needle in " ".join(text.split())
        token = " " not in needle and not WORD.fullmatch(needle) and needle in text  # an e-mail, a number
        if phrase or token or needle in present:
            yield f


def public_files(public_dir: Path) -> Iterable[Path]:
    return sorted(p for p in public_dir.rglob("*") if p.is_file())


def api_answers(settings: Settings, hidden_ids: Iterable[str], prints: list[Fingerprint]) -> Iterator[tuple[str, str]]:
    """Every anonymous API answer worth auditing: all listings, all items, hidden ids, searches."""
    from web.app import create_app

    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        for section in ("records", "narratives", "harms", "timelines"):
            listing = client.get(f"/api/{section}")
            yield f"/api/{section}", listing.text
            for item in listing.json().get("items", []):
                path = f"/api/{section}/{item['id']}"
                yield path, client.get(path).text
        for object_id in hidden_ids:
            kind = object_id.split("-", 1)[0]
            section = {"rec": "records", "nar": "narratives", "harm": "harms", "tl": "timelines"}.get(kind)
            if section:
                path = f"/api/{section}/{object_id}"
                yield path, client.get(path).text
        for word in sorted({f.text for f in prints if " " not in f.text}):
            answer = client.get("/api/search", params={"q": word})
            # The answer echoes the query; only what it found can leak.
            found = answer.json() if answer.status_code == 200 else {"error": answer.text}
            found.pop("query", None)
            yield f"/api/search?q={word}", json.dumps(found, ensure_ascii=False)


def audit(settings: Settings) -> AuditReport:
    with store_transaction(settings) as session:
        prints, hidden_count = fingerprints(session, settings.today(), settings.site_dir)
    report = AuditReport(prints, hidden_count)
    if not prints:
        return report

    for path in public_files(settings.public_dir):
        report.places += 1
        text = path.read_text(encoding="utf-8", errors="replace")
        where = str(path.relative_to(settings.public_dir.parent))
        report.leaks += [Leak(where, f) for f in find_in(text, prints)]

    for stored in open_index(settings.index_dir).stored_documents():
        report.places += 1
        where = f"public search index, document {stored.get('id')}"
        report.leaks += [Leak(where, f) for f in find_in(json.dumps(stored, ensure_ascii=False), prints)]

    for where, text in api_answers(settings, sorted({f.object_id for f in prints}), prints):
        report.places += 1
        report.leaks += [Leak(f"API {where}", f) for f in find_in(text, prints)]
    return report
