"""YAML documents that remember where each value was written.

Errors must name the line a historian has to fix, so every YAML document is kept beside its
composed node tree, which knows the line of every key and list item.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from frontmatter.default_handlers import YAMLHandler

from archive.errors import ContentError, ContentProblem


@dataclass
class YamlDocument:
    path: Path
    display_path: str
    data: object
    node: yaml.Node | None
    line_offset: int  # lines before the YAML text starts in its file
    body: str = ""
    body_line: int = 1

    def line_of(self, loc: tuple) -> int | None:
        """The 1-based file line of the value at `loc` (keys and list indexes), or its parent."""
        node = self.node
        line = node.start_mark.line if node is not None else None
        for key in loc:
            if isinstance(node, yaml.MappingNode):
                match = next((v for k, v in node.value if k.value == key), None)
                key_node = next((k for k, v in node.value if k.value == key), None)
                if match is None:
                    break
                line = key_node.start_mark.line
                node = match
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
                line = node.start_mark.line
            else:
                break
        return None if line is None else line + 1 + self.line_offset

    def problem(self, loc: tuple, message: str) -> ContentProblem:
        return ContentProblem(self.display_path, format_loc(loc), message, self.line_of(loc))


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


def _load_with(loader_class: type, text: str) -> tuple[object, yaml.Node | None]:
    """Compose the node tree once and build the data from it (one parse, not two)."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    finally:
        loader.dispose()


def _load(text: str) -> tuple[object, yaml.Node | None]:
    if _FastLoader is None:
        return _load_with(TextDateLoader, text)
    try:
        return _load_with(TextDateCLoader, text)
    except yaml.YAMLError:
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
        data, node = _load(text)
    except yaml.YAMLError as exc:
        raise _yaml_error(display_path, exc, 0, front_matter=False) from exc
    return YamlDocument(path, display_path, data, node, 0)


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
        data, node = _load(front)
    except yaml.YAMLError as exc:
        raise _yaml_error(display_path, exc, offset) from exc
    body_line = offset + front.count("\n") + 2
    return YamlDocument(path, display_path, data, node, offset, body=body, body_line=body_line)

