"""A Jinja environment that looks up `view.field` in a plain dict without trying an attribute first.

Every view the site's templates render is a plain dict, and Jinja's `getattr` (what
`{{ item.title }}` compiles to) first asks for an attribute named `title`, which a dict never
has, and only after the AttributeError reads the key. At ~90 lookups on each of 100,000 record
pages that exception path was a tenth of rendering a page. A plain dict has only the
attributes `dir(dict)` lists, so for any other name the attribute lookup can only fail: this
goes straight to the key then, and to Jinja's own rule otherwise. Same values, same
undefined errors, same pages.

Jinja also keeps each template's globals as a `ChainMap` over the environment's, so that a
global set later is still seen; every render then copies it into the page's context (and an
`{% import %}` compares its keys) one Python-level lookup per name, another tenth of a
record page. A build sets all its globals before it loads a template: `freeze_globals()`
says so, and templates loaded afterwards get a plain dict with the same names and values.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from jinja2 import Environment

_DICT_ATTRIBUTES = frozenset(dir(dict))


class DictViewEnvironment(Environment):
    """`Environment` whose attribute lookup reads a plain dict's key directly when the name
    cannot be an attribute of a dict (exactly what Jinja would end up reading)."""

    globals_frozen = False

    def freeze_globals(self) -> None:
        """No global changes from now on: templates loaded later may copy them once."""
        self.globals_frozen = True

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        if not self.globals_frozen:
            return super().make_globals(d)
        return {**self.globals, **(d or {})}  # what the ChainMap reads, as one dict

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)
