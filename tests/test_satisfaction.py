"""满意度 on the pages (issue 14): the lead deputy's rating of how a suggestion was handled,
shown on the suggestion page, counted on the deputy page and on the suggestion index, with
expectations computed from the tiny fixture's rows (tests/fixtures/tiny/suggestions.csv)."""

from __future__ import annotations

import csv
import datetime as dt
import html
import re
from collections import Counter
from pathlib import Path

import pytest

from generator.pages import collect
from generator.pipeline import pages

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"
AS_OF = dt.date(2026, 11, 20)
LABEL = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}
ANSWERED = ("resolved", "planned", "explained")


def rows(table: str) -> list[dict]:
    with (TINY / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


@pytest.fixture(scope="module")
def docs():
    site, _ = pages(TINY, AS_OF, validate=False)
    return {d.path: d for d in collect(site, ["deputies", "suggestions", "methodology"])}


def test_the_fixture_has_every_rating_and_unrated_suggestions():
    sugg = rows("suggestions")
    assert {s["satisfaction"] for s in sugg} == {"", *LABEL}
    assert all(s["status"] in ANSWERED for s in sugg if s["satisfaction"])


@pytest.mark.parametrize("lead", sorted({s["lead_deputy_id"] for s in rows("suggestions")}))
def test_deputy_page_counts_the_ratings_of_the_suggestions_led(docs, lead):
    led = [s for s in rows("suggestions") if s["lead_deputy_id"] == lead]
    n = Counter(s["satisfaction"] for s in led if s["satisfaction"])
    unrated = sum(1 for s in led if s["status"] in ANSWERED and not s["satisfaction"])
    page = docs[f"deputies/{lead}.md"].html
    block = re.findall(r'<p class="ds-sat">(.*?)</p>', page)
    if not n and not unrated:
        assert block == []
        return
    want = "领衔建议的办理满意度（本人对答复的测评）："
    if n:
        want += "，".join(f"{LABEL[k]} {n[k]} 件" for k in LABEL) + f"（共测评 {sum(n.values())} 件）"
    if unrated:
        want += ("；" if n else "") + f"已答复、尚未测评 {unrated} 件"
    assert [text(b) for b in block] == [want + "。"]


def test_deputy_page_rating_column_only_where_a_suggestion_has_one(docs):
    sugg = rows("suggestions")
    cosigned = {}
    for c in rows("suggestion_cosigners"):
        cosigned.setdefault(c["deputy_id"], []).append(c["suggestion_id"])
    by_id = {s["id"]: s for s in sugg}
    for d in rows("deputies"):
        mine = [s for s in sugg if s["lead_deputy_id"] == d["id"]] + [by_id[i] for i in cosigned.get(d["id"], [])]
        page = docs[f"deputies/{d['id']}.md"].html
        has_column = '<th scope="col">满意度</th>' in page
        assert has_column == any(s["satisfaction"] for s in mine), d["id"]
        if has_column:
            cells = [text(c) for c in re.findall(r'<td data-label="满意度">(.*?)</td>', page)]
            assert sorted(cells) == sorted(LABEL.get(s["satisfaction"], "") for s in mine)


@pytest.mark.parametrize("s", rows("suggestions"), ids=lambda s: s["id"])
def test_suggestion_page_shows_the_rating(docs, s):
    page = docs[f"suggestions/{s['id']}.md"].html
    dd = text(re.search(r"<dt>满意度</dt><dd>(.*?)</dd>", page).group(1))
    if s["satisfaction"]:
        assert dd == f"{LABEL[s['satisfaction']]}（领衔代表对办理情况的测评）"
        assert f"领衔代表{LABEL[s['satisfaction']]}</span>" in page
    elif s["status"] in ANSWERED:
        assert dd == "领衔代表尚未测评"
    else:
        assert dd == "答复后由领衔代表测评"


def test_suggestion_index_counts_every_rating(docs):
    sugg = rows("suggestions")
    n = Counter(s["satisfaction"] for s in sugg if s["satisfaction"])
    rated = sum(n.values())
    unrated = sum(1 for s in sugg if s["status"] in ANSWERED and not s["satisfaction"])
    page = docs["suggestions/index.md"].html
    block = re.search(r'<h2 id="satisfaction">办理满意度</h2>\s*<p>(.*?)</p>', page, re.S).group(1)
    parts = "，".join(f"{LABEL[k]} {n[k]} 件（{round(100 * n[k] / rated)}%）" for k in LABEL)
    tail = f"；另有已答复、尚未测评 {unrated} 件" if unrated else ""
    assert text(block) == (
        f"领衔代表收到答复后，对办理情况测评满意度。已测评 {rated} 件：{parts}{tail}。"
        "百分比以已测评的件数为分母（统计口径）。"
    )
    assert '<a href="../methodology/#satisfaction">统计口径</a>' in block
    assert '<p id="satisfaction">' in docs["methodology/index.md"].html


def _lists(docs) -> dict[str, list[dict]]:
    """Each suggestion list page of tiny and the fixture rows it lists (by year and status)."""
    out = {}
    for path in docs:
        m = re.fullmatch(r"suggestions/list/(\d{4})/(\w+)\.md", path)
        if m:
            year, status = m.groups()
            out[path] = [s for s in rows("suggestions") if s["date"][:4] == year and status in ("all", s["status"])]
    return out


def test_list_columns_shown_only_when_the_list_has_a_value(docs):
    lists = _lists(docs)
    seen = Counter()
    for path, listed in lists.items():
        page = docs[path].html
        for field, header in (("award", "评选"), ("satisfaction", "满意度")):
            want = any(s[field] for s in listed)
            assert (f'<th scope="col">{header}</th>' in page) == want, (path, header)
            seen[(field, want)] += 1
    # both cases occur for both columns in tiny, so neither branch is untested
    assert set(seen) == {("award", True), ("award", False), ("satisfaction", True), ("satisfaction", False)}


def test_list_rows_show_the_rating(docs):
    for path, listed in _lists(docs).items():
        if not any(s["satisfaction"] for s in listed):
            continue
        page = docs[path].html
        header = re.findall(r'<th scope="col">(.*?)</th>', page.split("<tbody>")[0])
        col = header.index("满意度")
        got = {}
        for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", page.split("<tbody>")[1]):
            cells = re.findall(r"<td[^>]*>(.*?)</td>", tr)
            sid = re.search(r'href="(?:\.\./)+(sg\d+)/"', tr).group(1)  # the title's link
            got[sid] = text(cells[col])
        assert got == {s["id"]: LABEL.get(s["satisfaction"], "") for s in listed}, path


def test_excel_import_reads_the_chinese_header_and_labels():
    """A clerk types 满意度 as the header and 满意 / 基本满意 / 不满意 in the cells: the import
    writes the package's codes (the data dictionary's enum labels, no mapping of its own)."""
    from generator.descriptor import read_package
    from generator.staff.xlsx_import import match_header, to_schema_text

    t = read_package(TINY).tables["suggestions"]
    f = match_header(t, "满意度")
    assert f is not None and f.name == "satisfaction"
    assert [to_schema_text(f, v) for v in ("满意", "基本满意", "不满意", "")] == [*LABEL, ""]
