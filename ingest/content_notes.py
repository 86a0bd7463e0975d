"""Passage content notes at ingest: check that each names a real passage, and store it.

The schema (`ContentNoteSource`) checks a note's form; whether `at: 00:04:12` is really the
start of a segment can only be told with the narrative's body and transcript file in hand, so
that is checked here, with the other cross-file checks, before anything is written. A note
that covered nothing would leave the hard passage it was meant for unannounced.
"""

from __future__ import annotations

from archive.catalog import split_segments
from archive.errors import ContentProblem
from archive.passage_notes import PassageNote, clock, seconds
from ingest.readers import Parsed


def segment_starts(obj: Parsed) -> list[int]:
    """Start times (seconds) of a narrative's timed segments: body headings and transcript file."""
    starts = [seconds(seg["time"]) for seg in split_segments(obj.body) if seg["time"]]
    if obj.transcript is not None:
        starts += [s.start_ms // 1000 for s in obj.transcript.segments if s.start_ms is not None]
    return sorted(set(starts))


def check_content_notes(obj: Parsed) -> list[ContentProblem]:
    notes = getattr(obj.source, "content_notes", [])
    if not notes:
        return []
    starts = segment_starts(obj)
    listed = ", ".join(clock(s) for s in starts[:8]) + (", …" if len(starts) > 8 else "")
    problems = []
    for i, note in enumerate(notes):
        if note.at is not None and seconds(note.at) not in starts:
            problems.append(obj.problem(("content_notes", i, "at"), (
                f"no transcript segment starts at {note.at}; segments start at {listed}"
                if starts else "the narrative has no timed segments (## [hh:mm:ss] headings or a transcript file)")))
        elif note.start is not None:
            low, high = seconds(note.start), seconds(note.end)
            ends = (starts[1:] + [10**9]) if starts else []
            if not any(s < high and e > low for s, e in zip(starts, ends, strict=True)):
                problems.append(obj.problem(("content_notes", i, "from"), (
                    f"the range {note.start}–{note.end} holds no transcript segment; segments start at {listed}"
                    if starts else "the narrative has no timed segments (## [hh:mm:ss] headings or a transcript file)")))
    return problems


def content_note_rows(obj: Parsed) -> list[PassageNote]:
    """The store rows of a narrative's passage notes, in the order its file lists them."""
    return [PassageNote(narrative_id=obj.id, position=i, note=n.note, at=n.at, start=n.start, end=n.end)
            for i, n in enumerate(getattr(obj.source, "content_notes", []))]
