"""Partitioned builds (generator/pipeline/parallel.py): partitions rendered by the worker pool,
or built by separate processes (`--partition K/N`) and stitched, are byte-identical to a
single-process build, with page bodies in memory or spooled to disk; the plan is deterministic
and keeps every page in exactly one partition; stitching refuses a file produced twice; a
failing render worker fails the build and leaves the site untouched."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
from concurrent.futures import Future
from importlib import import_module
from pathlib import Path

import pytest
from site_tree import tree

from generator import cli, workers
from generator.options import Options
from generator.pages import SiteContext, posters, reports
from generator.pipeline import build, pages, parallel, prepare
from generator.pipeline.publish import Workspace
from generator.pipeline.run import place_staged
from generator.sanitize import markdown_to_safe_html

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"
prepare_module = import_module("generator.pipeline.prepare")  # the package's `prepare` is the function
AS_OF = dt.date(2026, 11, 20)


def assert_same(a: Path, b: Path) -> None:
    ta, tb = tree(a), tree(b)
    assert sorted(ta) == sorted(tb)
    assert [k for k in ta if ta[k] != tb[k]] == []


def options(out: Path, **kw) -> Options:
    return Options(data_dir=TINY, out=out, as_of=AS_OF, **{"jobs": 1, "cache_dir": None, **kw})


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "DEPUTY_SITE_CACHE": "off", **(env or {})},
        timeout=300,
    )


@pytest.fixture(scope="module")
def single(tmp_path_factory) -> Path:
    """The reference: one process, bodies in memory, no store."""
    out = tmp_path_factory.mktemp("single") / "site"
    result = build(options(out, spool="off"))
    assert result.jobs == 1 and result.prepared.loader is None
    return out


@pytest.fixture(scope="module")
def tiny_pages():
    return pages(TINY, AS_OF, validate=False)


def test_plan_is_deterministic_and_keeps_shared_pages_in_partition_0(tiny_pages):
    site, docs = tiny_pages
    parts = parallel.plan(site, docs, 3)
    assert parts == parallel.plan(site, docs, 3)
    assert len(parts) == len(docs)
    assert set(parts) == {0, 1, 2}
    by_path = dict(zip((d.path for d in docs), parts))
    for shared in ("index.md", "deputies/index.md", "reports/index.md", "search.md", "data/index.md"):
        assert by_path[shared] == 0, shared
    assert parallel.plan(site, docs, 1) == [0] * len(docs)
    with pytest.raises(ValueError, match="need at least one partition"):
        parallel.plan(site, docs, 0)


def test_record_pages_belong_to_a_jurisdiction_and_index_pages_are_shared(tiny_pages):
    site, docs = tiny_pages
    units = parallel._units(site)
    by_path = {d.path: parallel.unit_of(d, units) for d in docs}
    assert by_path["index.md"] == parallel.SHARED
    assert by_path["deputies/index.md"] == parallel.SHARED
    area_ids = {a.id for a in site.ds.areas}
    deputy_units = {units[("deputies", d.id)] for d in site.ds.deputies}
    assert deputy_units - {parallel.SHARED} <= area_ids
    assert len(deputy_units - {parallel.SHARED}) >= 2
    for r in site.ds.published_reports():  # a report page goes with its record's unit
        assert by_path[f"reports/{r.id}.md"] == units[("reports", r.id)]


@pytest.mark.slow
def test_two_partitions_in_separate_processes_stitch_to_the_single_build(single, tmp_path):
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "generator",
                "build",
                "--data",
                str(TINY),
                "--out",
                str(tmp_path / f"part-{k}"),
                "--as-of",
                AS_OF.isoformat(),
                "--partition",
                f"{k}/2",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ, DEPUTY_SITE_CACHE="off"),
        )
        for k in (1, 2)
    ]
    for k, p in zip((1, 2), procs):
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert f", partition {k}/2" in out
    part_files = [set(tree(tmp_path / f"part-{k}")) for k in (1, 2)]
    assert part_files[0] & part_files[1] == set()
    assert all(part_files)
    assert (
        "sitemap.xml" in part_files[0] and "data/datapackage.zip" in part_files[0]
    )  # partition 1 holds every non-page file
    r = run("stitch", str(tmp_path / "part-1"), str(tmp_path / "part-2"), "--out", str(tmp_path / "site"))
    assert r.returncode == 0, r.stderr
    n = len(part_files[0]) + len(part_files[1])
    assert r.stdout == f"已拼接 stitched 2 partitions into {tmp_path / 'site'}: {n} files\n"
    assert_same(tmp_path / "site", single)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["part-1", "part-2", "site"]

    # stitching again into a folder that exists is refused, and changes nothing
    r = run("stitch", str(tmp_path / "part-1"), str(tmp_path / "part-2"), "--out", str(tmp_path / "site"))
    assert r.returncode == 1
    assert r.stderr == f"错误 error: {tmp_path / 'site'} 已存在 / already exists\n"
    assert_same(tmp_path / "site", single)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("jobs", "spool", "ahead"),
    [(2, "off", 10**6), (2, "on", 10**6), (3, "on", 10**6), (1, "on", 10**6), (2, "off", 1), (2, "on", 1)],
    ids=["2-memory", "2-spool", "3-spool", "1-spool", "2-memory-bodies-ahead", "2-spool-bodies-ahead"],
)
def test_pool_and_spooled_builds_match_the_single_build(single, tmp_path, monkeypatch, jobs, spool, ahead):
    submitted: list[str] = []
    real = workers.Pool.submit
    monkeypatch.setattr(workers.Pool, "submit", lambda p, fn, *a: submitted.append(fn.__name__) or real(p, fn, *a))
    result = build(options(tmp_path / "site", jobs=jobs, spool=spool, bodies_ahead=ahead))
    assert result.jobs == jobs
    assert submitted.count("render_job") == (jobs if jobs > 1 else 0)
    assert submitted.count("make_bodies") == (1 if ahead == 1 else 0)  # the report bodies made by a worker
    assert submitted.count("make_qr_codes") == (1 if ahead == 1 else 0)  # and the posters' QR codes
    assert (result.prepared.loader is not None) == (spool == "on")
    if spool == "on":
        assert {d.html for d in result.prepared.docs} == {""}  # bodies waited on disk
        # and so did the search texts (the index, equal to the single build's, read them back)
        assert {d.search.text for d in result.prepared.docs if d.search} == {""}
    assert_same(tmp_path / "site", single)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no spool, job files or parts left


@pytest.mark.slow
def test_a_loader_that_is_not_a_spool_puts_the_bodies_in_the_job_files(single, tmp_path):
    opts = options(tmp_path / "site", jobs=2, spool="on")
    with Workspace(tmp_path) as ws, workers.Pool(2) as pool:
        prep = prepare(opts, ws.dir, pool)
        reader = prep.loader
        assert isinstance(reader, parallel.SpoolReader)
        out = ws.dir / "site"
        parallel.render_parallel(
            pool,
            prep.site,
            prep.docs,
            out,
            ws.dir,
            opts.config_file,
            2,
            lambda folder: place_staged(prep, folder),
            html_loader=lambda path: reader(path),
        )
        assert_same(out, single)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.slow
def test_cli_build_with_two_processes_spool_and_store_matches_the_single_build(single, tmp_path):
    store = tmp_path / "store"
    env = {"DEPUTY_SITE_SPOOL": "on", "DEPUTY_SITE_CACHE": str(store)}
    said = []
    for out in ("a", "b"):  # the second build takes every page from the store
        args = ["--data", str(TINY), "--as-of", AS_OF.isoformat(), "--jobs", "2", "--out", str(tmp_path / out)]
        r = run("build", *args, env=env)
        assert r.returncode == 0, r.stderr
        assert ", 2 processes" in r.stdout
        assert_same(tmp_path / out, single)
        said.append(r.stdout)
    assert "from the store" not in said[0]
    generated = re.search(r"\((\d+) generated\)", said[0]).group(1)  # the second build takes them all
    assert said[1].rstrip().endswith(f", 2 processes, {generated} pages from the store {store}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "store"]  # no spool or work folder left


def test_stitch_refuses_a_file_from_two_partitions(tmp_path):
    for k in (1, 2):
        (tmp_path / f"p{k}" / "a").mkdir(parents=True)
        (tmp_path / f"p{k}" / "a" / f"only{k}.html").write_text("x")
    (tmp_path / "p2" / "a" / "only1.html").write_text("y")
    before = {k: tree(tmp_path / f"p{k}") for k in (1, 2)}
    for move in (True, False):
        out = tmp_path / f"out-{move}"
        with pytest.raises(parallel.StitchError, match="a/only1.html is produced by both"):
            parallel.stitch([tmp_path / "p1", tmp_path / "p2"], out, move=move)
        assert list(out.iterdir()) == []  # found before anything is written
        assert {k: tree(tmp_path / f"p{k}") for k in (1, 2)} == before
    # a file in one partition where another has a folder
    (tmp_path / "p3").mkdir()
    (tmp_path / "p3" / "a").write_text("file")
    with pytest.raises(parallel.StitchError, match="^a is produced by both"):
        parallel.stitch([tmp_path / "p1", tmp_path / "p3"], tmp_path / "out-3")


def test_stitch_refuses_an_output_folder_that_is_not_empty(tmp_path):
    (tmp_path / "p1").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x").write_text("x")
    with pytest.raises(parallel.StitchError, match="is not empty"):
        parallel.stitch([tmp_path / "p1"], tmp_path / "out")


@pytest.mark.parametrize("move", [True, False], ids=["move", "copy"])
def test_stitch_merges_every_file(tmp_path, move):
    (tmp_path / "p1" / "x").mkdir(parents=True)
    (tmp_path / "p1" / "x" / "index.html").write_text("1")
    (tmp_path / "p1" / "shared" / "a").mkdir(parents=True)
    (tmp_path / "p1" / "shared" / "a" / "index.html").write_text("3")
    (tmp_path / "p2" / "shared" / "b").mkdir(parents=True)
    (tmp_path / "p2" / "shared" / "b" / "index.html").write_text("4")
    (tmp_path / "p2" / "sitemap.xml").write_text("2")
    want = {"x/index.html": b"1", "shared/a/index.html": b"3", "shared/b/index.html": b"4", "sitemap.xml": b"2"}
    assert parallel.stitch([tmp_path / "p1", tmp_path / "p2"], tmp_path / "out", move=move) == 4
    assert tree(tmp_path / "out") == want
    left = {**tree(tmp_path / "p1"), **tree(tmp_path / "p2")}
    assert left == ({} if move else want)


def test_stitch_joins_a_folder_several_parts_have_into_the_first_s_and_finds_clashes_below_it(tmp_path):
    # a deputy's page folder from a render partition, its feed from the outputs: one folder
    files = {
        "p1": ["deputies/d1/index.html", "deputies/d2/index.html", "deputies/index.html"],
        "p2": ["deputies/d3/index.html", "deputies/d3/x/y.html"],
        "out": ["deputies/d1/feed.xml", "deputies/d2/feed.xml", "deputies/d3/feed.xml", "deputies/d3/x/z.html"],
    }
    for part, rels in files.items():
        for rel in rels:
            (tmp_path / part / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / part / rel).write_text(f"{part}:{rel}")
    parts = [tmp_path / p for p in files]
    assert parallel.stitch(parts, tmp_path / "site") == 9
    assert tree(tmp_path / "site") == {rel: f"{p}:{rel}".encode() for p, rels in files.items() for rel in rels}
    assert not any(f.is_file() for p in parts for f in p.rglob("*"))
    # a clash two levels under a folder that moves whole is found before anything moves
    for part in ("q1", "q2"):
        (tmp_path / part / "deputies" / "d1").mkdir(parents=True)
        (tmp_path / part / "deputies" / "d1" / "feed.xml").write_text(part)
    with pytest.raises(parallel.StitchError, match="deputies/d1/feed.xml is produced by both"):
        parallel.stitch([tmp_path / "q1", tmp_path / "q2"], tmp_path / "site2")
    assert list((tmp_path / "site2").iterdir()) == []
    assert (tmp_path / "q1" / "deputies" / "d1" / "feed.xml").is_file()


def test_partition_argument():
    assert parallel.parse_partition("1/4") == (0, 4)
    assert parallel.parse_partition("4/4") == (3, 4)
    assert cli._partition("2/2") == (1, 2)
    for bad in ("0/4", "5/4", "x", "1/"):
        with pytest.raises(ValueError):
            parallel.parse_partition(bad)
        with pytest.raises(argparse.ArgumentTypeError):
            cli._partition(bad)
    args = cli.build_parser().parse_args(["build", "--partition", "2/3", "--jobs", "2"])
    opts = cli.options(args)
    assert (opts.partition, opts.jobs) == ((1, 3), 2)


# generator/workers.py Pool.close(cancel=True) can hang for ever after a failed build (it kills
# workers that may hold the task queue's lock, then waits for the others): a build that fails
# with the pool running runs in a subprocess with a bounded wait, and a hang is reported as
# this known failure.
POOL_HANG = "a failed build hung (the pool must never wait for a killed worker)"

# A two-process build in a fresh interpreter whose page argv[2] gets a template that does not
# exist; prints the error the build raised.
BROKEN_BUILD = """
import dataclasses, datetime as dt, json, sys
from pathlib import Path
from generator.options import Options
from generator.pages import reports
from generator.pipeline import build
from generator.site_adapter import SiteBuildError
out, bad = Path(sys.argv[1]), sys.argv[2]
report = reports._report
def broken(s, c, r):
    doc = report(s, c, r)
    return dataclasses.replace(doc, template="no-such-template.html") if doc.path == bad else doc
