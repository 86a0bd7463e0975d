"""OAI-PMH 2.0 at /oai: libraries and aggregators harvest the public archive.

All six verbs, Dublin Core (`oai_dc`) records built from the public views, sets by object
type (`type:record`) and by harm type (`harm_type:ht-…`), date-selective harvesting on
datestamps (the rows' last write, or the day an embargo lifted), stateless resumption
tokens, and every error condition the protocol names. A withdrawn narrative, or a deleted
object the public could see, is reported as a deleted record with nothing but its id and
datestamp (`deletedRecord` is `persistent`). Everything is read through the public
Catalog: what is hidden is not even listed. XML is built with lxml, but for each record and
header, written as text through one escaping function (`web.oai.record_xml`) and tested
byte for byte against lxml's serialisation of `record_element` and `header_element`.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, time
from functools import cached_property
from urllib.parse import parse_qsl

from lxml import etree
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from archive.access import PUBLIC
from archive.authorities import Authorities, read_authorities
from archive.catalog import Catalog
from archive.settings import Settings
from archive.urls import SiteUrls
from web.in_thread import run_blocking
from web.oai.dublin_core import OAI_DC_NS, OAI_DC_SCHEMA, XSI_NS, dc_values, oai_dc, xml_chars
from web.oai.record_xml import OAI_NS, header_xml, record_xml
from web.view_cache import StoreClock, public_summaries

OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
HARVESTED_KINDS = ("record", "narrative", "harm", "timeline")
KIND_NAMES = {"record": "Records", "narrative": "Oral-history narratives", "harm": "Documented harms",
              "timeline": "Timelines"}
FORMATS = {"oai_dc": (OAI_DC_SCHEMA, OAI_DC_NS)}
PAGE_SIZE = 50
# Records kept (serialised) for one (store generation, today), most recently used first: a harvester
# (or `reckon audit`, which walks every set's list side by side in identifier order) asking for
# the same record in several sets' lists has it made once. A few thousand is some ten MB.
KEPT_RECORDS = 4_096
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
STAMP = "%Y-%m-%dT%H:%M:%SZ"
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
SET_SPEC = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$")
ALLOWED = "GET, HEAD, POST, OPTIONS"
CORS = {"Access-Control-Allow-Origin": "*"}
LIST_ARGS = ("from", "until", "set", "resumptionToken")
ARGUMENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # verb: (required, optional)
    "Identify": ((), ()),
    "ListMetadataFormats": ((), ("identifier",)),
    "ListSets": ((), ("resumptionToken",)),
    "GetRecord": (("identifier", "metadataPrefix"), ()),
    "ListIdentifiers": (("metadataPrefix",), LIST_ARGS),
    "ListRecords": (("metadataPrefix",), LIST_ARGS),
}


class OAIError(Exception):
    """A protocol error: answered with `<error code="…">` (HTTP 200, as OAI-PMH asks)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Header:
    object_id: str
    kind: str
    datestamp: datetime
    deleted: bool
    sets: tuple[str, ...]


@dataclass(frozen=True)
class ListState:
    """What a list request asked for, and where the last page ended: the resumption token."""

    prefix: str
    set_spec: str | None
    start: str | None
    end: str | None
    after: str = ""

    def token(self, after: str) -> str:
        data = {"m": self.prefix, "s": self.set_spec, "f": self.start, "u": self.end, "a": after}
        return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")

    @classmethod
    def from_token(cls, token: str) -> ListState:
        try:
            data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            state = cls(data["m"], data["s"], data["f"], data["u"], data["a"])
            if all(v is None or isinstance(v, str) for v in (state.set_spec, state.start, state.end)) \
                    and isinstance(state.prefix, str) and isinstance(state.after, str):
                return state
        except (ValueError, TypeError, KeyError, binascii.Error):
            pass
        raise OAIError("badResumptionToken", f"the resumption token {token!r} is not one this repository issued")


