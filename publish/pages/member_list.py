"""A list's members as the build cache keeps them: three columns, read without a tuple each.

Why: every patch reads the lists its changed objects stand in, to place them (`publish.
patch_changes`), and at 100,000 records two of those (the records list, the one institution's
list) hold every record. Kept as one marshalled list of `(lower, id, kind)` tuples, each read
made 300,000 objects: ~47 ms a list, ~170 ms of a one-record patch with the browse lists (and
~370 ms of a 100-record one). Kept as columns (the lower bounds as 64-bit integers, the ids
joined, the kinds as one byte each into the list's few kinds), a read is three copies of bytes
and one split of the ids, and a member is made only when it is asked for: a bisection asks
for about seventeen.

The ids are not even split when read (ML2): the joined ids are kept as bytes with where each
begins (32-bit offsets), and an id is decoded when asked for. A patch reads the records list
and the institution's list (100,000 ids each) to place its records: splitting them made
200,000 strings, ~80 ms of a one-record patch, for a bisection of some seventeen. The ids
are split only when the list is changed or read whole (`MemberList._ids`); a list whose member kept
its place is not changed (`publish.pages.site_index.SiteIndex.put`).

`MemberList` is a sequence of `Member` tuples like the list it replaces (`len`, indexing,
slices, iteration, `bisect`, `del`, and `insert` for `bisect.insort`), so the pages and the
patch use it as they used the list.
"""

from __future__ import annotations

import marshal
import struct
from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate, repeat
from operator import add
from typing import overload

Member = tuple[int, str, str]  # (date's lower bound, id, kind): a list's order is (lower, id)

_MAGIC = b"ML2\0"  # what begins the columns' format (a marshalled list never does)
_SPLIT_MAGIC = b"ML1\0"  # the format before the offsets: ids joined only, split when read
_HEAD = struct.Struct("<4sIII")  # magic, members, bytes of ids, bytes of the kinds' names
_OFFSET = "I"  # unsigned 32-bit: where the id after each begins in the joined ids (past its NUL)
assert array(_OFFSET).itemsize == 4


class MemberList(Sequence[Member]):
    """`Member` tuples in order, kept as three columns."""

    __slots__ = ("_blob", "_ends", "_ids_list", "_kinds", "_lowers", "_names")

    def __init__(self, members: Iterable[Member] = ()):
        members = members if isinstance(members, list | tuple) else list(members)
        self._names: list[str] = sorted({kind for _, _, kind in members})  # each kind once, by its byte
        if len(self._names) > 256:
            raise ValueError("a list of more than 256 kinds of object")
        byte = {kind: n for n, kind in enumerate(self._names)}
        self._lowers = array("q", [lower for lower, _, _ in members])
        self._ids_list: list[str] | None = [object_id for _, object_id, _ in members]
        self._kinds = bytearray(byte[kind] for _, _, kind in members)
        # Read from the cache and not split yet: the ids joined by NUL, and where the id after
        # each begins (id n is `_blob[_ends[n - 1]:_ends[n] - 1]`, the first from 0).
        self._blob: bytes | None = None
        self._ends: array | None = None

    @property
    def _ids(self) -> list[str]:
        """Every id, split from the joined ones once (they are then let go)."""
        if self._ids_list is None:
            assert self._blob is not None and self._ends is not None
            self._ids_list = self._blob.decode().split("\0") if len(self._ends) else []
            self._blob = self._ends = None
        return self._ids_list

    def _id(self, at: int) -> str:
        if self._ids_list is not None:
            return self._ids_list[at]
        assert self._blob is not None and self._ends is not None
        if at < 0:
            at += len(self._lowers)
        if not 0 <= at < len(self._lowers):
            raise IndexError("member index out of range")
        return self._blob[self._ends[at - 1] if at else 0:self._ends[at] - 1].decode()

    def _id_slice(self, at: slice) -> list[str]:
        if self._ids_list is not None:
            return self._ids_list[at]
        start, stop, step = at.indices(len(self._lowers))
        if step != 1:
            return self._ids[at]
        if start >= stop:
            return []
        assert self._blob is not None and self._ends is not None
        return self._blob[self._ends[start - 1] if start else 0:self._ends[stop - 1] - 1].decode().split("\0")

    def __len__(self) -> int:
        return len(self._lowers)

    @overload
    def __getitem__(self, at: int) -> Member: ...

    @overload
    def __getitem__(self, at: slice) -> list[Member]: ...

    def __getitem__(self, at):
        if isinstance(at, slice):
            names = self._names
            return list(zip(self._lowers[at], self._id_slice(at), (names[k] for k in self._kinds[at]), strict=True))
        return (self._lowers[at], self._id(at), self._names[self._kinds[at]])

    def __iter__(self) -> Iterator[Member]:
        names = self._names
        return zip(self._lowers, self._ids, (names[k] for k in self._kinds), strict=True)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MemberList | list):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, as a list

    def __delitem__(self, at: int) -> None:
        del self._ids[at]  # first: split from the joined ids while they are all there
        del self._lowers[at]
        del self._kinds[at]

    def insert(self, at: int, member: Member) -> None:
        lower, object_id, kind = member
        self._ids.insert(at, object_id)
        self._lowers.insert(at, lower)
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

    def _positions(self, kind: str, limit: int | None) -> list[int]:
        """Where the members of one kind stand, in order (the first `limit`), found in the
        kinds' bytes: no member, nor id, made for the others."""
        if kind not in self._names:
            return []
        byte, kinds, found = self._names.index(kind), self._kinds, []
        at = kinds.find(byte)
        while at >= 0 and (limit is None or len(found) < limit):
            found.append(at)
            at = kinds.find(byte, at + 1)
        return found

    def __repr__(self) -> str:
        return f"MemberList({list(self)!r})"


