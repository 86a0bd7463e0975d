"""The site's fast indented JSON writes exactly what `json.dumps(indent=1, sort_keys=True)` writes:
citation files and JSON-LD must not change by a byte when the build gets faster."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publish import json_indent

CASES = [
    {},
    [],
    "",
    0,
    None,
    {"title": "Minutes “of” the\tmeeting\n</script>&<b>", "é": "naïve — ✓ \x00\x1f\u2028", "a": True, "b": False},
    {"issued": {"date-parts": [[1872, 3, 5]]}, "author": [{"literal": "A"}, {"literal": "B"}], "empty": {},
     "none": [], "n": None, "neg": -12, "big": 10**30},
    [[[]], [{}], [1, [2, [3, {"z": 1, "a": [None]}]]]],
    {"Z": 1, "a": 2, "_": 3, "ä": 4, "A": 5},
    {"float": 1.5, "nan-free": [0.1, 2e-9]},  # floats: handed to json itself
    {1: "int key", 3: "another"},  # non-string keys: handed to json itself
    {"tuple": (1, 2)},  # tuples: handed to json itself
]


@pytest.mark.parametrize("data", CASES)
def test_same_text_as_json_dumps(data):
    assert json_indent.dumps(data) == json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)


def test_what_json_cannot_write_fails_as_json_does():
    with pytest.raises(TypeError, match="not JSON serializable"):
        json_indent.dumps({"when": object()})


# Strings with runs of spaces, line breaks, tabs and float-like text: what the halving of
# orjson's two-space indents must leave alone.
TEXT = st.lists(st.sampled_from([" ", "  ", "a", "é", "\n", "\t", "\\", '"', "e-", "0.0000", "\u2028", "\x00"]),
                max_size=8).map("".join)
JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) | TEXT,
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                    max_leaves=30)


@settings(max_examples=500, deadline=None)
@given(JSON)
def test_same_text_as_json_dumps_for_any_data(data):
    assert json_indent.dumps(data) == json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
    assert json_indent.dumps_bytes(data) == json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode()
