"""Image derivatives for the public: a thumbnail, a web copy and IIIF Image API 3.0 level-0 tiles.

Re-encoded from the pixels only, so no EXIF, GPS or other metadata of the original survives
into anything published; the original (the master) never leaves the store's folder.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from PIL import Image, ImageOps

from archive.images import ImageProblem, open_checked  # noqa: F401 (files.py takes it from here with Pillow)
from publish.iiif.sizes import THUMBNAIL

WEB = 1200
TILE = 512
QUALITY = 85


def _pixels(path: Path) -> Image.Image:
    """The image's pixels only, upright (EXIF orientation applied, then all metadata dropped)."""
    with open_checked(path) as image:
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
