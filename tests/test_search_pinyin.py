"""Pinyin keys for names (issue 15): generator/search/pinyin.py, the keys' entries in the shards
(the names a key means, and their terms' postings, in the shard of key + PAIR), and search.js
reading them only for Latin queries."""

from __future__ import annotations

import json

from search_support import needs_node, run_queries

from generator import search
from generator.search import PAIR, Doc, build, read_shard, shard_of
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
    names = [
        ("deputy", "廖学新"),
        ("deputy", "刘学新"),
        ("station", "棠铺镇人大代表联络站"),
        ("area", "棠铺镇"),
        ("area", "长林村"),
        ("area", "金市镇"),
    ]
    expected = {k: v[:4] for table in tables(names).values() for k, v in table.items()}
    assert _all_keys(idx, man["pshards"]) == expected
    assert man["py"].split(" ") == sorted({k[:2] for k in expected})
    # a key's shard repeats the entries of its names' terms: the same df, cap and postings
    shard = read_shard((idx / f"p/{shard_of('lxx' + PAIR, man['pshards'])}.bin").read_bytes())
    for t in ("廖学", "刘学", "学新"):
        assert shard["lxx" + PAIR + t] == read_shard((idx / f"s/{shard_of(t, man['shards'])}.bin").read_bytes())[t]
    res = {r["query"]: r for r in run_queries(idx, ["liaoxuexin", "lxx", "tangpu", "changlincun", "廖学新"])}
    assert res["liaoxuexin"]["urls"][:2] == ["deputies/d1/", "reports/r1/"]
    assert sorted(res["lxx"]["urls"][:2]) == ["deputies/d1/", "deputies/d2/"]  # initials: both 学新
    assert sorted(res["tangpu"]["urls"][:2]) == ["areas/a1/", "stations/s1/"]
    assert res["changlincun"]["urls"] == ["deputies/d1/"]
    # a Latin query reads its key's shard, and no other shard (not the letters' bigrams)
    key_shard = f"p/{shard_of('liaoxuexin' + PAIR, man['pshards'])}.bin"
    assert [f["path"] for f in res["liaoxuexin"]["files"] if f["path"][:2] in ("s/", "p/")] == [key_shard]
    assert not [f for f in res["liaoxuexin"]["files"] + res["廖学新"]["files"] if f["path"].startswith("py/")]
    # letters that begin a key but are none are searched as typed (the data dictionary)
    (r,) = run_queries(idx, ["liaox"])
    assert r["urls"] == ["data-dictionary/"] and [f["path"] for f in r["files"]][:2] == [
        "manifest.json",
        f"p/{shard_of('liaox' + PAIR, man['pshards'])}.bin",
    ]


def _all_keys(idx, shards: int) -> dict[str, list[str]]:
    """key → names, from the key terms of every pinyin shard (key PAIR U+0002 names), each in
    its key's shard; the other shards have none."""
    out = {}
    assert not [t for f in (idx / "s").glob("*.bin") for t in read_shard(f.read_bytes()) if "\x02" in t]
    for s in range(shards):
        for term in read_shard((idx / f"p/{s}.bin").read_bytes()):
            if PAIR + "\x02" in term and not term.startswith(PAIR):
                key, names = term.split(PAIR + "\x02")
                assert shard_of(key + PAIR, shards) == s
                out[key] = names.split("\x02")
    return out


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

    # the similar characters (from the store in b) are the same as those computed in plain
    def similar(files: dict) -> set[str]:
        return {t for n, b in files.items() if "/s/" in n for t in read_shard(b) if "\x01\x03" in t}

    assert similar(_files(tmp_path / "b")) == similar(_files(tmp_path / "plain")) != set()
    build([*_docs(), Doc("deputy", "唐普", "deputies/d3/", person="唐普")], tmp_path / "c", store=store, code="c1")
    assert calls == [1, 1]  # a new name: made again
    man = json.loads((tmp_path / "c/search/idx/manifest.json").read_text())
    assert _all_keys(tmp_path / "c/search/idx", man["pshards"])["tangpu"] == ["棠铺镇", "唐普"]
    build(_docs(), tmp_path / "d", store=store, code="c2")  # other generator code: made again
    assert calls == [1, 1, 1]
    assert len(store.keys("search")) == 1  # only the last build's entry is kept
