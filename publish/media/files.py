"""The public files of narratives' recordings: the silenced copy, its captions and chapters.

Made at build, only for recordings the public may hear today (`archive.recordings.publications`:
the access rule, the `publish-media` consent and the silence plan), beside the narrative's page.
A copy is cached in the private media cache by what it is made from (the master's SHA-256, the
silenced passages, the encoder's settings), so a rebuild that changes nothing about a recording
encodes nothing, and one that changes a redaction makes a new copy. The master is read where
ingest found it and never copied anywhere public. A narrative that stops being public loses its
files with its page: they are outputs of the build like its page, and the build deletes every
output it no longer makes (`publish.build.update_in_place`, `scrub_standby`).
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import select

from archive.catalog import Catalog
from archive.checksums import sha256_of
from archive.errors import ReckoningError
from archive.models import ConsentEntry, Narrative
from archive.recordings import Publication, narratives_with_recordings, publications, video_size
from archive.settings import Settings
from archive.transcripts import format_time
from archive.urls import SiteUrls, captions_url, chapters_url, narrative_manifest_url
from archive.views import NarrativeView, RecordingView

CAPTION_WORDS = 32  # a long passage (a section of the body) is shown a few lines at a time


@dataclass
class OutputFile:
    """One file of the site: `content` given, or made by `make` when written (`digest` names it)."""

    path: str
    content: bytes | None = None
    digest: str | None = None
    make: Callable[[], bytes] | None = None


def copy_key(pub: Publication) -> str:
    # PyAV (and iiif-prezi3 below) are imported only when a recording is published: a build
    # with none (or a patched rebuild, publish.incremental) need not pay for loading them.
    from publish.media.derivative import ENCODER, VIDEO_ENCODER

    size = video_size(pub.recording)
    encoder = f"{VIDEO_ENCODER}/{size[0]}x{size[1]}" if size else ENCODER
    return hashlib.sha256(f"{encoder}\0{pub.plan.digest(pub.recording)}".encode()).hexdigest()[:40]


def cached_copy(pub: Publication, settings: Settings) -> Path:
    """The public copy of a recording, made now unless the cache already holds it."""
    folder = settings.media_cache_dir / "recordings"
    size = video_size(pub.recording)
    target = folder / f"{copy_key(pub)}.{'mp4' if size else 'm4a'}"
    if target.is_file():
        return target
    row = pub.recording
    master = Path(row.path)
    if not master.is_file() or sha256_of(master) != row.sha256:
        raise ReckoningError(f"{row.source_path}: the recording of {row.narrative_id} changed or moved since it "
                             "was ingested; run `reckon ingest` again")
    from publish.media.derivative import (  # (PyAV: see copy_key)
        write_public_audio,
        write_public_video,
    )

    folder.mkdir(parents=True, exist_ok=True)
    passages = [(p.start_ms, p.end_ms) for p in pub.plan.within(row)]
    if size:
        write_public_video(master, target, passages, size)
    else:
        write_public_audio(master, target, passages)
    return target


def public_publications(catalog: Catalog) -> list[tuple[Narrative, list[Publication]]]:
    """The narratives with a recording the public may hear, each with its recordings' fate."""
    session = catalog.session
    ids = narratives_with_recordings(session)
    found = []
    for narrative_id in sorted(catalog.visible_among("narrative", ids)):
        row = session.get(Narrative, narrative_id)
        if row is None:
            continue
        consent = list(session.exec(select(ConsentEntry).where(ConsentEntry.narrative_id == narrative_id)))
        pubs = [p for p in publications(session, row, consent, catalog.today) if p.public and p.recording.path]
        if pubs:
            found.append((row, pubs))
    return found


