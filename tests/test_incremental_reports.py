"""Incremental builds after a report body edit (generator/cache.py `module_docs` with
generator/pages/reports.py `pages_for_files`): only the edited report's page is computed again,
and the site is byte for byte the one a clean build writes."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest
from site_tree import tree

from generator import cache
from generator.pages import PageDoc

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"
AS_OF = "2026-11-20"


# -- module_docs with a partial update (a stand-in module) ----------------------------------------


def _site(tmp_path):
    root = tmp_path / "pkg"
    (root / "reports").mkdir(parents=True)
    for n in ("r1", "r2"):
        (root / "reports" / f"{n}.md").write_text(f"{n} 正文", encoding="utf-8")
    (root / "t.csv").write_text("a\n1\n", encoding="utf-8")
    ds = types.SimpleNamespace(root=root, reports=[types.SimpleNamespace(body=f"reports/{n}.md") for n in ("r1", "r2")])
    return types.SimpleNamespace(ds=ds, as_of=dt.date(2026, 11, 20)), root


class _Module:
    """A page module: an index page (reads no body) and one page per body; `mode` makes its
    pages_for_files misbehave in the ways module_docs must catch."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.calls: list = []
        self.mode = "ok"

    def page(self, n: str) -> PageDoc:
        text = (self.root / "reports" / f"{n}.md").read_text(encoding="utf-8")
        return PageDoc(path=f"r/{n}.md", title=n, template="report.html", html=f"<p>{text}</p>", meta={"n": n})

    def compute(self, name: str) -> list[PageDoc]:
        self.calls.append("all")
        return [
            PageDoc(path="r/index.md", title="索引", template="", html="<p>r1 r2</p>"),
            self.page("r1"),
            self.page("r2"),
        ]

    def pages_for_files(self, site, files: set[str]) -> list[PageDoc] | None:
        self.calls.append(sorted(Path(f).name for f in files))
        if self.mode == "none":
            return None
        if self.mode == "raise":
            raise RuntimeError("boom")
        if self.mode == "new-path":
            return [PageDoc(path="r/r3.md", title="r3", template="", html="")]
        if self.mode == "reads-nothing":
            return [PageDoc(path="r/r1.md", title="r1", template="report.html", html="<p>?</p>", meta={"n": "r1"})]
        return [self.page(Path(f).stem) for f in sorted(files)]


def _entry_deps(cdir: Path) -> list[str]:
    (entry,) = (cdir / "modules").glob("m-*.json")
    return [Path(p).name for p, _ in json.loads(entry.read_text(encoding="utf-8"))["deps"]]


def test_module_docs_computes_again_only_the_page_whose_body_changed(tmp_path, monkeypatch):
    cdir = tmp_path / "c"
    monkeypatch.setenv("DEPUTY_SITE_CACHE", str(cdir))
    site, root = _site(tmp_path)
    mod = _Module(root)

    def run():
        return cache.module_docs(site, ["m"], mod.compute, partial=lambda name: mod.pages_for_files)

    # a file of the cache itself (the Markdown memo) read while computing is not an input
    (cdir / "memo").mkdir(parents=True)
    (cdir / "memo" / "x.pickle").write_bytes(b"memo")
    compute = mod.compute
    mod.compute = lambda name: [(cdir / "memo" / "x.pickle").read_bytes() and d for d in compute(name)]
    first, stats = run()
    assert stats == {"computed": ["m"], "reused": [], "updated": {}}
    assert _entry_deps(cdir) == ["r1.md", "r2.md"]

    mod.calls.clear()
    (root / "reports" / "r2.md").write_text("r2 改过", encoding="utf-8")
    docs, stats = run()
    assert stats == {"computed": [], "reused": [], "updated": {"m": ["r/r2.md"]}}
    assert mod.calls == [["r2.md"]]
    assert docs == compute("m")  # what computing the whole module gives, in the same order
    assert [d.path for d in docs] == ["r/index.md", "r/r1.md", "r/r2.md"]

    mod.calls.clear()
    again, stats = run()  # the entry was stored with the new digest
    assert stats == {"computed": [], "reused": ["m"], "updated": {}}
    assert mod.calls == [] and again == docs

    # anything unexpected: the whole module is computed again (and stored), never a guess
    for mode in ("none", "raise", "new-path", "reads-nothing"):
        mod.mode = mode
        mod.calls.clear()
        (root / "reports" / "r1.md").write_text(f"r1 {mode}", encoding="utf-8")
        docs, stats = run()
        assert stats == {"computed": ["m"], "reused": [], "updated": {}}, mode
        assert mod.calls == [["r1.md"], "all"], mode
        assert docs[1].html == f"<p>r1 {mode}</p>"

    mod.mode = "ok"
    mod.calls.clear()
    (root / "t.csv").write_text("a\n2\n", encoding="utf-8")  # a file the key covers: no partial update
    (root / "reports" / "r1.md").write_text("r1 再改", encoding="utf-8")
    _, stats = run()
    assert stats["computed"] == ["m"] and mod.calls == ["all"]


