"""The site core: build the tiny fixture once, check each core page type shows the facts it
must, every relative link resolves, nothing loads from another host, pages stay small,
builds are reproducible and a failed build leaves the previous site untouched.

Golden files (tests/golden/core/*.html) hold generated page bodies; refresh them with
UPDATE_GOLDEN=1 after a deliberate change and review the diff.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import html
import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from generator.options import Options
from generator.pages import PAGE_MODULES, collect
from generator.pipeline import build, pages
from generator.pipeline.run import command

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"
GOLDEN = ROOT / "tests" / "golden" / "core"
AS_OF = dt.date(2026, 11, 20)
SITE_HOST = "deputies.example.org"  # mkdocs.yml site_url
MAX_PAGE = 100 * 1024

# Sections built by other page modules: links into them are checked once their module is registered.
SECTION_MODULE = {
    "groups": "groups",
    "stations": "stations",
    "suggestions": "suggestions",
    "coverage": "coverage",
    "methodology": "methodology",
    "search": "search",
    "data": "opendata",
}


def _build(data: Path, out: Path, as_of: dt.date | None = AS_OF) -> int:
    return command(Options(data_dir=data, out=out, as_of=as_of))


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("core") / "site"
    assert _build(TINY, out) == 0
    return out


def body(site: Path, url: str) -> str:
    """The article of a built page (theme chrome removed), whitespace-collapsed."""
    text = (site / url / "index.html").read_text(encoding="utf-8")
    m = re.search(r'<article class="md-content__inner md-typeset">(.*?)</article>', text, re.S)
    assert m, url
    return re.sub(r"\s+", " ", m.group(1))


def visible(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


# -- page facts ---------------------------------------------------------------------------


def test_home_shows_figures_latest_reports_search_and_finder(site):
    b = body(site, "")
    text = visible(b)
    for fact in (
        "全国人大代表 1 人",
        "市人大代表 2 人",
        "县人大代表 4 人",
        "乡镇人大代表 4 人",
        "本届已公开报告 4 篇",
        "本届报告覆盖率 40% 已报告 4 / 应报告 10 人次",
        "小组和联络站活动 6 次（2022年1月1日以来）",
        "走访选民 810 人次（2022年以来）",
        "议案建议办理完毕 3 件（共 5 件）",
    ):
        assert fact in text, fact
    assert re.findall(r'<a href="reports/(r\d+)/">', b) == ["r04", "r03", "r02", "r01"]  # newest first, no draft r05
    assert '<form class="ds-search" action="search/" method="get" role="search">' in b
    assert 'name="q"' in b
    assert '<form class="ds-finder__form" action="find/" method="get" role="search"' in b
    assert '<a href="../areas/a-town/">甲镇</a>' in body(site, "find")  # the finder's page links every township


def test_directory_index_counts_by_level_and_place(site):
    text = visible(body(site, "deputies"))
    assert "本届共有 9 名代表的资料" in text
    for label, n in (("全国人大代表", 1), ("市人大代表", 2), ("县人大代表", 4), ("乡镇人大代表", 4)):
        assert f"{label} {n}" in text
    # 甲镇: national 0 (d01's province-wide electing unit covers no area in the package),
    # city 2 (elected by the whole county), county 2 (第一选区 covers 甲镇), township 4
    assert "甲镇 虚构县 0 2 2 4 7" in text


def rows(b: str) -> list[tuple[str, str]]:
    """(deputy id, data-level) of each directory row, in page order."""
    return [
        (m.group(2), m.group(1))
        for m in re.finditer(r'<tr data-level="([^"]*)"[^>]*>\s*<td><a href="[^"]*?(d\d+)/"', b)
    ]


def test_area_page_lists_every_level_with_filter_attributes(site):
    b = body(site, "areas/a-town")
    assert rows(b) == [
        ("d01", "national city"),
        ("d02", "city"),
        ("d03", "county"),
        ("d07", "county township"),
        ("d10", "township"),
        ("d09", "township"),
        ("d08", "township"),
    ]
    row7 = re.search(r'<tr ([^>]*)>\s*<td><a href="../../deputies/d07/"', b).group(1)
    assert row7 == (
        'data-level="county township" data-area="a-county a-town a-vil1" data-covers="a-town a-vil1" '
        'data-station="s01" data-group="g01 g02" data-status="overdue"'
    )
    assert "data-filters hidden" in b and 'aria-live="polite"' in b
    assert '<option value="a-vil1" data-anc="a-county a-town">东湖村</option>' in b


def test_level_pages_list_their_deputies(site):
    assert sorted(d for d, _ in rows(body(site, "deputies/levels/county"))) == ["d03", "d04", "d05", "d07"]
    assert sorted(d for d, _ in rows(body(site, "deputies/levels/township"))) == ["d07", "d08", "d09", "d10"]


def test_deputy_profile_performance_card(site):
    text = visible(body(site, "deputies/d07"))
    # each status with the date it holds on (issue 14)
    asof = "（截至2026年11月20日）"
    assert (
        f"虚构县第十八届人民代表大会 ： ✗ 逾期未报告 {asof} （规则：其他代表：届内第3年、第4年报告；本届现为第5年）"
        in text
    )
    assert f"甲镇第八届人民代表大会 ： ✗ 逾期未报告 {asof} （规则：连任代表：届内第1年报告；本届现为第2年）" in text
    assert (
        "城关五级人大代表联合小组 ： 成员（2022年3月1日加入）。 出席 1/3 次，缺席 1 次，未记录 1 次 （出席率 33%， ! 低于60%的要求 ）"
        in text
    )
    assert (
        "甲镇五级人大代表联合小组 ： 联系的主任会议成员（2025年3月1日加入）。 出席 1/1 次 （活动少于 3 次，不计算出席率）"
        in text
    )
    assert "领衔提出 1 件（已办理完毕 1 件），联名 1 件。" in text
    assert "2025 150 35 12 7" in text
    b = body(site, "deputies/d07")
    assert '<a href="../../methodology/#report-status">' in b and '<a href="../../methodology/#attendance">' in b
    assert '<a href="../../methodology/#contacts">' in b


@pytest.mark.parametrize(
    "deputy, expected",
    [
        ("d01", ["✓ 已报告"]),  # national mandate: no rule, not in the card
        ("d02", ["✗ 逾期未报告"]),
        ("d06", ["■ 资格已终止"]),
        ("d08", ["● 本年度应报告"]),  # r05 is a draft
        ("d09", ["○ 尚未到期"]),
    ],
)
def test_profile_status_of_each_kind(site, deputy, expected):
    b = body(site, f"deputies/{deputy}")
    card = visible(b.split('<h2 id="reports">')[1].split('<h2 id="groups">')[0])
    assert re.findall(r"[✓✗●○■–] [\u4e00-\u9fff]+", card) == expected


def test_profile_mandates_facts(site):
    text = visible(body(site, "deputies/d06"))
    assert "第18届（2022年1月1日至2026年12月31日）" in text
    assert "选区 第二选区，覆盖：城关社区" in text
    assert "任职 2022年1月1日起，2023年6月30日止 终止原因 辞去代表职务" in text
    d02 = visible(body(site, "deputies/d02"))
    assert "职务代表 是（虚构县副县长）" in d02 and "选举单位 虚构县人民代表大会，覆盖： 虚构县" in d02


def test_report_page(site):
    b = body(site, "reports/r02")
    text = visible(b)
    assert "张建国报告履职情况（2022年11月20日）" in text
    assert "报告方式 会议报告（选民会议）" in text and "报告对象 原选区选民" in text
    assert "地点 第一选区选民会议" in text and "参会人数 60 人" in text
    assert "满意 52 87%" in text and "基本满意 6 10%" in text and "不满意 2 3%" in text
    assert "共 60 票，满意和基本满意合计 97%。" in text
    assert '<a href="../../deputies/d03/">张建国</a>' in b
    assert '<a href="../../deputies/d03/#m-m04">虚构县第十八届人民代表大会</a>' in b
    for part in (
        "一、遵守宪法和法律",
        "二、参加人民代表大会会议情况",
        "三、闭会期间履职情况",
        "四、联系人民群众情况",
        "五、其他情况",
    ):
        assert part in text


def test_drafts_are_never_published(site):
    assert not (site / "reports" / "r05").exists()
    for f in html_files(site):
        assert "reports/r05" not in f.read_text(encoding="utf-8"), f


def test_report_index_by_year_level_mode(site):
    text = visible(body(site, "reports"))
    assert "共公开 4 篇报告" in text
    # columns: city (oral, meeting, written), county (oral, meeting, written)
    assert "2024年 0 0 0 0 1 0 1" in text and "2022年 1 0 0 0 1 0 2" in text
    y = body(site, "reports/2022")
    # r02's district (k-ct-1) is 甲镇; r01's deputy is elected by the county congress: no township
    assert re.findall(r'<tr data-level="(\w+)" data-mode="(\w+)" data-township="([\w -]*)">', y) == [
        ("county", "meeting", "a-town"),
        ("city", "oral", ""),
    ]
    assert '<option value="a-town">甲镇</option>' in y and "data-facets" not in y  # one page: no facet file


# -- whole-site properties ----------------------------------------------------------------

HREF = re.compile(r"""(?:href|src)\s*=\s*["']([^"']*)["']""", re.I)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)""", re.I)
# What makes a browser fetch something: src/srcset/poster/data, <link href>, form actions, CSS url().
LOADS = re.compile(
    r"""(?:\s(?:src|srcset|poster|data|action)\s*=\s*["']([^"']*)["'])|(?:<link\b[^>]*?\shref\s*=\s*["']([^"']*)["'])""",
    re.I,
)


