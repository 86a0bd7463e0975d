"""What each timed passage of a narrative is called and where it lies: its label and its locator.

A passage (a segment with a time) is cited and found by its **locator**, the stretch of the
interview it covers as the transcript times it (`00:12:04–00:13:10`): from its start to its own
end, else to the start of the next timed passage, else to the end of the public recording that
plays it; a passage with none of these is located by its start alone. Its **label** is its title
(a `## [hh:mm:ss]` heading, an OHMS index point), or, for a cue that has none, the first words of
what is said in it, read from the public text (so already redacted, a redaction token kept
whole), never a bare time. Words folded behind a content note (the narrative's, or a note on the
passage) are not lifted out of it: such a passage is called `FOLDED` until the reader opens it.

Computed once on the narrative's view (`locate`), so the page's sections list, the chapters
track, the IIIF ranges, the passage citations and the search documents all say the same.
"""

from __future__ import annotations

import bisect
import re

from archive.transcripts import format_time
from archive.views import RecordingView, SegmentData

LABEL_WORDS = 8
FOLDED = "Passage behind a content note"
# A word of a label: a redaction token ("[redacted: name of a third party]") counts as one.
WORD = re.compile(r"\[redacted: [^\]]*\]\S*|\S+")


def label_of(seg: SegmentData, folded: bool = False) -> str:
    """The segment's title, or the first words of its text (its speaker's name left out); for
    an untitled segment behind a content note (`folded`, or a note on it), `FOLDED`."""
    if seg["title"]:
        return seg["title"]
    if folded or seg.get("content_note"):
        return FOLDED
    text = seg["text"]
    if seg["speaker"] and text.startswith(f"{seg['speaker']}: "):
        text = text[len(seg["speaker"]) + 2:]
    words = WORD.findall(text)
    if not words:
        return ""
    return " ".join(words[:LABEL_WORDS]) + ("…" if len(words) > LABEL_WORDS else "")


def locator(start_ms: int, end_ms: int | None) -> str:
    """`00:12:04–00:13:10`, or `00:12:04` without an end (or with one in the same second)."""
    start = format_time(start_ms) or ""
    end = format_time(end_ms) if end_ms is not None else None
    return f"{start}–{end}" if end and end != start else start


def locate(segments: list[SegmentData], recordings: list[RecordingView], folded: bool = False) -> None:
    """Give each timed segment its `label`, `locator` and `until_ms` (None when not known);
    `folded`: the whole transcript is behind the narrative's content note."""
    starts = sorted({s["start_ms"] for s in segments if s["start_ms"] is not None})
    for seg in segments:
        start = seg["start_ms"]
        if start is None:
            continue
        end = seg["end_ms"]
        if end is None or end <= start:
            following = bisect.bisect_right(starts, start)  # a long transcript has thousands of cues
            covering = [r["end_ms"] for r in recordings
                        if r["end_ms"] is not None and r["offset_ms"] <= start < r["end_ms"]]
            end = starts[following] if following < len(starts) else (covering[-1] if covering else None)
        seg["label"] = label_of(seg, folded)
        seg["locator"] = locator(start, end)
        seg["until_ms"] = end
