"""Excel can never silently corrupt or drop data: every row is read whatever size a sheet
claims, mojibake and U+FFFD are errors at their cell, the change summary is printed before
anything is written, removals and large changes need --yes, --update adds or changes rows by
key, and the data folder is replaced all at once or not at all."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from test_import_xlsx import PKG, TINY, read_csv, snapshot, workbook_from

from generator.staff import safe_write
from generator.staff.xlsx_import import mojibake_guess, run_import
from generator.staff.xlsx_templates import build_workbook

AS_OF = dt.date(2026, 6, 1)


@pytest.fixture()
def out(tmp_path):
    d = tmp_path / "data"
    shutil.copytree(TINY, d)
    return d


def run(path: Path, out: Path, **kw) -> tuple[int, str]:
    buf = io.StringIO()
    rc = run_import(path, out, AS_OF, stream=buf, **kw)
    return rc, buf.getvalue()


def own_lines(text: str) -> list[str]:
    """The importer's own lines: reads, change summaries, problems, totals, writes."""
    return [x for x in text.splitlines() if not x.startswith("    处理 fix")]


def stale_dimension(path: Path, sheet_index: int, ref: str) -> None:
    """Rewrite one sheet's stored size, as LibreOffice or WPS leave it after edits."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == f"xl/worksheets/sheet{sheet_index}.xml":
                data, n = re.subn(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>'.encode(), data)
                assert n == 1
            dst.writestr(info, data)
    os.replace(tmp, path)


def test_every_row_is_read_whatever_the_stored_dimension_says(out, tmp_path):
    # attendance: 24 records; the stored size claims A1:B6 (5 records, 2 of 3 columns)
    book = workbook_from(TINY, tables={"attendance"}, as_typed=False)
    path = tmp_path / "attendance.xlsx"
    book.save(path)
    stale_dimension(path, 2, "A1:B6")  # sheet1 is 说明
    for t in PKG.tables.values():
        if t.name == "attendance":
            (out / t.path).write_text(",".join(t.field_names) + "\n", encoding="utf-8")
    rc, text = run(path, out)
    assert rc == 0, text
    assert "读取 read 考勤 → attendance.csv: 24 行 rows" in text
    assert read_csv(out / "attendance.csv") == read_csv(TINY / "attendance.csv")


def test_mojibake_copied_from_a_csv_opened_as_gbk_is_refused_at_its_cells(out, tmp_path):
    # a clerk opened deputies.csv (UTF-8, no BOM) in Excel on Chinese Windows and copied two rows
    book = workbook_from(TINY, tables={"deputies"}, as_typed=False)
    ws = book["代表"]
    for cell in ("B2", "D2", "F2", "B5", "I5"):
        ws[cell] = ws[cell].value.encode("utf-8").decode("gbk", errors="replace")
    path = tmp_path / "book.xlsx"
    book.save(path)
    before = snapshot(out)
    rc, text = run(path, out)
    assert rc == 1
    problems = [x for x in own_lines(text) if " error " in x]
    assert problems == [
        "代表!B2 [name]: 错误 error import-replacement-char: 单元格含有替换字符 �，原文字在转换编码时已经丢失；"
        "请从原始文件重新复制 / the cell holds the replacement character �: text was lost in an encoding "
        "conversion; copy it again from the original",
        "代表!D2 [ethnicity]: 错误 error import-mojibake: 单元格像是乱码（UTF-8 文字被当作 GBK 打开）；"
        "请用“数据→从文本/CSV”按 UTF-8 打开原文件，或改用 export 导出的工作簿：原文可能是“汉族” / the cell "
        "looks like mojibake (UTF-8 text opened as GBK); open the original as UTF-8 or use the workbook from "
        "export: probably “汉族”",
        "代表!F2 [occupation]: 错误 error import-mojibake: 单元格像是乱码（UTF-8 文字被当作 GBK 打开）；"
        "请用“数据→从文本/CSV”按 UTF-8 打开原文件，或改用 export 导出的工作簿：原文可能是“虚构农业合作社理事长” / "
        "the cell looks like mojibake (UTF-8 text opened as GBK); open the original as UTF-8 or use the "
        "workbook from export: probably “虚构农业合作社理事长”",
        "代表!B5 [name]: 错误 error import-mojibake: 单元格像是乱码（UTF-8 文字被当作 GBK 打开）；"
        "请用“数据→从文本/CSV”按 UTF-8 打开原文件，或改用 export 导出的工作簿：原文可能是“刘芳” / the cell "
        "looks like mojibake (UTF-8 text opened as GBK); open the original as UTF-8 or use the workbook from "
        "export: probably “刘芳”",
    ]
    assert "共 4 个错误、0 个警告 / 4 errors, 0 warnings" in text
    assert snapshot(out) == before


def test_mojibake_in_a_private_column_is_located_but_never_guessed(out, tmp_path):
    book = workbook_from(TINY, tables={"deputies"}, as_typed=False)
    book["代表"]["K2"] = "虚构县幸福路8号".encode().decode("gbk", errors="replace")
    path = tmp_path / "book.xlsx"
    book.save(path)
    rc, text = run(path, out)
    assert rc == 1
    [line] = [x for x in text.splitlines() if " error " in x]
    assert line.startswith("代表!K2 [home_address]: 错误 error import-")
    assert "幸福路" not in text


def test_a_csv_saved_back_by_excel_as_gbk_with_mojibake_is_refused(out, tmp_path):
    # opened as GBK, saved as CSV: the file is valid GB18030 whose text is mojibake
    text = (TINY / "deputies.csv").read_text(encoding="utf-8")
    garbled = text.encode("utf-8").decode("gbk", errors="replace").replace("\ufffd", "?")
    src = tmp_path / "deputies.csv"
    src.write_bytes(garbled.encode("gbk", errors="replace"))
    before = snapshot(out)
    rc, out_text = run(src, out)
    assert rc == 1
    assert "deputies.csv:2 [occupation]: 错误 error import-mojibake" in out_text
    assert "deputies.csv: 已从 GB18030 转换为 UTF-8" in out_text
    assert snapshot(out) == before


@pytest.mark.parametrize(
    "text, guess",
    [
        ("王明华", None),
        ("杉坪乡党委副书记、乡长", None),
        ("中共党员", None),
        ("Zhang Wei", None),
        ("鐜嬫槑鍗?", "王明?"),  # 王明华 opened as GBK, the split last character saved as ?
        ("娴嬭瘯", "测试"),
    ],
)
def test_mojibake_guess(text, guess):
    assert mojibake_guess(text) == guess


def test_genuine_chinese_text_is_never_taken_for_mojibake():
    import csv

    cells = [c for p in TINY.glob("*.csv") for r in csv.reader(p.open(encoding="utf-8")) for c in r]
    assert [c for c in cells if mojibake_guess(c)] == []
    assert all(mojibake_guess(c.encode().decode("gbk", "replace")) for c in ("王明华中", "汉族", "测试"))


def test_one_sheet_row_replacing_a_table_is_refused_and_update_adds_it(out, tmp_path):
    # adding one deputy the way a clerk does: one row in 代表, one in 代表资格
    wb = build_workbook(PKG)
    wb["代表"].append(["d11", "赵新", "男", "汉族", "群众", "农民", None, None, None, None, None])
    wb["代表资格"].append(["m99", "d11", "cy09", "k-cy-1", "否", "否", None, "2022-01-01", None, None])
    path = tmp_path / "new.xlsx"
    wb.save(path)
    before = snapshot(out)

    rc, text = run(path, out)
    assert rc == 1
    # the whole output: no flood of follow-on reference errors, the choice to make
    assert text.splitlines()[1:] == [
        "读取 read 代表 → deputies.csv: 1 行 rows（1 个中文选项已转换为代码 / choices converted to codes）",
        "读取 read 代表资格 → mandates.csv: 1 行 rows",
        "变更 changes 代表 → deputies.csv: 原有 10 行，导入后 1 行；新增 1、修改 0、删除 10 行 / 10 → 1 rows: "
        "1 added, 0 changed, 10 removed",
        "变更 changes 代表资格 → mandates.csv: 原有 12 行，导入后 1 行；新增 1、修改 0、删除 12 行 / 12 → 1 rows: "
        "1 added, 0 changed, 12 removed",
        "校验暂缓：请先决定是整表替换（--yes）还是只新增和修改（--update）/ validation skipped until you choose "
        "--yes (replace the table) or --update (add and change rows only)",
        "代表: 错误 error import-rows-removed: 导入会删除现有记录；只想新增或修改请加 --update，确实要删除请加 --yes："
        "deputies.csv 将删除 10 行（共 10 行） / the import would remove existing rows; use --update to add or "
        "change rows only, or --yes to remove them: deputies.csv: 10 of 10 rows",
        "代表资格: 错误 error import-rows-removed: 导入会删除现有记录；只想新增或修改请加 --update，确实要删除请加 "
        "--yes：mandates.csv 将删除 12 行（共 12 行） / the import would remove existing rows; use --update to add "
        "or change rows only, or --yes to remove them: mandates.csv: 12 of 12 rows",
        "共 2 个错误、0 个警告 / 2 errors, 0 warnings",
        f"未写入任何文件 / nothing written to {out}",
    ]
    assert snapshot(out) == before

    rc, text = run(path, out, update=True)
    assert rc == 0, text
    assert [x for x in own_lines(text) if x.startswith("变更")] == [
        "变更 changes 代表 → deputies.csv: 原有 10 行，导入后 11 行；新增 1、修改 0、删除 0 行 / 10 → 11 rows: "
        "1 added, 0 changed, 0 removed",
        "变更 changes 代表资格 → mandates.csv: 原有 12 行，导入后 13 行；新增 1、修改 0、删除 0 行 / 12 → 13 rows: "
        "1 added, 0 changed, 0 removed",
    ]
    assert "共 0 个错误" in text
    assert [x for x in text.splitlines() if x.startswith("警告")] == [
        "警告 warning group-mix: 1 条 / 1；例 e.g. groups.csv:3: 小组现有成员中没有职务代表（应职务代表与基层代表搭配） / "
        "the group's current members include no official deputy (officials and grassroots deputies should be mixed) "
        "（make validate DETAILS=1 列出每一条 / lists each）",
        "警告 warning report-overdue: 4 条 / 4；例 e.g. mandates.csv:4: 代表 d02（职务代表）应在届内第 2 年报告，截至 "
        "2026-06-01 尚无已发布的报告 / deputy d02 (official) was due to report in term year 2; no published report as "
        "of 2026-06-01 （make validate DETAILS=1 列出每一条 / lists each）",
    ]
    assert read_csv(out / "deputies.csv") == read_csv(TINY / "deputies.csv") + [
        ["d11", "赵新", "male", "汉族", "群众", "农民", "", "", "", "", ""]
    ]
    assert read_csv(out / "mandates.csv") == read_csv(TINY / "mandates.csv") + [
        ["m99", "d11", "cy09", "k-cy-1", "false", "false", "", "2022-01-01", "", ""]
    ]
    changed = [k for k in before if before[k] != snapshot(out)[k]]
    assert changed == ["deputies.csv", "mandates.csv"]


def test_update_changes_rows_by_key_and_keeps_columns_the_sheet_lacks(out, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "代表"
    ws.append(["编号\nid", "姓名\nname", "性别\ngender"])  # no private columns, no biography
    ws.append(["d02", "李秀英（改）", "女"])
    path = tmp_path / "fix.xlsx"
    wb.save(path)
    rc, text = run(path, out, update=True)
    assert rc == 0, text
    assert [x for x in own_lines(text) if x.startswith(("变更", "    修改的列"))] == [
        "变更 changes 代表 → deputies.csv: 原有 10 行，导入后 10 行；新增 0、修改 1、删除 0 行 / 10 → 10 rows: "
        "0 added, 1 changed, 0 removed",
        "    修改的列 changed columns: name 1 行",
    ]
    rows = read_csv(out / "deputies.csv")
    expected = read_csv(TINY / "deputies.csv")
    expected[2][1] = "李秀英（改）"
    assert rows == expected  # biography and the private columns of d02 kept


def test_update_with_a_key_twice_is_an_error(out, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "代表"
    ws.append(["编号\nid", "姓名\nname", "性别\ngender"])
    ws.append(["d02", "甲", "女"])
    ws.append(["d02", "乙", "女"])
    path = tmp_path / "dup.xlsx"
    wb.save(path)
    before = snapshot(out)
    rc, text = run(path, out, update=True)
    assert rc == 1
    assert [x for x in text.splitlines() if " error " in x] == [
        "代表!A3 [id]: 错误 error import-duplicate-key: 同一编号（主键）在工作表中出现了两次，--update 无法确定用哪一行"
        "：d02 / the same id (primary key) appears twice in the sheet; --update cannot tell which row to use"
    ]
    assert snapshot(out) == before


def test_more_than_a_tenth_changed_needs_yes(out, tmp_path):
    book = workbook_from(TINY, tables={"deputies"}, as_typed=False)
    book["代表"]["F2"] = "虚构职业一"
    book["代表"]["F3"] = "虚构职业二"  # 2 of 10 rows
    path = tmp_path / "two.xlsx"
    book.save(path)
    before = snapshot(out)
    rc, text = run(path, out)
    assert rc == 1
    assert [x for x in text.splitlines() if " error " in x] == [
        "代表: 错误 error import-many-changes: 导入会修改该表超过 10% 的现有记录；请核对变更摘要，确认无误后加 --yes "
        "重新导入：deputies.csv 将修改 2 行（共 10 行，20%） / the import would change more than 10% of the table's "
        "rows; check the change summary and rerun with --yes: deputies.csv: 2 of 10 rows (20%)"
    ]
    assert "    修改的列 changed columns: occupation 2 行" in text
    assert snapshot(out) == before
    rc, text = run(path, out, yes=True)
    assert rc == 0, text
    assert [r[5] for r in read_csv(out / "deputies.csv")[1:3]] == ["虚构职业一", "虚构职业二"]


def test_a_failed_swap_leaves_the_data_folder_as_it_was(out, tmp_path, monkeypatch):
    book = workbook_from(TINY, tables={"deputies", "mandates"}, as_typed=False)
    book["代表"]["F2"] = "虚构职业一"
    book["代表资格"]["G2"] = "虚构职务"
    path = tmp_path / "two.xlsx"
    book.save(path)
    before = snapshot(out)
    real = os.replace
    calls = []

    def flaky(src, dst):
        if Path(dst).parent == out:
            calls.append(dst)
        if len(calls) == 2:  # the second table's move fails (disk full, file locked by Excel …)
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(safe_write.os, "replace", flaky)
    rc, text = run(path, out, yes=True)
    assert rc == 1
    assert "写入失败，数据文件夹保持原样 / write failed, data folder unchanged: OSError" in text
    assert snapshot(out) == before
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in TINY.iterdir())  # no staging left


def test_replace_files_creates_replaces_and_deletes_together(tmp_path):
    (tmp_path / "a.csv").write_text("old a", encoding="utf-8")
    (tmp_path / "gone.csv").write_text("old", encoding="utf-8")
    safe_write.replace_files(tmp_path, {"a.csv": b"new a", "sub/b.md": b"new b", "gone.csv": None})
    assert (tmp_path / "a.csv").read_bytes() == b"new a"
    assert (tmp_path / "sub" / "b.md").read_bytes() == b"new b"
    assert not (tmp_path / "gone.csv").exists()
    with pytest.raises(FileExistsError):
        safe_write.replace_files(tmp_path, {"a.csv": b"x", "sub/b.md": b"y"}, exclusive=("sub/b.md",))
    assert (tmp_path / "a.csv").read_bytes() == b"new a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "sub"]


def test_demo_command_replaces_the_package_at_once_and_keeps_other_files(tmp_path, monkeypatch):
    from generator.cli import main

    out = tmp_path / "data"
    (out / "reports").mkdir(parents=True)
    (out / "README.md").write_text("说明\n", encoding="utf-8")
    (out / "reports" / "stale.md").write_text("old\n", encoding="utf-8")
    assert main(["demo", "--scale", "tiny", "--seed", "1", "--out", str(out)]) == 0
    assert (out / "README.md").read_text(encoding="utf-8") == "说明\n"
    assert not (out / "reports" / "stale.md").exists()
    assert (out / "datapackage.yaml").is_file() and (out / "deputies.csv").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name != "data"]  # no scratch folder left
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def broken(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safe_write.os, "replace", broken)
    assert main(["demo", "--scale", "tiny", "--seed", "2", "--out", str(out)]) == 1
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_the_same_validator_error_on_many_rows_is_shown_three_times_then_counted(out, tmp_path):
    book = workbook_from(TINY, tables={"contacts"}, as_typed=False)
    for r in range(2, 8):
        book["联系群众"][f"C{r}"] = -1  # voters_visited below its minimum on six rows
    path = tmp_path / "neg.xlsx"
    book.save(path)
    rc, text = run(path, out, yes=True)
    assert rc == 1
    located = [x.split(": ")[0] for x in text.splitlines() if " error " in x]
    assert located == ["联系群众!C2", "联系群众!C3", "联系群众!C4"]
    assert "    …… 另有 3 处同样的错误 / 3 more of the same" in text.splitlines()
