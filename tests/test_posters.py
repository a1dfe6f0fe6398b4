"""Posters (扫码见代表, issue 14): one printable A4 page per liaison station and per serving
deputy (generator/pages/posters.py), checked against the tiny fixture.

Without a QR decoder, the code is checked the other way round: the modules the SVG draws are
read back from its path and compared with segno's matrix for the URL the test derives from the
data (site_url + the station's or deputy's page). In Chromium: one A4 page when printed, no
sideways scroll at 360 px, no serious axe finding, nothing from another host.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import re
from pathlib import Path

import pytest
import segno
from browser_support import ROOT, assert_clean, browser, built_tiny_site, open_page, serve  # noqa: F401

from generator.model import load_dataset
from generator.pages import SiteContext, posters, stations, urls
from generator.pipeline.prepare import resolve_site_url
from generator.site_adapter import in_nav

TINY = ROOT / "tests/fixtures/tiny"
AS_OF = dt.date(2026, 11, 20)
BASE = "https://deputies.example.org/"  # mkdocs.yml's site_url, which the built site uses
AXE = ROOT / "tests/node_modules/axe-core/axe.min.js"


def rows(name: str) -> list[dict]:
    with open(TINY / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def day(s: str) -> dt.date | None:
    return dt.date.fromisoformat(s) if s else None


def serving() -> dict[str, list[str]]:
    """Deputy id → names of the congresses of their mandates running on AS_OF, from the CSVs:
    the congress's term covers AS_OF and the mandate has not ended before it."""
    congresses = {c["id"]: c for c in rows("congresses.csv")}
    out: dict[str, list[str]] = {}
    for m in rows("mandates.csv"):
        c = congresses[m["congress_id"]]
        if day(c["start_date"]) <= AS_OF <= day(c["end_date"]) and not (m["end_date"] and day(m["end_date"]) < AS_OF):
            out.setdefault(m["deputy_id"], []).append(c["name"])
    return out


def current_stations(deputy_id: str) -> list[dict]:
    by_id = {s["id"]: s for s in rows("stations.csv")}
    return [
        by_id[sm["station_id"]]
        for sm in rows("station_members.csv")
        if sm["deputy_id"] == deputy_id
        and day(sm["start_date"]) <= AS_OF
        and not (sm["end_date"] and day(sm["end_date"]) < AS_OF)
    ]


def make_site(site_url: str = BASE) -> SiteContext:
    return SiteContext(load_dataset(TINY), AS_OF, site_url=site_url)


@pytest.fixture(scope="module")
def docs() -> dict:
    return {d.path: d for d in posters.pages(make_site())}


def svg_of(page: str) -> str:
    found = re.findall(r"<svg\b.*?</svg>", page, re.S)
    assert len(found) == 1
    return found[0]


def modules_drawn(svg: str) -> list[list[int]]:
    """The dark modules an SVG from segno draws, as a matrix: its one path is a run of
    horizontal strokes ("M x y", "m dx dy", "h n") half a module below each row's top."""
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    # a white background (a dark page in print or on screen still shows a readable code), then
    # the dark modules: nothing else
    paths = re.findall(r"<path ([^>]*)/>", svg)
    assert len(paths) == 2 and paths[0] == f'fill="#fff" d="M0 0h{size}v{size}h-{size}z"'
    d = re.fullmatch(r'stroke="#000" d="([^"]+)"', paths[1]).group(1)
    grid = [[0] * size for _ in range(size)]
    x = y = 0.0
    for op, args in re.findall(r"([Mmh])([-0-9. ]+)", d):
        nums = [float(v) for v in args.split()]
        if op == "M":
            x, y = nums
        elif op == "m":
            x, y = x + nums[0], y + nums[1]
        else:
            for i in range(int(nums[0])):
                grid[int(y - 0.5)][int(x) + i] = 1
            x += nums[0]
    return grid


def segno_modules(url: str) -> list[list[int]]:
    """segno's matrix for `url` with the poster's settings, with the 4-module quiet zone."""
    q = segno.make(url, error="m", mask=posters.QR_MASK, micro=False)
    border = 4
    n = len(q.matrix) + 2 * border
    grid = [[0] * n for _ in range(n)]
    for r, row in enumerate(q.matrix):
        for c, v in enumerate(row):
            grid[r + border][c + border] = 1 if v else 0
    return grid


