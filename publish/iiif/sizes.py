"""The sizes of an image's derivatives, apart from the code making them: every page that shows
a thumbnail gives its size, and a build that makes no image must not load Pillow for that."""

from __future__ import annotations

THUMBNAIL = 240  # the thumbnail's longest side (publish.iiif.derivatives makes it)


def thumbnail_size(width: int | None, height: int | None) -> tuple[int, int] | None:
    """The thumbnail's size for an image of `width` × `height` (None if unknown), so a page can
    give its <img> width and height: the browser then holds the image's place before it loads
    (a lazy image below the fold is otherwise 0 × 0 until scrolled to, and the page jumps)."""
    if not width or not height:
        return None
    scale = min(1.0, THUMBNAIL / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))