def recording_files(catalog: Catalog, settings: Settings) -> list[OutputFile]:
    """Every public recording's files: the silenced copy (made or taken from the cache now, read
    when written), its captions and its chapters (from the narrative's public view), and the
    narrative's IIIF manifest (publish/iiif/av_manifest.py)."""
    files: list[OutputFile] = []
    found = public_publications(catalog)
    if found:
        from publish.iiif.av_manifest import narrative_manifest  # (see copy_key)
        from publish.iiif.manifest import manifest_bytes
    for narrative, pubs in found:
        view = catalog.narrative(narrative.id)
        manifest = narrative_manifest(view, SiteUrls(settings.base_url), settings.archive_name)
        files.append(OutputFile(narrative_manifest_url(narrative.id).lstrip("/"), content=manifest_bytes(manifest)))
        by_number = {v["number"]: v for v in view["recordings"]}
        for pub in pubs:
            number = pub.recording.position + 1
            shown = by_number.get(number)
            if shown is None:  # (the view and this list ask the same rule; never expected)
                continue
            copy = cached_copy(pub, settings)
            files.append(OutputFile((shown["url"] or "").lstrip("/"), digest=copy.stem,
                                    make=lambda copy=copy: copy.read_bytes()))
            files.append(OutputFile(captions_url(narrative.id, number).lstrip("/"),
                                    content=captions_vtt(view, shown).encode("utf-8")))
            files.append(OutputFile(chapters_url(narrative.id, number).lstrip("/"),
                                    content=chapters_vtt(view, shown).encode("utf-8")))
    return files


# -- WebVTT tracks made from the public view ------------------------------------------------

def _stamp(ms: int) -> str:
    ms = max(ms, 0)
    return f"{format_time(ms)}.{ms % 1000:03d}"


def _cue_text(text: str) -> str:
    # WebVTT cue text: no blank line, no "-->", and &, < and > as entities.
    clean = " ".join(text.split()).replace("-->", "->")
    return html.escape(clean, quote=False)


def _timed(view: NarrativeView, recording: RecordingView) -> list[tuple[int, int, dict]]:
    """The view's segments inside `recording`, in its own time, each with its end."""
    start, length = recording["offset_ms"], recording["duration_ms"] or 0
    segments = sorted((s for s in view["segments"] if s.get("start_ms") is not None),
                      key=lambda s: s["start_ms"] or 0)
    found = []
    for index, seg in enumerate(segments):
        begin = (seg["start_ms"] or 0) - start
        following = [s["start_ms"] or 0 for s in segments[index + 1:] if (s["start_ms"] or 0) > (seg["start_ms"] or 0)]
        end = (seg.get("end_ms") or (following[0] if following else start + length)) - start
        if 0 <= begin < length and end > begin:
            found.append((begin, min(end, length), dict(seg)))
    return found


def captions_vtt(view: NarrativeView, recording: RecordingView) -> str:
    """Captions from the public transcript: what the page shows, its redactions included."""
    lines = ["WEBVTT", ""]
    for begin, end, seg in _timed(view, recording):
        words = seg.get("text", "").split()
        if not words:
            continue
        chunks = [words[i:i + CAPTION_WORDS] for i in range(0, len(words), CAPTION_WORDS)]
        step = (end - begin) / len(chunks)
        for i, chunk in enumerate(chunks):  # a long passage spread evenly over its time
            lines += [f"{_stamp(round(begin + i * step))} --> {_stamp(round(begin + (i + 1) * step))}",
                      _cue_text(" ".join(chunk)), ""]
    return "\n".join(lines)


def chapters_vtt(view: NarrativeView, recording: RecordingView) -> str:
    """Chapters: the titled segments (body sections, OHMS index points), or else every segment
    under its label (its first words: `archive.passages`)."""
    timed = _timed(view, recording)
    titled = [t for t in timed if t[2].get("title")]
    chosen = titled or timed
    lines = ["WEBVTT", ""]
    for index, (begin, end, seg) in enumerate(chosen):
        stop = chosen[index + 1][0] if index + 1 < len(chosen) else (recording["duration_ms"] or end)
        title = seg.get("label") or seg.get("title") or seg.get("time") or ""
        lines += [f"{_stamp(begin)} --> {_stamp(max(stop, begin + 1))}", _cue_text(title), ""]
    return "\n".join(lines)