def test_without_pages_for_files_a_changed_body_computes_the_whole_module(tmp_path, monkeypatch):
    monkeypatch.setenv("DEPUTY_SITE_CACHE", str(tmp_path / "c"))
    site, root = _site(tmp_path)
    mod = _Module(root)
    cache.module_docs(site, ["m"], mod.compute)  # default lookup: no generator/pages/m.py
    (root / "reports" / "r1.md").write_text("r1 改过", encoding="utf-8")
    docs, stats = cache.module_docs(site, ["m"], mod.compute)
    assert stats == {"computed": ["m"], "reused": [], "updated": {}}
    assert mod.calls == ["all", "all"]


def test_a_table_named_as_a_body_stays_in_the_key(tmp_path, monkeypatch):
    """Tables are read before any module runs (no digest recorded): their bytes stay in the key
    even when a report's body names one (the validator refuses that; the cache does not rely on it)."""
    monkeypatch.setenv("DEPUTY_SITE_CACHE", str(tmp_path / "c"))
    site, root = _site(tmp_path)
    site.ds.reports.append(types.SimpleNamespace(body="t.csv"))
    site.ds.package = types.SimpleNamespace(tables={"t": types.SimpleNamespace(path="t.csv")})
    calls = []

    def compute(name):
        calls.append(name)
        return [PageDoc(path="x.md", title="x", template="", html="")]

    cache.module_docs(site, ["m"], compute)
    cache.module_docs(site, ["m"], compute)
    assert calls == ["m"]
    (root / "t.csv").write_text("a\n2\n", encoding="utf-8")
    cache.module_docs(site, ["m"], compute)
    assert calls == ["m", "m"]


# -- the reports module itself ---------------------------------------------------------------------


def _tiny_site(tmp_path):
    from generator.build import prepare

    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    site, _ = prepare(data, dt.date.fromisoformat(AS_OF), validate=False, collect_fn=lambda s: [])
    return site, data


def test_reports_pages_for_files_after_a_body_edit(tmp_path, monkeypatch):
    from generator.pages import reports

    monkeypatch.setenv("DEPUTY_SITE_CACHE", str(tmp_path / "c"))
    monkeypatch.setattr(cache, "_STR_MEMOS", {})
    site, data = _tiny_site(tmp_path)
    made: list[str] = []
    report = reports._report
    monkeypatch.setattr(reports, "_report", lambda s, c, r: made.append(r.id) or report(s, c, r))

    def run():
        return cache.module_docs(site, ["reports"], lambda name: list(reports.pages(site)))

    first, stats = run()
    assert stats["computed"] == ["reports"]
    assert made == ["r04", "r03", "r02", "r01"]  # published ones, newest first; r05 is a draft

    made.clear()
    with open(data / "reports" / "r02.md", "a", encoding="utf-8") as f:
        f.write("\n补充：新增一段。\n")
    docs, stats = run()
    assert stats == {"computed": [], "reused": [], "updated": {"reports": ["reports/r02.md"]}}
    assert made == ["r02"]
    assert "补充：新增一段。" in next(d for d in docs if d.path == "reports/r02.md").html
    made.clear()
    assert docs == list(reports.pages(site))  # exactly what a full run makes

    # a file that is no published report's body (the draft's): the module cannot tell
    r05 = os.path.realpath(data / "reports" / "r05.md")
    assert reports.pages_for_files(site, {r05}) is None
    r01 = os.path.realpath(data / "reports" / "r01.md")
    assert [d.path for d in reports.pages_for_files(site, {r01, os.path.realpath(data / "reports" / "r02.md")})] == [
        "reports/r02.md",
        "reports/r01.md",
    ]


def test_reports_real_body_paths_match_package_path(tmp_path):
    """The fast path resolution gives what sanitize.package_path + realpath gives, for every
    shape of body path (a symlinked body or folder, "..", absolute, outside the package)."""
    from generator import sanitize
    from generator.pages.reports import _real_body_path

    root = tmp_path / "pkg"
    (root / "reports").mkdir(parents=True)
    (root / "reports" / "a.md").write_text("a", encoding="utf-8")
    (root / "reports" / "b.md").symlink_to("a.md")
    (root / "linked").symlink_to("reports", target_is_directory=True)
    (tmp_path / "out.md").write_text("out", encoding="utf-8")
    (root / "reports" / "out.md").symlink_to(tmp_path / "out.md")
    (root / "outdir").symlink_to(tmp_path, target_is_directory=True)
    real = _real_body_path(root)
    cases = [
        "reports/a.md",
        "reports/b.md",
        "linked/a.md",
        "linked/b.md",
        "./reports//a.md",
        "reports/../reports/a.md",
        "reports/out.md",
        "outdir/out.md",
        "../out.md",
        "/etc/passwd",
        "C:reports/a.md",
        "reports/none.md",
        "a\x00b",
        "",
        None,
        "reports",
        ".",
    ]
    expected = []
    for rel in cases:
        p = sanitize.package_path(root, rel)
        expected.append(None if p is None else os.path.realpath(p))
    assert [real(rel) for rel in cases] == expected
    a = os.path.realpath(root / "reports" / "a.md")
    assert expected[:6] == [a] * 6 and expected[6:11] == [None] * 5


