"""YAML documents that can say on which line each value was written.

Errors must name the line a historian has to fix. Keeping every document's composed node tree
for that cost about 10 KB a file (1.8 GiB for 100,000 records), so a document keeps only its
YAML text; the first time a problem is reported for it, the text is composed again and reduced
to a small map from field path to line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from frontmatter.default_handlers import YAMLHandler

from archive.errors import ContentError, ContentProblem


@dataclass(slots=True)
class YamlDocument:
    path: Path
    display_path: str
    data: object
    text: str | None  # the YAML text, composed again only to find lines for a problem
    line_offset: int  # lines before the YAML text starts in its file
    body: str = ""
    body_line: int = 1
    _lines: dict[tuple, int] | None = field(default=None, repr=False, compare=False)

    def line_of(self, loc: tuple) -> int | None:
        """The 1-based file line of the value at `loc` (keys and list indexes), or its parent."""
        if self._lines is None:
            self._lines = line_map(self.text)
        while loc not in self._lines and loc:
            loc = loc[:-1]
        line = self._lines.get(loc)
        return None if line is None else line + 1 + self.line_offset

    def problem(self, loc: tuple, message: str) -> ContentProblem:
        return ContentProblem(self.display_path, format_loc(loc), message, self.line_of(loc))


def line_map(text: str | None) -> dict[tuple, int]:
    """{field path: 0-based line} for every key and list item of a YAML text: a mapping key's
    line for its value, an item's first line for a list item. Empty if there is no text."""
    if not text:
        return {}
    try:
        root = TextDateLoader(text).get_single_node()
    except yaml.YAMLError:
        return {}
    if root is None:
        return {}
    lines: dict[tuple, int] = {}
    stack: list[tuple[tuple, yaml.Node, int]] = [((), root, root.start_mark.line)]
    while stack:
        loc, node, line = stack.pop()
        if loc in lines:  # the first of two equal keys wins, as it did when walking the tree
            continue
        lines[loc] = line
        if isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                if isinstance(key, yaml.ScalarNode):
                    stack.append((loc + (key.value,), value, key.start_mark.line))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in reversed(list(enumerate(node.value))):
                stack.append((loc + (index,), item, item.start_mark.line))
    return lines


def format_loc(loc: tuple) -> str | None:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or None


class TextDateLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as written: `1870-05-03` stays text for the EDTF parser,
    and an impossible date such as `2008-13-45` becomes a field error instead of a crash."""


TextDateLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


_FastLoader = getattr(yaml, "CSafeLoader", None)
if _FastLoader is not None:
    class TextDateCLoader(_FastLoader):  # type: ignore[misc, valid-type]
        """The same rules on LibYAML: parsing front matter was most of the ingest time."""

    TextDateCLoader.yaml_implicit_resolvers = TextDateLoader.yaml_implicit_resolvers


_STR, _SEQ, _MAP = ("tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map")
_SPECIAL_KEYS = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")


class _Unusual(Exception):
    """A node the fast construction leaves to PyYAML's own constructor."""


# Front matter is a few dozen values. YAML's anchors and aliases let a few lines stand for
# billions of values ("billion laughs", merge-key bombs) or for a value inside itself, which
# every later step (validation, hashing) would expand; and deep nesting exhausts the stack.
# The node graph is measured before anything is built, in time linear in the text.
MAX_VALUES = 100_000  # values once every alias is expanded
MAX_DEPTH = 100


