"""Timestamped transcript segments of a narrative, and where its transcript came from.

A narrative's transcript may come from a WebVTT/SRT file or an OHMS export. Both end up
here as rows a reader can link to by time: cues (one speaker turn each) and index segments
(an OHMS index point: a title, a synopsis and keywords for a stretch of the interview).
Segments are child rows of their narrative: they are replaced whenever it changes, and
they pass through the same access rule and redactions as the narrative's own text.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from typing import cast

from sqlalchemy import JSON, Column, delete
from sqlmodel import Field, Session, SQLModel, select

from archive.views import SegmentData

CUE = "cue"      # one stretch of speech: a WebVTT/SRT cue or a speaker turn of an OHMS transcript
INDEX = "index"  # an OHMS index point: title, synopsis, keywords, from its time to the next one


class TranscriptSegment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    narrative_id: str = Field(foreign_key="narrative.id", index=True)
    position: int
    kind: str = CUE
    start_ms: int | None = None
    end_ms: int | None = None
    speaker: str = ""
    title: str = ""
    synopsis: str = ""
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    text: str = ""
    # Second-language twins of the fields above (OHMS `_alt` fields), kept as found.
    alt: dict = Field(default_factory=dict, sa_column=Column(JSON))
    # Word timings of a WebVTT cue (`<00:01:02.500>` tags) as [character offset in `text`, ms]:
    # where a redacted span is spoken, so its words alone are silenced (archive/recordings.py).
    word_times: list = Field(default_factory=list, sa_column=Column(JSON))


class TranscriptSource(SQLModel, table=True):
    """The transcript file behind a narrative and what it said about itself (OHMS metadata)."""

    narrative_id: str = Field(foreign_key="narrative.id", primary_key=True)
    path: str
    format: str  # webvtt, srt, ohms-6, ohms-5
    meta: dict = Field(default_factory=dict, sa_column=Column(JSON))


def format_time(ms: int | None) -> str | None:
    """Milliseconds as "HH:MM:SS" (the form segment anchors and headings use)."""
    if ms is None:
        return None
    seconds = max(ms, 0) // 1000
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def segments_of(session: Session, narrative_id: str) -> list[TranscriptSegment]:
    return list(session.exec(
        select(TranscriptSegment).where(TranscriptSegment.narrative_id == narrative_id)
        .order_by(TranscriptSegment.position)))


def source_of(session: Session, narrative_id: str) -> TranscriptSource | None:
    return session.get(TranscriptSource, narrative_id)


def anchor(time: str | None) -> str | None:
    """The element id a search hit links to: `00:04:12` → `t-00-04-12`."""
    return f"t-{time.replace(':', '-')}" if time else None


def _turn_html(speaker: str, text: str) -> str:
    lines = "<br>\n".join(html.escape(line) for line in text.split("\n"))
    label = f"<strong>{html.escape(speaker)}:</strong> " if speaker else ""
    return f"<p>{label}{lines}</p>\n"


def segment_views(rows: list[TranscriptSegment], redact: Callable[[str], str]) -> list[dict]:
    """Transcript rows as the narrative view's segments, with `redact` applied to every field.

    Each OHMS index point becomes one segment holding its synopsis and the speech that falls
    within its time; cues outside any index point (or all cues, without an index) stand alone.
    """
    points = [r for r in rows if r.kind == INDEX]
    cues = [r for r in rows if r.kind != INDEX]
    grouped: dict[int, list[TranscriptSegment]] = {id(p): [] for p in points}
    views: list[tuple[int, int, dict]] = []
    for cue in cues:
        point = _owner(points, cue)
        if point is not None:
            grouped[id(point)].append(cue)
            continue
        views.append((cue.start_ms or 0, cue.position, _cue_view(cue, redact)))
    for point in points:
        views.append((point.start_ms or 0, point.position, _point_view(point, grouped[id(point)], redact)))
    views.sort(key=lambda v: (v[0], v[1]))
    return [v for _, _, v in views]


def _owner(points: list[TranscriptSegment], cue: TranscriptSegment) -> TranscriptSegment | None:
    """The index point whose time holds the cue's start: the last of them, should two overlap."""
    start = cue.start_ms or 0
    inside = [p for p in points if (p.start_ms or 0) <= start and (p.end_ms is None or start < p.end_ms)]
    return inside[-1] if inside else None


