"""How the store's JSON columns are read back: by orjson, exactly as the standard library reads them.

SQLAlchemy's `JSON` type decodes each value with `json.loads` unless the engine is given a
deserializer. A record has five JSON columns (creators, subjects, keywords, parts, harm
types), each a short list, and the readers that go through every record (the leak audit's
views, OAI-PMH's headers and records, the summaries) decode some millions of them: at 100,000
records `json.loads` was ~5 % of a full leak audit's CPU, its Python layers (`loads`,
`decode`, `raw_decode`) more than the parsing. orjson parses in C in a fraction of that.

orjson accepts only RFC 8259 JSON; the standard library also reads what `json.dumps` may have
written (NaN, Infinity, integers past 64 bits, lone surrogates). Anything orjson refuses is
read by the standard library, and so is any text holding a run of 19 digits or more: orjson
reads an integer below -2**63 as a float, without a word (tests/test_json_columns.py found
it), and every integer of 18 digits or fewer is inside 64 bits. So every stored value reads
back as it did before, in SQLite and PostgreSQL alike (psycopg hands the deserializer bytes,
which both accept).
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

LONG_NUMBER = re.compile(r"\d{19}")  # perhaps an integer past 64 bits, which orjson may misread
LONG_NUMBER_BYTES = re.compile(rb"\d{19}")


def loads(text: str | bytes) -> Any:
    """A stored JSON value, as `json.loads` reads it."""
    if (LONG_NUMBER_BYTES if isinstance(text, bytes) else LONG_NUMBER).search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)
