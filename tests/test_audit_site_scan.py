"""audit/site_scan.py: the two processes of a full audit share the site's files chunk by chunk;
every file is scanned once, by whichever process claimed its chunk, and none is skipped."""

from __future__ import annotations

import multiprocessing

from audit.fingerprints import ADDRESS
from audit.leaks import AuditReport, Fingerprint, Scanner
from audit.matcher import Matcher
from audit.site_scan import CHUNK, Claims, scan_files


def _claim_all(claims: Claims, total: int, out) -> None:
    taken = []
    while (chunk := claims.claim(total)) is not None:
        taken += list(chunk)
    out.send(taken)
    out.close()


def test_two_processes_claim_every_index_exactly_once():
    context = multiprocessing.get_context("fork")
    total = CHUNK * 40 + 7
    claims = Claims(context)
    ours, theirs = context.Pipe()
    child = context.Process(target=_claim_all, args=(claims, total, theirs))
    child.start()
    mine = []
    while (chunk := claims.claim(total)) is not None:
        mine += list(chunk)
    theirs_taken = ours.recv()
    child.join()
    assert sorted(mine + theirs_taken) == list(range(total))
    assert claims.claim(total) is None


def test_files_are_scanned_as_their_address_and_text_and_iiif_mentions_returned(tmp_path):
    public = tmp_path / "public"
    (public / "records" / "rec-a").mkdir(parents=True)
    page = public / "records" / "rec-a" / "index.html"
    page.write_text('<a href="/iiif/rec-a-1/info.json">image</a> “Morvendale”')
    (public / "song.mp3").write_bytes(b"\xff\xfb not text morvendale")
    prints = [Fingerprint("morvendale", "nar-d", "w"), Fingerprint("/records/rec-a/", "rec-a", "p", ADDRESS)]
    report = AuditReport(prints, 2)
    mentioned = scan_files(Claims(), [str(page), str(public / "song.mp3")], public, Scanner(Matcher(prints), report))
    assert report.where == ["public/records/rec-a/index.html"] and report.places == 1  # sound is decoded apart
    assert [leak.fingerprint for leak in report.leaks] == prints  # its word, and its address on the site
    assert mentioned == {"/iiif/rec-a-1/info.json"}


def test_the_site_s_files_are_listed_in_path_order(tmp_path):
    """`public_file_names` sorts by a string key; the order must stay `Path`'s (component by
    component), where a folder `a` comes before a file `a-b` or `a.html` though `/` sorts after
    `-` and `.` as a character, and a deeper path only after the shorter one it extends."""
    from pathlib import Path

    from audit.files import public_file_names

    public = tmp_path / "public"
    for name in ("a-b", "a.html", "a/b-c/d", "a/b/c", "ab/c", "a b/c", "a/é", "a/z", "A/z", "a0"):
        (public / name).parent.mkdir(parents=True, exist_ok=True)
        (public / name).write_text(name)
    listed = public_file_names(public)
    assert listed == [str(p) for p in sorted(Path(f) for f in listed)]
    assert sorted(Path(f).relative_to(public).as_posix() for f in listed) == sorted(
        ["a-b", "a.html", "a/b-c/d", "a/b/c", "ab/c", "a b/c", "a/é", "a/z", "A/z", "a0"])
    assert listed.index(str(public / "a" / "z")) < listed.index(str(public / "a-b"))