def parse_stamp(text: str, name: str, end_of_day: bool = False) -> datetime:
    if SECOND.match(text):
        fmt = STAMP
    elif DAY.match(text):
        fmt = "%Y-%m-%d"
    else:
        raise OAIError("badArgument", f"'{name}' must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ; got {text!r}")
    try:
        moment = datetime.strptime(text, fmt)
    except ValueError:
        raise OAIError("badArgument", f"'{name}' is not a real date: {text!r}") from None
    return datetime.combine(moment.date(), time.max).replace(microsecond=0) if fmt != STAMP and end_of_day else moment


class Repository:
    """The public archive as one harvest request sees it."""

    def __init__(self, catalog: Catalog, settings: Settings, base_url: str, site_root: str,
                 kept: Kept | None = None):
        """`kept`: what every request of this (store generation, today) may reuse (`Kept`)."""
        self.catalog = catalog
        self.settings = settings
        self.base_url = base_url
        self.site_root = site_root.rstrip("/")
        self.kept = kept if kept is not None else Kept()
        if self.kept.headers is not None:
            self.__dict__["headers"] = self.kept.headers

    def identifier(self, object_id: str) -> str:
        return f"oai:{self.settings.oai_repository_id}:{object_id}"

    def absolute(self, path: str) -> str:
        return self.site_root + path

    @cached_property
    def headers(self) -> list[Header]:
        """Every harvestable object, visible or deleted, in identifier order."""
        found = []
        for kind in HARVESTED_KINDS:
            for change in self.catalog.changes(kind):
                sets = (f"type:{kind}",)
                if not change["deleted"]:
                    sets += tuple(f"harm_type:{h}" for h in change["harm_types"] if SET_SPEC.match(h))
                found.append(Header(change["id"], kind, change["datestamp"].replace(microsecond=0),
                                    change["deleted"], sets))
        return sorted(found, key=lambda h: self.identifier(h.object_id))

    @cached_property
    def sets(self) -> list[tuple[str, str]]:
        found = [("type", "By object type")]
        found += [(f"type:{kind}", KIND_NAMES[kind]) for kind in HARVESTED_KINDS]
        found.append(("harm_type", "By harm type"))
        found += [(f"harm_type:{c.id}", c.label) for c in sorted(self.catalog.concepts.values(), key=lambda c: c.id)
                  if c.scheme == "harm-type" and SET_SPEC.match(c.id)]
        return found

    def header_for(self, identifier: str) -> Header:
        prefix = f"oai:{self.settings.oai_repository_id}:"
        object_id = identifier.removeprefix(prefix) if identifier.startswith(prefix) else None
        if self.kept.by_id is None:
            self.kept.by_id = {h.object_id: h for h in self.headers}
        header = self.kept.by_id.get(object_id)  # type: ignore[arg-type]
        if header is None:
            raise OAIError("idDoesNotExist", f"no item {identifier!r} in this repository")
        return header

    def in_set(self, set_spec: str | None) -> list[Header]:
        """The headers (in identifier order) in the set or one nested in it (`_in_set`); every
        header when no set is asked for. Indexed by set once per store generation (`Kept`)."""
        if set_spec is None:
            return self.headers
        if self.kept.by_set is None:
            self.kept.by_set = by_set(self.headers)
        return self.kept.by_set.get(set_spec, [])

    def matching(self, set_spec: str | None, start: datetime | None, end: datetime | None
                 ) -> tuple[list[Header], list[str]]:
        """`_matching`'s headers and their identifiers, made once per (set, window) for all the
        pages of a list: each page filtered the whole archive again (a harvest of 100,000
        records was 2,000 passes over 100,000 headers)."""
        key = (set_spec, start, end)
        found = self.kept.lists.get(key)
        if found is None:
            matched = _matching(self, set_spec, start, end)
            found = (matched, [self.identifier(h.object_id) for h in matched])
            if len(self.kept.lists) >= 64:
                self.kept.lists.pop(next(iter(self.kept.lists)))
            self.kept.lists[key] = found
        return found

    # -- elements ---------------------------------------------------------------------
    def header_element(self, header: Header, alone: bool = False) -> etree._Element:
        """`alone`: to be serialised on its own, declaring the OAI-PMH namespace (not `ns0:`)."""
        element = etree.Element(q("header"), nsmap={None: OAI_NS} if alone else None)
        if header.deleted:
            element.set("status", "deleted")
        sub(element, "identifier", self.identifier(header.object_id))
        sub(element, "datestamp", header.datestamp.strftime(STAMP))
        for spec in header.sets:
            sub(element, "setSpec", spec)
        return element

    def record_element(self, header: Header, view: dict | None = None) -> etree._Element:
        element = etree.Element(q("record"), nsmap={None: OAI_NS})  # serialised on its own: not `ns0:`
        element.append(self.header_element(header))
        if not header.deleted:
            view = view if view is not None else self.catalog.get(header.kind, header.object_id)
            etree.SubElement(element, q("metadata")).append(oai_dc(view, self.absolute, self.settings.archive_name))
        return element

    def record_xml(self, header: Header, view: dict | None = None) -> bytes:
        """`record_element` serialised on its own, written as text (`web.oai.record_xml`)."""
        dc = None
        if not header.deleted:
            view = view if view is not None else self.catalog.get(header.kind, header.object_id)
            dc = dc_values(view, self.absolute, self.settings.archive_name)
        return record_xml(self.identifier(header.object_id), header.datestamp.strftime(STAMP), header.sets,
                          header.deleted, dc)

    def record_bytes(self, headers: list[Header]) -> list[bytes]:
        """The `<record>` of each header, as `record_element` makes it, serialised on its own
        (`serialised`): those kept for this store generation as they are, the others made with
        their views read in bulk (one query per table for a page of records, not several per
        record), then kept. A page is these bytes joined (`Spliced`): a record listed whole,
        in each of its sets and by GetRecord is made and serialised once."""
        made = self.kept.made_for("record", [h.object_id for h in headers])
        missing: dict[str, list[str]] = {}
        for header in headers:
            if header.object_id not in made and not header.deleted:
                missing.setdefault(header.kind, []).append(header.object_id)
        views: dict[str, dict] = {}
        for kind, ids in missing.items():
            if kind == "record" and self.kept.record_bulk is None:
                self.kept.record_bulk = self.catalog.record_bulk()
            views.update((v["id"], v) for v in self.catalog.views(
                kind, ids, bulk=self.kept.record_bulk if kind == "record" else None))
        found = []
        for header in headers:
            record = made.get(header.object_id)
            if record is None:
                view = views.get(header.object_id)
                if view is None and not header.deleted:  # the store changed under us: as before
                    view = self.catalog.get(header.kind, header.object_id)
                record = self.record_xml(header, view)
                self.kept.keep("record", header.object_id, record)
            found.append(record)
        return found

    def header_bytes(self, headers: list[Header]) -> list[bytes]:
        """Each header's `<header>`, serialised on its own, as `record_bytes` keeps records:
        the header is the same in every list that holds it."""
        made = self.kept.made_for("header", [h.object_id for h in headers])
        found = []
        for header in headers:
            element = made.get(header.object_id)
            if element is None:
                element = header_xml(self.identifier(header.object_id), header.datestamp.strftime(STAMP),
                                     header.sets, header.deleted)
                self.kept.keep("header", header.object_id, element)
            found.append(element)
        return found


