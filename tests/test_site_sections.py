"""Section pages (groups, stations, suggestions, coverage, methodology, open data page) and
the open-data and feed outputs, checked against the tiny fixture (tests/fixtures/tiny, whose
README lists every mandate's status as of 2026-11-20).

Golden files (tests/golden/sections/*.html) hold generated page bodies. A missing or different
one fails; UPDATE_GOLDEN=1 writes it (and still fails that run) after a deliberate change: review
the diff, then run again.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import html
import io
import json
import os
import re
import shutil
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from generator import charts
from generator.model import Activity, Attendance, GroupMember, Suggestion, load_dataset
from generator.options import Options
from generator.outputs import deputy_feeds, feed, open_data
from generator.pages import SiteContext, coverage, groups, methodology, opendata, stations, suggestions
from generator.pipeline.run import command

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"
GOLDEN = ROOT / "tests" / "golden" / "sections"
AS_OF = dt.date(2026, 11, 20)
PRIVATE_MARKERS = (b"XPRIV-ID-", b"XPRIV-PHONE-", b"XPRIV-ADDR-")
MODULES = (groups, stations, suggestions, coverage, methodology, opendata)


def make_site(data: Path = TINY, as_of: dt.date = AS_OF) -> SiteContext:
    """The site context as the pipeline hands it to the pages: with the open data staged."""
    site = SiteContext(load_dataset(data), as_of)
    with tempfile.TemporaryDirectory() as work:
        site.open_data = open_data.stage(site.ds.package, Path(data), as_of, Path(work) / "data")
    return site


def stage(site: SiteContext, out: Path) -> list[str]:
    """The open-data files as the pipeline publishes them under out/data/."""
    files = open_data.stage(site.ds.package, Path(site.ds.root), site.as_of, out / "data")
    return sorted(f"data/{k}" for k in files)


@pytest.fixture(scope="module")
def site() -> SiteContext:
    return make_site()


@pytest.fixture(scope="module")
def docs(site) -> dict:
    out = {}
    for mod in MODULES:
        for d in mod.pages(site):
            assert d.path not in out, d.path
            out[d.path] = d
    return out


def visible(fragment: str) -> str:
    """Text a reader sees (tags dropped, entities decoded, whitespace collapsed)."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def section(page_html: str, anchor: str) -> str:
    """The part of a body from the heading with id=anchor to the next h2."""
    m = re.search(rf'<h[23] id="{anchor}">(.*?)(?=<h2 |\Z)', page_html, re.S)
    assert m, anchor
    return m.group(1)


def check_golden(name: str, text: str) -> None:
    """`text` must equal tests/golden/sections/`name`. A missing golden file is a failure, never
    written silently. With UPDATE_GOLDEN=1 a missing or different file is (re)written and the test
    still fails, so the new file is reviewed (git diff) and the next run, without it, passes."""
    path = GOLDEN / name
    rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    old = path.read_text(encoding="utf-8") if path.exists() else None
    if old == text:
        return
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        pytest.fail(
            f"{rel} {'written' if old is None else 'updated'} (UPDATE_GOLDEN=1): review it with "
            f"`git diff -- {rel}` (a new file: `git status`), then run again without UPDATE_GOLDEN",
            pytrace=False,
        )
    if old is None:
        pytest.fail(
            f"golden file {rel} is missing. If the page is right, create it deliberately: "
            f"UPDATE_GOLDEN=1 .venv/bin/python -m pytest {Path(__file__).relative_to(ROOT)}, "
            "then review and commit it",
            pytrace=False,
        )
    assert text == old, f"{name} differs from its golden file {rel} (after a deliberate change: UPDATE_GOLDEN=1)"


def test_a_missing_golden_file_fails_and_is_written_only_on_request(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "GOLDEN", tmp_path)
    monkeypatch.delenv("UPDATE_GOLDEN", raising=False)
    with pytest.raises(pytest.fail.Exception, match="missing.*UPDATE_GOLDEN=1"):
        check_golden("new.html", "<p>x</p>")
    assert not (tmp_path / "new.html").exists()
    monkeypatch.setenv("UPDATE_GOLDEN", "1")
    with pytest.raises(pytest.fail.Exception, match="written"):  # the writing run fails too
        check_golden("new.html", "<p>x</p>")
    assert (tmp_path / "new.html").read_text(encoding="utf-8") == "<p>x</p>"
    check_golden("new.html", "<p>x</p>")  # unchanged: passes, even with UPDATE_GOLDEN=1
    monkeypatch.delenv("UPDATE_GOLDEN")
    check_golden("new.html", "<p>x</p>")
    with pytest.raises(AssertionError, match="differs"):
        check_golden("new.html", "<p>y</p>")
    assert (tmp_path / "new.html").read_text(encoding="utf-8") == "<p>x</p>"


