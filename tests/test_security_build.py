"""The attack corpus through a full build: nothing executable in any output.

tests/attacks/payloads.yaml is put into every free-text field of the tiny fixture and into
every published report body (tests/attacks/attack_package.py); the site is built through
generator.build (validation bypassed, since the validator rightly refuses these bodies) and
every output file is checked statically (tests/attacks/outputcheck.py).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from attacks.attack_package import BODY_FIELD, FIELDS, build_attack_site, load_payloads
from attacks.outputcheck import check_csv, check_html, check_site, check_xml
from leakscan import iter_files

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def attack_site(tmp_path_factory):
    return build_attack_site(tmp_path_factory.mktemp("attack"), TINY)


def test_corpus_is_big_enough_and_covers_every_route():
    payloads = load_payloads()
    assert len(payloads) >= 30
    assert len({p.id for p in payloads}) == len(payloads)
    assert {p.route for p in payloads} >= {
        "html",
        "attribute",
        "title",
        "front-matter",
        "json",
        "markdown",
        "xml",
        "svg",
        "csv",
        "unicode",
    }
    assert all("{tok}" in p.text for p in payloads)


def test_no_executable_markup_in_any_output(attack_site):
    _pkg, out, _placed, _docs = attack_site
    assert check_site(out) == []


def test_every_payload_reached_the_output_in_every_field(attack_site):
    """Otherwise the test above would prove nothing: each (payload, field) token is somewhere
    in the published files (as escaped text)."""
    _pkg, out, placed, _docs = attack_site
    seen: set[str] = set()
    for _name, data in iter_files(out):
        t = data.decode("utf-8", "replace")
        seen.update(re.findall(r"zq\d\dx\d\d", t))
    missing = sorted(f"{tok} {pid} {table}.{col}" for tok, (pid, table, col) in placed.items() if tok not in seen)
    assert missing == []
    fields_hit = {(t, c) for (_p, t, c) in placed.values()}
    assert fields_hit == set(FIELDS) | {BODY_FIELD}


def test_payloads_reached_the_svg_charts(attack_site):
    """Group and station names are chart labels: payloads are inside inline SVG, as text."""
    _pkg, out, _placed, _docs = attack_site
    charts = [
        m.group(0)
        for p in out.rglob("*.html")
        for m in re.finditer(r"<svg\b.*?</svg>", p.read_text(encoding="utf-8"), re.S)
    ]
    with_payload = [c for c in charts if re.search(r"zq\d\dx\d\d", c)]
    assert with_payload
    for c in with_payload:
        assert check_html("chart.svg", c) == []
        assert "<script" not in c and "<foreignObject" not in c


def test_page_docs_are_safe_before_mkdocs(attack_site):
    """Defence in depth: the page functions' own HTML (what the adapter hands to mkdocs, and
    what the search/open-data outputs read) is clean on its own."""
    _pkg, _out, _placed, docs = attack_site
    findings = []
    for d in docs:
        findings += check_html(d.path, d.html)
    assert findings == []


def test_titles_and_meta_are_escaped(attack_site):
    _pkg, out, _placed, _docs = attack_site
    pages = sorted(out.rglob("*.html"))
    assert pages
    for p in pages:
        html = p.read_text(encoding="utf-8")
        head = html.split("</head>", 1)[0]
        for m in re.finditer(r"<meta\b[^>]*>", head):
            assert "<script" not in m.group(0)[5:].lower(), (p, m.group(0))
        t = re.search(r"<title>(.*?)</title>", head, re.S)
        assert t and "<" not in t.group(1), p


def test_feed_parses_and_json_files_parse(attack_site):
    _pkg, out, _placed, _docs = attack_site
    feeds = list(out.rglob("*.xml"))
    assert feeds, "no XML output"
    for f in feeds:
        assert check_xml(f.name, f.read_bytes()) == []
    for f in out.rglob("*.json"):
        json.loads(f.read_text(encoding="utf-8"))


def test_payloads_in_json_are_only_string_values(attack_site):
    _pkg, out, _placed, _docs = attack_site

    def walk(v, where):
        if isinstance(v, dict):
            for k, x in v.items():
                assert "zq" not in k and "<" not in k, (where, k)
                walk(x, where)
        elif isinstance(v, list):
            for x in v:
                walk(x, where)

    for f in out.rglob("*.json"):
        walk(json.loads(f.read_text(encoding="utf-8")), f)


def test_open_data_csv_has_no_formula_cells(attack_site):
    _pkg, out, _placed, _docs = attack_site
    csvs = [(n, d) for n, d in iter_files(out) if n.split("!")[-1].endswith(".csv")]
    assert csvs, "no CSV downloads"
    for name, data in csvs:
        assert check_csv(name, data.decode("utf-8-sig")) == []
    # and the text is kept, behind an apostrophe, not dropped
    cells = [c for _n, d in csvs for row in csv.reader(io.StringIO(d.decode("utf-8-sig"))) for c in row]
    assert any(c.startswith("'=HYPERLINK(") for c in cells)


def test_front_matter_in_a_body_is_text(attack_site):
    """A report body starting with '---' front matter must not become page metadata (title,
    template, tags): the body is shown as text and the page keeps its own template."""
    _pkg, out, _placed, docs = attack_site
    reports = [d for d in docs if re.fullmatch(r"reports/r\d+\.md", d.path)]
    assert reports
    templates = {d.template for d in reports}
    assert len(templates) == 1 and "passwd" not in templates.pop()
    for d in reports:
        assert not {"tags", "template"} & set(d.meta), d.meta
        assert d.meta.get("description") != "<img src=x onerror=window.__pwned=1>"
        assert "template: ../../../etc/passwd" in d.html  # shown as text
        page = (out / d.url / "index.html").read_text(encoding="utf-8")
        assert 'name="tags"' not in page


# --- the checker itself must catch what it claims to catch ------------------------------------


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>window.__pwned=1</script>",
        '<script src="https://evil.example/x.js"></script>',
        "<img src=x onerror=alert(1)>",
        '<a href=" jav&#x09;ascript:alert(1)">x</a>',
        '<iframe src="about:blank"></iframe>',
        '<meta http-equiv="refresh" content="0;url=http://127.0.0.1:9/pwned">',
        '<div style="background:url(http://127.0.0.1:9/pwned)">x</div>',
        "<title>a<script>x</script></title>",
        '<form action="https://evil.example/"></form>',
        '<img src="//evil.example/a.png">',
        "<svg><foreignObject></foreignObject></svg>",
        '<script type="application/json">{"a": "</script>"}</script>',
    ],
)
def test_checker_catches(snippet):
    assert check_html("x.html", f"<html><head></head><body>{snippet}</body></html>") != []


def test_checker_passes_the_sites_own_scripts():
    page = (
        '<html><head><title>a &lt;b&gt;</title><script src="../../assets/javascripts/bundle.x.min.js"></script>'
        '<script id="__config" type="application/json">{"base": ".."}</script>'
        "<script>var x = __md_get('__palette')</script></head>"
        '<body><a href="https://ok.example" rel="noopener">ok</a><img src="../photos/a.png"></body></html>'
    )
    assert check_html("x.html", page) == []


def test_checker_flags_csv_formulas():
    assert check_csv("x.csv", 'a,b\n=1+1,"-3"\n') == ["x.csv:2:1: spreadsheet formula '=1+1'"]
