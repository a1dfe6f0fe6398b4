"""Navigation (issue 14): distinct menu names and headings, the staff guide in the footer and not
in the voters' menu, a Chinese 404 page with a search box and a link home, and the locality's
name from one setting (rules.yaml `locality`)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from browser_support import browser, build_site, built_tiny_site, open_page, serve  # noqa: F401

from generator.pages.urls import NOT_IN_MENU, SECTION_PAGES

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"


def _html(site: Path, url: str) -> str:
    return (
        (site / url / "index.html").read_text(encoding="utf-8")
        if not url.endswith(".html")
        else (site / url).read_text(encoding="utf-8")
    )


def _tabs(page: str) -> list[tuple[str, str]]:
    """(href, label) of the top menu (Material's tabs), in order."""
    return [
        (href, " ".join(label.split()))
        for href, label in re.findall(r'<a href="([^"]*)" class="md-tabs__link[^"]*">\s*(.*?)\s*</a>', page, re.S)
    ]


def _h1(page: str) -> str:
    m = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert m is not None
    return re.sub(r"<[^>]+>", "", m.group(1)).strip()


def test_menu_titles_and_headings_are_distinct(built_tiny_site):  # noqa: F811
    tabs = _tabs(_html(built_tiny_site, ""))
    labels = [label for _href, label in tabs]
    assert len(labels) >= len(SECTION_PAGES)
    assert len(set(labels)) == len(labels), labels
    # every section page in the menu; each menu page's own heading differs from the others'
    hrefs = [href for href, _l in tabs]
    headings = {href: _h1(_html(built_tiny_site, href if href != "." else "")) for href in hrefs}
    assert len(set(headings.values())) == len(headings), headings
    # the report list and the compliance dashboard: names and headings apart
    assert ("reports/", "履职报告") in tabs and ("coverage/", "报告进度") in tabs
    assert headings["reports/"] == "代表履职报告"
    assert headings["coverage/"] == "各级代表报告履职进度"


def test_staff_guide_is_in_the_footer_not_the_menu(built_tiny_site):  # noqa: F811
    assert NOT_IN_MENU == ("guide/index.md",)
    for url, up in (("", ""), ("deputies/d01/", "../../"), ("reports/", "../")):
        page = _html(built_tiny_site, url)
        assert all("guide" not in href and label != "工作人员指南" for href, label in _tabs(page))
        footer = page[page.index('<footer class="md-footer">') :]
        assert f'<a href="{up}guide/">工作人员指南</a>' in footer
        # nor in the drawer (the phone menu) or anywhere above the footer
        above = page[page.index("<body") : page.index('<footer class="md-footer">')]
        assert "工作人员指南" not in above and 'guide/"' not in above
    assert _h1(_html(built_tiny_site, "guide/")) == "工作人员指南"


def test_about_page_links_the_methodology_page_by_its_name(built_tiny_site):  # noqa: F811
    page = _html(built_tiny_site, "about/")
    article = page[page.index("<article") : page.index("</article>")]
    assert '<a href="../methodology/">方法说明</a>' in article
    assert "统计口径说明" not in article
    assert _h1(_html(built_tiny_site, "methodology/")) == "方法说明"


def test_404_page_is_chinese_with_search_and_a_link_home(built_tiny_site):  # noqa: F811
    page = (built_tiny_site / "404.html").read_text(encoding="utf-8")
    assert '<html lang="zh"' in page
    assert _h1(page) == "页面没有找到"
    assert "<title>页面没有找到 - 人大代表履职公开</title>" in page
    assert "Not found" not in page
    article = page[page.index("<article") : page.index("</article>")]
    form = re.search(r'<form class="ds-search" role="search" action="([^"]+)" method="get">(.*?)</form>', article, re.S)
    assert form is not None and form.group(1) == "/search/"  # absolute: a 404 is served at any depth
    assert re.search(r'<input id="ds-404-q" name="q" type="search"', form.group(2))
    assert '<label for="ds-404-q">' in form.group(2)
    assert re.search(r'<a href="/\.?">返回首页</a>', article)


@pytest.mark.browser
def test_404_search_box_leads_to_results(browser, built_tiny_site):  # noqa: F811
    base = serve(built_tiny_site)
    page, log = open_page(browser, base + "404.html")
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.fill("#ds-404-q", "王明华")
        page.click("article form.ds-search button[type=submit]")
        page.wait_for_url("**/search/?q=*")
        page.wait_for_selector("[data-search-results] li")
        assert "王明华" in page.inner_text("[data-search-results]")
        page.goto(base + "404.html")
        page.click("text=返回首页")
        assert page.url == base
    finally:
        page.context.close()
    assert log.errors == []


def test_locality_comes_from_the_one_setting(tmp_path):
    """Change rules.yaml `locality` in a copy of the tiny package: the new name shows on the
    home page, the rules page, the data dictionary and the feed, and the old one nowhere."""
    pkg = tmp_path / "pkg"
    shutil.copytree(TINY, pkg)
    rules = pkg / "rules.yaml"
    old = re.search(r"^locality: (.*)$", rules.read_text(encoding="utf-8"), re.M).group(1).strip()
    new = "青石县（样例）"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace(f"locality: {old}", f"locality: {new}"), encoding="utf-8"
    )
    site = build_site(pkg, tmp_path / "site")
    assert f'<small class="ds-sub">{new}</small>' in _html(site, "")
    assert f"本规则适用于{new}" in _html(site, "methodology/")
    assert new in _html(site, "data-dictionary/")
    assert f"<name>{new}</name>" in (site / "feed.xml").read_text(encoding="utf-8")
    stale = [
        str(p.relative_to(site))
        for p in site.rglob("*")
        if p.suffix in (".html", ".xml", ".json", ".csv", ".yaml", ".md") and old in p.read_text(encoding="utf-8")
    ]
    assert stale == []
