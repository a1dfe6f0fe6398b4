"""Find-your-deputy driven as a villager would (issue 14), in headless Chromium at 360×800:
the box on the home page's first screen, places written as people write them (township +
village, without 村/镇, 村委会/居委会, traditional characters, the county's name), every match
listed when a name is ambiguous, the directly elected deputies before the folded indirectly
elected, each with a station's reception hours and a tel: link.

Sites: the tiny fixture plus one village, 城关村 under 甲镇, so that "城关" names two places
(built in a temp dir); and the county demo (data/, built in a temp dir) for the addresses of
the issue. Expected results come from the data (generator.search.finder.build_finder on the
same package), never from the page.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
from pathlib import Path

import opencc
import pytest
from browser_support import ROOT, TINY, assert_clean, browser, build_site, open_page, serve  # noqa: F401

from generator.model import load_dataset
from generator.pages import SiteContext
from generator.search.finder import build_finder

pytestmark = pytest.mark.browser

SCREEN = {"width": 360, "height": 800}
AXE = ROOT / "tests/node_modules/axe-core/axe.min.js"
STATUS = ".ds-finder__status"
EXTRA_VILLAGE = ("a-vil2", "城关村", "village", "a-town")


def _as_of(data: Path) -> dt.date:
    m = re.search(r'^x-data-date:\s*"?(\d{4}-\d\d-\d\d)', (data / "datapackage.yaml").read_text(encoding="utf-8"), re.M)
    return dt.date.fromisoformat(m.group(1))


class Site:
    """A built site and the finder data computed from its package."""

    def __init__(self, data: Path, out: Path):
        build_site(data, out)
        self.out = out
        self.url = serve(out)
        self.index, self.shards = build_finder(SiteContext(load_dataset(data), _as_of(data)))
        self.rows = self.index["areas"]
        self.stations = {r["id"]: r for r in _read(data / "stations.csv")}

    def row(self, name: str, parent: str | None = None) -> int:
        hits = [
            i
            for i, r in enumerate(self.rows)
            if r[0] == name and (parent is None or (r[2] >= 0 and self.rows[r[2]][0] == parent))
        ]
        assert len(hits) == 1, (name, parent, hits)
        return hits[0]

    def place(self, i: int) -> tuple[dict, list]:
        r = self.rows[i]
        shard = self.shards[r[3]]
        return shard, shard["places"][r[4]]

    def expected(self, i: int) -> tuple[list[str], dict[str, int]]:
        """(names of the directly elected covering the whole place, {level label: count} of
        the others), in the data's order."""
        shard, place = self.place(i)
        direct = [shard["deputies"][k]["name"] for k in place[2] if shard["deputies"][k]["direct"]]
        folded: dict[str, int] = {}
        for k in place[2]:
            e = shard["deputies"][k]
            if not e["direct"]:
                folded[e["level_zh"]] = folded.get(e["level_zh"], 0) + 1
        return direct, folded


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Site:
    data = tmp_path_factory.mktemp("finder-tiny") / "data"
    shutil.copytree(TINY, data)
    with open(data / "areas.csv", "a", encoding="utf-8", newline="") as f:
        csv.writer(f).writerow(EXTRA_VILLAGE)
    return Site(data, data.parent / "site")


@pytest.fixture(scope="module")
def demo(tmp_path_factory, county_demo) -> Site:
    # a copy of the session's fresh county demo (never the checkout's data/): the build and the
    # expectations read one and the same package
    data = tmp_path_factory.mktemp("finder-demo") / "data"
    shutil.copytree(county_demo, data, ignore=shutil.ignore_patterns(".*"))
    return Site(data, data.parent / "site")


def _ask(page, q: str) -> str:
    page.locator("#ds-finder-q").fill(q)
    page.locator("#ds-finder-q").press("Enter")
    page.wait_for_function(
        "s => { const t = document.querySelector(s).textContent; return t && !t.startsWith('正在'); }", arg=STATUS
    )
    return page.locator(STATUS).inner_text()


