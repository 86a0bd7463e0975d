"""The accountability ledger's pages of the static site, as (path, template, data) triples.

`publish.build.collect_pages` appends these: an index and a ledger page per institution, the
commitments table and a page per commitment, and a page per response. Data comes from
`archive.ledger_views` through the build's public Catalog, so the pages and the ledger API
are the same data rendered twice.
"""

from __future__ import annotations

import json

from archive.catalog import Catalog
from archive.ledger import COMMITMENT_STATUSES
from archive.ledger_views import all_responses, commitments, institution_ledger, institutions
from archive.urls import api_url, page_url
from publish.csv_cells import csv_line
from publish.pages.institution import institution_page

CSV_COLUMNS = ("id", "title", "made_by", "date", "due", "status", "by_rule", "overdue_days",
               "progress_entries", "latest_progress", "answers", "source", "url")


def page_path(kind: str, object_id: str | None = None) -> str:
    """Where a page's file goes in public/, from its one URL."""
    return page_url(kind, object_id).strip("/") + "/index.html"


def ledger_pages(catalog: Catalog) -> list[tuple[str, str, dict]]:
    promised = commitments(catalog)
    bodies = {c["made_by"]["id"]: c["made_by"] for c in promised}
    counts = {s: n for s in COMMITMENT_STATUSES if (n := sum(1 for c in promised if c["status"] == s))}
    bodies_list = institutions(catalog)
    pages: list[tuple[str, str, dict]] = [
        (page_path("commitment"), "commitments.html",
         {"items": promised, "statuses": COMMITMENT_STATUSES, "counts": counts,
          "bodies": sorted(bodies.values(), key=lambda b: b["name"]), "api_url": api_url("commitment"),
          "downloads": page_url("commitment"), "judged_on": catalog.today.isoformat()}),
        (page_path("institution"), "institutions.html", {"items": bodies_list}),
    ]
    pages += [(page_path("commitment", c["id"]), "commitment.html", {"item": c}) for c in promised]
    pages += [(page_path("response", r["id"]), "response.html", {"item": r}) for r in all_responses(catalog)]
    pages += [(page_path("institution", a["id"]), "institution.html",
               {**institution_page(institution_ledger(catalog, a["id"])), "statuses": COMMITMENT_STATUSES})
              for a in bodies_list]
    return pages


def ledger_downloads(catalog: Catalog) -> dict[str, bytes]:
    """The commitments table as bulk downloads beside its page: JSON (the API's answer) and CSV."""
    promised = commitments(catalog)
    folder = page_url("commitment").strip("/")
    rows = [csv_line(CSV_COLUMNS, "\n")]
    for c in promised:
        rows.append(csv_line([
            c["id"], c["title"], c["made_by"]["name"], c["date"]["edtf"], c["due"]["edtf"] if c["due"] else "",
            c["status"], "yes" if c["by_rule"] else "no", "" if c["overdue_days"] is None else c["overdue_days"],
            len(c["progress"]), c["progress"][-1]["date"]["edtf"] if c["progress"] else "",
            " ".join(h["id"] for h in c["answers"]), c["source"]["id"] if c["source"] else "", c["url"]], "\n"))
    listing = {"items": promised, "total": len(promised)}
    return {
        f"{folder}/commitments.json": json.dumps(listing, ensure_ascii=False, sort_keys=True, indent=1).encode(),
        f"{folder}/commitments.csv": "".join(rows).encode("utf-8"),
    }
