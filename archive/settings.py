"""One typed settings object, read once and handed down.

Defaults make `reckon` work from a repository root with no configuration: content from
`./content`, and the database, search index and site written into the working directory.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields, replace
from datetime import date
from pathlib import Path
from typing import get_args, get_type_hints

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def _default_site_dir(home: Path) -> Path:
    """Prefer a `site/` theme folder in the working directory; fall back to the one shipped."""
    local = home / "site"
    return local if (local / "templates").is_dir() else PACKAGE_ROOT / "site"


@dataclass(frozen=True)
class Settings:
    home: Path
    content_dir: Path
    database_url: str
    index_dir: Path
    public_dir: Path
    site_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    today_override: date | None = None
    source_date_epoch: int | None = None
    secret_key: str | None = None  # signs staff session cookies; see staff/session.py
    # or "tantivy" (pip install 'reckoning[tantivy]'), for big collections, or "postgres" (the
    # indexes in the store's own PostgreSQL database: only with a PostgreSQL database_url)
    search_engine: str = "whoosh"
    # Who the archive is to harvesters (OAI-PMH Identify, Dublin Core publisher, identifiers).
    archive_name: str = "Reckoning archive"
    admin_email: str = "archive@example.org"
    oai_repository_id: str = "reckoning.example.org"
    # Where the published site lives, e.g. "https://example.org/archive/": absolute links in
    # feeds, sitemaps and citations use it, and its path is the prefix of every page link.
    # Unless RECKON_BASE_URL (or an override) sets it, it is the served address: host and port
    # (`served_url`), so `reckon serve --port 8123` links to port 8123.
    base_url: str = "http://127.0.0.1:8000/"
    base_url_set: bool = False  # True when RECKON_BASE_URL or an override named the base URL
    # Addresses of reverse proxies whose X-Forwarded-Proto/-For headers are believed (comma-
    # separated; "*" for any). Behind TLS at such a proxy the staff cookie is marked Secure.
    trusted_proxies: str = "127.0.0.1,::1"
    # CSV downloads start with a UTF-8 byte order mark, so spreadsheet programs (Excel) read
    # them as UTF-8 rather than the system's code page; off by default, as most CSV readers
    # would keep the mark in the first column's name.
    csv_bom: bool = False
    # A command run after each publish with the changed public URLs as its arguments (a CDN's
    # purge, e.g. "purge-cdn --zone archive"), so no cache keeps a page the archive changed.
    purge_command: str | None = None
    # The largest recording (audio or video) staff may upload with a narrative, in megabytes:
    # an hour of CD-quality WAV is about 600 MB, of MP3 or M4A well under 100 MB.
    recording_upload_mb: int = 1024

    def today(self) -> date:
        """The date the access rule judges embargoes by (fixed in tests, real otherwise)."""
        return self.today_override or date.today()

    # Every other folder and file the archive keeps under its working folder, named here once.
    @property
    def staff_index_dir(self) -> Path:
        """The staff index (hidden material included): never inside the published site."""
        return self.home / "staff-index"

    @property
    def uploads_dir(self) -> Path:
        """Files uploaded with staff submissions, one folder per submission; never published."""
        return self.home / "uploads"

    @property
    def secret_key_file(self) -> Path:
        """The staff session key made on first use when RECKON_SECRET_KEY is not set."""
        return self.home / "secret.key"

    @property
    def media_cache_dir(self) -> Path:
        """Image derivatives by checksum, so a rebuild copies instead of re-encoding."""
        return self.home / "media-cache"

    @property
    def build_cache_dir(self) -> Path:
        """The site build's caches (record views, compiled templates), beside the site's buffers."""
        return self.public_dir.parent / f".{self.public_dir.name}.cache"

    @property
    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix):
            return Path(self.database_url[len(prefix):])
        return None


def served_url(host: str, port: int) -> str:
    """The base URL of a site served at this address. An address that listens everywhere
    (0.0.0.0, ::) names no host a browser can use: this machine's loopback stands for it."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def load_settings(
    home: str | Path | None = None,
    environ: dict[str, str] | None = None,
    **overrides: object,
) -> Settings:
    """Build settings from the environment and explicit overrides (CLI flags, tests).

    Environment: RECKON_HOME, RECKON_CONTENT, DATABASE_URL, RECKON_TODAY (YYYY-MM-DD, to
    preview embargoes), SOURCE_DATE_EPOCH, RECKON_SECRET_KEY (signs staff sessions),
    RECKON_SEARCH_ENGINE (whoosh | tantivy | postgres), RECKON_ARCHIVE_NAME, RECKON_ADMIN_EMAIL and
    RECKON_OAI_ID (the archive's name, contact and OAI identifier namespace),
    RECKON_TRUSTED_PROXIES (proxies whose X-Forwarded-Proto is believed), RECKON_BASE_URL (where
    the site lives; without it, the served address, `served_url(host, port)`), RECKON_CSV_BOM
    (1: CSV downloads start with a UTF-8 byte order mark, for spreadsheets), RECKON_PURGE_COMMAND
    (run with the changed URLs after each publish), RECKON_RECORDING_UPLOAD_MB (the largest
    recording staff may upload, in MB). Overrides win over the environment.
    """
    env = dict(os.environ if environ is None else environ)
    home_path = Path(home or env.get("RECKON_HOME") or Path.cwd()).resolve()
    content = Path(env.get("RECKON_CONTENT") or home_path / "content")
    today_text = env.get("RECKON_TODAY")
    epoch = env.get("SOURCE_DATE_EPOCH")
    settings = Settings(
        home=home_path,
        content_dir=content.resolve(),
        database_url=env.get("DATABASE_URL") or f"sqlite:///{home_path / 'reckon.db'}",
        index_dir=home_path / "index",
        public_dir=home_path / "public",
        site_dir=_default_site_dir(home_path),
        today_override=date.fromisoformat(today_text) if today_text else None,
        source_date_epoch=int(epoch) if epoch else None,
        secret_key=env.get("RECKON_SECRET_KEY") or None,
        search_engine=env.get("RECKON_SEARCH_ENGINE") or "whoosh",
        archive_name=env.get("RECKON_ARCHIVE_NAME") or Settings.archive_name,
        admin_email=env.get("RECKON_ADMIN_EMAIL") or Settings.admin_email,
        oai_repository_id=env.get("RECKON_OAI_ID") or Settings.oai_repository_id,
        base_url=env.get("RECKON_BASE_URL") or Settings.base_url,
        base_url_set=bool(env.get("RECKON_BASE_URL")),
        trusted_proxies=env.get("RECKON_TRUSTED_PROXIES") or Settings.trusted_proxies,
        csv_bom=(env.get("RECKON_CSV_BOM") or "").strip().lower() in ("1", "true", "yes", "on"),
        purge_command=env.get("RECKON_PURGE_COMMAND") or None,
        recording_upload_mb=_megabytes(env.get("RECKON_RECORDING_UPLOAD_MB"), Settings.recording_upload_mb),
    )
    clean = {k: v for k, v in overrides.items() if v is not None}
    for key in ("content_dir", "index_dir", "public_dir", "site_dir"):
        if key in clean:
            clean[key] = Path(clean[key]).resolve()
    settings = replace(settings, **clean)
    if "base_url" in clean:
        return replace(settings, base_url_set=True)
    if not settings.base_url_set:
        return replace(settings, base_url=served_url(settings.host, settings.port))
    return settings


def _megabytes(text: str | None, default: int) -> int:
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"RECKON_RECORDING_UPLOAD_MB: expected a whole number of megabytes (1 or more), got {text!r}")
    return value


def settings_to_json(settings: Settings) -> str:
    """The settings as JSON, every field: how `reckon serve --workers N` hands the settings it
    loaded to worker processes (`settings_from_json` reads them back the same)."""
    return json.dumps({f.name: _plain(getattr(settings, f.name)) for f in fields(Settings)})


def settings_from_json(text: str) -> Settings:
    """The inverse of `settings_to_json`: each field back to its declared type."""
    values = json.loads(text)
    types = get_type_hints(Settings)
    return Settings(**{name: _typed(types[name], value) for name, value in values.items()})


def _plain(value: object) -> object:
    return str(value) if isinstance(value, (Path, date)) else value


def _typed(kind: object, value: object) -> object:
    if value is None:
        return None
    if kind is Path:
        return Path(value)
    if date in get_args(kind) or kind is date:
        return date.fromisoformat(value)
    return value