def test_every_relative_link_resolves(site):
    skipped = {s for s, mod in SECTION_MODULE.items() if mod not in PAGE_MODULES}
    broken = []
    for f in html_files(site):
        for link in HREF.findall(f.read_text(encoding="utf-8")):
            parts = urlsplit(html.unescape(link))
            if parts.scheme or parts.netloc or not parts.path:
                continue
            target = (
                (f.parent / unquote(parts.path)).resolve()
                if not parts.path.startswith("/")
                else site / parts.path.lstrip("/")
            )
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                rel = os.path.relpath(target, site)
                if rel.split(os.sep)[0] in skipped:
                    continue
                broken.append(f"{f.relative_to(site)} → {link}")
    assert broken == []


def test_nothing_loads_from_another_host(site):
    """No page, stylesheet or script fetches anything from another host (links people click
    to other sites, such as a licence page, are navigation, not loads)."""
    offsite = []
    for f in sorted(site.rglob("*")):
        if f.suffix not in (".html", ".css", ".js") or not f.is_file():
            continue
        text = f.read_text(encoding="utf-8", errors="replace")
        found = CSS_URL.findall(text)
        if f.suffix == ".html":
            found += [a or b for a, b in LOADS.findall(text)]
        for u in found:
            u = html.unescape(u.strip())
            if u.startswith(("http://", "https://", "//")) and urlsplit(u).netloc != SITE_HOST:
                offsite.append(f"{f.relative_to(site)}: {u}")
    assert offsite == []


