"""`reckon audit` reads every public surface, and names a leak in each kind of surface.

Real objects are made hidden after the site was built (a stale `public/` is a real way to leak:
someone restricts a record and forgets to rebuild), so every built surface holds real hidden
text. The live app reads the store and cannot leak that way, so for its surfaces (a new API
route, a served IIIF manifest, an OAI-PMH provider) the test adds a route that leaks on
purpose, and the audit, which walks the app's own route table, must find and name it.
"""

from __future__ import annotations

import shutil

import pytest
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from archive.access import Role, Viewer
from archive.catalog import Catalog
from audit.leaks import audit
from audit.public_answers import UnwalkableRoute
from ingest.pipeline import ingest
from publish.pipeline import publish
from server.app import create_app
from tests.helpers.archives import MINIMAL, REPO, make_settings, with_ledger

IMAGE = REPO / "content" / "catalog" / "images" / "illustration-nma-founding-title-page.png"
RECORD = """---
id: rec-glasswing
title: Glasswing ledger of Quarrendell
date: 1931
type: minutes
creators: [agent-ama]
source: "Minutes, 1931."
images: [glasswing.png]
access: public
---
The Glasswing committee's minutes record the Thistlebrook hearings.
"""


def _leaks(report) -> list[str]:
    return [str(leak) for leak in report.leaks]


def _named(report, where: str, word: str) -> bool:
    return any(leak.where == where and leak.fingerprint.text == word for leak in report.leaks)


@pytest.fixture(scope="module")
def stale(tmp_path_factory):
    """An archive built while rec-glasswing and com-progressing were public, then both hidden."""
    home = tmp_path_factory.mktemp("stale")
    content = home / "content"
    shutil.copytree(MINIMAL, content)
    with_ledger(content)
    shutil.copy(IMAGE, content / "records" / "glasswing.png")
    (content / "records" / "rec-glasswing.md").write_text(RECORD)
    promise = content / "commitments" / "com-progressing.md"
    promise.write_text(promise.read_text().replace("We will fund scholarships.", "We will fund Wrenfield scholarships."))
    settings = make_settings(home, content)
    ingest(settings)
    publish(settings)
    assert audit(settings).leaks == []
    (content / "records" / "rec-glasswing.md").write_text(RECORD.replace("access: public", "access: restricted"))
    promise.write_text(promise.read_text().replace("status: in-progress", "status: in-progress\naccess: staff"))
    ingest(settings)  # the store changes; public/ and the public index are not rebuilt
    return settings


@pytest.mark.slow
def test_a_stale_build_is_named_in_every_built_surface(stale):
    report = audit(stale)
    leaks = _leaks(report)
    expected = [
        ("public/records/rec-glasswing/index.html", "thistlebrook"),       # a page
        ("public/feed.xml", "glasswing"),                                   # the Atom feed
        ("public/sitemap.xml", "/records/rec-glasswing/"),                  # the sitemap (an address)
        ("public/iiif/rec-glasswing-1/info.json", "/iiif/rec-glasswing-1/"),  # a static IIIF file
        ("public/commitments/com-progressing/index.html", "wrenfield"),     # a ledger page
        ("public/commitments/commitments.csv", "/commitments/com-progressing/"),  # a ledger download
        ("public search index, document rec-glasswing", "thistlebrook"),    # the whoosh index
    ]
    for where, text in expected:
        assert _named(report, where, text), (where, text, leaks[:40])
    downloads = {leak.where for leak in report.leaks if leak.where.startswith("public/downloads/")}
    static_search = {leak.where for leak in report.leaks if leak.where.startswith("public/search/")}
    assert downloads and static_search, leaks
    # `reckon serve` asks the store before it serves an image's files: the stale copy on disk
    # is named above, but nothing is served from it.
    assert not [leak for leak in leaks if leak.startswith("LEAK: IIIF")], leaks
    # Live search reads the public index, which was not rebuilt either: named too.
    assert _named(report, "API /api/search?q=thistlebrook", "thistlebrook"), leaks
    # The rest of the live API and OAI-PMH read the store: neither shows the hidden objects.
    assert not [leak for leak in leaks if leak.startswith(("LEAK: API", "LEAK: OAI"))
                and not leak.startswith("LEAK: API /api/search")]


def _admin_view(request: Request, kind: str) -> dict:
    engine = request.app.state.engine
    with Session(engine) as session:
        return Catalog(session, Viewer(Role.ADMIN, "leaky"), None).get(kind, request.path_params["id"])


