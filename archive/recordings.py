"""Recordings of narratives, and where their redacted passages lie in time.

A narrative may carry one or more recordings (sessions, in order): local audio or video files
(`media:` in its front matter), probed at ingest, or a remote link (an OHMS `media_url`), never
fetched. The master file stays where the archive keeps it (its path is recorded); only a public
derivative made at build, with every redacted passage silenced, is ever published
(`publish/media/`).

Times: a transcript's times (cues, OHMS index points, `## [hh:mm:ss]` headings) run on one
timeline for the whole narrative. Each recording starts somewhere on it (`offset_ms`: by default
where the one before it ends), so a recording of only the last part of an interview keeps the
transcript's times.

`silence_plan` places in time everything the public form of the narrative hides (the same
`Redactor` as its text, so text and sound always agree): a span in a cue with word timings
(WebVTT `<00:01:02.500>` tags) silences those words with a guard band; a span in a cue with only
cue timing silences the whole cue; a span in a timed section of the body silences the section.
A hidden span it cannot place (text with no time) withholds every recording of the narrative.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel, select

from archive.access import PUBLIC, media_visibility
from archive.body_segments import SEGMENT_HEADING
from archive.models import ConsentEntry, Narrative
from archive.redactions import Redactor, redactor_for
from archive.transcripts import CUE, INDEX, TranscriptSegment, format_time, segments_of
from archive.urls import captions_url, chapters_url, recording_url
from archive.views import RecordingView, SegmentData

AUDIO, VIDEO = "audio", "video"
VIDEO_HEIGHT = 720  # lines at most in a video's public copy: an interview needs no more, phones stream it
GUARD_MS = 250  # around word-timed spans: a word's tag marks its start, speech runs a little past
# The AAC encoder spreads each frame's quantisation noise over ~25 ms either side of an edit,
# so the derivative silences this much more than planned: the planned range is then exact zeros.
CODEC_MARGIN_MS = 60
OPEN_END = 1 << 60  # "until the end of the recording" for a passage whose end is not known


class Recording(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    narrative_id: str = Field(foreign_key="narrative.id", index=True)
    position: int = 0  # 0-based; the public names it by position + 1
    path: str = ""  # the master's absolute path at ingest (never published); "" for a remote one
    url: str = ""  # a remote recording (OHMS media_url): linked, never fetched
    source_path: str = ""  # as written in the narrative (for messages)
    sha256: str = ""
    bytes: int = 0
    kind: str = AUDIO
    container: str = ""  # as FFmpeg names the format: mp3, mov,mp4,m4a,..., ogg, wav, flac, matroska,webm
    codec: str = ""  # of the first audio stream
    streams: list[dict] = Field(default_factory=list, sa_column=Column(JSON))
    duration_ms: int | None = None  # None for a remote recording
    offset_ms: int = 0  # where it starts on the narrative's transcript timeline
    label: str = ""
    synthetic: bool = False  # made by a machine (e.g. a speech synthesiser), labelled so on the page


def video_size(recording: Recording) -> tuple[int, int] | None:
    """The picture size of a video recording's public copy (its master's, at most VIDEO_HEIGHT
    lines, each side even as 4:2:0 needs); None for a recording of sound only."""
    if recording.kind != VIDEO:
        return None
    pictures = [s for s in recording.streams if s.get("type") == "video" and s.get("width") and s.get("height")]
    if not pictures:
        return None
    width, height = pictures[0]["width"], pictures[0]["height"]
    if height > VIDEO_HEIGHT:
        width, height = width * VIDEO_HEIGHT // height, VIDEO_HEIGHT
    return max(2, width - width % 2), max(2, height - height % 2)


def recordings_of(session: Session, narrative_id: str) -> list[Recording]:
    return list(session.exec(select(Recording).where(Recording.narrative_id == narrative_id)
                             .order_by(Recording.position)))


def narratives_with_recordings(session: Session) -> list[str]:
    return sorted(set(session.exec(select(Recording.narrative_id))))


@dataclass(frozen=True)
class Silence:
    """A passage to silence, on the narrative's timeline, and how it was placed."""

    start_ms: int
    end_ms: int
    placed_by: str  # "words" (word timings) or "cue" (a whole cue or section)


