"""The one URL builder, shared by the site, the API and the templates."""

from __future__ import annotations

from urllib.parse import quote as percent
from urllib.parse import urlsplit

from archive.settings import Settings

SECTIONS = {"record": "records", "narrative": "narratives", "harm": "harms", "timeline": "timelines"}
# Kinds with API endpoints but no page of their own on the site.
API_SECTIONS = {**SECTIONS, "agent": "agents", "concept": "concepts"}
# The one collection that mixes the public kinds, filtered by `type` like the site's facets.
API_ALL_OBJECTS = "/api/objects"
KIND_BY_PREFIX = {"rec": "record", "nar": "narrative", "harm": "harm", "tl": "timeline"}
# The accountability ledger's pages (archive/ledger.py); kept apart from SECTIONS because the
# site build renders these from the ledger views, not from the per-kind loop over SECTIONS.
LEDGER_SECTIONS = {"commitment": "commitments", "response": "responses", "institution": "institutions"}
KIND_BY_PREFIX.update({"com": "commitment", "resp": "response"})


def kind_of(object_id: str) -> str | None:
    return KIND_BY_PREFIX.get(object_id.split("-", 1)[0])


def page_url(kind: str, object_id: str | None = None) -> str:
    section = SECTIONS.get(kind) or LEDGER_SECTIONS[kind]
    return f"/{section}/" if object_id is None else f"/{section}/{object_id}/"


def api_url(kind: str, object_id: str | None = None) -> str:
    section = API_SECTIONS.get(kind) or LEDGER_SECTIONS[kind]  # ledger endpoints: web/api/ledger.py
    return f"/api/{section}" if object_id is None else f"/api/{section}/{object_id}"


def iiif_url(image_id: str, part: str = "") -> str:
    """An attached image's published files: `/iiif/<id>/` (info.json, thumbnail.jpg, web.jpg)."""
    return f"/iiif/{image_id}/{part}"


def iiif_manifest_url(record_id: str) -> str:
    """A record's IIIF Presentation 3 manifest (records with images only; publish/iiif/manifest.py)."""
    return f"/iiif/{record_id}/manifest.json"


# Site pages that are not one object of the store. Paths are relative to the site's root; the
# base URL's path is put in front by `SiteUrls` when a page is rendered.
BROWSE_FACETS = {"harm_type": "harm-types", "affected_group": "affected-groups",
                 "institution": "institutions", "decade": "decades"}
SITE_PAGES = {
    "home": "/", "search": "/search/", "about": "/about/", "agents": "/agents/",
    "browse": "/browse/", "downloads": "/downloads/", "feed": "/feed.xml",
    "sitemap": "/sitemap.xml", "robots": "/robots.txt", "not_found": "/404.html",
}


def site_page_url(name: str) -> str:
    return SITE_PAGES[name]


def agent_url(agent_id: str) -> str:
    return f"/agents/{agent_id}/"


def browse_url(facet: str, value: str | int | None = None) -> str:
    """`/browse/harm-types/` lists a facet's values; `/browse/harm-types/ht-x/` one value's objects."""
    base = f"/browse/{BROWSE_FACETS[facet]}/"
    return base if value is None else f"{base}{value}/"


def timeline_json_url(timeline_id: str) -> str:
    """The TimelineJS-compatible JSON beside a timeline's page."""
    return page_url("timeline", timeline_id) + "timeline.json"


def recording_url(narrative_id: str, number: int, video: bool = False) -> str:
    """A narrative's public recording (its redacted passages silenced), beside its page: sound in
    `.m4a`, a video in `.mp4`. Named by the narrative's id and the recording's number only: never
    by the master's file name."""
    return page_url("narrative", narrative_id) + f"recording-{number}.{'mp4' if video else 'm4a'}"


def captions_url(narrative_id: str, number: int) -> str:
    """The WebVTT captions of a public recording, made from the public (redacted) transcript."""
    return page_url("narrative", narrative_id) + f"recording-{number}.captions.vtt"


def chapters_url(narrative_id: str, number: int) -> str:
    """The WebVTT chapters of a public recording: the transcript's sections and index points."""
    return page_url("narrative", narrative_id) + f"recording-{number}.chapters.vtt"


def narrative_manifest_url(narrative_id: str) -> str:
    """The IIIF Presentation 3 manifest of a narrative with a public recording (AV IIIF)."""
    return page_url("narrative", narrative_id) + "manifest.json"


# The files of a narrative's public recordings that IIIF viewers on other sites fetch (its AV
# manifest, the silenced copies, their captions and chapters), as a path under the site's base,
# relative: they are answered with open CORS (web.site_files, publish.host_rules). Only public
# narratives have them in the built site; `reckon serve` checks the store first.
OPEN_MEDIA_FILES = r"narratives/[^/]+/(manifest\.json|recording-[0-9]+\.(m4a|mp4|captions\.vtt|chapters\.vtt))"


def citation_url(kind: str, object_id: str) -> str:
    """The CSL-JSON citation file beside an object's page."""
    return page_url(kind, object_id) + "citation.json"


def segment_anchor(time: str) -> str:
    """`00:04:12` → `t-00-04-12`: the id of a transcript segment on its narrative page."""
    return "t-" + time.replace(":", "-")


def chart_api_url(chart_id: str | None = None) -> str:
    """The charts' data in the API (web/api/charts.py): the list, or one chart by id."""
    return "/api/charts" if chart_id is None else f"/api/charts/{chart_id}"


def chart_file_url(chart_id: str, table: str | None = None) -> str:
    """A chart's data in the downloads: all of it as JSON, or one of its tables as CSV."""
    return f"/downloads/charts/{chart_id}.json" if table is None else f"/downloads/charts/{chart_id}-{table}.csv"


def static_url(name: str) -> str:
    return f"/static/{name}"


class SiteUrls:
    """Turns site paths into links for one base URL, so the site can live under a sub-path.

    It also carries the archive's name (`RECKON_ARCHIVE_NAME`), because everything that writes
    an absolute link for the outside (citations, JSON-LD, the feed, IIIF) names the archive
    beside it, and must name it the same way everywhere."""

    def __init__(self, base_url: str, archive_name: str = Settings.archive_name):
        if not base_url.endswith("/"):
            base_url += "/"
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"RECKON_BASE_URL: expected an absolute http(s) URL such as "
                             f"'https://example.org/archive/', got {base_url!r}")
        self.base_url = base_url
        self.prefix = parts.path.rstrip("/")
        self.archive_name = archive_name

    @classmethod
    def of(cls, settings: Settings) -> SiteUrls:
        """The URL builder for these settings: their base URL and archive name."""
        return cls(settings.base_url, settings.archive_name)

    def link(self, path: str) -> str:
        """A root-relative link (`/archive/records/x/`) for use in the site's own pages."""
        return self.prefix + path if path.startswith("/") else path

    def absolute(self, path: str) -> str:
        """A full URL (`https://example.org/archive/records/x/`) for feeds, sitemaps, citations."""
        return self.base_url.rstrip("/") + path if path.startswith("/") else path


def quote_url(url: str, quote: str) -> str:
    """A link to the quoted passage itself (a URL text fragment: the browser scrolls to it and
    highlights it; browsers without support simply open the page)."""
    words = quote.split()
    if not words:
        return url

    def enc(text: str) -> str:
        return percent(text, safe="").replace("-", "%2D")

    if len(words) <= 8:
        return f"{url}#:~:text={enc(' '.join(words))}"
    return f"{url}#:~:text={enc(' '.join(words[:4]))},{enc(' '.join(words[-4:]))}"
