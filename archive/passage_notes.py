"""Content notes on passages of a narrative: one segment, or a span of transcript time.

CONSENT.md ("Care") asks for content notes on narratives, segments or time ranges, with the
reader choosing to reveal the passage. A narrative's own `content_note` covers the whole
transcript; a passage note covers only the segments it names, so a reader can read the rest
of a long interview and decide about one hard passage when they reach it.

A note is stored beside the narrative (replaced with it at ingest), addressed by time, not
by position, so it still points at the right passage when a transcript is re-timed or a
segment is added before it. The note's words pass through the narrative's redactor like every
other public field: a note can never show what a redaction withholds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import cast

from sqlmodel import Field, Session, SQLModel, select

from archive.views import PassageNoteView, Segment, SegmentData

TIME = re.compile(r"^(\d{1,2}):([0-5]\d):([0-5]\d)$")


class PassageNote(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    narrative_id: str = Field(foreign_key="narrative.id", index=True)
    position: int
    note: str
    at: str | None = None     # "HH:MM:SS": the segment that starts at this time
    start: str | None = None  # or every segment overlapping [start, end)
    end: str | None = None


def seconds(time: str) -> int:
    """ "HH:MM:SS" (or "H:MM:SS") as seconds; raises ValueError for anything else."""
    match = TIME.match(time.strip())
    if not match:
        raise ValueError(f"expected a time HH:MM:SS, got '{time}'")
    hours, minutes, secs = (int(g) for g in match.groups())
    return hours * 3600 + minutes * 60 + secs


def clock(total: int) -> str:
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def extents(segments: Sequence[SegmentData]) -> list[tuple[int, int] | None]:
    """Each timed segment's span in milliseconds: to its own end, else to the next segment."""
    starts = [s.get("start_ms") for s in segments]
    spans: list[tuple[int, int] | None] = []
    for i, seg in enumerate(segments):
        start = starts[i]
        if start is None or not seg.get("time"):
            spans.append(None)
            continue
        later = [s for s in starts[i + 1:] if s is not None and s > start]
        end = seg.get("end_ms") or (min(later) if later else None)
        spans.append((start, end if end is not None and end > start else 10**12))
    return spans


def covered(note: PassageNote, segments: Sequence[SegmentData]) -> list[int]:
    """Indexes of the segments a note covers (in order); empty when it names no segment."""
    if note.at:  # by the time shown (a cue at 00:31:20.500 is the segment "00:31:20"; a
        at = seconds(note.at)  # heading typed "## [1:02:03]" is the one at 01:02:03)
        return [i for i, seg in enumerate(segments) if (time := seg.get("time")) and seconds(time) == at]
    low, high = seconds(note.start or "0:00:00") * 1000, seconds(note.end or note.start or "0:00:00") * 1000
    return [i for i, span in enumerate(extents(segments)) if span and span[0] < high and span[1] > low]


def notes_of(session: Session, narrative_id: str) -> list[PassageNote]:
    return list(session.exec(select(PassageNote).where(PassageNote.narrative_id == narrative_id)
                             .order_by(PassageNote.position)))


def apply_passage_notes(segments: list[SegmentData], notes: list[PassageNote],
                        redact: Callable[[str], str]) -> list[PassageNoteView]:
    """Mark each segment with the notes covering it; return the notes as public data.

    Every segment gets `content_note`: None, or `{"key", "notes"}` where `key` is the same for
    neighbouring segments under the same notes (the page folds them together behind one
    summary) and `notes` are the note texts, redacted."""
    public: list[PassageNoteView] = []
    per_segment: list[list[int]] = [[] for _ in segments]
    for number, note in enumerate(notes, 1):
        where = covered(note, segments)
        text = redact(note.note)
        span = (segments[where[0]]["time"], segments[where[-1]]["time"]) if where else (None, None)
        public.append({"number": number, "note": text, "at": note.at, "from": note.start, "to": note.end,
                       # `covered` names timed segments only: the filter drops nothing
                       "segments": [time for i in where if (time := segments[i]["time"])],
                       "first": span[0], "last": span[1]})
        for i in where:
            per_segment[i].append(number)
    for seg, numbers in zip(segments, per_segment, strict=True):
        cast(Segment, seg)["content_note"] = None if not numbers else {  # the mark makes it a Segment
            "key": "-".join(map(str, numbers)), "notes": [public[n - 1]["note"] for n in numbers]}
    return public


# How the staff form writes passage notes: one a line, a segment's start time or a time range
# first, then the note. The same two shapes as a content file's `content_notes` (`at`, or
# `from`/`to`), so a note means the same whichever way it reached the archive.
NOTE_LINE = re.compile(r"^(\d{1,2}:[0-5]\d:[0-5]\d)(?:\s*(?:-|–|—|to)\s*(\d{1,2}:[0-5]\d:[0-5]\d))?\s+(\S.*)$")
NOTE_LINE_SHAPE = "'00:04:12 note' for the segment starting then, or '00:04:12-00:09:30 note' for a time range"


def parse_note_lines(text: str, narrative_id: str = "") -> list[PassageNote]:
    """The staff form's passage notes as rows; ValueError naming the first line that is not one."""
    found: list[PassageNote] = []
    for number, line in enumerate((ln.strip() for ln in text.splitlines()), 1):
        if not line:
            continue
        match = NOTE_LINE.match(line)
        if not match:
            raise ValueError(f"line {number}: expected {NOTE_LINE_SHAPE}, got '{line[:60]}'")
        start, end, note = (match.group(1), match.group(2), match.group(3))
        start, end = clock(seconds(start)), (clock(seconds(end)) if end else None)  # 0:09:00 as 00:09:00
        if end is not None and seconds(end) <= seconds(start):
            raise ValueError(f"line {number}: the range {start}-{end} ends before it starts")
        found.append(PassageNote(narrative_id=narrative_id, position=len(found), note=note.strip(),
                                 at=start if end is None else None,
                                 start=start if end is not None else None, end=end))
    return found


def uncovered(notes: list[PassageNote], segments: Sequence[SegmentData]) -> list[str]:
    """A line for each note that covers no segment: it would leave its passage unannounced."""
    starts = ", ".join(time for s in segments if (time := s.get("time"))) or "none (no timed segments)"
    return [f"the content note at {n.at or f'{n.start}-{n.end}'} ('{n.note[:40]}') covers no transcript "
            f"segment; segments start at {starts}" for n in notes if not covered(n, segments)]
