"""Whole numbers from outside (a form, a path, a query, JSON), as the store can hold them.

Python's `int()` takes "1e999"-free text of any length and JSON may hold floats, lists or
booleans where a number is asked for; SQLite and PostgreSQL keep integers in 64 bits, so a
number past that raises deep in the driver and surfaced as a 500. Every number a caller sends
is read through `whole_number`, which answers None for anything else, so the edge can refuse
it with a 400 naming the field.
"""

from __future__ import annotations

import re

LARGEST = 2**63 - 1  # SQLite INTEGER and PostgreSQL BIGINT
DIGITS = re.compile(r"[+-]?\d{1,19}")


def whole_number(value: object, lowest: int = -LARGEST, highest: int = LARGEST) -> int | None:
    """`value` as an int within [lowest, highest] (text of digits, or a JSON integer), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and DIGITS.fullmatch(value.strip()):
        number = int(value)
    else:
        return None
    return number if lowest <= number <= highest else None
