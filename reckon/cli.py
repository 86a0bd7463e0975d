"""`reckon`: the command line, as thin wiring over library functions.

Each command parses its arguments, loads the settings once, calls one library function and
turns domain errors into one line per problem on stderr with a non-zero exit. (The CLI is the
top layer, `reckon/`, because it wires all the others; nothing imports it.)
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from archive.errors import ContentError, ReckoningError
from archive.gc_paused import gc_paused
from archive.settings import Settings, load_settings


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(
        home=args.home,
        content_dir=getattr(args, "content", None),
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
    )


def _print_warnings(warnings) -> None:
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


def cmd_ingest(args: argparse.Namespace) -> int:
    from ingest import watched_changes
    from ingest.ingest_lock import ingest_lock
    from ingest.progress import cpu_seconds
    from ingest.unchanged_content import look
    from publish import up_to_date

    settings = _settings(args)
    csv_sources = [(path, args.mapping) for path in args.csv or []]
    # One ingest of this store at a time, from the scan to the write (`ingest.ingest_lock`):
    # the stats it keeps must be newer than the watch mark kept with them.
    with ingest_lock(settings):
        found, known, report = None, None, None
        if not (args.strict or args.prune or csv_sources):
            found, known, report = look(settings)  # a report only when nothing changed
        if found is None:  # under the warm process's watch when it runs this command
            found = watched_changes.full_scan(settings.content_dir)
        # Nothing changed and nothing left to publish: told without loading the store's code.
        if report is not None and (stamp := up_to_date.current(settings)) is not None:
            _print_ingest(settings, report)
            print(f"indexed {stamp.indexed} public documents into {settings.index_dir} (0 written, 0 removed)")
            return 0

        with gc_paused():  # ~0.05 s of CPU a command: its imports make many objects and no garbage
            from ingest.pipeline import ingest
            from ingest.progress import Progress
            from publish.changed_list import note_published
            from publish.pipeline import index_all, publish_if_patchable

            # What the imports made lives as long as the process: out of the collector's sight
            # before it runs again, so no later collection walks it (~0.1 s of a one-record ingest).
            gc.freeze()

        if report is None:  # something changed, or the look could not tell: the full path
            try:
                report = ingest(settings, strict=args.strict, prune=args.prune, csv_sources=csv_sources,
                                progress=Progress(sys.stderr), found=found, known=known)
            except ContentError as exc:
                from ingest.summary import summary_table

                _print_warnings(exc.warnings)
                for problem in exc.problems:
                    print(f"error: {problem}", file=sys.stderr)
                print(summary_table(errors=exc.problems), file=sys.stderr)
                print(f"{len(exc.problems)} errors; nothing was written", file=sys.stderr)
                return 1
    _print_ingest(settings, report)
    site = None
    indexing = cpu_seconds()
    if report.changed:  # the indexes, and the site when it can be patched (else `reckon build` makes it)
        public, site = publish_if_patchable(settings)
    elif (stamp := up_to_date.current(settings)) is not None:  # nothing changed since the last publish
        print(f"indexed {stamp.indexed} public documents into {settings.index_dir} (0 written, 0 removed)")
        return 0
    else:
        public, _ = index_all(settings)
    print(f"indexed {public.documents} public documents into {settings.index_dir} "
          f"({public.added} written, {public.deleted} removed)")
    if public.rebuilt:  # a long step: its CPU time, the forked index build's included, for the log
        print(f"indexes done: {cpu_seconds() - indexing:.1f} s CPU", file=sys.stderr)
    if site is not None:
        note_published(settings.build_cache_dir, site)  # for the next `reckon build --changed-list`
        print(f"published the change to {site.public_dir} ({site.written} files written) in {site.seconds:.1f} s")
    return 0


def _print_ingest(settings: Settings, report) -> None:
    """What an ingest found: warnings, objects whose file is gone, the summary table."""
    from ingest.summary import summary_table

    _print_warnings(report.warnings)
    for kind, items in sorted(report.missing.items()):
        for object_id, source_path in items:
            print(f"missing: {source_path}: the source of {kind} '{object_id}' is gone; kept in the "
                  "store (run with --prune to remove it)", file=sys.stderr)
    print(f"ingested {settings.content_dir}:")
    print(summary_table(report))
    if report.suggestions:
        print(f"{report.suggestions} new harm-tag suggestions wait for a curator: see 'reckon tags list'")


def cmd_index(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from publish.pipeline import index_all

    settings = _settings(args)
    with tqdm(unit="doc", file=sys.stderr, disable=None, leave=False) as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        public, staff = index_all(settings, rebuild=args.rebuild, progress=progress)
    for name, report in (("public", public), ("staff", staff)):
        how = "rebuilt" if report.rebuilt else f"updated ({report.added} written, {report.deleted} removed)"
        print(f"{name} index {how}: {report.documents} documents [{settings.search_engine}]")
    return 0


def cmd_tags(args: argparse.Namespace) -> int:
    from archive.db import store_transaction
    from archive.tag_suggestions import ACCEPTED, REJECTED, decide, list_suggestions

    settings = _settings(args)
    with store_transaction(settings) as session:
        if args.action == "list":
            rows = list_suggestions(session, args.status)
            for r in rows:
                where = f"{r.object_type} {r.object_id}" + (f", {r.locator}" if r.locator else "")
                print(f"{r.id:>5}  {r.status:<9} {r.concept_id:<36} {where}\n"
                      f"       matched {r.phrase!r} in: {r.passage}")
            print(f"{len(rows)} tag suggestions")
            return 0
        if args.id is None:
            raise ReckoningError(f"'reckon tags {args.action}' needs the suggestion's number (see 'reckon tags list')")
        row = decide(session, args.id, ACCEPTED if args.action == "accept" else REJECTED, args.by)
        print(f"tag suggestion {row.id} ({row.concept_id} on {row.object_type} {row.object_id}): {row.status}; "
              "run 'reckon build' to publish the change")
    return 0


def cmd_redactions(args: argparse.Namespace) -> int:
    from archive.db import store_transaction
    from archive.redactions import APPROVED, REJECTED, decide, list_redactions

    settings = _settings(args)
    with store_transaction(settings) as session:
        if args.action == "list":
            rows = list_redactions(session, args.status)
            for r in rows:
                where = ", ".join(sorted({loc["field"] for loc in r.locations})) or "not found in the text"
                print(f"{r.id:>5}  {r.status:<9} {r.narrative_id}  [{r.category}] {r.text!r} ({r.origin}; {where})")
            print(f"{len(rows)} redactions")
            return 0
        if args.id is None:
            raise ReckoningError(f"'reckon redactions {args.action}' needs the redaction's number "
                                 "(see 'reckon redactions list')")
        row = decide(session, args.id, APPROVED if args.action == "approve" else REJECTED, args.by)
        print(f"redaction {row.id} ({row.narrative_id}, {row.category}): {row.status}; "
              "run 'reckon build' to publish the change")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from publish import up_to_date
    from publish.build_report import BuildReport
    from publish.changed_list import check_target, published_since_build, write_changed_list

    settings = _settings(args)
    # Checked before publishing: the changes are reported once, by this build.
    target = check_target(args.changed_list, settings.public_dir) if args.changed_list else None
    # Nothing to do since the last publish (`reckon ingest` patched the site, or a build ran):
    # told without loading the store's ORM or the site's code (publish.up_to_date).
    stamp = up_to_date.current(settings)
    if stamp is not None:
        site, indexed = BuildReport(pages=stamp.pages, public_dir=settings.public_dir, unchanged=stamp.pages), stamp.indexed
    else:
        with gc_paused():  # ~0.05 s of CPU a command: its imports make many objects and no garbage
            from publish.build import build_site  # noqa: F401  (imported by `publish` itself: here, without collections)
            from publish.pipeline import publish

        report = publish(settings)
        site, indexed = report.site, report.indexed
    print(f"indexed {indexed} public objects; published {site.pages} files to {site.public_dir} "
          f"({site.written} written, {site.unchanged} unchanged) in {site.seconds:.1f} s")
    with published_since_build(settings.build_cache_dir) as earlier:  # by `reckon ingest`
        if target is not None:
            lines = write_changed_list(replace(site, changed=earlier + site.changed), target)
            print(f"listed {lines} changed files in {target}")
    print(_base_url_line(settings))
    return 0


def _base_url_line(settings: Settings) -> str:
    """Which base URL the site's absolute links (citations, feed, sitemap, IIIF) use, and why."""
    if settings.base_url_set:
        return f"absolute links use the base URL {settings.base_url} (RECKON_BASE_URL)"
    return (f"absolute links use the base URL {settings.base_url} (the served address; "
            f"set RECKON_BASE_URL to publish for another host)")


