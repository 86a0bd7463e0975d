"""Bulk downloads of all public data: JSON Lines and CSV per kind, described field by field.

Made from the build's public views, so a download holds exactly what the pages show. JSON
Lines keeps each view whole (minus its rendered HTML, which the text duplicates); CSV flattens
each kind to the columns in `COLUMNS`, whose descriptions are also the data dictionary page,
so the two cannot drift apart.

A kind with more than `PART_SIZE` objects is downloaded in numbered parts
(`records-001.jsonl`, `records-002.jsonl`, … each in id order, `PART_SIZE` objects a part,
each CSV part with its header row), listed on the downloads page: one changed record then
rewrites one part of a few MB rather than a 190 MB file at 100,000 records.

Beside them, `datapackage.json` describes the same files as a Frictionless Data Package: each
CSV a tabular resource whose schema is the data dictionary (names, descriptions, types), each
JSON Lines file a resource of media type `application/jsonl`, and the licences the objects'
rights statements name (each object's own statement is in its `rights` or `licence` column).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from archive.urls import SiteUrls
from publish import json_indent
from publish.csv_cells import csv_line
from publish.licences import licence_name, licence_urls

SEP = "; "
PART_SIZE = 2_000  # a part of 400-word records is ~6 MB: what one changed record rewrites


def _ids(key: str) -> Callable[[dict], str]:
    return lambda v: SEP.join(x["id"] for x in v.get(key, []))


def _labels(key: str) -> Callable[[dict], str]:
    return lambda v: SEP.join(x.get("label") or x.get("name") or "" for x in v.get(key, []))


def _degrees(field: str) -> Callable[[dict], object]:
    # A number, not text: a negative longitude is not a formula (publish.csv_cells guards text only).
    return lambda v: "" if v.get(field) is None else float(v[field])


LOCATED = [
    ("latitude", "Where the place is: latitude in decimal degrees (WGS 84), when known; the map shows it.",
     _degrees("latitude")),
    ("longitude", "Longitude in decimal degrees (WGS 84), when known.", _degrees("longitude")),
]


def _date(part: str) -> Callable[[dict], str]:
    return lambda v: str((v.get("date") or {}).get(part, ""))


COMMON = [
    ("id", "Stable identifier; never changes once published.", lambda v: v["id"]),
    ("url", "The object's page on this site (absolute).", None),
    ("title", "Title as shown on the page.", lambda v: v["title"]),
]
DATES = [
    ("date_edtf", "Date as written, in Extended Date/Time Format (EDTF), e.g. 1950~ or 1910/1968.", _date("edtf")),
    ("date_display", "The date in words, as the page shows it.", _date("display")),
    ("date_lower", "Earliest day the date may mean, as YYYYMMDD (0 when open).", _date("lower")),
    ("date_upper", "Latest day the date may mean, as YYYYMMDD (99991231 when open).", _date("upper")),
]
COLUMNS: dict[str, list[tuple[str, str, Callable[[dict], object] | None]]] = {
    "record": COMMON + DATES + [
        ("record_type", "Kind of document (minutes, press-release, article…).", lambda v: v["record_type"]),
        ("creators", "Ids of the agents who made the record, separated by '; '.", _ids("creators")),
        ("creator_names", "Names of those agents, in the same order.", _labels("creators")),
        ("subjects", "Ids of taxonomy terms (ht- harm types, ag- affected groups).", _ids("subjects")),
        ("language", "Language code (BCP 47).", lambda v: v["language"]),
        ("source", "Where the original is held or was published.", lambda v: v["source"]),
        ("source_url", "Link to the original, when one exists.", lambda v: v["source_url"]),
        ("rights", "Rights statement for the record.", lambda v: v["rights"]),
        ("coverage", "The place or period the record covers.", lambda v: v["coverage"]),
        *LOCATED,
        ("text", "The archive's description and transcription, as plain text.", lambda v: v["text"]),
    ],
    "narrative": COMMON + DATES + [
        ("narrator", "The narrator as published: a pseudonym, or no name at all, when the narrator chose so.", lambda v: v["narrator"]),
        ("coverage_edtf", "The period the testimony is about (EDTF), when given; date filters and the decade use it.",
         lambda v: (v.get("coverage_date") or {}).get("edtf", "")),
        ("coverage_lower", "Earliest day of that period, as YYYYMMDD; empty when no period is given.",
         lambda v: str((v.get("coverage_date") or {}).get("lower", ""))),
        ("coverage_upper", "Latest day of that period, as YYYYMMDD; empty when no period is given.",
         lambda v: str((v.get("coverage_date") or {}).get("upper", ""))),
        ("interviewer", "Who conducted the interview.", lambda v: v["interviewer"]),
        ("place", "Where the interview took place.", lambda v: v["place"]),
        *LOCATED,
        ("fictional", "true for fictional composites written for demonstration.", lambda v: str(v["fictional"]).lower()),
        ("harm_types", "Ids of harm types the narrative describes.", _ids("harm_types")),
        ("licence", "Licence the narrator's release grants.", lambda v: v["licence"]),
        ("content_note", "Content note shown before the transcript.", lambda v: v["content_note"]),
        ("summary", "Short summary.", lambda v: v["summary"]),
        ("text", "The public transcript as plain text (withheld passages marked [redacted]).", lambda v: v["text"]),
    ],
    "harm": COMMON + DATES + [
        ("status", "Latest accountability status: documented, acknowledged, apologized, repair-committed, repaired.", lambda v: v["status"]),
        ("harm_types", "Ids of harm types.", _ids("harm_types")),
        ("affected_groups", "Ids of affected groups.", _ids("affected_groups")),
        ("responsible", "Ids of the responsible agents.", _ids("responsible")),
        ("evidence_sources", "Ids of the records quoted as evidence, in order.", lambda v: SEP.join(e["source"]["id"] for e in v["evidence"])),
        ("text", "The harm's description as plain text.", lambda v: v["text"]),
    ],
    "timeline": COMMON + [
        ("summary", "Short summary.", lambda v: v["summary"]),
        ("entries", "Number of entries.", lambda v: str(len(v["entries"]))),
        ("text", "Description and entries as plain text.", lambda v: v["text"]),
    ],
}
KIND_FILES = {"record": "records", "narrative": "narratives", "harm": "harms", "timeline": "timelines"}


Memo = Callable[[dict, str, Callable[[], object]], object]


def no_memo(view: dict, name: str, make: Callable[[], object]) -> object:
    return make()


def jsonl_line(view: dict, urls: SiteUrls) -> str:
    data = {k: v for k, v in view.items() if not k.endswith("_html") and k != "segments"}
    if view["type"] == "narrative":  # segments without their HTML twin
        data["segments"] = [{k: v for k, v in s.items() if k != "html"} for s in view.get("segments", [])]
    data["url"] = urls.absolute(view["url"])
    return json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n"


def jsonl(views: list[dict], urls: SiteUrls, memo: Memo = no_memo) -> bytes:
    """One view per line. `memo` may hand back a line made by an earlier build (the site
    build's record view cache keeps them beside each unchanged record's view)."""
    name = "jsonl\0" + urls.base_url
    return "".join(memo(v, name, lambda v=v: jsonl_line(v, urls)) for v in views).encode("utf-8")


def csv_header(kind: str) -> str:
    return csv_line([name for name, _, _ in COLUMNS[kind]])


def csv_row(kind: str, view: dict, urls: SiteUrls) -> str:
    return csv_line([urls.absolute(view["url"]) if get is None else get(view) for _, _, get in COLUMNS[kind]])




def csv_file(kind: str, views: list[dict], urls: SiteUrls, memo: Memo = no_memo) -> bytes:
    name = "csv\0" + urls.base_url
    rows = [memo(v, name, lambda v=v: csv_row(kind, v, urls)) for v in views]
    return (csv_header(kind) + "".join(rows)).encode("utf-8")


def part_names(kind: str, count: int) -> list[str]:
    """The download files of one kind (without extension): one file, or numbered parts."""
    name = KIND_FILES[kind]
    if count <= PART_SIZE:
        return [name]
    return [f"{name}-{n:03d}" for n in range(1, -(-count // PART_SIZE) + 1)]


def export_files(views: dict[str, list[dict]], urls: SiteUrls, memo: Memo = no_memo,
                 kinds: Iterable[str] = tuple(KIND_FILES)) -> dict[str, bytes]:
    """downloads/<kind>.jsonl and downloads/<kind>.csv for every kind (or `kinds`), or their
    parts (the data package describing them all is `data_package`'s)."""
    files = {}
    for kind in kinds:
        for name, chunk in parts_of(kind, views.get(kind, [])):
            files[f"downloads/{name}.jsonl"] = jsonl(chunk, urls, memo)
            files[f"downloads/{name}.csv"] = csv_file(kind, chunk, urls, memo)
    return files


def parts_of(kind: str, views: list[dict]) -> list[tuple[str, list[dict]]]:
    """Each download file of one kind (without extension) and the views it holds, in id order."""
    items = sorted(views, key=lambda v: v["id"])
    return [(name, items[number * PART_SIZE:(number + 1) * PART_SIZE] if len(items) > PART_SIZE else items)
            for number, name in enumerate(part_names(kind, len(items)))]


def data_dictionary(counts: dict[str, int] | None = None) -> list[dict]:
    """The downloads page's table of fields, from the same column list the CSV is written with,
    and each kind's download files (`parts`) for these object counts."""
    return [{"kind": kind, "file": KIND_FILES[kind], "parts": part_names(kind, (counts or {}).get(kind, 0)),
             "columns": [{"name": name, "description": text} for name, text, _ in cols]}
            for kind, cols in COLUMNS.items()]


# Table Schema types of the CSV columns that are not strings.
FIELD_TYPES = {"date_lower": "integer", "date_upper": "integer", "coverage_lower": "integer", "coverage_upper": "integer", "entries": "integer", "fictional": "boolean",
               "latitude": "number", "longitude": "number"}
JSONL_MEDIA_TYPE = "application/jsonl"
# Where each kind keeps its rights statement (the only columns licences are read from).
RIGHTS_COLUMNS = {"record": "rights", "narrative": "licence"}


def _field(name: str, description: str) -> dict:
    field = {"name": name, "description": description, "type": FIELD_TYPES.get(name, "string")}
    if name == "url":
        field["format"] = "uri"
    if name == "id":
        field["constraints"] = {"required": True, "unique": True}
    return field


def rights_statements(views: dict[str, list[dict]]) -> set[str]:
    """The rights statements the public objects carry (the only text licences are read from)."""
    return {v.get(column) or "" for kind, column in RIGHTS_COLUMNS.items() for v in views.get(kind, [])}


def narrative_rights(narratives: list[dict]) -> str:
    """The narratives' rights statements as the build cache keeps them (a JSON list), for a
    patch that remade no narrative to make the data package without their views."""
    return json.dumps(sorted(rights_statements({"narrative": narratives})))


def package_licences(statements: Iterable[str]) -> list[dict]:
    """The open licences these rights statements name, as Data Package licences."""
    found = {url: licence_name(url) for s in statements for url in licence_urls(s)}
    return [{"name": name, "path": url} if name else {"path": url, "title": url}
            for url, name in sorted(found.items())]


def data_package(counts: dict[str, int], statements: Iterable[str], urls: SiteUrls) -> bytes:
    """downloads/datapackage.json: the downloads as a Frictionless Data Package (v1), from each
    kind's count of public objects and their rights statements (so a patched rebuild can make
    it from what it keeps, without every view)."""
    resources = []
    for kind, columns in COLUMNS.items():
        described = f"Public {KIND_FILES[kind]} of {urls.archive_name}"
        for name in part_names(kind, counts.get(kind, 0)):
            resources.append({
                "name": name, "path": f"{name}.csv", "profile": "tabular-data-resource",
                "title": f"{described} (CSV)", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                "schema": {"fields": [_field(n, d) for n, d, _ in columns], "primaryKey": ["id"]}})
            resources.append({
                # Nested objects, not a table: a file resource (frictionless checks it as one).
                "name": f"{name}-jsonl", "path": f"{name}.jsonl", "profile": "data-resource", "type": "file",
                "title": f"{described}: every field of each object, one JSON object a line",
                "format": "jsonl", "mediatype": JSONL_MEDIA_TYPE, "encoding": "utf-8"})
    package = {
        "profile": "data-package", "name": "reckoning-public-data", "title": f"{urls.archive_name}: public data",
        "description": ("All public data of the archive: nothing closed, embargoed or withdrawn. Each object "
                        "carries its own rights statement (records: `rights`; narratives: `licence`); "
                        "`licenses` lists the open licences those statements name. Objects whose statement "
                        "names none are all rights reserved."),
        "homepage": urls.absolute("/downloads/"),
        "resources": resources,
    }
    licences = package_licences(statements)
    if licences:  # the profile wants at least one when the key is there
        package["licenses"] = licences
    return json_indent.dumps_bytes(package)


UTF8_BOM = b"\xef\xbb\xbf"


def with_bom(path: str, content: bytes) -> bytes:
    """A download with the UTF-8 byte order mark spreadsheets look for, when it is a CSV file
    (`RECKON_CSV_BOM`); every other file as it is. A one-record rebuild cannot splice a
    marked file (publish.incremental) and leaves it to the full build, which marks it again."""
    if path.startswith("downloads/") and path.endswith(".csv") and not content.startswith(UTF8_BOM):
        return UTF8_BOM + content
    return content