class Kept:
    """What the requests of one (store generation, today) share: the headers, each list's
    headers by (set, window), the headers by id and by set, the agents and concepts, the bulk reads record
    views take from other tables, and the most recently made `<record>` and `<header>` elements,
    serialised (`KEPT_RECORDS` of each)."""

    def __init__(self) -> None:
        self.headers: list[Header] | None = None
        self.authorities: Authorities | None = None
        self.by_id: dict[str, Header] | None = None
        self.by_set: dict[str, list[Header]] | None = None
        self.lists: dict[tuple, tuple[list[Header], list[str]]] = {}
        self.record_bulk: dict | None = None
        self._made: dict[str, OrderedDict[str, bytes]] = {"record": OrderedDict(), "header": OrderedDict()}
        self._lock = threading.Lock()  # requests are answered in the thread pool

    def made_for(self, name: str, object_ids: list[str]) -> dict[str, bytes]:
        """The `name` elements (`record`, `header`) of those ids kept, serialised."""
        kept = self._made[name]
        with self._lock:
            found = {i: kept[i] for i in object_ids if i in kept}
            for i in found:
                kept.move_to_end(i)
            return found

    def keep(self, name: str, object_id: str, element: bytes) -> None:
        kept = self._made[name]
        with self._lock:
            kept[object_id] = element
            while len(kept) > KEPT_RECORDS:
                kept.popitem(last=False)


