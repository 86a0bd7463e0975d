"""The public search index's stored documents as the audit reads them: each one place, its
stored fields as JSON (`{"id": ["rec-1"], "date_lower": [19900101], "text": ["…"]}`).

At 100,000 records writing them with `json.dumps(stored, ensure_ascii=False)` was ~3.6 s of
the audit's CPU; orjson writes the same JSON in a tenth of the time, but only compact: `","`
and `":"` between values where `json.dumps` writes `", "` and `": "`. The two texts hold the
same fingerprints when no fingerprint holds `,` or `:` and none begins or ends with white
space (`compact_reads_the_same`), so the documents are written compactly then, as before
otherwise. Why, rule by rule (`audit.leaks.find_in_slowly`: the text with its entities
decoded and lower-cased; the compact text is the spaced one with the space after each
separator taken out, and no entity runs into a separator, whose characters no entity name
holds):

- an occurrence of a fingerprint in either text that reached into a separator would hold its
  `,` or `:` (or begin with the space after it): none holds either, and none begins with
  white space; every other occurrence is in both texts alike;
- a word is whole, or an address ends, by the characters on either side of it: next to a
  separator those are `,`, `:` or a space, none a word character or `-`, in both texts;
- a phrase is looked for in the text with white space made one space: the space after a
  separator stands between `,` or `:` and `"`, `[` or a digit, a run of its own;
- a spelled name or span is looked for in the text's slug, where `", "` and `","` are both in
  one run of characters other than letters and digits: the two slugs are the same.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

import orjson

from publish.json_compact import small_float_respelled

# Dates and dataclasses are handed back (the standard library refuses them, as before).
OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def compact_reads_the_same(texts: Iterable[str]) -> bool:
    """Whether no fingerprint (their texts) could tell a document's compact JSON from
    `json.dumps`' (the module's docstring)."""
    return not any("," in t or ":" in t or t != t.strip() for t in texts)


def document_writer(texts: Iterable[str]) -> Callable[[dict], bytes]:
    """How to write each stored document (UTF-8) for fingerprints of these texts: compactly
    when that reads the same (`compact_reads_the_same`), else as `json.dumps` writes it."""
    return compact if compact_reads_the_same(texts) else spaced


def compact(stored: dict) -> bytes:
    """`json.dumps(stored, ensure_ascii=False, separators=(",", ":"))`, UTF-8, made by orjson
    where it writes the same: not for a float below 1e-4 (`small_float_respelled`), nor a NaN
    or an infinity, which orjson writes as `null` (and the standard library as `NaN`,
    `Infinity`: words), nor what orjson will not write (an integer past 64 bits)."""
    try:
        body = orjson.dumps(stored, option=OPTIONS)
    except orjson.JSONEncodeError:
        body = None
    if body is None or b"null" in body or small_float_respelled(body):
        return _utf8(json.dumps(stored, ensure_ascii=False, separators=(",", ":")))
    return body


def spaced(stored: dict) -> bytes:
    """The document as `json.dumps(stored, ensure_ascii=False)` writes it, UTF-8."""
    return _utf8(json.dumps(stored, ensure_ascii=False))


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")
