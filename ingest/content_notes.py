"""Passage content notes at ingest: check that each names a real passage, and store it.

The schema (`ContentNoteSource`) checks a note's form; whether `at: 00:04:12` is really the
start of a segment can only be told with the narrative's body and transcript file in hand, so
that is checked here, with the other cross-file checks, before anything is written. A note
that covered nothing would leave the hard passage it was meant for unannounced.

Coverage is decided by `archive.passage_notes.covered` over the segments the page will show
(`archive.catalog.segments_from`), the same rule the staff form's notes meet at publishing:
a cue folded into an OHMS index point is not a segment of its own there, so a note naming
its time is refused here too.
"""

from __future__ import annotations

from archive.catalog import segments_from
from archive.errors import ContentProblem
from archive.passage_notes import PassageNote, covered
from ingest.readers.parsed import Parsed
from ingest.readers.transcripts import transcript_rows

NO_SEGMENTS = "the narrative has no timed segments (## [hh:mm:ss] headings or a transcript file)"


def _segments(obj: Parsed) -> list[dict]:
    rows = [r for r in transcript_rows(obj.id, obj.transcript) if hasattr(r, "start_ms")]
    return segments_from(obj.body, rows, lambda text: text)


def check_content_notes(obj: Parsed) -> list[ContentProblem]:
    rows = content_note_rows(obj)
    if not rows:
        return []
    segments = _segments(obj)
    starts = sorted({s["time"] for s in segments if s.get("time")})
    listed = ", ".join(starts[:8]) + (", …" if len(starts) > 8 else "")
    problems = []
    for i, note in enumerate(rows):
        if covered(note, segments):
            continue
        if not starts:
            message = NO_SEGMENTS
        elif note.at is not None:
            message = f"no transcript segment starts at {note.at}; segments start at {listed}"
        else:
            message = f"the range {note.start}–{note.end} holds no transcript segment; segments start at {listed}"
        problems.append(obj.problem(("content_notes", i, "at" if note.at is not None else "from"), message))
    return problems


def content_note_rows(obj: Parsed) -> list[PassageNote]:
    """The store rows of a narrative's passage notes, in the order its file lists them."""
    return [PassageNote(narrative_id=obj.id, position=i, note=n.note, at=n.at, start=n.start, end=n.end)
            for i, n in enumerate(getattr(obj.source, "content_notes", []))]
