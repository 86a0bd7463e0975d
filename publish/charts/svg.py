"""Vega-Lite specifications drawn as static SVG at build time, with vl-convert.

vl-convert runs the real Vega-Lite and Vega (in a JavaScript engine shipped inside its wheel)
and returns the SVG a browser would draw, so a page carries a finished picture: no script,
no external file, nothing for a static host to serve but HTML.

The engine runs in a forked process (`archive.side_process`), never in the build's own: its
threads would otherwise live on in the build process, which forks render workers later, and
a forked copy of a running JavaScript engine is not safe to use. The drawing process runs
beside the build, on the other core, until the pages need its drawings. A build's drawings
are kept for the life of the process by the specifications they came from, so a rebuild with
the same charts draws nothing.

Each drawing is checked before it goes into a page: Vega's loader writes every link as an
absolute URL under its own default base, which becomes the site's root-relative link again,
and anything that is not a plain drawing (a script, an event handler, a style, a foreign
object, a link off the site, an id that two charts on a page could share) fails the build
rather than reach a reader.
"""

from __future__ import annotations

import json
import re
import weakref
from importlib.metadata import version
from pathlib import Path

from lxml import etree

from archive.side_process import SideResult
from archive.urls import SiteUrls
from publish.charts import drawn

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# What vl-convert puts before a relative link (Vega's loader joins it to its base URL).
LOADER_BASE = "https://vega.github.io/vega-datasets/"
DRAWING = {f"{SVG}{name}" for name in ("svg", "g", "path", "rect", "line", "text", "a", "circle", "tspan")}
FORBIDDEN_ATTRIBUTE = re.compile(r"^(on.*|style|id)$", re.IGNORECASE)
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
# The last few builds' drawings by their specs (a memo of a pure function, oldest first).
KEEP = 8
_KEPT: dict[str, tuple[str, ...]] = {}


class ChartError(ValueError):
    """A drawn chart held something that is not a plain drawing; the build stops."""


def renderer() -> str:
    """What draws the charts (its version changes drawings: it is part of a page's data)."""
    return f"vl-convert-python {version('vl-convert-python')}"


class Drawings:
    """The SVG of each Vega-Lite spec, linking into the site at `urls`, drawn in a forked
    process that runs while the build goes on; `result()` waits for them. A build whose
    charts are those of a build before it in this process reuses its drawings, and with
    `kept_in` (the build's cache folder) any drawing made before from the same spec by the same
    renderer is read back (`publish.charts.drawn`) and only the others are drawn: a patched
    rebuild runs in a process of its own, and each new day draws the charts again (~0.9 s of
    drawing at 100,000 records for charts that had not changed)."""

    def __init__(self, specs: list[dict], urls: SiteUrls, kept_in: Path | None = None):
        self.urls = urls
        self.key = json.dumps(specs, sort_keys=True)
        self._svgs: tuple[str, ...] | None = _KEPT.get(self.key) if specs else ()
        self._side: SideResult[list[str]] | None = None
        self._kept_in = kept_in
        self._known: list[str | None] = []
        if self._svgs is None:
            recalled = [drawn.recall(kept_in, spec) if kept_in is not None else None for spec in specs]
            self._known = [checked(svg) if svg is not None else None for svg in recalled]
            todo = [spec for spec, svg in zip(specs, self._known, strict=True) if svg is None]
            self._todo = todo
            if todo:
                # Drawn in a forked process where that is safe (`SideResult`), else here.
                self._side = SideResult(lambda: [checked(_draw(spec)) for spec in todo])
                # A build that fails before asking for its drawings stops the drawing process.
                weakref.finalize(self, self._side.close)

    def result(self) -> list[str]:
        if self._svgs is None:
            made = iter(self._side.result() if self._side is not None else [])
            svgs = []
            for known in self._known:
                svgs.append(known if known is not None else next(made))
            if self._kept_in is not None:
                for spec, svg in zip(self._todo, (s for s, k in zip(svgs, self._known, strict=True) if k is None),
                                     strict=True):
                    drawn.keep(self._kept_in, spec, svg)
            self._svgs = tuple(svgs)
            _KEPT[self.key] = self._svgs
            while len(_KEPT) > KEEP:
                _KEPT.pop(next(iter(_KEPT)))
        return [linked(svg, self.urls) for svg in self._svgs]


def draw_all(specs: list[dict], urls: SiteUrls) -> list[str]:
    """The SVG of each Vega-Lite spec, in order, linking into the site at `urls`."""
    return Drawings(specs, urls).result()


def _draw(spec: dict) -> str:
    import vl_convert  # in the drawing process only

    return vl_convert.vegalite_to_svg(spec)


def checked(svg: str) -> str:
    """The drawing with root-relative links, or ChartError when it is more than a drawing."""
    root = etree.fromstring(svg.encode("utf-8"), PARSER)
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag not in DRAWING:
            raise ChartError(f"a chart holds {element.tag!r}, which is not part of a plain drawing")
        for name, value in element.attrib.items():
            if FORBIDDEN_ATTRIBUTE.match(etree.QName(name).localname):
                raise ChartError(f"a chart's <{etree.QName(element).localname}> has a '{name}' attribute")
            if name in (XLINK_HREF, "href"):
                value = value.removeprefix(LOADER_BASE)
                if not value.startswith("/") or value.startswith("//"):
                    raise ChartError(f"a chart links outside the site: {value!r}")
                del element.attrib[name]
                element.set("href", value)  # SVG 2's plain href: the page's other links are found the same way
    root.set("class", "chart-svg")
    etree.cleanup_namespaces(root)
    return etree.tostring(root, encoding="unicode")


def linked(svg: str, urls: SiteUrls) -> str:
    """A checked drawing with its links under the site's base path (`/archive/harms/x/`)."""
    if not urls.prefix:
        return svg
    root = etree.fromstring(svg.encode("utf-8"), PARSER)
    for element in root.iter(f"{SVG}a"):
        element.set("href", urls.link(element.get("href", "/")))
    return etree.tostring(root, encoding="unicode")
