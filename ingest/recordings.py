"""The recordings a narrative names (`media:`), read during the check phase of a run.

Like a record's images (`ingest.attachments`), each local file is probed before anything is
written (`ingest.readers.media`), so a cut or fake recording fails the run with a line naming
it; what the probe found rides on the parsed object, so a replaced recording is a changed
narrative. A remote recording (a `url:`, or an OHMS export's `media_url` when the narrative
names none) is kept as a link and never fetched. A transcript time after the end of the
recordings is a warning: the passage cannot be heard, and its link would lead nowhere.
"""

from __future__ import annotations

from pathlib import Path

from archive.body_segments import SEGMENT_HEADING
from archive.errors import ContentProblem
from archive.recordings import Recording
from archive.transcripts import format_time
from ingest.attachments import outside_reason
from ingest.readers.media import MediaInfo, MediaProblem, probe
from ingest.readers.parsed import Parsed


def _ms(time: str) -> int:
    h, m, s = (int(x) for x in time.split(":"))
    return ((h * 60 + m) * 60 + s) * 1000


def read_recordings(objects: list[Parsed], roots: list[Path]) -> tuple[list[ContentProblem], list[ContentProblem]]:
    """Fill `obj.attachments["recordings"]` for every narrative with recordings; return the
    problems and the warnings. Files must lie inside `roots`, as attachments must
    (`ingest.attachments.outside_reason`)."""
    roots = [root.resolve() for root in roots]
    problems: list[ContentProblem] = []
    warnings: list[ContentProblem] = []
    for obj in objects:
        if obj.kind != "narrative":
            continue
        entries = list(obj.source.media)
        meta = obj.transcript.meta if obj.transcript is not None else {}
        if not entries and str(meta.get("media_url", "")).startswith(("http://", "https://")):
            entries = [{"url": meta["media_url"].strip()}]
        if not entries:
            continue
        base = Path(obj.doc.path).parent
        rows: list[dict] = []
        offset, failed = 0, False
        for index, entry in enumerate(entries):
            entry = entry if isinstance(entry, dict) else entry.model_dump()
            start = _ms(entry["starts_at"]) if entry.get("starts_at") else offset
            row = {"position": index, "offset_ms": start, "label": entry.get("label") or "",
                   "synthetic": bool(entry.get("synthetic"))}
            if entry.get("url"):
                rows.append(row | {"url": entry["url"], "source_path": entry["url"], "duration_ms": None})
                offset = start
                continue
            name = entry["file"]
            path = (base / name).resolve()
            display = str(Path(obj.doc.display_path).parent / name)
            if why := outside_reason(name, path, roots):
                problems.append(obj.problem(("media", index), why))
                failed = True
                continue
            try:
                info = probe(path, display)
            except MediaProblem as exc:
                problems.append(obj.problem(("media", index), str(exc)))
                failed = True
                continue
            rows.append(row | {"path": str(path), "source_path": name, "sha256": info.sha256, "bytes": info.bytes,
                               "kind": info.kind, "container": info.container, "codec": info.codec,
                               "streams": info.streams, "duration_ms": info.duration_ms})
            offset = start + info.duration_ms
        if failed:
            continue
        obj.attachments["recordings"] = rows
        warnings += _past_the_end(obj, rows)
    return problems, warnings


def _past_the_end(obj: Parsed, rows: list[dict]) -> list[ContentProblem]:
    """A warning for each transcript time no local recording reaches (remote ones are not measured)."""
    if not rows or any(r.get("duration_ms") is None for r in rows):
        return []
    end = max(r["offset_ms"] + r["duration_ms"] for r in rows)
    times: list[tuple[int, str]] = []
    if obj.transcript is not None:
        times += [(s.start_ms, obj.transcript.path) for s in obj.transcript.segments if s.start_ms is not None]
    times += [(_ms(t), obj.doc.display_path) for t in _heading_times(obj.body)]
    late = sorted((ms, where) for ms, where in times if ms >= end)
    if not late:
        return []
    ms, where = late[0]
    more = f" (and {len(late) - 1} more)" if len(late) > 1 else ""
    return [ContentProblem(where, None, f"the passage at {format_time(ms)}{more} starts after the end of the "
                                        f"narrative's recordings ({format_time(end)}); check the times or "
                                        "the recording's starts_at")]


def _heading_times(body: str) -> list[str]:
    return [m.group(1) for line in body.splitlines() if (m := SEGMENT_HEADING.match(line))]


def uploaded_recording_rows(narrative_id: str, path: Path | None, info: MediaInfo | None = None) -> list[Recording]:
    """The store row of a staff narrative's uploaded recording (none without one), for
    `archive.workflow` to keep when it is published: from `info` when it was just sniffed, else
    probed again as ingest probes a content file (a MediaProblem when it no longer reads)."""
    if path is None:
        return []
    info = info or probe(path, path.name)
    return [Recording(narrative_id=narrative_id, position=0, path=str(path.resolve()), source_path=path.name,
                      sha256=info.sha256, bytes=info.bytes, kind=info.kind, container=info.container,
                      codec=info.codec, streams=info.streams, duration_ms=info.duration_ms)]
