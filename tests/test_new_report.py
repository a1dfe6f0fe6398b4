"""`new-report`: the skeleton file, the appended draft row, and the errors."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from generator.cli import main
from generator.staff.new_report import REPORT_PARTS

TINY = Path(__file__).parent / "fixtures" / "tiny"


@pytest.fixture()
def data(tmp_path):
    d = tmp_path / "data"
    shutil.copytree(TINY, d)
    return d


def _rows(d: Path) -> list[dict]:
    with (d / "reports.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_county_deputy_gets_a_draft_with_the_five_parts(data, capsys):
    before = _rows(data)
    assert main(["new-report", "d03", "--data", str(data), "--date", "2026-10-20"]) == 0
    rows = _rows(data)
    assert rows[:-1] == before
    assert rows[-1] == {
        "id": "r2026-d03",
        "deputy_id": "d03",
        "mandate_id": "m04",
        "date": "2026-10-20",
        "term_year": "5",
        "mode": "meeting",
        "audience": "voters",
        "venue": "",
        "body": "reports/r2026-d03.md",
        "attendees": "",
        "eval_satisfied": "",
        "eval_basic": "",
        "eval_unsatisfied": "",
        "state": "draft",
    }
    body = (data / "reports" / "r2026-d03.md").read_text(encoding="utf-8")
    heads = [line[3:] for line in body.splitlines() if line.startswith("## ")]
    assert heads == list(REPORT_PARTS)
    assert heads[1:] == ["二、会议期间工作情况", "三、闭会期间活动情况", "四、联系人民群众情况", "五、其他情况"]
    assert heads[0].startswith("一、遵守宪法和法律法规")
    assert body.startswith("## 一、")  # no title of its own: the page shows one
    out = capsys.readouterr().out
    assert "reports/r2026-d03.md" in out and "state=draft" in out and "mandate=m04" in out
    assert "注意" not in out  # October is in the county window


def test_city_deputy_defaults_from_rules_and_second_report_gets_a_new_id(data, capsys):
    # d01 holds a national mandate (no reporting rule) and a city one: the city one is chosen
    assert main(["new-report", "d01", "--data", str(data), "--date", "2024-02-20"]) == 0
    assert main(["new-report", "d01", "--data", str(data), "--date", "2024-05-20"]) == 0
    rows = _rows(data)[-2:]
    assert [(r["id"], r["mandate_id"], r["term_year"], r["mode"], r["audience"]) for r in rows] == [
        ("r2024-d01", "m02", "3", "oral", "standing_committee"),
        ("r2024-d01-2", "m02", "3", "oral", "standing_committee"),
    ]
    out = capsys.readouterr().out
    assert out.count("注意 note: 本级代表按规定在2月、3月报告") == 1  # only the May one


def test_mandate_can_be_chosen(data):
    assert main(["new-report", "d07", "--data", str(data), "--date", "2025-11-01", "--mandate", "m09"]) == 0
    assert _rows(data)[-1]["mandate_id"] == "m09"
    assert _rows(data)[-1]["term_year"] == "1"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["dx"], "未知的代表编号 dx"),
        (["d06", "--date", "2026-10-20"], "没有现任代表资格"),  # resigned in 2023
        (["d01", "--date", "2027-06-01"], "在规则文件中没有报告要求"),  # only the national mandate is current
        (["d03", "--date", "2026-10-20", "--mandate", "m01"], "不是该代表"),
    ],
)
def test_errors_change_nothing(data, capsys, argv, message):
    before = (data / "reports.csv").read_bytes()
    files = sorted(p.name for p in (data / "reports").iterdir())
    assert main(["new-report", *argv, "--data", str(data)]) == 1
    assert message in capsys.readouterr().err
    assert (data / "reports.csv").read_bytes() == before
    assert sorted(p.name for p in (data / "reports").iterdir()) == files


def test_a_skeleton_set_to_published_is_refused(data):
    """The issue's case: a new-report draft published without writing a word (meeting mode, no
    venue) must not count as reported."""
    import datetime as dt

    from generator.validate import validate_package

    assert main(["new-report", "d03", "--data", str(data), "--date", "2026-10-20"]) == 0
    path = data / "reports.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",draft\n", ",published\n"), encoding="utf-8")
    line = text.count("\n")
    got = [
        (p.file, p.row, p.field, p.code)
        for p in validate_package(data, dt.date(2026, 10, 21))
        if p.code in ("report-venue-missing", "report-part-empty", "report-prompt-left", "report-too-short")
    ]
    assert got == [
        ("reports.csv", line, "venue", "report-venue-missing"),
        ("reports/r2026-d03.md", 1, "", "report-part-empty"),
        ("reports/r2026-d03.md", 3, "", "report-prompt-left"),
    ]
