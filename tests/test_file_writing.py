"""Files are written whole, in pieces no larger than `archive.file_writing.PIECE`.

Why pieces: one `write` of 4 MB or more took ~40 times as long as the same bytes a megabyte at
a time on this project's machines (bench/results/59), and a patch rewrites ~9 MB download parts."""

from __future__ import annotations

import os

import pytest

from archive import file_writing
from archive.file_writing import PIECE, write_file


@pytest.mark.parametrize("size", [0, 1, PIECE - 1, PIECE, PIECE + 1, 3 * PIECE + 5])
def test_every_byte_is_written_in_pieces_of_at_most_a_megabyte(tmp_path, monkeypatch, size):
    content = os.urandom(size)
    asked: list[int] = []
    real_write = os.write

    def write(fd, data):
        asked.append(len(data))
        return real_write(fd, data)

    monkeypatch.setattr(file_writing.os, "write", write)
    target = tmp_path / "part.jsonl"
    write_file(target, content)
    assert target.read_bytes() == content
    assert all(0 < n <= PIECE for n in asked)
    assert sum(asked) == size


def test_a_short_write_is_taken_up_where_it_stopped(tmp_path, monkeypatch):
    """`os.write` may write fewer bytes than given (a signal, a full pipe): the rest follows."""
    content = os.urandom(2 * PIECE + 17)
    real_write = os.write
    monkeypatch.setattr(file_writing.os, "write", lambda fd, data: real_write(fd, bytes(data[:1000])))
    target = tmp_path / "short.bin"
    write_file(target, content)
    assert target.read_bytes() == content


def test_a_file_written_again_holds_only_the_new_bytes_with_the_mode_asked(tmp_path):
    target = tmp_path / "shard.json"
    write_file(target, b"x" * (PIECE + 10))
    write_file(target, b"short", 0o600)  # emptied first: nothing of the longer content is left
    assert target.read_bytes() == b"short"
    os.remove(target)
    write_file(target, b"new", 0o600)
    assert target.stat().st_mode & 0o777 == 0o600 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