# -- page set -------------------------------------------------------------------------------


def test_page_paths_and_templates(docs):
    assert sorted(docs) == [
        "coverage/congress/cn14.md",
        "coverage/congress/ct18.md",
        "coverage/congress/cy09.md",
        "coverage/congress/tw08.md",
        "coverage/index.md",
        "coverage/level/city.md",
        "coverage/level/county.md",
        "coverage/level/national.md",
        "coverage/level/township.md",
        "data/index.md",
        "groups/g01.md",
        "groups/g02.md",
        "groups/index.md",
        "methodology/index.md",
        "stations/index.md",
        "stations/s01.md",
        "stations/s02.md",
        "suggestions/index.md",
        "suggestions/list/2025/all.md",
        "suggestions/list/2025/in_progress.md",
        "suggestions/list/2025/resolved.md",
        "suggestions/list/2026/all.md",
        "suggestions/list/2026/explained.md",
        "suggestions/list/2026/planned.md",
        "suggestions/list/2026/submitted.md",
        "suggestions/sg01.md",
        "suggestions/sg02.md",
        "suggestions/sg03.md",
        "suggestions/sg04.md",
        "suggestions/sg05.md",
    ]
    templates = {p: d.template for p, d in docs.items()}
    assert templates["groups/g01.md"] == "group.html"
    assert templates["stations/s01.md"] == "station.html"
    assert templates["suggestions/sg01.md"] == "suggestion.html"
    assert templates["coverage/index.md"] == "coverage.html"
    assert templates["methodology/index.md"] == "listing.html"
    for d in docs.values():
        assert (ROOT / "theme" / d.template).is_file(), d.template
        assert d.html.count("<h1>") == 1, d.path
        assert len(d.html.encode()) < 100 * 1024, d.path


def test_search_entries(docs):
    g = docs["groups/g01.md"].search
    assert (g.kind, g.title) == ("group", "城关五级人大代表联合小组")
    assert "加装电梯" in g.text and "虚构县 / 城关社区" in g.places
    s = docs["stations/s01.md"].search
    assert (s.kind, s.title, s.places) == (
        "station",
        "甲镇人大代表联络站",
        ("虚构县 / 甲镇", "甲镇人大代表联络站", "甲镇人民政府一楼"),
    )
    sg = docs["suggestions/sg01.md"].search
    assert (sg.kind, sg.person, sg.date) == ("suggestion", "刘芳", "2025-01-10")
    for d in docs.values():
        if d.search:
            for v in (d.search.title, d.search.text, d.search.person, *d.search.places):
                assert "<" not in v, d.path


# -- groups ---------------------------------------------------------------------------------


def test_group_page_facts(docs):
    page = docs["groups/g01.md"].html
    roles = visible(section(page, "roles"))
    assert roles == "组长、副组长和联系人 组长 王明华 副组长 张建国 联系的主任会议成员 刘芳"
    assert '<a href="../../deputies/d01/">王明华</a>' in page
    comp = visible(section(page, "composition"))
    assert "共 6 人（n = 6）" in comp
    assert "全国 1 市 1 县 4 合计 6" in comp
    assert "新任代表 5 连任代表 1 合计 6" in comp
    assert "职务代表 2 基层代表 4 合计 6" in comp
    plans = visible(section(page, "plans"))
    assert (
        plans
        == "年度计划与活动主题 2026年 ： 加装电梯 养老服务 2025年 ： 乡村振兴 医保基金监督 全年组织不少于四次活动。"
    )
    acts = visible(section(page, "activities"))
    assert "2025年 8 2 2 0 12" in acts and "2026年 4 0 0 2 6" in acts
    assert "出席 4 人 · 请假 1 人 · 缺席 1 人（当日成员 6 人）" in acts
    assert "出席：刘芳、王明华、赵磊、陈志强 请假：李秀英 缺席：张建国" in acts
    assert "未记录 2 人（当日成员 6 人）" in acts
    members = visible(section(page, "members"))
    rows = re.findall(r"<tr>\s*<td>(.*?)</tr>", section(page, "members"), re.S)
    assert [visible(r) for r in rows] == [
        "王明华 组长 全国、市 2022-03-01 至 今 3 / 3 100%",
        "张建国 副组长 县 2022-03-01 至 今 2 / 3 67%",
        "刘芳 联系的主任会议成员 县 2022-03-01 至 今 2 / 3（请假 1） 67%",
        "李秀英 成员 市 2022-03-01 至 今 1 / 3（请假 1） 33% 低于60%",
        "赵磊 成员 县、乡镇 2022-03-01 至 今 1 / 3 33% 低于60%",
        "陈志强 成员 县 2022-03-01 至 今 3 / 3 100%",
        "杨丽 成员 无在任代表资格 2022-03-01 至 2023-06-30 0 / 0 不计算",
    ]
    assert "已离开的成员（1 人）" in members


