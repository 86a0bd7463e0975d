"""WebVTT and SRT transcripts of narratives: read, stored as segments, shown by time."""

from __future__ import annotations

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from archive import models as m
from archive.access import Role, Viewer
from archive.catalog import Catalog
from archive.errors import ContentError
from archive.transcripts import TranscriptSegment
from ingest.pipeline import ingest
from ingest.readers.transcripts import read_caption_file
from publish.pipeline import publish
from server.app import create_app
from tests.helpers.archives import TODAY

# Untidy on purpose, as real transcripts are: a cue without a speaker, <br> inside a cue, an
# entity, a cue whose end precedes its start and a zero-length cue.
MESSY_VTT = """WEBVTT

NOTE made by a captioning tool

00:00:01.000 --> 00:00:04.500
<v Interviewer>Where did you train?

00:00:04.500 --> 00:00:09.000
<v.loud Dr. Q>At a school attached to a Black hospital.<br>We boiled, folded &amp; mended everything.

00:00:09.000 --> 00:00:12.000
Everything, twice.

00:01:10.000 --> 00:00:05.000
<v Interviewer>And after that?

00:01:20.000 --> 00:01:20.000
<v Dr. Q>The county hospital.

00:01:25.000 --> 00:01:30.000
It opened in 1954.
"""

SRT = """1
00:00:01,000 --> 00:00:03,000
INTERVIEWER: Who were the doctors?

2
00:00:03,500 --> 00:00:06,000
DR. Q: White doctors, all of them.

3
00:00:06,000 --> 00:00:08,250
The two Black physicians could not get on the staff.
"""


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def attach(settings, name: str, text: str) -> None:
    """Give the public narrative nar-a a transcript file named in its front matter."""
    write(settings.content_dir / "narratives" / name, text)
    path = settings.content_dir / "narratives/nar-a.md"
    path.write_text(path.read_text().replace("release: {signed: 2019-01-01}\n",
                                             f"release: {{signed: 2019-01-01}}\ntranscript: {name}\n"))


def test_webvtt_cues_become_segments_with_speakers_carried_forward(tmp_path):
    transcript = read_caption_file(write(tmp_path / "t.vtt", MESSY_VTT), "narratives/t.vtt")
    assert transcript.format == "webvtt"
    rows = [(s.start_ms, s.end_ms, s.speaker, s.text) for s in transcript.segments]
    assert rows == [
        (1000, 4500, "Interviewer", "Where did you train?"),
        (4500, 9000, "Dr. Q", "At a school attached to a Black hospital.\nWe boiled, folded & mended everything."),
        (9000, 12000, "Dr. Q", "Everything, twice."),
        (70000, 80000, "Interviewer", "And after that?"),  # end repaired from the next cue
        (80000, 85000, "Dr. Q", "The county hospital."),
        (85000, 90000, "Dr. Q", "It opened in 1954."),
    ]
    messages = [str(w) for w in transcript.warnings]
    assert messages == [
        ("narratives/t.vtt:14: cue 4 (00:01:10.000 --> 00:00:05.000): the cue ends before it starts; "
        "its end is taken from the next cue"),
        "narratives/t.vtt:17: cue 5 (00:01:20.000 --> 00:01:20.000): zero-length cue; its end is taken from the next cue",
    ]


def test_srt_speaker_labels_are_read_from_name_prefixes(tmp_path):
    transcript = read_caption_file(write(tmp_path / "t.srt", SRT), "t.srt")
    assert [(s.start_ms, s.speaker, s.text) for s in transcript.segments] == [
        (1000, "INTERVIEWER", "Who were the doctors?"),
        (3500, "DR. Q", "White doctors, all of them."),
        (6000, "DR. Q", "The two Black physicians could not get on the staff."),
    ]
    assert transcript.warnings == []


def test_a_narrative_transcript_is_stored_and_shown_by_time(minimal, session_for):
    attach(minimal, "nar-a.vtt", MESSY_VTT)
    report = ingest(minimal)
    assert len(report.warnings) == 2 and "nar-a.vtt:14: cue 4" in str(report.warnings[0])
    with session_for(minimal) as session:
        stored = session.exec(select(TranscriptSegment).where(TranscriptSegment.narrative_id == "nar-a")).all()
        assert len(stored) == 6
        view = Catalog(session, today=TODAY).narrative("nar-a")
    timed = [s for s in view["segments"] if s["start_ms"] and s["start_ms"] >= 1000 and not s["title"]]
    assert [(s["time"], s["speaker"], s["end_ms"]) for s in timed[:2]] == [
        ("00:00:01", "Interviewer", 4500), ("00:00:04", "Dr. Q", 9000)]
    assert "<br>" in timed[1]["html"] and "folded &amp; mended" in timed[1]["html"]
    assert timed[1]["text"].startswith("Dr. Q: At a school")
    assert "Everything, twice." in view["text"]
    publish(minimal)
    page = (minimal.public_dir / "narratives/nar-a/index.html").read_text()
    assert 'id="t-00-00-04"' in page and 'id="t-00-01-20"' in page
    assert page.count('id="t-00-00-00"') == 1  # the Markdown body's segment keeps its anchor
    with TestClient(create_app(minimal)) as client:
        segments = client.get("/api/narratives/nar-a").json()["segments"]
        assert {"time", "title", "html", "text", "speaker", "start_ms", "end_ms"} <= set(segments[-1])
        assert client.get("/api/search", params={"q": "folded"}).json()["total"] == 1


