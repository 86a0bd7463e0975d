"""How an object page can be cited and captured by reference managers.

A historian who cites a record needs the same facts in several shapes: a Chicago bibliography
entry to paste, BibTeX for LaTeX, CSL-JSON for Zotero and Pandoc, `citation_*` (Highwire) and
Dublin Core `<meta>` tags that Zotero's page translator reads, and schema.org JSON-LD for
search engines. All of them are made here from one `CitationData`, built from the public view,
so the shapes never disagree with each other or with the page.

Dates keep their EDTF meaning in every shape (`publish.pages.citation_dates`). A record or a
narrative is dated by its own date; a harm or a timeline, which the archive writes about a
period, is dated by the build that published this version of its page, and carries its period
as coverage (`DC.coverage`, JSON-LD `temporalCoverage`). The archive is named as the settings
name it (`RECKON_ARCHIVE_NAME`, carried by `SiteUrls`). A static page cannot know when it is
read, so no shape claims an access date: the Chicago entry says when the page was built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from markupsafe import Markup, escape

from archive.urls import SiteUrls
from publish import json_indent
from publish.licences import licence_urls
from publish.pages.citation_dates import (
    CitationDate,
    chicago_date,
    csl_date,
    highwire_date,
    iso_date,
    read,
)

CSL_TYPES = {"article": "article-journal", "press-release": "report", "report": "report",
             "book": "book", "minutes": "document", "policy": "document", "letter": "personal_communication",
             "newspaper": "article-newspaper", "statute": "legislation", "legislation": "legislation"}
SCHEMA_TYPES = {"record": "ArchiveComponent", "narrative": "CreativeWork", "harm": "CreativeWork",
                "timeline": "CreativeWork"}
# LaTeX's special characters as text: `\~` and `\^` would be accents, `\\` a line break.
BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                  "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_"}
BIBTEX_PATTERN = re.compile("|".join(re.escape(c) for c in BIBTEX_SPECIAL))


@dataclass
class CitationData:
    """The facts every citation shape is made from."""

    id: str
    kind: str
    title: str
    authors: list[str] = field(default_factory=list)
    date: CitationDate | None = None  # when the object was made (records, narratives) or published
    coverage: CitationDate | None = None  # the period a harm or a timeline is about
    url: str = ""
    built_on: str = ""  # the build's date (ISO): the version of the page cited
    archive: str = ""  # the archive's name, from the settings
    home: str = ""  # the archive's home page
    csl_type: str = "webpage"
    genre: str = ""
    note: str = ""
    language: str = "en"
    abstract: str = ""
    licence: str = ""
    interviewer: str = ""


def _read(date: dict | None) -> CitationDate | None:
    date = date or {}
    return read(date.get("edtf") or "", date.get("lower") or 0, date.get("upper") or 0)


def timeline_span(view: dict) -> str:
    """A timeline's period as EDTF: from its earliest entry's start to its latest entry's end."""
    dated = [e["date"] for e in view.get("entries", [])
             if (e.get("date") or {}).get("edtf") not in (None, "", "XXXX")]
    if not dated:
        return ""
    first = min(dated, key=lambda d: (d["lower"], d["edtf"]))["edtf"].partition("/")[0]
    last = max(dated, key=lambda d: (d["upper"], d["edtf"]))["edtf"].rpartition("/")[2]
    return first if first == last else f"{first}/{last}"


def citation_data(view: dict, urls: SiteUrls, built_on: str) -> CitationData:
    kind = view["type"]
    data = CitationData(id=view["id"], kind=kind, title=view["title"], date=_read(view.get("date")),
                        url=urls.absolute(view["url"]), built_on=built_on, archive=urls.archive_name,
                        home=urls.absolute("/"))
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
    else:
        # The entry is the archive's own writing about a period: dated by this version of it.
        data.coverage = data.date if kind == "harm" else read(timeline_span(view))
        data.date = read(built_on)
        data.genre = "Harm ledger entry" if kind == "harm" else "Timeline"
        data.abstract = view.get("text", "")[:300] if kind == "harm" else view.get("summary", "")
    return data


def _human_day(iso: str) -> str:
    return chicago_date(read(iso)) if iso else ""


def _names(authors: list[str]) -> str:
    if len(authors) <= 1:
        return "".join(authors)
    return ", ".join(authors[:-1]) + ", and " + authors[-1]


