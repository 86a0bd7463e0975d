"""`reckon`: the command line, as thin wiring over library functions.

Each command parses its arguments, loads the settings once, calls one library function and
turns domain errors into one line per problem on stderr with a non-zero exit. (The CLI lives
in `web/`, the top layer, because it wires all the others; `archive/` imports none of them.)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from archive.errors import ContentError, ReckoningError
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
    from ingest.pipeline import ingest
    from web.publish import index_all

    settings = _settings(args)
    report = ingest(settings, strict=args.strict)
    _print_warnings(report.warnings)
    print(f"ingested {settings.content_dir}: {report.summary()}")
    public, _ = index_all(settings)
    print(f"indexed {public.documents} public documents into {settings.index_dir} "
          f"({public.added} written, {public.deleted} removed)")
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from web.publish import index_all

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


def cmd_build(args: argparse.Namespace) -> int:
    from web.publish import publish

    settings = _settings(args)
    report = publish(settings)
    print(f"indexed {report.indexed} public objects; wrote {report.site.pages} pages to {report.site.public_dir}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from ingest.pipeline import check_content

    settings = _settings(args)
    objects, warnings = check_content(settings)
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
    folder = staff_index_dir(settings.home, settings.public_dir) if args.staff else settings.index_dir
    ix = open_index(folder)
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


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ingest.pipeline import ingest
    from web.app import create_app
    from web.publish import outputs_missing, publish

    settings = _settings(args)
    # Ingest first (a no-op when nothing changed), and publish when the content changed or the
    # outputs are missing, so `reckon serve` on a fresh checkout shows the sample at once.
    report = ingest(settings)
    _print_warnings(report.warnings)
    if args.rebuild or report.changed or outputs_missing(settings):
        print(f"ingested {settings.content_dir} ({report.summary()}); building the site…")
        publish(settings)
    print(f"serving the archive at http://{settings.host}:{settings.port}/")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")
    return 0


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
    p = add("check", cmd_check, "Validate the content folder without writing anything.")
    p.add_argument("--content", help="content folder (default: ./content)")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    add("build", cmd_build, "Publish: rebuild the public search index and render the static site into public/.")
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
    p = add("serve", cmd_serve, "Serve the site and the JSON API; ingests content first and rebuilds when it changed.")
    p.add_argument("--content", help="content folder (default: ./content)")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8000)")
    p.add_argument("--rebuild", action="store_true", help="rebuild the index and site even if nothing changed")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
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
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