@dataclass(frozen=True)
class Spliced:
    """A verb's answer whose records (or headers) are serialised already: `element` holds the comment
    `SPLICE` where `parts` go, joined, once the document around it is serialised. The
    comment is the only one in the document, and cannot be spelled by any text or attribute
    (serialising escapes their `<`), so it is replaced exactly where it was put."""

    element: etree._Element
    parts: list[bytes]


SPLICE = "spliced records"
SPLICED = f"<!--{SPLICE}-->".encode()


def serialised(element: etree._Element) -> bytes:
    """A `<record>` or `<header>` on its own, as a page splices it: it declares the OAI-PMH
    namespace itself (the page's root declares it too, which XML allows)."""
    return etree.tostring(element, encoding="UTF-8", pretty_print=True)


def q(name: str) -> str:
    return f"{{{OAI_NS}}}{name}"


def sub(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, q(name), **attrs)
    if text is not None:
        element.text = xml_chars(text)
    return element


# -- the verbs ---------------------------------------------------------------------------
def identify(repo: Repository, args: dict) -> etree._Element:
    element = etree.Element(q("Identify"))
    earliest = min((h.datestamp for h in repo.headers), default=datetime(1970, 1, 1))
    for name, value in (("repositoryName", repo.settings.archive_name), ("baseURL", repo.base_url),
                        ("protocolVersion", "2.0"), ("adminEmail", repo.settings.admin_email),
                        ("earliestDatestamp", earliest.strftime(STAMP)), ("deletedRecord", "persistent"),
                        ("granularity", GRANULARITY)):
        sub(element, name, value)
    return element


def list_metadata_formats(repo: Repository, args: dict) -> etree._Element:
    if "identifier" in args:
        repo.header_for(args["identifier"])
    element = etree.Element(q("ListMetadataFormats"))
    for prefix, (schema, namespace) in FORMATS.items():
        fmt = sub(element, "metadataFormat")
        sub(fmt, "metadataPrefix", prefix)
        sub(fmt, "schema", schema)
        sub(fmt, "metadataNamespace", namespace)
    return element


def list_sets(repo: Repository, args: dict) -> etree._Element:
    if "resumptionToken" in args:
        raise OAIError("badResumptionToken", "this repository never issues resumption tokens for ListSets")
    element = etree.Element(q("ListSets"))
    for spec, name in repo.sets:
        entry = sub(element, "set")
        sub(entry, "setSpec", spec)
        sub(entry, "setName", name)
    return element


def check_prefix(prefix: str) -> None:
    if prefix not in FORMATS:
        raise OAIError("cannotDisseminateFormat", f"metadataPrefix {prefix!r} is not served; use oai_dc")


def get_record(repo: Repository, args: dict) -> Spliced:
    check_prefix(args["metadataPrefix"])
    header = repo.header_for(args["identifier"])
    element = etree.Element(q("GetRecord"))
    element.append(etree.Comment(SPLICE))
    return Spliced(element, repo.record_bytes([header]))


def _list(repo: Repository, args: dict, verb: str) -> Spliced:
    token = args.get("resumptionToken")
    if token is not None:
        state = ListState.from_token(token)
    else:
        state = ListState(args["metadataPrefix"], args.get("set"), args.get("from"), args.get("until"))
    check_prefix(state.prefix)
    start, end = _date_window(state)
    matched, ids = repo.matching(state.set_spec, start, end)
    cursor = bisect.bisect_right(ids, state.after) if state.after else 0  # ids are sorted
    page = matched[cursor:cursor + PAGE_SIZE]
    if not page:
        raise OAIError("badResumptionToken", "this resumption token is past the end of the list")
    element = etree.Element(q(verb))
    element.append(etree.Comment(SPLICE))
    parts = repo.header_bytes(page) if verb == "ListIdentifiers" else repo.record_bytes(page)
    remaining = cursor + len(page) < len(matched)
    if remaining or token is not None:
        next_token = state.token(ids[cursor + len(page) - 1]) if remaining else None
        sub(element, "resumptionToken", next_token, completeListSize=str(len(matched)), cursor=str(cursor))
    return Spliced(element, parts)