def cmd_check(args: argparse.Namespace) -> int:
    from ingest.pipeline import check_content

    settings = _settings(args)
    try:
        objects, warnings = check_content(settings, [(path, args.mapping) for path in args.csv or []])
    except ContentError as exc:
        if args.strict:
            raise ContentError(exc.problems + exc.warnings) from exc
        _print_warnings(exc.warnings)
        raise
    _print_warnings(warnings)
    if args.strict and warnings:
        raise ContentError(warnings)
    print(f"{settings.content_dir}: {len(objects)} objects, {len(warnings)} warnings, no errors")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from search.indexer import staff_index_dir
    from search.language import FACETS
    from search.query import open_index, search

    settings = _settings(args)
    folder = staff_index_dir(settings) if args.staff else settings.index_dir
    ix = open_index(folder, settings.database_url)
    filters = {name: getattr(args, name) for name in FACETS if getattr(args, name)}
    results = search(ix, args.query, args.limit, page=args.page, date_from=args.date_from,
                     date_to=args.date_to, filters=filters, sort=args.sort)
    print(f"{results.total} results for {args.query!r}"
          + (f" (page {results.page} of {results.pages})" if results.pages > 1 else ""))
    if results.suggestion:
        print(f"did you mean: {results.suggestion}")
    first = (results.page - 1) * results.per_page
    for rank, hit in enumerate(results.hits, first + 1):
        print(f"{rank:>3}. {hit.title}  [{hit.type}, {hit.date}]  {hit.url}")
    if args.facets:
        for name, values in results.facets.items():
            shown = ", ".join(f"{v['value']} ({v['count']})" for v in values)
            print(f"  {name}: {shown or '-'}")
    return 0


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != first:
        raise ReckoningError("the two passwords differ; nothing was changed")
    return first


