"""How an object page can be cited and captured by reference managers.

A historian who cites a record needs the same facts in several shapes: a Chicago bibliography
entry to paste, BibTeX for LaTeX, CSL-JSON for Zotero and Pandoc, `citation_*` (Highwire) and
Dublin Core `<meta>` tags that Zotero's page translator reads, and schema.org JSON-LD for
search engines. All of them are made here from one `CitationData`, built from the public view,
so the shapes never disagree with each other or with the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from archive.urls import SiteUrls
from publish import json_indent

ARCHIVE_NAME = "Reckoning"
CSL_TYPES = {"article": "article-journal", "press-release": "report", "report": "report",
             "book": "book", "minutes": "document", "policy": "document", "letter": "personal_communication",
             "newspaper": "article-newspaper", "statute": "legislation", "legislation": "legislation"}
SCHEMA_TYPES = {"record": "ArchiveComponent", "narrative": "CreativeWork", "harm": "CreativeWork",
                "timeline": "CreativeWork"}
EDTF_PARTS = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")
BIBTEX_SPECIAL = re.compile(r"([{}&%$#_\\~^])")


@dataclass
class CitationData:
    """The facts every citation shape is made from."""

    id: str
    kind: str
    title: str
    authors: list[str] = field(default_factory=list)
    date_parts: list[int] = field(default_factory=list)
    date_text: str = ""
    url: str = ""
    accessed: str = ""
    csl_type: str = "webpage"
    genre: str = ""
    note: str = ""
    language: str = "en"
    abstract: str = ""
    licence: str = ""
    interviewer: str = ""


def date_parts(view: dict) -> list[int]:
    """[year, month, day] as precise as the EDTF text is; [] when the date is unknown."""
    date = view.get("date") or {}
    match = EDTF_PARTS.match(date.get("edtf") or "")
    if match:
        return [int(p) for p in match.groups() if p]
    lower = date.get("lower") or 0
    return [lower // 10000] if lower else []


def citation_data(view: dict, urls: SiteUrls, accessed: str) -> CitationData:
    kind = view["type"]
    data = CitationData(id=view["id"], kind=kind, title=view["title"], date_parts=date_parts(view),
                        date_text=(view.get("date") or {}).get("display", ""),
                        url=urls.absolute(view["url"]), accessed=accessed)
    if kind == "record":
        data.authors = [c["name"] for c in view.get("creators", [])]
        data.csl_type = CSL_TYPES.get(view.get("record_type", ""), "document")
        data.genre = view.get("record_type", "")
        data.note = view.get("source", "")
        data.language = view.get("language") or "en"
        data.licence = view.get("rights", "")
        data.abstract = view.get("text", "")[:300]
    elif kind == "narrative":
        data.authors = [view["narrator"]] if view.get("name_policy") != "anonymous" else []
        data.csl_type = "interview"
        data.genre = "Oral-history interview" + (" (fictional composite)" if view.get("fictional") else "")
        data.interviewer = view.get("interviewer", "")
        data.language = view.get("language") or "en"
        data.licence = view.get("licence", "")
        data.abstract = view.get("summary", "")
    elif kind == "harm":
        data.genre = "Harm ledger entry"
        data.abstract = view.get("text", "")[:300]
        data.date_parts, data.date_text = [], ""  # the entry is undated; the harm's period is its subject
    else:
        data.genre = "Timeline"
        data.abstract = view.get("summary", "")
    return data


def _names(authors: list[str]) -> str:
    if len(authors) <= 1:
        return "".join(authors)
    return ", ".join(authors[:-1]) + ", and " + authors[-1]


def chicago(c: CitationData) -> str:
    """A Chicago (17th ed.) bibliography entry for an archival item found online."""
    parts = []
    if c.authors:
        parts.append(_names(c.authors).rstrip(".") + ".")
    parts.append(f"“{c.title.rstrip('.')}.”")
    detail = []
    if c.kind == "narrative":
        detail.append(f"Interview by {c.interviewer}" if c.interviewer else "Oral-history interview")
    elif c.genre:
        detail.append(c.genre[:1].upper() + c.genre[1:].replace("-", " "))
    if c.date_text:
        detail.append(c.date_text)
    if detail:
        parts.append(", ".join(detail) + ".")
    if c.note:
        parts.append(c.note.rstrip(".") + ".")
    parts.append(f"{ARCHIVE_NAME} archive. Accessed {c.accessed}. {c.url}.")
    return " ".join(parts)


def _bibtex_escape(text: str) -> str:
    return BIBTEX_SPECIAL.sub(r"\\\1", text)


def bibtex(c: CitationData) -> str:
    fields = [("title", "{" + _bibtex_escape(c.title) + "}")]
    if c.authors:
        fields.append(("author", " and ".join("{" + _bibtex_escape(a) + "}" for a in c.authors)))
    if c.date_parts:
        fields.append(("year", str(c.date_parts[0])))
    if len(c.date_parts) > 1:
        fields.append(("month", str(c.date_parts[1])))
    if c.genre:
        fields.append(("type", _bibtex_escape(c.genre)))
    if c.note:
        fields.append(("note", _bibtex_escape(c.note)))
    fields += [("howpublished", f"{ARCHIVE_NAME} archive"), ("url", c.url), ("urldate", c.accessed)]
    key = re.sub(r"[^A-Za-z0-9]", "_", c.id)
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}"


def csl_json(c: CitationData) -> dict:
    item: dict = {"id": c.id, "type": c.csl_type, "title": c.title, "URL": c.url,
                  "archive": ARCHIVE_NAME, "archive_location": c.id, "language": c.language,
                  "accessed": {"date-parts": [[int(x) for x in c.accessed.split("-")]]}}
    if c.authors:
        item["author"] = [{"literal": a} for a in c.authors]
    if c.date_parts:
        item["issued"] = {"date-parts": [c.date_parts]}
    if c.genre:
        item["genre"] = c.genre
    if c.note:
        item["note"] = c.note
    if c.interviewer:
        item["interviewer"] = [{"literal": c.interviewer}]
    if c.abstract:
        item["abstract"] = c.abstract
    return item


def meta_tags(c: CitationData) -> Markup:
    """Highwire `citation_*` and Dublin Core tags: what Zotero's Embedded Metadata reads."""
    date_slash = "/".join(f"{p:02d}" if i else str(p) for i, p in enumerate(c.date_parts))
    date_dash = "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(c.date_parts))
    pairs = [("citation_title", c.title)]
    pairs += [("citation_author", a) for a in c.authors]
    if date_slash:
        pairs.append(("citation_publication_date", date_slash))
    pairs += [("citation_publisher", ARCHIVE_NAME), ("citation_public_url", c.url),
              ("citation_language", c.language), ("citation_archive_id", c.id),
              ("DC.title", c.title)]
    pairs += [("DC.creator", a) for a in c.authors]
    if date_dash:
        pairs.append(("DC.date", date_dash))
    pairs += [("DC.type", c.genre or c.kind), ("DC.identifier", c.url), ("DC.publisher", ARCHIVE_NAME),
              ("DC.language", c.language)]
    if c.licence:
        pairs.append(("DC.rights", c.licence))
    if c.abstract:
        pairs.append(("DC.description", c.abstract))
    lines = ['<link rel="schema.DC" href="http://purl.org/dc/elements/1.1/">']
    lines += [f'<meta name="{name}" content="{escape(value)}">' for name, value in pairs]
    return Markup("\n".join(lines))