class ShapeError(yaml.YAMLError):
    """A document whose shape no front matter needs; `problem` says which limit it passed."""

    def __init__(self, problem: str, node: yaml.Node):
        super().__init__(problem)
        self.problem, self.problem_mark, self.context_mark = problem, node.start_mark, None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_shape(root: yaml.Node) -> None:
    """Raise ShapeError for a value that contains itself, nesting deeper than MAX_DEPTH, or
    more than MAX_VALUES values once aliases are expanded (each node measured once)."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            sizes[key] = size = 1 + sum(sizes[id(child)] for child in _children(node))
            if size > MAX_VALUES:
                raise ShapeError(f"its aliases expand to more than {MAX_VALUES:,} values", node)
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise ShapeError("an alias refers to a value that contains it", node)
        if depth > MAX_DEPTH:
            raise ShapeError(f"values are nested more than {MAX_DEPTH} levels deep", node)
        on_path.add(key)
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in _children(node) if id(child) not in sizes)


def _construct(loader: yaml.SafeLoader, node: yaml.Node, memo: dict[int, object], active: set[int]) -> object:
    """The data of a node tree, as PyYAML's SafeConstructor builds it, without its per-node
    bookkeeping: front matter is strings, lists and mappings, which this builds directly, and
    every other scalar (numbers, booleans, null) goes through the loader's own constructors.
    A repeated node (an alias) is built once, so alias bombs stay linear; merge keys and
    recursive nodes raise `_Unusual` so the whole document is built the standard way."""
    key = id(node)
    if key in memo:
        return memo[key]
    kind, tag = type(node), node.tag
    if kind is yaml.ScalarNode:
        value = node.value if tag == _STR else loader.construct_object(node, deep=True)
    elif key in active:
        raise _Unusual
    elif kind is yaml.MappingNode and tag == _MAP:
        active.add(key)
        value = {}
        for key_node, value_node in node.value:
            if key_node.tag in _SPECIAL_KEYS:
                raise _Unusual
            name = _construct(loader, key_node, memo, active)
            try:
                value[name] = _construct(loader, value_node, memo, active)
            except TypeError:  # an unhashable key: PyYAML's constructor words that error
                raise _Unusual from None
        active.discard(key)
    elif kind is yaml.SequenceNode and tag == _SEQ:
        active.add(key)
        value = [_construct(loader, item, memo, active) for item in node.value]
        active.discard(key)
    else:
        raise _Unusual
    memo[key] = value
    return value


def _load_with(loader_class: type, text: str) -> object:
    loader = loader_class(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:  # the composer recurses once per level of nesting
            raise ShapeError("values are nested too deeply", yaml.ScalarNode("", "", yaml.Mark("", 0, 0, 0, None, None))) from None
        if node is None:
            return None
        if "&" in text or "*" in text:  # only anchors and aliases can make a value large or cyclic
            check_shape(node)
        try:
            return _construct(loader, node, {}, set())
        except RecursionError:  # deep nesting without aliases (LibYAML allows 1,000 levels)
            raise ShapeError("values are nested too deeply", node) from None
        except _Unusual:
            loader.constructed_objects, loader.recursive_objects = {}, {}
            return loader.construct_document(node)
    finally:
        loader.dispose()


def _load(text: str) -> object:
    """The data of a YAML text; no node tree is kept (see `line_map` for lines)."""
    if _FastLoader is None:
        return _load_with(TextDateLoader, text)
    try:
        return _load_with(TextDateCLoader, text)
    except ShapeError:
        raise
    except yaml.YAMLError as exc:
        # LibYAML stops at 1,000 levels of nesting; the pure-Python parser would crawl on for a
        # minute through 20,000, so that refusal is final.
        if "nesting depth" in str(getattr(exc, "problem", "")):
            raise ShapeError("values are nested too deeply", yaml.ScalarNode("", "", exc.problem_mark)) from None
        # Re-read with the pure-Python parser, whose messages name the enclosing value's line.
        return _load_with(TextDateLoader, text)


def _yaml_error(display_path: str, exc: yaml.YAMLError, offset: int, front_matter: bool = True) -> ContentError:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 + offset if mark is not None else None
    reason = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context_mark", None)
    if context is not None and mark is not None and context.line != mark.line:
        reason += f" (in the value that starts on line {context.line + 1 + offset})"
    return ContentError(
        [ContentProblem(display_path, "front matter" if front_matter else None,
                        f"invalid YAML: {reason} (expected 'key: value' lines)", line)]
    )


def read_yaml_file(path: Path, display_path: str) -> YamlDocument:
    text = path.read_text(encoding="utf-8")
    try:
        data = _load(text)
    except yaml.YAMLError as exc:
        raise _yaml_error(display_path, exc, 0, front_matter=False) from exc
    return YamlDocument(path, display_path, data, text, 0)


def read_markdown_file(path: Path, display_path: str) -> YamlDocument:
    """Split a Markdown file into its YAML front matter and body (python-frontmatter)."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---"):
        raise ContentError(
            [ContentProblem(display_path, "front matter",
                            "expected the file to start with a '---' line opening YAML front matter", 1)]
        )
    handler = YAMLHandler()
    try:
        front, body = handler.split(text)
        # The YAML text starts right after the opening '---', usually with its line break.
        offset = 1 - front[:1].count("\n")
    except ValueError as exc:
        raise ContentError(
            [ContentProblem(display_path, "front matter",
                            "expected a closing '---' line after the front matter", 1)]
        ) from exc
    try:
        data = _load(front)
    except yaml.YAMLError as exc:
        raise _yaml_error(display_path, exc, offset) from exc
    body_line = offset + front.count("\n") + 2
    return YamlDocument(path, display_path, data, front, offset, body=body, body_line=body_line)

