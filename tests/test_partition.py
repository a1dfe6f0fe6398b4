"""Partitioned builds (generator/partition.py): partitions built by separate processes and
stitched are byte-identical to a single-process build; the plan is deterministic and keeps
every page in exactly one partition; stitching refuses a file produced twice."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from site_tree import tree

from generator import partition
from generator.build import prepare, publish

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"
AS_OF = "2026-11-20"


def assert_same(a: Path, b: Path) -> None:
    ta, tb = tree(a), tree(b)
    assert sorted(ta) == sorted(tb)
    assert [k for k in ta if ta[k] != tb[k]] == []


def run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DEPUTY_SITE_CACHE="off")
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=ROOT, capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def single(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("single") / "site"
    r = run("build", "--data", str(TINY), "--out", str(out), "--as-of", AS_OF, "--jobs", "1")
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def tiny_pages():
    return prepare(TINY, dt.date.fromisoformat(AS_OF), validate=False)


def test_plan_is_deterministic_and_keeps_shared_pages_in_partition_0(tiny_pages):
    site, docs = tiny_pages
    parts = partition.plan(site, docs, 3)
    assert parts == partition.plan(site, docs, 3)
    assert len(parts) == len(docs)
    assert set(parts) == {0, 1, 2}
    by_path = dict(zip((d.path for d in docs), parts))
    for shared in ("index.md", "deputies/index.md", "reports/index.md", "search.md"):
        if shared in by_path:
            assert by_path[shared] == 0
    assert partition.plan(site, docs, 1) == [0] * len(docs)


def test_record_pages_belong_to_a_jurisdiction_and_index_pages_are_shared(tiny_pages):
    site, docs = tiny_pages
    units = partition._units(site)
    by_path = {d.path: partition.unit_of(d, units) for d in docs}
    assert by_path["index.md"] == partition.SHARED
    assert by_path["deputies/index.md"] == partition.SHARED
    area_ids = {a.id for a in site.ds.areas}
    deputy_units = {units[("deputies", d.id)] for d in site.ds.deputies}
    assert deputy_units - {partition.SHARED} <= area_ids
    assert len(deputy_units - {partition.SHARED}) >= 2


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
                AS_OF,
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
    for p in procs:
        _out, err = p.communicate()
        assert p.returncode == 0, err
    part_files = [set(tree(tmp_path / f"part-{k}")) for k in (1, 2)]
    assert part_files[0] & part_files[1] == set()
    assert all(part_files)
    r = run("stitch", str(tmp_path / "part-1"), str(tmp_path / "part-2"), "--out", str(tmp_path / "site"))
    assert r.returncode == 0, r.stderr
    assert_same(tmp_path / "site", single)


@pytest.mark.slow
def test_local_parallel_build_and_spooled_bodies_match_the_single_build(single, tiny_pages, tmp_path):
    site, docs = tiny_pages
    publish(site, docs, tmp_path / "par", render=lambda tmp: partition.build_parallel(site, docs, tmp, 2))
    assert_same(tmp_path / "par", single)
    spool = partition.Spool(tmp_path)
    light = [spool.put(d) for d in docs]
    spool.close_writing()
    assert all(d.html == "" for d in light)
    try:
        reader = spool.reader()
        publish(
            site,
            light,
            tmp_path / "spooled",  # workers read their bodies from the spool
            render=lambda tmp: partition.build_parallel(site, light, tmp, 3, html_loader=reader),
        )
        publish(
            site,
            light,
            tmp_path / "loaded",  # any other loader: bodies go in the job files
            render=lambda tmp: partition.build_parallel(site, light, tmp, 2, html_loader=lambda path: reader(path)),
        )
    finally:
        spool.discard()
    assert_same(tmp_path / "spooled", single)
    assert_same(tmp_path / "loaded", single)


@pytest.mark.slow
def test_cli_build_with_two_processes_spool_and_page_cache_matches_the_single_build(single, tmp_path):
    env = dict(os.environ, DEPUTY_SITE_SPOOL="on", DEPUTY_SITE_CACHE=str(tmp_path / "cache"))
    cmd = [sys.executable, "-m", "generator", "build", "--data", str(TINY), "--as-of", AS_OF, "--jobs", "2"]
    for out in ("a", "b"):  # the second build takes every page from the cache
        r = subprocess.run(cmd + ["--out", str(tmp_path / out)], cwd=ROOT, capture_output=True, text=True, env=env)
        assert r.returncode == 0, r.stderr
        assert "2 processes" in r.stdout
        assert_same(tmp_path / out, single)
    assert "pages from cache" in r.stdout
    assert not list(tmp_path.glob(".site-*"))  # no spool or temp folder left behind


def test_stitch_refuses_a_file_from_two_partitions(tmp_path):
    for k in (1, 2):
        (tmp_path / f"p{k}" / "a").mkdir(parents=True)
        (tmp_path / f"p{k}" / "a" / f"only{k}.html").write_text("x")
    (tmp_path / "p2" / "a" / "only1.html").write_text("y")
    with pytest.raises(partition.StitchError, match="a/only1.html"):
        partition.stitch([tmp_path / "p1", tmp_path / "p2"], tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_stitch_moves_every_file(tmp_path):
    (tmp_path / "p1" / "x").mkdir(parents=True)
    (tmp_path / "p1" / "x" / "index.html").write_text("1")
    (tmp_path / "p2").mkdir()
    (tmp_path / "p2" / "sitemap.xml").write_text("2")
    assert partition.stitch([tmp_path / "p1", tmp_path / "p2"], tmp_path / "out") == 2
    assert tree(tmp_path / "out") == {"x/index.html": b"1", "sitemap.xml": b"2"}


def test_partition_argument():
    assert partition.parse_partition("1/4") == (0, 4)
    assert partition.parse_partition("4/4") == (3, 4)
    for bad in ("0/4", "5/4", "x", "1/"):
        with pytest.raises(ValueError):
            partition.parse_partition(bad)


@pytest.mark.slow
def test_a_failing_render_worker_fails_the_build_and_leaves_the_site_untouched(tiny_pages, tmp_path):
    import dataclasses

    from generator.site_adapter import SiteBuildError

    site, docs = tiny_pages
    parts = partition.plan(site, docs, 2)
    bad = next(i for i, p in enumerate(parts) if p == 1)  # a record page rendered by worker 2
    broken = list(docs)
    broken[bad] = dataclasses.replace(docs[bad], template="no-such-template.html")
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("published")
    with pytest.raises(SiteBuildError) as e:
        publish(site, broken, out, render=lambda tmp: partition.build_parallel(site, broken, tmp, 2))
    assert str(e.value) == "partition 1: TemplateNotFound"
    assert tree(out) == {"index.html": b"published"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no job files, parts or temp folders
