"""Where each record's document sits in the static search index: open addressing by its URL.

The records' documents (each record, and each part of a multi-part record) were numbered by
their place in URL order. A record added or made non-public then moved every later number,
and with it every posting of every term shard (~260 MB at 100,000 records): each daily
ingest that added a record rebuilt the whole index (80 s, 3.2 GB). Here a document's number
is a slot of a table of `table_size(n)` slots (a power of two, at least twice the documents):
its URL hashed to a home slot, then linear probing, the documents placed in URL order. The
layout depends on the public documents alone (a fresh build and a patched one agree byte
for byte, and a hidden record leaves no trace), and one document coming or going moves only
those of its probe cluster, a few at this load (`replace`).

Linear probing's occupied slots do not depend on the order of insertion, and a cluster (a
maximal run of occupied slots, wrapping at the end) holds exactly the documents whose probes
ran inside it: its documents placed alone, in URL order, fill it as the whole table's
placement did. `replace` rests on this: it places again only the clusters a change touches,
growing them while a placement runs into a cluster it did not take.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

MIN_SLOTS = 64


def table_size(documents: int) -> int:
    """The number of slots for this many documents: the least power of two holding twice as many."""
    size = MIN_SLOTS
    while size < 2 * documents:
        size *= 2
    return size


def block_slots(documents: int) -> int:
    """The records' block's slots for this many documents: none for none, else `table_size`."""
    return table_size(documents) if documents else 0


def home(url: str, size: int) -> int:
    """The slot a document's probe starts at: 64 bits of BLAKE2b of its URL, modulo the table."""
    return int.from_bytes(hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big") & (size - 1)


def place(urls: Iterable[str], size: int) -> dict[str, int]:
    """Each URL's slot, the URLs placed in sorted order by linear probing from their home slot."""
    taken: set[int] = set()
    slots: dict[str, int] = {}
    for url in sorted(urls):
        slot = home(url, size)
        while slot in taken:
            slot = (slot + 1) & (size - 1)
        taken.add(slot)
        slots[url] = slot
    return slots


def replace(size: int, at: Callable[[int], str | None], where: dict[str, int], leaving: Iterable[str],
            coming: Iterable[str]) -> tuple[dict[str, int | None], dict[str, int]] | None:
    """The documents that move when `leaving` go (by URL; `where`: the slot of each) and
    `coming` come: (each moved or leaving URL's slot before, None for those coming;
    each moved or coming URL's slot after). `at(slot)`: the URL in a slot now, None when empty.
    None when a slot in `where` does not hold its URL (the index is not the one expected).

    The clusters holding a leaving document or a coming one's home slot are placed again
    with their members, less those leaving, plus those coming, the rest of the table fixed.
    Where one of their runs then touches a cluster not taken, that cluster is taken too and
    the placement made again: every run made holds only documents placed here, so each is a
    whole cluster of the new table, placed as a full build would place it."""
    mask = size - 1
    leaving, coming = set(leaving), set(coming)
    if any(at(where[url]) != url for url in leaving):
        return None
    taken: dict[int, str] = {}  # slot -> URL of every cluster taken, as it is now

    def take(slot: int) -> None:
        """The cluster around `slot` (nothing when it is empty), into `taken`."""
        if slot in taken or at(slot) is None:
            return
        first = slot
        while at((first - 1) & mask) is not None and (first - 1) & mask != slot:
            first = (first - 1) & mask
        s = first
        while (url := at(s)) is not None and s not in taken:
            taken[s] = url
            s = (s + 1) & mask

    for url in leaving:
        take(where[url])
    for url in coming:
        take(home(url, size))
    while True:
        members = sorted((set(taken.values()) - leaving) | coming)
        placed: dict[int, str] = {}
        for url in members:
            slot = home(url, size)
            while slot in placed or (slot not in taken and at(slot) is not None):
                slot = (slot + 1) & mask
            placed[slot] = url
        touched = [s for slot in placed for s in ((slot - 1) & mask, (slot + 1) & mask)
                   if s not in placed and s not in taken and at(s) is not None]
        if not touched:
            break
        for s in touched:
            take(s)
    before = {url: slot for slot, url in taken.items()}
    after = {url: slot for slot, url in placed.items()}
    moved_before: dict[str, int | None] = {url: slot for url, slot in before.items() if after.get(url) != slot}
    moved_before.update((url, None) for url in coming)
    return moved_before, {url: slot for url, slot in after.items() if before.get(url) != slot}
