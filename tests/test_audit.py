"""`reckon audit` finds every trace of hidden material, and finds none in a correct build."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from audit.leaks import audit
from ingest.pipeline import ingest
from publish.pipeline import publish
from reckon.cli import main
from tests.helpers.archives import MINIMAL, make_settings
from tests.helpers.audits import audit_in_two_processes


@pytest.mark.slow
def test_the_sample_build_has_no_leaks(sample):
    report = audit(sample)
    assert report.hidden_objects >= 4 and len(report.fingerprints) >= 40
    assert report.places > 100
    assert report.leaks == [], [str(leak) for leak in report.leaks[:5]]
    assert report.failures == []
    walked = "\n".join(report.where)  # every kind of public surface was read
    for surface in ("OAI-PMH /oai?verb=ListRecords&metadataPrefix=oai_dc&set=type:harm",
                    "OAI-PMH /oai?verb=ListRecords&resumptionToken=", "OAI-PMH /oai?verb=GetRecord&identifier=",
                    "API /api/commitments/", "API /api/institutions/", "API /api/responses/",
                    "API /api/agents/", "API /api/concepts/", "API /api/objects", "IIIF /iiif/",
                    "staff /staff/", "public/feed.xml", "public/sitemap.xml", "public search index"):
        assert surface in walked, surface


@pytest.mark.slow
def test_the_walk_shared_by_two_processes_reads_what_one_process_reads_alone(sample):
    where, places, leaks, failures = audit_in_two_processes(sample, seed=5)
    alone = audit(sample, seed=5, parallel=False)
    assert sorted(where) == sorted(alone.where) and places == alone.places
    assert any("verb=ListIdentifiers" in place for place in where)
    assert leaks == alone.leaks == [] and failures == alone.failures == []


def test_a_planted_leak_is_named_with_its_file_and_source(published_copy, capsys, monkeypatch):
    minimal = published_copy  # the minimal archive, ingested and published
    monkeypatch.setenv("DATABASE_URL", minimal.database_url)
    assert main(["--home", str(minimal.home), "audit"]) == 0
    assert "public ids sampled with --seed " in capsys.readouterr().out  # the first audit is a full one
    page = minimal.public_dir / "records" / "rec-2008-apology" / "index.html"
    page.write_text(page.read_text() + "<p>Morvendale</p><p>Secret Legalname</p>")
    capsys.readouterr()
    assert main(["--home", str(minimal.home), "audit"]) == 1
    out = capsys.readouterr().out
    assert "LEAK: public/records/rec-2008-apology/index.html: 'morvendale' from nar-d (narrative not public: staff only)" in out
    assert "'Secret Legalname' from nar-a (private name of a narrator shown as 'Dr. Q')" in out


LEVELS = st.sampled_from(["public", "staff", "restricted", "embargoed", "withdrawn"])


@pytest.mark.slow
@settings(max_examples=8, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(levels=st.lists(LEVELS, min_size=3, max_size=3),
       embargo_years=st.lists(st.integers(min_value=2020, max_value=2040), min_size=3, max_size=3),
       consent_withdrawn=st.lists(st.booleans(), min_size=3, max_size=3),
       today=st.dates(min_value=date(2019, 1, 1), max_value=date(2041, 1, 1)))
def test_random_access_states_never_leak(tmp_path_factory, levels, embargo_years, consent_withdrawn, today):
    home = tmp_path_factory.mktemp("prop")
    shutil.copytree(MINIMAL, home / "content", ignore=shutil.ignore_patterns("nar-[acdefg].md"))
    words = ["Ostrelwick", "Pandervale", "Quorristan"]
    for i, (level, year, withdrawn) in enumerate(zip(levels, embargo_years, consent_withdrawn)):
        consent = "  - {date: 2019-01-01, use: publish-text, granted: true}\n"
        if withdrawn:
            consent += "  - {date: 2020-01-01, use: publish-text, granted: false}\n"
        embargo = f"embargo_until: {year}-06-01\n" if level == "embargoed" else ""
        (home / "content" / "narratives" / f"nar-p{i}.md").write_text(
            f"---\nid: nar-p{i}\ntitle: Story {words[i]}\nfictional: true\n"
            f"narrator: {{name: Real {words[i]}name, display_name: Shown{i}, name_policy: pseudonym}}\n"
            f"date: 2019\naccess: {level}\n{embargo}consent:\n{consent}release: {{signed: 2019-01-01}}\n---\n"
            f"A fictional composite told by {words[i]}.\n")
    archive = make_settings(home, home / "content", today=today)
    ingest(archive)
    publish(archive)
    report = audit(archive)
    assert report.leaks == [], [str(leak) for leak in report.leaks[:5]]
    site = "".join(p.read_text() for p in archive.public_dir.rglob("*.html"))
    for i, word in enumerate(words):
        public = levels[i] == "public" or (levels[i] == "embargoed" and today >= date(embargo_years[i], 6, 1))
        assert (word in site) == (public and not consent_withdrawn[i])
        assert f"Real {word}name" not in site