def test_group_with_few_activities_shows_no_rate(docs):
    page = docs["groups/g02.md"].html
    rows = [visible(r) for r in re.findall(r"<tr>\s*<td>(.*?)</tr>", section(page, "members"), re.S)]
    assert rows == [
        "周伟 组长 乡镇 2025-03-01 至 今 1 / 1 不计算",
        "吴娜 副组长 乡镇 2025-03-01 至 今 0 / 1（请假 1） 不计算",
        "赵磊 联系的主任会议成员 县、乡镇 2025-03-01 至 今 1 / 1 不计算",
    ]


def test_group_index(docs):
    page = visible(docs["groups/index.md"].html)
    assert "共 2 个代表小组" in page
    assert "五级人大代表联合小组（2 个）" in page
    assert "城关五级人大代表联合小组 虚构县第十八届人民代表大会 虚构县 / 城关社区 王明华 6 3" in page
    assert "甲镇五级人大代表联合小组 虚构县第十八届人民代表大会 虚构县 / 甲镇 周伟 3 1" in page


def test_group_page_golden(docs):
    check_golden("group_g01.html", docs["groups/g01.md"].html)


# -- stations -------------------------------------------------------------------------------


def test_station_page_facts(docs):
    page = docs["stations/s01.md"].html
    assert '<dt>办公电话</dt><dd><a href="tel:07301234567">0730-1234567</a></dd>' in page
    facts = visible(page.split('<h2 id="deputies">')[0])
    assert (
        "地址 甲镇人民政府一楼 开放时间 每周三 9:00-12:00 办公电话 0730-1234567 所在区域 虚构县 / 甲镇 设立日期 2021年6月1日"
        in facts
    )
    deps = visible(section(page, "deputies"))
    assert "共 5 名代表" in deps
    assert "县人大代表（2 人） 张建国 、 赵磊 乡镇人大代表（3 人） 吴娜 、 周伟 、 黄静" in deps
    recv = visible(section(page, "reception"))
    assert "2026年 1 1 35" in recv
    acts = visible(section(page, "activities"))
    assert "出席 2 人 · 请假 0 人 · 缺席 1 人 · 接待群众 35 人次" in acts
    s2 = visible(docs["stations/s02.md"].html)
    assert "曾在本站： 杨丽 （至 2023-06-30）" in s2


def test_station_index(docs):
    page = visible(docs["stations/index.md"].html)
    assert "共 2 个代表联络站" in page
    assert (
        "虚构县 / 甲镇 名称 地址 开放时间 办公电话 进站代表 甲镇人大代表联络站 甲镇人民政府一楼 每周三 9:00-12:00 0730-1234567 5"
        in page
    )
    assert "虚构县 名称" in page  # the community station is listed under the county


# -- suggestions ----------------------------------------------------------------------------


def test_suggestion_page_facts(docs):
    page = visible(docs["suggestions/sg01.md"].html)
    assert (
        "类型 建议 领衔代表 刘芳 联名代表 张建国 、 陈志强 （2 人） 提交的代表大会 虚构县第十八届人民代表大会 "
        "提出日期 2025年1月10日 主题 加装电梯 承办单位 县住建局 办理状态 已解决 答复日期 2025年6月30日 "
        "满意度 满意（领衔代表对办理情况的测评） 评选 提得好、督得好"
    ) in page
    assert "承办单位答复 已出台简化审批办法。" in page
    assert "内容摘要 建议简化审批流程。" in page
    sg03 = visible(docs["suggestions/sg03.md"].html)
    assert "类型 议案" in sg03 and "办理状态 已提交" in sg03 and "尚未答复" in sg03


def test_suggestion_index_counts(docs):
    page = docs["suggestions/index.md"].html
    assert "共 5 件议案和建议：已提交 1 件，办理中 1 件，列入计划 1 件，已解决 1 件，留作参考 1 件。" in visible(page)
    table = re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1)
    assert [visible(r) for r in re.findall(r"<tr>(.*?)</tr>", table, re.S)] == [
        "2026年 1 0 1 0 1 1 2 1 3",
        "2025年 0 1 0 1 0 0 2 1 2",
    ]
    assert '<a href="list/2026/submitted/">1</a>' in page


