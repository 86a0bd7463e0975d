"""The audit's Scanner finds the same leaks in the same order whether it matches each answer as
it comes or holds the answers (the OAI-PMH child, before its fingerprints come) and matches
them all afterwards; a record repeated across OAI-PMH answers is named in every one."""

from __future__ import annotations

from audit.fingerprints import ADDRESS
from audit.leaks import AuditReport, Fingerprint, Scanner
from audit.matcher import Matcher

PRINTS = [Fingerprint("morvendale", "rec-h", "record not public: restricted only"),
          Fingerprint("Secret Legalname", "nar-b", "private name", spelled=True),
          Fingerprint("/records/rec-h/", "rec-h", "address of a hidden record", ADDRESS)]


def record(identifier: str, text: str) -> str:
    return f"<record><header><identifier>{identifier}</identifier></header><dc>{text}</dc></record>"


ANSWERS = [
    ("public/records/rec-a/index.html", "/records/rec-a/index.html\n<p>Nothing here</p>"),
    ("OAI-PMH /oai?verb=ListRecords", f"<ListRecords>{record('a', 'plain')}{record('b', 'a morvendale word')}</ListRecords>"),
    ("OAI-PMH /oai?verb=ListRecords&set=x", f"<ListRecords>{record('b', 'a morvendale word')}</ListRecords>"),
    ("API /api/records/rec-h", '{"error": "no record", "see": "/records/rec-h/"}'),
    ("OAI-PMH /oai?verb=GetRecord", f"<GetRecord>{record('c', 'Secret  Legalname')}</GetRecord>"),
    ("OAI-PMH /oai?verb=ListRecords&set=y", f"<ListRecords>{record('a', 'plain')}</ListRecords> morvendale"),
    # As the repository splices them (web.oai.protocol.Spliced): a record declaring its namespace,
    # and ListIdentifiers' headers, each matched once however many pages list it.
    ("OAI-PMH /oai?verb=ListRecords&set=z", "<ListRecords>" + record("d", "morvendale").replace(
        "<record>", '<record xmlns="o">\n') + "</ListRecords>"),
    ("OAI-PMH /oai?verb=ListIdentifiers", ('<ListIdentifiers><header status="deleted"><identifier>oai:x:rec-h'
     '</identifier><setSpec>morvendale</setSpec></header><header><identifier>a</identifier></header></ListIdentifiers>')),
    ("OAI-PMH /oai?verb=ListIdentifiers&set=x", ('<ListIdentifiers><header status="deleted"><identifier>oai:x:rec-h'
     '</identifier><setSpec>morvendale</setSpec></header></ListIdentifiers>')),
]


def scanned(hold: bool) -> AuditReport:
    report = AuditReport(PRINTS, 1)
    scan = Scanner(None if hold else Matcher(PRINTS), report)
    for where, text in ANSWERS:
        scan(where, text)
    if hold:
        assert report.leaks == [] and scan.held_chars > 0
        scan.start(Matcher(PRINTS))
        assert scan.held == [] and scan.pending == {}
    return report


def test_held_answers_give_the_leaks_matching_as_they_come_gives():
    now, held = scanned(hold=False), scanned(hold=True)
    assert [str(leak) for leak in held.leaks] == [str(leak) for leak in now.leaks]
    assert held.where == now.where == [where for where, _ in ANSWERS] and held.places == len(ANSWERS)
    assert [(leak.where, leak.fingerprint.text) for leak in now.leaks] == [
        ("OAI-PMH /oai?verb=ListRecords", "morvendale"),
        ("OAI-PMH /oai?verb=ListRecords&set=x", "morvendale"),
        ("API /api/records/rec-h", "/records/rec-h/"),
        ("OAI-PMH /oai?verb=GetRecord", "Secret Legalname"),
        ("OAI-PMH /oai?verb=ListRecords&set=y", "morvendale"),
        ("OAI-PMH /oai?verb=ListRecords&set=z", "morvendale"),
        ("OAI-PMH /oai?verb=ListIdentifiers", "morvendale"),
        ("OAI-PMH /oai?verb=ListIdentifiers&set=x", "morvendale"),
    ]
    assert len(now.where) == len(ANSWERS)


def test_an_oai_answer_is_cut_into_its_records_or_headers_and_the_rest():
    from audit.leaks import oai_pieces

    page = ('<ListRecords>\n<record xmlns="o">\n<header><identifier>a</identifier></header></record>'
            '<record><header/></record>\n<resumptionToken>t</resumptionToken></ListRecords>')
    pieces, rest = oai_pieces(page)
    assert pieces == ['<record xmlns="o">\n<header><identifier>a</identifier></header></record>',
                      "<record><header/></record>"]
    assert rest == "<ListRecords>\n\n\n\n<resumptionToken>t</resumptionToken></ListRecords>"
    assert oai_pieces("<Identify><records>x</records></Identify>") == ([], "<Identify><records>x</records></Identify>")