def chicago(c: CitationData, locator: str = "") -> str:
    """A Chicago (17th ed.) bibliography entry for an archival item found online; `locator`, a
    passage of an interview, follows its date ("Interview by …, 2019, 00:12:04–00:13:10.")."""
    parts = []
    if c.authors:
        parts.append(_names(c.authors).rstrip(".") + ".")
    parts.append(f"“{c.title.rstrip('.')}.”")
    detail = []
    if c.kind == "narrative":
        detail.append(f"Interview by {c.interviewer}" if c.interviewer else "Oral-history interview")
    elif c.genre:
        detail.append(c.genre[:1].upper() + c.genre[1:].replace("-", " "))
    when = chicago_date(c.coverage if c.kind in ("harm", "timeline") else c.date)
    if when:
        detail.append(when)
    if locator:
        detail.append(locator)
    if detail:
        parts.append(", ".join(detail) + ".")
    if c.note:
        parts.append(c.note.rstrip(".") + ".")
    parts.append(f"{c.archive.rstrip('.')}.")
    if c.built_on:
        parts.append(f"Page built {_human_day(c.built_on)}.")
    parts.append(f"{c.url}.")
    return " ".join(parts)


def _bibtex_escape(text: str) -> str:
    return BIBTEX_PATTERN.sub(lambda m: BIBTEX_SPECIAL[m.group(0)], text)


def bibtex(c: CitationData, locator: str = "") -> str:
    """A BibTeX entry (biblatex's `date` field keeps the EDTF; classic `year` the words); a
    passage's `locator` goes in its `note`."""
    fields = [("title", "{" + _bibtex_escape(c.title) + "}")]
    if c.authors:
        fields.append(("author", " and ".join("{" + _bibtex_escape(a) + "}" for a in c.authors)))
    if c.date is not None and c.date.start:
        if c.date.exact:
            fields.append(("year", str(c.date.start[0])))
            if len(c.date.start) > 1:
                fields.append(("month", str(c.date.start[1])))
        else:
            fields.append(("year", _bibtex_escape(chicago_date(c.date))))
        if c.date.readable:
            fields.append(("date", _bibtex_escape(c.date.edtf.replace("..", ""))))
    if c.genre:
        fields.append(("type", _bibtex_escape(c.genre)))
    note = "; ".join(filter(None, [c.note, locator]))
    if note:
        fields.append(("note", _bibtex_escape(note)))
    fields += [("howpublished", _bibtex_escape(c.archive)), ("url", c.url)]
    key = re.sub(r"[^A-Za-z0-9]", "_", c.id)
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}"


def csl_json(c: CitationData) -> dict:
    item: dict = {"id": c.id, "type": c.csl_type, "title": c.title, "URL": c.url,
                  "archive": c.archive, "archive_location": c.id, "publisher": c.archive,
                  "language": c.language}
    if c.authors:
        item["author"] = [{"literal": a} for a in c.authors]
    issued = csl_date(c.date)
    if issued is not None:
        item["issued"] = issued
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
    pairs = [("citation_title", c.title)]
    pairs += [("citation_author", a) for a in c.authors]
    if c.date is not None:
        pairs.append(("citation_publication_date", highwire_date(c.date)))
    pairs += [("citation_publisher", c.archive), ("citation_public_url", c.url),
              ("citation_language", c.language), ("citation_archive_id", c.id),
              ("DC.title", c.title)]
    pairs += [("DC.creator", a) for a in c.authors]
    if c.date is not None:
        pairs.append(("DC.date", c.date.edtf))
    if c.coverage is not None:
        pairs.append(("DC.coverage", c.coverage.edtf))
    pairs += [("DC.type", c.genre or c.kind), ("DC.identifier", c.url), ("DC.publisher", c.archive),
              ("DC.language", c.language)]
    if c.licence:
        pairs.append(("DC.rights", c.licence))
    if c.abstract:
        pairs.append(("DC.description", c.abstract))
    lines = ['<link rel="schema.DC" href="http://purl.org/dc/elements/1.1/">']
    lines += [f'<meta name="{name}" content="{escape(value)}">' for name, value in pairs]
    return Markup("\n".join(lines))


