"""Recordings of narratives: probed at ingest, silenced where redacted, published only when public.

Each check decodes the published file itself: a redacted passage must be digital silence (every
16-bit sample exactly 0) and the rest of the recording must not be.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from sqlmodel import Session, select

from archive.access import Role, Viewer
from archive.catalog import Catalog
from archive.db import open_engine
from archive.errors import ContentError
from archive.models import Narrative
from archive.recordings import GUARD_MS, Recording, public_status
from archive.transcripts import TranscriptSegment
from audit.leaks import audit
from ingest.pipeline import ingest
from ingest.readers.media import MediaProblem, probe
from ingest.readers.ohms import narrative_fields
from ingest.readers.transcripts import Transcript
from publish.media.derivative import write_public_audio
from publish.media.levels import peaks
from publish.pipeline import publish
from reckon.cli import main
from tests.helpers.archives import MINIMAL, SAMPLE, TODAY, make_settings
from tests.helpers.media import NARRATIVE, VTT, make_archive, recorded_content, write_tone

WHOLE_CUE = (2000, 4500)
WORDS = (5800 - GUARD_MS, 6800 + GUARD_MS)
AUDIBLE = [(0, 1850), (4650, WORDS[0] - 150), (WORDS[1] + 150, 9900)]
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "iiif_3_0.json").read_text(encoding="utf-8"))
PUBLIC_FILE = Path("narratives/nar-rec/recording-1.m4a")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    return make_archive(tmp_path_factory.mktemp("recorded"))


# -- ingest ----------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".wav", ".mp3", ".ogg", ".m4a", ".flac", ".webm"])
def test_probe_reads_each_format(tmp_path, suffix):
    info = probe(write_tone(tmp_path / f"a{suffix}", 3.0), f"content/a{suffix}")
    assert info.kind == "audio" and abs(info.duration_ms - 3000) < 120
    assert len(info.sha256) == 64 and info.bytes > 0 and info.streams[0]["type"] == "audio"


def test_probe_names_the_file_of_a_fake_cut_or_misnamed_recording(tmp_path):
    fake = tmp_path / "fake.mp3"
    fake.write_text("not a recording at all\n" * 50)
    with pytest.raises(MediaProblem, match=r"^content/fake.mp3: cannot be read as a recording"):
        probe(fake, "content/fake.mp3")
    whole = write_tone(tmp_path / "whole.m4a", 6.0)
    cut = tmp_path / "cut.m4a"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(MediaProblem, match=r"^content/cut.m4a: "):
        probe(cut, "content/cut.m4a")
    wav = write_tone(tmp_path / "whole.wav", 4.0)
    cut_wav = tmp_path / "cut.wav"
    cut_wav.write_bytes(wav.read_bytes()[:30000])
    with pytest.raises(MediaProblem, match=r"^content/cut.wav: the file is cut short"):
        probe(cut_wav, "content/cut.wav")
    misnamed = tmp_path / "voice.mp3"
    misnamed.write_bytes(wav.read_bytes())
    with pytest.raises(MediaProblem, match=r"holds 'wav', not what its name .mp3 says"):
        probe(misnamed, "content/voice.mp3")


def test_ingest_stores_the_recording_and_its_word_timings(recorded):
    settings, report = recorded
    assert report.warnings == []
    with Session(open_engine(settings)) as session:
        assert public_status(session, session.get(Narrative, "nar-rec"), TODAY) == (
            "recording 1: public, 2 redacted passages silenced")
        cue = session.exec(select(TranscriptSegment).where(TranscriptSegment.position == 2)).one()
        assert [cue.text[offset:offset + 7] for offset, _ in cue.word_times][2:4] == ["Harriet", "Coyle c"]
        row = session.exec(select(Recording)).one()
        assert (row.narrative_id, row.position, row.kind, row.offset_ms) == ("nar-rec", 0, "audio", 0)
        assert abs(row.duration_ms - 10000) < 50 and row.codec == "pcm_s16le" and len(row.sha256) == 64
        assert Path(row.path) == settings.content_dir.resolve() / "narratives" / "nar-rec.wav"


def test_a_broken_recording_fails_ingest_with_one_line_naming_it(tmp_path):
    shutil.copytree(MINIMAL, tmp_path / "content")
    recorded_content(tmp_path / "content")
    (tmp_path / "content" / "narratives" / "nar-rec.wav").write_bytes(b"RIFF\0\0\0\0WAVEjunk" * 10)
    with pytest.raises(ContentError) as caught:
        ingest(make_settings(tmp_path, tmp_path / "content"))
    lines = [str(p) for p in caught.value.problems]
    assert len(lines) == 1 and "nar-rec.wav" in lines[0] and "\n" not in lines[0]


def test_cues_past_the_end_of_the_recording_are_warnings(tmp_path):
    shutil.copytree(MINIMAL, tmp_path / "content")
    recorded_content(tmp_path / "content", seconds=6.0)
    report = ingest(make_settings(tmp_path, tmp_path / "content"))
    messages = [str(w) for w in report.warnings]
    assert any("nar-rec.vtt" in m and "00:00:08" in m and "after the end of the narrative's recordings" in m
               for m in messages), messages


# -- the public copy ---------------------------------------------------------------------------

def test_redacted_passages_are_digital_silence_and_the_rest_is_not(recorded):
    settings, _ = recorded
    public = settings.public_dir / PUBLIC_FILE
    silent, length = peaks(public, [WHOLE_CUE, WORDS])
    assert silent == [0, 0]
    audible, _ = peaks(public, AUDIBLE)
    assert min(audible) > 1000, audible
    assert abs(length - 10000) < 100  # the duration is kept, so every time stays true


def test_the_page_plays_the_copy_and_says_what_is_silenced(recorded):
    settings, _ = recorded
    page = (settings.public_dir / "narratives" / "nar-rec" / "index.html").read_text()
    assert 'src="/narratives/nar-rec/recording-1.m4a"' in page and "autoplay" not in page
    assert 'kind="captions" src="/narratives/nar-rec/recording-1.captions.vtt"' in page
    assert "a passage of 2 seconds at 00:00:02" in page
    assert 'href="/narratives/nar-rec/recording-1.m4a#t=2"' in page  # a media fragment: works without JS
    captions = (settings.public_dir / "narratives" / "nar-rec" / "recording-1.captions.vtt").read_text()
    assert captions.startswith("WEBVTT") and "Harriet" not in captions and "Coyle" not in captions
    assert "[redacted: name of a third party]" in captions
    assert "nar-rec.wav" not in page  # the master's name is never public
    assert "Coyle" not in page and "Talking about [redacted: name of a third party]" in page  # its label too
    assert not list(settings.public_dir.rglob("*.wav"))


def test_a_rebuild_that_changes_nothing_encodes_nothing(recorded):
    settings, _ = recorded
    copies = sorted((settings.media_cache_dir / "recordings").glob("*.m4a"))
    stamps = [p.stat().st_mtime_ns for p in copies]
    publish(settings)
    assert sorted((settings.media_cache_dir / "recordings").glob("*.m4a")) == copies
    assert [p.stat().st_mtime_ns for p in copies] == stamps


def _public_recordings(settings) -> list[Path]:
    """The narrative's recording files and its IIIF manifest in the live site."""
    folder = settings.public_dir / "narratives" / "nar-rec"
    return sorted(p for p in folder.glob("*") if p.name.startswith("recording-") or p.name == "manifest.json")


