"""The static search fallback's facets, dates and suggestion vocabulary (public/search/).

Built from a real ingest of the minimal archive, in which every hidden narrative (withdrawn,
embargoed, staff-only, restricted, without consent, withdrawn by the consent log) and one
staff-only record carry a harm type, an affected group, an institution and a decade that no
public object has. None of that may reach the files a static host serves.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import defaultdict

import pytest
from starlette.testclient import TestClient

from ingest.pipeline import ingest
from publish.pipeline import publish
from server.app import create_app
from tests.helpers.archives import HIDDEN_WORDS, MINIMAL, PRIVATE_NAME, make_settings

HIDDEN_VALUES = ["ht-hidden-only", "Quietly hidden harm", "ag-hidden-group", "Hidden group",
                 "agent-hidden-body", "Hidden Body", "1930", "Grimwaldry"]
TYPES = ["record", "narrative", "harm", "timeline", "segment"]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    home = tmp_path_factory.mktemp("static-facets")
    content = home / "content"
    shutil.copytree(MINIMAL, content)
    text = (content / "taxonomy.yaml").read_text()
    text = text.replace("affected_groups:\n", "  - {id: ht-hidden-only, notation: H99, label: Quietly hidden harm}\n"
                                              "affected_groups:\n")
    (content / "taxonomy.yaml").write_text(text + "  - {id: ag-hidden-group, label: Hidden group}\n")
    with open(content / "agents.yaml", "a") as agents:
        agents.write("- id: agent-hidden-body\n  name: Hidden Body\n  kind: institution\n")
    for letter in "bcdefg":
        path = content / f"narratives/nar-{letter}.md"
        path.write_text(path.read_text().replace("date: 2019\n", "date: 1931\nharm_types: [ht-hidden-only]\n"))
    (content / "records/rec-hidden.md").write_text(
        "---\nid: rec-hidden\ntitle: Grimwaldry minutes\ndate: 1932\ntype: minutes\naccess: staff\n"
        "creators: [agent-hidden-body]\nsubjects: [ht-hidden-only, ag-hidden-group]\nsource: A minute book.\n---\n"
        "Grimwaldry words, staff only.\n")
    settings = make_settings(home, content)
    ingest(settings)
    publish(settings)
    return settings


def read(settings, path: str):
    return json.loads((settings.public_dir / "search" / path).read_text())


def static_facets(settings) -> dict[str, dict[str, int]]:
    """Facet counts over every document, as the search page computes them in the browser."""
    table = read(settings, "facets.json")["values"]
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for shard in sorted((settings.public_dir / "search/attrs").glob("*.json")):
        for entry in json.loads(shard.read_text()):
            if entry is None:  # an empty slot of the records' block
                continue
            for code in entry[2]:
                name, value, _label = table[code]
                counts[name][value] = counts[name].get(value, 0) + 1
    return dict(counts)


def test_hidden_material_adds_no_facet_value_count_or_suggestion_word(archive):
    served = " ".join(p.read_text() for p in (archive.public_dir / "search").rglob("*.json"))
    for secret in [*HIDDEN_VALUES, *HIDDEN_WORDS.values(), PRIVATE_NAME, "Legalname"]:
        assert secret.lower() not in served.lower(), secret
    vocab = read(archive, "vocab.json")
    assert vocab["apology"] >= 1 and "apologizes" in vocab
    for word in [*HIDDEN_WORDS.values(), "grimwaldry", "legalname"]:
        assert word.lower() not in vocab


def test_static_facet_counts_are_the_apis_counts(archive):
    """Over every public document, the files count each facet value as the public index does."""
    with TestClient(create_app(archive)) as client:
        answer = client.get("/api/search", params=[("type", t) for t in TYPES]).json()
    api = {name: {e["value"]: e["count"] for e in entries} for name, entries in answer["facets"].items()}
    assert static_facets(archive) == {name: counts for name, counts in api.items() if counts}
    assert api["harm_type"] == {"ht-exclusion": 1}  # the harm; hidden ones tagged ht-hidden-only add nothing
    labels = {(n, v): label for n, v, label in read(archive, "facets.json")["values"]}
    assert labels[("harm_type", "ht-exclusion")] == "Exclusion from professional membership"
    assert labels[("institution", "agent-ama")] == "American Medical Association"
    assert labels[("decade", "1870")] == "1870s" and labels[("type", "segment")] == "Narrative passages"


def test_each_document_carries_its_date_bounds_for_the_date_filter(archive):
    meta = read(archive, "meta.json")
    # Two blocks of documents (the records' starts on an attributes shard of its own, and is a
    # table of slots, the empty ones null in both the docs and the attributes shards).
    numbers = [n for start, end in meta["blocks"] for n in range(start, end)]
    assert meta["blocks"][1][0] % meta["attrs_per_shard"] == 0

    def entry(folder: str, n: int, per_shard: int):
        return read(archive, f"{folder}/{n // per_shard}.json")[n % per_shard]

    by_url = {entry("docs", n, meta["docs_per_shard"])[2]: entry("attrs", n, meta["attrs_per_shard"])
              for n in numbers if entry("docs", n, meta["docs_per_shard"]) is not None}
    assert len(by_url) == meta["docs"]
    assert all(entry("attrs", n, meta["attrs_per_shard"]) is None for n in numbers
               if entry("docs", n, meta["docs_per_shard"]) is None)
    assert by_url["/records/rec-2008-apology/"][:2] == [20080710, 20080710]
    assert by_url["/harms/harm-exclusion/"][:2] == [18700101, 19681231]
    segment = next(url for url in by_url if re.match(r"^/narratives/nar-a/#t-\d\d-\d\d-\d\d$", url))
    assert by_url[segment][:2] == by_url["/narratives/nar-a/"][:2]  # a passage is dated as its narrative
