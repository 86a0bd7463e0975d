"""The public site as a reader meets it, in headless Chromium at a desktop's and a phone's size
(1366×900 and 390×844): tables that stay legible when they collapse into cards, dates as people
write them, the header's search box and current section, the ledger's and the commitments'
filters kept in the address, the institution page grouped by harm, and focus after a search.

The same static host and axe-core check as tests/test_browser.py (plain files, no /api).
"""

from __future__ import annotations

import pytest

from tests.helpers.browser import SIZES, axe_marks, axe_violations

pytestmark = axe_marks()

DESKTOP, PHONE = SIZES["desktop"], SIZES["phone"]


def pages_with(sample, marker: str) -> list[str]:
    """One page of each kind (the first folder of its path) whose HTML holds `marker`: derived
    from the built site, so a new page kind with a collapsing table is checked without a list."""
    found: dict[str, str] = {}
    public = sample.public_dir
    for path in sorted(public.rglob("index.html")):
        relative = path.relative_to(public)
        kind = relative.parts[0] if len(relative.parts) > 1 else ""
        key = f"{kind}/{len(relative.parts)}"  # a section's index, its items, their sub-pages
        if key not in found and marker in path.read_text(encoding="utf-8"):
            found[key] = "/" + relative.parent.as_posix().strip(".") + ("/" if len(relative.parts) > 1 else "")
    return sorted(found.values())


LABELS = """() => Array.from(document.querySelectorAll("table.ledger")).flatMap(table => {
  const heads = Array.from(table.tHead.rows[0].cells).map(th => th.textContent.trim());
  return Array.from(table.tBodies[0].rows).filter(r => !r.hidden).flatMap(row =>
    Array.from(row.cells).filter(c => c.tagName === "TD" && getComputedStyle(c).display !== "none").map(cell => ({
      head: heads[cell.cellIndex],
      before: getComputedStyle(cell, "::before").content,
      text: cell.textContent.trim(),
    })));
})"""


def test_every_collapsed_table_names_each_cell_on_a_phone(browser, static_host, sample):
    paths = pages_with(sample, '<table class="ledger')
    assert {"/harms/", "/commitments/"} <= set(paths) and any(p.startswith("/institutions/agent-") for p in paths)
    page = browser.new_page()
    page.set_viewport_size(PHONE)
    for path in paths:
        page.goto(static_host + path)
        assert page.evaluate("getComputedStyle(document.querySelector('table.ledger tbody tr')).display") == "block"
        cells = page.evaluate(LABELS)
        assert cells, path
        for cell in cells:
            # The label is the column's own heading ("Made", "Due", "Status"), never empty.
            assert cell["before"] == f'"{cell["head"]}: "', (path, cell)
            assert cell["text"], (path, cell)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    page.close()


def test_commitments_on_a_phone_tell_made_due_and_status_apart(browser, static_host):
    page = browser.new_page()
    page.set_viewport_size(PHONE)
    page.goto(static_host + "/commitments/")
    first = page.locator("#commitments tbody tr").first
    labels = first.locator("td").evaluate_all("cells => cells.map(c => getComputedStyle(c, '::before').content)")
    assert labels[:5] == ['"Made by: "', '"Made: "', '"Due: "', '"Status: "', '"Progress entries: "']
    page.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_tables_pages_pass_axe(browser, static_host, size):
    page = browser.new_page()
    page.set_viewport_size(SIZES[size])
    for path in ("/commitments/", "/institutions/agent-ama/", "/harms/harm-race-based-egfr-transplant/"):
        page.goto(static_host + path)
        assert axe_violations(page) == [], (path, size)
    page.close()


def test_the_header_searches_from_any_page_and_marks_the_current_section(browser, static_host):
    page = browser.new_page()
    page.set_viewport_size(DESKTOP)
    page.goto(static_host + "/harms/harm-dc-delegation-1870-1872/")
    nav = page.locator("nav[aria-label=Main]")
    assert nav.locator("a[aria-current]").all_inner_texts() == ["Harm ledger"]
    assert nav.locator("a[aria-current]").get_attribute("aria-current") == "true"  # within the section
    page.fill("#site-q", "picket line")
    page.press("#site-q", "Enter")
    page.wait_for_selector("#results ol li")
    assert "q=picket+line" in page.url and page.input_value("#q") == "picket line"
    assert nav.locator("a[aria-current=page]").all_inner_texts() == ["Search"]
    assert page.locator("#site-q").count() == 0  # the search page's own form is the only one
    page.goto(static_host + "/commitments/")
    assert nav.locator("a[aria-current=page]").all_inner_texts() == ["Commitments"]
    page.goto(static_host + "/")
    assert nav.locator("a[aria-current]").count() == 0
    page.fill("#home-q", "apology")
    page.click("form.home-search button")
    page.wait_for_selector("#results ol li")
    assert "q=apology" in page.url
    page.close()


def test_on_a_phone_the_nav_folds_behind_a_menu_button(browser, static_host):
    page = browser.new_page()
    page.set_viewport_size(PHONE)
    page.goto(static_host + "/records/")
    header = page.locator("header.site")
    assert header.bounding_box()["height"] < 80  # one line: the brand and the Menu button
    toggle = page.locator("button.menu-toggle")
    assert toggle.get_attribute("aria-expanded") == "false" and not page.locator("#site-q").is_visible()
    assert axe_violations(page) == []
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.evaluate("document.activeElement.id") == "site-q"  # straight into the search box
    assert page.locator("nav[aria-label=Main] a[aria-current=page]").inner_text() == "Records"
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false" and page.evaluate("document.activeElement.className") == "menu-toggle"
    page.close()
    # Without JavaScript nothing is folded away.
    page = browser.new_page()
    page.set_viewport_size(PHONE)
    page.route("**/*.js", lambda route: route.abort())
    page.goto(static_host + "/records/")
    assert page.locator("#site-q").is_visible() and page.locator("nav[aria-label=Main] a").first.is_visible()
    page.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_home_and_header_pass_axe(browser, static_host, size):
    page = browser.new_page()
    page.set_viewport_size(SIZES[size])
    for path in ("/", "/harms/harm-dc-delegation-1870-1872/", "/about/"):
        page.goto(static_host + path)
        assert axe_violations(page) == [], (path, size)
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"], path
    page.close()