def dump_members(members: Sequence[Member]) -> bytes:
    """The columns' bytes (a `MemberList`, or any sequence of members in order): a list read
    and not split gives back the bytes it was read from."""
    kept = members if isinstance(members, MemberList) else MemberList(members)
    if kept._blob is not None and kept._ends is not None:
        ids, ends = kept._blob, kept._ends
    else:
        ids = "\0".join(kept._ids).encode()
        ends = _ends_of(kept._ids, ids)
    names = "\0".join(kept._names).encode()
    head = _HEAD.pack(_MAGIC, len(kept), len(ids), len(names))
    return b"".join([head, kept._lowers.tobytes(), ends.tobytes(), ids, names, bytes(kept._kinds)])


def _ends_of(ids: list[str], joined: bytes) -> array:
    """Where the id after each begins in `joined` (the ids joined by NUL, as UTF-8): the sum
    of its length and of every one before it, each with its separator (in C: no Python step
    per id; lengths in characters are lengths in bytes when the ids are ASCII)."""
    ascii_only = len(joined) == sum(map(len, ids)) + len(ids) - 1
    sizes = map(len, ids) if ascii_only else (len(i.encode()) for i in ids)
    return array(_OFFSET, accumulate(map(add, sizes, repeat(1)))) if ids else array(_OFFSET)


def load_members(data: bytes) -> MemberList:
    """The list `dump_members` wrote; a list the cache kept as marshalled tuples (before the
    columns) is read too."""
    split = data.startswith(_SPLIT_MAGIC)
    if not split and not data.startswith(_MAGIC):
        return MemberList(marshal.loads(data))
    loaded = MemberList()
    _, count, id_bytes, name_bytes = _HEAD.unpack_from(data)
    at = _HEAD.size
    loaded._lowers.frombytes(data[at:at + 8 * count])
    at += 8 * count
    if split:
        loaded._ids_list = data[at:at + id_bytes].decode().split("\0") if count else []
    else:
        loaded._ends = array(_OFFSET)
        loaded._ends.frombytes(data[at:at + 4 * count])
        at += 4 * count
        loaded._blob = data[at:at + id_bytes]
        loaded._ids_list = None
        if len(loaded._ends) != count or (count and loaded._ends[-1] != id_bytes + 1):
            raise ValueError(f"a list's members cut short: {count} expected")
    at += id_bytes
    loaded._names = data[at:at + name_bytes].decode().split("\0") if name_bytes else []
    at += name_bytes
    loaded._kinds = bytearray(data[at:at + count])
    if len(loaded._lowers) != count or len(loaded._kinds) != count or (split and len(loaded._ids) != count):
        raise ValueError(f"a list's members cut short: {count} expected")
    return loaded


def ids_of_kind(members: Sequence[Member], kind: str, limit: int | None = None) -> list[str]:
    """The ids of a list's members of one kind, in order (the first `limit`): an institution's
    page shows its first records of 100,000, and its harms."""
    if isinstance(members, MemberList):
        return [members._id(at) for at in members._positions(kind, limit)]
    found = [object_id for _, object_id, of in members if of == kind]
    return found if limit is None else found[:limit]


def count_of_kind(members: Sequence[Member], kind: str) -> int:
    if isinstance(members, MemberList):
        return members._kinds.count(members._names.index(kind)) if kind in members._names else 0
    return sum(1 for _, _, of in members if of == kind)
