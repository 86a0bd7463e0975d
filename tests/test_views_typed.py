"""Every view the Catalog and the ledger hand out matches its declared TypedDict (archive/views.py).

Which TypedDict describes a view is read from the return annotation of the function that makes
it, not listed here, and each view of the sample archive is held to it: every required key
present, no key left undeclared, each value of the declared type, nested views included. A
field added to a view without being declared fails here, so archive/views.py stays the one
place where the contract between the Catalog, the templates and the API is read.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterator
from typing import Any, get_args, get_origin, get_type_hints, is_typeddict

import pytest
from sqlmodel import Session

from archive import ledger_views
from archive.access import PUBLIC, Role, Viewer
from archive.catalog import Catalog
from archive.db import open_engine
from archive.models import OBJECT_TYPES
from archive.views import RecordView


def problems(value: Any, hint: Any, where: str = "view") -> Iterator[str]:
    """What is wrong with `value` as a `hint` (a TypedDict, list, dict, union or plain type)."""
    if hint is Any:
        return
    if is_typeddict(hint):
        if not isinstance(value, dict):
            yield f"{where}: expected a {hint.__name__} dict, got {type(value).__name__}"
            return
        declared = hint.__required_keys__ | hint.__optional_keys__
        for key in sorted(hint.__required_keys__ - value.keys()):
            yield f"{where}: {hint.__name__} requires '{key}', missing"
        for key in sorted(value.keys() - declared):
            yield f"{where}: '{key}' is not declared in {hint.__name__} (archive/views.py)"
        hints = get_type_hints(hint)
        for key in sorted(value.keys() & declared):
            yield from problems(value[key], hints[key], f"{where}.{key}")
        return
    origin = get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        options = get_args(hint)
        if any(not list(problems(value, option, where)) for option in options):
            return
        yield f"{where}: {value!r:.80} is none of {hint}"
        return
    if origin is list:
        if not isinstance(value, list):
            yield f"{where}: expected a list, got {type(value).__name__}"
            return
        (item,) = get_args(hint)
        for i, element in enumerate(value):
            yield from problems(element, item, f"{where}[{i}]")
        return
    if origin is dict:
        if not isinstance(value, dict):
            yield f"{where}: expected a dict, got {type(value).__name__}"
            return
        key_type, value_type = get_args(hint)
        for key, element in value.items():
            yield from problems(key, key_type, f"{where} key")
            yield from problems(element, value_type, f"{where}[{key!r}]")
        return
    if hint is type(None):
        if value is not None:
            yield f"{where}: expected None, got {value!r:.80}"
        return
    # bool is an int to isinstance; a flag where a number is declared is still wrong
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        yield f"{where}: expected {hint.__name__}, got {type(value).__name__} {value!r:.80}"


def returns(function: Callable) -> Any:
    """The type a view function declares it returns."""
    return get_type_hints(function)["return"]


def check(found: list[str], value: Any, function: Callable, where: str) -> None:
    found.extend(problems(value, returns(function), where))


def assert_none(found: list[str]) -> None:
    assert not found, f"{len(found)} views do not match archive/views.py:\n" + "\n".join(found[:40])


@pytest.fixture(scope="module")
def catalogs(sample) -> Iterator[Callable[[Viewer], Catalog]]:
    """A Catalog of the sample archive for any viewer, on the sample's fixed day."""
    engine = open_engine(sample)
    with Session(engine) as session:
        yield lambda viewer: Catalog(session, viewer, sample.today())
    engine.dispose()


def view_function(kind: str) -> Callable:
    """What makes one object's view: the Catalog's method named by the kind (what `Catalog.get`
    calls), else the ledger's function of that name (commitments and responses)."""
    return getattr(Catalog, kind, None) or getattr(ledger_views, kind)


def test_every_public_object_view_matches_its_typeddict(catalogs) -> None:
    cat = catalogs(PUBLIC)
    found: list[str] = []
    for kind in OBJECT_TYPES:  # every kind of object the store holds, ledger kinds included
        make = view_function(kind)
        ids = cat.visible_ids(kind)
        assert ids, f"the sample has no public {kind}: this test would check nothing"
        for object_id in ids:
            check(found, make(cat, object_id), make, f"{kind} {object_id}")
        check(found, cat.changes(kind), Catalog.changes, f"{kind} changes")
        if hasattr(Catalog, kind):
            # `all` makes records in bulk (another code path): held to the same type
            for view in cat.all(kind):
                check(found, view, make, f"{kind} {view['id']} (all)")
            check(found, cat.summaries(kind), Catalog.summaries, f"{kind} summaries")
    for agent_id in sorted(cat.agents):
        check(found, cat.agent_page(agent_id), Catalog.agent_page, f"agent page {agent_id}")
    check(found, cat.tombstones(), Catalog.tombstones, "tombstones")
    assert_none(found)


def test_every_ledger_view_matches_its_typeddict(catalogs) -> None:
    cat = catalogs(PUBLIC)
    found: list[str] = []
    commitments = ledger_views.commitments(cat)
    responses = ledger_views.all_responses(cat)
    institutions = ledger_views.institutions(cat)
    assert commitments and responses and institutions, "the sample's ledger is empty"
    check(found, commitments, ledger_views.commitments, "commitments")
    check(found, responses, ledger_views.all_responses, "responses")
    check(found, institutions, ledger_views.institutions, "institutions")
    for body in institutions:
        check(found, ledger_views.institution_ledger(cat, body["id"]), ledger_views.institution_ledger,
              f"institution {body['id']}")
    assert_none(found)


def test_a_narrative_in_its_whole_form_matches_its_typeddict(catalogs) -> None:
    """A curator sees the staff-only keys (access, embargo, consent, transcript source)."""
    cat = catalogs(Viewer(Role.CURATOR, "curator"))
    found: list[str] = []
    views = [cat.narrative(i) for i in cat.visible_ids("narrative")]
    assert any("consent" in v for v in views) and any("transcript_source" in v for v in views)
    for view in views:
        check(found, view, Catalog.narrative, f"narrative {view['id']} (whole form)")
    assert_none(found)


def test_an_undeclared_missing_or_mistyped_key_is_caught(catalogs) -> None:
    """The check has teeth: a key more, a required key less or a value of the wrong type fails."""
    cat = catalogs(PUBLIC)
    view: dict = dict(cat.record(cat.visible_ids("record")[0]))
    assert not list(problems(view, RecordView))
    assert list(problems(view | {"shelfmark": "A1"}, RecordView)) == [
        "view: 'shelfmark' is not declared in RecordView (archive/views.py)"]
    assert list(problems(view | {"date": view["date"] | {"lower": "1870"}}, RecordView)) == [
        "view.date.lower: expected int, got str '1870'"]
    assert next(problems(view | {"images": [{"id": "x"}]}, RecordView)).startswith(
        "view.images[0]: Image requires 'alt'")
    del view["rights"]
    assert list(problems(view, RecordView)) == ["view: RecordView requires 'rights', missing"]
