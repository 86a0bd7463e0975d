"""Transcript and OHMS problems name the line to fix, like every other ingest message.

The fixtures in tests/fixtures/transcripts/ are untidy the way hand-edited caption files and
OHMS exports are: a cue whose timings cannot be read (webvtt-py leaves such a cue out without a
word), a cue with no text, one that ends before it starts, a zero-length one, an index point
whose time is not seconds, and 5.x sync stamps that are not `line(word)`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from archive import models as m
from archive.errors import ContentError
from archive.transcripts import INDEX, TranscriptSegment
from ingest.pipeline import ingest
from ingest.readers.ohms import read_ohms
from ingest.readers.transcripts import read_caption_file
from reckon.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "transcripts"


def messages(transcript) -> list[str]:
    return [str(w) for w in transcript.warnings]


def test_webvtt_warnings_name_the_line_of_each_cue_and_report_cues_webvtt_py_dropped():
    transcript = read_caption_file(FIXTURES / "untidy.vtt", "narratives/untidy.vtt")
    assert messages(transcript) == [
        ("narratives/untidy.vtt:12: cue timings '00:00:04.000 --> 00:00:0x.500' could not be read; "
         "the cue is left out (expected 'HH:MM:SS.mmm --> HH:MM:SS.mmm')"),
        ("narratives/untidy.vtt:24: cue 4 (00:00:20.000 --> 00:00:15.000): the cue ends before it starts; "
         "its end is taken from the next cue"),
        "narratives/untidy.vtt:28: cue 5 (00:00:25.000 --> 00:00:25.000): zero-length cue; its end is taken from the next cue",
        "narratives/untidy.vtt:32: cue 6 (00:00:30.000 --> 00:00:33.000): empty cue skipped",
    ]
    # The readable cues are all kept, the short `mm:ss.ttt` form and cue settings included.
    assert [(s.start_ms, s.end_ms) for s in transcript.segments] == [
        (1000, 4000), (9000, 12000), (14000, 16000), (20000, 25000), (25000, 34000), (34000, 40000)]


def test_srt_warnings_name_the_line_with_windows_line_ends():
    transcript = read_caption_file(FIXTURES / "untidy.srt", "untidy.srt")
    assert messages(transcript) == [
        ("untidy.srt:6: cue timings '00:00:03,500 --> 00:00:06;000' could not be read; the cue is left out "
         "(expected 'HH:MM:SS,mmm --> HH:MM:SS,mmm')"),
        ("untidy.srt:10: cue '00:00:06,000 --> 00:00:08,250' has no text or no blank line before it; "
         "it is left out (expected the cue text on the lines after its timings)"),
        "untidy.srt:13: cue 2 (00:00:09.000 --> 00:00:09.000): zero-length cue; its end is taken from the next cue",
    ]
    assert [s.text for s in transcript.segments] == [
        "Who sat on the committee?", "None of them had met me.", "Did you write to them?"]


def test_a_caption_file_webvtt_py_refuses_is_an_error_on_its_first_line(tmp_path):
    path = tmp_path / "t.vtt"
    path.write_text("Kind: captions\n\n00:00:01.000 --> 00:00:02.000\nhello\n")
    with pytest.raises(ContentError) as info:
        read_caption_file(path, "t.vtt")
    assert str(info.value).startswith("t.vtt:1: cannot read the webvtt transcript")


def test_ohms_6_cue_and_index_warnings_name_their_line_in_the_export():
    transcript = read_ohms(FIXTURES / "ohms-6-untidy.xml", "ohms-6-untidy.xml")
    assert messages(transcript) == [
        ("ohms-6-untidy.xml:32: cue timings '00:00:09,000 --> 00:00:12.000' could not be read; "
         "the cue is left out (expected 'HH:MM:SS.mmm --> HH:MM:SS.mmm')"),
        ("ohms-6-untidy.xml:35: cue 3 (00:01:20.000 --> 00:01:10.000): the cue ends before it starts; "
         "its end is taken from the next cue"),
        ("ohms-6-untidy.xml:17: field 'index point 2': time 'about a minute' is not a number of seconds; "
         "point skipped"),
    ]
    assert [s.title for s in transcript.segments if s.kind == INDEX] == ["Training"]


def test_ohms_5_sync_and_index_warnings_name_their_line():
    transcript = read_ohms(FIXTURES / "ohms-5-untidy.xml", "ohms-5-untidy.xml")
    assert messages(transcript) == [
        ("ohms-5-untidy.xml:16: field 'sync': sync stamps '5(x)', '7' could not be read and were left out "
         "(expected line(word), e.g. '13(3)')"),
        "ohms-5-untidy.xml:25: field 'index point 2': time '1:30' is not a number of seconds; point skipped",
    ]
    turns = [s for s in transcript.segments if s.kind != INDEX]
    assert [(s.speaker, s.start_ms) for s in turns] == [("QUINT", 0), ("OKAFOR", 0), ("QUINT", 60000), ("OKAFOR", 60000)]


def test_an_ohms_vtt_transcript_without_its_header_is_an_error_on_the_line_inside_the_export(tmp_path):
    path = tmp_path / "broken.xml"
    path.write_text((FIXTURES / "ohms-6-untidy.xml").read_text().replace("<![CDATA[WEBVTT", "<![CDATA[WEBVT"))
    with pytest.raises(ContentError) as info:
        read_ohms(path, "broken.xml")
    assert str(info.value).startswith("broken.xml:24: cannot read the webvtt transcript")


def test_real_sample_exports_give_lines_too():
    samples = Path(__file__).resolve().parent.parent.parent / "shared" / "samples" / "ohms"
    transcript = read_ohms(samples / "small-sample-vtt-ohms.xml", "small.xml")
    assert [w.line for w in transcript.warnings] == [61]
    assert read_ohms(samples / "duarte_OH0344.xml", "duarte.xml").warnings == []


def test_reckon_ingest_prints_transcript_warnings_with_lines_and_strict_refuses_them(minimal, capsys, session_for):
    shutil.copy(FIXTURES / "untidy.vtt", minimal.content_dir / "narratives" / "nar-a.vtt")
    path = minimal.content_dir / "narratives/nar-a.md"
    path.write_text(path.read_text().replace("release: {signed: 2019-01-01}\n",
                                             "release: {signed: 2019-01-01}\ntranscript: nar-a.vtt\n"))
    args = ["--home", str(minimal.home), "ingest", "--content", str(minimal.content_dir)]
    assert main([*args, "--strict"]) == 1
    err = capsys.readouterr().err
    assert "content/narratives/nar-a.vtt:12: cue timings '00:00:04.000 --> 00:00:0x.500' could not be read" in err
    assert "content/narratives/nar-a.vtt:32: cue 6" in err
    with session_for(minimal) as session:  # --strict refused the run: nothing was written
        assert session.exec(select(m.Narrative)).all() == []
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "warning: content/narratives/nar-a.vtt:24: cue 4 (00:00:20.000 --> 00:00:15.000)" in err
    with session_for(minimal) as session:
        assert len(session.exec(select(TranscriptSegment).where(TranscriptSegment.narrative_id == "nar-a")).all()) == 6
    assert not ingest(minimal).changed
