"""The API's JSON is byte for byte the standard library's compact UTF-8 encoding, whichever
encoder made it (publish/json_compact.py), for any JSON-shaped data: floats of every size, text
with every kind of character, integer keys, and integers past 64 bits."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from publish.json_compact import json_bytes


def standard(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(st.characters(exclude_categories=("Cs",))))
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=8) | st.integers(-1000, 1000), inner, max_size=5),
    max_leaves=30)


@given(documents)
def test_any_document_is_encoded_as_the_standard_library_does(data):
    assert json_bytes(data) == standard(data)


def test_floats_orjson_spells_otherwise_and_tuples():
    for value in (2.5842083326549593e-05, 1e-08, 0.0001, 1e16, 1e22, -0.0, 123456789012345.6, 0.1 + 0.2):
        assert json_bytes({"score": value}) == standard({"score": value})
    assert json_bytes({"pair": (1, "two")}) == b'{"pair":[1,"two"]}'
    assert json_bytes({"note": "an e-mail of 0.00001"}) == standard({"note": "an e-mail of 0.00001"})
