"""The documentation is tested: the README's test command is the one CI runs, and every command,
option, setting, content field and public route the code has is documented in docs/.

Each list is derived from the code (the CLI's parser, `load_settings`, the source schemas, the
app's route table), never kept here, so a command or a setting added without its documentation
fails a test. The examples themselves are run by tests/test_docs_examples.py; the MkDocs build
is tests/test_docs_site.py.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import re
import tomllib
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from archive import ledger, settings
from ingest import ledger_schema, schema
from ingest.readers import csv_catalog
from reckon.cli import build_parser
from web.collection_filters import FILTERS

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
README = (REPO / "README.md").read_text()


def page(name: str) -> str:
    return (DOCS / name).read_text()


def sections(text: str, level: str = "###") -> dict[str, str]:
    """Each `level` heading of a page with the text under it (up to the next heading of any level
    at or above it)."""
    parts = re.split(rf"^({level} .*)$", text, flags=re.MULTILINE)
    above = rf"^#{{1,{len(level)}}} "
    return {parts[i]: re.split(above, parts[i + 1], flags=re.MULTILINE)[0]
            for i in range(1, len(parts), 2)}


# -- the two commands ------------------------------------------------------------------------

def test_ci_runs_exactly_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text()
    command = re.search(r'^TEST_COMMAND="(.*)"$', ci, re.MULTILINE).group(1)
    assert f"```sh\n{command}\n```" in README


def test_readme_run_command_is_the_test_command_serving_instead():
    """The other of the two commands: the same install without the test extras, then
    `reckon serve` (which ingests, builds and serves the sample)."""
    ci = (REPO / ".ci" / "run").read_text()
    command = re.search(r'^TEST_COMMAND="(.*)"$', ci, re.MULTILINE).group(1)
    run = command.replace("'.[test]'", ".").replace(".venv/bin/pytest", ".venv/bin/reckon serve")
    assert run != command
    assert f"```sh\n{run}\n```" in README


# -- the command line ------------------------------------------------------------------------

def subcommands() -> dict[str, argparse.ArgumentParser]:
    return build_parser()._subparsers._group_actions[0].choices


def test_every_command_is_documented_with_every_option_and_choice():
    """docs/operations.md has a `### reckon NAME` section per `reckon --help` command, naming each
    of its options and each value an option or argument chooses from."""
    reference = sections(page("operations.md"))
    assert subcommands(), "the parser lists no commands"
    for name, parser in subcommands().items():
        found = [body for heading, body in reference.items() if f"`reckon {name}`" in heading]
        assert found, f"docs/operations.md has no '### `reckon {name}`' section"
        text = found[0]
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            for option in action.option_strings:
                assert option in text, f"reckon {name}: option {option} is not documented"
            for choice in action.choices or ():
                assert str(choice) in text, f"reckon {name}: {action.dest} value {choice!r} is not documented"


def test_global_options_are_documented():
    operations = page("operations.md")
    for action in build_parser()._actions:
        for option in action.option_strings:
            if option not in ("-h", "--help"):
                assert f"`{option}" in operations, option


# -- settings --------------------------------------------------------------------------------

def environment_settings() -> list[str]:
    """Every environment variable `load_settings` reads: the string keys of its `env.get(...)`
    calls, read from its source."""
    tree = ast.parse(inspect.getsource(settings.load_settings))
    names = [node.args[0].value for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
             and node.func.attr == "get" and isinstance(node.func.value, ast.Name) and node.func.value.id == "env"
             and node.args and isinstance(node.args[0], ast.Constant)]
    return sorted(set(names))


def test_the_settings_are_found_in_the_code():
    names = environment_settings()
    assert {"DATABASE_URL", "RECKON_HOME", "RECKON_BASE_URL", "SOURCE_DATE_EPOCH"} <= set(names)


def test_every_setting_is_in_the_settings_table():
    table = sections(page("operations.md"), "##")["## Settings"]
    for name in environment_settings():
        assert f"| `{name}` |" in table, f"{name} is read by load_settings but not in docs/operations.md#settings"


def test_string_defaults_of_settings_are_the_documented_ones():
    """A default the table states is the one the code has."""
    table = sections(page("operations.md"), "##")["## Settings"]
    for field in ("archive_name", "admin_email", "oai_repository_id", "base_url", "trusted_proxies", "search_engine"):
        default = settings.Settings.__dataclass_fields__[field].default
        assert f"`{default}`" in table, f"Settings.{field} defaults to {default!r}; the table says otherwise"


# -- the content format ----------------------------------------------------------------------

def source_models() -> list[type[BaseModel]]:
    models = [cls for module in (schema, ledger_schema) for cls in vars(module).values()
              if isinstance(cls, type) and issubclass(cls, BaseModel) and cls.__module__ == module.__name__]
    assert len(models) > 10
    return models


def literal_values(annotation) -> set:
    if typing.get_origin(annotation) is typing.Literal:
        return set(typing.get_args(annotation))
    return set().union(*(literal_values(arg) for arg in typing.get_args(annotation))) if typing.get_args(annotation) else set()


def test_every_content_field_and_allowed_value_is_documented():
    """Each field of each source schema (under the name a file uses) and each value a field
    chooses from appears in docs/content-format.md."""
    text = page("content-format.md")
    for model in source_models():
        for name, field in model.model_fields.items():
            spelled = field.alias or name
            assert f"`{spelled}`" in text, f"{model.__name__}.{spelled} is not in docs/content-format.md"
            for value in literal_values(field.annotation):
                assert f"`{value}`" in text, f"{model.__name__}.{spelled}: value {value!r} is not documented"
    for value in ledger.DECLARED_STATUSES:  # a commitment's status, checked by a validator
        assert f"`{value}`" in text, value


def test_csv_columns_and_mappings_are_documented():
    text = page("content-format.md")
    for column in csv_catalog.KNOWN_FIELDS:
        assert f"`{column}`" in text, column
    for mapping in sorted(csv_catalog.MAPPINGS_DIR.glob("*.yaml")):
        assert f"`{mapping.stem}`" in text, mapping.name


def test_the_sample_readme_points_to_the_one_description():
    sample = (REPO / "content" / "README.md").read_text()
    assert "docs/content-format.md" in sample
    assert "| field |" not in sample, "field tables belong in docs/content-format.md"


# -- the API ---------------------------------------------------------------------------------

def public_routes(home: Path) -> list[str]:
    """The public app's own routes (the app is made, not started: no lifespan, no store)."""
    from archive.settings import load_settings
    from server.app import create_app

    app = create_app(load_settings(home=home, environ={}))
    paths = [route.path for route in app.routes if hasattr(route, "methods")]
    return [p for p in paths if p.startswith(("/api", "/oai", "/iiif")) and ":path}" not in p]


