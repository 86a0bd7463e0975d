"""The serving rules `reckon serve` applies, written for static hosts by every build.

A site copied to a static host is answered by the host, not by `reckon serve`, so the build
writes the same two rules in the files hosts read, at the root of the published folder:

1. **Revalidate everything.** Every answer carries `Cache-Control: no-cache`: a browser or a
   proxy may keep a copy but must ask again (a cheap conditional request, answered 304 while
   the file is unchanged) before showing it. A reader who once opened a testimony that is
   then withdrawn sees the tombstone on the next visit, not their cached copy.
2. **Withdrawn testimony is gone (410)**, with the tombstone page as the body, both at
   `/narratives/<id>/` and at `/narratives/<id>/index.html`; search engines are told not to
   index the tombstone.
3. **Recordings are open to other sites' viewers**: a narrative's AV manifest and recording
   files (`archive.urls.OPEN_MEDIA_FILES`) carry `Access-Control-Allow-Origin: *`. A rule by
   pattern is enough: a build leaves such files only in public narratives' folders.

The files (each says where it applies in its first lines):

- `_headers`: Netlify and Cloudflare Pages (header rules by path).
- `_redirects`: Netlify (a `410!` rewrite of each tombstone to itself). Cloudflare Pages cannot
  answer 410 from a static file: there the tombstone is served 200 (with `noindex`), and a
  purge (`RECKON_PURGE_COMMAND`) drops cached copies.
- `.htaccess`: Apache 2.4 (mod_headers and mod_rewrite, `AllowOverride FileInfo`), with the
  published folder as the document root of the site's base path.
- `reckon-nginx.conf`: nginx, `include`d in the `server { }` block whose `root` maps the base
  URL's path onto the published folder (the locations are written with the base path).

Paths are written with the base URL's path (`RECKON_BASE_URL`), as the host sees them.
The files name only tombstones, which are public pages already.
"""

from __future__ import annotations

import re

from archive.urls import OPEN_MEDIA_FILES, SiteUrls

HEADERS_FILE, REDIRECTS_FILE, HTACCESS_FILE, NGINX_FILE = "_headers", "_redirects", ".htaccess", "reckon-nginx.conf"
FILES = (HEADERS_FILE, REDIRECTS_FILE, HTACCESS_FILE, NGINX_FILE)
CACHE_CONTROL = "no-cache"  # the same value `reckon serve` sends (web.site_files)
TOMBSTONE_ROBOTS = "noindex"
INTERNAL = "/reckon-tombstone"  # nginx: an internal prefix the tombstones' bodies are read through
OPEN_ORIGIN = "*"  # Access-Control-Allow-Origin of the recording files (as `reckon serve`: web.site_files)


def host_rules(tombstone_pages: list[str], urls: SiteUrls) -> dict[str, bytes]:
    """The four files, for these tombstone pages (`narratives/<id>/index.html`, relative paths)."""
    pages = sorted(tombstone_pages)
    return {HEADERS_FILE: _headers(pages, urls), REDIRECTS_FILE: _redirects(pages, urls),
            HTACCESS_FILE: _htaccess(pages, urls), NGINX_FILE: _nginx(pages, urls)}


def _forms(page: str, urls: SiteUrls) -> tuple[str, str]:
    """A tombstone's two URL paths: its folder and its index.html."""
    folder = "/" + page[: -len("index.html")]
    return urls.link(folder), urls.link("/" + page)


def _headers(pages: list[str], urls: SiteUrls) -> bytes:
    lines = ["# Netlify, Cloudflare Pages: written by `reckon build` (publish/host_rules.py).",
             urls.link("/*"), f"  Cache-Control: {CACHE_CONTROL}"]
    for path in ("/narratives/:id/manifest.json", "/narratives/:id/recording-*"):
        lines += [urls.link(path), f"  Access-Control-Allow-Origin: {OPEN_ORIGIN}"]
    for page in pages:
        for path in _forms(page, urls):
            lines += [path, f"  X-Robots-Tag: {TOMBSTONE_ROBOTS}"]
    return ("\n".join(lines) + "\n").encode()


def _redirects(pages: list[str], urls: SiteUrls) -> bytes:
    lines = ["# Netlify: withdrawn testimony answers 410 with its tombstone (written by `reckon build`)."]
    for page in pages:
        target = urls.link("/" + page)
        lines += [f"{path}  {target}  410!" for path in _forms(page, urls)]
    return ("\n".join(lines) + "\n").encode()


def _htaccess(pages: list[str], urls: SiteUrls) -> bytes:
    lines = ["# Apache 2.4: written by `reckon build` (publish/host_rules.py); needs mod_headers, mod_rewrite",
             "# and AllowOverride FileInfo for this folder.",
             "<IfModule mod_headers.c>",
             f'  Header always set Cache-Control "{CACHE_CONTROL}"',
             f'  <If "%{{REQUEST_URI}} =~ m#^{re.escape(urls.link("/"))}{OPEN_MEDIA_FILES}$#">',
             f'    Header always set Access-Control-Allow-Origin "{OPEN_ORIGIN}"',
             "  </If>",
             "</IfModule>"]
    if pages:
        lines += ["RewriteEngine On"]
        for page in pages:
            folder = re.escape(page[: -len("index.html")])
            # Not on the internal redirect to the ErrorDocument (the tombstone itself).
            lines += ["RewriteCond %{ENV:REDIRECT_STATUS} ^$", f"RewriteRule ^{folder}(index\\.html)?$ - [G]"]
        for page in pages:
            folder, index = _forms(page, urls)
            lines += [f'<If "%{{REQUEST_URI}} == \'{folder}\' || %{{REQUEST_URI}} == \'{index}\'">',
                      f"  ErrorDocument 410 {index}",
                      f'  Header always set X-Robots-Tag "{TOMBSTONE_ROBOTS}"',
                      "</If>"]
    return ("\n".join(lines) + "\n").encode()


def _nginx(pages: list[str], urls: SiteUrls) -> bytes:
    lines = ["# nginx: include in the server { } block serving the site; written by `reckon build`",
             "# (publish/host_rules.py). `root` must map the base URL's path onto the published folder.",
             f'add_header Cache-Control "{CACHE_CONTROL}" always;',
             # A location's add_header replaces the server's: Cache-Control is said again.
             f"location ~ ^{re.escape(urls.link('/'))}{OPEN_MEDIA_FILES}$ {{",
             f'    add_header Cache-Control "{CACHE_CONTROL}" always;',
             f'    add_header Access-Control-Allow-Origin "{OPEN_ORIGIN}" always;',
             "}"]
    if pages:
        for page in pages:
            index = urls.link("/" + page)
            for path in _forms(page, urls):
                lines += [f"location = {path} {{",
                          f"    error_page 410 {INTERNAL}{index};",
                          f'    add_header Cache-Control "{CACHE_CONTROL}" always;',
                          f'    add_header X-Robots-Tag "{TOMBSTONE_ROBOTS}" always;',
                          "    return 410;",
                          "}"]
        # The tombstone's body, read by the error page's internal redirect (never asked for directly).
        lines += [f"location ^~ {INTERNAL}/ {{",
                  "    internal;",
                  f'    add_header Cache-Control "{CACHE_CONTROL}" always;',
                  f'    add_header X-Robots-Tag "{TOMBSTONE_ROBOTS}" always;',
                  f"    rewrite ^{INTERNAL}(/.*)$ $1 break;",
                  "}"]
    return ("\n".join(lines) + "\n").encode()
