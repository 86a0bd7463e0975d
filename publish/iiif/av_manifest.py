"""IIIF Presentation 3 manifests for narratives with a public recording (audiovisual IIIF).

One canvas per public recording, with its `duration` (and a video's `width` and `height`); the
painting annotation is the public, silenced copy (`publish/media/`: `Sound`, or `Video` with its
pictures), never the master; the captions made from the public transcript
are a `supplementing` annotation (WebVTT), as AV viewers (Universal Viewer, Aviary, Clover) read
them; and each timed segment of the transcript is a `structures` range pointing at its stretch of
the canvas (`…/canvas/1#t=18.5,63`), so a viewer lists the interview's passages as a table of
contents. Built from the narrative's public view with the `iiif-prezi3` models, like the
records' image manifests (`publish.iiif.manifest`), so it shows nothing the page does not.
"""

from __future__ import annotations

import json

from iiif_prezi3 import (
    Annotation,
    AnnotationBody,
    AnnotationPage,
    Canvas,
    CanvasRef,
    Homepage,
    KeyValueString,
    LinkedResource,
    Manifest,
    Provider,
    Range,
)

from archive.errors import NotFound
from archive.urls import SiteUrls, api_url, narrative_manifest_url, page_url
from archive.views import NarrativeView, RecordingView
from publish.iiif.manifest import _language, _text, summary_of


def _seconds(ms: int) -> float:
    return round(ms / 1000, 3)


def _ranges(view: NarrativeView, recording: RecordingView, canvas_id: str, base: str) -> list[Range]:
    start, length = recording["offset_ms"], recording["duration_ms"] or 0
    timed = sorted((s for s in view["segments"] if s.get("recording") == recording["number"]),
                   key=lambda s: s["start_ms"] or 0)
    ranges = []
    for index, seg in enumerate(timed):
        begin = (seg["start_ms"] or 0) - start
        later = [(s["start_ms"] or 0) - start for s in timed[index + 1:] if (s["start_ms"] or 0) > (seg["start_ms"] or 0)]
        end = min((seg.get("end_ms") or start + length) - start, later[0] if later else length, length)
        if end <= begin:
            continue
        title = seg.get("label") or seg["title"]
        ranges.append(Range(id=f"{base}/range/{recording['number']}-{index + 1}",
                            label=_text([f"{seg['time']} {title}"]),
                            items=[CanvasRef(id=f"{canvas_id}#t={_seconds(begin)},{_seconds(end)}", type="Canvas")]))
    return ranges


def narrative_manifest(view: NarrativeView, urls: SiteUrls, archive_name: str) -> dict:
    """The Presentation 3 manifest of a public narrative view with a public recording file."""
    playable = [r for r in view["recordings"] if r["url"] and not r["remote"] and r["duration_ms"]]
    if not playable:
        raise NotFound(f"narrative '{view['id']}' has no public recording, so it has no IIIF manifest")
    absolute = urls.absolute
    manifest_id = absolute(narrative_manifest_url(view["id"]))
    base = manifest_id.rsplit("/", 1)[0] + "/iiif"
    language = _language(view.get("language", ""))
    canvases, structures = [], []
    for rec in playable:
        number = rec["number"]
        canvas_id = f"{base}/canvas/{number}"
        duration = _seconds(rec["duration_ms"] or 0)
        # A video's pictures give the canvas its size; sound alone has only a duration.
        size = {"width": rec["width"], "height": rec["height"]} if rec["kind"] == "video" and rec["width"] else {}
        media = AnnotationBody(id=absolute(rec["url"] or ""), type="Video" if size else "Sound", format=rec["mime"],
                               duration=duration, **size)
        painting = Annotation(id=f"{base}/annotation/{number}", motivation="painting", body=media, target=canvas_id)
        captions = AnnotationBody(id=absolute(rec["captions"] or ""), type="Text", format="text/vtt",
                                  language=view.get("language") or "none",
                                  label=_text(["Captions: the public transcript, redactions applied"]))
        supplementing = Annotation(id=f"{base}/annotation/{number}-captions", motivation="supplementing",
                                   body=captions, target=canvas_id)
        canvases.append(Canvas(id=canvas_id, label=_text([rec["label"]]), duration=duration, **size,
                               items=[AnnotationPage(id=f"{base}/page/{number}", items=[painting])],
                               annotations=[AnnotationPage(id=f"{base}/page/{number}-captions",
                                                           items=[supplementing])]))
        structures += _ranges(view, rec, canvas_id, base)
    home = absolute("/")
    synthetic = any(r["synthetic"] for r in playable)
    metadata = [("Date", view["date"]["display"]), ("Narrator", view["narrator"]),
                ("Interviewer", view.get("interviewer", "")), ("Place", view.get("place", "")),
                ("Recording", "Synthetic: a speech synthesiser reads the transcript" if synthetic else ""),
                ("Identifier", view["id"])]
    properties: dict = {
        "id": manifest_id,
        "label": _text([view["title"]], language),
        "metadata": [KeyValueString(label=_text([k]), value=_text([v])) for k, v in metadata if v],
        "requiredStatement": KeyValueString(label=_text(["Attribution"]), value=_text([view["credit"]])),
        "provider": [Provider(id=home, type="Agent", label=_text([archive_name]),
                              homepage=[Homepage(id=home, type="Text", format="text/html",
                                                 label=_text([archive_name]))])],
        "homepage": [Homepage(id=absolute(page_url("narrative", view["id"])), type="Text", format="text/html",
                              label=_text([view["title"]], language))],
        "seeAlso": [LinkedResource(id=absolute(api_url("narrative", view["id"])), type="Dataset",
                                   format="application/json", label=_text(["The narrative in the archive's JSON API"]))],
        "items": canvases,
    }
    if structures:
        properties["structures"] = structures
    summary = summary_of(view.get("summary", ""))
    if summary:
        properties["summary"] = _text([summary], language)
    return json.loads(Manifest(**properties).json())
