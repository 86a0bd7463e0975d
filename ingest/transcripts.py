"""Transcript files of narratives: WebVTT and SRT cues become timestamped segments.

A narrative's front matter names its transcript (`transcript: nar-x.vtt`, relative to the
narrative file); an OHMS export (`.xml`) is read by `ingest.ohms`. Files are parsed by the
maintained `webvtt-py`, which reads both caption formats. Real transcripts are untidy, so
what a person can repair later is a warning, never a crash: a cue whose end precedes its
start, a zero-length cue, a cue with no speaker (the previous speaker carries forward).
"""

from __future__ import annotations

import hashlib
import html
import io
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError
from webvtt.models import Caption, Timestamp

from archive.errors import ContentError, ContentProblem
from archive.transcripts import CUE, TranscriptSegment, TranscriptSource

BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
# A speaker label at the start of a cue or paragraph: `DUARTE:`, `NAME OF INTERVIEWEE:`,
# `Interviewer:`, `Ada Winslow:`. Capitalised words only, so "Well: no" is not a speaker.
SPEAKER_PREFIX = re.compile(r"^\s*((?:[A-Z][\w.'\-]*)(?: [A-Z][\w.'\-]*){0,3}):\s+")
CAPTION_FORMATS = {".vtt": "webvtt", ".srt": "srt"}


@dataclass
class Segment:
    """One segment as read from a file, before it becomes a `TranscriptSegment` row."""

    start_ms: int | None
    end_ms: int | None
    text: str
    speaker: str = ""
    kind: str = CUE
    title: str = ""
    synopsis: str = ""
    keywords: list[str] = field(default_factory=list)
    alt: dict = field(default_factory=dict)


@dataclass
class Transcript:
    """A transcript file read whole: its segments, what it says about itself, and its hash."""

    path: str  # as shown in messages, relative to the content folder's parent
    format: str
    segments: list[Segment]
    digest: str
    meta: dict = field(default_factory=dict)
    warnings: list[ContentProblem] = field(default_factory=list)


def split_speaker(text: str) -> tuple[str, str]:
    """`"JOHN: Hello"` → `("JOHN", "Hello")`; text without a label → `("", text)`."""
    match = SPEAKER_PREFIX.match(text)
    if match is None:
        return "", text
    return match.group(1).strip(), text[match.end():]


def cue_text(caption: Caption) -> str:
    """The words of a cue: `<br>` becomes a line break, other cue tags go, entities decode."""
    lines = BREAK.sub("\n", caption.raw_text)
    plain = Caption(caption.start, caption.end, lines.split("\n"))
    return "\n".join(html.unescape(line).strip() for line in plain.text.split("\n")).strip()


def _ms(value: str) -> int:
    return Timestamp.from_string(value).in_milliseconds()


def segments_from_captions(captions: list[Caption], display: str) -> tuple[list[Segment], list[ContentProblem]]:
    """Cues in file order, with speakers carried forward and bad timings repaired or flagged."""
    segments: list[Segment] = []
    warnings: list[ContentProblem] = []
    speaker = ""
    for number, caption in enumerate(captions, 1):
        where = f"cue {number} ({caption.start} --> {caption.end})"
        text = cue_text(caption)
        label, text = (caption.voice.strip(), text) if caption.voice else split_speaker(text)
        speaker = label or speaker
        if not text:
            warnings.append(ContentProblem(display, None, f"{where}: empty cue skipped"))
            continue
        start, end = _ms(caption.start), _ms(caption.end)
        if end < start:
            warnings.append(ContentProblem(
                display, None, f"{where}: the cue ends before it starts; its end is taken from the next cue"))
            end = None
        elif end == start:
            warnings.append(ContentProblem(
                display, None, f"{where}: zero-length cue; its end is taken from the next cue"))
            end = None
        segments.append(Segment(start_ms=start, end_ms=end, text=text, speaker=speaker))
    for current, following in itertools.pairwise(segments):
        if current.end_ms is None and following.start_ms is not None and following.start_ms > (current.start_ms or 0):
            current.end_ms = following.start_ms
    return segments, warnings


def parse_captions(text: str, fmt: str, display: str) -> list[Caption]:
    """Parse WebVTT or SRT text; a file the library cannot read is one clear error."""
    text = text.lstrip("\ufeff")
    try:
        if fmt == "srt":
            return list(webvtt.from_buffer(io.StringIO(text), format="srt"))
        return list(webvtt.from_string(text))
    except (MalformedFileError, MalformedCaptionError, ValueError) as exc:
        expected = "a WebVTT file starting with 'WEBVTT'" if fmt == "webvtt" else \
            "SRT cues ('1', '00:00:01,000 --> 00:00:04,000', text)"
        raise ContentError([ContentProblem(display, None, f"cannot read the {fmt} transcript: {exc} (expected {expected})")]) from exc


def read_caption_file(path: Path, display: str) -> Transcript:
    """Read a `.vtt` or `.srt` transcript file."""
    fmt = CAPTION_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ContentError([ContentProblem(display, None, "expected a .vtt, .srt or OHMS .xml transcript")])
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ContentError([ContentProblem(display, None, f"not UTF-8 text at byte {exc.start} (expected UTF-8)")]) from exc
    segments, warnings = segments_from_captions(parse_captions(text, fmt, display), display)
    if not segments:
        warnings.append(ContentProblem(display, None, "the transcript has no cues"))
    return Transcript(display, fmt, segments, hashlib.sha256(data).hexdigest(), warnings=warnings)


def transcript_rows(narrative_id: str, transcript: Transcript | None) -> list:
    """The store rows of a narrative's transcript: its segments and where they came from."""
    if transcript is None:
        return []
    rows: list = [TranscriptSource(narrative_id=narrative_id, path=transcript.path, format=transcript.format,
                                   meta=transcript.meta)]
    rows += [TranscriptSegment(narrative_id=narrative_id, position=i, kind=s.kind, start_ms=s.start_ms,
                               end_ms=s.end_ms, speaker=s.speaker, title=s.title, synopsis=s.synopsis,
                               keywords=list(s.keywords), text=s.text, alt=dict(s.alt))
             for i, s in enumerate(transcript.segments)]
    return rows
