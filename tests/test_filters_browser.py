"""Filters that cover the whole of a paginated list (issue 14), in headless Chromium on the
bundled county demo (a fresh one for the session, conftest county_demo, built once into a temp folder): an area page's village filter,
a report year by township, a suggestion year by township, topic and status. Every expected
row set is computed here from the CSV rows, not from the generator's indexes."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import re
from pathlib import Path

import pytest
from browser_support import PHONE, assert_clean, browser, build_site, open_page, serve  # noqa: F401

from generator.pages import facets
from generator.pipeline import pages as pipeline_pages

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "tests/node_modules/axe-core/axe.min.js"
ROWS = "[data-filter-list] tbody tr:visible"


class Data:
    """The demo's rows, and who represents what, straight from the CSVs."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        text = (folder / "datapackage.yaml").read_text(encoding="utf-8")
        self.as_of = dt.date.fromisoformat(re.search(r'x-data-date: "?([0-9-]{10})', text).group(1))
        self.areas = {a["id"]: a for a in self.csv("areas.csv")}
        self.covers: dict[str, set[str]] = {}
        for ca in self.csv("constituency_areas.csv"):
            self.covers.setdefault(ca["constituency_id"], set()).add(ca["area_id"])
        congresses = {c["id"]: c for c in self.csv("congresses.csv")}
        self.mandates = {m["id"]: m for m in self.csv("mandates.csv")}
        self.current = [
            m
            for m in self.mandates.values()
            if congresses[m["congress_id"]]["start_date"]
            <= self.as_of.isoformat()
            <= congresses[m["congress_id"]]["end_date"]
            and not (m["end_date"] and m["end_date"] < self.as_of.isoformat())
        ]
        self.names = {a["name"]: a["id"] for a in self.areas.values()}
        self.reports = [r for r in self.csv("reports.csv") if r["state"] == "published"]
        self.suggestions = self.csv("suggestions.csv")

    def csv(self, name: str) -> list[dict]:
        with open(self.folder / name, encoding="utf-8-sig", newline="") as f:
            return list(csv.DictReader(f))

    def up(self, area_id: str) -> list[str]:
        """The area and its ancestors."""
        out = []
        while area_id:
            out.append(area_id)
            area_id = self.areas[area_id]["parent_id"]
        return out

    def in_township(self, constituency_id: str, township: str) -> bool:
        """The constituency covers the township or a place inside it."""
        return any(township in self.up(a) for a in self.covers.get(constituency_id, ()))

    def representing(self, place: str) -> set[str]:
        """Deputies with a running mandate whose constituency covers the place, or a part of
        it, or a place above it."""
        above = set(self.up(place))
        return {
            m["deputy_id"]
            for m in self.current
            if any(a in above or place in self.up(a) for a in self.covers.get(m["constituency_id"], ()))
        }


@pytest.fixture(scope="module")
def data(county_demo) -> Data:
    return Data(county_demo)  # the session's fresh county demo, never the checkout's data/


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory, county_demo) -> Path:
    return build_site(county_demo, tmp_path_factory.mktemp("filters-demo") / "site")


@pytest.fixture(scope="module")
def demo_url(demo_site) -> str:
    return serve(demo_site)


def _ids(page, kind: str) -> list[str]:
    """Record ids of the shown rows, from the first link of each row to a `kind` page."""
    hrefs = page.locator(ROWS).evaluate_all(
        "(rows, kind) => rows.map(r => Array.from(r.querySelectorAll('a'), a => a.href)"
        ".find(h => new URL(h).pathname.split('/').slice(-3, -2)[0] === kind))",
        kind,
    )
    return [re.search(rf"/{kind}/([^/]+)/$", h).group(1) for h in hrefs]


def _count(page) -> str:
    return page.locator("[data-filter-count]").inner_text()


