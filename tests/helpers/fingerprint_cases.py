"""Hypothesis cases for the audit's matchers: fingerprints drawn from given needles, and the
slow rule (one fingerprint at a time) every faster matcher must agree with."""

from __future__ import annotations

from hypothesis import strategies as st

from audit.fingerprints import ADDRESS, find_addresses
from audit.leaks import Fingerprint, find_in_slowly


def fingerprint_lists(needles: st.SearchStrategy[str]) -> st.SearchStrategy[list[Fingerprint]]:
    """Lists of fingerprints of these texts: a quarter addresses, the rest words or phrases,
    spelled (the exact letters) or not."""

    @st.composite
    def drawn(draw):
        found = []
        for n, text in enumerate(draw(st.lists(needles, min_size=1, max_size=8))):
            if draw(st.booleans()) and draw(st.booleans()):
                found.append(Fingerprint(text, f"obj-{n}", "address", ADDRESS))
            else:
                found.append(Fingerprint(text, f"obj-{n}", "why", spelled=draw(st.booleans())))
        return found

    return drawn()


def slowly(text: str, prints: list[Fingerprint]) -> list[Fingerprint]:
    """What the audit finds in `text`, one fingerprint at a time (words first, then addresses)."""
    words = [f for f in prints if f.kind != ADDRESS]
    places = [f for f in prints if f.kind == ADDRESS]
    return [*find_in_slowly(text, words), *find_addresses(text, places)]


def words_then_addresses(prints: list[Fingerprint]) -> list[Fingerprint]:
    """The fingerprints in the order the audit asks them (and `slowly` answers): words, then addresses."""
    return [f for f in prints if f.kind != ADDRESS] + [f for f in prints if f.kind == ADDRESS]