def text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_one_poster_per_station_and_per_serving_deputy(docs):
    expected = {f"posters/stations/{s['id']}.md" for s in rows("stations.csv")}
    expected |= {f"posters/deputies/{d}.md" for d in serving()}
    assert set(docs) == expected
    assert all(not in_nav(p) for p in docs)
    assert all(d.search is None for d in docs.values())  # not in the search index
    assert {d.template for d in docs.values()} == {"poster.html"}


@pytest.mark.parametrize("station", rows("stations.csv"), ids=lambda s: s["id"])
def test_station_poster_content_and_qr(docs, station):
    doc = docs[f"posters/stations/{station['id']}.md"]
    page = doc.html
    url = BASE + f"stations/{station['id']}/"
    # the URL is the station page's own address
    assert f"stations/{station['id']}.md" in {d.path for d in stations.pages(make_site())}
    svg = svg_of(page)
    assert modules_drawn(svg) == segno_modules(url)
    assert modules_drawn(svg) != segno_modules(url + "x")  # the comparison can fail
    assert 'role="img"' in svg and f'aria-label="二维码：{station["name"]}的网页"' in svg
    assert "<?xml" not in page
    t = text(page)
    assert url in t
    assert station["name"] in t and station["address"] in t and station["opening_hours"] in t
    assert f'<a href="tel:{station["office_phone"].replace("-", "")}">{station["office_phone"]}</a>' in page
    assert f'href="../../../stations/{station["id"]}/"' in page  # back to the station page
    assert doc.title == f"{station['name']}（海报）"


def test_station_poster_counts_the_deputies_by_level(docs):
    # s01: d03 (county), d07 (county and township: county is the higher), d08-d10 (township)
    assert "在本站履职：县人大代表 2 名、乡镇人大代表 3 名" in text(docs["posters/stations/s01.md"].html)


@pytest.mark.parametrize("deputy_id", sorted(serving()))
def test_deputy_poster_content_and_qr(docs, deputy_id):
    name = {d["id"]: d["name"] for d in rows("deputies.csv")}[deputy_id]
    page = docs[f"posters/deputies/{deputy_id}.md"].html
    url = BASE + f"deputies/{deputy_id}/"
    svg = svg_of(page)
    assert modules_drawn(svg) == segno_modules(url)
    assert f'aria-label="二维码：代表{name}的网页"' in svg
    t = text(page)
    assert name in t and url in t
    roles = re.findall(r'<p class="ds-poster__role">([^<]*)</p>', page)
    assert sorted(roles) == sorted(f"{c}代表" for c in serving()[deputy_id])
    sts = current_stations(deputy_id)
    for s in sts:
        assert s["name"] in t and s["address"] in t and s["opening_hours"] in t
        assert f'href="tel:{s["office_phone"].replace("-", "")}"' in page
    if not sts:
        assert "本代表暂未登记进驻代表联络站。" in t
    assert page.count('href="tel:') == len(sts)


def test_deputies_without_a_running_seat_get_no_poster(docs):
    ended = {d["id"] for d in rows("deputies.csv")} - set(serving())
    assert ended  # the fixture has some
    assert not any(f"posters/deputies/{d}.md" in docs for d in ended)
    assert all(not posters.has_poster(make_site(), d) for d in ended)
    assert all(posters.has_poster(make_site(), d) for d in serving())


def test_station_page_links_to_its_poster():
    site = make_site()
    for doc in stations.pages(site):
        sid = doc.meta.get("station_id")
        if doc.meta.get("kind") != "station":
            continue
        link = f'<a href="../../posters/stations/{sid}/">打印海报（扫码见代表）</a>'
        assert link in doc.html
        assert urls.station_poster(sid) == f"posters/stations/{sid}/"


def test_without_site_url_no_code_and_a_note():
    docs = {d.path: d for d in posters.pages(make_site(""))}
    page = docs["posters/stations/s01.md"].html
    assert "<svg" not in page
    assert "未设置网站地址" in page


def test_untrusted_values_are_escaped():
    site = make_site()
    st = site.ds.station["s01"]
    st.name, st.address, st.opening_hours = '<img src=x onerror=alert(1)>"', "<b>addr</b>", "<i>hours</i>"
    st.office_phone = "javascript:alert(1)"
    page = posters.station_poster(site, st).html
    assert "<img" not in page and "<b>" not in page and "<i>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "&lt;b&gt;addr&lt;/b&gt;" in page
    assert 'aria-label="二维码：&lt;img src=x onerror=alert(1)&gt;&#34;的网页"' in page
    assert "tel:" not in page and 'href="javascript' not in page
    assert '<dd class="ds-poster__tel">javascript:alert(1)</dd>' in page  # shown as text only