def _cue_view(cue: TranscriptSegment, redact: Callable[[str], str]) -> dict:
    """A cue outside every index point: a segment of its own, one speaker turn."""
    speaker, text = redact(cue.speaker), redact(cue.text)
    return {
        "kind": cue.kind, "time": format_time(cue.start_ms), "title": redact(cue.title), "speaker": speaker,
        "start_ms": cue.start_ms, "end_ms": cue.end_ms, "synopsis": "", "keywords": [],
        "html": _turn_html(speaker, text), "text": " ".join(f"{speaker}: {text}".split()) if speaker else text}


def _point_view(point: TranscriptSegment, turns: list[TranscriptSegment], redact: Callable[[str], str]) -> dict:
    """An index point as one segment: its synopsis, then the turns spoken within its time."""
    synopsis = redact(point.synopsis)
    parts = [f'<p class="synopsis">{html.escape(synopsis)}</p>\n'] if synopsis else []
    texts = [synopsis] if synopsis else []
    for cue in turns:
        speaker, text = redact(cue.speaker), redact(cue.text)
        parts.append(_turn_html(speaker, text))
        texts.append(f"{speaker}: {text}" if speaker else text)
    speakers = {redact(c.speaker) for c in turns if c.speaker}
    return {
        "kind": INDEX, "time": format_time(point.start_ms), "title": redact(point.title),
        "speaker": speakers.pop() if len(speakers) == 1 else "", "start_ms": point.start_ms,
        "end_ms": point.end_ms, "synopsis": synopsis, "keywords": [redact(k) for k in point.keywords],
        "html": "".join(parts), "text": " ".join(" ".join(texts).split()),
        "alt": _alt_view(point.alt, redact)}


def _alt_view(alt: dict, redact: Callable[[str], str]) -> dict:
    """The second-language twins an OHMS index point may carry (`title_alt`, …), redacted like the rest."""
    return {k: ([redact(x) for x in v] if isinstance(v, list) else redact(v))
            for k, v in alt.items() if k in ("title", "synopsis", "keywords")}


def add_anchors(segments: list[dict]) -> list[SegmentData]:
    """Give each segment its `t-HH-MM-SS` anchor; a second segment at the same second gets none.

    The segments of a body's headings and of a transcript come in with different keys; each
    leaves with every key a `SegmentData` requires (speaker, start, end, anchor)."""
    seen: set[str] = set()
    for seg in segments:
        seg.setdefault("speaker", "")
        seg.setdefault("start_ms", _ms(seg.get("time")))
        seg.setdefault("end_ms", None)
        name = anchor(seg.get("time"))
        seg["anchor"] = name if name and name not in seen else None
        if name:
            seen.add(name)
    return cast(list[SegmentData], segments)


def _ms(time: str | None) -> int | None:
    if not time:
        return None
    h, mi, s = (int(x) for x in time.split(":"))
    return ((h * 60 + mi) * 60 + s) * 1000


def replace_segments(session: Session, narrative_id: str,
                     rows: Iterable[TranscriptSegment | TranscriptSource]) -> None:
    """Replace a narrative's transcript rows (segments and source) with `rows`.

    Used when a staff submission is published: its uploaded file, read by the ingest readers,
    becomes the master text, like an ingested transcript's, and the narrative's redactions
    (refreshed right after, over every segment field) apply in every output.
    """
    for table in (TranscriptSegment, TranscriptSource):
        session.exec(delete(table).where(table.narrative_id == narrative_id))  # type: ignore[call-overload]
    for row in rows:
        session.add(row)