def _shown(page) -> tuple[str, list[str], dict[str, int]]:
    """(place heading, direct names in order, {level label: count} of the folded groups)."""
    heading = page.locator(".ds-finder__result h3").first.inner_text()
    direct = page.locator(
        ".ds-finder__direct > .ds-finder__list > .ds-finder__dep .ds-finder__who > a"
    ).all_inner_texts()
    folded = {}
    for d in page.locator(".ds-finder__result > details.ds-finder__fold").all():
        summary = d.locator("summary").inner_text()
        m = re.match(r"(\S+人大代表) (\d+) 位", summary)
        assert m, summary
        folded[m.group(1)] = int(m.group(2))
        assert d.get_attribute("open") is None  # folded until opened
        assert d.locator(".ds-finder__dep").count() == int(m.group(2))
    return heading, direct, folded


def _choices(page) -> list[str]:
    return [
        re.sub(r"\s+", "", t) for t in page.locator(".ds-finder__result .ds-finder__choices button").all_inner_texts()
    ]


# -- first screen and menu -------------------------------------------------------------------


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large-text"])
def test_finder_box_is_on_the_first_screen_of_the_home_page(browser, tiny, large):
    ctx = browser.new_context(viewport=SCREEN, service_workers="block")
    if large:
        ctx.add_init_script("try{localStorage.setItem('ds-reading-mode','large')}catch(e){}")
    page = ctx.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(tiny.url)
    try:
        # the finder's data waits until someone uses the box: nothing of it with the page
        assert [u for u in requests if "/finder/" in u or "/search/idx/" in u] == []
        for sel in ("#ds-finder-q", ".ds-finder__row button[type=submit]", ".ds-finder__form"):
            box = page.locator(sel).bounding_box()
            assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= SCREEN["height"], (sel, box)
        # the statistics follow the finder
        assert page.locator("#ds-figures").bounding_box()["y"] > page.locator(".ds-finder__form").bounding_box()["y"]
        assert page.evaluate("document.documentElement.scrollWidth") <= SCREEN["width"]
    finally:
        ctx.close()


def test_finder_is_in_the_menu_and_its_page_answers_q(browser, tiny):
    page, log = open_page(browser, tiny.url, viewport=SCREEN)
    # the nav (drawer on a phone) links the finder's page
    links = page.locator("nav.md-nav--primary a.md-nav__link[href$='find/']")
    assert links.count() >= 1 and "找代表" in links.first.inner_text()
    page.goto(tiny.url + "find/?q=" + "东湖村")
    page.wait_for_function("s => document.querySelector(s).textContent.includes('直接选举')", arg=STATUS)
    direct, _ = tiny.expected(tiny.row("东湖村"))
    assert _shown(page)[1] == direct
    assert page.locator("#ds-finder-q").input_value() == "东湖村"
    # the files fetched: the index and the one township's file, nothing else of the finder
    unit = tiny.rows[tiny.row("东湖村")][3]
    version = json.loads((tiny.out / "finder/index.json").read_text(encoding="utf-8"))["version"]
    assert sorted(u.split("/finder/")[1] for u in log.requests if "/finder/" in u) == [
        "index.json",
        f"{unit}.json?v={version}",
    ]
    assert_clean(log)


def test_without_javascript_the_home_box_goes_to_the_finder_page(browser, tiny):
    page, log = open_page(browser, tiny.url, viewport=SCREEN, javascript=False)
    assert page.locator("form.ds-finder__form").get_attribute("action") == "find/"
    page.goto(tiny.url + "find/")
    # every township linked to its area page
    assert page.locator("#ds-browse ~ ul.ds-places a").all_inner_texts() == ["甲镇"]
    assert log.foreign() == []


# -- places as people write them (tiny fixture) ------------------------------------------------


def _forms(town: str, village: str) -> list[str]:
    """A village as people write it: its name, after its township's (with or without 镇/村,
    with a space), as its committee (村委会/居委会)."""
    stem_t = re.sub(r"(镇|乡|街道)$", "", town)
    stem_v = re.sub(r"(村|社区)$", "", village)
    committee = stem_v + ("村委会" if village.endswith("村") else "居委会")
    out = [village, town + village, town + stem_v, f"{town} {village}", committee, town + committee]
    if len(stem_t) >= 2:  # a one-character stem (甲 of 甲镇) is too vague to stand for a place
        out += [stem_t + village, stem_t + stem_v]
    return out


