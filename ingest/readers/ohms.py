"""OHMS XML exports (the Oral History Metadata Synchronizer) as narratives with segments.

Both generations in the wild are read as they come, with or without the XML namespace:
- 6.x: the transcript is WebVTT inside `<vtt_transcript>` (read by `ingest.readers.transcripts`);
- 5.x: a plain `<transcript>` with `NAME:` speaker labels and a minute-based `<sync>`
  string `1:|13(3)|19(14)|…`: one-minute steps, minute 1 ends at transcript line 13, word 3.
Index points (`<point>`: time in seconds, title, synopsis, `;`-separated keywords) become
index segments, each running to the next point. Every `_alt` (second-language) twin is kept.
XML is parsed with defusedxml, so an entity-expansion ("billion laughs") or external-entity
file is refused with a clear error instead of exhausting memory or reading local files.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from archive.errors import ContentError, ContentProblem
from archive.transcripts import INDEX
from ingest.readers.transcripts import (
    Segment,
    Transcript,
    parse_captions,
    segments_from_captions,
    split_speaker,
)

SYNC_STAMP = re.compile(r"^(\d+)\((\d+)\)$")
# 5.x transcripts may end with a footnote block and cite it inline: [[footnote]]1[[/footnote]].
FOOTNOTES = re.compile(r"\[\[footnotes\]\](.*?)\[\[/footnotes\]\]", re.DOTALL)
FOOTNOTE_NOTE = re.compile(r"\[\[note\]\](.*?)\[\[/note\]\]", re.DOTALL)
FOOTNOTE_REF = re.compile(r"\[\[footnote\]\](\d+)\[\[/footnote\]\]")
# Record fields kept as metadata (each with its `_alt` twin when present).
META_FIELDS = (
    "version", "title", "accession", "date_nonpreferred_format", "duration", "collection_id",
    "collection_name", "series_id", "series_name", "repository", "repository_url", "funding",
    "interviewer", "language", "description", "rights", "usage", "userestrict", "media_url",
    "file_name", "fmt", "type", "transcript_alt_lang", "collection_link", "series_link", "user_notes",
)
NO_TRANSCRIPT = {"", "no transcript."}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _strip_namespaces(root: Element) -> None:
    """Files come with and without the OHMS namespace: compare local names only."""
    for element in root.iter():
        element.tag = _local(element.tag)


def _text(parent: Element | None, name: str) -> str:
    found = parent.find(name) if parent is not None else None
    return (found.text or "").strip() if found is not None else ""


def _keywords(value: str) -> list[str]:
    return [k.strip() for k in value.split(";") if k.strip()]


class _LineBuilder(TreeBuilder):
    """Builds the tree and notes the line each element starts on, so a problem inside an
    export (an index point, a cue of its WebVTT transcript) names its line in the file."""

    def __init__(self, lines: dict[Element, int]):
        super().__init__()
        self.lines = lines
        self.parser: SafeET.DefusedXMLParser | None = None

    def start(self, tag, attrs):  # type: ignore[no-untyped-def]
        element = super().start(tag, attrs)
        if self.parser is not None:
            self.lines[element] = self.parser.parser.CurrentLineNumber  # expat's position
        return element


def load_xml(path: Path, display: str, lines: dict[Element, int] | None = None) -> Element:
    """The `<record>` of an OHMS export, parsed with defusedxml; hostile or broken XML is a
    ContentError naming the file and line. `lines`, if given, receives each element's line."""
    builder = _LineBuilder({} if lines is None else lines)
    parser = SafeET.DefusedXMLParser(target=builder, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    builder.parser = parser
    try:
        root = SafeET.parse(str(path), parser=parser).getroot()
    except DefusedXmlException as exc:
        raise ContentError([ContentProblem(display, None, (
            f"refused: the XML declares entities or external references ({type(exc).__name__}); "
            "an OHMS export never needs them (expected a plain OHMS XML file)"))]) from exc
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise ContentError([ContentProblem(display, None, f"not well-formed XML: {exc} (expected an OHMS XML export)", line)]) from exc
    _strip_namespaces(root)
    record = root.find("record")
    if root.tag != "ROOT" or record is None:
        raise ContentError([ContentProblem(display, None,
                                           f"root element <{root.tag}> is not an OHMS export (expected <ROOT><record>…)",
                                           builder.lines.get(root))])
    return record


def read_ohms(path: Path, display: str) -> Transcript:
    """Read an OHMS export: metadata, index segments and transcript segments in time order."""
    data = path.read_bytes()
    lines: dict[Element, int] = {}
    record = load_xml(path, display, lines)
    meta = _metadata(record)
    warnings: list[ContentProblem] = []
    vtt = _text(record, "vtt_transcript")
    if vtt:
        fmt = "ohms-6"
        # Lines before the WebVTT text's first line: its element's line, plus any line breaks
        # between the tag and `WEBVTT` (the text is stripped before it is parsed).
        element = record.find("vtt_transcript")
        raw = element.text or ""  # type: ignore[union-attr]
        offset = lines.get(element, 1) - 1 + raw[:len(raw) - len(raw.lstrip())].count("\n")  # type: ignore[arg-type]
        cues, warnings = segments_from_captions(parse_captions(vtt, "webvtt", display, offset), display, vtt, offset)
    else:
        fmt = "ohms-5"
        text = _raw(record, "transcript")
        notes = [" ".join(n.split()) for block in FOOTNOTES.findall(text) for n in FOOTNOTE_NOTE.findall(block)]
        if notes:
            meta["footnotes"] = notes
        text = FOOTNOTE_REF.sub(r"[\1]", FOOTNOTES.sub("", text))
        cues = legacy_segments(text, _text(record, "sync"))
        sync = record.find("sync")
        warnings += [ContentProblem(display, "sync", message, lines.get(sync))  # type: ignore[arg-type]
                     for message in sync_problems(_text(record, "sync"))]
        alt = _raw(record, "transcript_alt")
        if alt.strip():
            meta["transcript_alt"] = alt
            meta["sync_alt"] = _text(record, "sync_alt")
    index = index_segments(record, display, warnings, lines)
    segments = sorted(index + cues, key=lambda s: (s.start_ms or 0, s.kind != INDEX))
    return Transcript(display, fmt, segments, hashlib.sha256(data).hexdigest(), meta=meta, warnings=warnings)


def _raw(record: Element, name: str) -> str:
    found = record.find(name)
    return (found.text or "") if found is not None else ""


def _metadata(record: Element) -> dict:
    meta: dict = {"id": record.get("id", ""), "dt": record.get("dt", "")}
    for name in META_FIELDS:
        for key in (name, f"{name}_alt"):
            value = _text(record, key)
            if value:
                meta[key] = value
    date = record.find("date")
    meta["date"] = (date.get("value") or "").strip() if date is not None else ""
    for name in ("subject", "interviewee", "keyword", "format"):
        values = [(e.text or "").strip() for e in record.findall(name) if (e.text or "").strip()]
        if values:
            meta[name] = values
    return meta


def index_segments(record: Element, display: str, warnings: list[ContentProblem],
                   lines: dict[Element, int] | None = None) -> list[Segment]:
    """Index points, each running until the next one starts."""
    points: list[Segment] = []
    for number, point in enumerate(record.findall("index/point"), 1):
        raw_time = _text(point, "time")
        try:
            start = int(float(raw_time) * 1000)
        except ValueError:
            where = point.find("time")
            warnings.append(ContentProblem(display, f"index point {number}",
                                           f"time {raw_time!r} is not a number of seconds; point skipped",
                                           (lines or {}).get(where if where is not None else point)))
            continue
        alt = {key: _text(point, f"{key}_alt") for key in ("title", "synopsis", "keywords", "subjects",
                                                           "partial_transcript")}
        alt = {k: (_keywords(v) if k in ("keywords", "subjects") else v) for k, v in alt.items() if v}
        extra = {"subjects": _keywords(_text(point, "subjects")),
                 "partial_transcript": _text(point, "partial_transcript"),
                 "gps": _text(point.find("gpspoints"), "gps"),
                 "gps_text": _text(point.find("gpspoints"), "gps_text")}
        alt.update({f"_{k}": v for k, v in extra.items() if v})
        points.append(Segment(start_ms=start, end_ms=None, text="", kind=INDEX, title=_text(point, "title"),
                              synopsis=_text(point, "synopsis"), keywords=_keywords(_text(point, "keywords")),
                              alt=alt))
    points.sort(key=lambda s: s.start_ms or 0)
    for current, following in itertools.pairwise(points):
        current.end_ms = following.start_ms
    return points


def parse_sync(sync: str) -> dict[int, int]:
    """The 5.x `sync` string as {transcript line (1-based): seconds from the start}.

    `1:|13(3)|19(14)` means steps of 1 minute; the k-th stamp is where minute k ends (line
    13, word 3 at 60 s; line 19, word 14 at 120 s). Only the first stamp on a line is kept.
    """
    if ":" not in sync:
        return {}
    step_text, stamps = sync.split(":", 1)
    step = int(step_text) * 60 if step_text.strip().isdigit() else 60
    times: dict[int, int] = {}
    for k, stamp in enumerate(stamps.split("|")):
        match = SYNC_STAMP.match(stamp.strip())
        if match:
            times.setdefault(int(match.group(1)), k * step)
    return times


def sync_problems(sync: str) -> list[str]:
    """What `parse_sync` had to leave out of a 5.x `sync` string, in words."""
    if not sync:
        return []
    if ":" not in sync:
        return [(f"{sync[:40]!r} is not an OHMS sync string; the transcript is left untimed "
                "(expected '1:|13(3)|19(14)|…': minutes per step, then line(word) stamps)")]
    bad = [stamp.strip() for stamp in sync.split(":", 1)[1].split("|")
           if stamp.strip() and SYNC_STAMP.match(stamp.strip()) is None]
    if not bad:
        return []
    return [(f"sync stamp{'s' if len(bad) > 1 else ''} {', '.join(repr(b) for b in bad[:5])} could not be read "
            "and were left out (expected line(word), e.g. '13(3)')")]


def legacy_segments(transcript: str, sync: str) -> list[Segment]:
    """Speaker turns of a 5.x transcript (paragraphs split at blank lines), timed by `sync`."""
    if transcript.strip().lower() in NO_TRANSCRIPT:
        return []
    times = parse_sync(sync)
    turns: list[Segment] = []
    speaker = ""
    paragraph: list[str] = []
    start_line = 1

    def close() -> None:
        nonlocal speaker
        text = "\n".join(paragraph).strip()
        if not text:
            return
        label, text = split_speaker(text)
        speaker = label or speaker
        known = [t for line, t in times.items() if line < start_line]
        start = max(known) * 1000 if known else 0
        turns.append(Segment(start_ms=start, end_ms=None, text=" ".join(text.split()), speaker=speaker))

    for number, line in enumerate(transcript.split("\n"), 1):
        if line.strip():
            if not paragraph:
                start_line = number
            paragraph.append(line)
        else:
            close()
            paragraph = []
    close()
    for current, following in itertools.pairwise(turns):
        current.end_ms = following.start_ms if following.start_ms > current.start_ms else None
    return turns


def narrative_fields(transcript: Transcript, stem: str) -> dict:
    """Front matter for an OHMS export that stands alone in `narratives/` (no Markdown file).

    An export carries no consent log and no release, so the narrative it makes is staff-only
    (restricted when OHMS says `userestrict`); a curator publishes it by writing a narrative
    file with consent that names the export as its `transcript`.
    """
    meta = transcript.meta
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    interviewee = "; ".join(meta.get("interviewee", []))
    return {
        "id": f"nar-{slug}",
        "title": meta.get("title") or stem,
        "narrator": {"name": interviewee, "display_name": interviewee or "Unnamed narrator",
                     "name_policy": "full" if interviewee else "anonymous"},
        "interviewer": meta.get("interviewer", ""),
        "date": meta.get("date") or "XXXX",
        "summary": meta.get("description", ""),
        "access": "restricted" if meta.get("userestrict") == "1" else "staff",
        # The recording OHMS points to is kept as a link (never fetched; see ingest/recordings.py).
        "media": [{"url": meta["media_url"]}] if _is_link(meta.get("media_url")) else [],
    }


def _is_link(value: object) -> bool:
    return isinstance(value, str) and re.match(r"^https?://\S+$", value.strip()) is not None