def test_suggestion_lists_are_paginated():
    site = make_site()
    ds = site.ds
    for i in range(450):
        ds.suggestions.append(
            Suggestion(
                id=f"x{i:04d}",
                kind="suggestion",
                title=f"建议{i}",
                lead_deputy_id="d01",
                congress_id="ct18",
                date=dt.date(2024, 1, 1) + dt.timedelta(days=i % 300),
                topic="测试",
                status="resolved",
            )
        )
    ds.index()
    pages = {d.path: d for d in suggestions.index_pages(site)}
    # LIST_PAGE_ROWS (100) a page: 450 rows make 5 pages, the last with 50
    parts = ["", "/2", "/3", "/4", "/5"]
    assert sorted(p for p in pages if p.startswith("suggestions/list/2024/")) == sorted(
        [f"suggestions/list/2024/all{x}.md" for x in parts] + [f"suggestions/list/2024/resolved{x}.md" for x in parts]
    )
    rows = [len(re.findall(r"<tr[^>]*><td>", pages[f"suggestions/list/2024/all{x}.md"].html)) for x in parts]
    assert rows == [100, 100, 100, 100, 50]
    assert '<a href="../">1</a>' in pages["suggestions/list/2024/all/2.md"].html
    # the whole year's list can be filtered over its three pages: one facet file, every row once
    page2 = pages["suggestions/list/2024/all/2.md"].html
    assert 'data-facets="../../../../../filters/suggestions/list/2024/all.json"' in page2
    assert "data-facets" not in pages["suggestions/list/2024/resolved.md"].html  # a status list has no filters
    files = dict(suggestions.facet_files(site))
    assert list(files) == ["suggestions/list/2024/all/"]
    f = files["suggestions/list/2024/all/"]
    assert (f["pages"], f["keys"], f["unit"]) == (5, ["status", "topic", "township"], "件")
    year = sorted((s for s in ds.suggestions if s.date.year == 2024), key=lambda s: (-s.date.toordinal(), s.id))
    assert [r[0][2] for r in f["rows"]] == [[[s.title, f"suggestions/{s.id}/"]] for s in year]
    # d01 has no township mandate in ct18: no township; one topic, so t0
    assert {tuple(r[1]) for r in f["rows"]} == {("resolved", "t0", "")}
    # the file draws a row as the page does: page 1's cells, in order (no column added or lost)
    built = [
        [re.sub(r"\s+", "", visible(c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(<td.*?)</tr>", pages["suggestions/list/2024/all.md"].html, re.S)
    ]
    drawn = [
        [
            re.sub(r"\s+", "", c if isinstance(c, str) else "".join(p if isinstance(p, str) else p[0] for p in c))
            for c in r[0]
        ]
        for r in f["rows"][:100]  # page 1: LIST_PAGE_ROWS rows
    ]
    assert drawn == built
    for d in pages.values():
        assert len(d.html.encode()) < 70_000, d.path


def test_a_list_with_too_many_stations_drops_that_choice(monkeypatch):
    """A list whose stations or groups would outgrow the form (more than MAX_AREA_OPTIONS)
    offers neither and says where to look instead; with room, every choice of the list shows."""
    from generator.pages import deputies

    site = make_site()
    county = {d.path: d.html for d in deputies.pages(site)}["deputies/levels/county.md"]
    assert '<select data-filter="station">' in county and "联络站、代表小组太多" not in county
    monkeypatch.setattr(deputies, "MAX_AREA_OPTIONS", 1)  # tiny's county list has 2 stations and 2 groups
    county = {d.path: d.html for d in deputies.pages(make_site())}["deputies/levels/county.md"]
    assert 'data-filter="station"' not in county and 'data-filter="group"' not in county
    assert '<select data-filter="area">' in county
    assert "联络站、代表小组太多，未列入筛选：请到各联络站、代表小组的页面查看其代表。" in county
    # and so the townships (a province's city-level list spans some 600 of them)
    from generator.pages import facets

    monkeypatch.setattr(facets, "MAX_TOWNSHIP_OPTIONS", 0)
    county = {d.path: d.html for d in deputies.pages(make_site())}["deputies/levels/county.md"]
    assert 'data-filter="area"' not in county and '<select data-filter="level">' in county
    assert "区域、联络站、代表小组太多，未列入筛选：请到各区域、联络站、代表小组的页面查看其代表。" in county


# -- coverage -------------------------------------------------------------------------------


def test_coverage_by_level_matches_fixture_statuses(docs):
    page = docs["coverage/index.md"].html
    table = re.search(r"<caption>各层级、届内年度的报告状态（人）</caption>.*?<tbody>(.*?)</tbody>", page, re.S).group(
        1
    )
    assert [visible(r) for r in re.findall(r"<tr>(.*?)</tr>", table, re.S)] == [
        "全国 4 1 1 本级无报告要求 不适用",
        "市 5 1 2 1 0 1 0 0 不适用",
        "县 5 1 5 3 0 1 0 1 40%（2/5）",
        "乡镇 2 1 4 0 1 1 2 0 0%（0/4）",
    ]
    assert 'role="img"' in page and '<title id="coverage-by-level-t">各层级代表报告履职情况</title>' in page
    pending = visible(section(page, "pending"))
    assert (
        "逾期未报告（3 人） 虚构市第九届人民代表大会 （1 人） 李秀英 虚构县第十八届人民代表大会 （1 人） 赵磊 甲镇第八届人民代表大会 （1 人） 赵磊"
        in pending
    )
    assert "本年度应报告（1 人） 甲镇第八届人民代表大会 （1 人） 黄静" in pending
    congresses = visible(section(page, "congresses"))
    assert "虚构县第十八届人民代表大会 5 5 3 0 1 0 1 40%（2/5） 已达到30%" in congresses
    assert "甲镇第八届人民代表大会 2 4 0 1 1 2 0 0%（0/4） 目前未达到30%" in congresses


def test_coverage_congress_page_lists_names(docs):
    page = docs["coverage/congress/ct18.md"].html
    assert visible(section(page, "reported")) == "已报告 刘芳 、 张建国 、 陈志强 （3 人）"
    assert visible(section(page, "overdue")) == "逾期未报告 赵磊 （1 人）"
    assert visible(section(page, "ended")) == "资格已终止 杨丽 （1 人）"
    assert visible(section(page, "due")) == "本年度应报告 无。"
    kinds = [visible(r) for r in re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", section(page, "status"), re.S)]
    assert kinds == [
        "连任代表 第1年 1 1 0 0 0 0",
        "职务代表 第2年 1 1 0 0 0 0",
        "其他代表 第3年、第4年 3 1 0 1 0 1",
        "合计 5 3 0 1 0 1",
    ]
    years = [visible(r) for r in re.findall(r"<tr><th scope=\"row\">(第.*?)</tr>", section(page, "by-year"), re.S)]
    assert years == ["第1年 1 0 0 1", "第2年 0 0 1 1", "第3年 1 0 0 1"]
    national = visible(docs["coverage/congress/cn14.md"].html)
    assert "没有向原选区或原选举单位报告履职情况的要求" in national


def test_large_congress_moves_names_to_pages():
    site = make_site()
    ds = site.ds
    base = ds.mandate["m08"]
    for i in range(3000):
        d = copy.copy(ds.deputy["d07"])
        d.id, d.name = f"z{i:05d}", f"代表{i:05d}"
        ds.deputies.append(d)
        m = copy.copy(base)
        m.id, m.deputy_id = f"zm{i:05d}", d.id
        ds.mandates.append(m)
    ds.index()
    site = SiteContext(ds, AS_OF)
    fig = coverage.congress_figures(site, ds.congress["ct18"])
    pages = {d.path: d for d in coverage.congress_pages(site, fig)}
    assert sorted(pages) == [
        "coverage/congress/ct18.md",
        "coverage/congress/ct18/ended.md",
        "coverage/congress/ct18/overdue.md",
        "coverage/congress/ct18/overdue/2.md",
        "coverage/congress/ct18/overdue/3.md",
        "coverage/congress/ct18/overdue/4.md",
        "coverage/congress/ct18/reported.md",
    ]
    assert '<a href="overdue/">查看名单</a>' in pages["coverage/congress/ct18.md"].html
    for d in pages.values():
        assert len(d.html.encode()) < 70_000, d.path


# -- methodology ----------------------------------------------------------------------------


def test_methodology_anchors_and_rules(docs):
    page = docs["methodology/index.md"].html
    for anchor in methodology.ANCHORS:
        assert f'id="{anchor}"' in page, anchor
    text = visible(page)
    assert "连任代表 第1年 职务代表 第2年 其他代表 第3年或第4年" in text
    assert "县人大代表 原选区选民 会议报告（选民会议）或书面报告 10月、11月、12月" in text
    assert "至少 30% 的代表" in text
    assert "活动少于 3 次时只显示次数" in text and "出席率低于 60% 的会标出" in text
    assert "走访选民人次、接待群众人次、收集意见建议条数、督促解决问题个数" in text


def test_methodology_follows_rules_file(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    rules = (data / "rules.yaml").read_text(encoding="utf-8")
    rules = (
        rules.replace("other: [3, 4]", "other: [3]")
        .replace("minimum: 0.30", "minimum: 0.25")
        .replace("minimum_activities: 3", "minimum_activities: 5")
    )
    (data / "rules.yaml").write_text(rules, encoding="utf-8")
    page = visible(next(iter(methodology.pages(make_site(data)))).html)
    assert "其他代表 第3年 " in page
    assert "至少 25% 的代表" in page
    assert "活动少于 5 次时只显示次数" in page


def test_methodology_golden(docs):
    check_golden("methodology.html", docs["methodology/index.md"].html)


# -- escaping -------------------------------------------------------------------------------

EVIL = '<script>alert("x")</script>'


def test_every_user_text_is_escaped(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(TINY, data)

    def poison(name: str, column: str) -> None:
        path = data / name
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        fields = list(rows[0].keys())
        for r in rows:
            if r.get(column):
                r[column] = r[column] + EVIL
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=fields)
            w.writeheader()
            w.writerows(rows)

    for name, column in [
        ("deputies.csv", "name"),
        ("groups.csv", "name"),
        ("areas.csv", "name"),
        ("congresses.csv", "name"),
        ("stations.csv", "name"),
        ("stations.csv", "address"),
        ("stations.csv", "opening_hours"),
        ("plans.csv", "themes"),
        ("plans.csv", "summary"),
        ("activities.csv", "title"),
        ("activities.csv", "summary"),
        ("activities.csv", "location"),
        ("suggestions.csv", "title"),
        ("suggestions.csv", "topic"),
        ("suggestions.csv", "body"),
        ("suggestions.csv", "handling_unit"),
        ("suggestions.csv", "response"),
    ]:
        poison(name, column)
    site = make_site(data)
    seen = 0
    for mod in MODULES:
        for d in mod.pages(site):
            assert "<script" not in d.html, d.path
            seen += d.html.count("&lt;script&gt;")
    assert seen > 50
    g = next(d for d in groups.pages(site) if d.path == "groups/g01.md")
    assert "王明华&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in g.html
    # the SVG title and desc carry the group name escaped
    assert '<title id="g-g01-levels-t">城关五级人大代表联合小组&lt;script&gt;' in g.html
    # the feed carries the name as text
    xml = feed.feed_bytes(site)
    assert b"<script" not in xml
    titles = [
        e.findtext("{http://www.w3.org/2005/Atom}title")
        for e in ET.fromstring(xml).iter("{http://www.w3.org/2005/Atom}entry")
    ]
    assert titles[0].startswith("陈志强" + EVIL + "代表报告履职情况")


# -- charts ---------------------------------------------------------------------------------


def test_charts_are_accessible_and_deterministic():
    a = charts.stacked_bar_chart("c", "标题<&>", "说明", ["甲", "乙"], [("一", [3, 1]), ("二", [0, 0])])
    assert a == charts.stacked_bar_chart("c", "标题<&>", "说明", ["甲", "乙"], [("一", [3, 1]), ("二", [0, 0])])
    root = ET.fromstring(a)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c-t c-d"
    assert root.find(f"{ns}title").text == "标题<&>"
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert texts == ["甲", "乙", "一", "3", "1", "n=4", "二", "n=0"]
    assert len(root.find(f"{ns}defs")) == 2  # one fill pattern per series
    b = ET.fromstring(charts.bar_chart("b", "t", "d", [("2025年", 12), ("2026年", 0)], "人次"))
    assert [t.text for t in b.iter(f"{ns}text")] == ["2025年", "12人次", "2026年", "0人次"]


# -- page size at scale ---------------------------------------------------------------------


def test_big_group_splits_activities_by_year():
    site = make_site()
    ds = site.ds
    for i in range(120):
        d = copy.copy(ds.deputy["d05"])
        d.id, d.name = f"y{i:04d}", f"成员{i:04d}"
        ds.deputies.append(d)
        ds.group_members.append(GroupMember("g01", d.id, "member", dt.date(2022, 3, 1)))
    for j in range(90):
        a = Activity(
            id=f"ya{j:03d}",
            date=dt.date(2022, 4, 1) + dt.timedelta(days=12 * j),
            kind="study",
            title=f"学习{j}",
            group_id="g01",
        )
        ds.activities.append(a)
        for i in range(120):
            ds.attendance.append(Attendance(a.id, f"y{i:04d}", ("present", "excused", "absent")[(i + j) % 3]))
    ds.index()
    site = SiteContext(ds, AS_OF)
    pages = {d.path: d for d in groups.group_page(site, ds.group["g01"])}
    assert "groups/g01.md" in pages and "groups/g01/activities/2023.md" in pages
    for d in pages.values():
        assert len(d.html.encode()) < 100 * 1024 - 30 * 1024, (d.path, len(d.html.encode()))


# -- open data ------------------------------------------------------------------------------


def _all_bytes(root: Path) -> dict[str, bytes]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            out[str(p.relative_to(root))] = p.read_bytes()
    return out


def test_open_data_is_deterministic_and_public_only(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    written = stage(make_site(), a)
    stage(make_site(), b)
    assert _all_bytes(a) == _all_bytes(b)
    assert written == sorted(written) and "data/datapackage.zip" in written and "data/deputies.csv" in written
    files = _all_bytes(a / "data")
    with zipfile.ZipFile(io.BytesIO(files["datapackage.zip"])) as zf:
        names = zf.namelist()
        assert names == sorted(n for n in files if n != "datapackage.zip")
        for info in zf.infolist():
            assert info.date_time == (2026, 11, 20, 0, 0, 0)
        unzipped = {n: zf.read(n) for n in names}
    assert unzipped == {n: v for n, v in files.items() if n != "datapackage.zip"}
    everything = b"".join(files.values()) + b"".join(unzipped.values())
    for marker in PRIVATE_MARKERS:
        assert marker not in everything
    descriptor = json.loads(files["datapackage.json"])
    private_names = {"id_card_number", "personal_phone", "home_address"}
    for res in descriptor["resources"]:
        names = {f["name"] for f in res["schema"]["fields"]}
        assert not names & private_names
        assert not any("private" in f for f in res["schema"]["fields"])
        header = next(csv.reader(io.StringIO(files[res["path"]].decode("utf-8-sig"))))
        assert header == [f["name"] for f in res["schema"]["fields"]]
    for name in private_names:
        assert name.encode() not in files["datapackage.json"]
    # drafts and their bodies are not published
    reports = list(csv.DictReader(io.StringIO(files["reports.csv"].decode("utf-8-sig"))))
    assert [r["id"] for r in reports] == ["r01", "r02", "r03", "r04"]
    assert sorted(n for n in files if n.startswith("reports/")) == [
        "reports/r01.md",
        "reports/r02.md",
        "reports/r03.md",
        "reports/r04.md",
    ]
    assert descriptor["x-as-of"] == "2026-11-20"
    assert files["datapackage.json"].decode("utf-8").count("虚构") > 0  # ensure_ascii=False
    res = {r["name"]: r for r in descriptor["resources"]}
    assert res["deputies"]["x-rows"] == 10 and res["deputies"]["bytes"] == len(files["deputies.csv"])


def test_open_data_csv_is_valid_with_awkward_values(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    path = data / "suggestions.csv"
    text = path.read_text(encoding="utf-8").replace("建议简化审批流程。", '"建议，""简化""\n审批<b>流程</b>。"')
    path.write_text(text, encoding="utf-8")
    stage(make_site(data), tmp_path / "site")
    text = (tmp_path / "site" / "data" / "suggestions.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert rows[0]["body"] == '建议，"简化"\n审批<b>流程</b>。'


def test_open_data_page_lists_downloads_with_sizes(docs, site):
    page = docs["data/index.md"].html
    files = site.open_data
    assert (
        f'<a href="datapackage.zip" download>完整数据包（zip）</a>，{opendata.human_size(files["datapackage.zip"].size)}'
        in page
    )
    assert (
        '<td data-label="文件"><a href="deputies.csv">deputies.csv</a></td><td class="sec-num" data-label="行数">10</td>'
        in page
    )
    assert "Creative Commons Attribution 4.0" in page
    assert "身份证号" in visible(page)  # named as withheld, never a value
    assert "4 份已发布报告的正文" in visible(page)


# -- feed -----------------------------------------------------------------------------------


def test_feed_is_valid_atom(tmp_path, site):
    # the site-wide feed, and one per deputy beside the deputy's page (issue 14)
    assert feed.write(site, [], tmp_path) == ["feed.xml"]
    assert deputy_feeds.write(site, [], tmp_path) == sorted(f"deputies/{d.id}/feed.xml" for d in site.ds.deputies)
    raw = (tmp_path / "feed.xml").read_bytes()
    assert raw == feed.feed_bytes(make_site())
    a = "{http://www.w3.org/2005/Atom}"
    root = ET.fromstring(raw)
    assert root.tag == f"{a}feed"
    assert root.findtext(f"{a}updated") == "2024-10-25T00:00:00+08:00"
    entries = root.findall(f"{a}entry")
    assert [e.find(f"{a}link").get("href") for e in entries] == [
        "reports/r04/",
        "reports/r03/",
        "reports/r02/",
        "reports/r01/",
    ]
    ids = [e.findtext(f"{a}id") for e in entries]
    assert len(set(ids)) == 4 and all(i.startswith("urn:uuid:") for i in ids)
    assert (
        entries[0].findtext(f"{a}title")
        == "陈志强代表报告履职情况（虚构县第十八届人民代表大会）：2024年10月25日，选民会议报告"
    )
    assert entries[0].findtext(f"{a}author/{a}name") == "陈志强"
    for e in entries:
        assert e.find(f"{a}summary").get("type") == "text"
        assert "<" not in e.findtext(f"{a}summary")
    assert b"r05" not in raw  # the draft


# -- built site -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sections") / "site"
    assert command(Options(data_dir=TINY, out=out, as_of=AS_OF)) == 0
    return out


SECTION_DIRS = ("groups", "stations", "suggestions", "coverage", "methodology", "data")


def test_built_site_has_section_pages_and_outputs(built):
    for url in (
        "groups/",
        "groups/g01/",
        "stations/s01/",
        "suggestions/sg01/",
        "suggestions/list/2025/all/",
        "coverage/",
        "coverage/congress/ct18/",
        "methodology/",
        "data/",
    ):
        page = (built / url / "index.html").read_text(encoding="utf-8")
        assert '<link rel="alternate feed" type="application/atom+xml"' in page, url
        assert "assets/css/sections.css" in page, url
        assert 'class="sec-page' in page, url
    for f in ("feed.xml", "data/datapackage.json", "data/datapackage.zip", "data/deputies.csv", "data/reports/r01.md"):
        assert (built / f).is_file(), f
    assert not (built / "data" / "reports" / "r05.md").exists()
    # sizes on the open-data page are those of the files written
    page = (built / "data" / "index.html").read_text(encoding="utf-8")
    for name in ("datapackage.zip", "datapackage.json", "popolo.json", "deputies.csv"):
        assert opendata.human_size((built / "data" / name).stat().st_size) in page, name
    ET.parse(built / "feed.xml")
    for d in SECTION_DIRS:
        for f in (built / d).rglob("*.html"):
            assert f.stat().st_size < 100 * 1024, f
    everything = b"".join(p.read_bytes() for p in built.rglob("*") if p.is_file() and p.suffix != ".zip")
    for marker in PRIVATE_MARKERS:
        assert marker not in everything


def test_built_section_links_resolve(built):
    href = re.compile(r'(?:href|src)="([^"]+)"')
    broken = []
    for d in SECTION_DIRS:
        for f in sorted((built / d).rglob("*.html")):
            text = f.read_text(encoding="utf-8")
            body = text.split('class="sec-page', 1)[1]  # our body, not the theme around it
            for link in href.findall(body):
                link = html.unescape(link)
                if re.match(r"^[a-z]+:", link):
                    continue
                path, _, frag = link.partition("#")
                target = (f.parent / path).resolve() if path else f
                if target.is_dir():
                    target = target / "index.html"
                if not target.exists():
                    broken.append((str(f.relative_to(built)), link))
                elif frag and target.suffix == ".html" and f'id="{frag}"' not in target.read_text(encoding="utf-8"):
                    broken.append((str(f.relative_to(built)), link))
    assert broken == []


# -- indexes at scale -----------------------------------------------------------------------


def test_many_stations_split_index_by_county():
    site = make_site()
    ds = site.ds
    for i in range(450):
        st = copy.copy(ds.station["s01"])
        st.id, st.name = f"sx{i:04d}", f"联络站{i:04d}"
        ds.stations.append(st)
    ds.index()
    pages = {d.path: d for d in stations.index_pages(site)}
    assert sorted(pages) == [
        "stations/area/a-county.md",
        "stations/area/a-county/2.md",
        "stations/area/a-county/3.md",
        "stations/index.md",
    ]
    assert (
        '<a href="area/a-county/">虚构县</a></td><td class="sec-num" data-label="联络站">452</td>'
        in pages["stations/index.md"].html
    )
    for d in pages.values():
        assert len(d.html.encode()) < 60_000, d.path


def test_many_groups_split_index_by_kind():
    site = make_site()
    ds = site.ds
    for i in range(150):
        g = copy.copy(ds.group["g02"])
        g.id, g.name, g.kind = f"gx{i:04d}", f"小组{i:04d}", "thematic"
        ds.groups.append(g)
    ds.index()
    pages = {d.path: d for d in groups.index_pages(site)}
    assert sorted(pages) == [
        "groups/index.md",
        "groups/kind/five_level_joint.md",
        "groups/kind/thematic.md",
        "groups/kind/thematic/2.md",
    ]
    assert visible(pages["groups/index.md"].html) == (
        "代表小组 共 152 个代表小组。每个小组的页面列出组长、副组长、联系的主任会议成员、成员构成、年度计划、活动和出勤情况。 "
        "五级人大代表联合小组（2 个） 查看全部2个五级人大代表联合小组 专业小组（150 个） 查看全部150个专业小组"
    )


def test_many_congresses_index_counts_per_level():
    site = make_site()
    ds = site.ds
    for i in range(60):
        c = copy.copy(ds.congress["tw08"])
        c.id, c.name = f"twx{i:03d}", f"乡{i:03d}第八届人民代表大会"
        ds.congresses.append(c)
        m = copy.copy(ds.mandate["m09"])
        m.id, m.congress_id = f"mx{i:03d}", c.id
        ds.mandates.append(m)
    ds.index()
    site = SiteContext(ds, AS_OF)
    docs = {d.path: d for d in coverage.pages(site)}
    index = docs["coverage/index.md"].html
    assert "代表大会较多，请按层级查看" in index
    assert (
        visible(section(index, "overdue"))
        == "逾期未报告（63 人） 市人大代表 ：1 人 县人大代表 ：1 人 乡镇人大代表 ：61 人 本年度应报告（1 人） 乡镇人大代表 ：1 人"
    )
    assert sorted(p for p in docs if p.startswith("coverage/level/township")) == ["coverage/level/township.md"]
    assert len(re.findall(r"<tr><td><a ", docs["coverage/level/township.md"].html)) == 61
