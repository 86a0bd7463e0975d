"""The `<record>` and `<header>` elements of OAI-PMH written as text, byte for byte what lxml writes.

A harvest of 100,000 records made each record's element tree with lxml and serialised it:
~80 µs a record, the largest part of a full harvest and of `reckon audit`'s walk of OAI-PMH
after the views themselves (bench/results/60). The shapes are fixed (a header, a metadata
element, one Dublin Core element per value), so they are written here as text. Every value
goes through `text`, the one escaping: `&`, `<`, `>` and carriage return, as libxml2 escapes
element content, once the characters XML cannot carry are dropped (`xml_chars`: here for the
header's values, in `dc_values` for Dublin Core's).
tests/test_oai_record_xml.py compares both writers over arbitrary values, and the lxml
element builders stay the reference there (`web.oai.dublin_core.oai_dc`).
"""

from __future__ import annotations

from web.oai.dublin_core import DC_NS, OAI_DC_NS, OAI_DC_SCHEMA, XSI_NS, xml_chars

OAI_NS = "http://www.openarchives.org/OAI/2.0/"  # the protocol's namespace (`web.oai.protocol` takes it from here)
_DC_OPEN = (f'    <oai_dc:dc xmlns:oai_dc="{OAI_DC_NS}" xmlns:dc="{DC_NS}" xmlns:xsi="{XSI_NS}" '
            f'xsi:schemaLocation="{OAI_DC_NS} {OAI_DC_SCHEMA}"')


def text(value: str) -> str:
    """Element content as libxml2 writes it: `&`, `<`, `>` and carriage return escaped (each
    looked for first: most values hold none). The value holds no character XML cannot carry
    (`xml_chars`)."""
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    return value


def header_lines(identifier: str, datestamp: str, sets: tuple[str, ...], deleted: bool, indent: str,
                 alone: bool) -> list[str]:
    """A `<header>`'s lines, indented by `indent` (`alone`: declaring the OAI-PMH namespace)."""
    attributes = (f' xmlns="{OAI_NS}"' if alone else "") + (' status="deleted"' if deleted else "")
    inner = indent + "  "
    lines = [f"{indent}<header{attributes}>", f"{inner}<identifier>{text(xml_chars(identifier))}</identifier>",
             f"{inner}<datestamp>{text(xml_chars(datestamp))}</datestamp>"]
    lines += [f"{inner}<setSpec>{text(xml_chars(spec))}</setSpec>" for spec in sets]
    lines.append(f"{indent}</header>")
    return lines


def header_xml(identifier: str, datestamp: str, sets: tuple[str, ...], deleted: bool) -> bytes:
    """A `<header>` serialised on its own, as ListIdentifiers splices it."""
    return ("\n".join(header_lines(identifier, datestamp, sets, deleted, "", True)) + "\n").encode()


def record_xml(identifier: str, datestamp: str, sets: tuple[str, ...], deleted: bool,
               dc: list[tuple[str, str]] | None) -> bytes:
    """A `<record>` serialised on its own: its header, and for a record not deleted its
    metadata, the Dublin Core elements `dc` ((name, value) as `web.oai.dublin_core.dc_values`
    gives them: without characters XML cannot carry, stripped, empty ones left out)."""
    lines = [f'<record xmlns="{OAI_NS}">', *header_lines(identifier, datestamp, sets, deleted, "  ", False)]
    if not deleted:
        lines.append("  <metadata>")
        if dc:
            lines.append(_DC_OPEN + ">")
            lines += [f"      <dc:{name}>{text(value)}</dc:{name}>" for name, value in dc]
            lines.append("    </oai_dc:dc>")
        else:
            lines.append(_DC_OPEN + "/>")
        lines.append("  </metadata>")
    lines.append("</record>")
    return ("\n".join(lines) + "\n").encode()