def test_address_forms_find_the_village(browser, tiny):
    page, log = open_page(browser, tiny.url, viewport=SCREEN)
    i = tiny.row("东湖村", "甲镇")
    direct, folded = tiny.expected(i)
    assert direct and folded  # the fixture has both kinds here
    for q in _forms("甲镇", "东湖村") + ["东湖", "東湖村"]:  # 東: traditional, in no place name
        status = _ask(page, q)
        heading, shown_direct, shown_folded = _shown(page)
        assert heading.startswith("东湖村"), (q, heading)
        assert "甲镇" in heading
        assert (shown_direct, shown_folded) == (direct, folded), q
        assert status.startswith(f"东湖村：直接选举的代表 {len(direct)} 位"), (q, status)
    # the traditional table came from the search index, fetched only for that query
    t2s = [u for u in log.requests if "/search/idx/t2s.json" in u]
    assert len(t2s) == 1
    assert_clean(log)


def test_county_name_lists_its_townships_and_places_without_one(browser, tiny):
    page, log = open_page(browser, tiny.url, viewport=SCREEN)
    county = tiny.row("虚构县")
    units = [r[0] for r in tiny.rows if r[3] and r[4] == 0 and r[2] == county]
    assert units == ["城关社区", "甲镇"]
    for q in ("虚构县", "虚构"):
        status = _ask(page, q)
        assert [c.split("（")[0] for c in _choices(page)] == units, q
        assert status == f"虚构县：共 {len(units)} 个乡镇（街道），请选择。"
    page.locator(".ds-finder__choices button", has_text="甲镇").click()
    page.wait_for_function("s => document.querySelector(s).textContent.startsWith('甲镇：')", arg=STATUS)
    shard, place = tiny.place(tiny.row("甲镇"))
    # a township whose own deputies are elected village by village: those folded, the voter
    # asked for the village
    part = [shard["deputies"][k]["name"] for k, _names in shard["part"]]
    summary = page.locator(".ds-finder__direct details.ds-finder__fold summary").inner_text()
    assert summary == f"只覆盖甲镇部分村、社区的代表 {len(part)} 位"
    page.locator("#ds-finder-place").select_option(label="东湖村")
    page.wait_for_function("s => document.querySelector(s).textContent.startsWith('东湖村：')", arg=STATUS)
    assert _shown(page)[1] == tiny.expected(tiny.row("东湖村"))[0]
    assert_clean(log)


def test_an_ambiguous_name_lists_every_match(browser, tiny):
    page, log = open_page(browser, tiny.url, viewport=SCREEN)
    status = _ask(page, "城关")
    assert sorted(_choices(page)) == sorted(["城关社区（虚构县）", "城关村（虚构县甲镇）"])
    assert status == "“城关”：找到 2 个地方，请选择。"
    assert page.locator(".ds-finder__direct").count() == 0  # nothing picked for the voter
    page.locator(".ds-finder__choices button", has_text="城关村").click()
    page.wait_for_function("s => document.querySelector(s).textContent.startsWith('城关村：')", arg=STATUS)
    direct, folded = tiny.expected(tiny.row("城关村"))
    assert _shown(page)[1:] == (direct, folded)
    # the button clicked is gone: keyboard focus is on the result's heading
    assert page.evaluate("document.activeElement.tagName + ' ' + document.activeElement.textContent").startswith(
        "H3 城关村"
    )
    # the full name is one place: shown at once
    _ask(page, "城关社区")
    assert page.locator(".ds-finder__result h3").first.inner_text().startswith("城关社区")
    # no match: said so, with the way to pick from a list
    assert _ask(page, "不存在的村") == "没有找到“不存在的村”。"
    assert page.locator(".ds-finder__result .ds-finder__browse").count() == 1
    assert _choices(page) == []
    # a known township with a village it does not have: that township's places to pick from
    town = tiny.row("甲镇")
    assert _ask(page, "甲镇不存在村") == "没有找到“甲镇不存在村”。"
    assert _choices(page) == [r[0] for r in tiny.rows if r[2] == town and r[3]] == ["东湖村", "城关村"]
    assert_clean(log)


