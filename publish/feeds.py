"""The Atom feed of newly added public material, and the sitemap, as XML made by ElementTree.

Both list only what the build's public views hold, so nothing hidden can appear in them.
Dates come from the store (when an object was first ingested), never from the clock, so two
builds of the same store write the same bytes.
"""

from __future__ import annotations

import heapq
from xml.etree import ElementTree as ET

from archive.urls import SiteUrls, site_page_url

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
FEED_SIZE = 50
SITEMAP_LIMIT = 50_000  # the sitemap protocol's limit per file
KIND_LABELS = {"record": "Record", "narrative": "Narrative", "harm": "Harm", "timeline": "Timeline"}


def recent(views: list[dict], added: dict[str, str], limit: int) -> list[dict]:
    """The most recently added views, newest first (ties by id, so the order is stable)."""
    # `nlargest` is `sorted(…, reverse=True)[:limit]` (no two keys are equal: ids differ)
    # without sorting 100,000 views for the feed's 50.
    return heapq.nlargest(limit, (v for v in views if v["id"] in added), key=lambda v: (added[v["id"]], v["id"]))


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def atom_feed(views: list[dict], added: dict[str, str], urls: SiteUrls, fallback_updated: str) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    entries = recent(views, added, FEED_SIZE)
    ET.SubElement(feed, f"{{{ATOM}}}title").text = f"{urls.archive_name}: recently added"
    ET.SubElement(feed, f"{{{ATOM}}}id").text = urls.absolute(site_page_url("feed"))
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = added[entries[0]["id"]] if entries else fallback_updated
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=urls.absolute(site_page_url("feed")))
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=urls.absolute("/"))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = urls.archive_name
    for view in entries:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = f"{KIND_LABELS[view['type']]}: {view['title']}"
        ET.SubElement(entry, f"{{{ATOM}}}id").text = urls.absolute(view["url"])
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=urls.absolute(view["url"]))
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = added[view["id"]]
        words = view.get("summary") or view.get("text") or ""
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = words[:400] + ("…" if len(words) > 400 else "")
    return _xml(feed)


def sitemaps(paths: list[str], urls: SiteUrls) -> dict[str, bytes]:
    """`sitemap.xml` (and, past 50,000 pages, numbered parts behind a sitemap index)."""
    ET.register_namespace("", SITEMAP)
    ordered = sorted(paths)
    chunks = [ordered[i:i + SITEMAP_LIMIT] for i in range(0, len(ordered), SITEMAP_LIMIT)] or [[]]

    def urlset(chunk: list[str]) -> bytes:
        # Written as text, byte for byte what ElementTree (indented) writes: 100,000 entries
        # through ElementTree took a second and a half, and a withdrawal remakes the sitemap.
        if not chunk:
            root = ET.Element(f"{{{SITEMAP}}}urlset")
            return _xml(root)
        entries = "".join(f"  <url>\n    <loc>{_text(urls.absolute(path))}</loc>\n  </url>\n" for path in chunk)
        return (f"<?xml version='1.0' encoding='utf-8'?>\n<urlset xmlns=\"{SITEMAP}\">\n{entries}</urlset>\n"
                ).encode()

    if len(chunks) == 1:
        return {"sitemap.xml": urlset(chunks[0])}
    files = {f"sitemap-{n}.xml": urlset(chunk) for n, chunk in enumerate(chunks, 1)}
    index = ET.Element(f"{{{SITEMAP}}}sitemapindex")
    for name in files:
        ET.SubElement(ET.SubElement(index, f"{{{SITEMAP}}}sitemap"), f"{{{SITEMAP}}}loc").text = urls.absolute("/" + name)
    files["sitemap.xml"] = _xml(index)
    return files


def _text(value: str) -> str:
    """Text escaped as ElementTree escapes an element's text."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def robots_txt(urls: SiteUrls) -> bytes:
    """robots.txt: everything may be crawled; where the sitemap is (so, the site's base URL)."""
    return (f"User-agent: *\nAllow: /\n\nSitemap: {urls.absolute(site_page_url('sitemap'))}\n").encode()


def base_url_of_robots(text: str) -> str | None:
    """The base URL a built site's robots.txt names (its sitemap's address, less the file)."""
    for line in text.splitlines():
        if line.startswith("Sitemap: ") and line.endswith(site_page_url("sitemap")):
            return line[len("Sitemap: "):-len(site_page_url("sitemap"))] + "/"
    return None