def test_every_page_is_under_100_kb(site):
    assert [str(f.relative_to(site)) for f in html_files(site) if f.stat().st_size > MAX_PAGE] == []


def test_material_search_and_fonts_are_off(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "fonts.googleapis.com" not in index and "fonts.gstatic.com" not in index
    assert not (site / "search" / "search_index.json").exists()


def test_sitemap_dates_come_from_the_as_of_date(site):
    sm = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert set(re.findall(r"<lastmod>([^<]*)</lastmod>", sm)) == {"2026-11-20"}
    assert "<loc>https://deputies.example.org/deputies/d07/</loc>" in sm


def test_two_builds_are_byte_identical(site, tmp_path):
    again = tmp_path / "again"
    assert _build(TINY, again) == 0
    cmp = filecmp.dircmp(site, again)

    def diffs(c) -> list[str]:
        out = c.left_only + c.right_only + c.diff_files + c.funny_files
        for sub in c.subdirs.values():
            out += diffs(sub)
        return out

    assert diffs(cmp) == []
    for f in sorted(site.rglob("*")):
        if f.is_file():
            assert f.read_bytes() == (again / f.relative_to(site)).read_bytes(), f


# -- failure leaves the previous site untouched -------------------------------------------


def _snapshot(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_bad_data_leaves_previous_output_untouched(tmp_path, capsys):
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("old site", encoding="utf-8")
    bad = tmp_path / "bad"
    shutil.copytree(TINY, bad)
    (bad / "datapackage.yaml").write_text("resources: [unclosed", encoding="utf-8")
    before = _snapshot(out)
    assert _build(bad, out) == 1
    assert _snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site-")] == []
    assert "datapackage.yaml" in capsys.readouterr().err


def test_failure_inside_the_build_leaves_previous_output_untouched(tmp_path, monkeypatch):
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("old site", encoding="utf-8")
    before = _snapshot(out)

    def boom(*args):  # the pages are built; an output module then fails
        raise RuntimeError("output module failed")

    monkeypatch.setattr("generator.pipeline.run.write_all", boom)
    with pytest.raises(RuntimeError):
        _build(TINY, out)
    assert _snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site-")] == []


# -- escaping -----------------------------------------------------------------------------


def test_values_written_by_people_are_escaped_everywhere(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    deputies = (data / "deputies.csv").read_text(encoding="utf-8")
    deputies = deputies.replace("d03,张建国,", 'd03,"<script>alert(1)</script>张""建国",')
    (data / "deputies.csv").write_text(deputies, encoding="utf-8")
    with open(data / "reports" / "r02.md", "a", encoding="utf-8") as fh:
        fh.write("\n\n<img src=x onerror=alert(2)> [x](javascript:alert(3))\n")
    out = tmp_path / "site"
    build(Options(data_dir=data, out=out, as_of=AS_OF, validate=False))
    for url in ("deputies/d03", "reports/r02", "areas/a-town", ""):
        page = (out / url / "index.html").read_text(encoding="utf-8")
        assert "<script>alert" not in page and "javascript:alert" not in page, url
        assert not re.search(r"<[a-z]+[^>]*\sonerror=", page), url
    d03 = (out / "deputies/d03/index.html").read_text(encoding="utf-8")
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt;张&#34;建国 - 人大代表履职公开</title>" in d03


# -- golden page bodies -------------------------------------------------------------------

GOLDEN_PAGES = [
    "index.md",
    "find/index.md",
    "deputies/d07.md",
    "reports/r02.md",
    "areas/a-town.md",
    "deputies/index.md",
]


@pytest.fixture(scope="module")
def core_docs():
    site, _ = pages(TINY, AS_OF, validate=False)
    return {d.path: d for d in collect(site, ["home", "find", "deputies", "reports"])}


@pytest.mark.parametrize("path", GOLDEN_PAGES)
def test_golden_page_bodies(core_docs, path):
    doc = core_docs[path]
    golden = GOLDEN / (path.replace("/", "__").replace(".md", ".html"))
    if os.environ.get("UPDATE_GOLDEN"):  # deliberate: write, then fail so the run is never green
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(doc.html, encoding="utf-8")
        pytest.fail(f"wrote {golden.name}: review it, then run without UPDATE_GOLDEN")
    assert golden.exists(), f"missing golden file {golden.name}: run UPDATE_GOLDEN=1 pytest {__file__}"
    assert doc.html == golden.read_text(encoding="utf-8")


def test_page_docs_have_titles_templates_and_no_front_matter(core_docs):
    for doc in core_docs.values():
        assert doc.title and doc.template in ("home.html", "deputy.html", "report.html", "directory.html", "area.html")
        assert not doc.html.lstrip().startswith("---")
        assert "title" not in doc.meta


def test_every_page_template_exists_in_the_theme():
    site, docs = pages(TINY, AS_OF, validate=False)
    used = sorted({d.template for d in docs})
    assert [t for t in used if not (ROOT / "theme" / t).is_file()] == []
    core = {d.template for d in collect(site, ["home", "deputies", "reports"])}
    assert core == {"home.html", "deputy.html", "report.html", "directory.html", "area.html"}
    for t in core:  # each page type extends the base and shows the prerendered body
        text = (ROOT / "theme" / t).read_text(encoding="utf-8")
        assert '{% extends "main.html" %}' in text and "{{ page.content }}" in text
