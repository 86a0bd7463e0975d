"""`reckon audit`: look for any fingerprint of hidden material in everything public.

The access rule is meant to keep restricted, embargoed and withdrawn material out of every
output; this is the independent check that it did. It takes fingerprints of everything the
public may not see (distinctive words of hidden objects, the private names of narrators who
appear under a pseudonym, the words of every redacted span not rejected) and scans every public output for them: each file of the built
site, the stored fields of the public search index, and the anonymous API's answers.
"""

from __future__ import annotations

import hashlib
import html
import multiprocessing
import random
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select
from starlette.applications import Starlette

from archive import models as m
from archive.access import PUBLIC, Role, Viewer, Visibility
from archive.catalog import Catalog, citing_ids
from archive.db import store_transaction
from archive.fork_safety import can_fork
from archive.media import Media
from archive.redactions import NARRATOR, REJECTED, Redaction
from archive.settings import Settings
from audit.app_client import AppClient
from audit.fingerprints import (
    ADDRESS,
    LEDGER_KINDS,
    Visibilities,
    hidden_addresses,
    more_hidden,
    store_ids,
)
from audit.index_documents import document_writer
from audit.matcher import WORD, Matcher, slugged, words
from audit.prefetch import Listing
from audit.public_answers import Walk, Walker
from audit.recordings import audit_recordings
from audit.site_scan import Claims, scan_files
from audit.vocabulary import public_among
from search.query import open_index

MIN_LENGTH = 7  # shorter words are too common to tell hidden text from public text
PER_OBJECT = 60  # enough fingerprints per object to catch any real leak, few enough to stay fast
AUDITED_KINDS = ("record", "narrative", "harm", "timeline")
ADMIN = Viewer(Role.ADMIN, "audit")


@dataclass(frozen=True)
class Fingerprint:
    text: str
    object_id: str
    why: str
    kind: str = "word"  # or "address": a hidden object's page or image (audit/fingerprints.py)
    # Private names and redacted spans are also looked for as ids and URLs spell them (a staff
    # submission's id made from its title): a hidden object's vocabulary words are not, since
    # the theme's own class names and slugs hold such words.
    spelled: bool = False


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
    seed: int | None = None  # drew the sample of public ids walked (`audit(seed=...)` walks it again)


def _view_text(view) -> str:
    """The text a view holds: its values, not its field names (which every API answer shares),
    each distinct value once (a plain record body is both its `body_html` and its `text`; the
    words of values joined by spaces are the words of each, so nothing is lost)."""
    values: dict[str, None] = {}
    _leaves(view, values)
    return " ".join(values)


def _leaves(view, into: dict[str, None]) -> None:
    if isinstance(view, dict):
        for v in view.values():
            _leaves(v, into)
    elif isinstance(view, list):
        for v in view:
            _leaves(v, into)
    elif view is not None:
        into[str(view)] = None


def theme_words(site_dir: Path) -> set[str]:
    """The theme's own fixed text (templates, styles, scripts) is public by definition."""
    return set().union(*(words(p.read_text(errors="replace")) for p in site_dir.rglob("*") if p.is_file()))


# View fields the software writes itself (a credit line, a narrator label, any `*_label` from a
# vocabulary, a computed lateness note) and ids (a hidden id is caught as an address): not the
# object's own words.
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


def _per_row(rows: list, views: Iterator[dict]) -> Iterator[dict | None]:
    """For each row (in id order), its view from `views` (the visible ones, in id order), or None."""
    view = next(views, None)
    for row in rows:
        if view is not None and view["id"] == row.id:
            yield view
            view = next(views, None)
        else:
            yield None


def _differing_words(staff: dict, seen: dict) -> set[str]:
    """Words of the staff view's fields whose value the public view does not have as is."""
    return set().union(*(words(_view_text(v)) for k, v in staff.items() if seen.get(k) != v))


