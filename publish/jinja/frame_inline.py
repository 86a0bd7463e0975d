"""Writing the frame's links into the template source once, instead of escaping them on every page.

Every page's frame (base.html) carries ~20 links (`{{ frame_links.home }}` and the like) that
are the same on every page of a build. Rendered as expressions, each costs a lookup and an
`escape` call on every page: a third of the escapes of a record page, ~2 million calls at
100,000 records. `FrameLinks` is a Jinja extension whose `preprocess` replaces each such
expression in a template's source, before it is compiled, with the link's already-escaped text,
so the compiled template just yields it as part of a literal string. Same bytes on the page.

It reads the `frame_links` global when a template is loaded, so the global must be set before
any template is (`publish.build.template_environment` does both). A link whose text could be read
as Jinja syntax (`{`, `}`, `#`, `%`) is left as an expression: still right, just not faster.
"""

from __future__ import annotations

import hashlib
import re

from jinja2.ext import Extension

# `{{ frame_links.name }}` or `{{ frame_links['key'] }}`, with Jinja's optional whitespace control.
_EXPRESSION = re.compile(r"""\{\{-?\s*frame_links\s*(?:\.\s*(\w+)|\[\s*'([^'\\]*)'\s*\])\s*-?\}\}""")
_SYNTAX = re.compile(r"[{}#%]")


def compiled_with(env) -> str:
    """What a template compiled in `env` holds besides its source: the frame's links. A cache of
    compiled templates (Jinja keys one by the source alone) must be kept apart per value, or a
    template compiled under another base URL would link pages to it."""
    links = sorted((k, str(v)) for k, v in env.globals.get("frame_links", {}).items())
    return hashlib.blake2b(repr(links).encode(), digest_size=8).hexdigest()


class FrameLinks(Extension):
    """Inline the build's `frame_links` (pre-escaped `Markup`) into template sources."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        links = self.environment.globals.get("frame_links")
        if not links or "frame_links" not in source:
            return source

        def inline(match: re.Match[str]) -> str:
            if "-" in match.group(0)[:3] or "-}}" in match.group(0):
                return match.group(0)  # whitespace control trims around it: leave that to Jinja
            key = match.group(1) or match.group(2)
            value = links.get(key)
            if value is None or not hasattr(value, "__html__"):
                return match.group(0)  # unknown or not pre-escaped: Jinja's own rule applies
            text = str(value.__html__())
            return match.group(0) if _SYNTAX.search(text) else text

        return _EXPRESSION.sub(inline, source)