def test_the_iiif_manifest_paints_the_public_copy_with_captions_and_segment_ranges(recorded):
    settings, _ = recorded
    manifest = json.loads((settings.public_dir / "narratives" / "nar-rec" / "manifest.json").read_text())
    assert list(Draft7Validator(SCHEMA).iter_errors(manifest)) == []
    canvas = manifest["items"][0]
    assert abs(canvas["duration"] - 10.0) < 0.1
    body = canvas["items"][0]["items"][0]["body"]
    assert (body["type"], body["format"]) == ("Sound", "audio/mp4")
    assert body["id"].endswith("/narratives/nar-rec/recording-1.m4a")
    captions = canvas["annotations"][0]["items"][0]
    assert captions["motivation"] == "supplementing" and captions["body"]["format"] == "text/vtt"
    targets = [r["items"][0]["id"].rsplit("#", 1)[1] for r in manifest["structures"]]
    # The body's `## [00:00:00] Start` section and the four cues, each its own stretch.
    assert targets == ["t=0.0,2.0", "t=0.0,2.0", "t=2.0,4.5", "t=4.5,8.0", "t=8.0,10.0"]
    assert "Coyle" not in json.dumps(manifest) and "nar-rec.wav" not in json.dumps(manifest)


MEDIA_REFUSED = ("use: publish-media, granted: true}",
                 "use: publish-media, granted: true}\n  - {date: 2020-01-01, use: publish-media, granted: false}")