def json_ld(c: CitationData) -> Markup:
    """schema.org JSON-LD, safe inside a <script> element."""
    doc: dict = {"@context": "https://schema.org", "@type": SCHEMA_TYPES.get(c.kind, "CreativeWork"),
                 "@id": c.url, "url": c.url, "name": c.title, "identifier": c.id, "inLanguage": c.language}
    if c.authors:
        doc["creator"] = [{"@type": "Organization" if c.kind == "record" else "Person", "name": a}
                          for a in c.authors]
    if c.date_parts:
        doc["dateCreated"] = "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(c.date_parts))
    if c.genre:
        doc["genre"] = c.genre
    if c.abstract:
        doc["description"] = c.abstract
    if c.licence:
        doc["license"] = c.licence
    if c.kind == "record":
        doc["holdingArchive"] = {"@type": "ArchiveOrganization", "name": ARCHIVE_NAME}
    else:
        doc["isPartOf"] = {"@type": "ArchiveOrganization", "name": ARCHIVE_NAME}
    text = json_indent.dumps(doc)  # json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1)
    # No "<", ">" or "&" in the script body at all: nothing in the data can close the element.
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def citation_context(view: dict, urls: SiteUrls, accessed: str) -> dict:
    """Everything a template needs for the "Cite this" box and the page head."""
    c = citation_data(view, urls, accessed)
    return {"chicago": chicago(c), "bibtex": bibtex(c), "meta": meta_tags(c), "json_ld": json_ld(c),
            "csl": csl_json(c)}
