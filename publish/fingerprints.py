"""Digests of what the site's outputs depend on besides their own data.

A page's key (`publish.page`) holds its data's digest and the `site_fingerprint`; a build's
manifest keeps these digests, so the next build can tell whether a file, or the whole site,
may stay as it is. The full build (`publish.build`) and the patched rebuild
(`publish.incremental`) must compute them identically, hence one module for both.
"""

from __future__ import annotations

import hashlib

from archive.code_digest import code_digest
from archive.settings import Settings
from archive.urls import SiteUrls


def site_fingerprint(settings: Settings, urls: SiteUrls, built_on: str) -> str:
    """What every rendered page depends on besides its data: templates, base URL, build date."""
    digest = hashlib.sha256(f"{urls.base_url}\0{built_on}\0".encode())
    digest.update(f"{settings.archive_name}\0{settings.admin_email}\0{settings.csv_bom}\0".encode())
    templates = settings.site_dir / "templates"
    for path in sorted(templates.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(templates).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def citing_digest(urls: SiteUrls, built_on: str) -> str:
    """What a citation file depends on besides its record: where the site lives, the archive's
    name, the date."""
    return hashlib.blake2b(f"{urls.base_url}\0{urls.archive_name}\0{built_on}".encode(),
                           digest_size=8).hexdigest()


def static_digest(settings: Settings) -> str:
    """The static files copied into the site (style sheets, scripts), names and bytes."""
    digest = hashlib.blake2b(digest_size=16)
    folder = settings.site_dir / "static"
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def site_code_digest() -> str:
    """The code a build runs: `publish.build` and all it imports (the patched rebuild,
    `publish.incremental`, included), read from the import graph; record views' own code is
    in the view cache's generation (`publish.build_cache.generation`)."""
    return code_digest("publish.build", outside=("markdown_it",))
