"""OAI-PMH 2.0 at /oai: every verb and error, validated against the official schemas offline,
harvested whole by a real client library over real HTTP."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from sickle import Sickle
from sqlmodel import Session
from starlette.testclient import TestClient

from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.db import open_engine
from archive.settings import load_settings
from ingest.pipeline import ingest
from server.app import create_app
from tests.helpers.archives import copy_home, make_settings
from tests.helpers.oai import ID, NS, oai, texts
from tests.helpers.servers import live_server
from web.oai.dublin_core import NOT_XML, xml_chars
from web.oai.protocol import PAGE_SIZE

HIDDEN_WORDS = ["Zanzibarquux", "Quillobard", "Morvendale", "Tessarine", "Plumcourt", "Vantribble", "Legalname"]


@pytest.fixture(scope="module")
def archive(published_template, tmp_path_factory):
    """The minimal archive, published: nar-a public, nar-b and nar-g withdrawn, others hidden."""
    return copy_home(published_template, tmp_path_factory.mktemp("oai"))


@pytest.fixture(scope="module")
def client(archive):
    with TestClient(create_app(archive)) as client:
        yield client


def error_code(document) -> str | None:
    found = document.find("o:error", NS)
    return None if found is None else found.get("code")


def test_the_base_url_is_the_configured_one_whatever_host_a_caller_sends(client, oai_schema):
    response = client.get("/oai", params={"verb": "Identify"}, headers={"Host": "evil.example"})
    assert response.status_code == 200
    doc = etree.fromstring(response.content)
    assert oai_schema.validate(doc)
    assert doc.findtext("o:Identify/o:baseURL", namespaces=NS) == "http://127.0.0.1:8000/oai"
    assert "evil.example" not in etree.tostring(doc, encoding="unicode")


def test_identify_describes_the_repository(client, oai_schema):
    doc = oai(client, oai_schema, verb="Identify")
    identify = doc.find("o:Identify", NS)
    assert identify.findtext("o:baseURL", namespaces=NS) == "http://127.0.0.1:8000/oai"  # the configured base URL
    assert identify.findtext("o:protocolVersion", namespaces=NS) == "2.0"
    assert identify.findtext("o:deletedRecord", namespaces=NS) == "persistent"
    assert identify.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert identify.findtext("o:adminEmail", namespaces=NS) == "archive@example.org"
    assert doc.find("o:request", NS).get("verb") == "Identify"


def test_formats_and_sets(client, oai_schema):
    doc = oai(client, oai_schema, verb="ListMetadataFormats")
    assert texts(doc, ".//o:metadataPrefix") == ["oai_dc"]
    doc = oai(client, oai_schema, verb="ListMetadataFormats", identifier=ID + "rec-2008-apology")
    assert texts(doc, ".//o:metadataPrefix") == ["oai_dc"]
    specs = texts(oai(client, oai_schema, verb="ListSets"), ".//o:setSpec")
    assert {"type", "type:record", "type:narrative", "type:harm", "type:timeline", "harm_type",
            "harm_type:ht-exclusion"} <= set(specs)


def test_public_records_carry_dublin_core_and_hidden_ones_are_not_listed(client, oai_schema):
    doc = oai(client, oai_schema, verb="ListRecords", metadataPrefix="oai_dc")
    live = {h.findtext("o:identifier", namespaces=NS) for h in doc.iterfind(".//o:header", NS)
            if h.get("status") is None}
    deleted = {h.findtext("o:identifier", namespaces=NS) for h in doc.iterfind(".//o:header", NS)
               if h.get("status") == "deleted"}
    assert live == {ID + i for i in ("rec-2008-apology", "nar-a", "harm-exclusion", "tl-a")}
    assert deleted == {ID + "nar-b", ID + "nar-g"}
    text = etree.tostring(doc, encoding="unicode")
    for word in HIDDEN_WORDS:
        assert word not in text, word
    record = next(r for r in doc.iterfind(".//o:record", NS)
              if r.findtext("o:header/o:identifier", namespaces=NS) == ID + "rec-2008-apology")
    dc = record.find("o:metadata/oai_dc:dc", NS)
    assert dc.findtext("dc:title", namespaces=NS) == "The AMA apologizes"
    assert "American Medical Association" in texts(dc, "dc:creator")
    assert "http://127.0.0.1:8000/records/rec-2008-apology/" in texts(dc, "dc:identifier")
    harm = oai(client, oai_schema, verb="GetRecord", metadataPrefix="oai_dc", identifier=ID + "harm-exclusion")
    assert "http://127.0.0.1:8000/records/rec-2008-apology/" in texts(harm, ".//dc:relation")
    assert "harm_type:ht-exclusion" in texts(harm, ".//o:setSpec")


def test_withdrawn_narratives_are_deleted_records_with_nothing_of_their_content(client, oai_schema):
    for object_id, word in (("nar-b", "Zanzibarquux"), ("nar-g", "Vantribble")):
        doc = oai(client, oai_schema, verb="GetRecord", metadataPrefix="oai_dc", identifier=ID + object_id)
        header = doc.find(".//o:header", NS)
        assert header.get("status") == "deleted"
        assert doc.find(".//o:metadata", NS) is None
        assert texts(header, "o:setSpec") == ["type:narrative"]
        assert word not in etree.tostring(doc, encoding="unicode")


@pytest.mark.parametrize("object_id", ["nar-c", "nar-d", "nar-e", "nar-f", "nar-zzz", "rec-nope"])
def test_hidden_and_unknown_items_are_indistinguishable(client, oai_schema, object_id):
    for verb, extra in (("GetRecord", {"metadataPrefix": "oai_dc"}), ("ListMetadataFormats", {})):
        doc = oai(client, oai_schema, verb=verb, identifier=ID + object_id, **extra)
        assert error_code(doc) == "idDoesNotExist"
        assert doc.findtext("o:error", namespaces=NS) == f"no item '{ID}{object_id}' in this repository"


@pytest.mark.parametrize(("params", "code"), [
    ({}, "badVerb"),
    ({"verb": "Harvest"}, "badVerb"),
    ({"verb": ["Identify", "Identify"]}, "badVerb"),
    ({"verb": "Identify", "set": "type"}, "badArgument"),
    ({"verb": "ListRecords"}, "badArgument"),
    ({"verb": "GetRecord", "identifier": ID + "rec-2008-apology"}, "badArgument"),
    ({"verb": "ListIdentifiers", "metadataPrefix": ["oai_dc", "oai_dc"]}, "badArgument"),
    ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": "2020-13-45"}, "badArgument"),
    ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
    ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": "2020-01-01",
      "until": "2021-01-01T00:00:00Z"}, "badArgument"),
    ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": "2021-01-01", "until": "2020-01-01"},
     "badArgument"),
    ({"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "oai_dc"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
    ({"verb": "GetRecord", "metadataPrefix": "mods", "identifier": ID + "rec-2008-apology"},
     "cannotDisseminateFormat"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2999-01-01"}, "noRecordsMatch"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "1999-01-01"}, "noRecordsMatch"),
    ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "harm_type:ht-nothing"}, "noRecordsMatch"),
    ({"verb": "ListIdentifiers", "resumptionToken": "not-a-token"}, "badResumptionToken"),
    ({"verb": "ListSets", "resumptionToken": "anything"}, "badResumptionToken"),
])
def test_every_protocol_error_is_reported_and_valid(client, oai_schema, params, code):
    doc = oai(client, oai_schema, **params)
    assert error_code(doc) == code
    assert doc.findtext("o:error", namespaces=NS).strip()
    assert doc.find("o:ListRecords", NS) is None and doc.find("o:ListIdentifiers", NS) is None
    if code in ("badVerb", "badArgument"):
        assert dict(doc.find("o:request", NS).attrib) == {}  # the protocol asks for no echo


def test_sets_select_by_type_and_harm_type(client, oai_schema):
    doc = oai(client, oai_schema, verb="ListIdentifiers", metadataPrefix="oai_dc", set="type:narrative")
    assert texts(doc, ".//o:identifier") == [ID + "nar-a", ID + "nar-b", ID + "nar-g"]
    doc = oai(client, oai_schema, verb="ListIdentifiers", metadataPrefix="oai_dc", set="harm_type:ht-exclusion")
    assert texts(doc, ".//o:identifier") == [ID + "harm-exclusion"]
    doc = oai(client, oai_schema, verb="ListIdentifiers", metadataPrefix="oai_dc", set="type")
    assert len(texts(doc, ".//o:identifier")) == 6


SPEC_PART = st.text(alphabet="ab-", min_size=1, max_size=3)
SPEC = st.lists(SPEC_PART, min_size=1, max_size=3).map(":".join)


@given(st.lists(st.lists(SPEC, max_size=4), max_size=8), st.lists(SPEC, max_size=6))
def test_a_set_s_headers_are_those_the_rule_finds_in_it(sets, asked):
    """Each set's list is read from the headers indexed by set once (`by_set`), not filtered
    from every header: for any sets (nested with `:`, prefixes of one another's parts, as
    `a` is of `ab`), the headers indexed under a spec are, in order, those `_in_set` finds in it."""
    from datetime import datetime

    from web.oai.protocol import Header, _in_set, by_set

    headers = [Header(f"o{n}", "record", datetime(2000, 1, 1), False, tuple(specs)) for n, specs in enumerate(sets)]
    indexed = by_set(headers)
    for spec in {*asked, *(s for specs in sets for s in specs)}:
        assert indexed.get(spec, []) == [h for h in headers if _in_set(h, spec)]


def test_post_is_answered_like_get(client, oai_schema):
    response = client.post("/oai", data={"verb": "GetRecord", "metadataPrefix": "oai_dc",
                                         "identifier": ID + "rec-2008-apology"})
    doc = etree.fromstring(response.content)
    assert oai_schema.validate(doc), oai_schema.error_log
    assert doc.findtext(".//dc:title", namespaces=NS) == "The AMA apologizes"
    put = client.put("/oai", content=b"verb=Identify")
    assert put.status_code == 405 and put.headers["allow"] == "GET, HEAD, POST, OPTIONS"
    assert client.options("/oai").status_code == 204


def test_date_selective_harvesting_uses_datestamps(client, oai_schema):
    doc = oai(client, oai_schema, verb="ListIdentifiers", metadataPrefix="oai_dc")
    stamps = sorted(set(texts(doc, ".//o:datestamp")))
    assert all(len(s) == 20 and s.endswith("Z") for s in stamps)
    first = stamps[0]
    same = oai(client, oai_schema, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": first, "until": first})
    assert set(texts(same, ".//o:datestamp")) == {first}
    day = first[:10]
    whole_day = oai(client, oai_schema, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": day, "until": day})
    assert len(texts(whole_day, ".//o:identifier")) == 6


def test_an_embargo_that_lifts_is_harvested_as_changed_that_day(archive, oai_schema, session_for):
    later = make_settings(archive.home, archive.content_dir, today=date(2045, 1, 2))
    with TestClient(create_app(later)) as client:
        doc = oai(client, oai_schema, verb="ListRecords", metadataPrefix="oai_dc", **{"from": "2045-01-01"})
        assert texts(doc, ".//o:identifier") == [ID + "nar-c"]
        assert texts(doc, ".//o:datestamp") == ["2045-01-01T00:00:00Z"]
        assert "Quillobard" in etree.tostring(doc, encoding="unicode")


def test_a_removed_public_record_becomes_a_deleted_record(minimal, oai_schema):
    ingest(minimal)
    with TestClient(create_app(minimal)) as client:
        before = oai(client, oai_schema, verb="ListIdentifiers", metadataPrefix="oai_dc")
        assert ID + "tl-a" in texts(before, ".//o:identifier")
        (minimal.content_dir / "timelines" / "tl-a.md").unlink()
        (minimal.content_dir / "narratives" / "nar-d.md").unlink()  # staff only: never known publicly
        ingest(minimal, prune=True)  # while the server runs: the next answer must already know
        doc = oai(client, oai_schema, verb="ListIdentifiers", metadataPrefix="oai_dc")
        deleted = [h.findtext("o:identifier", namespaces=NS) for h in doc.iterfind(".//o:header", NS)
                   if h.get("status") == "deleted"]
        assert deleted == [ID + "nar-b", ID + "nar-g", ID + "tl-a"]
        assert "nar-d" not in etree.tostring(doc, encoding="unicode")


@pytest.mark.slow
def test_sickle_harvests_the_whole_public_sample_over_http(sample, oai_schema):
    engine = open_engine(sample)
    with Session(engine) as session:
        catalog = Catalog(session, PUBLIC, sample.today())
        public = {ID + i for kind in ("record", "narrative", "harm", "timeline") for i in catalog.visible_ids(kind)}
        withdrawn = {ID + t["id"] for t in catalog.tombstones()}
    engine.dispose()
    assert len(public) > PAGE_SIZE  # so the harvest must follow resumption tokens
    with live_server(sample) as base:
        sickle = Sickle(base + "/oai", max_retries=0, timeout=30)
        assert sickle.Identify().repositoryName == "Reckoning archive"
        records = list(sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
        identifiers = [h.identifier for h in sickle.ListIdentifiers(metadataPrefix="oai_dc")]
        sets = {s.setSpec for s in sickle.ListSets()}
    live = {r.header.identifier for r in records if not r.header.deleted}
    gone = {r.header.identifier for r in records if r.header.deleted}
    assert live == public and gone == withdrawn
    assert len(records) == len(identifiers) == len(set(identifiers))
    assert all(r.metadata["title"] for r in records if not r.header.deleted)
    assert {"type:record", "type:harm"} <= sets


def test_a_harvested_object_s_harm_types_are_its_summary_s(sample):
    """OAI-PMH's harm-type sets come from `Catalog.changes`, read in its pass over the rows,
    not from every summary of the kind: for every object the public sees, the same harm types
    as its summary lists, in the same order; none for a deleted one."""
    from web.oai.protocol import HARVESTED_KINDS

    engine = open_engine(sample)
    try:
        with Session(engine) as session:
            catalog = Catalog(session, PUBLIC, sample.today())
            compared = 0
            for kind in HARVESTED_KINDS:
                summaries = {s["id"]: s["harm_types"] for s in catalog.summaries(kind)}
                changes = catalog.changes(kind)
                assert {c["id"] for c in changes if not c["deleted"]} == set(summaries)
                for change in changes:
                    assert change["harm_types"] == ([] if change["deleted"] else summaries[change["id"]])
                    compared += bool(change["harm_types"])
    finally:
        engine.dispose()
    assert compared  # the sample has objects with harm types, so something was compared


def test_resumption_tokens_page_through_the_sample(sample, oai_schema):
    with TestClient(create_app(sample)) as client:
        doc = oai(client, oai_schema, verb="ListIdentifiers", metadataPrefix="oai_dc")
        seen = texts(doc, ".//o:identifier")
        token = doc.find(".//o:resumptionToken", NS)
        total = int(token.get("completeListSize"))
        assert len(seen) == PAGE_SIZE < total and token.get("cursor") == "0" and token.text
        while token is not None and token.text:
            doc = oai(client, oai_schema, verb="ListIdentifiers", resumptionToken=token.text)
            assert int(doc.find(".//o:resumptionToken", NS).get("cursor")) == len(seen)
            seen += texts(doc, ".//o:identifier")
            token = doc.find(".//o:resumptionToken", NS)
        assert token is not None and not token.text  # the last page ends the list with an empty token
        assert len(seen) == len(set(seen)) == total and seen == sorted(seen)
        records = oai(client, oai_schema, verb="ListRecords", metadataPrefix="oai_dc", set="type:record")
        assert all(i.startswith(ID + "rec-") for i in texts(records, ".//o:header/o:identifier"))
        assert len(records.findall(".//oai_dc:dc", NS)) == len(records.findall(".//o:record", NS))


def test_the_archive_names_itself_from_settings(archive, oai_schema):
    named = load_settings(home=archive.home, environ={"RECKON_ARCHIVE_NAME": "County Medical Archive",
                                                      "RECKON_ADMIN_EMAIL": "keeper@county.example",
                                                      "RECKON_OAI_ID": "archive.county.example"},
                          content_dir=archive.content_dir, today_override=archive.today_override,
                          database_url=archive.database_url)
    with TestClient(create_app(named)) as client:
        identify = oai(client, oai_schema, verb="Identify")
        assert identify.findtext(".//o:repositoryName", namespaces=NS) == "County Medical Archive"
        assert identify.findtext(".//o:adminEmail", namespaces=NS) == "keeper@county.example"
        doc = oai(client, oai_schema, verb="GetRecord", metadataPrefix="oai_dc",
                  identifier="oai:archive.county.example:rec-2008-apology")
        assert doc.findtext(".//dc:publisher", namespaces=NS) == "County Medical Archive"


def test_a_record_kept_from_one_list_is_the_record_every_other_list_and_get_record_give(sample, oai_schema):
    """Records are made once per store generation and kept (web.oai.protocol.Kept): the copy a
    set's list or GetRecord gives is the record the whole list made, byte for byte, and a
    repository keeping none makes the same."""
    def records(doc) -> dict[str, bytes]:
        return {r.findtext("o:header/o:identifier", namespaces=NS): etree.tostring(r, with_tail=False)
                for r in doc.findall(".//o:record", NS)}

    with TestClient(create_app(sample)) as client:
        whole = records(oai(client, oai_schema, verb="ListRecords", metadataPrefix="oai_dc"))
        harms = records(oai(client, oai_schema, verb="ListRecords", metadataPrefix="oai_dc", set="type:harm"))
        assert harms and all(whole.get(i, b"") == r for i, r in harms.items() if i in whole)
        first = next(iter(whole))
        again = records(oai(client, oai_schema, verb="GetRecord", metadataPrefix="oai_dc", identifier=first))
        assert again == {first: whole[first]}
    with TestClient(create_app(sample)) as fresh:  # nothing kept yet: made one by one
        alone = records(oai(fresh, oai_schema, verb="GetRecord", metadataPrefix="oai_dc", identifier=first))
        assert alone == {first: whole[first]}


def test_dublin_core_is_the_same_whether_plain_bodies_are_rendered_or_given_as_text(sample):
    """OAI-PMH's catalog gives a body without Markdown markup as its text, unrendered
    (`Catalog.prose_as_html`): Dublin Core takes only a view's text, never its HTML, so every
    harvested object's `<oai_dc:dc>` is byte for byte the one a rendered view gives."""
    from web.oai.dublin_core import oai_dc
    from web.oai.protocol import HARVESTED_KINDS

    engine = open_engine(sample)
    try:
        with Session(engine) as session:
            rendered = Catalog(session, PUBLIC, sample.today())
            plain = Catalog(session, PUBLIC, sample.today())
            plain.prose_as_html = True
            compared = 0
            for kind in HARVESTED_KINDS:
                for a, b in zip(rendered.all(kind), plain.all(kind), strict=True):
                    compared += kind == "record" and a["body_html"] != b["body_html"]  # given as text
                    assert etree.tostring(oai_dc(a, str, "Archive")) == etree.tostring(oai_dc(b, str, "Archive"))
    finally:
        engine.dispose()
    assert compared  # the sample has plain bodies, so the two ways were compared


# The characters on the edges: those XML cannot carry, those it can beside them (tab, line breaks,
# DEL, U+FFFD), and characters of two, three and four bytes in UTF-8.
EDGES = list("\x00\x08\t\n\x0b\x0c\r\x1f a\x7f\x80é–\ufffd\ufffe\uffff\U0001f600")


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(EDGES), st.characters()), max_size=30).map("".join))
def test_a_value_loses_just_the_characters_xml_cannot_carry(value):
    """`xml_chars` asks the value's bytes before it runs the pattern: what it gives is the pattern's."""
    assert xml_chars(value) == NOT_XML.sub("", value)
