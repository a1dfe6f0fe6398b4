"""Incremental builds (generator/cache.py): after editing one report body, a rebuild reuses
every other rendered page from the cache and writes exactly the bytes a clean build writes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from site_tree import tree

from generator import cache

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"
AS_OF = "2026-11-20"


def build(data: Path, out: Path, cache_dir: str) -> str:
    env = dict(os.environ, DEPUTY_SITE_CACHE=cache_dir)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "generator",
            "build",
            "--data",
            str(data),
            "--out",
            str(out),
            "--as-of",
            AS_OF,
            "--jobs",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.mark.slow
def test_edit_one_report_then_rebuild_equals_clean_build(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    cdir = str(tmp_path / "cache")
    first = build(data, tmp_path / "site", cdir)
    assert "from cache" not in first
    again = build(data, tmp_path / "site", cdir)
    n_pages = len(list((tmp_path / "site").rglob("index.html")))
    assert "pages from cache" in again

    body = sorted((data / "reports").glob("*.md"))[0]
    with open(body, "a", encoding="utf-8") as f:
        f.write("\n\n补充说明：本段为增量构建测试新增的内容。\n")
    edited = build(data, tmp_path / "site", cdir)
    build(data, tmp_path / "clean", "off")

    assert tree(tmp_path / "site") == tree(tmp_path / "clean")
    assert "补充说明" in "".join(
        v.decode("utf-8", "replace") for k, v in tree(tmp_path / "site").items() if k.endswith(".html")
    )
    reused = int(edited.split(" pages from cache")[0].rsplit(" ", 1)[-1])
    # the edited report's page (and pages quoting it) are rendered again; the rest are reused
    assert 0 < reused < n_pages
    # the cache keeps only the pages of the last build (one per generated page)
    generated = int(re.search(r"\((\d+) generated\)", edited).group(1))
    assert len(list((tmp_path / "cache" / "pages").rglob("*.html"))) == generated


def test_memo_reuses_a_result_until_a_file_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("DEPUTY_SITE_CACHE", str(tmp_path / "c"))
    f = tmp_path / "t.csv"
    f.write_text("a,b\n1,2\n")
    calls = []

    def count(path):
        calls.append(path)
        return Path(path).read_text().count("\n")

    assert cache.memo("t", count, [f], str(f)) == 2
    assert cache.memo("t", count, [f], str(f)) == 2
    assert len(calls) == 1
    f.write_text("a,b\n1,2\n3,4\n")
    assert cache.memo("t", count, [f], str(f)) == 3
    assert len(calls) == 2
    monkeypatch.setenv("DEPUTY_SITE_CACHE", "off")
    assert cache.memo("t", count, [f], str(f)) == 3
    assert len(calls) == 3


def test_page_key_changes_with_every_input():
    from generator.pages import PageDoc

    d = PageDoc(path="reports/r1.md", title="报告", template="report.html", html="<p>一</p>", meta={"a": 1})
    base = cache.page_key("site", d, d.html)
    variants = [
        cache.page_key("site2", d, d.html),
        cache.page_key("site", d, "<p>二</p>"),
        cache.page_key("site", PageDoc(**{**d.__dict__, "title": "报告二"}), d.html),
        cache.page_key("site", PageDoc(**{**d.__dict__, "meta": {"a": 2}}), d.html),
        cache.page_key("site", PageDoc(**{**d.__dict__, "template": "deputy.html"}), d.html),
    ]
    assert len({base, *variants}) == 6


def test_markdown_memo_gives_the_same_html_and_survives_a_new_process(tmp_path, monkeypatch):
    from generator import sanitize

    monkeypatch.setenv("DEPUTY_SITE_CACHE", str(tmp_path / "c"))
    monkeypatch.setattr(cache, "_STR_MEMOS", {})
    text = "# 标题\n\n正文 **加粗** <script>alert(1)</script>\n"
    direct = sanitize._markdown_to_safe_html(text)
    assert sanitize.markdown_to_safe_html(text) == direct
    memo = cache._STR_MEMOS["markdown"]
    assert (memo.hits, memo.misses) == (0, 1)
    memo.save()
    monkeypatch.setattr(cache, "_STR_MEMOS", {})
    assert sanitize.markdown_to_safe_html(text) == direct
    assert (cache._STR_MEMOS["markdown"].hits, cache._STR_MEMOS["markdown"].misses) == (1, 0)


def _edit_then_compare(tmp_path, edit) -> str:
    """Build (cache warm), apply `edit(data)`, rebuild with the cache; equal to a clean build."""
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    cdir = str(tmp_path / "cache")
    build(data, tmp_path / "site", cdir)
    edit(data)
    out = build(data, tmp_path / "site", cdir)
    build(data, tmp_path / "clean", "off")
    assert tree(tmp_path / "site") == tree(tmp_path / "clean")
    return out


@pytest.mark.slow
def test_edit_a_csv_cell_then_rebuild_equals_clean_build(tmp_path):
    def edit(data):
        p = data / "deputies.csv"
        p.write_text(p.read_text(encoding="utf-8").replace("王明华", "王明华增", 1), encoding="utf-8")

    edit_out = _edit_then_compare(tmp_path, edit)
    assert "王明华增" in (tmp_path / "site" / "deputies" / "d01" / "index.html").read_text(encoding="utf-8")
    assert "built" in edit_out


@pytest.mark.slow
def test_edit_rules_then_rebuild_equals_clean_build(tmp_path):
    def edit(data):
        p = data / "rules.yaml"
        p.write_text(
            p.read_text(encoding="utf-8").replace("locality: 虚构县（演示）", "locality: 另一虚构县（演示）"),
            encoding="utf-8",
        )

    _edit_then_compare(tmp_path, edit)


@pytest.mark.slow
def test_previous_site_is_moved_to_the_cache_trash_and_deleted(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    cdir = tmp_path / "cache"
    build(data, tmp_path / "site", str(cdir))
    build(data, tmp_path / "site", str(cdir))
    # nothing but the site next to it; the old one went to the cache's trash (deleted in the background)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "data", "site"]
    assert (cdir / "trash").is_dir()


def _fake_site(tmp_path, body_text="正文一"):
    """A SiteContext stand-in with one report body, for module_docs."""
    import datetime as dt
    import types

    root = tmp_path / "pkg"
    (root / "reports").mkdir(parents=True)
    (root / "reports" / "r1.md").write_text(body_text, encoding="utf-8")
    (root / "t.csv").write_text("a\n1\n", encoding="utf-8")
    report = types.SimpleNamespace(body="reports/r1.md")
    ds = types.SimpleNamespace(root=root, reports=[report])
    return types.SimpleNamespace(ds=ds, as_of=dt.date(2026, 11, 20)), root


def test_module_docs_recompute_exactly_the_modules_whose_inputs_changed(tmp_path, monkeypatch):
    from generator.pages import PageDoc, SearchEntry

    monkeypatch.setenv("DEPUTY_SITE_CACHE", str(tmp_path / "c"))
    site, root = _fake_site(tmp_path)
    calls: list[str] = []

    def compute(name):
        calls.append(name)
        if name == "reads_body":
            text = (root / "reports" / "r1.md").read_text(encoding="utf-8")
            return [
                PageDoc(
                    path="r/r1.md",
                    title="报告",
                    template="report.html",
                    html=f"<p>{text}</p>",
                    meta={"n": 1, "l": ["a"]},
                    search=SearchEntry(kind="report", title="报告", places=("甲",)),
                )
            ]
        if name == "reads_csv":
            return [PageDoc(path="c.md", title="表", template="", html=(root / "t.csv").read_text(), meta={})]
        if name == "has_tuple":  # a tuple in meta would come back as a list: never stored
            return [PageDoc(path="t.md", title="元组", template="", html="", meta={"t": (1, 2)})]
        return [PageDoc(path=f"{name}.md", title=name, template="", html="<p>x</p>", meta={})]

    names = ["plain", "reads_body", "reads_csv", "has_tuple"]
    first, stats = cache.module_docs(site, names, compute)
    assert calls == names and stats["reused"] == []
    calls.clear()
    again, stats = cache.module_docs(site, names, compute)
    assert again == first
    assert calls == ["has_tuple"]
    assert stats["reused"] == ["plain", "reads_body", "reads_csv"]

    calls.clear()
    (root / "reports" / "r1.md").write_text("正文二", encoding="utf-8")  # a body: only its reader
    edited, _ = cache.module_docs(site, names, compute)
    assert calls == ["reads_body", "has_tuple"]
    assert edited[1].html == "<p>正文二</p>"

    calls.clear()
    (root / "t.csv").write_text("a\n2\n", encoding="utf-8")  # any other data file: every module
    cache.module_docs(site, names, compute)
    assert calls == names

    calls.clear()
    monkeypatch.setattr(cache, "_TREE", "another generator source or template")
    cache.module_docs(site, names, compute)
    assert calls == names

    calls.clear()
    site.as_of = site.as_of.replace(day=21)
    cache.module_docs(site, names, compute)
    assert calls == names
    # one entry per module is kept
    assert sorted(p.name.split("-")[0] for p in (tmp_path / "c" / "modules").iterdir()) == [
        "plain",
        "reads_body",
        "reads_csv",
    ]


@pytest.mark.slow
def test_a_body_edit_that_breaks_validation_is_refused_like_a_clean_build(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    cdir = str(tmp_path / "cache")
    build(data, tmp_path / "site", cdir)
    before = tree(tmp_path / "site")
    body = sorted((data / "reports").glob("*.md"))[0]
    with open(body, "a", encoding="utf-8") as f:
        f.write("\n\n<script>alert(1)</script>\n")
    env = dict(os.environ, DEPUTY_SITE_CACHE=cdir)
    args = [
        sys.executable,
        "-m",
        "generator",
        "build",
        "--data",
        str(data),
        "--out",
        str(tmp_path / "site"),
        "--as-of",
        AS_OF,
        "--jobs",
        "1",
    ]
    cached = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, env=env)
    clean = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, env=dict(env, DEPUTY_SITE_CACHE="off"))
    assert cached.returncode == clean.returncode == 1
    assert "body-raw-html" in cached.stderr or "HTML" in cached.stderr
    assert cached.stderr == clean.stderr
    assert tree(tmp_path / "site") == before
