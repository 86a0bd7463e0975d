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
    from web.publish import index_public

    settings = _settings(args)
    report = ingest(settings, strict=args.strict)
    _print_warnings(report.warnings)
    print(f"ingested {settings.content_dir}: {report.summary()}")
    count = index_public(settings)
    print(f"indexed {count} public objects into {settings.index_dir}")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from web.publish import publish

    settings = _settings(args)
    report = publish(settings)
    site = report.site
    print(f"indexed {report.indexed} public objects; published {site.pages} files to {site.public_dir} "
          f"({site.written} written, {site.unchanged} unchanged) in {site.seconds:.1f} s")
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
    from search.query import open_index, search

    settings = _settings(args)
    ix = open_index(settings.index_dir)
    results = search(ix, args.query, args.limit)
    print(f"{results.total} results for {args.query!r}")
    for rank, hit in enumerate(results.hits, 1):
        print(f"{rank:>3}. {hit.title}  [{hit.type}, {hit.date}]  {hit.url}")
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
    p.add_argument("query", help='query: words, "exact phrases", AND/OR/NOT, field:value')
    p.add_argument("--limit", type=int, default=10, help="how many hits to print (default 10)")
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