def _date_window(state: ListState) -> tuple[datetime | None, datetime | None]:
    """The `from` and `until` datestamps (None when not given); badArgument when they are not
    dates, differ in granularity or are the wrong way round."""
    start = parse_stamp(state.start, "from") if state.start else None
    end = parse_stamp(state.end, "until", end_of_day=True) if state.end else None
    if state.start and state.end and (DAY.match(state.start) is None) != (DAY.match(state.end) is None):
        raise OAIError("badArgument", "'from' and 'until' must have the same granularity")
    if start and end and start > end:
        raise OAIError("badArgument", f"'from' ({state.start}) is later than 'until' ({state.end})")
    return start, end


def _matching(repo: Repository, set_spec: str | None, start: datetime | None, end: datetime | None) -> list[Header]:
    """The headers in the set (or any) with datestamps in the window; noRecordsMatch for an
    unknown set or when none match."""
    if set_spec is not None and set_spec not in {s for s, _ in repo.sets}:
        raise OAIError("noRecordsMatch", f"no set {set_spec!r} in this repository; see ListSets")
    matched = [h for h in repo.in_set(set_spec)
               if (start is None or h.datestamp >= start) and (end is None or h.datestamp <= end)]
    if not matched:
        raise OAIError("noRecordsMatch", "no items match these arguments")
    return matched


def _in_set(header: Header, spec: str | None) -> bool:
    """True when no set is asked for, or the header is in the set or in one nested in it
    (`type` holds `type:record`). `sets_holding` says the same of every set at once."""
    return spec is None or any(s == spec or s.startswith(spec + ":") for s in header.sets)


def sets_holding(header: Header) -> dict[str, None]:
    """Every set spec `_in_set` finds the header in: each of its sets and each set it is
    nested in (`type:record` and `type`), each once, in no meaningful order."""
    found: dict[str, None] = {}
    for spec in header.sets:
        found[spec] = None
        at = spec.find(":")
        while at >= 0:
            found[spec[:at]] = None
            at = spec.find(":", at + 1)
    return found


def by_set(headers: list[Header]) -> dict[str, list[Header]]:
    """The headers of each set spec (`sets_holding`), in the order given: one pass over the
    archive for every set's list, where a list filtered every header (at 100,000 records and
    ~40 sets, a tenth of the leak audit's CPU went to `_in_set`)."""
    found: dict[str, list[Header]] = {}
    for header in headers:
        for spec in sets_holding(header):
            found.setdefault(spec, []).append(header)
    return found


def list_identifiers(repo: Repository, args: dict) -> Spliced:
    return _list(repo, args, "ListIdentifiers")


def list_records(repo: Repository, args: dict) -> Spliced:
    return _list(repo, args, "ListRecords")


VERBS = {"Identify": identify, "ListMetadataFormats": list_metadata_formats, "ListSets": list_sets,
         "GetRecord": get_record, "ListIdentifiers": list_identifiers, "ListRecords": list_records}


