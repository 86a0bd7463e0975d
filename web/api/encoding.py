"""One JSON encoding for the whole API: compact, UTF-8, and no NaN a strict parser would refuse."""

from __future__ import annotations

import json


def json_bytes(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
