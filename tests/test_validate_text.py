"""`make validate` a clerk can act on: errors before warnings, the tables others refer to
first, one line per missing id with a count, warnings summed up by code (--details lists
each), names beside ids, --errors-only."""

from __future__ import annotations

import shutil
from pathlib import Path

from generator.cli import main
from generator.descriptor import read_package
from generator.problems import Problem, to_text
from generator.validate.text_context import file_order, id_names

TINY = Path(__file__).parent / "fixtures" / "tiny"
FK_FIX = "    处理 fix: 先在 deputies.csv 中加入该记录，或改正编号 / add the record to deputies.csv first, or correct the identifier"
OVERDUE = (
    "    例 e.g. mandates.csv:4: 代表 d02（李秀英）（职务代表）应在届内第 2 年报告，截至 2026-11-20 尚无已发布的报告 / "
    "deputy d02 (李秀英) (official) was due to report in term year 2; no published report as of 2026-11-20"
)
GROUP_MIX = (
    "    例 e.g. groups.csv:3: 小组现有成员中没有职务代表（应职务代表与基层代表搭配） / the group's current members "
    "include no official deputy (officials and grassroots deputies should be mixed)"
)


def run(capsys, *argv) -> tuple[int, list[str]]:
    rc = main(["validate", *argv, "--as-of", "2026-11-20"])
    out = capsys.readouterr().out.splitlines()
    return rc, out[1:]  # the first line names the folder


def blank_id(tmp_path) -> Path:
    """A clerk cleared d03's id: the cause is one cell of deputies.csv, not ten other rows."""
    root = tmp_path / "pkg"
    shutil.copytree(TINY, root)
    path = root / "deputies.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("\nd03,", "\n,"), encoding="utf-8")
    return root


def test_root_cause_first_one_line_per_missing_id_and_warnings_by_code(tmp_path, capsys):
    rc, out = run(capsys, str(blank_id(tmp_path)))
    assert rc == 1
    assert out == [
        "━━ 错误 errors: 11（先改这些 / fix these first）━━",
        "== deputies.csv ==",
        "deputies.csv:4 [id]: 错误 error required: id（编号）为必填项，不能为空 / id (编号) is required but empty",
        "    处理 fix: 填写该值 / fill in the value",
        "== deputies.csv：被引用但不存在的编号 / ids referred to but missing ==",
        "“d03”（共 10 处引用 / referred to 10 times: contacts.csv:3 [deputy_id]；station_members.csv:2 [deputy_id]；"
        "suggestions.csv:4 [lead_deputy_id]；group_members.csv:3 [deputy_id]；mandates.csv:5 [deputy_id]；"
        "suggestion_cosigners.csv:3 [deputy_id]；attendance.csv:4、10、15 [deputy_id]；reports.csv:3 [deputy_id]）: "
        "错误 error foreign-key: deputy_id 的值 “d03” 在 deputies.csv 中找不到 / deputy_id is “d03”, which is not in "
        "deputies.csv",
        FK_FIX,
        "━━ 警告 warnings: 4，按代码汇总（--details 列出每一条）/ by code (--details lists each) ━━",
        "report-overdue 逾期未报告 / Report overdue: 3 条 / 3",
        OVERDUE,
        "group-mix 小组构成缺少搭配 / Group lacks a mix: 1 条 / 1",
        GROUP_MIX,
        "共 11 个错误、4 个警告 / 11 errors, 4 warnings",
    ]


def test_errors_only(tmp_path, capsys):
    rc, out = run(capsys, str(blank_id(tmp_path)), "--errors-only")
    assert rc == 1
    assert not [x for x in out if "warning" in x and "errors," not in x]
    assert out[0] == "━━ 错误 errors: 11（先改这些 / fix these first）━━"
    assert out[-1] == "共 11 个错误、4 个警告 / 11 errors, 4 warnings"
    rc, out = run(capsys, str(TINY), "--errors-only")
    assert (rc, out) == (0, ["共 0 个错误、4 个警告 / 0 errors, 4 warnings"])


def test_details_lists_every_warning_by_file(capsys):
    rc, out = run(capsys, str(TINY), "--details")
    assert rc == 0
    assert [x.split(": ")[0] for x in out if " warning " in x] == [
        "groups.csv:3",
        "mandates.csv:4",
        "mandates.csv:9",
        "mandates.csv:10",
    ]
    assert out[0] == "━━ 警告 warnings: 4 ━━"


def test_file_order_puts_referenced_tables_first():
    order = file_order(read_package(TINY))
    ranked = sorted((f for f in order if f.endswith(".csv")), key=order.get)
    assert ranked.index("areas.csv") < ranked.index("constituencies.csv") < ranked.index("mandates.csv")
    assert ranked.index("deputies.csv") < ranked.index("mandates.csv") < ranked.index("reports.csv")
    assert ranked.index("activities.csv") < ranked.index("attendance.csv")
    assert order["datapackage.yaml"] < order["areas.csv"]


def test_names_beside_ids_and_folding_of_one_problem_on_many_rows():
    names = id_names(TINY, read_package(TINY))
    assert names["d01"] == "王明华" and "a01" not in names  # activities are not named
    p = [
        Problem("b.csv", r, "x", "same", "error", "值“d01”不对", "value “d01” is wrong") for r in (2, 3, 5, 7, 8, 9)
    ] + [Problem("a.csv", 4, "", "w", "warning", "代表 d01 缺少", "deputy d01 lacks")]
    assert to_text(p, order={"b.csv": 1}, names=names, titles={"w": ("某警告", "A warning")}).splitlines() == [
        "━━ 错误 errors: 6（先改这些 / fix these first）━━",
        "== b.csv ==",
        "b.csv:2、3、5、7、8… [x]（共 6 处 / 6 times）: 错误 error same: 值“d01（王明华）”不对 / value “d01 (王明华)” is wrong",
        "━━ 警告 warnings: 1，按代码汇总（--details 列出每一条）/ by code (--details lists each) ━━",
        "w 某警告 / A warning: 1 条 / 1",
        "    例 e.g. a.csv:4: 代表 d01（王明华） 缺少 / deputy d01 (王明华) lacks",
        "共 6 个错误、1 个警告 / 6 errors, 1 warnings",
    ]
