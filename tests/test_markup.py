"""archive/markup.py: plain prose is written out without a parse, and must be exactly what
markdown-it makes of it (HTML and text), since record pages, downloads and search carry it."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from archive import markup
from archive.markup import _parser, _plain, to_html_and_text


def parsed(text: str) -> tuple[str, str]:
    """`to_html_and_text` without the fast path: always through the parser."""
    parser = _parser()
    env: dict = {}
    tokens = parser.parse(text, env)
    return parser.renderer.render(tokens, parser.options, env), _plain(tokens)


# Words, the characters that open blocks or inline markup, entities, quotes, every kind of
# white space and line end: texts the fast path must either write as the parser would, or refuse.
PIECES = ["word", "Minutes", "1870", "1.", "2)", "123456789.", "-", "+", "=", "#", ">", "~", "!", "?", ",", ";",
          ":", "'", '"', "(", ")", "/", "%", "é", "&", "&amp;", "<", "<b>", "*", "_", "`", "[", "]", "\\",
          " ", "  ", "    ", "\t", "\n", "\n\n", "\n\n\n", "\n \n", "\r", "\r\n", "\xa0", "\u2003", "\u2028",
          "\x0c", "\x00", "\ufeff"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_plain_prose_is_what_the_parser_makes(text):
    assert to_html_and_text(text) == parsed(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(st.lists(st.sampled_from(["word", "1870", "x", '"quoted"', "a>b", "é", "!"]),
                                  min_size=1, max_size=6).map(" ".join), min_size=1, max_size=3).map("\n".join),
                min_size=1, max_size=4).map("\n\n".join))
def test_paragraphs_of_plain_lines_take_the_fast_path(text):
    assert markup._plain_paragraphs(text) is not None
    assert to_html_and_text(text) == parsed(text)


def test_what_the_fast_path_leaves_to_the_parser():
    for text in ["", "*em*", "a & b", "    code", "- item", "1. first", "Title\n===", "line  \nbreak", " lead",
                 "trail ", "a\n\n \n\nb", "x\r\ny", "<script>x</script>"]:
        assert markup._plain_paragraphs(text) is None, text
        assert to_html_and_text(text) == parsed(text)
    assert to_html_and_text("Minutes of a meeting, 1870.\n") == ("<p>Minutes of a meeting, 1870.</p>\n",
                                                                  "Minutes of a meeting, 1870.")


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(["word", "x", " ", "  ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e",
                                 "\x1f", "\x85", "\xa0", "\u2003", "\u2028", "\u3000", "é", "\x00", "\x7f"]),
                max_size=30).map("".join))
def test_collapse_whitespace_is_split_and_join(text):
    """The shortcut for a text already collapsed agrees with splitting and joining it, for
    every kind of white space `str.split` knows, ASCII or not."""
    assert markup.collapse_whitespace(text) == " ".join(text.split())


# `is_plain_prose` as first written: one class of inline characters, one class of line ends.
_INLINE_AS_A_CLASS = re.compile(r"[\\`*_\[\]<&\x00]")
_AT_A_LINE_START = re.compile(r"[ \t]*(?:[-+=#>~]|\d{1,9}[.)])")
_AFTER_EITHER_LINE_END = re.compile(r"[\r\n][ \t]*(?:[-+=#>~]|\d{1,9}[.)])")


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES + ["\n-", "\r#", "\n  12)", "\r\n> q", "x\n", "\n"]), max_size=40).map("".join))
def test_plain_prose_is_told_as_by_one_class_of_characters(text):
    """The per-character scans say what the character classes said, for every piece that
    opens inline markup or a block, after either line end or none."""
    by_classes = (_INLINE_AS_A_CLASS.search(text) is None and _AT_A_LINE_START.match(text) is None
                  and _AFTER_EITHER_LINE_END.search(text) is None)
    assert markup.is_plain_prose(text) == by_classes