def test_direct_first_then_folded_with_station_hours_and_tel(browser, tiny):
    page, log = open_page(browser, tiny.url, viewport=SCREEN)
    _ask(page, "甲镇东湖村")
    deps = page.locator(".ds-finder__result .ds-finder__dep")
    levels = [d.locator(".ds-finder__level").inner_text().strip() for d in deps.all()]
    direct_labels = {"乡镇人大代表", "县人大代表"}
    n = sum(1 for lv in levels if lv in direct_labels)
    assert n and all(lv in direct_labels for lv in levels[:n]) and not any(lv in direct_labels for lv in levels[n:])
    # each direct deputy's station: name, reception hours and a tel: link to its office phone
    shard, place = tiny.place(tiny.row("东湖村"))
    for k, d in zip([k for k in place[2] if shard["deputies"][k]["direct"]], deps.all()):
        e = shard["deputies"][k]
        for s_ix in e["stations"]:
            name, _url, hours, phone = shard["stations"][s_ix]
            st = d.locator(".ds-finder__station", has_text=name)
            assert f"接待时间：{hours}" in st.inner_text()
            assert st.locator("a.ds-finder__tel").get_attribute("href") == "tel:" + re.sub(r"[^0-9+]", "", phone)
            assert st.locator("a.ds-finder__tel").inner_text() == phone
    s01 = tiny.stations["s01"]
    assert page.locator(f"a[href='tel:{s01['office_phone'].replace('-', '')}']").count() >= 1
    # the folded groups open on a click
    fold = page.locator(".ds-finder__result > details.ds-finder__fold").first
    fold.locator("summary").click()
    assert fold.locator(".ds-finder__dep").first.is_visible()
    assert_clean(log)


def test_finder_results_have_no_serious_axe_findings(browser, tiny):
    if not AXE.exists():
        pytest.skip("axe-core not installed in tests/node_modules (npm ci in tests/)")
    page, log = open_page(browser, tiny.url + "find/", viewport=SCREEN)
    _ask(page, "甲镇")
    page.locator(".ds-finder__result details").first.locator("summary").click()
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    res = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [(v["id"], len(v["nodes"])) for v in res["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == []
    assert page.evaluate("document.documentElement.scrollWidth") <= SCREEN["width"]
    assert_clean(log)


# -- the county demo: the addresses of the issue, derived from data/ --------------------------


def test_demo_addresses_and_ambiguous_names(browser, demo):
    rows = demo.rows
    county = next(i for i, r in enumerate(rows) if r[1] == "county")
    towns = [i for i, r in enumerate(rows) if r[1] == "township"]
    names = [r[0] for r in rows]
    # a village whose name is unique, in the first township that has one, written with
    # traditional characters where OpenCC has them
    s2t = opencc.OpenCC("s2t").convert
    t, v = next(
        (t, i)
        for t in towns
        for i, r in enumerate(rows)
        if r[2] == t and r[1] == "village" and names.count(r[0]) == 1 and s2t(r[0]) != r[0]
    )
    town, village = rows[t][0], rows[v][0]
    direct, folded = demo.expected(v)
    page, log = open_page(browser, demo.url, viewport=SCREEN)
    for q in _forms(town, village) + [s2t(village), s2t(town + village)]:
        _ask(page, q)
        heading, shown_direct, shown_folded = _shown(page)
        assert heading.startswith(village) and town in heading, (q, heading)
        assert (shown_direct, shown_folded) == (direct, folded), q
    # the county's name lists its townships
    _ask(page, rows[county][0])
    assert [c.split("（")[0] for c in _choices(page)] == [rows[i][0] for i in towns if rows[i][2] == county]
    # a stem that is part of two places' names (滨江 in the issue): every one listed
    stems = {}
    for r in rows:
        if r[1] in ("village", "community"):
            stem = re.sub(r"(村|社区)$", "", r[0])
            if len(stem) >= 2:
                hits = [j for j, x in enumerate(rows) if x[1] in ("village", "community", "township") and stem in x[0]]
                if len(hits) > 1 and len({rows[j][2] for j in hits}) > 1:
                    stems[stem] = hits
    assert stems, "the demo has a name shared by places in two townships"
    stem, hits = sorted(stems.items())[0]
    _ask(page, stem)
    assert sorted(c.split("（")[0] for c in _choices(page)) == sorted(rows[j][0] for j in hits)
    assert_clean(log)