def test_every_public_route_is_in_the_api_page(tmp_path):
    text = page("api.md")
    routes = public_routes(tmp_path)
    assert "/api/openapi.json" in routes
    for path in routes:
        pattern = re.escape(path).replace(r"\{id\}", r"[{<][\w-]+[}>]")
        assert re.search(pattern, text), f"{path} is not documented in docs/api.md"


@pytest.mark.parametrize("collection", sorted(FILTERS))
def test_every_collection_filter_is_in_the_api_page(collection):
    text = page("api.md")
    for name in FILTERS[collection]:
        assert f"`{name}`" in text, f"filter {name} of {collection} collections"


# -- the front door --------------------------------------------------------------------------

def test_readme_tour_lists_every_package_and_folder():
    tour = re.search(r"## A short tour\n\n```text\n(.*?)```", README, re.DOTALL).group(1)
    listed = set(re.findall(r"^([a-z]+)/ ", tour, re.MULTILINE))
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    packages = set(pyproject["tool"]["importlinter"]["root_packages"])
    assert packages <= listed, packages - listed
    for folder in listed:
        assert (REPO / folder).is_dir(), f"the tour lists {folder}/, which does not exist"


def test_readme_and_layout_page_state_the_layers_as_configured():
    """The layer order in words is the one import-linter checks (pyproject.toml)."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    contract = next(c for c in pyproject["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    order = " > ".join(contract["layers"])
    assert f"`{order}`" in README
    assert f"**{order}**" in page("internals/layout.md")


def test_readme_is_a_front_door():
    lines = README.count("\n")
    assert 120 <= lines <= 200, f"README.md has {lines} lines: internals belong in docs/"
    for link in re.findall(r"\]\((docs/[^)#]+)", README):
        assert (REPO / link).is_file(), link


# -- names of things -------------------------------------------------------------------------

TOP = "archive|ingest|search|publish|web|staff|server|audit|reckon|site|content|tests|bench|docs"


def documentation() -> dict[str, str]:
    files = [REPO / "README.md", REPO / "content" / "README.md", *sorted(DOCS.rglob("*.md"))]
    return {str(path.relative_to(REPO)): path.read_text() for path in files}


def test_every_file_the_docs_name_exists():
    """The docs name code by path (`publish/incremental.py`); a moved or renamed file fails here."""
    for where, text in documentation().items():
        for path in re.findall(rf"`((?:{TOP})/[\w./-]*)`", text):
            assert (REPO / path).exists(), f"{where} names {path}, which does not exist"


FILE_SUFFIXES = {"db", "json", "jsonl", "py", "md", "yaml", "csv", "txt", "xml", "html", "js", "sqlite"}


def test_every_module_and_function_the_docs_name_exists():
    """Dotted names (`search.indexer.update_index`) are importable modules and their attributes."""
    import importlib

    for where, text in documentation().items():
        for dotted in re.findall(rf"`((?:{TOP.replace('|docs', '')})(?:\.\w+)+)`", text):
            parts = dotted.split(".")
            if parts[-1] in FILE_SUFFIXES:  # `reckon.db` is a file
                continue
            for cut in range(len(parts), 0, -1):
                try:
                    target = importlib.import_module(".".join(parts[:cut]))
                except ModuleNotFoundError:
                    continue
                for attribute in parts[cut:]:
                    assert hasattr(target, attribute), f"{where} names {dotted}: no {attribute}"
                    target = getattr(target, attribute)
                break
            else:
                raise AssertionError(f"{where} names {dotted}, which is not a module")


def test_every_submission_field_is_in_the_staff_guide():
    """Scripts send the form's fields by name (staff/api.py): each is documented, with its choices."""
    from archive import submissions

    text = page("staff-guide.md")
    for name in submissions.FIELDS:
        assert f"`{name}`" in text, f"submission field {name} is not in docs/staff-guide.md"
    for name, choices in submissions.CHOICES.items():
        for choice in choices:
            assert f"`{choice}`" in text, f"{name}: {choice}"
