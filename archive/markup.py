"""Markdown for every output: CommonMark with raw HTML disabled, and its plain text.

Raw HTML is off because narratives and records come from many hands; a `<script>` in a
transcript must show as text, never run.
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "typographer": False})


def to_html(text: str) -> str:
    return _parser().render(text or "")


def to_html_and_text(text: str) -> tuple[str, str]:
    """`(to_html(text), to_plain_text(text))` from one parse: the site build makes both for
    every record, and parsing is most of Markdown's cost."""
    parser = _parser()
    env: dict = {}
    tokens = parser.parse(text or "", env)
    return parser.renderer.render(tokens, parser.options, env), _plain(tokens)


def to_plain_text(text: str) -> str:
    """The words a reader sees, whitespace collapsed: used for quotation checks and indexing."""
    return _plain(_parser().parse(text or ""))


def _plain(tokens) -> str:
    parts: list[str] = []
    for token in tokens:
        if token.type == "inline":
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
            parts.append(" ")
        elif token.type in ("code_block", "fence"):
            parts.append(token.content + " ")
    return collapse_whitespace("".join(parts))


def collapse_whitespace(text: str) -> str:
    return " ".join(text.split())
