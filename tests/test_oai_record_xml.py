"""OAI-PMH's records and headers written as text (`web.oai.record_xml`) are byte for byte what
lxml writes for the same element trees (`Repository.record_element`, `header_element`), for
any values: markup characters, carriage returns, characters XML cannot carry, any script."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from web.oai.protocol import Header, Kept, Repository, serialised

VALUE = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["", " ", "a & b", "<b>x</b>", "]]>", "line\r\nbreak", "\x00\x1f ctl", "\ufffe\uffff", "tab\there", "é 😀"])
REF = st.fixed_dictionaries({"id": VALUE, "name": VALUE, "label": VALUE})
DATE = st.none() | st.fixed_dictionaries({"edtf": VALUE})


@dataclass
class _Settings:
    oai_repository_id: str = "example.org"
    archive_name: str = "Archive & Co <test>"


def repository() -> Repository:
    repo = Repository.__new__(Repository)
    repo.settings, repo.site_root, repo.kept = _Settings(), "https://example.org/site", Kept()
    return repo


VIEWS = {
    "record": st.fixed_dictionaries({
        "type": st.just("record"), "title": VALUE, "creators": st.lists(REF, max_size=2),
        "subjects": st.lists(REF, max_size=2), "text": VALUE, "date": DATE, "record_type": VALUE,
        "source": VALUE, "language": VALUE, "rights": VALUE, "source_url": VALUE | st.just("/x/"),
        "url": st.just("/records/r/")}),
    "narrative": st.fixed_dictionaries({
        "type": st.just("narrative"), "title": VALUE, "narrator": VALUE, "interviewer": VALUE,
        "harm_types": st.lists(REF, max_size=2), "summary": VALUE, "fictional": st.booleans(), "date": DATE,
        "place": VALUE, "coverage_date": DATE, "language": VALUE, "credit": VALUE, "url": st.just("/narratives/n/")}),
    "harm": st.fixed_dictionaries({
        "type": st.just("harm"), "title": VALUE, "harm_types": st.lists(REF, max_size=2),
        "affected_groups": st.lists(REF, max_size=2), "text": VALUE, "responsible": st.lists(REF, max_size=2),
        "status_label": VALUE, "date": DATE,
        "evidence": st.lists(st.fixed_dictionaries({"source": st.fixed_dictionaries({"url": VALUE})}), max_size=2),
        "url": st.just("/harms/h/")}),
    "timeline": st.fixed_dictionaries({"type": st.just("timeline"), "title": VALUE, "summary": VALUE, "text": VALUE,
                                       "url": st.just("/timelines/t/")}),
}
HEADER = st.builds(Header, st.from_regex(r"[a-z0-9][a-z0-9.-]{0,20}", fullmatch=True), st.sampled_from(list(VIEWS)),
                   st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)), st.booleans(),
                   st.lists(st.from_regex(r"[a-z_]{1,8}(:[a-z0-9-]{1,8})?", fullmatch=True), max_size=3).map(tuple))


@settings(max_examples=400, deadline=None)
@given(HEADER, st.data())
def test_a_record_written_as_text_is_what_lxml_writes(header, data):
    view = data.draw(VIEWS[header.kind])
    repo = repository()
    header = Header(header.object_id, header.kind, header.datestamp.replace(microsecond=0), header.deleted, header.sets)
    written = repo.record_xml(header, view)
    assert written == serialised(repo.record_element(header, view))
    etree.fromstring(written)  # well-formed, whatever the values held


@settings(max_examples=200, deadline=None)
@given(HEADER)
def test_a_header_written_as_text_is_what_lxml_writes(header):
    repo = repository()
    header = Header(header.object_id, header.kind, header.datestamp.replace(microsecond=0), header.deleted, header.sets)
    assert repo.header_bytes([header]) == [serialised(repo.header_element(header, alone=True))]


def test_the_records_of_a_harvest_are_those_asked_for_one_by_one(sample):
    """Every record a harvest of the sample is answered (made a page at a time, and kept) is,
    byte for byte, the record a new process answers GetRecord with."""
    from starlette.testclient import TestClient

    from server.app import create_app
    from tests.helpers.oai import NS

    def records(page: bytes) -> list[etree._Element]:
        return etree.fromstring(page).findall(".//o:record", NS)

    listed: list[etree._Element] = []
    with TestClient(create_app(sample)) as client:
        page = client.get("/oai", params={"verb": "ListRecords", "metadataPrefix": "oai_dc"}).content
        while True:
            listed += records(page)
            token = etree.fromstring(page).findtext(".//o:resumptionToken", namespaces=NS)
            if not token:
                break
            page = client.get("/oai", params={"verb": "ListRecords", "resumptionToken": token}).content
    assert len(listed) > 50  # more than a page
    with TestClient(create_app(sample)) as client:
        for record in listed:
            identifier = record.findtext("o:header/o:identifier", namespaces=NS)
            alone = records(client.get("/oai", params={"verb": "GetRecord", "metadataPrefix": "oai_dc",
                                                       "identifier": identifier}).content)
            assert [etree.tostring(r, with_tail=False) for r in alone] == [etree.tostring(record, with_tail=False)], identifier
