"""The audit of public recordings: every redacted passage is silent in the file as published.

Independent of how the copies were made: the published file is decoded and each passage the
silence plan names (`archive.recordings`, from the public form's own redactions) must hold
digital silence (every sample 0). A copy whose length differs from its master's would put the
silences in the wrong place, so that is reported too; and any sound or video file in the site
that no public recording accounts for (a master copied by hand, a copy of a narrative no
longer public) is reported as a leak.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.models import ConsentEntry, Narrative
from archive.recordings import narratives_with_recordings, publications, video_size
from archive.settings import Settings
from archive.transcripts import format_time
from archive.urls import recording_url
from audit.files import public_files
from publish.media.levels import peaks

MEDIA_SUFFIXES = {".m4a", ".mp3", ".mp4", ".m4v", ".aac", ".ogg", ".oga", ".opus", ".wav", ".flac", ".webm", ".mov"}
LENGTH_SLACK_MS = 250  # AAC pads its last frame; more than this is a copy out of step with its master


@dataclass(frozen=True)
class RecordingFinding:
    where: str  # the file, relative to the public folder's parent
    object_id: str
    text: str  # what was found
    why: str


def audit_recordings(session: Session, settings: Settings, written: set[str] | None = None,
                     files: Sequence[str | Path] | None = None) -> tuple[list[RecordingFinding], list[str]]:
    """Findings over every sound or video file of the public site, and the places checked.
    With `written` (site paths written since the last audit, `audit.since`), only those are
    decoded again; every other file is still checked to be a public recording. `files`: the
    site's files, when the caller listed them already (`audit.files.public_files`, or their
    names, `public_file_names`)."""
    catalog = Catalog(session, PUBLIC, settings.today())
    public = settings.public_dir
    expected: dict[str, tuple[str, list[tuple[int, int]], int | None]] = {}
    ids = narratives_with_recordings(session)
    for narrative_id in sorted(catalog.visible_among("narrative", ids)):
        row = session.get(Narrative, narrative_id)
        if row is None:
            continue
        consent = list(session.exec(select(ConsentEntry).where(ConsentEntry.narrative_id == narrative_id)))
        for pub in publications(session, row, consent, catalog.today):
            if pub.public and pub.recording.path:
                path = recording_url(narrative_id, pub.recording.position + 1,
                                     video_size(pub.recording) is not None).lstrip("/")
                silences = [(p.start_ms, p.end_ms) for p in pub.plan.within(pub.recording)]
                expected[path] = (narrative_id, silences, pub.recording.duration_ms)
    findings: list[RecordingFinding] = []
    checked: list[str] = []
    listed = files if files is not None else public_files(public)
    for file in (Path(f) for f in listed if os.path.splitext(f)[1].lower() in MEDIA_SUFFIXES):
        relative = file.relative_to(public).as_posix()
        where = str(Path(public.name) / relative)
        checked.append(f"recording {where}")
        if relative not in expected:
            findings.append(RecordingFinding(where, "", "a sound or video file", "no public recording accounts for it"))
            continue
        if written is not None and relative not in written:
            continue  # decoded by an earlier audit, unchanged since
        narrative_id, silences, length = expected[relative]
        loudest, decoded = peaks(file, silences)
        for (start, end), peak in zip(silences, loudest, strict=True):
            if peak:
                findings.append(RecordingFinding(
                    where, narrative_id, f"sound (peak {peak}) in the redacted passage at {format_time(start)}–"
                    f"{format_time(end)} of the recording", "a redacted passage must be silent"))
        if length is not None and abs(decoded - length) > LENGTH_SLACK_MS:
            findings.append(RecordingFinding(
                where, narrative_id, f"a copy {decoded} ms long of a {length} ms master",
                "its silences may be out of place"))
    return findings, checked
