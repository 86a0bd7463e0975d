"""Scanned images attached to records: checked at ingest, turned into derivatives at publish.

At ingest an image is opened fully with Pillow (so a truncated file or a text file named
`.jpg` is caught before anything is written), its SHA-256 is taken, and Pillow's
decompression-bomb limit stays on: an image over the limit is refused, not decoded.

Derivatives (a thumbnail, a web-size copy and IIIF Image API 3.0 level-0 static tiles with
`info.json`) are re-encoded from the pixels only, so no EXIF, GPS or other metadata of the
original survives into anything published.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

FORMATS = {"JPEG", "PNG", "TIFF"}
THUMBNAIL = 240
WEB = 1200
TILE = 512
QUALITY = 85


class ImageProblem(ValueError):
    """An attached file that is not a usable image; the message says what was expected."""


@dataclass(frozen=True)
class ImageInfo:
    sha256: str
    format: str
    width: int
    height: int
    bytes: int


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _open_checked(path: Path) -> Image.Image:
    """Open and fully decode an image, turning every failure into an ImageProblem."""
    if not path.is_file():
        raise ImageProblem(f"no such file '{path.name}' (expected a JPEG, PNG or TIFF beside the record)")
    image: Image.Image | None = None
    try:
        with warnings.catch_warnings():
            # Over the limit Pillow only warns up to twice the limit; refuse at the limit itself.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
            if image.format not in FORMATS:
                raise ImageProblem(f"'{path.name}' is a {image.format} image; expected JPEG, PNG or TIFF")
            image.load()
    except Exception as exc:
        if image is not None:
            image.close()
        if isinstance(exc, ImageProblem):
            raise
        if isinstance(exc, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
            raise ImageProblem(f"'{path.name}' is too large to decode safely ({exc}); "
                               f"expected at most {Image.MAX_IMAGE_PIXELS:,} pixels") from exc
        if isinstance(exc, UnidentifiedImageError):
            raise ImageProblem(f"'{path.name}' is not an image Pillow can read; expected JPEG, PNG or TIFF") from exc
        if isinstance(exc, (OSError, SyntaxError, ValueError, EOFError)):
            raise ImageProblem(f"'{path.name}' is damaged or truncated ({exc}); expected a complete image file") from exc
        raise
    return image


def inspect_image(path: Path) -> ImageInfo:
    """Check an attached image the way ingest needs: readable, complete, allowed, not a bomb."""
    image = _open_checked(path)
    with image:
        # The size of the upright picture, as the derivatives are made (EXIF orientation applied):
        # the IIIF canvas and info.json must agree on it.
        turned = image.getexif().get(ExifTags.Base.Orientation, 1) in (5, 6, 7, 8)
        width, height = (image.height, image.width) if turned else (image.width, image.height)
        return ImageInfo(sha256=sha256_of(path), format=image.format or "", width=width,
                         height=height, bytes=path.stat().st_size)


def _pixels(path: Path) -> Image.Image:
    """The image's pixels only, upright (EXIF orientation applied, then all metadata dropped)."""
    with _open_checked(path) as image:
        upright = ImageOps.exif_transpose(image)
        mode = "RGB" if upright.mode not in ("L",) else "L"
        clean = Image.new(mode, upright.size)
        clean.paste(upright.convert(mode))
    return clean


def _save(image: Image.Image, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    image.save(target, "JPEG", quality=QUALITY, optimize=True)  # no exif=, no icc: nothing carried over


def _scaled(image: Image.Image, longest: int) -> Image.Image:
    copy = image.copy()
    copy.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    return copy


def write_derivatives(original: Path, out: Path) -> dict:
    """Thumbnail, web copy and IIIF level-0 tiles of `original` into `out`; returns the parts of
    `info.json` that do not depend on where the image is published (see `info_json`)."""
    image = _pixels(original)
    width, height = image.size
    _save(_scaled(image, THUMBNAIL), out / "thumbnail.jpg")
    _save(_scaled(image, WEB), out / "web.jpg")
    scale_factors = [1]
    while max(width, height) / scale_factors[-1] > TILE:
        scale_factors.append(scale_factors[-1] * 2)
    for factor in scale_factors:
        step = TILE * factor
        level = image if factor == 1 else image.resize(
            (math.ceil(width / factor), math.ceil(height / factor)), Image.Resampling.LANCZOS)
        for y in range(0, height, step):
            for x in range(0, width, step):
                w, h = min(step, width - x), min(step, height - y)
                tw, th = math.ceil(w / factor), math.ceil(h / factor)
                left, top = x // factor, y // factor
                tile = level.crop((left, top, left + tw, top + th))
                _save(tile, out / f"{x},{y},{w},{h}" / f"{tw},{th}" / "0" / "default.jpg")
    sizes = []
    for factor in reversed(scale_factors):
        size = (math.ceil(width / factor), math.ceil(height / factor))
        sizes.append({"width": size[0], "height": size[1]})
        scaled = image if factor == 1 else image.resize(size, Image.Resampling.LANCZOS)
        _save(scaled, out / "full" / f"{size[0]},{size[1]}" / "0" / "default.jpg")
    _save(image, out / "full" / "max" / "0" / "default.jpg")
    return {"width": width, "height": height, "sizes": sizes,
            "tiles": [{"width": TILE, "height": TILE, "scaleFactors": scale_factors}]}


def info_json(image_id_url: str, parts: dict) -> str:
    """IIIF Image API 3.0 `info.json` for a level-0 (static files) image service."""
    return json.dumps({
        "@context": "http://iiif.io/api/image/3/context.json",
        "id": image_id_url,
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": "level0",
        **parts,
    }, indent=2)
