"""OAI-PMH in the tests: the official schemas read offline, and requests whose answers are
checked against them."""

from __future__ import annotations

import pytest
from lxml import etree

from tests.helpers.archives import REPO
from web.oai.dublin_core import DC_NS, OAI_DC_NS, OAI_DC_SCHEMA
from web.oai.protocol import OAI_NS, OAI_SCHEMA

XSD_DIR = REPO.parent / "shared" / "samples" / "xsd"
XSD_FILES = ("OAI-PMH.xsd", "oai_dc.xsd", "simpledc20021212.xsd", "xml.xsd")
# Where the schemas say their imports live, and the local copy of each.
REMOTE_SCHEMAS = {
    OAI_SCHEMA: "OAI-PMH.xsd",
    OAI_DC_SCHEMA: "oai_dc.xsd",
    "http://dublincore.org/schemas/xmls/simpledc20021212.xsd": "simpledc20021212.xsd",
    "http://www.w3.org/2001/03/xml.xsd": "xml.xsd",
    "http://www.w3.org/2001/xml.xsd": "xml.xsd",
}
NS = {"o": OAI_NS, "dc": DC_NS, "oai_dc": OAI_DC_NS}
ID = "oai:reckoning.example.org:"


class OfflineSchemas(etree.Resolver):
    """Serve the schemas' http imports from shared/samples/xsd; never touch the network."""

    def resolve(self, url, pubid, context):
        name = REMOTE_SCHEMAS.get(url)
        if name is None and url.startswith("file:"):
            return None
        if name is None:
            raise LookupError(f"a schema tried to fetch {url}, which has no local copy in {XSD_DIR}")
        return self.resolve_filename(str(XSD_DIR / name), context)


def load_oai_schema() -> etree.XMLSchema:
    """The OAI-PMH and oai_dc schemas as one, read from shared/samples/xsd (fails the test, saying
    what is missing, where they are not there)."""
    missing = [n for n in XSD_FILES if not (XSD_DIR / n).is_file()]
    if missing:
        pytest.fail(f"the official OAI-PMH schemas are needed offline: missing {', '.join(missing)} in {XSD_DIR} "
                    "(shared/samples/xsd beside the repository root)")
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(OfflineSchemas())
    driver = etree.Element("{http://www.w3.org/2001/XMLSchema}schema")
    for namespace, location in ((OAI_NS, OAI_SCHEMA), (OAI_DC_NS, OAI_DC_SCHEMA)):
        etree.SubElement(driver, "{http://www.w3.org/2001/XMLSchema}import", namespace=namespace,
                         schemaLocation=location)
    document = etree.fromstring(etree.tostring(driver), parser, base_url=(XSD_DIR / "driver.xsd").as_uri())
    return etree.XMLSchema(etree.ElementTree(document))


def oai(client, schema, **params) -> etree._Element:
    """GET /oai with these parameters; the answer, checked against the schemas, as XML."""
    response = client.get("/oai", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    document = etree.fromstring(response.content)
    assert schema.validate(document), schema.error_log
    return document


def texts(document, path) -> list[str]:
    return [e.text for e in document.iterfind(path, NS)]
