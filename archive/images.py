"""Opening a scanned image safely, for both ingest's check and publish's derivatives.

An image is opened fully with Pillow (so a truncated file or a text file named `.jpg` is
caught) and Pillow's decompression-bomb limit stays on: an image over the limit is refused,
not decoded. Every failure becomes one `ImageProblem` whose message says what was expected.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

FORMATS = {"JPEG", "PNG", "TIFF"}


class ImageProblem(ValueError):
    """An attached file that is not a usable image; the message says what was expected."""


def open_checked(path: Path) -> Image.Image:
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