def cmd_user(args: argparse.Namespace) -> int:
    from archive import users
    from archive.db import store_transaction

    settings = _settings(args)
    password = _read_password(args) if args.action == "add" else ""
    with store_transaction(settings) as session:
        if args.action == "add":
            users.create_user(session, args.name, password, args.role, actor="cli")
            print(f"added {args.name} ({args.role}); sign in at /staff/signin")
        else:
            user = users.get_user(session, args.name)
            if user is None:
                raise users.UserError(f"no user '{args.name}': add one with 'reckon user add'")
            print(users.issue_token(session, user, args.label, actor="cli"))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from server.app import serve
    from server.prepare import prepare

    settings = _settings(args)
    # Ingest first (a no-op when nothing changed), and publish when the content changed or the
    # outputs are missing, so `reckon serve` on a fresh checkout shows the sample at once; in a
    # process of its own, so the server does not keep what they read (server/prepare.py).
    # --no-ingest: only serve (production, where `reckon ingest` and `reckon build` run apart).
    if not args.no_ingest:
        prepared = prepare(settings, rebuild=args.rebuild)
        _print_warnings(prepared.warnings)
        if prepared.published:
            print(f"ingested {settings.content_dir} ({prepared.summary}); built the site")
    print(_base_url_line(settings))
    workers = f" with {args.workers} processes" if args.workers > 1 else ""
    print(f"serving the archive at http://{settings.host}:{settings.port}/{workers}")
    serve(settings, args.workers)
    return 0


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of processes, 1 or more, not {text!r}")
    return int(text)