def fingerprints(session: Session, today, site_dir: Path, seen_by: Visibilities | None = None
                 ) -> tuple[list[Fingerprint], int]:
    """Fingerprints of all material the public may not see, and the number of hidden objects.

    The public vocabulary (words counted public, never fingerprints) is every word of every
    visible object's public view, made as the site makes it, generated phrasing included
    (dates in words, labels, credits), so a hidden object's generated words are not taken for
    its own. At 100,000 records making each view by itself cost minutes, so each table is
    gone through once (`Catalog.each`: what record views take from other tables read once),
    its public and staff views side by side, and a record body with no Markdown markup at
    all (`archive.markup.is_plain_prose`: no `\\`*_[]<&`, no line opening a block) is
    taken as its text instead of rendered HTML (`Catalog.prose_as_html`). That is sound: such
    a body's HTML is its text with white space collapsed in `<p>` tags, and the renderer escapes
    none of its characters but `"` and `>` (as `&quot;`, `&gt;`), so the only words the HTML
    has and the text lacks are `p`, `quot` and `gt`, shorter than any fingerprint; a word is
    never counted public that the public view does not show. A body with any markup is
    rendered, as before.

    The hidden part of a visible object (what its staff view holds and its public view does
    not: a redacted span, a reference to a hidden object) is taken from the staff view's
    fields whose value differs from the public view's: a field equal in both holds only words
    of the public view, which are public and could never be fingerprints.

    `seen_by`, when given, is filled with each row's visibility to the public, by kind and id,
    so that the hidden addresses and the visible ids are judged without reading 100,000 rows
    again (`audit.fingerprints.hidden_addresses`, `visible_ids`)."""
    public = Catalog(session, PUBLIC, today)
    admin = Catalog(session, ADMIN, today)
    public.prose_as_html = admin.prose_as_html = True
    public_words: set[str] = theme_words(site_dir)
    hidden: list[tuple[str, str, str]] = []  # (object id, why, text)
    parts: list[tuple[str, str, str]] = []
    spans = redacted_spans(session)
    # The public views' texts, asked at the end which candidates they hold (`public_among`),
    # not cut into words one by one; those of narratives with redacted spans kept apart: the
    # spans are checked against other objects.
    view_texts: list[str] = []
    span_view_texts: list[str] = []
    for kind in AUDITED_KINDS:
        rows = _rows(session, kind)
        visibilities = {row.id: public.visibility_of(row) for row in rows}
        if seen_by is not None:
            seen_by[kind] = visibilities
        staff_rows = _staff_may_differ(session, kind, rows, visibilities)
        for row, seen, staff in zip(rows, _per_row(rows, public.each_of(kind, rows)),
                                    _per_row(rows, admin.each_of(kind, staff_rows)), strict=True):
            if seen is not None:
                view_text = _view_text(seen)
                (span_view_texts if kind == "narrative" and row.id in spans else view_texts).append(view_text)
                if staff is not None and staff != seen:  # equal views: no field differs, nothing hidden
                    view_words = words(view_text)
                    part = _differing_words(_own_words(staff, row), _own_words(seen, row)) - view_words
                    if part:
                        parts.append((row.id, f"{kind} part not public (redacted, or resting on a hidden source)",
                                      " ".join(sorted(part))))
                continue
            vis = public.visibility_of(row)
            why = f"{kind} not public: {vis.reason or vis.form.value}"
            staff = staff if staff is not None else admin.get(kind, row.id)
            hidden.append((row.id, why, _view_text(_own_words(staff, row))))
            if vis.form.value == "tombstone":
                public_words |= words(_view_text(Catalog.tombstone(row, vis)))
    hidden += parts
    hidden += more_hidden(session, public, admin, public_words, words, lambda v, r: _view_text(_own_words(v, r)),
                          kinds=LEDGER_KINDS)
    for concept in session.exec(select(m.Concept)):
        public_words |= words(f"{concept.label} {concept.definition} {' '.join(concept.alt_labels)}")
    for agent in session.exec(select(m.Agent)):
        public_words |= words(f"{agent.name} {agent.description}")
    # Of the public views' words only these are ever asked for: each hidden text's long words
    # and each one-word span (below).
    candidates = {w for _, _, text in hidden for w in words(text) if len(w) >= MIN_LENGTH}
    candidates |= {text.lower() for texts in spans.values() for text, _ in texts if WORD.fullmatch(text)}
    public_words |= public_among(candidates - public_words, view_texts)
    elsewhere = set(public_words)  # public words outside the narratives that hide spans
    public_words |= public_among(candidates - public_words, span_view_texts)
    del view_texts, span_view_texts

    found: list[Fingerprint] = []
    for object_id, why, text in hidden:
        distinctive = sorted(w for w in words(text) if len(w) >= MIN_LENGTH and w not in public_words)
        found += [Fingerprint(w, object_id, why) for w in distinctive[:PER_OBJECT]]
    for narrative in session.exec(select(m.Narrative)):
        if narrative.name_policy != "full" and narrative.narrator_name.strip():
            found.append(Fingerprint(narrative.narrator_name.strip(), narrative.id,
                                     f"private name of a narrator shown as '{narrative.narrator_display}'",
                                     spelled=True))
        for text, category in spans.get(narrative.id, []) if public.visibility_of(narrative).visible else []:
            # One word another public object also uses (a common surname) cannot be told apart;
            # a phrase, an e-mail address or a number can.
            if " " in text or not WORD.fullmatch(text) or text.lower() not in elsewhere:
                found.append(Fingerprint(text, narrative.id, f"redacted span ({category})", spelled=True))
    return found, len(hidden)


