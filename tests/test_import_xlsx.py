"""Excel intake: a workbook laid out like the template round-trips to the package's CSVs, and
every problem is printed at its sheet and cell; nothing is written while errors remain."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook

from generator.descriptor import read_package
from generator.dictionary import enum_labels
from generator.staff.xlsx_import import run_import
from generator.staff.xlsx_templates import build_workbook, sheet_name

TINY = Path(__file__).parent / "fixtures" / "tiny"
AS_OF = dt.date(2026, 6, 1)
PKG = read_package(TINY)


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def typed(f, v: str):
    """A cell as Excel would hold it: real dates and numbers, 是/否, Chinese choices."""
    if v == "":
        return None
    if f.type == "date":
        return dt.datetime.fromisoformat(v)  # openpyxl reads date cells back as datetime
    if f.type == "integer":
        return float(v)  # Excel stores every number as a float
    if f.type == "boolean":
        return "是" if v == "true" else "否"
    if f.enum:
        return enum_labels(f).get(v) or v
    return v


def workbook_from(src: Path, tables=None, as_typed=True) -> Workbook:
    wb = build_workbook(PKG)
    for t in PKG.tables.values():
        if tables is not None and t.name not in tables:
            del wb[sheet_name(t, PKG)]
            continue
        ws = wb[sheet_name(t, PKG)]
        rows = read_csv(src / t.path)
        header = rows[0]
        assert header == list(t.field_names)
        for r in rows[1:]:
            ws.append([typed(t.field(n), v) if as_typed else v for n, v in zip(header, r)])
    return wb


@pytest.fixture()
def out(tmp_path):
    d = tmp_path / "data"
    shutil.copytree(TINY, d)
    return d


def snapshot(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.glob("*.csv"))}


def run(book: Workbook, out: Path, tmp_path: Path) -> tuple[int, str]:
    path = tmp_path / "book.xlsx"
    book.save(path)
    buf = io.StringIO()
    rc = run_import(path, out, AS_OF, stream=buf)
    return rc, buf.getvalue()


def test_whole_package_round_trips(out, tmp_path):
    # start from empty CSVs (headers only), so the import must rebuild every table
    for t in PKG.tables.values():
        (out / t.path).write_text(",".join(t.field_names) + "\n", encoding="utf-8")
    rc, text = run(workbook_from(TINY), out, tmp_path)
    assert rc == 0, text
    for t in PKG.tables.values():
        assert read_csv(out / t.path) == read_csv(TINY / t.path), t.name
    assert "共 0 个错误" in text
    n = len(read_csv(TINY / "deputies.csv")) - 1  # one gender per deputy, typed as 男/女
    assert (
        f"读取 read 代表 → deputies.csv: {n} 行 rows（{n} 个中文选项已转换为代码 / choices converted to codes）" in text
    )
    assert "已写入 wrote" in text
    # CSV written as UTF-8 without BOM, LF line ends
    raw = (out / "deputies.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw


def test_one_sheet_replaces_only_its_table(out, tmp_path):
    book = workbook_from(TINY, tables={"deputies"}, as_typed=False)
    ws = book["代表"]
    ws["B2"] = "王明华（改）"
    before = snapshot(out)
    rc, text = run(book, out, tmp_path)
    assert rc == 0, text
    after = snapshot(out)
    assert [k for k in before if before[k] != after[k]] == ["deputies.csv"]
    assert read_csv(out / "deputies.csv")[1][1] == "王明华（改）"


def test_problems_are_located_at_sheet_and_cell_and_nothing_is_written(out, tmp_path):
    book = workbook_from(TINY, tables={"deputies", "mandates"})
    book["代表"]["C4"] = "未知"  # gender of d03
    book["代表资格"]["H3"] = "2022-13-01"  # start_date of m02
    book["代表资格"]["B5"] = "d99"  # deputy_id of m04: no such deputy
    before = snapshot(out)
    rc, text = run(book, out, tmp_path)
    assert rc == 1
    lines = [x for x in text.splitlines() if ": 错误 error " in x]
    located = sorted((x.split(": ")[0], x.split(" ")[3].rstrip(":")) for x in lines)
    assert ("代表!C4", "not-in-enum") in located
    assert ("代表资格!H3", "bad-date") in located
    assert ("代表资格!B5", "foreign-key") in located
    assert "未写入任何文件" in text
    assert snapshot(out) == before


def test_private_values_are_never_printed(out, tmp_path):
    book = workbook_from(TINY, tables={"deputies"}, as_typed=False)
    ws = book["代表"]
    ws["I2"] = "430000199001011234"
    ws["J2"] = "13800138000"
    ws["K2"] = "虚构县幸福路8号"
    ws["C2"] = "未知"  # an error on the same row
    ws["A3"] = ""  # and a missing id
    rc, text = run(book, out, tmp_path)
    assert rc == 1
    for secret in ("430000199001011234", "13800138000", "虚构县幸福路8号", "XPRIV"):
        assert secret not in text


def test_header_forms_and_header_problems(out, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "deputies"  # the table name works as a sheet name too
    ws.append(["编号 id", "姓名", "gender", "性别", "备注", "简介\nbiography"])
    ws.append(["d01", "王明华", "male", "male", "x", ""])
    rc, text = run(wb, out, tmp_path)
    assert rc == 1
    assert "deputies!D1 [gender]: 错误 error import-duplicate-column" in text
    assert "deputies!E1: 错误 error import-unknown-column: 表头不对应该表的任何字段：备注" in text
    assert "deputies!A1" not in text and "deputies!B1" not in text and "deputies!F1" not in text


def test_missing_required_column_formula_errors_and_unknown_sheets(out, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "代表"
    ws.append(["编号\nid", "姓名\nname"])
    ws.append(["d01", "#N/A"])
    wb.create_sheet("草稿")
    rc, text = run(wb, out, tmp_path)
    assert rc == 1
    assert "代表 [gender]: 错误 error import-missing-column" in text
    assert "代表!B2 [name]: 错误 error import-cell-error" in text
    assert "草稿: 警告 warning import-unknown-sheet" in text


def test_blank_template_imports_nothing_and_keeps_files(out, tmp_path):
    before = snapshot(out)
    rc, text = run(build_workbook(PKG), out, tmp_path)
    assert rc == 1
    assert "import-no-tables" in text and "没有数据行，已跳过" in text
    assert snapshot(out) == before


def test_excel_serial_dates_and_text_dates(out, tmp_path):
    book = workbook_from(TINY, tables={"mandates"}, as_typed=False)
    ws = book["代表资格"]
    ws["H3"] = 44562  # 2022-01-01 as an Excel serial day number (date format lost)
    ws["H4"] = "2022/1/1"
    ws["H5"] = "2022年1月1日"
    rc, text = run(book, out, tmp_path)
    assert rc == 0, text
    assert [r[7] for r in read_csv(out / "mandates.csv")[2:5]] == ["2022-01-01"] * 3
    assert "3 个日期已转换为 YYYY-MM-DD" in text


def test_command_line(out, tmp_path, capsys):
    from generator.cli import main

    book = workbook_from(TINY, tables={"contacts"})
    path = tmp_path / "联系群众.xlsx"
    book.save(path)
    assert main(["import", str(path), "--out", str(out), "--as-of", "2026-06-01"]) == 0
    assert "没有变化，未改动 unchanged" in capsys.readouterr().out
    assert read_csv(out / "contacts.csv") == read_csv(TINY / "contacts.csv")
    # one of 8 rows changed is more than 10%: refused, then accepted with --yes
    book["联系群众"]["E2"] = 9  # opinions_collected of d01, 2025 (was 8)
    book.save(path)
    before = snapshot(out)
    assert main(["import", str(path), "--out", str(out), "--as-of", "2026-06-01"]) == 1
    assert "import-many-changes" in capsys.readouterr().out
    assert snapshot(out) == before
    assert main(["import", str(path), "--out", str(out), "--as-of", "2026-06-01", "--yes"]) == 0
    assert "已写入 wrote" in capsys.readouterr().out
    assert main(["import", str(tmp_path / "missing.xlsx"), "--out", str(out)]) == 1


def test_control_characters_are_not_echoed(out, tmp_path):
    # openpyxl refuses them in cells, but a CSV can carry them
    src = tmp_path / "deputies.csv"
    src.write_text("id,name,gender,x\x1b[31m\nd01,王明华,male,1\n", encoding="utf-8")
    buf = io.StringIO()
    rc = run_import(src, out, AS_OF, stream=buf)
    assert rc == 1
    assert "\x1b" not in buf.getvalue() and "import-unknown-column" in buf.getvalue()