def _no_sideways(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


# a row as [cell attributes, text, link targets] per cell
ROW_JS = """r => Array.from(r.cells, c => [Array.from(c.attributes, a => a.name + '=' + a.value).join(' '),
    c.textContent.trim(), Array.from(c.querySelectorAll('a'), a => a.href)])"""


def _drawn_as_built(page) -> int:
    """Drawn rows (from the facet file) that are also among the page's built rows must match
    them cell for cell: text, links and the cells' attributes (data-label…). How many did."""
    built = page.evaluate(f"() => Array.from(document.querySelector('[data-filter-list]').tBodies[0].rows, {ROW_JS})")
    drawn = page.locator(ROWS).evaluate_all(f"rows => rows.map({ROW_JS})")
    by_link = {row[0][2][0] if row[0][2] else row[0][1]: row for row in built}
    same = 0
    for row in drawn:
        key = row[0][2][0] if row[0][2] else row[0][1]
        if key in by_link:
            assert row == by_link[key]
            same += 1
    return same


# -- area pages ------------------------------------------------------------------------------


def test_a_village_on_an_area_page_shows_its_deputies_from_every_page(browser, demo_url, data):
    town, village = data.names["棠铺镇"], data.names["仁洲村"]
    expected = data.representing(village)
    on_page = data.representing(town)
    assert expected < on_page and len(on_page) > 100  # the list spans pages, the village a part
    page, log = open_page(browser, demo_url + f"areas/{town}/")
    first_page = set(_ids(page, "deputies"))
    assert len(first_page) == 100 and not expected <= first_page  # some are on later pages
    page.locator("select[data-filter=area]").select_option(village)
    page.wait_for_function("document.querySelector('[data-filter-count]').textContent.startsWith('筛选结果')")
    got = _ids(page, "deputies")
    assert len(got) == len(set(got)) and set(got) == expected
    n_pages = -(-len(on_page) // 100)
    assert _count(page) == f"筛选结果：共 {len(expected)} 人（已查全部 {n_pages} 页，共 {len(on_page)} 人）"
    assert not page.locator(".ds-pager").first.is_visible()  # the pager would mislead now
    _no_sideways(page)
    # a drawn row reads as the built row of the same deputy: same cells, same links
    assert _drawn_as_built(page) == len(expected & first_page) > 0
    # the way back: the page's own 100 rows and its pager
    page.locator("button[type=reset]").click()
    page.wait_for_function("document.querySelector('[data-filter-count]').textContent === '本页 100 人'")
    assert set(_ids(page, "deputies")) == first_page
    assert page.locator(".ds-pager").first.is_visible()
    # the facet file came once, when the form was first touched
    assert [u for u in log.requests if "/filters/" in u] == [demo_url + f"filters/areas/{town}.json"]
    assert_clean(log)


def test_the_facet_file_waits_for_a_touch_and_area_filters_combine(browser, demo_url, data):
    town, village = data.names["棠铺镇"], data.names["仁洲村"]
    page, log = open_page(browser, demo_url + f"areas/{town}/2/")
    page.wait_for_load_state("networkidle")
    assert not [u for u in log.requests if "/filters/" in u]  # nothing fetched before a touch
    deputies = {d["id"]: d for d in data.csv("deputies.csv")}
    levels = {c["id"]: c["level"] for c in data.csv("congresses.csv")}
    county = {m["deputy_id"] for m in data.current if levels[m["congress_id"]] == "county"} & data.representing(village)
    page.locator("select[data-filter=area]").select_option(village)
    page.locator("select[data-filter=level]").select_option("county")
    page.wait_for_function(
        f"document.querySelector('[data-filter-count]').textContent.startsWith('筛选结果：共 {len(county)} ')"
    )
    assert sorted(_ids(page, "deputies")) == sorted(county)
    names = page.locator(ROWS + " td:first-child").all_inner_texts()
    assert sorted(names) == sorted(deputies[i]["name"] for i in county)


def test_from_disk_the_filter_says_it_covers_this_page_only(browser, demo_site, data):
    town, village = data.names["棠铺镇"], data.names["仁洲村"]
    page, _log = open_page(browser, (demo_site / f"areas/{town}/index.html").resolve().as_uri())
    first_page = set(_ids(page, "deputies"))
    page.locator("select[data-filter=area]").select_option(village)
    page.wait_for_function("document.querySelector('[data-filter-count]').textContent.includes('只筛选了本页')")
    shown = data.representing(village) & first_page
    assert set(_ids(page, "deputies")) == shown
    assert _count(page) == f"显示 {len(shown)} 人（未能载入其他页，只筛选了本页；本页共 100 人）"


# -- reports ---------------------------------------------------------------------------------


def _year_reports(data: Data, year: str) -> list[dict]:
    return [r for r in data.reports if r["date"].startswith(year)]


def test_a_report_year_filtered_by_township_covers_every_page(browser, demo_url, data):
    year = "2024"
    reports = _year_reports(data, year)
    assert len(reports) > 100
    town = data.names["石垸镇"]
    expected = {r["id"] for r in reports if data.in_township(data.mandates[r["mandate_id"]]["constituency_id"], town)}
    assert expected
    page, log = open_page(browser, demo_url + f"reports/{year}/2/")
    page.locator("select[data-filter=township]").select_option(town)
    page.wait_for_function("document.querySelector('[data-filter-count]').textContent.startsWith('筛选结果')")
    got = _ids(page, "reports")
    assert len(got) == len(set(got)) and set(got) == expected
    n_pages = -(-len(reports) // 100)
    assert _count(page) == f"筛选结果：共 {len(expected)} 篇（已查全部 {n_pages} 页，共 {len(reports)} 篇）"
    on_page = {r["id"] for r in sorted(reports, key=lambda r: (r["date"], r["id"]), reverse=True)[100:200]}
    assert _drawn_as_built(page) == len(expected & on_page) > 0
    # with a mode too
    page.locator("select[data-filter=mode]").select_option("meeting")
    want = {r["id"] for r in reports if r["id"] in expected and r["mode"] == "meeting"}
    page.wait_for_function(
        f"document.querySelector('[data-filter-count]').textContent.startsWith('筛选结果：共 {len(want)} ')"
    )
    assert set(_ids(page, "reports")) == want
    _no_sideways(page)
    assert_clean(log)


# -- suggestions -----------------------------------------------------------------------------


def _lead_in(data: Data, s: dict, town: str) -> bool:
    return any(
        data.in_township(m["constituency_id"], town)
        for m in data.mandates.values()
        if m["deputy_id"] == s["lead_deputy_id"] and m["congress_id"] == s["congress_id"]
    )


@pytest.mark.parametrize(
    "choice",
    [
        {"township": "棠铺镇"},
        {"topic": "养老服务"},
        {"status": "resolved"},
        {"township": "棠铺镇", "status": "resolved"},
        {"township": "石垸镇", "topic": "交通民生实事", "status": "in_progress"},
    ],
)
def test_suggestions_by_township_topic_and_status(browser, demo_url, data, choice):
    year = "2024"
    rows = [s for s in data.suggestions if s["date"].startswith(year)]
    expected = {
        s["id"]
        for s in rows
        if ("township" not in choice or _lead_in(data, s, data.names[choice["township"]]))
        and ("topic" not in choice or s["topic"] == choice["topic"])
        and ("status" not in choice or s["status"] == choice["status"])
    }
    page, log = open_page(browser, demo_url + f"suggestions/list/{year}/all/")
    for key, value in choice.items():
        select = page.locator(f"select[data-filter={key}]")
        if key == "township":
            select.select_option(data.names[value])
        elif key == "topic":
            select.select_option(label=value)
        else:
            select.select_option(value)
    got = _ids(page, "suggestions")
    assert len(got) == len(set(got)) and set(got) == expected
    assert _count(page) == f"显示 {len(expected)} 件（共 {len(rows)} 件）"
    _no_sideways(page)
    assert_clean(log)


# -- keyboard, labels, axe -------------------------------------------------------------------


def test_filters_work_from_the_keyboard_and_pass_axe(browser, demo_url, data):
    if not AXE.exists():
        pytest.skip("axe-core is not installed in tests/node_modules (npm ci in tests/)")
    town = data.names["棠铺镇"]
    page, log = open_page(browser, demo_url + f"areas/{town}/")
    area = page.locator("select[data-filter=area]")
    for _ in range(60):  # Tab from the top of the page to the area select
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('data-filter')") == "area":
            break
    else:
        pytest.fail("the area filter cannot be reached with Tab")
    # every select is named by its label
    labels = page.locator("select[data-filter]").evaluate_all(
        "ss => ss.map(s => s.labels.length && s.labels[0].textContent.trim().split(/\\s/)[0])"
    )
    assert labels == ["层级", "区域", "联络站", "代表小组", "报告情况"]
    page.keyboard.press("ArrowDown")  # the first place in the list
    first = area.evaluate("s => s.options[1].value")
    page.wait_for_function("document.querySelector('[data-filter-count]').textContent.startsWith('筛选结果')")
    assert area.input_value() == first
    assert set(_ids(page, "deputies")) == data.representing(first) & data.representing(town)
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    # the filter form, its count and the drawn list (tests/test_a11y.py audits whole pages)
    found = page.evaluate(
        "axe.run({include: [['form[data-filters]'], ['[data-filter-count]'], ['[data-filter-list]']]},"
        " {resultTypes: ['violations']})"
    )["violations"]
    serious = [(v["id"], len(v["nodes"])) for v in found if v["impact"] in ("serious", "critical")]
    assert serious == []
    assert_clean(log)


# -- the facet files -------------------------------------------------------------------------


def test_facet_files_are_small_and_hold_no_markup(demo_site):
    files = sorted((demo_site / "filters").rglob("*.json"))
    assert files
    for f in files:
        raw = f.read_bytes()
        assert b"<" not in raw and b">" not in raw  # text people wrote is \u003c-escaped
        doc = json.loads(raw)
        assert doc["v"] == facets.FORMAT and doc["pages"] > 1
        assert len(gzip.compress(raw)) < 40_000, f.name
    lists = [p for p in demo_site.rglob("index.html") if "data-facets=" in p.read_text(encoding="utf-8")]
    assert len(lists) > len(files)  # each file serves every page of its list
    for page in lists:  # the whole-list choices keep the list pages in the budget
        assert page.stat().st_size < 100_000, page


def test_every_facet_file_is_linked_from_its_list(demo_site):
    """Facet files exist only for lists split into pages, each linked from its pages."""
    linked = set()
    for page in demo_site.rglob("index.html"):
        for m in re.finditer(r'data-facets="([^"]+)"', page.read_text(encoding="utf-8")):
            linked.add((page.parent / m.group(1)).resolve())
    assert linked == {f.resolve() for f in (demo_site / "filters").rglob("*.json")}


def test_text_in_a_facet_file_is_drawn_as_text_and_links_stay_inside(browser, demo_url):
    """Whatever a facet file holds (text people wrote), the script draws it as text: no markup,
    no script, no link out of the site."""
    hostile = '<img src=x onerror="window.__pwned=1">'
    doc = {
        "v": 1,
        "unit": "篇",
        "pages": 2,
        "keys": ["level", "mode", "township"],
        "badges": {},
        "rows": [
            [
                [
                    [[hostile, "reports/r0001/"]],
                    [["外链", "//evil.example/x/"], ["脚本", "javascript:window.__pwned=2//"]],
                    "<b>粗</b>",
                    [{"b": "unknown"}, "</td><script>window.__pwned=3</script>"],
                    [["上一级", "../deputies/"]],
                ],
                ["county", "meeting", "zz"],
            ]
        ],
    }
    page, log = open_page(browser, demo_url + "reports/2022/")
    page.route("**/filters/reports/2022.json", lambda route: route.fulfill(json=doc))
    page.locator("select[data-filter=mode]").select_option("meeting")
    page.wait_for_function("document.querySelector('[data-filter-count]').textContent.startsWith('筛选结果：共 1 ')")
    cells = page.locator(ROWS + " td").all_text_contents()
    assert cells == [hostile, "外链脚本", "<b>粗</b>", "</td><script>window.__pwned=3</script>", "上一级"]
    assert page.locator("[data-filter-list] img, [data-filter-list] script, [data-filter-list] b").count() == 0
    links = page.locator(ROWS + " a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert links == ["../../reports/r0001/", None, None, None]
    assert page.evaluate("window.__pwned") is None
    assert_clean(log)


def test_a_township_filter_with_too_many_choices_is_left_out(monkeypatch):
    """A province's year lists would carry thousands of townships in every page's form."""
    site, docs = pipeline_pages(
        Path(__file__).resolve().parent / "fixtures" / "tiny", dt.date(2026, 11, 20), validate=False
    )
    year_pages = [d for d in docs if re.fullmatch(r"reports/\d{4}\.md", d.path)]
    assert year_pages and any('data-filter="township"' in d.html for d in year_pages)
    monkeypatch.setattr(facets, "MAX_TOWNSHIP_OPTIONS", 0)
    site, docs = pipeline_pages(
        Path(__file__).resolve().parent / "fixtures" / "tiny", dt.date(2026, 11, 20), validate=False
    )
    year_pages = [d for d in docs if re.fullmatch(r"reports/\d{4}\.md", d.path)]
    assert year_pages and not any('data-filter="township"' in d.html for d in year_pages)
    assert any('data-filter="level"' in d.html for d in year_pages)  # the other filters stay
