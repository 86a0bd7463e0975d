"""The audit's sample of public ids is the seed's (the report names it), and an OAI-PMH record
repeated across lists is scanned once yet named in every answer that holds it."""

from __future__ import annotations

from audit.leaks import AuditReport, Fingerprint, Scanner
from audit.matcher import Matcher
from audit.public_answers import ALL_IDS_UP_TO, SAMPLE, Walker

IDS = [f"rec-{i:05d}" for i in range(ALL_IDS_UP_TO + 500)]
HIDDEN = set(IDS[::97])


def walker(seed: int | None) -> Walker:
    return Walker(client=None, ids={"record": IDS}, words=[], oai_namespace="x", always=HIDDEN, seed=seed)


def test_the_same_seed_draws_the_same_sample_whatever_was_drawn_before():
    one = walker(5)
    first = one.chosen(IDS)
    one.chosen(IDS[:ALL_IDS_UP_TO + 100])  # another route's list, drawn in between
    assert one.chosen(IDS) == first == walker(5).chosen(IDS)
    assert set(first) >= HIDDEN and len(first) == len(HIDDEN) + SAMPLE
    assert walker(6).chosen(IDS) != first
    assert walker(None).chosen(IDS) != walker(None).chosen(IDS)  # no seed: a new sample each time


def record(identifier: str, text: str) -> str:
    return (f"    <record>\n      <header>\n        <identifier>oai:x:{identifier}</identifier>\n      </header>\n"
            f"      <metadata><dc:description>{text}</dc:description></metadata>\n    </record>\n")


def page(*records: str, around: str = "") -> str:
    return f'<?xml version="1.0"?>\n<OAI-PMH>\n  <ListRecords>\n{"".join(records)}  {around}</ListRecords>\n</OAI-PMH>\n'


def test_a_record_in_many_oai_answers_is_matched_once_and_named_in_each():
    prints = [Fingerprint("Morvendale", "nar-d", "hidden word"), Fingerprint("Secret Legalname", "nar-a", "name",
                                                                            spelled=True)]
    report = AuditReport(prints, 2)
    scan = Scanner(Matcher(prints), report)
    calls = []
    original = scan.matcher.indices
    scan.matcher.indices = lambda text: calls.append(text) or original(text)
    leaky, clean = record("rec-a", "minutes of the Morvendale ward"), record("rec-b", "plain minutes")
    for n in range(3):
        scan(f"OAI-PMH /oai?verb=ListRecords&page={n}", page(clean, leaky))
    scan("OAI-PMH /oai?verb=GetRecord&identifier=oai:x:rec-a", page(leaky))
    scan("OAI-PMH /oai?verb=ListRecords&set=s", page(clean, around="<note>Secret  Legalname</note>"))
    assert [(leak.where, leak.fingerprint.text) for leak in report.leaks] == [
        *((f"OAI-PMH /oai?verb=ListRecords&page={n}", "Morvendale") for n in range(3)),
        ("OAI-PMH /oai?verb=GetRecord&identifier=oai:x:rec-a", "Morvendale"),
        ("OAI-PMH /oai?verb=ListRecords&set=s", "Secret Legalname")]
    assert sum(leaky.strip() in text for text in calls) == 1  # matched once, named in all four answers
    assert report.places == 5
