"""Pinyin keys for names (issue 15): generator/search/pinyin.py, the py/<two letters>.json files,
and search.js fetching them only for Latin queries."""

from __future__ import annotations

import json

from search_support import needs_node, run_queries

from generator import search
from generator.search import Doc, build
from generator.search.pinyin import keys, place_keys, tables
from generator.store import Store


def test_keys_are_full_pinyin_and_initials_of_every_reading():
    assert keys("廖学新") == {"liaoxuexin", "lxx"}
    assert {"changlincun", "zhanglincun", "clc", "zlc"} <= keys("长林村")  # 长: chang or zhang
    assert {"tangpuzhen", "tpz", "tangpu", "tp"} == place_keys("棠铺镇")
    assert {"yingbinshequ", "yingbin"} <= place_keys("迎宾社区")


def test_tables_by_first_letter_places_before_people():
    t = tables([("deputy", "唐普"), ("area", "棠铺镇"), ("station", "棠铺镇人大代表联络站"), ("deputy", "买买提·艾力")])
    assert t["ta"]["tangpu"] == ["棠铺镇", "唐普"]  # the station gives its place
    assert t["tp"]["tp"] == ["棠铺镇", "唐普"]  # files by the keys' first two letters
    assert t["ma"]["maimaitiaili"] == ["买买提艾力"]
    assert tables([("deputy", "John Smith"), ("area", "G318")]) == {}


def _docs() -> list[Doc]:
    return [
        Doc("deputy", "廖学新", "deputies/d1/", person="廖学新", places=("棠铺镇", "长林村")),
        Doc("deputy", "刘学新", "deputies/d2/", person="刘学新", places=("金市镇",)),
        Doc("report", "廖学新报告履职情况", "reports/r1/", person="廖学新", text="我是廖学新"),
        Doc("station", "棠铺镇人大代表联络站", "stations/s1/", places=("棠铺镇",)),
        Doc("area", "棠铺镇的人大代表", "areas/a1/", places=("棠铺镇",)),
        Doc("page", "数据字典", "data-dictionary/", text="liaoxuexin tangpu lxx"),
    ]


@needs_node
def test_latin_queries_find_names_and_places_by_pinyin(tmp_path):
    build(_docs(), tmp_path)
    idx = tmp_path / "search/idx"
    man = json.loads((idx / "manifest.json").read_text("utf-8"))
    assert man["py"].split(" ") == sorted({k[:2] for k in _all_keys(idx)})
    res = {r["query"]: r for r in run_queries(idx, ["liaoxuexin", "lxx", "tangpu", "changlincun", "廖学新"])}
    assert res["liaoxuexin"]["urls"][:2] == ["deputies/d1/", "reports/r1/"]
    assert sorted(res["lxx"]["urls"][:2]) == ["deputies/d1/", "deputies/d2/"]  # initials: both 学新
    assert sorted(res["tangpu"]["urls"][:2]) == ["areas/a1/", "stations/s1/"]
    assert res["changlincun"]["urls"] == ["deputies/d1/"]
    # the pinyin file is fetched for Latin queries only, the one of its first two letters
    assert [f["path"] for f in res["liaoxuexin"]["files"] if f["path"].startswith("py/")] == ["py/li.json"]
    assert not [f for f in res["廖学新"]["files"] if f["path"].startswith("py/")]


def _all_keys(idx):
    for f in sorted((idx / "py").glob("*.json")):
        yield from json.loads(f.read_text("utf-8"))


def _files(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_store_keeps_the_pinyin_files_while_the_names_stay_the_same(tmp_path, monkeypatch):
    store = Store(tmp_path / "store")
    build(_docs(), tmp_path / "plain")  # no store
    calls: list[int] = []
    real = search.pinyin.tables
    monkeypatch.setattr(search.pinyin, "tables", lambda named: calls.append(1) or real(named))
    build(_docs(), tmp_path / "a", store=store, code="c1")
    edited = [
        *_docs()[:2],
        Doc("report", "廖学新报告履职情况", "reports/r1/", person="廖学新", text="改过的正文"),
        *_docs()[3:],
    ]
    build(edited, tmp_path / "b", store=store, code="c1")  # a report's text changed: names the same
    assert calls == [1]
    assert _files(tmp_path / "a") == _files(tmp_path / "plain")
    assert {k: v for k, v in _files(tmp_path / "b").items() if "/py/" in k or k.endswith("pyc.json")} == {
        k: v for k, v in _files(tmp_path / "plain").items() if "/py/" in k or k.endswith("pyc.json")
    }
    build([*_docs(), Doc("deputy", "唐普", "deputies/d3/", person="唐普")], tmp_path / "c", store=store, code="c1")
    assert calls == [1, 1]  # a new name: made again
    assert json.loads((tmp_path / "c/search/idx/py/ta.json").read_text())["tangpu"] == ["棠铺镇", "唐普"]
    build(_docs(), tmp_path / "d", store=store, code="c2")  # other generator code: made again
    assert calls == [1, 1, 1]
    assert len(store.keys("search")) == 1  # only the last build's entry is kept
