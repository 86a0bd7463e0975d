"""`json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)`, byte for byte, faster.

The site build writes two indented JSON documents per record (its CSL-JSON citation file and
its schema.org JSON-LD): 200,000 at 100,000 records. The standard library's C encoder is
used only without `indent`; with it, `json` falls back to a generator-per-level Python
encoder that was a fifth of a record page's rendering time, and a walk of our own in Python
was still a tenth of it. orjson writes the same text indented by two spaces a level (its only
indent), in C; each line's indent is then halved. As in `publish.json_compact`, whatever
orjson spells otherwise (a float below 1e-4, an infinity, NaN) or will not encode (a key that is not a string,
an integer past 64 bits, a lone surrogate, an object JSON cannot hold) goes to `json.dumps`,
so the output never differs and what `json` refuses fails as it fails there.
"""

from __future__ import annotations

import json

import orjson

from publish.json_compact import small_float_respelled

_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS


def dumps(data: object) -> str:
    """The same text as `json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)`."""
    return dumps_bytes(data).decode("utf-8")


def dumps_bytes(data: object) -> bytes:
    """`dumps(data)` in UTF-8."""
    try:
        body = orjson.dumps(data, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return _standard(data)
    # Compact, the same text less the indents: what the strings hold, told cheaply.
    flat = orjson.dumps(data)
    if b"null" in flat or small_float_respelled(flat):
        return _standard(data)  # a None, an infinity or NaN (orjson's null), a float below 1e-4
    if b"  " in flat:  # two spaces in a string: not every run of spaces is an indent
        return _halve_each_indent(body)
    # Every run of spaces is a line's indent (after a line break, before a value or a bracket;
    # a separator's single space is followed by a value): each pair of spaces becomes one.
    return body.replace(b"  ", b" ")


def _halve_each_indent(body: bytes) -> bytes:
    """Two spaces a level to one, leaving the strings alone. A raw line break or tab is never
    inside a JSON string (both are escaped there), so each line break starts a line whose
    leading spaces are all indent: the deepest indents become tabs first (so no shallower one
    matches them again), then every tab a space."""
    depth = 0
    while b"\n" + b"  " * (depth + 1) in body:
        depth += 1
    for level in range(depth, 0, -1):
        body = body.replace(b"\n" + b"  " * level, b"\n" + b"\t" * level)
    return body.replace(b"\t", b" ")


def _standard(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