# What a record's view takes from its viewer: the objects citing it that the viewer may see
# (and their titles as the viewer may read them, `Catalog.ref`). Nothing else of `Catalog._record`
# depends on who looks; tests/test_audit_staff_views.py compares both views of every record.
RECORD_FIELDS_BY_VIEWER = ("cited_by",)


def _staff_may_differ(session: Session, kind: str, rows: Sequence, seen: dict[str, Visibility]) -> Sequence:
    """The rows (in id order) whose staff view can hold more than their public one: of records,
    those the public may not see and those something cites (`RECORD_FIELDS_BY_VIEWER`); every
    row of the other kinds. At 100,000 records the staff views of the others were a tenth of
    the audit, only to be found equal to the public views."""
    if kind != "record":
        return rows
    cited = citing_ids(session)
    return [row for row in rows if row.id in cited or not seen[row.id].visible]


def _rows(session: Session, kind: str) -> Sequence:
    """Every row of a kind, in id order; records through Core (`Catalog.each` reads them so,
    as `Record`'s fields, without making 100,000 ORM objects: half the cost)."""
    table = m.OBJECT_TYPES[kind]
    if kind != "record":
        return session.exec(select(table).order_by(table.id)).all()
    columns = table.__table__
    return session.connection().execute(select(columns).order_by(columns.c.id)).all()


def redacted_spans(session: Session) -> dict[str, list[tuple[str, str]]]:
    """Spans the public form of each narrative hides (not rejected; the narrator's name apart)."""
    spans: dict[str, list[tuple[str, str]]] = {}
    for row in session.exec(select(Redaction).where(Redaction.status != REJECTED, Redaction.origin != NARRATOR)):
        spans.setdefault(row.narrative_id, []).append((" ".join(row.text.split()), row.category))
    return spans


def find_in(text: str, prints: list[Fingerprint]) -> list[Fingerprint]:
    """The fingerprints (words and addresses) present in `text`, as `find_in_slowly` and
    `find_addresses` find them; build a `Matcher` once to look in many texts."""
    return Matcher(prints).find(text)


def find_in_slowly(text: str, prints: list[Fingerprint]) -> Iterator[Fingerprint]:
    """What a finding is, one fingerprint at a time (the reference `Matcher` is tested against):
    fingerprints present in `text` as whole words (or, for names, as a phrase), or spelled
    inside an id, a URL or a file name (`nar-private-personname-3f9a` holds "Private Personname")."""
    text = html.unescape(text).lower()
    present = words(text)
    text_slug = slugged(text)
    for f in prints:
        needle = f.text.lower()
        phrase = " " in needle and needle in " ".join(text.split())
        token = " " not in needle and not WORD.fullmatch(needle) and needle in text  # an e-mail, a number
        spelled = f.spelled and len(slug := slugged(needle)) > 2 and slug in text_slug
        if phrase or token or needle in present or spelled:
            yield f