reports._report = broken
try:
    build(Options(data_dir=Path(sys.argv[3]), out=out, as_of=dt.date(2026, 11, 20), jobs=2))
    error = None
except SiteBuildError as e:
    error = str(e)
print(json.dumps({"error": error}))
"""


@pytest.mark.slow
def test_a_failing_render_worker_fails_the_build_and_leaves_the_site_untouched(tiny_pages, tmp_path):
    site, docs = tiny_pages
    parts = dict(zip((d.path for d in docs), parallel.plan(site, docs, 2)))
    bad = next(p for p in sorted(parts) if p.startswith("reports/r") and parts[p] == 1)  # rendered by worker 2
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("published")
    proc = subprocess.Popen(
        [sys.executable, "-c", BROKEN_BUILD, str(out), bad, str(TINY)],
        cwd=ROOT,
        env={**os.environ, "DEPUTY_SITE_CACHE": "off"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the build and its workers
    )
    try:
        stdout, stderr = proc.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(POOL_HANG)
    assert proc.returncode == 0, stderr
    assert json.loads(stdout) == {"error": "partition 1: TemplateNotFound"}
    assert tree(out) == {"index.html": b"published"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no job files, parts or work folders


def test_report_bodies_made_ahead_are_the_sanitizer_s_html_looked_up_by_text(tmp_path):
    index = prepare_module.make_bodies(str(TINY), str(tmp_path))
    bodies = sorted((TINY / "reports").glob("*.md"))
    # as the report page reads them: without a leading title that repeats the page's own
    texts = {reports.without_own_title(f.read_text(encoding="utf-8-sig"), "") for f in bodies}
    assert len(index) == len(texts) >= 5
    done = Future()
    done.set_result(index)
    site = SiteContext(ds=None, as_of=AS_OF, bodies=prepare_module.MadeAhead(done, tmp_path / "bodies.spool"))  # type: ignore[arg-type]
    for text in texts:
        assert site.bodies(text) == markdown_to_safe_html(text)
        assert site.body_html(text) == markdown_to_safe_html(text)
    assert site.bodies("# 不在任何文件里") is None  # not made ahead: the page renders it itself
    assert site.body_html("# 不在任何文件里") == "<h2>不在任何文件里</h2>"


def test_qr_codes_made_ahead_are_the_posters_own_looked_up_by_address(tmp_path):
    targets = ["https://example.org/deputies/d01/", "https://example.org/stations/s01/"]
    index = prepare_module.make_qr_codes(targets, str(tmp_path))
    done = Future()
    done.set_result(index)
    made = prepare_module.MadeAhead(done, tmp_path / "qr.spool", str)
    for t in targets:
        assert made(t) == posters.qr_drawing(t)
        assert posters.qr_svg(t, "二维码", made(t)) == posters.qr_svg(t, "二维码")
    assert made("https://example.org/other/") is None  # not made ahead: the poster encodes it


def test_a_failed_bodies_worker_leaves_each_page_to_render_its_own_body(tmp_path):
    failed = Future()
    failed.set_exception(workers.WorkerDied("killed"))
    site = SiteContext(ds=None, as_of=AS_OF, bodies=prepare_module.MadeAhead(failed, tmp_path / "bodies.spool"))  # type: ignore[arg-type]
    assert site.bodies("正文") is None
    assert site.body_html("**正文**") == "<p><strong>正文</strong></p>"


@pytest.mark.slow
def test_bodies_are_made_ahead_only_when_the_reports_module_is_not_in_the_store(single, tmp_path, monkeypatch):
    submitted: list[str] = []
    real = workers.Pool.submit
    monkeypatch.setattr(workers.Pool, "submit", lambda p, fn, *a: submitted.append(fn.__name__) or real(p, fn, *a))
    for out, expect in (("a", 1), ("b", 0)):  # the second build reuses the reports module
        submitted.clear()
        build(options(tmp_path / out, jobs=2, spool="off", bodies_ahead=1, cache_dir=tmp_path / "store"))
        assert submitted.count("make_bodies") == expect, out
        assert_same(tmp_path / out, single)