def test_a_changed_transcript_file_updates_its_narrative(minimal, session_for):
    attach(minimal, "nar-a.srt", SRT)
    ingest(minimal)
    assert not ingest(minimal).changed
    write(minimal.content_dir / "narratives/nar-a.srt", SRT.replace("all of them", "every one of them"))
    report = ingest(minimal)
    assert report.updated["narrative"] == 1
    with session_for(minimal) as session:
        texts = session.exec(select(TranscriptSegment.text).where(TranscriptSegment.narrative_id == "nar-a")).all()
    assert "White doctors, every one of them." in texts and len(texts) == 3


def test_a_missing_or_broken_transcript_is_an_error_and_changes_nothing(minimal, session_for):
    ingest(minimal)
    attach(minimal, "nar-a.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nfine\n")
    (minimal.content_dir / "narratives/nar-a.vtt").unlink()
    with pytest.raises(ContentError) as info:
        ingest(minimal)
    assert str(info.value).startswith("content/narratives/nar-a.md:10: field 'transcript': no transcript file 'nar-a.vtt'")
    write(minimal.content_dir / "narratives/nar-a.vtt", "not a caption file\n")
    with pytest.raises(ContentError) as info:
        ingest(minimal)
    assert "content/narratives/nar-a.vtt:1: cannot read the webvtt transcript" in str(info.value)
    assert "expected a WebVTT file starting with 'WEBVTT'" in str(info.value)
    with session_for(minimal) as session:
        assert session.exec(select(TranscriptSegment)).all() == []
        assert session.get(m.Narrative, "nar-a").content_hash  # the earlier ingest stands


def test_strict_turns_transcript_warnings_into_errors(minimal):
    attach(minimal, "nar-a.vtt", MESSY_VTT)
    with pytest.raises(ContentError) as info:
        ingest(minimal, strict=True)
    assert "zero-length cue" in str(info.value)


def test_staff_see_where_the_transcript_came_from(minimal, session_for):
    attach(minimal, "nar-a.srt", SRT)
    ingest(minimal)
    with session_for(minimal) as session:
        staff = Catalog(session, Viewer(Role.CURATOR), TODAY).narrative("nar-a")
        public = Catalog(session, today=TODAY).narrative("nar-a")
    assert staff["transcript_source"]["format"] == "srt"
    assert staff["transcript_source"]["path"] == "content/narratives/nar-a.srt"
    assert "transcript_source" not in public


def test_a_transcript_outside_the_content_folder_or_named_by_nobody_is_reported(minimal, tmp_path):
    write(tmp_path / "elsewhere.vtt", "WEBVTT\n")
    write(minimal.content_dir / "narratives/stray.srt", SRT)
    path = minimal.content_dir / "narratives/nar-a.md"
    path.write_text(path.read_text().replace("release: {signed: 2019-01-01}\n",
                                             "release: {signed: 2019-01-01}\ntranscript: ../../elsewhere.vtt\n"))
    with pytest.raises(ContentError) as info:
        ingest(minimal)
    assert str(info.value) == ("content/narratives/nar-a.md:10: field 'transcript': '../../elsewhere.vtt' is "
                               "outside the content folder (expected a file next to this one)")
    path.write_text(path.read_text().replace("transcript: ../../elsewhere.vtt\n", ""))
    report = ingest(minimal)
    assert [str(w) for w in report.warnings] == [
        ("content/narratives/stray.srt: no narrative names this transcript "
        "(expected `transcript: stray.srt` in a narrative's front matter)")]


def test_a_harm_may_quote_a_narrative_transcript_word_for_word(minimal):
    attach(minimal, "nar-a.srt", SRT)
    harm = minimal.content_dir / "harms/harm-exclusion.md"
    harm.write_text(harm.read_text().replace(
        "accountability:", '  - narrative: nar-a\n    quote: "could not get on the staff"\naccountability:'))
    ingest(minimal)
    harm.write_text(harm.read_text().replace("could not get on the staff", "could not get on the board"))
    with pytest.raises(ContentError) as info:
        ingest(minimal)
    assert "field 'evidence[1].quote': quotation not found word for word" in str(info.value)