def visible_ids(session: Session, today, seen_by: Visibilities | None = None) -> set[str]:
    """Ids of the objects the access rule shows the public, of every kind in the store, and
    of the images of public records (the kinds in `seen_by` judged there, `fingerprints`)."""
    public = Catalog(session, PUBLIC, today)
    seen_by = seen_by or {}
    found: set[str] = set()
    for kind, table in m.OBJECT_TYPES.items():
        if kind in seen_by:
            found |= {i for i, vis in seen_by[kind].items() if vis.visible}
        else:
            found |= {row.id for row in session.exec(select(table)) if public.visibility_of(row).visible}
    found |= {media_id for media_id, record_id in session.exec(select(Media.id, Media.record_id)) if record_id in found}
    return found


def hidden_ids(ids: dict[str, list[str]], public_ids: set[str]) -> set[str]:
    """Ids in the store (images included) that are not among the public ones."""
    return {i for found in ids.values() for i in found if i not in public_ids}


OAI_PIECE = re.compile(r"<(record|header)[\s>]")  # a `<record>`, or a `<header>` outside one


def oai_pieces(text: str) -> tuple[list[str], str]:
    """An OAI-PMH answer's `<record>` elements (and `<header>` elements outside them: a
    ListIdentifiers page), and the text around them with each replaced by a line break.
    Found with `str.find` from each start tag to its end tag (a lazy `.*?` over a page of
    250 KB was a millisecond and a half); neither element nests in itself."""
    pieces: list[str] = []
    rest: list[str] = []
    at = 0
    while (start := OAI_PIECE.search(text, at)) is not None:
        end = text.find(f"</{start.group(1)}>", start.end())
        if end < 0:
            break
        end += len(start.group(1)) + 3
        rest.append(text[at:start.start()])
        pieces.append(text[start.start():end])
        at = end
    if not pieces:
        return [], text
    rest.append(text[at:])
    return pieces, "\n".join(rest)


class Scanner:
    """Scans texts into a report. An OAI-PMH answer is scanned as its `<record>` elements (or
    its `<header>` elements, listed by ListIdentifiers) and what is left around them: a record
    is listed whole, then in each set it belongs to, and again by GetRecord, the same bytes each
    time (the repository serialises each once, `web.oai.protocol.Spliced`), so each distinct
    element is matched once (known by 128 bits of its SHA-256: with a CPU's SHA instructions
    twice blake2b's speed, `web.http_cache.digest_of`) and its findings given to every answer
    holding it. No fingerprint can run from one piece into another: every piece begins and
    ends with the element's tag, and no word, name, span or address holds `<record`, `<header`,
    `</record>` or `</header>`.

    Made without a matcher (the audit's OAI-PMH child, before the fingerprints come), it holds
    what it is given in that form, each distinct record once (`held_chars` says how much), and
    scans it all, in the order given, when `start` gives it one."""

    def __init__(self, matcher: Matcher | None, report: AuditReport):
        self.matcher = matcher
        self.report = report
        self.records: dict[bytes, list[int]] = {}  # a piece's digest -> its findings
        self.pending: dict[bytes, str] = {}  # pieces held, not matched yet
        self.held: list[tuple[str, str, list[bytes]]] = []  # (where, the rest, its pieces' digests)
        self.held_chars = 0

    def __call__(self, where: str, text: str) -> None:
        self.report.places += 1
        self.report.where.append(where)
        keys: list[bytes] = []
        if where.startswith("OAI-PMH"):
            pieces, text = oai_pieces(text)
            for element in pieces:
                key = hashlib.sha256(element.encode("utf-8", "surrogatepass")).digest()[:16]
                keys.append(key)
                if key not in self.records and key not in self.pending:
                    if self.matcher is None:
                        self.pending[key] = element
                        self.held_chars += len(element)
                    else:
                        self.records[key] = self.matcher.indices(element)
        if self.matcher is None:
            self.held.append((where, text, keys))
            self.held_chars += len(text)
        else:
            self._report(where, text, keys)

    def file(self, where: str, head: str, data: bytes) -> None:
        """A file of the site: its address on the site (`head`) and its bytes, scanned as the
        text `f"{head}\n{data.decode('utf-8', 'replace')}"` (`Matcher.indices_in_file`)."""
        assert self.matcher is not None
        self.report.places += 1
        self.report.where.append(where)
        self.report.leaks.extend(Leak(where, self.matcher.prints[n]) for n in self.matcher.indices_in_file(head, data))

    def utf8(self, where: str, data: bytes) -> None:
        """A text given as its UTF-8 bytes (`Matcher.indices_in_utf8`): no OAI-PMH answer."""
        assert self.matcher is not None
        self.report.places += 1
        self.report.where.append(where)
        self.report.leaks.extend(Leak(where, self.matcher.prints[n]) for n in self.matcher.indices_in_utf8(data))

    def start(self, matcher: Matcher) -> None:
        """Scan what was held with `matcher`, and each text given from now on as it comes."""
        self.matcher = matcher
        for key, element in self.pending.items():
            self.records[key] = matcher.indices(element)
        for where, rest, keys in self.held:
            self._report(where, rest, keys)
        self.pending, self.held, self.held_chars = {}, [], 0

    def _report(self, where: str, rest: str, keys: list[bytes]) -> None:
        assert self.matcher is not None
        found = self.matcher.indices(rest)
        if keys:
            found = sorted({*found, *(n for key in keys for n in self.records[key])})
        self.report.leaks.extend(Leak(where, self.matcher.prints[n]) for n in found)


