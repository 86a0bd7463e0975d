"""Markdown for every output: CommonMark with raw HTML disabled, and its plain text.

Raw HTML is off because narratives and records come from many hands; a `<script>` in a
transcript must show as text, never run.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from functools import lru_cache

from markdown_it import MarkdownIt


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "typographer": False})


def to_html(text: str) -> str:
    return _parser().render(text or "")


# Text with none of these has no Markdown markup: no inline syntax, entity or escape anywhere,
# and no line that could open a heading, quote, list, fence or setext underline.
_INLINE_MARKUP = re.compile(r"[\\`*_\[\]<&\x00]")
_BLOCK_MARKUP = re.compile(r"[ \t]*(?:[-+=#>~]|\d{1,9}[.)])")  # at the start of a line ...
_BLOCK_MARKUP_LINE = re.compile(r"[\r\n][ \t]*(?:[-+=#>~]|\d{1,9}[.)])")  # ... \r ends one too


def to_html_and_text(text: str) -> tuple[str, str]:
    """`(to_html(text), to_plain_text(text))` from one parse: the site build makes both for
    every record, and parsing is most of Markdown's cost."""
    parser = _parser()
    env: dict = {}
    tokens = parser.parse(text or "", env)
    return parser.renderer.render(tokens, parser.options, env), _plain(tokens)


def is_plain_prose(text: str) -> bool:
    """No Markdown markup anywhere: its plain text is the text with white space collapsed,
    and its HTML those words in paragraph tags."""
    return (_INLINE_MARKUP.search(text) is None and _BLOCK_MARKUP.match(text) is None
            and _BLOCK_MARKUP_LINE.search(text) is None)


def to_plain_text(text: str) -> str:
    """The words a reader sees, whitespace collapsed: used for quotation checks and indexing."""
    text = text or ""
    if is_plain_prose(text):
        # Plain prose (most record bodies): parsing would give back the same words, at a
        # third of ingest's tagging time for 100,000 records.
        return collapse_whitespace(text)
    return _plain(_parser().parse(text))


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


PARALLEL_FROM = 4000  # texts before a second process pays for forking and pickling the results


def to_html_and_text_many(texts: list[str]) -> list[tuple[str, str]]:
    """`to_html_and_text` of each text, in order. The site build makes every record's view
    before anything else can start, and Markdown is most of that: from `PARALLEL_FROM` texts
    a forked process parses half of them while this one parses the other half. Only strings
    cross between the processes. Not for a server with threads: forking copies one thread."""
    if len(texts) < PARALLEL_FROM or (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [to_html_and_text(text) for text in texts]
    half = len(texts) // 2
    with multiprocessing.get_context("fork").Pool(1) as pool:
        theirs = pool.apply_async(_many, (texts[half:],))
        mine = _many(texts[:half])
        return mine + theirs.get()


def _many(texts: list[str]) -> list[tuple[str, str]]:
    return [to_html_and_text(text) for text in texts]
