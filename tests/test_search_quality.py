"""Query quality: tests/search_queries.yaml against the county demo, through the real
search.js (in node) over the index the build writes. Every query must pass."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from search_support import run_queries

from generator.build import prepare
from generator.demo import generate
from generator.outputs.search_index import docs_from_pages
from generator.search import build

ROOT = Path(__file__).resolve().parent.parent
QUERIES = yaml.safe_load((ROOT / "tests/search_queries.yaml").read_text(encoding="utf-8"))

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed (apt-get install nodejs)")


@pytest.fixture(scope="module")
def county_index(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("search-county")
    generate("county", 1, tmp / "data")
    _site, pages = prepare(tmp / "data", validate=False)
    build(docs_from_pages(pages), tmp / "out")
    return tmp / "out/search/idx"


def _matches(res: dict, rule: dict) -> bool:
    if "kind" in rule and res["kind"] != rule["kind"]:
        return False
    return rule.get("title_contains", "") in res["title"]


def check(case: dict, r: dict) -> list[str]:
    got = r["results"]
    urls = [x["url"] for x in got]
    top5 = got[:5]
    errs = []
    if "first" in case and (not urls or urls[0] != case["first"]):
        errs.append(f"first should be {case['first']}")
    for u in case.get("top5", []):
        if u not in urls[:5]:
            errs.append(f"{u} not in top 5")
    if "first_match" in case and (not got or not _matches(got[0], case["first_match"])):
        errs.append(f"first does not match {case['first_match']}")
    if "top5_match" in case:
        if len(top5) < 5 and r["total"] >= 5:
            errs.append("fewer than 5 results shown")
        bad = [x["url"] for x in top5 if not _matches(x, case["top5_match"])]
        if not top5 or bad:
            errs.append(f"top 5 not all {case['top5_match']}: {bad or 'no results'}")
    if bool(case.get("partial")) != r["partial"]:
        errs.append(f"partial should be {bool(case.get('partial'))}")
    return errs


def test_query_set_is_big_enough():
    assert len(QUERIES) >= 40
    assert len({c["q"] for c in QUERIES}) == len(QUERIES)


def test_every_query_ranks_the_right_pages(county_index):
    results = run_queries(county_index, [c["q"] for c in QUERIES], limit=10)
    failures = {}
    for case, r in zip(QUERIES, results):
        errs = check(case, r)
        if errs:
            failures[case["q"]] = errs + [f"got: {[x['url'] for x in r['results'][:5]]}"]
    assert failures == {}


def test_first_query_bytes_stay_small_at_county_scale(county_index):
    """The issue's budget: < 300 KB (gzip) before the first results, for every query."""
    results = run_queries(county_index, [c["q"] for c in QUERIES], limit=10)
    over = {r["query"]: sum(f["gzip"] for f in r["files"]) for r in results}
    assert {q: b for q, b in over.items() if b >= 300_000} == {}
