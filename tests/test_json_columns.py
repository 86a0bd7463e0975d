"""The store's JSON columns read by orjson (`archive.json_columns`), exactly as `json.loads` reads them."""

from __future__ import annotations

import json
import math

from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, select

from archive.db import open_engine
from archive.json_columns import loads
from archive.models import Revision
from tests.helpers.archives import make_settings

# What `json.dumps` can write: NaN and the infinities, integers past 64 bits and lone
# surrogates included (orjson refuses those, and the standard library reads them).
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
           | st.text() | st.sampled_from(["\ud800", "a\udfffb", "é’—"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=20)


@given(VALUES, st.booleans(), st.booleans())
def test_a_stored_value_reads_back_as_the_standard_library_reads_it(value, as_bytes, ascii_only):
    written = json.dumps(value, ensure_ascii=ascii_only)
    text = written.encode("utf-8", "surrogatepass") if as_bytes else written
    # repr tells apart what == does not: NaN from NaN, 1 from 1.0 and True, -0.0 from 0.0.
    assert repr(loads(text)) == repr(json.loads(text))


def test_the_store_reads_its_json_columns_so(tmp_path):
    """Through the engine the store opens (SQLite, or PostgreSQL under --postgres), a JSON
    column holding what orjson reads and what only the standard library reads comes back whole."""
    settings = make_settings(tmp_path / "home", tmp_path / "content")
    changes = {"big": 2**70, "list": [1, 2.5, None, True], "text": "é’", "nested": {"a": []}}
    engine = open_engine(settings)
    try:
        with Session(engine) as session:
            session.add(Revision(object_type="record", object_id="rec-a", action="edit", actor="t", changes=changes))
            session.commit()
        with Session(engine) as session:
            stored = session.exec(select(Revision)).one().changes
    finally:
        engine.dispose()
    assert stored == changes and isinstance(stored["big"], int) and not math.isnan(stored["list"][1])