def cmd_audit(args: argparse.Namespace) -> int:
    from audit.since import audit_since

    settings = _settings(args)
    done = audit_since(settings, full=args.full or args.seed is not None, seed=args.seed)
    report = done.report
    for leak in report.leaks:
        print(leak)
    for failure in report.failures:
        print(f"UNREADABLE: {failure}")
    scope = "everything" if done.full else (f"{done.files} files published since the last audit, and "
                                           f"{done.new} new fingerprints everywhere")
    sample = f"; public ids sampled with --seed {report.seed}" if report.seed is not None else ""
    print(f"audit ({scope}): {len(report.fingerprints)} fingerprints of {report.hidden_objects} hidden objects "
          f"checked in {report.places} public places{sample}: {len(report.leaks)} leaks")
    return 1 if report.leaks or report.failures else 0


def cmd_export(args: argparse.Namespace) -> int:
    from archive.preservation import export_bag

    path = export_bag(_settings(args), args.bag)
    print(f"wrote the archive as a BagIt bag to {path}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from archive.preservation import verify_bag

    count = verify_bag(args.bag)
    print(f"{args.bag}: bag is valid, {count} payload files match their SHA-256 manifest")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from archive.preservation import import_bag

    counts = import_bag(_settings(args), args.bag)
    files = counts.pop("originals", 0)
    print(f"restored {sum(counts.values())} rows in {len(counts)} tables and {files} original files from {args.bag}")
    return 0


def _store_unavailable(exc: Exception) -> bool:
    """Whether SQLAlchemy could not write or read the store (SQLite: disk full, I/O error, a
    read-only file). Asked only of a raised error: a command that never loaded SQLAlchemy
    (`reckon build` with nothing to do) does not load it here either."""
    errors = sys.modules.get("sqlalchemy.exc")
    return errors is not None and isinstance(exc, errors.OperationalError)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reckon",
        description="Reckoning: ingest an archive's content, publish its site and search index, and serve it.",
    )
    parser.add_argument("--home", help="working folder for reckon.db, index/ and public/ (default: current folder)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    p = add("ingest", cmd_ingest, "Read the content folder into the store (upsert by id) and refresh the search index.")
    p.add_argument("--content", help="content folder (default: ./content)")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.add_argument("--csv", action="append", metavar="PATH",
                   help="also ingest this CSV catalogue (repeatable); paths in it are relative to it")
    p.add_argument("--mapping", metavar="NAME|FILE",
                   help="column mapping for --csv: dublin-core (default), collectionbuilder, omeka, atom, "
                        "wax, or a mapping YAML file")
    p.add_argument("--prune", action="store_true",
                   help="soft-delete stored objects whose source is gone (default: report them and keep them)")
    p = add("check", cmd_check, "Validate the content folder without writing anything.")
    p.add_argument("--content", help="content folder (default: ./content)")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.add_argument("--csv", action="append", metavar="PATH", help="also check this CSV catalogue (repeatable)")
    p.add_argument("--mapping", metavar="NAME|FILE", help="column mapping for --csv (see `reckon ingest --help`)")
    p = add("build", cmd_build, "Publish: bring both search indexes up to date and render the static site into public/.")
    p.add_argument("--changed-list", metavar="FILE",
                   help="also write the site paths this build wrote or removed (removed ones as '- PATH'), "
                        "one a line, for an upload tool such as rclone")
    p = add("tags", cmd_tags, "List the harm tagger's suggestions, or accept or reject one (unpublished until accepted).")
    p.add_argument("action", nargs="?", default="list", choices=["list", "accept", "reject"])
    p.add_argument("id", nargs="?", type=int, help="the suggestion's number, for accept and reject")
    p.add_argument("--status", choices=["suggested", "accepted", "rejected"], help="list only these")
    p.add_argument("--by", default="curator", help="who decides (recorded with the decision)")
    p = add("redactions", cmd_redactions, "List proposed redactions of narratives, or approve or reject one.")
    p.add_argument("action", nargs="?", default="list", choices=["list", "approve", "reject"])
    p.add_argument("id", nargs="?", type=int, help="the redaction's number, for approve and reject")
    p.add_argument("--status", choices=["proposed", "approved", "rejected"], help="list only these")
    p.add_argument("--by", default="curator", help="who decides (recorded with the decision)")
    p = add("search", cmd_search, "Search the public index and print ranked hits.")
    p.add_argument("query", help='query: words, "exact phrases", AND/OR/NOT, field:value, word~, word*')
    p.add_argument("--limit", type=int, default=10, help="how many hits per page (default 10)")
    p.add_argument("--page", type=int, default=1, help="which page of hits (default 1)")
    p.add_argument("--from", dest="date_from", help="only objects whose dates overlap from this year/date on")
    p.add_argument("--to", dest="date_to", help="only objects whose dates overlap up to this year/date")
    p.add_argument("--sort", default="relevance", choices=("relevance", "date", "-date"),
                   help="order: relevance (default), date (oldest first), -date (newest first)")
    for facet in ("type", "harm_type", "affected_group", "institution", "decade"):
        p.add_argument(f"--{facet.replace('_', '-')}", dest=facet, action="append",
                       help=f"only hits with this {facet} (repeat for any of several)")
    p.add_argument("--facets", action="store_true", help="also print facet counts")
    p.add_argument("--staff", action="store_true", help="search the staff index (everything curators see)")
    p = add("index", cmd_index, "Bring the public and staff search indexes up to date with the store.")
    p.add_argument("--rebuild", action="store_true", help="rebuild both indexes from scratch")
    p = add("user", cmd_user, "Manage staff accounts: 'add' one, or make an API 'token' for scripts.")
    p.add_argument("action", choices=["add", "token"], help="add: a new account; token: print a new API token")
    p.add_argument("name", help="the username")
    p.add_argument("--role", default="contributor", choices=["contributor", "curator", "admin"],
                   help="for add: contributor (default), curator or admin")
    p.add_argument("--password-stdin", action="store_true",
                   help="for add: read the password from the first line of standard input (for scripts)")
    p.add_argument("--label", default="script", help="for token: what the token is for")
    p = add("serve", cmd_serve, "Serve the site and the JSON API; ingests content first and rebuilds when it changed.")
    p.add_argument("--content", help="content folder (default: ./content)")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8000)")
    p.add_argument("--rebuild", action="store_true", help="rebuild the index and site even if nothing changed")
    p.add_argument("--no-ingest", action="store_true",
                   help="only serve: no ingest or build first (production; run `reckon ingest` and `build` apart)")
    p.add_argument("--workers", type=_positive, default=1, metavar="N",
                   help="serve from N processes sharing the port (default 1); see docs on running in production")
    p = add("audit", cmd_audit, "Scan the built site, the public index and the anonymous API for any trace "
            "of hidden material; exits 1 and names each leak. After a first full audit, only what the "
            "publishes since changed and the material hidden since are checked.")
    p.add_argument("--full", action="store_true", help="check everything, as the first audit does")
    p.add_argument("--seed", type=int, default=None, metavar="N",
                   help="a full audit asking the API for the same sample of public ids as the audit that "
                        "printed this seed (each full audit draws a new sample and prints its seed)")
    p = add("export", cmd_export, "Write the whole archive (every table, revisions included) as a BagIt bag.")
    p.add_argument("--bag", required=True, type=Path, help="new folder to write the bag into")
    p = add("verify", cmd_verify, "Check a bag's fixity against its SHA-256 manifests.")
    p.add_argument("bag", type=Path, help="the bag folder")
    p = add("import", cmd_import, "Restore a bag into an empty archive.")
    p.add_argument("--bag", required=True, type=Path, help="the bag folder")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command in this process (the `reckon` command starts in `reckon.launch`, which
    first offers it to a warm process)."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ContentError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    except ReckoningError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # full disk, unwritable folder, a file where a folder should be
        where = f": {exc.filename}" if exc.filename else ""
        print(f"error: cannot write or read{where}: {exc.strerror or exc}; nothing was published or "
              "changed (the previous site, index and store are as they were)", file=sys.stderr)
        return 1
    except Exception as exc:
        if not _store_unavailable(exc):
            raise
        print(f"error: cannot write or read the store ({getattr(exc, 'orig', None) or exc}): is the disk full "
              "or the folder read-only? The store was rolled back; nothing was changed", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        if argv is None:  # the `reckon` command: the process ends now
            # Its final garbage collection would walk every object still alive (SQLAlchemy's,
            # pydantic's, the templates'): ~0.3-0.5 s of a one-record `reckon build`. Frozen
            # objects are skipped; they are freed with the process all the same.
            gc.freeze()


if __name__ == "__main__":
    sys.exit(main())
