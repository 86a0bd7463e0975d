"""OpenAPI schemas made from the views' TypedDicts (archive/views.py), so the document and the
answers have one source.

The API answers with the Catalog's views as they are; the document describes them by reading
the same declarations: each TypedDict reachable from the views the API serves becomes one
component (named after the class, less a `View` suffix), each key a property, the keys a view
always has `required`, `X | None` nullable, `list[X]` an array, `dict[str, X]` a map. A key
added to a view is thus documented the moment it is declared (and tests/test_views_typed.py
fails until it is declared). Schemas allow more properties than they list, so a client made
from the document keeps working when a field is added; tests/test_api_openapi.py holds every
answer of the sample to a strict copy, so no field goes undocumented.
"""

from __future__ import annotations

import types
import typing
from datetime import date, datetime
from typing import Any, get_args, get_origin, get_type_hints, is_typeddict

from archive import views as V
from archive.catalog import STATUS_LABELS

# What the API serves, by the component name the document has always used for it; every
# TypedDict these reach is added under its own name.
ROOTS: dict[str, type] = {
    "Record": V.RecordView, "Narrative": V.NarrativeView, "Harm": V.HarmView, "Timeline": V.TimelineView,
    "Agent": V.AgentView, "Concept": V.ConceptView, "Summary": V.Summary, "Brief": V.Brief,
    "Tombstone": V.Tombstone, "Commitment": V.CommitmentView, "Response": V.ResponseView,
    "Institution": V.InstitutionLedgerView,
}
# Names kept from the hand-written document, so generated clients keep their class names.
RENAMED = {"DateData": "Date", "AttributionStageView": "AttributionStep", "HarmLedger": "HarmLedger"}
# Values a field can only take, where the view's type says `str`: from the code that decides them.
ENUMS = {("HarmView", "status"): sorted(STATUS_LABELS)}


def component_name(typed: type) -> str:
    name = typed.__name__
    if name in RENAMED:
        return RENAMED[name]
    for root, cls in ROOTS.items():
        if cls is typed:
            return root
    return name.removesuffix("View") or name


def _ref(typed: type) -> dict:
    return {"$ref": f"#/components/schemas/{component_name(typed)}"}


def _nullable(schema: dict) -> dict:
    if "$ref" in schema:
        return {"allOf": [schema], "nullable": True}
    return {**schema, "nullable": True}


def type_schema(hint: Any, found: dict[str, type]) -> dict:
    """The schema of one annotation; TypedDicts met on the way are added to `found`."""
    if hint is Any:
        return {}
    if is_typeddict(hint):
        found.setdefault(component_name(hint), hint)
        return _ref(hint)
    origin = get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        options = [a for a in get_args(hint) if a is not type(None)]
        schemas = [type_schema(a, found) for a in options]
        schema = schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
        return _nullable(schema) if len(options) < len(get_args(hint)) else schema
    if origin is list:
        return {"type": "array", "items": type_schema(get_args(hint)[0], found)}
    if origin is dict:
        return {"type": "object", "additionalProperties": type_schema(get_args(hint)[1], found)}
    simple = {str: {"type": "string"}, int: {"type": "integer"}, bool: {"type": "boolean"},
              float: {"type": "number"}, datetime: {"type": "string", "format": "date-time"},
              date: {"type": "string", "format": "date"}}
    if hint in simple:
        return dict(simple[hint])
    raise TypeError(f"no OpenAPI schema for {hint!r}: add it to web/openapi/from_views.py")


def object_schema(typed: type, found: dict[str, type]) -> dict:
    hints = get_type_hints(typed)
    properties = {}
    for key, hint in hints.items():
        properties[key] = type_schema(hint, found)
        if (typed.__name__, key) in ENUMS:
            properties[key]["enum"] = ENUMS[(typed.__name__, key)]
    schema: dict = {"type": "object", "required": sorted(typed.__required_keys__), "properties": properties}
    if typed.__doc__ and typed.__doc__ is not dict.__doc__:
        schema["description"] = " ".join(typed.__doc__.split())
    return schema


def view_schemas() -> dict[str, dict]:
    """Every component the views reach, by name."""
    found: dict[str, type] = dict(ROOTS)
    schemas: dict[str, dict] = {}
    while len(schemas) < len(found):
        for name, typed in list(found.items()):
            if name not in schemas:
                schemas[name] = object_schema(typed, found)
    return dict(sorted(schemas.items()))
