"""Image derivatives on the public site: thumbnails, web copies and IIIF level-0 tiles.

Written at publish time, into the fresh `public/` the build swaps into place, and only for
images of records the public Catalog shows today. Doing it at build rather than at ingest
means the access rule decides at the same moment for pages and images: a record made
restricted (or embargoed) loses its images from `public/` on the next build, because nothing
outside the staged folder is ever copied in. Derivatives are cached by the original's SHA-256
in a private folder (`media-cache/` under the home), so a rebuild copies files instead of
re-encoding, and a changed scan (new checksum) is re-made.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sqlmodel import select

from archive.catalog import Catalog
from archive.checksums import sha256_of
from archive.errors import ReckoningError
from archive.media import Media
from archive.settings import Settings
from archive.urls import SiteUrls, iiif_url

PARTS_FILE = "info-parts.json"


def public_media(catalog: Catalog) -> list[Media]:
    """The image rows of records this Catalog's viewer may see (the one access rule)."""
    rows = catalog.session.exec(select(Media).order_by(Media.record_id, Media.position)).all()
    # Only the records that have images are judged (not every record of a large collection).
    visible = catalog.visible_among("record", sorted({row.record_id for row in rows}))
    return [row for row in rows if row.record_id in visible]


def _cached(media: Media, cache_dir: Path) -> Path:
    # Pillow is imported only when images are made: a build with none (or a patched
    # rebuild, publish.incremental) need not pay ~0.1 s for it.
    from publish.iiif.derivatives import ImageProblem, write_derivatives

    folder = cache_dir / media.sha256
    if (folder / PARTS_FILE).exists():
        return folder
    original = Path(media.path)
    if not original.is_file() or sha256_of(original) != media.sha256:
        raise ReckoningError(f"{media.source_path}: the image of {media.record_id} changed or moved since it "
                             "was ingested; run `reckon ingest` again")
    staging = cache_dir / f".{media.sha256}.new"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        parts = write_derivatives(original, staging)
    except ImageProblem as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ReckoningError(f"{media.source_path}: {exc}") from exc
    (staging / PARTS_FILE).write_text(json.dumps(parts), encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    return folder


def write_iiif(media: list[Media], out: Path, settings: Settings) -> int:
    """Copy each public image's derivatives to `out/<image-id>/` with its info.json."""
    from publish.iiif.derivatives import info_json  # (Pillow: see _cached)

    cache_dir = settings.media_cache_dir
    cache_dir.mkdir(parents=True, exist_ok=True)
    for row in media:
        folder = _cached(row, cache_dir)
        target = out / row.id
        shutil.copytree(folder, target, ignore=shutil.ignore_patterns(PARTS_FILE))
        parts = json.loads((folder / PARTS_FILE).read_text(encoding="utf-8"))
        # The Image API's id is an absolute URL: a viewer on another site builds tile URLs from it.
        image_id = SiteUrls(settings.base_url).absolute(iiif_url(row.id).rstrip("/"))
        (target / "info.json").write_text(info_json(image_id, parts), encoding="utf-8")
    return len(media)