@dataclass(frozen=True)
class SilencePlan:
    passages: tuple[Silence, ...] = ()  # sorted and merged
    withheld: str = ""  # why no recording of the narrative may be public; "" when they may

    def within(self, recording: Recording) -> list[Silence]:
        """The passages inside `recording`, in its own time (ms from its start)."""
        start = recording.offset_ms
        end = start + recording.duration_ms if recording.duration_ms is not None else OPEN_END
        return [Silence(max(p.start_ms, start) - start, min(p.end_ms, end) - start, p.placed_by)
                for p in self.passages if p.start_ms < end and p.end_ms > start]

    def digest(self, recording: Recording) -> str:
        """Names what the public copy of `recording` is made from: its bytes and its silences."""
        payload = json.dumps([recording.sha256, [(p.start_ms, p.end_ms) for p in self.within(recording)]])
        return hashlib.sha256(payload.encode()).hexdigest()[:32]


@dataclass
class _Timed:
    start_ms: int | None
    end_ms: int | None
    text: str
    where: str
    marks: list[list[int]] = field(default_factory=list)  # [char offset in text, ms] word timings


def _body_sections(body: str) -> list[_Timed]:
    """The raw Markdown of each `## [hh:mm:ss]` section (and the untimed preface), as the
    public form redacts it (the Redactor runs over the raw body)."""
    sections: list[_Timed] = []
    current = _Timed(None, None, "", "the body's preface")
    for line in body.splitlines():
        match = SEGMENT_HEADING.match(line)
        if match:
            sections.append(current)
            h, m, s = (int(x) for x in match.group(1).split(":"))
            current = _Timed(((h * 60 + m) * 60 + s) * 1000, None, line + "\n", f"section {match.group(1)}")
        else:
            current.text += line + "\n"
    sections.append(current)
    return [s for s in sections if s.text.strip()]


def _spoken(rows: list[TranscriptSegment]) -> list[_Timed]:
    """The transcript's speech: its cues; an index alone (no cues) stands for the speech it indexes."""
    cues = [r for r in rows if r.kind == CUE]
    items = []
    for row in cues or [r for r in rows if r.kind == INDEX]:
        text = row.text if row.kind == CUE else "\n".join([row.title, row.synopsis, "; ".join(row.keywords), row.text])
        items.append(_Timed(row.start_ms, row.end_ms, text, f"transcript cue at {format_time(row.start_ms)}"
                            if row.start_ms is not None else f"transcript cue {row.position + 1}",
                            [list(m) for m in (row.word_times or [])] if row.kind == CUE else []))
    return items


def _close_ends(items: list[_Timed]) -> None:
    """A passage with no end runs to the next timed passage after it (or to the recording's end)."""
    starts = sorted({i.start_ms for i in items if i.start_ms is not None})
    for item in items:
        if item.start_ms is not None and item.end_ms is None:
            later = [s for s in starts if s > item.start_ms]
            item.end_ms = later[0] if later else OPEN_END


def _word_range(marks: list[list[int]], cue: tuple[int, int], a: int, b: int) -> tuple[int, int]:
    """The time of the words at characters a..b of a cue: from the last word timing at or before
    them to the first at or after them (the cue's own start and end where there is none)."""
    before = [ms for offset, ms in marks if offset <= a]
    after = [ms for offset, ms in marks if offset >= b]
    start = max(before) if before else cue[0]
    end = min(after) if after else cue[1]
    return max(start - GUARD_MS, 0), end + GUARD_MS


def silence_plan(session: Session, narrative: Narrative, redactor: Redactor) -> SilencePlan:
    """Where the recordings of `narrative` must be silent for the public (see the module doc)."""
    items = _spoken(segments_of(session, narrative.id)) + _body_sections(narrative.body)
    if not redactor:
        return SilencePlan()
    if not any(i.start_ms is not None for i in items):
        return SilencePlan(withheld="the narrative has redactions but no timed transcript, so they cannot be "
                                    "placed in the recording; add a transcript with times (WebVTT, SRT or OHMS)")
    _close_ends(items)
    found: list[Silence] = []
    for item in items:
        spans = redactor.spans(item.text)
        if not spans:
            continue
        if item.start_ms is None or item.end_ms is None:
            return SilencePlan(withheld=f"a redacted passage ({item.where}) has no time in the transcript, "
                                        "so it cannot be silenced; give it a time or remove it from the text")
        if item.marks:
            cue = (item.start_ms, item.end_ms)
            found += [Silence(*_word_range(item.marks, cue, a, b), "words") for a, b in spans]
        else:
            found.append(Silence(item.start_ms, item.end_ms, "cue"))
    return SilencePlan(tuple(_merged(found)))


def _merged(passages: list[Silence]) -> list[Silence]:
    merged: list[Silence] = []
    for p in sorted(passages, key=lambda p: (p.start_ms, p.end_ms)):
        if merged and p.start_ms <= merged[-1].end_ms:
            last = merged[-1]
            how = last.placed_by if last.placed_by == p.placed_by else "cue"
            merged[-1] = Silence(last.start_ms, max(last.end_ms, p.end_ms), how)
        else:
            merged.append(p)
    return merged