def audit(settings: Settings, app: Starlette | None = None, seed: int | None = None,
          parallel: bool = True) -> AuditReport:
    """Scan every public surface for fingerprints of hidden material: each file of the built
    site (pages, JSON, feeds, sitemap, downloads, static search shards, IIIF files), the public
    index, and every answer `app` (by default `create_app(settings)`) gives an anonymous caller,
    its routes walked by `audit.public_answers` (API, ledger API, OAI-PMH, IIIF); a public route it
    cannot walk raises `UnwalkableRoute`, naming it. `seed` draws the sample of public ids the
    walk asks for in large kinds (a new one each audit when not given; the report keeps it).

    With `parallel` (and fork, and no other thread running), OAI-PMH is walked in a child
    process forked before anything else: it asks while this one takes the fingerprints, and
    scans what it was answered once they are sent to it (`_Walk`); this one then reads the
    files and the index and walks every other route. Two cores, the same findings."""
    seed = seed if seed is not None else random.SystemRandom().randrange(1_000_000)
    walk = _Walk(settings, app, seed)
    if parallel:
        walk.start_oai_child()
    try:
        return _audit(settings, walk)
    finally:
        walk.stop()


def _audit(settings: Settings, walk: _Walk) -> AuditReport:
    # The site's files listed by a process of its own while this one takes the fingerprints,
    # and read into the page cache by it if they are not (`audit.prefetch`): both processes
    # read them last.
    listing = Listing(settings.public_dir)
    try:
        return _audit_listed(settings, walk, listing)
    finally:
        listing.stop()


def _audit_listed(settings: Settings, walk: _Walk, listing: Listing) -> AuditReport:
    today = settings.today()
    with store_transaction(settings) as session:
        seen_by: Visibilities = {}  # each row's public visibility, judged once
        prints, hidden_count = fingerprints(session, today, settings.site_dir, seen_by)
        addresses = [Fingerprint(text, object_id, why, ADDRESS) for text, object_id, why
                     in hidden_addresses(session, Catalog(session, PUBLIC, today), seen_by)]
        ids = store_ids(session)
        public_ids = visible_ids(session, today, seen_by)
        files = listing.files()
        heard, listened = audit_recordings(session, settings, files=files)  # every public recording, decoded
    report = AuditReport(prints + addresses, hidden_count)
    report.seed = walk.seed
    report.where += listened
    report.places += len(listened)
    report.leaks += [Leak(f.where, Fingerprint(f.text, f.object_id or "the site", f.why, "recording")) for f in heard]
    if not report.fingerprints:
        return report

    matcher = Matcher(report.fingerprints)  # words first, then addresses, as they are reported
    scan = Scanner(matcher, report)
    # Every hidden id, and every visible object with a hidden part, on every route taking an
    # id; of the other (public) ids of a large kind, a sample (docs/operations.md).
    suspects = {f.object_id for f in report.fingerprints} | hidden_ids(ids, public_ids)
    walk.brief(Brief(report.fingerprints, ids, suspects, sorted({f.text for f in prints if " " not in f.text}),
                     files), matcher)

    index = open_index(settings.index_dir, settings.database_url)
    try:
        written = document_writer(f.text for f in report.fingerprints)
        for stored in index.stored_documents():
            scan.utf8(f"public search index, document {stored.get('id')}", written(stored))
    finally:
        index.close()  # the postgres engine's connections to the store

    # The site's files last, after this process's routes, in chunks shared with the OAI-PMH
    # child once its walk is done (`audit.site_scan`): the two processes end together.
    for answers in walk.finish(lambda: walk.scan_files(scan)):
        report.places += answers.places
        report.where += answers.where
        report.leaks += answers.leaks
        report.failures += answers.failures
    return report


