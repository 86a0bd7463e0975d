"""Transcript files uploaded in the staff app, read by the same readers `reckon ingest` uses.

A WebVTT, SRT or OHMS file sent with a staff submission is parsed when it arrives (so a
broken file is refused beside the upload field, naming the file, the cue or line and what
was expected) and again when the narrative is published, when its cues, speaker turns and
index points become the narrative's timestamped segments. The readers are
`ingest.readers.narrative_files.read_transcript`: one parser per format for the whole archive.
"""

from __future__ import annotations

import functools
import re
import tempfile
from pathlib import Path

from archive.errors import ContentError, ContentProblem
from archive.passages import label_of
from archive.transcripts import CUE, TranscriptSegment, TranscriptSource, format_time
from ingest.readers.narrative_files import read_transcript
from ingest.readers.transcripts import Transcript, transcript_rows


class TranscriptFileError(ContentError):
    """An uploaded transcript the readers cannot read; `problems` say where and what was expected."""


def read_uploaded(name: str, data: bytes) -> Transcript:
    """Parse an uploaded transcript's bytes; problems are reported against `name`, the file's own name.

    The readers take a path (defusedxml parses OHMS from a file), so the bytes go through a
    private temporary file that is removed at once.
    """
    suffix = Path(name).suffix.lower()
    text = data.decode("utf-8-sig", errors="replace")
    if suffix in (".vtt", ".srt") and (problems := skipped_cues(text, name)):
        raise TranscriptFileError(problems)
    with tempfile.TemporaryDirectory(prefix="reckon-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            transcript = read_transcript(path, name)
        except ContentError as exc:
            raise TranscriptFileError(exc.problems) from exc
    if not [s for s in transcript.segments if s.text or s.title]:
        raise TranscriptFileError([ContentProblem(name, None, "the file holds no transcript text and no index "
                                                              "points (expected at least one cue)")])
    return transcript


# A cue timing line as WebVTT and SRT write it: `00:01:02.500 --> 00:01:05.000` (`,` in SRT).
TIMING = re.compile(r"^\s*(\d+:)?\d{2}:\d{2}[.,]\d{3}\s+-->\s+(\d+:)?\d{2}:\d{2}[.,]\d{3}(\s.*)?$")


def skipped_cues(text: str, name: str) -> list[ContentProblem]:
    """Cues the caption library would silently drop: a block whose `-->` line is not a timing.

    webvtt-py skips such a block without a word, which would lose what the narrator said;
    an upload is refused instead, naming the cue and its line. This only checks the timing
    lines; reading the file is left to the library.
    """
    problems: list[ContentProblem] = []
    cue = 0
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        if "-->" not in line and not re.match(r"^\s*\d+:\d+.*\s-{1,2}>?\s", line):
            continue
        cue += 1
        if not TIMING.match(line):
            problems.append(ContentProblem(name, None, (
                f"cue {cue}: the timing '{line.strip()[:60]}' cannot be read (expected "
                f"'00:01:02.500 --> 00:01:05.000', with ',' before the milliseconds in SRT)"), number))
    return problems


def read_kept(path: Path) -> Transcript:
    """Re-read a transcript kept with a submission (it was checked when it was uploaded)."""
    return read_uploaded(path.name, path.read_bytes())


def describe(transcript: Transcript) -> str:
    """One line for staff: what the readers found in the file."""
    cues = [s for s in transcript.segments if s.kind != "index"]
    points = len(transcript.segments) - len(cues)
    speakers = sorted({s.speaker for s in cues if s.speaker})
    parts = [f"{len(cues)} timed passage(s)"]
    if points:
        parts.append(f"{points} index point(s)")
    if speakers:
        parts.append("speakers: " + ", ".join(speakers[:6]) + ("…" if len(speakers) > 6 else ""))
    if transcript.warnings:  # untidy but readable: repaired as ingest repairs it, and said so
        first = transcript.warnings[0].message
        parts.append(f"{len(transcript.warnings)} warning(s), first: {first}")
    return f"{transcript.format}: " + "; ".join(parts)


def segment_rows(narrative_id: str, path: Path | None,
                 cue_titles: dict[str, str] | None = None) -> list[TranscriptSegment | TranscriptSource]:
    """The store rows of a staff narrative's uploaded transcript file (none without a file),
    for `archive.workflow.act` to keep as the narrative's segments when it is published; a cue
    whose start a curator titled (`cue_titles`, by start in ms) carries that title."""
    if path is None:
        return []
    transcript = read_kept(path)
    for segment in transcript.segments:
        # Second-language twins are outside the redaction's field list: keep them out entirely.
        segment.alt = {}
    transcript.meta = {k: v for k, v in transcript.meta.items() if k in ("version", "duration", "fmt")}
    rows = list(transcript_rows(narrative_id, transcript))
    for row in rows:
        if isinstance(row, TranscriptSegment) and row.kind == CUE and str(row.start_ms) in (cue_titles or {}):
            row.title = cue_titles[str(row.start_ms)]
    return rows


def cue_preview(path: Path) -> list[dict]:
    """The cues of a kept transcript as the staff page previews them: start (ms and as shown),
    speaker and the first words (the label a cue gets without a title). Staff see the master
    text here; the public only ever sees it through the redactor."""
    return [{"start_ms": s.start_ms, "time": format_time(s.start_ms), "speaker": s.speaker,
             "words": label_of({"title": "", "text": s.text, "speaker": "", "content_note": ""})}
            for s in read_kept(path).segments if s.kind == CUE and s.start_ms is not None]


def describe_kept(path: Path) -> str:
    """`describe` of a kept file, parsed once per version of the file (its path, size and
    modification time): a curator's every visit to the page no longer re-reads a long upload."""
    stat = path.stat()
    return _described(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _described(path: str, _size: int, _mtime_ns: int) -> str:
    return describe(read_kept(Path(path)))
