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
    return {d.path: d for d in collect(site, ["deputies", "suggestions"])}


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
