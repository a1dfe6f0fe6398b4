"""Incremental builds after a report body edit (generator/pipeline/incremental.py `module_docs`
with generator/pages/reports.py `pages_for_files`): only the edited report's page is computed
again, and the site is byte for byte the one a clean build writes."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from site_tree import tree

from generator import store as st
from generator.options import Options
from generator.pages import PAGE_MODULES, PageDoc, SiteContext, checked
from generator.pipeline import build, incremental, pages
from generator.pipeline.run import command

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"
AS_OF = dt.date(2026, 11, 20)


# -- module_docs with a partial update (a stand-in module) ----------------------------------------


def _site(tmp_path: Path) -> tuple[SiteContext, Path]:
    root = tmp_path / "pkg"
    (root / "reports").mkdir(parents=True)
    for n in ("r1", "r2"):
        (root / "reports" / f"{n}.md").write_text(f"{n} 正文", encoding="utf-8")
    (root / "t.csv").write_text("a\n1\n", encoding="utf-8")
    return SiteContext(ds=SimpleNamespace(root=root), as_of=AS_OF), root


class _Module:
    """A page module: an index page (reads no body) and one page per body, each recording the
    body it reads in site.inputs as pages/reports.py does; `mode` makes its pages_for_files
    misbehave in the ways module_docs must catch."""

    def __init__(self, site: SiteContext, root: Path) -> None:
        self.site, self.root = site, root
        self.calls: list = []
        self.mode = "ok"

    def page(self, n: str) -> PageDoc:
        body = self.root / "reports" / f"{n}.md"
        self.site.inputs.add(os.path.realpath(body))
        text = body.read_text(encoding="utf-8")
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
        if self.mode == "twice":
            return [self.page("r1"), self.page("r1")]
        if self.mode == "reads-nothing":
            return [PageDoc(path="r/r1.md", title="r1", template="report.html", html="<p>?</p>", meta={"n": "r1"})]
        return [self.page(Path(f).stem) for f in sorted(files)]


def _entry_inputs(store: st.Store) -> list[str]:
    (k,) = store.keys("modules")
    return [Path(p).name for p, _ in json.loads(store.get("modules", k))["inputs"]]


def test_module_docs_computes_again_only_the_page_whose_body_changed(tmp_path):
    site, root = _site(tmp_path)
    store = st.Store(tmp_path / "store")
    mod = _Module(site, root)

    def run():
        mod.calls.clear()
        return incremental.module_docs(store, site, {"m": mod}, mod.compute, lambda m: None)

    first, stats = run()
    assert stats == {"computed": ["m"], "reused": [], "updated": {}}
    assert _entry_inputs(store) == ["r1.md", "r2.md"]

    (root / "reports" / "r2.md").write_text("r2 改过", encoding="utf-8")
    docs, stats = run()
    assert stats == {"computed": [], "reused": [], "updated": {"m": ["r/r2.md"]}}
    assert mod.calls == [["r2.md"]]
    assert docs == mod.compute("m")  # what computing the whole module gives, in the same order
    assert [d.path for d in docs] == ["r/index.md", "r/r1.md", "r/r2.md"]
    assert docs[2].html == "<p>r2 改过</p>"

    again, stats = run()  # the entry was stored with the new digest
    assert stats == {"computed": [], "reused": ["m"], "updated": {}}
    assert mod.calls == [] and again == docs
    assert _entry_inputs(store) == ["r1.md", "r2.md"]

    # anything unexpected: the whole module is computed again (and stored), never a guess
    for mode in ("none", "raise", "new-path", "twice", "reads-nothing"):
        mod.mode = mode
        (root / "reports" / "r1.md").write_text(f"r1 {mode}", encoding="utf-8")
        docs, stats = run()
        assert stats == {"computed": ["m"], "reused": [], "updated": {}}, mode
        assert mod.calls == [["r1.md"], "all"], mode
        assert docs[1].html == f"<p>r1 {mode}</p>"
        assert len(store.keys("modules")) == 1

    mod.mode = "ok"
    (root / "t.csv").write_text("a\n2\n", encoding="utf-8")  # a file the key covers: no partial update
    (root / "reports" / "r1.md").write_text("r1 再改", encoding="utf-8")
    _, stats = run()
    assert stats["computed"] == ["m"] and mod.calls == ["all"]
    assert len(store.keys("modules")) == 1


def test_without_pages_for_files_a_changed_body_computes_the_whole_module(tmp_path):
    site, root = _site(tmp_path)
    store = st.Store(tmp_path / "store")
    mod = _Module(site, root)
    plain = SimpleNamespace()  # a page module without pages_for_files
    incremental.module_docs(store, site, {"m": plain}, mod.compute, lambda m: None)
    (root / "reports" / "r1.md").write_text("r1 改过", encoding="utf-8")
    docs, stats = incremental.module_docs(store, site, {"m": plain}, mod.compute, lambda m: None)
    assert stats == {"computed": ["m"], "reused": [], "updated": {}}
    assert mod.calls == ["all", "all"]
    assert docs[1].html == "<p>r1 改过</p>"


def test_a_table_named_as_a_body_stays_in_the_key(tmp_path):
    """Tables are read before any module runs (no digest recorded): their bytes stay in the key
    even when a report's body names one (the validator refuses that; the store does not rely
    on it). Only report bodies (reports/<id>.md) are left out of the key, and only those a page
    recorded reading count."""
    site, root = _site(tmp_path)
    site.ds.reports = [SimpleNamespace(body="t.csv")]
    store = st.Store(tmp_path / "store")
    calls = []

    def compute(name):
        calls.append(name)
        return [PageDoc(path="x.md", title="x", template="", html="")]

    def run():
        return incremental.module_docs(store, site, {"m": SimpleNamespace()}, compute, lambda m: None)

    run()
    run()
    assert calls == ["m"]
    (root / "t.csv").write_text("a\n2\n", encoding="utf-8")
    run()
    assert calls == ["m", "m"]
    (root / "reports" / "r1.md").write_text("未读过的正文", encoding="utf-8")  # read by no page
    _, stats = run()
    assert calls == ["m", "m"] and stats["reused"] == ["m"]


# -- the reports module itself ---------------------------------------------------------------------


@pytest.fixture
def data(tmp_path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(TINY, d)
    return d


def test_reports_pages_for_files_after_a_body_edit(data, tmp_path, monkeypatch):
    from generator.pages import reports

    site, _docs = pages(data, AS_OF, validate=False)
    store = st.Store(tmp_path / "store")
    made: list[str] = []
    report = reports._report
    monkeypatch.setattr(reports, "_report", lambda s, c, r: made.append(r.id) or report(s, c, r))

    def run():
        made.clear()
        compute = lambda name: [checked(d) for d in reports.pages(site)]  # noqa: E731
        return incremental.module_docs(store, site, {"reports": reports}, compute, lambda m: None)

    first, stats = run()
    assert stats == {"computed": ["reports"], "reused": [], "updated": {}}
    assert made == ["r04", "r03", "r02", "r01"]  # published ones, newest first; r05 is a draft

    with open(data / "reports" / "r02.md", "a", encoding="utf-8") as f:
        f.write("\n补充：新增一段。\n")
    docs, stats = run()
    assert stats == {"computed": [], "reused": [], "updated": {"reports": ["reports/r02.md"]}}
    assert made == ["r02"]
    assert "补充：新增一段。" in next(d for d in docs if d.path == "reports/r02.md").html
    assert [d for d in docs if d.path != "reports/r02.md"] == [d for d in first if d.path != "reports/r02.md"]
    made.clear()
    assert docs == list(reports.pages(site))  # exactly what a full run makes

    # the draft's body is read by no page: editing it changes nothing
    with open(data / "reports" / "r05.md", "a", encoding="utf-8") as f:
        f.write("\n草稿补充。\n")
    again, stats = run()
    assert stats == {"computed": [], "reused": ["reports"], "updated": {}} and made == [] and again == docs

    # a file that is no published report's body (the draft's): the module cannot tell
    r05 = os.path.realpath(data / "reports" / "r05.md")
    assert reports.pages_for_files(site, {r05}) is None
    r01 = os.path.realpath(data / "reports" / "r01.md")
    assert [d.path for d in reports.pages_for_files(site, {r01, os.path.realpath(data / "reports" / "r02.md")})] == [
        "reports/r02.md",
        "reports/r01.md",
    ]
    # every published body is recorded as an input of the module, the draft's is not
    (k,) = store.keys("modules")
    recorded = [p for p, _ in json.loads(store.get("modules", k))["inputs"]]
    assert recorded == sorted(os.path.realpath(data / "reports" / f"r0{i}.md") for i in (1, 2, 3, 4))


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


@pytest.mark.slow
def test_body_edits_and_report_changes_rebuild_as_a_clean_build(data, tmp_path, monkeypatch, capsys):
    from generator.pages import reports

    made: list[str] = []
    report = reports._report
    monkeypatch.setattr(reports, "_report", lambda s, c, r: made.append(r.id) or report(s, c, r))
    site, clean = tmp_path / "site", tmp_path / "clean"
    opts = Options(data_dir=data, out=site, as_of=AS_OF, jobs=1, cache_dir=tmp_path / "store")

    def run(o=opts):
        made.clear()
        return build(o)

    def same_as_clean():
        run(opts.with_(out=clean, cache_dir=None))
        assert tree(site) == tree(clean)

    r = run()
    assert r.prepared.stats["computed"] == PAGE_MODULES
    n = len(r.prepared.docs)

    # one body edited: that report's page only
    with open(data / "reports" / "r03.md", "a", encoding="utf-8") as f:
        f.write("\n\n补充说明：本段为增量构建测试新增的内容。\n")
    r = run()
    assert made == ["r03"]
    assert r.prepared.stats["updated"] == {"reports": ["reports/r03.md"]}
    assert "reports" not in r.prepared.stats["computed"] and "deputies" in r.prepared.stats["reused"]
    assert r.render_stats == {"rendered": 2, "reused": n - 2}  # the report and the open-data page
    assert "补充说明" in (site / "reports" / "r03" / "index.html").read_text(encoding="utf-8")
    same_as_clean()

    # nothing changed since: no page computed or rendered again
    r = run()
    assert made == [] and r.prepared.stats["reused"] == PAGE_MODULES
    assert r.render_stats == {"rendered": 0, "reused": n}

    # a body edit the validator refuses is refused as a clean build refuses it; the site stays
    before = tree(site)
    body = data / "reports" / "r03.md"
    good = body.read_text(encoding="utf-8")
    body.write_text(good + "\n<script>alert(1)</script>\n", encoding="utf-8")
    capsys.readouterr()
    assert command(opts) == 1
    refused = capsys.readouterr().err
    assert command(opts.with_(cache_dir=None)) == 1
    assert capsys.readouterr().err == refused
    assert "报告正文含 HTML 标签 <script>" in refused
    assert tree(site) == before
    body.write_text(good, encoding="utf-8")

    # a report added (a CSV row and its body): every module is computed again
    rows = (data / "reports.csv").read_text(encoding="utf-8")
    # long enough to count as written (report-too-short: at least 80 characters of text)
    text = "# 新增的报告\n\n" + "新增报告的正文，写明本年度履职的情况。" * 6 + "\n"
    (data / "reports" / "r06.md").write_text(text, encoding="utf-8")
    (data / "reports.csv").write_text(
        rows + "r06,d05,m06,2025-10-20,4,written,voters,,reports/r06.md,,,,,published\n", encoding="utf-8"
    )
    r = run()
    assert r.prepared.stats == {"computed": PAGE_MODULES, "reused": [], "updated": {}}
    assert sorted(made) == ["r01", "r02", "r03", "r04", "r06"]
    assert 0 < r.render_stats["reused"] < len(r.prepared.docs)
    assert (site / "reports" / "r06" / "index.html").is_file()
    same_as_clean()

    # and removed again
    (data / "reports.csv").write_text(rows, encoding="utf-8")
    (data / "reports" / "r06.md").unlink()
    r = run()
    assert r.prepared.stats["computed"] == PAGE_MODULES and sorted(made) == ["r01", "r02", "r03", "r04"]
    assert not (site / "reports" / "r06").exists()
    same_as_clean()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean", "data", "site", "store"]
