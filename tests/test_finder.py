"""Find-your-deputy data and pages (issue 14), on the tiny fixture: which deputies cover a
place at every level, which of them the voter elects directly, each with its liaison station's
reception hours and office phone; the index the finder reads addresses against; the finder's
own page in the menu and its box on the home page."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import re
from pathlib import Path

from generator.model import load_dataset
from generator.pages import SECTION_INDEXES, SiteContext, home
from generator.pages import find as find_page
from generator.pages.urls import SECTION_PAGES
from generator.search.finder import DIRECT_LEVELS, build_finder, write_finder

TINY = Path(__file__).resolve().parent / "fixtures/tiny"
AS_OF = dt.date(2026, 11, 20)


def _site() -> SiteContext:
    return SiteContext(load_dataset(TINY), AS_OF)


def _csv(name: str) -> list[dict]:
    with open(TINY / name, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_index_lists_every_place_and_the_areas_above_it_parents_first():
    index, _ = build_finder(_site())
    # 虚构县 has no file (it lists its units); 城关社区 has no township above it: its own unit
    assert index == {
        "areas": [
            ["虚构县", "county", -1, "", -1],
            ["城关社区", "community", 0, "u0", 0],
            ["甲镇", "township", 0, "u1", 0],
            ["东湖村", "village", 2, "u1", 1],
        ]
    }
    areas = {a["id"]: a for a in _csv("areas.csv")}
    for name, kind, parent, _file, _j in index["areas"]:
        row = next(a for a in areas.values() if a["name"] == name)
        assert row["classification"] == kind
        assert (areas[row["parent_id"]]["name"] if row["parent_id"] else None) == (
            index["areas"][parent][0] if parent >= 0 else None
        )


def test_finder_tiny_fixture_every_level_whole_and_part():
    index, shards = build_finder(_site())

    def names(shard, ids):
        return [
            (shard["deputies"][i]["name"], shard["deputies"][i]["level"], shard["deputies"][i]["status"]) for i in ids
        ]

    town = shards["u1"]
    # the township: county deputies of its district and the city deputies of the whole county
    assert names(town, town["places"][0][2]) == [
        ("张建国", "county", "reported"),
        ("赵磊", "county", "overdue"),
        ("李秀英", "city", "overdue"),
        ("王明华", "city", "reported"),
    ]
    # the township deputies are elected in 东湖村 only: part of the township
    assert [(town["deputies"][i]["name"], places) for i, places in town["part"]] == [
        ("吴娜", ["东湖村"]),
        ("周伟", ["东湖村"]),
        ("赵磊", ["东湖村"]),
        ("黄静", ["东湖村"]),
    ]
    assert town["places"][1][:2] == ["东湖村", "village"]
    assert names(town, town["places"][1][2]) == [
        ("吴娜", "township", "not_yet_due"),
        ("周伟", "township", "not_yet_due"),
        ("赵磊", "township", "overdue"),
        ("黄静", "township", "due"),
        ("张建国", "county", "reported"),
        ("赵磊", "county", "overdue"),
        ("李秀英", "city", "overdue"),
        ("王明华", "city", "reported"),
    ]
    zhang = next(e for e in town["deputies"] if e["name"] == "张建国")
    assert zhang == {
        "name": "张建国",
        "url": "deputies/d03/",
        "level": "county",
        "level_zh": "县人大代表",
        "direct": True,
        "congress": "虚构县第十八届人民代表大会",
        "constituency": "第一选区",
        "electing_unit": False,
        "status": "reported",
        "status_zh": "已报告",
        "stations": [0],
    }
    wang = next(e for e in town["deputies"] if e["name"] == "王明华")
    assert wang["electing_unit"] is True and wang["direct"] is False and wang["stations"] == []
    comm = shards["u0"]
    # 杨丽's mandate ended in 2023: not listed; the national deputy's unit has no area: not listed
    assert names(comm, comm["places"][0][2]) == [
        ("刘芳", "county", "reported"),
        ("陈志强", "county", "reported"),
        ("李秀英", "city", "overdue"),
        ("王明华", "city", "reported"),
    ]
    assert comm["part"] == []


def test_direct_means_township_and_county_deputies():
    _, shards = build_finder(_site())
    entries = [e for s in shards.values() for e in s["deputies"]]
    assert {e["level"] for e in entries} == {"township", "county", "city"}
    for e in entries:
        assert e["direct"] is (e["level"] in ("township", "county"))
    assert DIRECT_LEVELS == {"township", "county"}


def test_stations_carry_public_hours_and_office_phone_only():
    _, shards = build_finder(_site())
    stations = {s["id"]: s for s in _csv("stations.csv")}
    members = _csv("station_members.csv")
    deputy_ids = {d["name"]: d["id"] for d in _csv("deputies.csv")}
    for shard in shards.values():
        for row in shard["stations"]:
            sid = row[1].split("/")[1]
            s = stations[sid]
            assert row == [s["name"], f"stations/{sid}/", s["opening_hours"], s["office_phone"]]
        for e in shard["deputies"]:
            # the deputy's stations running on the as-of date (杨丽 left s02 in 2023)
            want = sorted(
                m["station_id"]
                for m in members
                if m["deputy_id"] == deputy_ids[e["name"]] and (not m["end_date"] or m["end_date"] >= str(AS_OF))
            )
            assert [shard["stations"][k][1].split("/")[1] for k in e["stations"]] == want
    # nothing from the private contact fields: only the four public station fields
    assert all(len(row) == 4 for s in shards.values() for row in s["stations"])
    assert shards["u1"]["stations"] == [["甲镇人大代表联络站", "stations/s01/", "每周三 9:00-12:00", "0730-1234567"]]


def test_write_finder_files_and_their_size(tmp_path):
    written = write_finder(_site(), tmp_path)
    assert written == ["finder/index.json", "finder/u0.json", "finder/u1.json"]
    index = json.loads((tmp_path / "finder/index.json").read_text(encoding="utf-8"))
    assert [r[3] for r in index["areas"] if r[3]] == ["u0", "u1", "u1"]
    # the version the reader asks unit files by: the same files, the same version; one name
    # changed in one unit, another (so a kept old index never reads new unit files)
    assert re.fullmatch(r"[0-9a-f]{12}", index["version"])
    write_finder(_site(), tmp_path / "again")
    again = json.loads((tmp_path / "again/finder/index.json").read_text(encoding="utf-8"))
    assert again["version"] == index["version"]
    site = _site()
    next(d for d in site.ds.deputies if d.name == "刘芳").name = "刘芳芳"
    write_finder(site, tmp_path / "renamed")
    renamed = json.loads((tmp_path / "renamed/finder/index.json").read_text(encoding="utf-8"))
    assert renamed["areas"] == index["areas"] and renamed["version"] != index["version"]
    # what a phone downloads before the first result: the index and one unit, small
    first = sum(len(gzip.compress((tmp_path / f"finder/{n}.json").read_bytes())) for n in ("index", "u1"))
    assert first < 4_000


def test_finder_page_is_in_the_menu_right_after_home():
    assert SECTION_PAGES[:2] == ("index.md", "find/index.md")
    assert "find/index.md" in SECTION_INDEXES
    (doc,) = list(find_page.pages(_site()))
    assert (doc.path, doc.title) == ("find/index.md", "找代表")
    # the box answers ?q= here, and every township is linked for a browser without JavaScript
    assert "data-finder data-finder-query" in doc.html
    assert '<form class="ds-finder__form" action="../find/" method="get"' in doc.html
    assert '<a href="../areas/a-town/">甲镇</a>' in doc.html


def test_home_puts_the_finder_box_first_with_an_example_from_the_data():
    site = _site()
    # 甲镇 is the only township; 东湖村 its only village
    assert home.example_place(site) == "甲镇东湖村"
    (doc,) = list(home.pages(site))
    b = doc.html
    assert '<form class="ds-finder__form" action="find/" method="get"' in b
    assert 'placeholder="例如：甲镇东湖村"' in b
    assert "data-finder-query" not in b
    # the box comes before the search box, the figures and the latest reports
    assert b.index("ds-finder__form") < b.index('class="ds-search"') < b.index('id="ds-figures"') < b.index("ds-latest")
