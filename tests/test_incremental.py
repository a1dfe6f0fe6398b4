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

from generator import cache

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"
AS_OF = "2026-11-20"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def build(data: Path, out: Path, cache_dir: str) -> str:
    env = dict(os.environ, DEPUTY_SITE_CACHE=cache_dir)
    r = subprocess.run([sys.executable, "-m", "generator", "build", "--data", str(data), "--out", str(out),
                        "--as-of", AS_OF, "--jobs", "1"], cwd=ROOT, capture_output=True, text=True, env=env)
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
    assert "补充说明" in "".join(v.decode("utf-8", "replace") for k, v in tree(tmp_path / "site").items()
                               if k.endswith(".html"))
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
