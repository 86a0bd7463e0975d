"""Markdown for every output: CommonMark with raw HTML disabled, and its plain text.

Raw HTML is off because narratives and records come from many hands; a `<script>` in a
transcript must show as text, never run.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from functools import lru_cache
from itertools import zip_longest

from markdown_it import MarkdownIt

from archive.fork_safety import can_fork


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "typographer": False})


def to_html(text: str) -> str:
    return _parser().render(text or "")


# Text with none of these has no Markdown markup: no inline syntax, entity or escape anywhere,
# and no line that could open a heading, quote, list, fence or setext underline.
_INLINE_MARKUP = "\\`*_[]<&\x00"
_BLOCK_MARKUP = re.compile(r"[ \t]*(?:[-+=#>~]|\d{1,9}[.)])")  # at the start of a line ...
# ... and after each line end (\r ends one too): one pattern per line end, opening with it. A
# pattern opening with one character is searched for at C speed; one opening with a class of
# two tested every character (with the inline class, 7x the time of these scans: most of making
# a record's search document, made twice in a rebuild, once for each index).
_BLOCK_MARKUP_AFTER = {end: re.compile(end + r"[ \t]*(?:[-+=#>~]|\d{1,9}[.)])") for end in "\n\r"}


def to_html_and_text(text: str) -> tuple[str, str]:
    """`(to_html(text), to_plain_text(text))` from one parse: the site build makes both for
    every record, and parsing is most of Markdown's cost. Prose whose lines no parse could
    change (`_plain_paragraphs`) is not parsed: what the parser would make is written out."""
    written = _written_out(text)
    if written is not None:
        return written
    parser = _parser()
    env: dict = {}
    tokens = parser.parse(text or "", env)
    return parser.renderer.render(tokens, parser.options, env), _plain(tokens)


def is_plain_prose(text: str) -> bool:
    """No Markdown markup anywhere: its plain text is the text with white space collapsed,
    and its HTML those words in paragraph tags."""
    # Each inline character is looked for on its own: `in` runs memchr.
    return (not any(c in text for c in _INLINE_MARKUP) and _BLOCK_MARKUP.match(text) is None
            and not any(end in text and after.search(text) for end, after in _BLOCK_MARKUP_AFTER.items()))


# A line markdown-it keeps as it is, and a paragraph of such lines: no inline markup, entity
# or escape; no white space or control character at either end (nothing to trim, no indented
# code, no hard break); and no character that could open a block (`_BLOCK_MARKUP`) or make an
# underline at its start.
_PLAIN_LINE = re.compile(r"(?![-+=#>~]|\d{1,9}[.)])[^\s\\`*_\[\]<&\x00-\x1f\x7f]"
                         r"(?:[^\\`*_\[\]<&\x00-\x1f\x7f]*[^\s\\`*_\[\]<&\x00-\x1f\x7f])?")
_BLANK_LINES = re.compile(r"\n\n+")


def _plain_paragraphs(text: str | None) -> list[str] | None:
    """The paragraphs of a text made only of plain lines (`_PLAIN_LINE`), one blank line or
    more between paragraphs and blank lines around: each becomes `<p>` and its lines as
    written, with `&<>"` escaped. None for anything else (the parser decides)."""
    if not text:
        return None
    paragraphs = _BLANK_LINES.split(text.strip("\n"))
    for paragraph in paragraphs:
        for line in paragraph.split("\n"):
            if _PLAIN_LINE.fullmatch(line) is None:
                return None
    return paragraphs


def _escape(text: str) -> str:
    """markdown-it's escaping of text (`&`, `<`, `>`, `"`; a plain line holds no `&` or `<`)."""
    return text.replace(">", "&gt;").replace('"', "&quot;") if ">" in text or '"' in text else text


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


# ASCII white space `str.split` splits at besides the space: a text with none of these, no two
# spaces running and none at either end is its own collapsed form.
_OTHER_ASCII_SPACE = "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def collapse_whitespace(text: str) -> str:
    """`" ".join(text.split())`. Most bodies (every record of the shared benchmark) are one
    line of words between single spaces, their own collapsed form: told by a few scans in C,
    a fifth of the time of splitting ~400 words and joining them again (a view of every record
    before a full build's workers fork, and the indexes' text at ingest)."""
    if text.isascii():
        # White space at either end (a Markdown body read from a file begins and ends with a
        # line end) is cut first: `strip` cuts what `split` splits at, for ASCII text.
        inner = text.strip()
        if "  " not in inner and not any(space in inner for space in _OTHER_ASCII_SPACE):
            return inner
    return " ".join(text.split())


PARALLEL_FROM = 4000  # texts before a second process pays for forking and pickling the results


def to_html_and_text_many(texts: list[str]) -> list[tuple[str, str]]:
    """`to_html_and_text` of each text, in order. The site build makes every record's view
    before anything else can start, and Markdown is most of that: plain prose is written out
    here, and from `PARALLEL_FROM` texts to parse a forked process parses every other chunk
    of them while this one parses the rest. Only strings cross between the processes, a chunk
    at a time (one pickle of half of 100,000 records' HTML and text was ~250 MB at once). Not
    for a server with threads: forking copies one thread."""
    made: list[tuple[str, str] | None] = [_written_out(text) for text in texts]
    hard = [n for n, found in enumerate(made) if found is None]
    if len(hard) < PARALLEL_FROM or (os.cpu_count() or 1) < 2 or not can_fork():
        for n in hard:
            made[n] = to_html_and_text(texts[n])
        return made  # type: ignore[return-value]
    chunks = [hard[at:at + CHUNK] for at in range(0, len(hard), CHUNK)]
    with multiprocessing.get_context("fork").Pool(1) as pool:
        theirs = pool.imap(_many, ([texts[n] for n in chunk] for chunk in chunks[1::2]))
        for mine, their in zip_longest(chunks[::2], chunks[1::2]):
            for n in mine:
                made[n] = to_html_and_text(texts[n])
            if their is not None:
                for n, found in zip(their, next(theirs), strict=True):
                    made[n] = found
    return made  # type: ignore[return-value]


CHUNK = 1000  # texts handed to the forked process at a time


def _written_out(text: str) -> tuple[str, str] | None:
    """`to_html_and_text` of plain prose (no parse needed), else None."""
    paragraphs = _plain_paragraphs(text)
    if paragraphs is None:
        return None
    return "".join(f"<p>{_escape(p)}</p>\n" for p in paragraphs), collapse_whitespace(text)


def _many(texts: list[str]) -> list[tuple[str, str]]:
    return [to_html_and_text(text) for text in texts]
