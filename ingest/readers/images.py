"""Scanned images attached to records, checked at ingest before anything is written.

The image is opened and decoded whole (`archive.images.open_checked`), its SHA-256 taken; the
derivatives the public sees are made at publish (`publish.iiif.derivatives`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import ExifTags

from archive.checksums import sha256_of
from archive.images import ImageProblem, open_checked  # noqa: F401 (ImageProblem: the readers' error)


@dataclass(frozen=True)
class ImageInfo:
    sha256: str
    format: str
    width: int
    height: int
    bytes: int


def inspect_image(path: Path) -> ImageInfo:
    """Check an attached image the way ingest needs: readable, complete, allowed, not a bomb."""
    image = open_checked(path)
    with image:
        # The size of the upright picture, as the derivatives are made (EXIF orientation applied):
        # the IIIF canvas and info.json must agree on it.
        turned = image.getexif().get(ExifTags.Base.Orientation, 1) in (5, 6, 7, 8)
        width, height = (image.height, image.width) if turned else (image.width, image.height)
        return ImageInfo(sha256=sha256_of(path), format=image.format or "", width=width,
                         height=height, bytes=path.stat().st_size)