OAI = "/oai"


@dataclass(frozen=True)
class Brief:
    """What the walk needs from the store: the fingerprints, every id by kind, the ids asked
    for on every route (`Walker(always=...)`), the words asked of `/api/search`, and the
    site's files (paths), shared between the two processes (`audit.site_scan`)."""

    prints: list[Fingerprint]
    ids: dict[str, list[str]]
    suspects: set[str]
    search_words: list[str]
    files: list[str] = field(default_factory=list)


# What a child holds (distinct records once) before it waits for its brief. At 100,000 records
# 150 M characters were held before the parent had its fingerprints: the child then waited, one
# core idle (7 s at load 5, 23 s at load 7). With 300 M no run waited, and the child's peak
# (877-947 MB) stayed below the parent's (~1.36 GB) (bench/results/36).
HELD_CHARS = 300_000_000


class _Held:
    """The OAI child's scanner: what it is answered before the parent's brief comes is held
    (`Scanner` without a matcher, up to `HELD_CHARS`), then scanned in the order it came once
    the brief is there; from then on each answer is scanned as it comes. `receive` also gives
    the walker the ids it asks for."""

    def __init__(self, conn, answers: AuditReport):
        self.conn = conn
        self.scan = Scanner(None, answers)
        self.walker: Walker | None = None
        self.brief: Brief | None = None

    def __call__(self, where: str, text: str) -> None:
        if self.scan.matcher is None and (self.scan.held_chars > HELD_CHARS or self.conn.poll()):
            self.receive()
        self.scan(where, text)

    def receive(self) -> None:
        """Wait for the brief (if it has not come yet), then scan what was held."""
        if self.scan.matcher is not None:
            return
        brief: Brief = self.conn.recv()
        self.brief = brief
        if self.walker is not None:
            self.walker.ids, self.walker.always = brief.ids, set(brief.suspects)
        self.scan.start(Matcher(brief.prints))