@pytest.mark.parametrize("change, reason", [
    (MEDIA_REFUSED, "consent does not cover"),
    (("release: {signed: 2019-01-01}", "release: {signed: 2019-01-01}\naccess: staff"), "staff only"),
    (("release: {signed: 2019-01-01}", "release: {signed: 2019-01-01}\naccess: withdrawn"), "withdrawn"),
])
def test_a_narrative_the_public_may_not_hear_loses_its_recording(tmp_path, change, reason):
    settings, _ = make_archive(tmp_path)
    assert len(_public_recordings(settings)) == 4  # the copy, its captions and chapters, the manifest
    path = settings.content_dir / "narratives" / "nar-rec.md"
    path.write_text(path.read_text().replace(*change))
    ingest(settings)
    publish(settings)
    assert _public_recordings(settings) == []
    for buffer in settings.public_dir.parent.glob(f".{settings.public_dir.name}.*"):  # the retired one too
        assert not list(buffer.rglob("recording-*")), buffer
        assert not (buffer / "narratives" / "nar-rec" / "manifest.json").exists()
    with Session(open_engine(settings)) as session:
        staff = Catalog(session, Viewer(Role.CURATOR), TODAY).narrative("nar-rec")
        assert reason in staff["recordings"][0]["withheld"]


def test_a_redaction_that_cannot_be_placed_in_time_withholds_the_recording(tmp_path):
    settings, _ = make_archive(tmp_path, narrative=NARRATIVE.replace("- {text: Harriet Coyle,", "- {text: Dorrit Fenwick,"))
    body = settings.content_dir / "narratives" / "nar-rec.md"
    text = body.read_text().replace("## [00:00:00] Start", "Dorrit Fenwick kept the keys.\n\n## [00:00:00] Start")
    body.write_text(text)
    ingest(settings)
    publish(settings)
    assert _public_recordings(settings) == []
    with Session(open_engine(settings)) as session:
        public = Catalog(session, today=TODAY).narrative("nar-rec")
        assert public["recordings"] == []
        staff = Catalog(session, Viewer(Role.CURATOR), TODAY).narrative("nar-rec")
        assert "cannot be silenced" in staff["recordings"][0]["withheld"]
        # The line the staff app's store listing (/staff/store/narratives) shows for it.
        assert public_status(session, session.get(Narrative, "nar-rec"), TODAY).startswith(
            "recording 1: withheld from the public: a redacted passage (the body's preface) has no time")


def test_a_new_redaction_makes_a_new_copy_silent_there_too(tmp_path):
    settings, _ = make_archive(tmp_path)
    path = settings.content_dir / "narratives" / "nar-rec.md"
    path.write_text(path.read_text().replace("redact:\n", "redact:\n  - {text: east wing, category: place}\n"))
    ingest(settings)
    publish(settings)
    silent, _ = peaks(settings.public_dir / PUBLIC_FILE, [(0, 2000), WHOLE_CUE, WORDS])
    assert silent == [0, 0, 0]


# -- the audit ---------------------------------------------------------------------------------

def test_audit_decodes_every_public_recording_and_finds_sound_where_silence_belongs(tmp_path, capsys):
    settings, _ = make_archive(tmp_path)
    assert main(["--home", str(settings.home), "audit"]) == 0
    assert "recording public/narratives/nar-rec/recording-1.m4a" in "\n".join(audit(settings).where)
    published = settings.public_dir / PUBLIC_FILE
    write_public_audio(settings.content_dir / "narratives" / "nar-rec.wav", published, [])  # nothing silenced
    shutil.copy(settings.content_dir / "narratives" / "nar-rec.wav", settings.public_dir / "master.wav")
    capsys.readouterr()
    assert main(["--home", str(settings.home), "audit"]) == 1
    out = capsys.readouterr().out
    assert ("LEAK: public/narratives/nar-rec/recording-1.m4a: 'sound (peak" in out
            and "in the redacted passage at 00:00:02–00:00:04 of the recording' from nar-rec" in out), out
    assert "LEAK: public/master.wav: 'a sound or video file' from the site (no public recording accounts for it)" in out