# -- whole builds ----------------------------------------------------------------------------------

# Runs a build in a fresh interpreter, recording which report pages were made and what
# module_docs did, into the JSON file named by the first argument.
DRIVER = """
import json, sys
import generator.cache as C
import generator.pages.reports as R
from generator.cli import main
made, stats = [], []
report, module_docs = R._report, C.module_docs
R._report = lambda s, c, r: made.append(r.id) or report(s, c, r)
def spy(*a, **k):
    out = module_docs(*a, **k)
    stats.append(out[1])
    return out
C.module_docs = spy
rc = main(sys.argv[2:])
with open(sys.argv[1], "w", encoding="utf-8") as f:
    json.dump({"rc": rc, "made": made, "stats": stats[0] if stats else None}, f)
sys.exit(rc)
"""


def _build(tmp_path, data: Path, out: Path, cache_dir: str) -> tuple[subprocess.CompletedProcess, dict]:
    record = tmp_path / "record.json"
    record.unlink(missing_ok=True)
    env = dict(os.environ, DEPUTY_SITE_CACHE=cache_dir)
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            DRIVER,
            str(record),
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
    return r, json.loads(record.read_text(encoding="utf-8")) if record.exists() else {}


@pytest.mark.slow
def test_body_edits_and_report_changes_rebuild_as_a_clean_build(tmp_path):
    from generator.pages import PAGE_MODULES

    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    cdir = str(tmp_path / "cache")
    site, clean = tmp_path / "site", tmp_path / "clean"

    def same_as_clean():
        shutil.rmtree(clean, ignore_errors=True)
        r, _ = _build(tmp_path, data, clean, "off")
        assert r.returncode == 0, r.stderr
        assert tree(site) == tree(clean)

    r, rec = _build(tmp_path, data, site, cdir)
    assert r.returncode == 0, r.stderr
    assert rec["stats"]["computed"] == PAGE_MODULES

    # one body edited: that report's page only
    with open(data / "reports" / "r03.md", "a", encoding="utf-8") as f:
        f.write("\n\n补充说明：本段为增量构建测试新增的内容。\n")
    r, rec = _build(tmp_path, data, site, cdir)
    assert r.returncode == 0, r.stderr
    assert rec["made"] == ["r03"]
    assert rec["stats"]["updated"] == {"reports": ["reports/r03.md"]}
    assert "reports" not in rec["stats"]["computed"] and "deputies" in rec["stats"]["reused"]
    assert "补充说明" in (site / "reports" / "r03" / "index.html").read_text(encoding="utf-8")
    same_as_clean()

    # nothing changed since: no page computed again
    r, rec = _build(tmp_path, data, site, cdir)
    assert r.returncode == 0, r.stderr
    assert rec["made"] == [] and "reports" in rec["stats"]["reused"]

    # a body edit the validator refuses is refused as a clean build refuses it; the site stays
    before = tree(site)
    body = data / "reports" / "r03.md"
    good = body.read_text(encoding="utf-8")
    body.write_text(good + "\n<script>alert(1)</script>\n", encoding="utf-8")
    refused, _ = _build(tmp_path, data, site, cdir)
    clean_refused, _ = _build(tmp_path, data, clean, "off")
    assert refused.returncode == clean_refused.returncode == 1
    assert "body-raw-html" in refused.stderr or "HTML" in refused.stderr
    assert refused.stderr == clean_refused.stderr
    assert tree(site) == before
    body.write_text(good, encoding="utf-8")

    # a report added (a CSV row and its body): every module is computed again
    rows = (data / "reports.csv").read_text(encoding="utf-8")
    # long enough to count as written (report-too-short: at least 80 characters of text)
    body = "# 新增的报告\n\n" + "新增报告的正文，写明本年度履职的情况。" * 6 + "\n"
    (data / "reports" / "r06.md").write_text(body, encoding="utf-8")
    (data / "reports.csv").write_text(
        rows + "r06,d05,m06,2025-10-20,4,written,voters,,reports/r06.md,,,,,published\n", encoding="utf-8"
    )
    r, rec = _build(tmp_path, data, site, cdir)
    assert r.returncode == 0, r.stderr
    assert rec["stats"]["computed"] == PAGE_MODULES and rec["stats"]["updated"] == {}
    assert sorted(rec["made"]) == ["r01", "r02", "r03", "r04", "r06"]
    same_as_clean()

    # and removed again
    (data / "reports.csv").write_text(rows, encoding="utf-8")
    (data / "reports" / "r06.md").unlink()
    r, rec = _build(tmp_path, data, site, cdir)
    assert r.returncode == 0, r.stderr
    assert rec["stats"]["computed"] == PAGE_MODULES and sorted(rec["made"]) == ["r01", "r02", "r03", "r04"]
    assert not (site / "reports" / "r06").exists()
    same_as_clean()
