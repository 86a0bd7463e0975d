"""A list's members as the build cache keeps them: three columns, read without a tuple each.

Why: every patch reads the lists its changed objects stand in, to place them (`publish.
patch_changes`), and at 100,000 records two of those (the records list, the one institution's
list) hold every record. Kept as one marshalled list of `(lower, id, kind)` tuples, each read
made 300,000 objects: ~47 ms a list, ~170 ms of a one-record patch with the browse lists (and
~370 ms of a 100-record one). Kept as columns (the lower bounds as 64-bit integers, the ids
joined, the kinds as one byte each into the list's few kinds), a read is three copies of bytes
and one split of the ids, and a member is made only when it is asked for: a bisection asks
for about seventeen.

`MemberList` is a sequence of `Member` tuples like the list it replaces (`len`, indexing,
slices, iteration, `bisect`, `del`, and `insert` for `bisect.insort`), so the pages and the
patch use it as they used the list.
"""

from __future__ import annotations

import marshal
import struct
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

Member = tuple[int, str, str]  # (date's lower bound, id, kind): a list's order is (lower, id)

_MAGIC = b"ML1\0"  # what begins the columns' format (a marshalled list never does)
_HEAD = struct.Struct("<4sIII")  # magic, members, bytes of ids, bytes of the kinds' names


class MemberList(Sequence[Member]):
    """`Member` tuples in order, kept as three columns."""

    __slots__ = ("_ids", "_kinds", "_lowers", "_names")

    def __init__(self, members: Iterable[Member] = ()):
        members = members if isinstance(members, list | tuple) else list(members)
        self._names: list[str] = sorted({kind for _, _, kind in members})  # each kind once, by its byte
        if len(self._names) > 256:
            raise ValueError("a list of more than 256 kinds of object")
        byte = {kind: n for n, kind in enumerate(self._names)}
        self._lowers = array("q", [lower for lower, _, _ in members])
        self._ids: list[str] = [object_id for _, object_id, _ in members]
        self._kinds = bytearray(byte[kind] for _, _, kind in members)

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, at: int) -> Member: ...

    @overload
    def __getitem__(self, at: slice) -> list[Member]: ...

    def __getitem__(self, at):
        if isinstance(at, slice):
            names = self._names
            return list(zip(self._lowers[at], self._ids[at], (names[k] for k in self._kinds[at]), strict=True))
        return (self._lowers[at], self._ids[at], self._names[self._kinds[at]])

    def __iter__(self) -> Iterator[Member]:
        names = self._names
        return zip(self._lowers, self._ids, (names[k] for k in self._kinds), strict=True)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MemberList | list):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, as a list

    def __delitem__(self, at: int) -> None:
        del self._lowers[at]
        del self._ids[at]
        del self._kinds[at]

    def insert(self, at: int, member: Member) -> None:
        lower, object_id, kind = member
        self._lowers.insert(at, lower)
        self._ids.insert(at, object_id)
        self._kinds.insert(at, self._kind_byte(kind))

    def append(self, member: Member) -> None:
        self.insert(len(self), member)

    def _kind_byte(self, kind: str) -> int:
        try:
            return self._names.index(kind)
        except ValueError:
            if len(self._names) == 256:
                raise ValueError("a list of more than 256 kinds of object") from None
            self._names.append(kind)
            return len(self._names) - 1

    def __repr__(self) -> str:
        return f"MemberList({list(self)!r})"


def dump_members(members: Sequence[Member]) -> bytes:
    """The columns' bytes (a `MemberList`, or any sequence of members in order)."""
    kept = members if isinstance(members, MemberList) else MemberList(members)
    ids = "\0".join(kept._ids).encode()
    names = "\0".join(kept._names).encode()
    head = _HEAD.pack(_MAGIC, len(kept), len(ids), len(names))
    return b"".join([head, kept._lowers.tobytes(), ids, names, bytes(kept._kinds)])


def load_members(data: bytes) -> MemberList:
    """The list `dump_members` wrote; a list the cache kept as marshalled tuples (before the
    columns) is read too."""
    if not data.startswith(_MAGIC):
        return MemberList(marshal.loads(data))
    loaded = MemberList()
    _, count, id_bytes, name_bytes = _HEAD.unpack_from(data)
    at = _HEAD.size
    loaded._lowers.frombytes(data[at:at + 8 * count])
    at += 8 * count
    loaded._ids = data[at:at + id_bytes].decode().split("\0") if count else []
    at += id_bytes
    loaded._names = data[at:at + name_bytes].decode().split("\0") if name_bytes else []
    at += name_bytes
    loaded._kinds = bytearray(data[at:at + count])
    if len(loaded._lowers) != count or len(loaded._ids) != count or len(loaded._kinds) != count:
        raise ValueError(f"a list's members cut short: {count} expected")
    return loaded
