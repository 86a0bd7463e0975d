"""One output file of the site (`Page`), its key in a buffer's manifest, and writing a set of them.

The full build (`publish.build`) and the patched rebuild (`publish.incremental`) both make
pages and key them here, so a file one of them wrote is recognised as current by the other:
a key that differs means the file is written again, an equal key means it is left alone.
"""

from __future__ import annotations

import hashlib
import json
import marshal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment

from publish import render_workers
from publish.render_workers import EarlyRecords


@dataclass(slots=True)
class Page:
    """One output file: rendered from a template with `data`, or given as `content` bytes.
    Slotted: a full build at 100,000 records holds 200,000 of them."""

    path: str
    template: str | None = None
    data: dict = field(default_factory=dict)
    content: bytes | None = None
    extra: Callable[[dict], dict] | None = None  # context computed only when really rendered
    digest: str | None = None  # stands for `data` (or `make`'s bytes) in the page's key when known
    make: Callable[[], bytes] | None = None  # content made only when really written (needs `digest`)
    key: str | None = None  # the key of bytes let go once keyed, which `make` makes again (`let_go`)


def let_go(path: str, content: bytes, make: Callable[[], bytes]) -> Page:
    """A page keyed by `content` (the same key as `Page(path, content=content)`) that does not
    hold it: `make` makes the same bytes again when the page is written. At 100,000 records the
    record downloads are ~900 MB; a build holding them from the moment they are made until the
    last file is written needs that much more memory, while making them again from the lines
    the view cache keeps anyway is a join."""
    return Page(path, make=make, key=content_key(path, content))


def written_early(path: str, key: str) -> Page:
    """A page already written into the buffer being made (`EarlyRecords.write`), by its key."""
    def made() -> bytes:
        raise RuntimeError(f"{path} was written early and is not held: it cannot be written again")
    return Page(path, make=made, key=key)


def content_key(path: str, content: bytes) -> str:
    """The key of a file given as bytes: the same as `page_key(Page(path, content=content), …)`."""
    return page_key(Page(path, content=content), "")


def page_key(page: Page, fingerprint: str) -> str:
    """The page's key: its path and what its bytes are made from (`fingerprint`: the templates
    and settings every rendered page shares, `publish.fingerprints.site_fingerprint`)."""
    if page.key is not None:
        return page.key
    digest = hashlib.blake2b(page.path.encode() + b"\0", digest_size=20)
    if page.content is not None:
        digest.update(page.content)
    elif page.make is not None:
        digest.update(b"made\0" + page.digest.encode())
    else:
        digest.update(fingerprint.encode() + b"\0" + page.template.encode() + b"\0")
        digest.update(page.digest.encode() if page.digest is not None else _data_bytes(page.data))
    return digest.hexdigest()


class PageKeys:
    """`page_key` for a whole build. A page known by a digest (200,000 of them at 100,000
    records) needs no hash of its path: the manifest is keyed by path already."""

    def __init__(self, fingerprint: str):
        self.fingerprint = fingerprint
        self.prefixes: dict[str, str] = {}

    def key(self, page: Page) -> str:
        if page.digest is None:  # keyed by its data or its bytes (or already keyed: `let_go`)
            return page_key(page, self.fingerprint)
        kind = "made" if page.make is not None else page.template
        prefix = self.prefixes.get(kind)
        if prefix is None:
            seed = "made" if page.make is not None else f"{self.fingerprint}\0{page.template}"
            prefix = self.prefixes[kind] = hashlib.blake2b(seed.encode(), digest_size=8).hexdigest()
        return f"{prefix}-{page.digest}"


def _data_bytes(data: dict) -> bytes:
    """A page's data as bytes for its key. marshal is many times faster than JSON; version 0,
    because later versions mark a string interned or not (and share repeated objects), so
    equal data read from different places (a cache, the store) would give different bytes.
    Data it cannot hold falls back to JSON."""
    try:
        return b"m" + marshal.dumps(data, 0)
    except ValueError:
        return b"j" + json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode()


def write_pages(env: Environment, todo: list[Page], out: Path, early: EarlyRecords | None = None) -> None:
    """Write these pages under `out`; big builds use every core (forked workers share the data).
    Pages `early` has already rendered are moved in rather than written again."""
    done = early.paths if early is not None else set()
    render_workers.write_pages(env, [p for p in todo if p.path not in done] if done else todo, out)
    if early is not None:
        early.take(out)  # after writing the rest: the workers may still be rendering till now