REMOTE_WITHHELD = ("a remote recording cannot be silenced and the transcript has redacted passages in its time; "
                   "attach the file instead (media: file:) so a silenced copy is published")


@dataclass(frozen=True)
class Publication:
    """What the public gets of one recording: nothing (`withheld` says why) or a copy with
    `plan`'s passages silenced (a remote one only when nothing in its time needs silencing)."""

    recording: Recording
    plan: SilencePlan
    withheld: str = ""

    @property
    def public(self) -> bool:
        return not self.withheld


def publications(session: Session, narrative: Narrative, consent: list[ConsentEntry],
                 today: date) -> list[Publication]:
    """Each recording of `narrative` as the public may have it today (the one access rule, then
    the silence plan made with the public form's own redactions)."""
    rows = recordings_of(session, narrative.id)
    if not rows:
        return []
    vis = media_visibility(narrative, PUBLIC, today, consent)
    plan = silence_plan(session, narrative, redactor_for(session, narrative))
    result = []
    for row in rows:
        if not vis.visible:
            reason = vis.reason or "the narrative is not public"
        elif plan.withheld:
            reason = plan.withheld
        elif row.url and plan.within(row):
            reason = REMOTE_WITHHELD
        else:
            reason = ""
        result.append(Publication(row, plan, reason))
    return result


def public_status(session: Session, narrative: Narrative, today: date) -> str:
    """One line for staff: what the public gets of the narrative's recordings today, and why not."""
    consent = list(session.exec(select(ConsentEntry).where(ConsentEntry.narrative_id == narrative.id)))
    found = publications(session, narrative, consent, today)
    lines = []
    for pub in found:
        name = f"recording {pub.recording.position + 1}"
        if pub.withheld:
            lines.append(f"{name}: withheld from the public: {pub.withheld}")
        else:
            silenced = len(pub.plan.within(pub.recording)) if pub.recording.path else 0
            lines.append(f"{name}: public" + (f", {silenced} redacted passage{'s' * (silenced != 1)} silenced"
                                              if silenced else ""))
    return "; ".join(lines)


def recording_views(narrative_id: str, found: list[Publication], whole: bool,
                    redact: Callable[[str], str]) -> list[RecordingView]:
    """The recordings a narrative's view carries: the public ones, or (`whole`) all of them, their
    labels read through the view's `redact` like every other text of the narrative."""
    views: list[RecordingView] = []
    for pub in found:
        if not pub.public and not whole:
            continue
        row, number = pub.recording, pub.recording.position + 1
        local = bool(row.path)
        size = video_size(row) if local else None
        url = (recording_url(narrative_id, number, size is not None) if local else row.url) if pub.public else None
        silenced = pub.plan.within(row) if local else []
        view: RecordingView = {
            "number": number, "kind": VIDEO if size else AUDIO, "url": url, "remote": not local,
            "mime": ("video/mp4" if size else "audio/mp4") if local else "",
            "width": size[0] if size else None, "height": size[1] if size else None,
            "duration_ms": row.duration_ms, "offset_ms": row.offset_ms,
            "end_ms": row.offset_ms + row.duration_ms if row.duration_ms is not None else None,
            "label": redact(row.label) or f"Recording {number}", "synthetic": row.synthetic,
            "captions": captions_url(narrative_id, number) if local and pub.public else None,
            "chapters": chapters_url(narrative_id, number) if local and pub.public else None,
            "silenced": [{"start_ms": p.start_ms, "end_ms": p.end_ms, "seconds": max(1, round((p.end_ms - p.start_ms) / 1000)),
                          "time": format_time(p.start_ms + row.offset_ms) or "", "placed_by": p.placed_by}
                         for p in silenced],
        }
        if whole:
            view["withheld"] = pub.withheld
        views.append(view)
    return views


def link_segments(segments: list[SegmentData], views: list[RecordingView]) -> None:
    """Give each segment a public recording covers a link to its moment (`…m4a#t=372`), which
    works without JavaScript (a media fragment), and the recording's number."""
    playable = [v for v in views if v["url"]]
    for seg in segments:
        start = seg.get("start_ms")
        if start is None:
            continue
        covering = [v for v in playable if v["offset_ms"] <= start and (v["end_ms"] is None or start < v["end_ms"])]
        if covering:
            view = covering[-1]
            seconds = (start - view["offset_ms"]) / 1000
            seg["media"] = f"{view['url']}#t={seconds:g}"
            seg["recording"] = view["number"]
