"""More fingerprints for `reckon audit`: the ledger, hidden parts, and hidden addresses.

`audit.leaks.fingerprints` takes the words of hidden records, narratives, harms and timelines.
This adds what that misses:

- hidden commitments and responses (the ledger's own objects), read through the ledger views;
- the hidden parts of objects the public may see: what the staff view of an object holds and
  its public view does not (a redacted span, a progress entry or claim resting on a hidden
  source, an accountability event citing a staff-only record);
- the addresses of hidden objects' pages and of hidden records' images, so a stale page, a
  sitemap entry, a feed link or an IIIF file at one of them is named even if it holds no words.

Ids are not words of the text: a request for a hidden id is echoed in its refusal, so ids
are counted public here and a hidden object is caught by its address instead. The words of
the OpenAPI document are the software's own, public like the theme's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

from sqlmodel import Session, select

from archive import models as m
from archive.access import Visibility
from archive.catalog import Catalog
from archive.errors import Gone, NotFound
from archive.media import Media
from archive.urls import iiif_url, kind_of, page_url

LEDGER_KINDS = ("commitment", "response")
PAGE_KINDS = ("record", "narrative", "harm", "timeline", *LEDGER_KINDS)
ADDRESS = "address"  # Fingerprint.kind of a hidden object's address
Visibilities = dict[str, dict[str, Visibility]]  # kind -> object id -> its visibility to the public


def view_of(catalog: Catalog, kind: str, object_id: str) -> dict | None:
    """The object as this catalog's viewer sees it, or None when it is hidden from them."""
    from archive import ledger_views

    try:
        if kind == "commitment":
            return ledger_views.commitment(catalog, object_id)
        if kind == "response":
            return ledger_views.response(catalog, object_id)
        return catalog.get(kind, object_id)
    except (NotFound, Gone):
        return None


def store_ids(session: Session) -> dict[str, list[str]]:
    """Every id in the store by kind (images as `media`), hidden and deleted ones included."""
    ids = {kind: list(session.exec(select(table.id).order_by(table.id))) for kind, table in m.OBJECT_TYPES.items()}
    ids["media"] = list(session.exec(select(Media.id).order_by(Media.id)))
    return ids


def software_words(words: Callable[[str], set[str]]) -> set[str]:
    """The API's own fixed text (its OpenAPI document) is public by definition, like the theme."""
    from web.openapi.document import openapi_document

    return words(json.dumps(openapi_document(), ensure_ascii=False))


def more_hidden(session: Session, public: Catalog, admin: Catalog, public_words: set[str],
                words: Callable[[str], set[str]], text_of: Callable[[dict, object], str],
                kinds: tuple[str, ...] = PAGE_KINDS) -> list[tuple[str, str, str]]:
    """(object id, why, text) for hidden ledger objects and for the hidden parts of visible
    objects of `kinds`; adds the public ledger views' words, and every id, to `public_words`.
    (`audit.leaks.fingerprints` finds the parts of the other kinds in its own pass.)"""
    public_words |= {i.lower() for found in store_ids(session).values() for i in found}
    public_words |= software_words(words)
    hidden = []
    for kind in kinds:
        table = m.OBJECT_TYPES[kind]
        for row in session.exec(select(table).order_by(table.id)):
            seen = view_of(public, kind, row.id)
            staff = view_of(admin, kind, row.id)
            if staff is None:
                continue
            if seen is None:
                if kind in LEDGER_KINDS:
                    reason = public.visibility_of(row).reason or "resting on a source the public may not see"
                    hidden.append((row.id, f"{kind} not public: {reason}", text_of(staff, row)))
                continue
            seen_words = words(text_of(seen, row))
            if kind in LEDGER_KINDS:
                public_words |= seen_words
            part = " ".join(sorted(words(text_of(staff, row)) - seen_words))
            if part:
                hidden.append((row.id, f"{kind} part not public (redacted, or resting on a hidden source)", part))
    return hidden


def hidden_addresses(session: Session, public: Catalog, seen_by: Visibilities | None = None
                     ) -> list[tuple[str, str, str]]:
    """(address, object id, why) of every hidden object's page and every hidden record's image.
    Tombstones of withdrawn narratives are public pages, so theirs are not hidden. An object
    of the catalog's kinds has a public view exactly when the access rule says it is visible
    (`Catalog.get` refuses the others), so no view is made for them; ledger objects can rest
    on hidden sources, so theirs are made. `seen_by`: the public visibility of each row of
    the kinds it holds, judged already (`audit.leaks.fingerprints`); the others are read."""
    found = []
    hidden_records: dict[str, str] = {}
    for kind in PAGE_KINDS:
        for object_id, vis in _visibilities(session, public, kind, seen_by):
            if vis.form.value == "tombstone" or vis.visible and (
                    kind not in LEDGER_KINDS or view_of(public, kind, object_id) is not None):
                continue
            why = f"address of a hidden {kind}: {vis.reason or vis.form.value}"
            found.append((page_url(kind, object_id), object_id, why))
            if kind == "record":
                hidden_records[object_id] = why
    for media in session.exec(select(Media).order_by(Media.id)):
        if media.record_id in hidden_records:
            found.append((iiif_url(media.id), media.record_id, f"image of a hidden record ({media.id})"))
    return [(address, object_id, why) for address, object_id, why in found if kind_of(object_id)]


def _visibilities(session: Session, public: Catalog, kind: str, seen_by: Visibilities | None
                  ) -> Iterator[tuple[str, Visibility]]:
    """(id, public visibility) of every object of a kind, in id order."""
    if seen_by is not None and kind in seen_by:
        yield from seen_by[kind].items()  # filled in id order
        return
    table = m.OBJECT_TYPES[kind]
    for row in session.exec(select(table).order_by(table.id)):
        yield row.id, public.visibility_of(row)


def find_addresses(text: str, prints: list) -> Iterator:
    """Address fingerprints present in `text` as a whole path (`/records/rec-a/`, not `rec-ab`)."""
    for f in prints:
        path = f.text.rstrip("/")
        if path in text and re.search(re.escape(path) + r"(?![\w-])", text):
            yield f
