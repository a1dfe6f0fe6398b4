"""Smoke test of the benchmark code (bench/) on the tiny demo package: it runs the real
commands and writes both result files. No timing is asserted, only that the figures exist
and agree with the built site."""

from __future__ import annotations

import json
import sys
from argparse import Namespace
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # bench/ is a top-level folder, not an installed package

from bench import measure, naive, run, sitestats  # noqa: E402


def test_measure_reports_time_memory_and_exit_status():
    r = measure.run(["python3", "-c", "import sys; x = bytearray(50 * 2**20); print('ok'); sys.exit(3)"])
    assert r.returncode == 3
    assert r.stdout == "ok\n"
    assert r.tree_rss_mb >= 50 or r.max_rss_mb >= 50
    assert r.seconds > 0


@pytest.mark.slow
def test_bench_on_the_tiny_package(tmp_path):
    args = Namespace(seed=1, jobs="auto", skip_naive=True, skip_incremental=False, keep_sites=True)
    result = run.measure_scale("tiny", args, tmp_path / "cache")
    site = tmp_path / "cache" / "sites" / "tiny"
    stats = sitestats.site_stats(site)
    assert result["pages"] == stats["pages"] > 40
    assert result["largest_page_kb"] == stats["largest_page_kb"]
    assert result["deputies"] == 20
    assert result["validate"]["seconds"] > 0 and result["build"]["seconds"] > 0
    assert result["build"]["tree_rss_mb"] > 0
    assert (
        result["first_search_gzip_bytes"]
        == result["search"]["page_gzip_bytes"] + result["search"]["max_index_gzip_bytes"]
    )
    assert [q["query"] for q in result["search"]["queries"]][:5] == sitestats.FIXED_QUERIES
    # the package is reused on a second call (same seed, same demo code)
    pkg, generated = run.ensure_package(tmp_path / "cache", "tiny", 1)
    assert generated is None and (pkg / "deputies.csv").is_file()
    doc = {"machine": run.machine(), "scales": {"tiny": result}, "updated": "now"}
    md = run.render_md(doc)
    assert f"| pages (HTML files) | {result['pages']:,} |" in md
    json.dumps(doc)


@pytest.mark.slow
def test_incremental_measure_on_tiny(tmp_path):
    pkg, _ = run.ensure_package(tmp_path / "cache", "tiny", 1)
    inc = run.incremental(pkg, tmp_path / "work")
    assert inc["identical_to_clean"] is True
    assert inc["differences"] == []
    # the median of three rebuilds, each after editing a different body
    assert inc["median_of"] == 3 and len(inc["edit_rebuild_runs_seconds"]) == 3
    assert inc["edit_rebuild_seconds"] == sorted(inc["edit_rebuild_runs_seconds"])[1]


def test_naive_project_has_every_page_and_material_search(tmp_path):
    n = naive.write_project(ROOT / "tests" / "fixtures" / "tiny", tmp_path / "naive")
    mds = list((tmp_path / "naive" / "docs").rglob("*.md"))
    assert len(mds) == n > 40
    cfg = (tmp_path / "naive" / "mkdocs.yml").read_text(encoding="utf-8")
    assert "- search:\n    lang: zh" in cfg
    assert "name: material" in cfg
