"""A report body's own `#` title is not shown a second time under the page's title (issue 16)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from generator.pages import collect
from generator.pages.reports import without_own_title
from generator.pipeline import pages

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# 张建国代表履职情况报告\n\n## 一、情况\n\n正文\n", "## 一、情况\n\n正文\n"),
        ("\n\n# 关于2024年履职情况的报告 #\n正文\n", "\n\n正文\n"),  # closing hashes, no blank line after
        ("# 张建国\n\n正文\n", "正文\n"),  # the deputy's name alone
        # kept: a part written as "#", a heading that is not the title, one that is not first
        ("# 一、遵守宪法和法律情况报告\n\n正文\n", "# 一、遵守宪法和法律情况报告\n\n正文\n"),
        ("# 联系群众\n\n正文\n", "# 联系群众\n\n正文\n"),
        ("正文\n\n# 张建国代表履职情况报告\n", "正文\n\n# 张建国代表履职情况报告\n"),
        ("## 张建国代表履职情况报告\n\n正文\n", "## 张建国代表履职情况报告\n\n正文\n"),
        ("    # 张建国代表履职情况报告\n", "    # 张建国代表履职情况报告\n"),  # code, not a heading
        ("", ""),
    ],
)
def test_without_own_title(text, expected):
    assert without_own_title(text, "张建国") == expected


def test_report_pages_show_one_title():
    site, _ = pages(TINY, dt.date(2026, 11, 20), validate=False)
    docs = {d.path: d for d in collect(site, ["reports"])}
    for rid in ("r01", "r02", "r03", "r04"):  # the published tiny reports, each body starting "# …代表履职情况报告"
        first = (TINY / "reports" / f"{rid}.md").read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# ") and first.endswith("代表履职情况报告")
        html = docs[f"reports/{rid}.md"].html
        assert html.count("<h1>") == 1
        assert first[2:] not in html  # neither as a heading nor as text
        assert first[2:] not in docs[f"reports/{rid}.md"].search.text
