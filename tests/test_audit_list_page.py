"""The walk reads an OAI-PMH list page's identifiers and resumption token by pattern, trying the
patterns only where a match can begin (`audit.public_answers.list_page`): what it reads is what
the patterns read searching the whole page, on generated pages of tags, names and prose."""

from __future__ import annotations

import html

from hypothesis import given, settings
from hypothesis import strategies as st

from audit.public_answers import LISTED, TOKEN, list_page

PIECES = ["<", ">", "/", ":", " ", "\n", "a", "x:", "header", "headers", "identifier", "resumptionToken",
          "<header>", "<oai:header status='deleted'>", "</header>", "<identifier>", "<x:identifier>",
          "oai:r:rec-1", "</identifier>", "<resumptionToken cursor='0'>", "</resumptionToken>",
          "<resumptionToken/>", "tok&amp;1", "<record>", "</record>", "<metadata>a header here</metadata>",
          "<request verb='ListRecords' resumptionToken='t1'>", "<x:resumptionToken>",
          # a keyword inside a prefix, or right after one that is no prefix (`_matches`)
          "<header:header>", "header:", "xheader", "<oai:header:x>", "<a b:header>", "<:header>", "<<"]


def read_whole(text: str) -> tuple[list[str], str]:
    token = TOKEN.search(text)
    return ([html.unescape(i).strip() for i in LISTED.findall(text)],
            html.unescape(token.group(1)).strip() if token else "")


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=60))
def test_a_page_reads_as_the_patterns_read_it_whole(pieces):
    text = "".join(pieces)
    assert list_page(text) == read_whole(text)


def test_a_page_of_records_lists_each_header_and_its_token():
    record = ("<record><header><identifier>oai:r:{0}</identifier><datestamp>2020-01-01T00:00:00Z</datestamp>"
              "</header><metadata><dc>a header &lt;header&gt; in prose</dc></metadata></record>")
    page = (f"<OAI-PMH><ListRecords>{''.join(record.format(f'rec-{n}') for n in range(3))}"
            "<resumptionToken completeListSize='9' cursor='0'>after=rec-2</resumptionToken></ListRecords></OAI-PMH>")
    assert list_page(page) == (["oai:r:rec-0", "oai:r:rec-1", "oai:r:rec-2"], "after=rec-2")
    assert list_page(page) == read_whole(page)
