"""Transcript files of narratives: WebVTT and SRT cues become timestamped segments.

A narrative's front matter names its transcript (`transcript: nar-x.vtt`, relative to the
narrative file); an OHMS export (`.xml`) is read by `ingest.readers.ohms`. Files are parsed by the
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
    word_times: list[list[int]] = field(default_factory=list)  # [offset in text, ms] (see word_times)


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


TIMESTAMP_TAG = re.compile(r"<((?:\d+:)?\d{2}:\d{2}\.\d{3})>")
MARK = "\ue000"  # a private-use character stands in for a timestamp tag while the text is cleaned


def _non_space_before(text: str) -> list[int]:
    """For each MARK in `text`, how many non-space characters (other than marks) precede it."""
    counts, seen = [], 0
    for char in text:
        if char == MARK:
            counts.append(seen)
        elif not char.isspace():
            seen += 1
    return counts


def word_times(caption: Caption, cleaned: str, text: str) -> list[list[int]]:
    """The word timings of a cue (WebVTT `<00:01:02.500>` tags) as [offset in `text`, ms] pairs.

    `cleaned` is the cue's words as `cue_text` gives them and `text` what is kept of them (the
    speaker label taken off). Offsets are found by counting non-space characters, which the
    cleaning (tags, entities, line breaks, spaces) never adds or drops, so they land exactly at
    the word each tag precedes."""
    stamps: list[int] = []

    def keep(match: re.Match) -> str:
        stamps.append(_ms(match.group(1)))
        return MARK

    marked = TIMESTAMP_TAG.sub(keep, caption.raw_text)
    if not stamps:
        return []
    plain = html.unescape(Caption(caption.start, caption.end, BREAK.sub("\n", marked).split("\n")).text)
    skipped = sum(not c.isspace() for c in cleaned[:len(cleaned) - len(text)])
    offsets, seen = {}, 0
    for index, char in enumerate(text):
        if not char.isspace():
            offsets.setdefault(seen, index)
            seen += 1
    offsets.setdefault(seen, len(text))
    return [[offsets.get(max(count - skipped, 0), len(text)), ms]
            for count, ms in zip(_non_space_before(plain), stamps, strict=True)]


TIMING_LINE = re.compile(r"^\s*(\S+)\s*-->\s*(\S+)")
LINE_BREAK = re.compile(r"\r\n|\r|\n")  # WebVTT's line terminators (webvtt-py splits on these)


def _timing_ms(line: str, fmt: str) -> tuple[int, int] | None:
    """(start, end) in ms of a cue timings line as written (SRT's decimal comma, WebVTT's dot)."""
    match = TIMING_LINE.match(line)
    if match is None:
        return None
    start, end = match.group(1), match.group(2)
    if fmt == "srt":
        start, end = start.replace(",", "."), end.replace(",", ".")
    try:
        return _ms(start), _ms(end)
    except (MalformedCaptionError, ValueError, TypeError):
        return None


def cue_lines(captions: list[Caption], text: str, fmt: str = "webvtt") -> tuple[list[int | None], list[tuple[int, str]]]:
    """The 1-based line of each caption's timings line in `text`, and the timings lines
    (line, text) that gave no caption: webvtt-py leaves out a cue it cannot read without a
    word, so those are found here by walking the file's `-->` lines in step with the cues."""
    lines = LINE_BREAK.split(text)
    arrows = [(number, line) for number, line in enumerate(lines, 1) if "-->" in line]
    found: list[int | None] = []
    unread: list[tuple[int, str]] = []
    position = 0
    for caption in captions:
        wanted = (_ms(caption.start), _ms(caption.end))
        for index in range(position, len(arrows)):
            if _timing_ms(arrows[index][1], fmt) == wanted:
                unread += arrows[position:index]
                found.append(arrows[index][0])
                position = index + 1
                break
        else:
            found.append(None)
    return found, unread + arrows[position:]


def segments_from_captions(captions: list[Caption], display: str, text: str | None = None,
                           line_offset: int = 0, fmt: str = "webvtt") -> tuple[list[Segment], list[ContentProblem]]:
    """Cues in file order, with speakers carried forward and bad timings repaired or flagged.

    With the file's `text`, every warning names the line of its cue (plus `line_offset`, the
    lines before the caption text in its file, e.g. inside an OHMS export), and a cue that
    webvtt-py could not read is reported rather than silently missing."""
    segments: list[Segment] = []
    warnings: list[ContentProblem] = []
    lines, unread = cue_lines(captions, text, fmt) if text is not None else ([None] * len(captions), [])

    def warn(line: int | None, message: str) -> None:
        warnings.append(ContentProblem(display, None, message, None if line is None else line + line_offset))

    for line, raw in unread:
        if _timing_ms(raw, fmt) is None:
            stamp = "HH:MM:SS,mmm" if fmt == "srt" else "HH:MM:SS.mmm"
            warn(line, f"cue timings {raw.strip()!r} could not be read; the cue is left out "
                       f"(expected '{stamp} --> {stamp}')")
        else:
            warn(line, f"cue {raw.strip()!r} has no text or no blank line before it; it is left out "
                       "(expected the cue text on the lines after its timings)")
    speaker = ""
    for number, (caption, line) in enumerate(zip(captions, lines, strict=True), 1):
        where = f"cue {number} ({caption.start} --> {caption.end})"
        cleaned = cue_text(caption)
        label, text_ = (caption.voice.strip(), cleaned) if caption.voice else split_speaker(cleaned)
        speaker = label or speaker
        if not text_:
            warn(line, f"{where}: empty cue skipped")
            continue
        start, end = _ms(caption.start), _ms(caption.end)
        if end < start:
            warn(line, f"{where}: the cue ends before it starts; its end is taken from the next cue")
            end = None
        elif end == start:
            warn(line, f"{where}: zero-length cue; its end is taken from the next cue")
            end = None
        segments.append(Segment(start_ms=start, end_ms=end, text=text_, speaker=speaker,
                                word_times=word_times(caption, cleaned, text_)))
    warnings.sort(key=lambda w: w.line or 0)
    for current, following in itertools.pairwise(segments):
        if current.end_ms is None and following.start_ms is not None and following.start_ms > (current.start_ms or 0):
            current.end_ms = following.start_ms
    return segments, warnings


def parse_captions(text: str, fmt: str, display: str, line_offset: int = 0) -> list[Caption]:
    """Parse WebVTT or SRT text; a file the library cannot read is one clear error."""
    text = text.lstrip("\ufeff")
    try:
        if fmt == "srt":
            return list(webvtt.from_buffer(io.StringIO(text), format="srt"))
        return list(webvtt.from_string(text))
    except (MalformedFileError, MalformedCaptionError, ValueError) as exc:
        expected = "a WebVTT file starting with 'WEBVTT'" if fmt == "webvtt" else \
            "SRT cues ('1', '00:00:01,000 --> 00:00:04,000', text)"
        # webvtt-py refuses a whole file only for its first lines (the header or first cue).
        raise ContentError([ContentProblem(display, None, f"cannot read the {fmt} transcript: {exc} (expected {expected})",
                                           1 + line_offset)]) from exc


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
    text = text.lstrip("\ufeff")
    segments, warnings = segments_from_captions(parse_captions(text, fmt, display), display, text, fmt=fmt)
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
                               keywords=list(s.keywords), text=s.text, alt=dict(s.alt),
                               word_times=[list(w) for w in s.word_times])
             for i, s in enumerate(transcript.segments)]
    return rows