def check_arguments(params: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    """The verb and its arguments, or badVerb / badArgument naming what was wrong."""
    verbs = [v for k, v in params if k == "verb"]
    if len(verbs) != 1:
        raise OAIError("badVerb", "the verb argument is missing" if not verbs else "the verb argument is repeated")
    verb = verbs[0]
    if verb not in ARGUMENTS:
        raise OAIError("badVerb", f"{verb!r} is not an OAI-PMH verb; use one of {', '.join(ARGUMENTS)}")
    args: dict[str, str] = {}
    for key, value in params:
        if key == "verb":
            continue
        if key in args:
            raise OAIError("badArgument", f"the argument '{key}' is repeated")
        args[key] = value
    required, optional = ARGUMENTS[verb]
    illegal = sorted(set(args) - set(required) - set(optional))
    if illegal:
        raise OAIError("badArgument", f"'{illegal[0]}' is not an argument of {verb}")
    if "resumptionToken" in args:
        if len(args) > 1:
            raise OAIError("badArgument", "resumptionToken must be the only argument besides the verb")
        return verb, args
    missing = [a for a in required if a not in args]
    if missing:
        raise OAIError("badArgument", f"{verb} needs the argument '{missing[0]}'")
    return verb, args


def respond_xml(params: list[tuple[str, str]], repo: Repository) -> bytes:
    """The whole OAI-PMH response document for one request."""
    root = etree.Element(q("OAI-PMH"), nsmap={None: OAI_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_NS} {OAI_SCHEMA}")
    sub(root, "responseDate", datetime.now(UTC).strftime(STAMP))
    request_element = sub(root, "request", repo.base_url)
    try:
        verb, args = check_arguments(params)
    except OAIError as exc:  # badVerb / badArgument: the request is echoed without attributes
        sub(root, "error", str(exc), code=exc.code)
        return serialise(root)
    for key, value in (("verb", verb), *args.items()):
        request_element.set(key, xml_chars(value))
    try:
        answer = VERBS[verb](repo, args)
    except OAIError as exc:
        if exc.code in ("badVerb", "badArgument"):
            request_element.attrib.clear()  # arguments that fail the protocol are not echoed
        sub(root, "error", str(exc), code=exc.code)
        return serialise(root)
    if isinstance(answer, Spliced):
        root.append(answer.element)
        return serialise(root).replace(SPLICED, b"".join(answer.parts), 1)
    root.append(answer)
    return serialise(root)


def serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def routes(settings: Settings) -> list[Route]:
    # The list of headers is the whole archive's worth of bulk queries; it is kept for one
    # (store generation, today), like the API's answers, so a harvest of many pages pays once;
    # so are each list's headers and recently made record elements (`Kept`).
    kept: dict = {}

    urls = SiteUrls(settings.base_url)

    async def oai(request: Request) -> Response:
        # Every method is routed here, so that no other route (the static site) answers for
        # /oai with its own idea of what is allowed.
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={**CORS, "Allow": ALLOWED,
                                                      "Access-Control-Allow-Methods": ALLOWED})
        if request.method not in ("GET", "HEAD", "POST"):
            return Response(status_code=405, headers={**CORS, "Allow": ALLOWED})
        if request.method == "POST":
            body = (await request.body()).decode("utf-8", errors="replace")
            params = parse_qsl(body, keep_blank_values=True)
        else:
            params = request.query_params.multi_items()
        # The configured base URL, never the request's Host header (which a caller chooses).
        base_url, site_root = urls.absolute("/oai"), settings.base_url
        engine = request.app.state.engine
        if kept.get("engine") is not engine:
            kept.clear()
            kept.update(engine=engine, clock=StoreClock(engine, settings))
        state = (kept["clock"].current()[0], settings.today())
        if kept.get("state") != state:
            kept.update(state=state, shared=Kept())
        shared: Kept = kept["shared"]
        summaries = public_summaries(request.app.state, settings)  # shared with the API's answers

        def answer() -> bytes:
            with Session(engine) as session:
                if shared.authorities is None:  # read once per store generation, not once per page
                    shared.authorities = read_authorities(session)
                catalog = Catalog(session, PUBLIC, state[1], shared.authorities, summaries=summaries)
                # Dublin Core takes a record's plain text, never its HTML: a body without markup
                # is not rendered only to be dropped (`Catalog.prose_as_html`; the text is the same).
                catalog.prose_as_html = True
                repo = Repository(catalog, settings, base_url, site_root, shared)
                body = respond_xml(params, repo)
                if shared.headers is None and "headers" in repo.__dict__:
                    shared.headers = repo.headers
                return body

        body = await run_blocking(request.scope, answer)
        return Response(body, media_type="text/xml; charset=utf-8", headers={**CORS, "Cache-Control": "no-cache"})

    every_method = ["GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE", "TRACE", "CONNECT"]
    return [Route("/oai", oai, methods=every_method)]