def shown_rows(page, table: str) -> int:
    return page.locator(f"#{table} tbody tr:not([hidden])").count()


def caption_count(page, table: str) -> int:
    """The number the caption gives for what is shown: "3 of 14 harms …" or "14 harms …"."""
    return int(page.inner_text(f"#{table} caption").split()[0])


@pytest.mark.parametrize("size", list(SIZES))
def test_ledger_filters_live_in_the_address_and_an_empty_result_says_so(browser, static_host, size):
    page = browser.new_page()
    page.set_viewport_size(SIZES[size])
    page.goto(static_host + "/harms/?status=apologized")
    total = page.locator("#ledger tbody tr").count()
    assert page.input_value("#f-status") == "apologized"
    assert 0 < shown_rows(page, "ledger") < total
    assert caption_count(page, "ledger") == shown_rows(page, "ledger")
    assert page.inner_text("#ledger caption").endswith(f"of {total} harms (status “Apologized”), in date order")
    page.select_option("#f-sort", "-period")
    assert "status=apologized" in page.url and "sort=-period" in page.url
    page.reload()  # a reload (or a shared link) shows the same view
    assert page.input_value("#f-sort") == "-period" and page.get_attribute("#ledger thead th:nth-child(5)", "aria-sort") == "descending"
    page.fill("#f-q", "zzzz nothing")
    assert shown_rows(page, "ledger") == 0 and caption_count(page, "ledger") == 0
    empty = page.locator("#ledger-empty")
    assert empty.is_visible() and "status “Apologized” and words “zzzz nothing”" in empty.inner_text()
    assert axe_violations(page) == []
    empty.locator("button").click()
    assert shown_rows(page, "ledger") == total and not empty.is_visible()
    assert page.inner_text("#ledger caption") == f"{total} harms, sorted by period, newest first"
    assert "status=" not in page.url and "q=" not in page.url
    assert page.evaluate("document.activeElement.id") == "f-type"  # back at the filters
    page.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_commitment_filters_live_in_the_address_and_an_empty_result_says_so(browser, static_host, size):
    page = browser.new_page()
    page.set_viewport_size(SIZES[size])
    page.goto(static_host + "/commitments/?status=lapsed&sort=-due")
    total = page.locator("#commitments tbody tr").count()
    assert shown_rows(page, "commitments") == caption_count(page, "commitments") == 3
    statuses = page.locator("#commitments tbody tr:not([hidden])").evaluate_all("rows => rows.map(r => r.dataset.status)")
    assert set(statuses) == {"lapsed"}
    page.select_option("#c-status", "")
    assert shown_rows(page, "commitments") == total == caption_count(page, "commitments")
    dues = page.locator("#commitments tbody tr td[data-label=Due]").evaluate_all("cells => cells.map(c => Number(c.dataset.sort))")
    assert dues == sorted(dues, reverse=True)
    assert page.url.endswith("/commitments/?sort=-due")
    page.select_option("#c-status", "withdrawn")
    assert page.locator("#commitments-empty").is_visible() and caption_count(page, "commitments") == 0
    assert axe_violations(page) == []
    page.click("#commitments-empty button")
    assert shown_rows(page, "commitments") == total
    page.close()


def test_harm_titles_in_the_ledger_keep_to_a_few_lines(browser, static_host):
    page = browser.new_page()
    page.set_viewport_size(DESKTOP)
    page.goto(static_host + "/harms/")
    lines = page.locator("#ledger tbody th a").evaluate_all(
        "links => links.map(a => Math.round(a.getBoundingClientRect().height / parseFloat(getComputedStyle(a).lineHeight)))")
    assert lines and max(lines) <= 3, lines
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    page.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_institution_page_folds_long_evidence_and_gives_its_tables_room(browser, static_host, size):
    page = browser.new_page()
    page.set_viewport_size(SIZES[size])
    page.goto(static_host + "/institutions/agent-ama/")
    first = page.locator("section.ledger-harm details.evidence-list").first
    quote = first.locator("q").first
    assert not quote.is_visible()
    first.locator("summary").click()
    assert quote.is_visible()
    assert page.locator("ol.statements > li", has_text="10 July 2008").filter(has_text="Apologizes").count() == 1
    text_width = page.evaluate("document.querySelector('main .lede, main p').getBoundingClientRect().width")
    table_width = page.evaluate("document.querySelector('#commitments').getBoundingClientRect().width")
    if size == "desktop":
        assert table_width > text_width * 1.3  # wider than the column of text it sits in
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    assert axe_violations(page) == []
    page.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_one_page_of_every_kind_passes_axe_and_fits_the_screen(browser, static_host, sample, size):
    paths = pages_with(sample, '<main id="main">')
    assert len(paths) >= 15, paths
    page = browser.new_page()
    page.set_viewport_size(SIZES[size])
    for path in paths:
        page.goto(static_host + path)
        for summary in page.locator("details > summary").all():  # what a reader may open, opened
            if summary.is_visible():
                summary.click()
        assert axe_violations(page) == [], (path, size)
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"], (path, size)
    page.close()