def test_the_sample_recording_silences_the_head_nurse_and_the_narrators_private_name(sample):
    """nar-composite-02's synthetic recording (tools/sample_recordings.py): the two names are
    spoken where the transcript's word timings say, heard in the master, silent in public."""
    master = SAMPLE / "narratives" / "nar-composite-02-session-2.ogg"
    public = sample.public_dir / "narratives" / "nar-composite-02" / "recording-1.m4a"
    names = [(21750, 23750), (90750, 92750)]  # 00:31:24–25.5 and 00:32:33–34.5, less 00:31:02, with guards
    heard, _ = peaks(master, names)
    assert min(heard) > 5000
    silent, length = peaks(public, names)
    assert silent == [0, 0] and abs(length - 148000) < 100
    rest, _ = peaks(public, [(0, 21600), (24000, 90600), (92900, 140000)])
    assert min(rest) > 5000
    page = (sample.public_dir / "narratives" / "nar-composite-02" / "index.html").read_text()
    assert "Synthetic recording:" in page and "a passage of 2 seconds at 00:31:23" in page
    assert "Coyle" not in (public.parent / "recording-1.captions.vtt").read_text()


def test_a_remote_recording_is_a_link_only_when_nothing_in_its_time_needs_silencing(tmp_path):
    remote = NARRATIVE.replace("{file: nar-rec.wav,", "{url: 'https://media.example.org/rec.mp3',")
    settings, _ = make_archive(tmp_path, narrative=remote)
    with Session(open_engine(settings)) as session:
        row = session.exec(select(Recording)).one()
        assert (row.url, row.path, row.duration_ms) == ("https://media.example.org/rec.mp3", "", None)
        assert Catalog(session, today=TODAY).narrative("nar-rec")["recordings"] == []  # names in its time
        assert "remote recording cannot be silenced" in public_status(session, session.get(Narrative, "nar-rec"), TODAY)
    path = settings.content_dir / "narratives" / "nar-rec.md"
    path.write_text(path.read_text().replace("redact:\n  - {text: Harriet Coyle, category: name of a third party}\n", ""))
    (settings.content_dir / "narratives" / "nar-rec.vtt").write_text(VTT.replace("Harriet Coyle", "the head nurse"))
    ingest(settings)
    with Session(open_engine(settings)) as session:
        [shown] = Catalog(session, today=TODAY).narrative("nar-rec")["recordings"]
        assert (shown["url"], shown["remote"], shown["captions"]) == ("https://media.example.org/rec.mp3", True, None)


def test_an_ohms_export_keeps_its_media_url_as_a_remote_recording():
    export = Transcript("x.xml", "ohms-6", [], "0", meta={"media_url": "https://av.example.org/int-7.mp4"})
    assert narrative_fields(export, "int-7")["media"] == [{"url": "https://av.example.org/int-7.mp4"}]
    export.meta["media_url"] = "int-7.mp4"  # not a link: nothing to keep
    assert narrative_fields(export, "int-7")["media"] == []


def test_a_recording_outside_the_content_folder_is_refused(tmp_path):
    shutil.copytree(MINIMAL, tmp_path / "content")
    recorded_content(tmp_path / "content")
    outside = tmp_path / "elsewhere.wav"
    (tmp_path / "content" / "narratives" / "nar-rec.wav").rename(outside)
    (tmp_path / "content" / "narratives" / "nar-rec.wav").symlink_to(outside)  # a link leading out
    with pytest.raises(ContentError) as caught:
        ingest(make_settings(tmp_path, tmp_path / "content"))
    lines = [str(p) for p in caught.value.problems]
    assert len(lines) == 1 and "outside the content folder" in lines[0] and "nar-rec.md" in lines[0]