def _interval(date: CitationDate) -> str:
    """ISO 8601 (as schema.org reads it): a date, or a span `start/end` with `..` for an open end."""
    exact = iso_date(date)
    if exact or not date.readable or not (date.end or date.open_start or date.open_end):
        return exact or date.edtf

    def side(parts: tuple[int, ...]) -> str:
        return "-".join(f"{p:02d}" if i else f"{p:04d}" for i, p in enumerate(parts)) or ".."
    return f"{side(date.start)}/{side(date.end)}"


def json_ld(c: CitationData) -> Markup:
    """schema.org JSON-LD, safe inside a <script> element."""
    archive = {"@type": "ArchiveOrganization", "name": c.archive, "url": c.home}
    doc: dict = {"@context": "https://schema.org", "@type": SCHEMA_TYPES.get(c.kind, "CreativeWork"),
                 "@id": c.url, "url": c.url, "name": c.title, "identifier": c.id, "inLanguage": c.language,
                 "publisher": archive,
                 # isPartOf takes a creative work: the archive's collection, not the organization.
                 "isPartOf": {"@type": "Collection", "name": c.archive, "url": c.home}}
    if c.authors:
        doc["creator"] = [{"@type": "Organization" if c.kind == "record" else "Person", "name": a}
                          for a in c.authors]
    if c.date is not None:
        if c.kind in ("harm", "timeline"):
            doc["dateModified"] = iso_date(c.date)  # the version of the entry cited
        elif c.date.exact:
            doc["dateCreated"] = iso_date(c.date)
        else:  # no false precision: schema.org's property for a time no narrower one can hold
            doc["temporal"] = _interval(c.date)
    if c.coverage is not None:
        doc["temporalCoverage"] = _interval(c.coverage)
    if c.genre:
        doc["genre"] = c.genre
    if c.abstract:
        doc["description"] = c.abstract
    if c.licence:
        named = licence_urls(c.licence)
        if named:
            doc["license"] = named[0] if len(named) == 1 else named
        doc["copyrightNotice"] = c.licence
    if c.kind == "record":
        doc["holdingArchive"] = archive
    text = json_indent.dumps(doc)  # json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1)
    # No "<", ">" or "&" in the script body at all: nothing in the data can close the element.
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def passage_citation(c: CitationData, seg: dict, urls: SiteUrls) -> dict:
    """The citation of one timed passage of a narrative: the narrative's, with the passage's
    locator (`00:12:04–00:13:10`, `archive.passages`) and a URL to that moment, its permalink
    (`…/#t-00-12-04`); `media`, where a public recording plays it, opens the recording at that
    stretch (a media fragment, `…/recording-1.m4a#t=724,790`)."""
    where = seg["locator"]
    url = f"{c.url}#{seg['anchor']}"
    passage = replace(c, url=url, id=f"{c.id}-{seg['anchor']}")
    csl = csl_json(passage)
    media = None
    if seg.get("media"):
        start = (seg["start_ms"] - _recording_offset(seg)) / 1000
        media = urls.absolute(seg["media"].split("#", 1)[0]) + f"#t={start:g}"
        if seg.get("until_ms") is not None:
            media += f",{(seg['until_ms'] - _recording_offset(seg)) / 1000:g}"
    return {"locator": where, "url": url, "media": media, "chicago": chicago(passage, where),
            "bibtex": bibtex(passage, where),
            # CSL keeps a locator on the citation, not the item: both, as citeproc-js takes them.
            "csl": {"item": csl, "locator": where, "label": "timestamp"}}


def _recording_offset(seg: dict) -> int:
    """Where the recording playing `seg` starts on the transcript's timeline, from its link."""
    fragment = seg["media"].rsplit("#t=", 1)[1]
    return seg["start_ms"] - round(float(fragment) * 1000)


def citation_context(view: dict, urls: SiteUrls, built_on: str) -> dict:
    """Everything a template needs for the "Cite this" box and the page head, and for a
    narrative the citation of each timed passage, by its anchor."""
    c = citation_data(view, urls, built_on)
    passages = {seg["anchor"]: passage_citation(c, seg, urls) for seg in view.get("segments", [])
                if view["type"] == "narrative" and seg.get("anchor") and seg.get("locator")}
    return {"chicago": chicago(c), "bibtex": bibtex(c), "meta": meta_tags(c), "json_ld": json_ld(c),
            "csl": csl_json(c), "passages": passages}