def leaky_app(settings):
    """The real app with routes added that leak on purpose (never part of the product)."""
    from archive.ledger_views import commitment

    def full_commitment(request: Request) -> JSONResponse:
        with Session(request.app.state.engine) as session:
            return JSONResponse(commitment(Catalog(session, Viewer(Role.ADMIN, "leaky"), settings.today()),
                                           request.path_params["id"]))

    def manifest(request: Request) -> JSONResponse:
        view = _admin_view(request, "record")
        return JSONResponse({"type": "Manifest", "label": {"none": [view["title"]]}})

    def broken(request: Request) -> Response:
        raise RuntimeError("a bug")

    app = create_app(settings)
    app.router.routes[:0] = [
        Route("/api/commitments/{id}/full", full_commitment),
        Route("/iiif/{id}/manifest.json", manifest),
        Route("/oai", leaky_oai),
        Route("/api/broken", broken),
    ]
    return app


OAI = '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><{verb}>{body}</{verb}></OAI-PMH>'


def leaky_oai(request: Request) -> Response:
    """A provider whose leak sits behind a second metadata format, a set on the second page of
    ListSets, a resumption token, and GetRecord of an identifier only a later page lists (and
    of one only ListIdentifiers lists: the audit's two processes share those lists)."""
    q = request.query_params
    verb, token = q.get("verb"), q.get("resumptionToken")
    body = ""
    if verb == "ListMetadataFormats":
        body = "".join(f"<metadataFormat><metadataPrefix>{p}</metadataPrefix></metadataFormat>"
                       for p in ("oai_dc", "marc"))
    elif verb == "ListSets":
        body = ("<set><setSpec>public</setSpec></set><resumptionToken>s2</resumptionToken>" if not token
                else "<set><setSpec>special</setSpec></set><resumptionToken/>")
    elif verb in ("ListRecords", "ListIdentifiers"):
        if q.get("metadataPrefix") == "marc" and q.get("set") == "special":
            body = "<header><identifier>oai:x:one</identifier></header><resumptionToken>p2</resumptionToken>"
        elif token == "p2":
            body = "<header><identifier>oai:x:two</identifier></header><resumptionToken>p3</resumptionToken>"
        elif token == "p3":
            body = "<record><metadata>Morvendale</metadata></record><resumptionToken/>"
            if verb == "ListIdentifiers":  # an identifier only this list holds
                body = "<header><identifier>oai:x:three</identifier></header>" + body
    elif verb == "GetRecord" and q.get("identifier") in ("oai:x:two", "oai:x:three") and q.get("metadataPrefix") == "marc":
        body = "<record><metadata>Secret Legalname</metadata></record>"
    return Response(OAI.format(verb=verb, body=body), media_type="text/xml")


@pytest.mark.slow
def test_routes_added_to_the_app_are_walked_and_their_leaks_named(minimal):
    with_ledger(minimal.content_dir)
    shutil.copy(IMAGE, minimal.content_dir / "records" / "glasswing.png")
    (minimal.content_dir / "records" / "rec-glasswing.md").write_text(
        RECORD.replace("access: public", "access: restricted"))
    ingest(minimal)
    publish(minimal)
    report = audit(minimal, leaky_app(minimal))
    leaks = _leaks(report)
    # A new ledger endpoint, found in the route table, its {id} filled with every commitment id.
    assert _named(report, "API /api/commitments/com-staff/full", "glimmerfrost"), leaks
    # A served IIIF manifest, its {id} filled with record ids, hidden ones included.
    assert _named(report, "IIIF /iiif/rec-glasswing/manifest.json", "glasswing"), leaks
    # OAI-PMH: every format and set (the set on ListSets' second page), resumption tokens followed.
    assert _named(report, "OAI-PMH /oai?verb=ListRecords&resumptionToken=p3", "morvendale"), leaks
    assert _named(report, "OAI-PMH /oai?verb=ListIdentifiers&resumptionToken=p3", "morvendale"), leaks
    for identifier in ("two", "three"):
        assert _named(report, f"OAI-PMH /oai?verb=GetRecord&identifier=oai:x:{identifier}&metadataPrefix=marc",
                      "Secret Legalname"), leaks
    assert "API /api/broken answered 500" in report.failures


def test_a_public_route_the_audit_cannot_walk_stops_it_by_name(published_copy):
    minimal = published_copy  # the minimal archive, ingested and published
    app = create_app(minimal)
    app.router.routes.insert(0, Route("/api/pairs/{left}/{right}", lambda request: JSONResponse({})))
    with pytest.raises(UnwalkableRoute, match=r"/api/pairs/\{left\}/\{right\}"):
        audit(minimal, app)
    app = create_app(minimal)
    app.router.routes.insert(0, Mount("/files", StaticFiles(directory=minimal.home)))
    with pytest.raises(UnwalkableRoute, match="/files"):
        audit(minimal, app)
    # A mount serving part of the built site (wrapped, say to add headers) is read from disk.
    app = create_app(minimal)
    app.router.routes.insert(0, Mount("/iiif", app=Wrapped(StaticFiles(directory=minimal.public_dir / "iiif",
                                                                      check_dir=False))))
    assert audit(minimal, app).leaks == []


class Wrapped:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        await self.app(scope, receive, send)
