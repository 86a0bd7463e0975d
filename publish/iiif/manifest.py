"""IIIF Presentation 3 manifests for public records with images, served and published.

A manifest is what a IIIF viewer (Mirador, Universal Viewer, Clover) opens: the record's
label, summary, metadata, credit and rights, its page (`homepage`) and its API record
(`seeAlso`), and one canvas per attached image, painted with the image's level-0 service
(the static tiles and `info.json` that publish/iiif/files.py publishes beside it). It is built
with the `iiif-prezi3` models, which check each property as it is set, from the record's
public view: so a manifest shows nothing the record page does not, and a record the
public may not see has no manifest at all (the Catalog raises NotFound for it).

The same bytes are served by the app at `/iiif/<record-id>/manifest.json` (from the store,
so a record hidden since the last build is refused at once) and written into the static
site at that path by `reckon build`. Ids are absolute URLs under `RECKON_BASE_URL`, as the
Presentation API requires, so a viewer on another site can open them.
"""

from __future__ import annotations

import json
import re

from iiif_prezi3 import (
    Annotation,
    AnnotationBody,
    AnnotationPage,
    Canvas,
    Homepage,
    KeyValueString,
    LinkedResource,
    Manifest,
    Provider,
    ServiceV3,
)

from archive.catalog import Catalog
from archive.errors import NotFound
from archive.media import Media
from archive.urls import SiteUrls, api_url, iiif_manifest_url, iiif_url, page_url

# The media type the Presentation API asks servers to send (section 6.1).
MEDIA_TYPE = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'
SUMMARY_LENGTH = 600
LANGUAGE_CODE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
# Licences a IIIF client understands (`rights` must be one of these two vocabularies).
LICENCE_URL = re.compile(
    r"https?://(creativecommons\.org/(?:licenses|publicdomain)/[A-Za-z0-9.\-/]+|rightsstatements\.org/vocab/[A-Za-z0-9.\-/]+)")


def _text(values: list[str], language: str = "en") -> dict[str, list[str]]:
    return {language: values}


def _language(code: str) -> str:
    """A record's language as a BCP 47 tag for its title and summary, or `none` when unclear."""
    return code if code and LANGUAGE_CODE.match(code) else "none"


def licence_of(rights: str) -> str | None:
    """The one licence URL a record's rights statement names (http form, as the API lists them).

    Free-text rights stay in `requiredStatement`; `rights` is set only when the statement
    names exactly one Creative Commons or RightsStatements.org URL, never guessed from words.
    """
    found = {"http://" + m.group(1).rstrip(".") for m in LICENCE_URL.finditer(rights or "")}
    found = {url if url.endswith("/") else url + "/" for url in found}
    return found.pop() if len(found) == 1 else None


def summary_of(text: str) -> str:
    """The start of the record's text (the view's plain text), cut at a word near SUMMARY_LENGTH."""
    text = " ".join((text or "").split())
    if len(text) <= SUMMARY_LENGTH:
        return text
    return text[:SUMMARY_LENGTH].rsplit(" ", 1)[0] + "…"


def _metadata(view: dict) -> list[KeyValueString]:
    date = view["date"]
    pairs = [
        ("Date", f"{date['display']} (EDTF {date['edtf']})" if date.get("edtf") else date.get("display", "")),
        ("Date as written", view.get("date_as_written", "")),
        ("Type", view.get("record_type", "")),
        ("Creator", "; ".join(a["name"] for a in view.get("creators", []))),
        ("Subjects", "; ".join(c["label"] for c in view.get("subjects", []))),
        ("Keywords", "; ".join(view.get("keywords") or [])),
        ("Source", view.get("source", "")),
        ("Coverage", view.get("coverage", "")),
        ("Format", view.get("format", "")),
        ("Language", view.get("language", "")),
        ("Identifier", view["id"]),
    ]
    return [KeyValueString(label=_text([label]), value=_text([value])) for label, value in pairs if value]


def manifest(view: dict, urls: SiteUrls, archive_name: str) -> dict:
    """The Presentation 3 manifest of one public record view that has images."""
    if not view.get("images"):
        raise NotFound(f"record '{view['id']}' has no images, so it has no IIIF manifest")
    record_id = view["id"]
    absolute = urls.absolute
    base = absolute(iiif_manifest_url(record_id)).rsplit("/", 1)[0]
    language = _language(view.get("language", ""))
    home = absolute("/")
    canvases = []
    for number, image in enumerate(view["images"], 1):
        canvas_id = f"{base}/canvas/{number}"
        service = ServiceV3(id=absolute(iiif_url(image["id"]).rstrip("/")), type="ImageService3", profile="level0")
        body = AnnotationBody(id=absolute(iiif_url(image["id"], "full/max/0/default.jpg")), type="Image",
                              format="image/jpeg", width=image["width"], height=image["height"], service=[service])
        painting = Annotation(id=f"{base}/annotation/{number}", motivation="painting", body=body, target=canvas_id)
        canvases.append(Canvas(
            id=canvas_id, label=_text([image.get("label") or f"Image {number}"]), width=image["width"], height=image["height"],
            thumbnail=[AnnotationBody(id=absolute(image["thumbnail"]), type="Image", format="image/jpeg")],
            items=[AnnotationPage(id=f"{base}/page/{number}", items=[painting])]))
    rights = view.get("rights", "")
    credit = f"{rights} Published by {archive_name}." if rights else f"Published by {archive_name}."
    properties: dict = {
        "id": absolute(iiif_manifest_url(record_id)),
        "label": _text([view["title"]], language),
        "metadata": _metadata(view),
        "requiredStatement": KeyValueString(label=_text(["Attribution"]), value=_text([credit])),
        "provider": [Provider(id=home, type="Agent", label=_text([archive_name]),
                              homepage=[Homepage(id=home, type="Text", format="text/html",
                                                 label=_text([archive_name]))])],
        "homepage": [Homepage(id=absolute(page_url("record", record_id)), type="Text", format="text/html",
                              label=_text([view["title"]], language))],
        "seeAlso": [LinkedResource(id=absolute(api_url("record", record_id)), type="Dataset",
                                   format="application/json", label=_text(["The record in the archive's JSON API"]))],
        "thumbnail": [AnnotationBody(id=absolute(view["images"][0]["thumbnail"]), type="Image", format="image/jpeg")],
        "items": canvases,
    }
    summary = summary_of(view.get("text", ""))
    if summary:
        properties["summary"] = _text([summary], language)
    licence = licence_of(rights)
    if licence:
        properties["rights"] = licence
    return json.loads(Manifest(**properties).json())


def manifest_bytes(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def manifest_files(catalog: Catalog, media: list[Media], urls: SiteUrls, archive_name: str) -> dict[str, bytes]:
    """`iiif/<record-id>/manifest.json` for the static site: one per public record with images.

    `media` is the build's list of public images (publish.iiif.files.public_media), so the
    manifests and the tiles they point to are decided by the access rule at the same moment.
    """
    record_ids = sorted({row.record_id for row in media})
    return {iiif_manifest_url(record_id).lstrip("/"): manifest_bytes(manifest(catalog.record(record_id), urls,
                                                                                    archive_name))
            for record_id in record_ids}