def test_site_url_from_options_or_mkdocs_yml(tmp_path):
    cfg = tmp_path / "mkdocs.yml"
    cfg.write_text(
        "site_name: x\nsite_url: https://example.gov.cn/renda\nmarkdown_extensions:\n  - x:\n      f: !!python/name:os.system\n"
    )
    assert resolve_site_url(None, cfg) == "https://example.gov.cn/renda/"
    assert resolve_site_url("https://a.example/", cfg) == "https://a.example/"
    cfg.write_text("site_url: javascript:alert(1)\n")
    assert resolve_site_url(None, cfg) == ""
    cfg.write_text("site_name: x\n")
    assert resolve_site_url(None, cfg) == ""
    assert resolve_site_url(None, tmp_path / "missing.yml") == ""
    assert resolve_site_url(None, ROOT / "mkdocs.yml") == BASE


# ---- in Chromium, on the built tiny site ------------------------------------------------------


def poster_urls(site: Path) -> list[str]:
    return sorted(p.parent.relative_to(site).as_posix() + "/" for p in site.glob("posters/*/*/index.html"))


def test_built_posters_are_small_and_out_of_search_and_sitemap(built_tiny_site):
    found = poster_urls(built_tiny_site)
    assert len(found) == len(rows("stations.csv")) + len(serving())
    for u in found:
        assert (built_tiny_site / u / "index.html").stat().st_size < 100_000
    index = "".join(f.read_text(encoding="utf-8") for f in (built_tiny_site / "search").rglob("*.json"))
    assert "stations/s01/" in index and "deputies/d07/" in index  # the index lists page URLs
    assert "posters/" not in index


@pytest.mark.browser
def test_posters_print_on_one_a4_page_and_fit_a_phone(browser, built_tiny_site):
    base = serve(built_tiny_site)
    axe = AXE.read_text(encoding="utf-8")
    for u in poster_urls(built_tiny_site):
        page, log = open_page(browser, base + u)
        try:
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, u
            page.add_script_tag(content=axe)
            violations = page.evaluate("axe.run(document, {resultTypes: ['violations']})")["violations"]
            assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == [], u
            page.emulate_media(media="print")
            shown = page.eval_on_selector_all(
                ".md-header, .md-tabs, .md-footer, .ds-hsearch, .ds-poster__screen",
                "els => els.map(e => getComputedStyle(e).display)",
            )
            assert shown and set(shown) == {"none"}, u
            pdf = page.pdf(format="A4")
            assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1, u
            assert_clean(log)
        finally:
            page.context.close()


def test_posters_are_not_in_the_sitemap_but_their_pages_are(built_tiny_site):
    sitemap = (built_tiny_site / "sitemap.xml").read_text(encoding="utf-8")
    assert "/posters/" not in sitemap
    assert f"<loc>{BASE}stations/s01/</loc>" in sitemap and f"<loc>{BASE}deputies/d07/</loc>" in sitemap


def test_deputy_page_links_to_the_poster_exactly_when_there_is_one(built_tiny_site):
    for d in rows("deputies.csv"):
        page = (built_tiny_site / f"deputies/{d['id']}/index.html").read_text(encoding="utf-8")
        link = f'<a href="../../posters/deputies/{d["id"]}/">打印海报（扫码见代表）</a>'
        assert (link in page) == (d["id"] in serving()), d["id"]
        assert (built_tiny_site / f"posters/deputies/{d['id']}/index.html").is_file() == (d["id"] in serving())


def test_stored_posters_are_reused_only_for_the_same_site_url(tmp_path):
    from generator.pipeline import incremental
    from generator.store import Store

    store = Store(tmp_path / "store")

    def run(site_url: str):
        site = make_site(site_url)
        docs, stats = incremental.module_docs(
            store, site, {"posters": posters}, lambda name: list(posters.pages(site)), lambda mod: None
        )
        return {d.path: d for d in docs}, stats

    first, s1 = run(BASE)
    again, s2 = run(BASE)
    other, s3 = run("https://renda.example.gov.cn/")  # a new address: computed again
    assert (s1["computed"], s2["reused"], s3["computed"]) == (["posters"], ["posters"], ["posters"])
    assert again == first
    assert "https://renda.example.gov.cn/stations/s01/" in text(other["posters/stations/s01.md"].html)
