"""The frame's links written into template sources (publish/jinja/frame_inline.py) render exactly what
Jinja renders from the expressions, including its errors, and the real base.html keeps none."""

from __future__ import annotations

import pytest
from jinja2 import DictLoader, Environment, StrictUndefined, UndefinedError
from markupsafe import escape

from publish.build import template_environment
from publish.jinja.frame_inline import FrameLinks

LINKS = {"home": "/", "about": "/a&b/?x=1<2", "static:style.css": "/static/style.css",
         "odd": "/{{ evil }}/", "hash": "/x#{y}"}
SOURCE = ("<a href=\"{{ frame_links.home }}\">{{ frame_links['static:style.css'] }}|{{frame_links.about}}|"
          "{{ frame_links.odd }}|{{ frame_links.hash }}|{{- frame_links.home -}} |{{ title }}")


def _env(inline: bool, links=None) -> Environment:
    env = Environment(loader=DictLoader({"page.html": SOURCE, "bad.html": "{{ frame_links.nowhere }}"}),
                      autoescape=True, undefined=StrictUndefined, extensions=[FrameLinks] if inline else [])
    env.globals["frame_links"] = links if links is not None else {k: escape(v) for k, v in LINKS.items()}
    return env


def test_inlined_frame_renders_what_the_expressions_render():
    plain = _env(False).get_template("page.html").render(title="<T>")
    inlined_env = _env(True)
    assert inlined_env.get_template("page.html").render(title="<T>") == plain
    assert "/a&amp;b/?x=1&lt;2" in plain and "&lt;T&gt;" in plain
    source = inlined_env.preprocess(SOURCE, "page.html")
    assert "frame_links.home }}" not in source and "/a&amp;b/?x=1&lt;2" in source
    # what could read as Jinja syntax, or trims whitespace, stays an expression
    assert "{{ frame_links.odd }}" in source and "{{ frame_links.hash }}" in source
    assert "{{- frame_links.home -}}" in source


def test_unknown_or_unescaped_links_keep_jinjas_rules():
    with pytest.raises(UndefinedError, match="nowhere"):
        _env(True).get_template("bad.html").render()
    raw = _env(True, links={"home": "<x>", "about": "", "static:style.css": "", "odd": "", "hash": ""})
    assert raw.get_template("page.html").render(title="") == _env(
        False, links={"home": "<x>", "about": "", "static:style.css": "", "odd": "", "hash": ""}
    ).get_template("page.html").render(title="")
    assert "&lt;x&gt;" in raw.get_template("page.html").render(title="")


def test_real_frame_has_no_link_expressions_left(minimal):
    env = template_environment(minimal)
    source, _, _ = env.loader.get_source(env, "base.html")
    inlined = env.preprocess(source, "base.html")
    assert "frame_links" in source and "frame_links" not in inlined
    assert 'href="/about/#corrections"' in inlined
