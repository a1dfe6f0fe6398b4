"""The optional search_synonyms table (issue 15): declared in data/datapackage.yaml, validated
like every other table, documented in the data dictionary, carried to the index's manifest
by the search page's entry, and used by search.js at query time."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import yaml
from search_support import needs_node, run_queries

from generator import dictionary
from generator.descriptor import read_package
from generator.model import load_dataset
from generator.outputs.search_index import docs_from_pages
from generator.pages import SiteContext
from generator.pages import search as search_page
from generator.search import SYNONYMS, Doc, build, synonyms_of
from generator.validate import validate_package

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests/fixtures/tiny"
AS_OF = dt.date(2026, 11, 20)


def _with_synonyms(tmp_path: Path, csv_text: str) -> Path:
    """The tiny fixture plus data/'s search_synonyms resource and the given CSV."""
    pkg = tmp_path / "pkg"
    shutil.copytree(TINY, pkg)
    ours = next(r for r in yaml.safe_load((ROOT / "data/datapackage.yaml").read_text("utf-8"))["resources"]
                if r["name"] == "search_synonyms")  # fmt: skip
    raw = yaml.safe_load((pkg / "datapackage.yaml").read_text("utf-8"))
    raw["resources"].append(ours)
    (pkg / "datapackage.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), "utf-8")
    (pkg / "search_synonyms.csv").write_text(csv_text, encoding="utf-8")
    return pkg


def test_the_table_is_optional_and_documented(county_demo):
    assert "search_synonyms" not in read_package(TINY).tables  # tiny has none: valid
    assert not [p for p in validate_package(TINY, AS_OF) if p.file.startswith("search_synonyms")]
    text = dictionary.generate(county_demo)
    assert "### 搜索同义词 `search_synonyms`" in text and "| `term` | 群众用语 |" in text


def test_bad_rows_are_reported_at_their_line(tmp_path):
    pkg = _with_synonyms(tmp_path, "term,synonym\n述职,报告履职\n述职,报告履职\n述 职,报告履职\n提案,\n")
    got = sorted((p.row, p.field, p.code) for p in validate_package(pkg, AS_OF) if p.file == "search_synonyms.csv")
    assert got == [(3, "term,synonym", "duplicate-id"), (4, "term", "unsafe-id"), (5, "synonym", "required")]


def test_the_search_page_carries_the_pairs_to_the_index(tmp_path):
    pkg = _with_synonyms(tmp_path, "term,synonym\n述职,报告履职\n联系电话,办公电话\n联系电话,联络站\n")
    site = SiteContext(ds=load_dataset(pkg), as_of=AS_OF)
    (page,) = search_page.pages(site)
    assert page.search.kind == SYNONYMS
    (doc,) = [d for d in docs_from_pages([page]) if d.kind == SYNONYMS]
    assert synonyms_of([doc]) == {"述职": ["报告履职"], "联系电话": ["办公电话", "联络站"]}
    # no table: no entry
    (plain,) = search_page.pages(SiteContext(ds=load_dataset(TINY), as_of=AS_OF))
    assert plain.search is None


def test_synonyms_are_normalised_and_pointless_pairs_dropped():
    doc = Doc(SYNONYMS, "", "search/", text=json.dumps([["ＡＢ", "ab"], ["述 职", "报告·履职"], ["电", "电话"]]))
    assert synonyms_of([doc]) == {"述职": ["报告履职"]}


@needs_node
def test_a_query_with_a_term_finds_the_pages_that_say_the_synonym(tmp_path):
    pairs = [["述职", "报告履职"], ["联系电话", "办公电话"]]
    docs = [
        Doc("report", "王明华报告履职情况", "reports/r1/", person="王明华", text="向选民报告履职情况"),
        Doc("station", "甲镇人大代表联络站", "stations/s1/", text="办公电话 0000"),
        Doc("page", "说明", "about/", text="述职是报告履职的俗称"),
        Doc(SYNONYMS, "搜索同义词", "search/", text=json.dumps(pairs, ensure_ascii=False)),
    ]
    build(docs, tmp_path)
    man = json.loads((tmp_path / "search/idx/manifest.json").read_text("utf-8"))
    assert man["syn"] == {"述职": ["报告履职"], "联系电话": ["办公电话"]} and man["docs"] == 3
    a, b, c = run_queries(tmp_path / "search/idx", ["述职", "联系电话", "王明华述职"])
    assert sorted(a["urls"]) == ["about/", "reports/r1/"]  # the word itself and its synonym, both exact
    assert {x["match"] for x in a["results"]} == {"exact"}
    assert b["urls"] == ["stations/s1/"]
    assert c["urls"] == ["reports/r1/"]