class _Walk:
    """Every answer of the app to an anonymous caller (`audit.public_answers.Walker`), each
    scanned as it comes. OAI-PMH, the largest part (every record listed about six times), may
    be walked in a child process forked before the store is read (`start_oai_child`: no other
    thread may be running, whose locks the child would inherit held): it makes the app's
    per-generation data (OAI headers, summaries) and asks for the lists while the parent
    takes the fingerprints, holding the answers until the parent's `brief` comes (`_Held`).
    Every other route is walked in the parent; then both scan the site's files, each taking
    the next chunk while any is left (`audit.site_scan`); then the parent walks every IIIF
    address anything mentions. Each process makes the per-generation data it needs itself."""

    def __init__(self, settings: Settings, app: Starlette | None, seed: int):
        self.settings, self.app, self.seed = settings, app, seed
        self.child = None  # (process, connection) while a child walks OAI-PMH
        self.given: Brief | None = None
        self.matcher: Matcher | None = None
        self.claims: Claims | None = None  # the site's files, chunk by chunk, for both processes
        self.listed_by_child: set[str] = set()  # the identifiers the child's OAI-PMH lists listed

    def walk(self, include: Callable[[str], bool], then: Callable[[], set[str]] | None,
             conn=None, oai_share: str = "all") -> tuple[AuditReport, Walk]:
        """The routes `include` accepts (of OAI-PMH, `oai_share`: `Walker.oai`); then, when
        `then` is given, the IIIF addresses it gives (having done what it does) and those the
        answers mention, after GetRecord for what only this share's OAI-PMH lists listed
        (`Walker.oai_records`, with `listed_by_child`, which `then` may fill). Returns the
        findings and the walk (the addresses mentioned, the identifiers listed). `conn`: in
        the child, where the brief will come from (the answers are held till then); the child
        then scans its share of the site's files."""
        from server.app import create_app

        given = self.given
        answers = AuditReport(given.prints if given else [], 0)
        held = _Held(conn, answers) if conn is not None else None
        app = self.app or create_app(self.settings)
        with AppClient(app) as client:
            if held is None:
                assert given is not None and self.matcher is not None
                walker = Walker(client, given.ids, given.search_words, self.settings.oai_repository_id,
                                site_dirs=[self.settings.public_dir], always=given.suspects, seed=self.seed,
                                answer=Scanner(self.matcher, answers))
            else:
                walker = held.walker = Walker(client, {}, [], self.settings.oai_repository_id,
                                              site_dirs=[self.settings.public_dir], always=set(), seed=self.seed,
                                              answer=held)
                walker.await_ids = held.receive
            walker.oai_share = oai_share
            walker.routes(app, include)
            if held is not None:
                held.receive()  # every answer scanned, even if none needed the ids
                self.given = held.brief
                walker.walk.references |= self.scan_files(held.scan)
            if then is not None:
                mentioned = then()
                if oai_share == "identifiers":
                    walker.oai_records(OAI, self.listed_by_child)
                walker.iiif(mentioned=mentioned)
        answers.failures = walker.walk.failures
        return answers, walker.walk

    def scan_files(self, scan: Scanner) -> set[str]:
        """This process's share of the site's files (all of them, with no child), scanned."""
        assert self.given is not None
        if self.claims is None:
            self.claims = Claims()
        return scan_files(self.claims, self.given.files, self.settings.public_dir, scan)

    def start_oai_child(self) -> None:
        if not can_fork():  # another thread, Python's or native (archive.fork_safety): walk here
            return
        sys.stdout.flush()  # what is buffered would be written again by the child
        sys.stderr.flush()
        context = multiprocessing.get_context("fork")
        self.claims = Claims(context)
        ours, theirs = context.Pipe()
        process = context.Process(target=self._in_child, args=(theirs,), daemon=True)
        process.start()
        theirs.close()
        self.child = process, ours

    def brief(self, given: Brief, matcher: Matcher) -> None:
        """What the store holds, for the walk: sent to the child at once, kept for this process."""
        self.given, self.matcher = given, matcher
        if self.child is not None:
            self.child[1].send(given)

    def _in_child(self, conn) -> None:
        try:
            found, walk = self.walk(lambda template: template == OAI, None, conn, oai_share="records")
            found.fingerprints = []  # the parent has them; the leaks carry their own
            conn.send(("done", (found, walk.references, walk.listed)))
        except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
            try:
                conn.send(("error", exc))
            except Exception:  # noqa: BLE001 - an exception that cannot be pickled
                conn.send(("error", RuntimeError(repr(exc))))
        finally:
            conn.close()

    def finish(self, files: Callable[[], set[str]]) -> list[AuditReport]:
        """Walk what is left here (everything, when no child was started), scan this process's
        share of the files (`files`, which gives the IIIF addresses they mention), and gather
        the child's findings."""
        if self.child is None:
            return [self.walk(lambda template: True, files)[0]]
        process, conn = self.child
        received: dict = {}

        def files_and_oai_answers() -> set[str]:  # once this process's routes are walked
            mentioned = files()
            try:
                outcome, found = conn.recv()
            except (EOFError, OSError):
                outcome, found = "error", RuntimeError(
                    f"the audit's walk of OAI-PMH died (exit code {process.exitcode})")
            finally:
                process.join()
                conn.close()
                self.child = None
            if outcome == "error":
                raise found
            received["oai"], theirs, self.listed_by_child = found
            return mentioned | theirs

        here, _ = self.walk(lambda template: True, files_and_oai_answers, oai_share="identifiers")
        return [received["oai"], here]

    def stop(self) -> None:
        """End the child if it still walks (this process stopped early: an unwalkable route,
        no fingerprints at all, an error)."""
        if self.child is not None:
            process, conn = self.child
            if process.is_alive():
                process.terminate()
            process.join()
            conn.close()
            self.child = None
