"""Every public answer the running app can give, for `reckon audit` to scan.

The walk is driven by the app's own route table, not a list written here, so an endpoint
added later is audited without anyone remembering to: each public GET route is matched to a
way of walking it (no parameters: fetch it and follow its `next` pages; one `{id}`: every id
of the kind its URL builder says, hidden ones included; OAI-PMH: every verb, prefix, set and
resumption token; search: each fingerprint as a query). A public GET route the walk cannot
fill in raises `UnwalkableRoute`, naming it, so the audit fails loudly instead of silently
skipping a new surface. IIIF resources are walked by reference: every `/iiif/...` address
the site or an answer mentions is fetched, served or static, and what it mentions in turn.
"""

from __future__ import annotations

import heapq
import html
import json
import random
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from archive.errors import ReckoningError
from archive.urls import API_SECTIONS, LEDGER_SECTIONS, api_url, chart_api_url, iiif_url
from audit.app_client import AppClient
from publish.charts.lookup import COLLECTION, RECKONING
from web.errors import unknown_endpoint

OAI_NS = {"oai": "http://www.openarchives.org/OAI/2.0/"}
IIIF_REF = re.compile(r"/iiif/[^\s\"'<>()\\]+")
# Behind sign-in: an anonymous caller is sent to the sign-in page (tests/test_staff.py), and the
# audit checks that page too. Listed here on purpose: a new private area must be added by hand.
PRIVATE_PREFIXES = ("/staff",)
# Store kinds whose ids fill an `{id}` in a route under each URL builder's prefix.
KINDS_BY_PREFIX = {api_url(kind, "{id}"): ("agent",) if kind == "institution" else (kind,)
                   for kind in (*API_SECTIONS, *LEDGER_SECTIONS)}
KINDS_BY_PREFIX[iiif_url("{id}")] = ("media", "record")
# Ids of a kind past this many are walked as a seeded sample (with every hidden id and every
# object with a hidden part); below it, all of them (docs/operations.md, "The leak audit").
ALL_IDS_UP_TO = 1_000
SAMPLE = 200
MAX_PAGES = 10_000  # a resumption token or `next` link that never ends is itself a failure
TEXT_TYPES = ("json", "xml", "text", "html", "javascript", "csv")
# The list verbs a walk of OAI-PMH asks for, by its share (`Walker.oai_share`): all of it, or one
# of the two shares the audit's two processes walk side by side (`audit.leaks._Walk`): every
# list of records with everything else OAI-PMH answers, or the lists of identifiers alone.
OAI_SHARES = {"all": ("ListRecords", "ListIdentifiers"), "records": ("ListRecords",),
              "identifiers": ("ListIdentifiers",)}


class UnwalkableRoute(ReckoningError):
    """A public GET route the audit cannot fill in: it would go unaudited, so the audit stops."""


