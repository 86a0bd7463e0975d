"""OHMS exports, read as they come from the tool: both generations, with or without namespace."""

from __future__ import annotations

import shutil

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from archive import models as m
from archive.access import Role, Viewer
from archive.catalog import Catalog
from archive.errors import ContentError
from archive.transcripts import INDEX, TranscriptSegment, segment_views
from ingest.pipeline import ingest
from ingest.readers.ohms import parse_sync, read_ohms
from publish.pipeline import publish
from server.app import create_app
from tests.helpers.archives import OHMS, TODAY

DUARTE = OHMS / "duarte_OH0344.xml"
SMALL_VTT = OHMS / "small-sample-vtt-ohms.xml"
EMPTY = OHMS / "empty_ohms.xml"
NAMESPACE = ' xmlns="https://www.weareavp.com/nunncenter/ohms"'

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<ROOT><record><title>&lol3;</title></record></ROOT>
"""


def test_sync_string_maps_transcript_lines_to_minutes():
    assert parse_sync("1:|13(3)|19(14)|27(9)") == {13: 60, 19: 120, 27: 180}
    assert parse_sync("2:|5(1)|5(9)|8(2)") == {5: 120, 8: 360}  # first stamp on a line wins
    assert parse_sync("") == {}


def test_a_5x_export_gives_metadata_index_segments_and_timed_speaker_turns():
    transcript = read_ohms(DUARTE, "duarte_OH0344.xml")
    assert transcript.format == "ohms-5" and transcript.warnings == []
    meta = transcript.meta
    assert meta["title"] == "Oral history interview with Ronald Duarte"
    assert meta["interviewee"] == ["Ronald Duarte"] and meta["interviewer"] == "David C. Brock"
    assert meta["accession"] == "OH0344" and meta["date"] == "2006-06-13"
    assert "Intel Corporation" in meta["subject"]
    index = [s for s in transcript.segments if s.kind == INDEX]
    assert len(index) == 7
    assert [(s.start_ms, s.end_ms) for s in index[:2]] == [(0, 212000), (212000, 573000)]
    assert index[1].title == "Growing up with Gordon Moore"
    assert index[0].keywords[:3] == ["Azores", "Gordon E. Moore", "Half Moon Bay"]
    assert index[0].synopsis.startswith("Pescadero. Portuguese heritage.")
    assert index[0].alt["_gps_text"] == "Pescadero, California"
    assert index[-1].end_ms is None
    turns = [s for s in transcript.segments if s.kind != INDEX]
    assert turns[0].speaker == "BROCK" and turns[0].start_ms == 0
    assert turns[0].text.startswith("This is an oral history interview with Ron Duarte")
    assert turns[1].speaker == "DUARTE" and turns[1].text == "On 7 May 1930."
    assert {t.speaker for t in turns} == {"BROCK", "DUARTE"}
    starts = [t.start_ms for t in turns]
    assert starts == sorted(starts) and starts[-1] >= 1600000  # the last minutes are reached
    assert turns[-1].text == "[END OF INTERVIEW]"


def test_a_6x_export_reads_its_webvtt_transcript_and_flags_bad_cues():
    transcript = read_ohms(SMALL_VTT, "small.xml")
    assert transcript.format == "ohms-6"
    assert [s.speaker for s in transcript.segments] == ["SCHNEIDER", "NAME OF INTERVIEWEE"] * 3
    fourth = transcript.segments[3]
    assert fourth.start_ms == 3638000 and fourth.end_ms == 3674000
    assert "\n\nOne day, we got lost" in fourth.text  # <br><br> kept as a paragraph break
    assert transcript.segments[-1].end_ms is None  # its end (00:00:00) preceded its start
    assert ["cue 6 (01:01:22.000 --> 00:00:00.000): the cue ends before it starts"] == [
        w.message.split(";")[0] for w in transcript.warnings]


def test_an_export_without_namespace_and_with_alt_fields_reads_the_same(tmp_path):
    text = DUARTE.read_text().replace(NAMESPACE, "")
    text = text.replace("<title_alt/>", "<title_alt>Infancia</title_alt>", 1)
    text = text.replace("<keywords_alt/>", "<keywords_alt>Azores;ganadería</keywords_alt>", 1)
    assert NAMESPACE not in text
    plain = tmp_path / "plain.xml"
    plain.write_text(text)
    transcript = read_ohms(plain, "plain.xml")
    assert len(transcript.segments) == len(read_ohms(DUARTE, "d.xml").segments)
    first = transcript.segments[0]
    assert first.alt["title"] == "Infancia" and first.alt["keywords"] == ["Azores", "ganadería"]
    [view] = [v for v in segment_views(
        [TranscriptSegment(narrative_id="nar-x", position=0, kind=INDEX, start_ms=0, title=first.title,
                           alt=first.alt)], str) if v["title"]]
    assert view["alt"] == {"title": "Infancia", "keywords": ["Azores", "ganadería"]}


def test_the_near_empty_export_ingests_as_a_staff_only_narrative(minimal, session_for):
    for sample in (DUARTE, SMALL_VTT, EMPTY):
        shutil.copy(sample, minimal.content_dir / "narratives" / sample.name)
    report = ingest(minimal)
    assert report.created["narrative"] == 10
    assert [str(w) for w in report.warnings] == [
        ("content/narratives/small-sample-vtt-ohms.xml:61: cue 6 (01:01:22.000 --> 00:00:00.000): "
        "the cue ends before it starts; its end is taken from the next cue")]
    with session_for(minimal) as session:
        empty = session.get(m.Narrative, "nar-empty-ohms")
        assert empty.title == "Oral history interview with Hubert N. Alyea" and empty.date == "XXXX"
        assert empty.access == "staff"
        duarte = session.get(m.Narrative, "nar-duarte-oh0344")
        assert duarte.narrator_name == "Ronald Duarte" and duarte.date == "2006-06-13"
        staff = Catalog(session, Viewer(Role.CURATOR), TODAY).narrative("nar-duarte-oh0344")
        assert staff["transcript_source"]["meta"]["accession"] == "OH0344"
        titled = [s for s in staff["segments"] if s["title"]]
        assert [s["time"] for s in titled][:3] == ["00:00:00", "00:03:32", "00:09:33"]
        assert "<strong>DUARTE:</strong> On 7 May 1930." in titled[0]["html"]
    publish(minimal)
    assert not (minimal.public_dir / "narratives/nar-duarte-oh0344").exists()
    with TestClient(create_app(minimal)) as client:  # no consent on file: never public
        assert client.get("/api/narratives/nar-duarte-oh0344").status_code == 404
        assert client.get("/api/search", params={"q": "Pescadero"}).json()["total"] == 0


def test_a_narrative_file_publishes_an_ohms_export_with_its_index(minimal, session_for):
    shutil.copy(DUARTE, minimal.content_dir / "narratives" / DUARTE.name)
    path = minimal.content_dir / "narratives/nar-a.md"
    path.write_text(path.read_text().replace("release: {signed: 2019-01-01}\n",
                                             f"release: {{signed: 2019-01-01}}\ntranscript: {DUARTE.name}\n"))
    report = ingest(minimal)
    assert report.created["narrative"] == 7  # the export named by nar-a is not a narrative of its own
    publish(minimal)
    page = (minimal.public_dir / "narratives/nar-a/index.html").read_text()
    assert 'id="t-00-03-32"' in page and "Growing up with Gordon Moore" in page
    assert "Keywords: Azores; Gordon E. Moore" in page
    with TestClient(create_app(minimal)) as client:
        hits = client.get("/api/search", params={"q": "Pescadero"}).json()
        # The narrative and its OHMS index segments are found, and nothing else.
        assert {h["id"].split("#")[0] for h in hits["hits"]} == {"nar-a"}
        assert any(h["type"] == "segment" and "#t-" in h["url"] for h in hits["hits"])
    with session_for(minimal) as session:
        kinds = session.exec(select(TranscriptSegment.kind).where(TranscriptSegment.narrative_id == "nar-a")).all()
    assert kinds.count(INDEX) == 7


@pytest.mark.parametrize(("content", "expected"), [
    (BILLION_LAUGHS, "refused: the XML declares entities or external references (EntitiesForbidden)"),
    ("<ROOT><record><title>Broken</record></ROOT>", "not well-formed XML: mismatched tag"),
    ("<mods><titleInfo/></mods>", "root element <mods> is not an OHMS export (expected <ROOT><record>…)"),
])
def test_hostile_or_wrong_xml_is_a_clear_error_and_changes_nothing(minimal, session_for, content, expected):
    ingest(minimal)
    (minimal.content_dir / "narratives" / "bad.xml").write_text(content)
    with pytest.raises(ContentError) as info:
        ingest(minimal)
    assert str(info.value).startswith("content/narratives/bad.xml")
    assert expected in str(info.value)
    with session_for(minimal) as session:
        assert session.get(m.Narrative, "nar-bad") is None
        assert len(session.exec(select(m.Narrative)).all()) == 7



def test_5x_footnotes_are_kept_apart_and_cited_by_number(tmp_path):
    text = DUARTE.read_text().replace(
        "DUARTE: On 7 May 1930.", "DUARTE: On 7 May 1930.[[footnote]]1[[/footnote]]").replace(
        "[END OF INTERVIEW]", "[END OF INTERVIEW]\n[[footnotes]][[note]]Birth date\nconfirmed.[[/note]][[/footnotes]]")
    path = tmp_path / "notes.xml"
    path.write_text(text)
    transcript = read_ohms(path, "notes.xml")
    assert transcript.meta["footnotes"] == ["Birth date confirmed."]
    turns = [s.text for s in transcript.segments if s.kind != INDEX]
    assert "On 7 May 1930.[1]" in turns and turns[-1] == "[END OF INTERVIEW]"