@dataclass
class Walk:
    """What the walk fetched: (where, text) answers (kept only when no one takes them as they
    come), failures (a 5xx, a loop), and the IIIF addresses the answers mention."""

    answers: list[tuple[str, str]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    fetched: set[str] = field(default_factory=set)
    references: set[str] = field(default_factory=set)
    listed: set[str] = field(default_factory=set)  # OAI-PMH identifiers its lists listed
    oai_prefixes: list[str] = field(default_factory=list)  # the metadata formats OAI-PMH serves


def get_routes(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[tuple[str, BaseRoute]]:
    """Every route with its full path template, looking inside mounted routers."""
    for route in routes:
        if isinstance(route, Mount) and route.routes:
            yield from get_routes(route.routes, prefix + route.path)
        else:
            yield prefix + getattr(route, "path", ""), route


def answers_get(route: BaseRoute) -> bool:
    methods = getattr(route, "methods", None)
    return methods is None or "GET" in methods


def _text(response) -> str | None:
    kind = response.headers.get("content-type", "")
    return response.text if any(t in kind for t in TEXT_TYPES) or not kind else None


class Walker:
    """Walks one app through a client (`audit.app_client`); ids: every id in the store by kind, hidden ones too."""

    def __init__(self, client: AppClient, ids: dict[str, list[str]], words: list[str], oai_namespace: str,
                 site_dirs: Iterable[Path] = (), always: Iterable[str] | None = None, seed: int | None = None,
                 answer: Callable[[str, str], None] | None = None):
        """`always`: ids asked for on every route that takes them (every hidden id, and every
        visible object with a hidden part); the others of a kind with more than `ALL_IDS_UP_TO`
        are asked for as a sample of `SAMPLE` drawn with `seed` (the same seed, the same
        sample). None: every id, always. `answer(where, text)` is given each answer as it
        comes (at 100,000 records the OAI-PMH lists alone are gigabytes); without it they are
        kept in `walk.answers`."""
        self.client = client
        self.ids = ids
        self.always = None if always is None else set(always)
        self.seed = seed
        self.words = words
        self.oai_namespace = oai_namespace
        self.walk = Walk()
        self.site_dirs = [Path(d).resolve() for d in site_dirs]
        self._answer = answer
        # Called before `ids` and `always` are read: a walk that starts before the store is read
        # (the audit's OAI-PMH child, `audit.leaks._Walk`) sets them then.
        self.await_ids: Callable[[], None] = lambda: None
        self.oai_share = "all"  # a key of `OAI_SHARES`

    def answered(self, where: str, text: str) -> None:
        if "/iiif/" in text:
            self.walk.references |= references(text)
        if self._answer is None:
            self.walk.answers.append((where, text))
        else:
            self._answer(where, text)

    def serves_built_files(self, app) -> bool:
        """A mount serving files of the built site (directly or wrapped, e.g. to add headers):
        those files are read from disk, and IIIF ones are also fetched by reference."""
        for _ in range(5):
            if isinstance(app, StaticFiles):
                folder = Path(app.directory or "").resolve()
                return any(folder == d or d in folder.parents for d in self.site_dirs)
            app = getattr(app, "app", None)
        return False

    def fetch(self, label: str, url: str, method: str = "GET", scan: bool = True, **kwargs):
        response = self.client.request(method, url, **kwargs)
        self.walk.fetched.add(url)
        if response.status_code >= 500:
            self.walk.failures.append(f"{label} {url} answered {response.status_code}")
        text = _text(response)
        if scan and text is not None:
            self.answered(f"{label} {url}", text)
        return response

    # -- choosing a way to walk each route --------------------------------------------------
    def routes(self, app, include: Callable[[str], bool] | None = None) -> None:
        """Every public GET route of `app` (those `include` accepts, given their templates: the
        audit walks OAI-PMH in a process of its own), and the private areas' sign-in pages."""
        for template, route in get_routes(app.routes):
            if not answers_get(route):
                continue
            if template.startswith(PRIVATE_PREFIXES):
                continue
            if include is not None and not include(template):
                continue
            if isinstance(route, Mount):
                if self.serves_built_files(route.app):
                    continue  # the built site: every file is read from disk, IIIF walked by reference
                raise UnwalkableRoute(f"reckon audit does not know how to walk the mount {template or '/'} "
                                      "(it does not serve the built site): add it to audit/public_answers.py")
            if isinstance(route, Route) and route.endpoint is unknown_endpoint:
                self.fetch("API", template.split("{", 1)[0] + "no-such-endpoint")
                continue
            self.route(template, route)
        for prefix in PRIVATE_PREFIXES:  # anonymous callers see only the sign-in page
            if include is None or include(prefix + "/"):
                self.fetch("staff", prefix + "/")

    def route(self, template: str, route: BaseRoute) -> None:
        params = list(getattr(route, "param_convertors", {}))
        if template == "/oai":
            self.oai(template)
        elif template == "/api/search":
            self.search(template)
        elif not params:
            self.pages(label_of(template), template)
        elif len(params) == 1 and f"{{{params[0]}}}" in template:  # one plain parameter: an id
            for object_id in self.candidates(template.replace(f"{{{params[0]}}}", "{id}")):
                self.fetch(label_of(template), template.replace(f"{{{params[0]}}}", object_id))
        else:
            raise UnwalkableRoute(f"reckon audit does not know how to walk the public GET route {template} "
                                  f"(parameters {', '.join(params)}): add it to audit/public_answers.py")

    def candidates(self, template: str) -> list[str]:
        self.await_ids()
        if template == chart_api_url("{id}"):  # the collection's charts, and every agent's reckoning
            return [*COLLECTION, *(RECKONING + i for i in self.chosen(sorted(self.ids.get("agent", []))))]
        for prefix, kinds in KINDS_BY_PREFIX.items():
            if template.startswith(prefix):
                return self.chosen(sorted({i for kind in kinds for i in self.ids.get(kind, [])}))
        return self.chosen(sorted({i for found in self.ids.values() for i in found}))

    def chosen(self, ids: list[str]) -> list[str]:
        """Every id when they are few (or no `always` was given); else every id in `always`
        and a sample of the others."""
        if self.always is None or len(ids) <= ALL_IDS_UP_TO:
            return ids
        others = [i for i in ids if i not in self.always]
        # A generator of its own for each list, seeded by the seed and the list: a route's
        # sample does not depend on which routes were walked before it.
        rng = random.Random() if self.seed is None else random.Random(f"{self.seed}\0{len(ids)}\0{ids[0]}\0{ids[-1]}")
        picked = set(rng.sample(others, min(SAMPLE, len(others))))
        return [i for i in ids if i in self.always or i in picked]

    # -- the ways -------------------------------------------------------------------------
    def pages(self, label: str, url: str | None) -> None:
        """A collection and every `next` page after it."""
        for _ in range(MAX_PAGES):
            if not url:
                return
            response = self.fetch(label, url)
            try:
                body = response.json()
            except ValueError:
                return
            url = body.get("next") if isinstance(body, dict) else None
            if url and url in self.walk.fetched:
                self.walk.failures.append(f"{label} {url}: its `next` page points back to itself")
                return
        self.walk.failures.append(f"{label} {url}: more than {MAX_PAGES} pages")

    def search(self, template: str) -> None:
        for word in self.words:
            response = self.client.get(template, params={"q": word})
            if response.status_code >= 500:
                self.walk.failures.append(f"API {template}?q={word} answered {response.status_code}")
            found = response.json() if response.status_code == 200 else {"error": response.text}
            found.pop("query", None)  # the answer echoes the query; only what it found can leak
            if found.get("suggestion"):
                # "Did you mean" keeps the query's own words where it has nothing better: only the
                # words it put in place of the query's came from the index, and those can leak.
                asked = set(re.findall(r"\w+", word.casefold()))
                found["suggestion"] = " ".join(w for w in re.findall(r"\w+", found["suggestion"])
                                               if w.casefold() not in asked)
            self.answered(f"API {template}?q={word}", json.dumps(found, ensure_ascii=False))

    def oai_answer(self, template: str, scan: bool = True, **args: str):
        """The answer, its text scanned as every answer is (unless `scan` is false: an answer
        the other share of the walk scans, `oai`)."""
        response = self.fetch("OAI-PMH", template, scan=False, params=args)
        if scan:
            self.answered(_oai_place(template, args), response.text)
        return response

    def oai_request(self, template: str, scan: bool = True, **args: str) -> etree._Element | None:
        """The answer, scanned, then parsed (None, and a failure, when it is not XML)."""
        response = self.oai_answer(template, scan, **args)
        try:
            return etree.fromstring(response.content)
        except etree.XMLSyntaxError as exc:
            self.walk.failures.append(f"{_oai_place(template, args)}: not XML ({exc})")
            return None

    def oai_list(self, template: str, verb: str, scan: bool = True, **args: str) -> list[etree._Element]:
        """Every page of a list verb, following resumption tokens; returns the answers."""
        pages, tokens = [], set()
        root = self.oai_request(template, scan, verb=verb, **args)
        while root is not None and len(pages) < MAX_PAGES:
            pages.append(root)
            token = root.findtext(f".//oai:{verb}/oai:resumptionToken", namespaces=OAI_NS)
            if not token:
                break
            if token in tokens:
                self.walk.failures.append(f"OAI-PMH {verb}: resumption token {token!r} repeats")
                break
            tokens.add(token)
            root = self.oai_request(template, scan, verb=verb, resumptionToken=token)
        return pages

    def oai_lists(self, template: str, verb: str, lists: list[dict[str, str]]) -> set[str]:
        """Every page of each list (following resumption tokens), the lists walked side by side:
        the next page asked for is always one of the list furthest behind in identifier order,
        so the pages of every set's list that hold a record are asked for close together (the
        repository keeps the records it made last, `web.oai.protocol.KEPT_RECORDS`, and makes
        each about once). Returns every identifier listed."""
        identifiers: set[str] = set()
        queue = [("", n, args) for n, args in enumerate(lists)]
        tokens: list[set[str]] = [set() for _ in lists]
        while queue:
            behind, n, args = heapq.heappop(queue)
            listed, token = list_page(self.oai_answer(template, verb=verb, **args).text)
            identifiers.update(listed)
            if not token or len(tokens[n]) + 1 >= MAX_PAGES:
                continue
            if token in tokens[n]:
                self.walk.failures.append(f"OAI-PMH {verb}: resumption token {token!r} repeats")
                continue
            tokens[n].add(token)
            heapq.heappush(queue, (max([behind, *listed]), n, {"resumptionToken": token}))
        return identifiers

    def oai(self, template: str) -> None:
        """Identify; every metadata format and set; ListRecords and ListIdentifiers for each
        prefix, whole and per set; GetRecord for every identifier listed and every id in the
        store (past `ALL_IDS_UP_TO`: every hidden one, those with a hidden part, and a sample;
        a public record's GetRecord repeats its entry in ListRecords, walked whole above).

        Or one share of that (`oai_share`, `OAI_SHARES`): "records", all but ListIdentifiers;
        "identifiers", ListIdentifiers alone, with the formats and sets it needs asked for but
        not scanned (the records' share scans them: the same answers, counted once). Each
        keeps what its lists listed (`walk.listed`): an identifier only ListIdentifiers lists
        is asked for by `oai_records` once both shares are done."""
        whole = self.oai_share != "identifiers"  # this walk asks, and scans, what is not a list
        if whole:
            self.oai_request(template, verb="Identify")
        formats = self.oai_request(template, whole, verb="ListMetadataFormats")
        prefixes = formats.xpath(".//oai:metadataPrefix/text()", namespaces=OAI_NS) if formats is not None else []
        self.walk.oai_prefixes = prefixes
        sets = [spec for page in self.oai_list(template, "ListSets", whole)
                for spec in page.xpath(".//oai:setSpec/text()", namespaces=OAI_NS)]
        for prefix in prefixes:
            lists = [{"metadataPrefix": prefix, **({"set": chosen} if chosen else {})}
                     for chosen in [None, *sorted(set(sets))]]
            for verb in OAI_SHARES[self.oai_share]:
                self.walk.listed |= self.oai_lists(template, verb, lists)
        if whole:
            self.oai_records(template)

    def oai_records(self, template: str, listed_elsewhere: Iterable[str] = ()) -> None:
        """GetRecord, in every format, for every id in the store and every identifier listed
        (here, or by the other share's lists: `listed_elsewhere`), of a large kind the hidden
        ones, those with a hidden part and a sample (`chosen`). Asked for by the share that
        listed records; the identifiers' share, given the records' share's `walk.listed`, asks
        only for what its own lists listed beyond the store's ids and those: none, while the
        store and OAI-PMH agree."""
        ours = f"oai:{self.oai_namespace}:"
        self.await_ids()
        stored = {ours + i for found in self.ids.values() for i in found}
        if self.oai_share == "identifiers":
            asked = sorted(self.walk.listed - set(listed_elsewhere) - stored)
        else:
            every = stored | self.walk.listed | set(listed_elsewhere)
            keep = set(self.chosen(sorted(i.removeprefix(ours) for i in every)))
            asked = sorted(i for i in every if i.removeprefix(ours) in keep)
        for identifier in asked:
            for prefix in self.walk.oai_prefixes:
                self.oai_request(template, verb="GetRecord", identifier=identifier, metadataPrefix=prefix)

    def iiif(self, texts: Iterable[str] = (), mentioned: Iterable[str] = ()) -> None:
        """Every `/iiif/...` address mentioned anywhere public (in `texts`, in `mentioned`, in
        the answers walked so far), and what those answers mention."""
        self.await_ids()
        queue = sorted({ref for text in texts for ref in references(text)} | set(mentioned) | self.walk.references)
        queue += [iiif_url(i, "info.json") for i in self.chosen(self.ids.get("media", []))]  # hidden images too
        seen: set[str] = set()
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            seen.add(url)
            response = self.fetch("IIIF", url)
            text = _text(response)
            if text:
                queue += [ref for ref in references(text) if ref not in seen]


def _oai_place(template: str, args: dict[str, str]) -> str:
    """How a report names an OAI-PMH request: the route and its arguments."""
    return f"OAI-PMH {template}?" + "&".join(f"{k}={v}" for k, v in args.items())


LISTED = re.compile(r"<(?:\w+:)?header\b[^>]*>\s*<(?:\w+:)?identifier\b[^>]*>([^<]*)<")
TOKEN = re.compile(r"<(?:\w+:)?resumptionToken\b[^>]*>([^<]*)</")


def list_page(text: str) -> tuple[list[str], str]:
    """A list page's identifiers (each header's first child, as OAI-PMH orders it) and its
    resumption token ("" when none or empty), found in its text: parsing a page of 50 records
    whole (~250 KB) only to read these cost more than serving it. What cannot be read so (a
    token in CDATA) is read from the page parsed; a page that is not XML gives what the
    patterns find, and is scanned for leaks like any other answer."""
    if "<![CDATA[" in text:
        try:
            root = etree.fromstring(text.encode())
        except etree.XMLSyntaxError:
            root = None
        if root is not None:
            return ([i.strip() for i in root.xpath(".//oai:header/oai:identifier/text()", namespaces=OAI_NS)],
                    root.findtext(".//oai:resumptionToken", namespaces=OAI_NS) or "")
    token = _token(text)
    return ([html.unescape(i).strip() for i in listed_identifiers(text)],
            html.unescape(token.group(1)).strip() if token else "")


def _token(text: str) -> re.Match | None:
    """`TOKEN.search(text)`. A page after the first echoes its token in the request element at
    its top: searching on from there tried every `<` of the page, a third of `list_page`'s time."""
    return next(_matches(TOKEN, text, "resumptionToken"), None)


def listed_identifiers(text: str) -> list[str]:
    """`LISTED.findall(text)`: searching a page at every `<` of 250 KB of records was a
    twentieth of the OAI-PMH child's time (bench/results/39)."""
    return [match.group(1) for match in _matches(LISTED, text, "header")]


def _matches(pattern: re.Pattern, text: str, keyword: str) -> Iterator[re.Match]:
    """`pattern.finditer(text)` for a pattern whose match is `<`, a prefix without `<`, then
    `keyword`: tried only where such a match can begin, at the last `<` before each `keyword`
    (not at every `<` of the text)."""
    end, tried = 0, -1  # where the last match ended; the last `<` tried
    at = text.find(keyword)
    while at >= 0:
        start = text.rfind("<", end, at)
        if start >= 0 and start != tried:
            tried = start
            match = pattern.match(text, start)
            if match is not None:
                yield match
                end = match.end()
        at = text.find(keyword, max(at + 1, end))


def label_of(template: str) -> str:
    """How a report names the surface a route belongs to."""
    return {"api": "API", "iiif": "IIIF", "oai": "OAI-PMH"}.get(template.strip("/").split("/", 1)[0], "app")


def references(text: str) -> set[str]:
    """IIIF addresses in a text, as paths from the site's root (base URL and fragments cut off)."""
    found = set()
    for match in IIIF_REF.findall(text):
        path = urlsplit(match).path.rstrip(".,;")
        if path:
            found.add(path)
    return found
