"""`python -m generator export FILE.xlsx`: the whole package as a workbook in the template's
layout; foreign-key columns show "id name" with drop-downs; text stays text; an unchanged
export imports back with no change at all."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from generator.cli import main
from generator.staff.xlsx_import import run_import
from generator.staff.xlsx_templates import OPTIONS_SHEET

TINY = Path(__file__).parent / "fixtures" / "tiny"


@pytest.fixture()
def data(tmp_path):
    d = tmp_path / "data"
    shutil.copytree(TINY, d)
    return d


def snapshot(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.glob("*.csv"))}


def test_export_then_import_changes_nothing(data, tmp_path, capsys):
    book = tmp_path / "全部数据.xlsx"
    assert main(["export", str(book), "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"已导出 wrote {book}: 17 张表 tables，116 行 rows"
    before = snapshot(data)
    buf = io.StringIO()
    assert run_import(book, data, dt.date(2026, 11, 20), stream=buf) == 0
    text = buf.getvalue()
    changes = [x for x in text.splitlines() if x.startswith("变更")]
    assert len(changes) == 17 and all(x.endswith("没有变化 / unchanged") for x in changes)
    assert "import-unknown-sheet" not in text  # the hidden 选项 sheet is not a table
    assert snapshot(data) == before


def test_layout_foreign_keys_as_id_and_name_with_drop_downs(data, tmp_path):
    book = tmp_path / "book.xlsx"
    assert main(["export", str(book), "--data", str(data)]) == 0
    wb = load_workbook(book)
    assert wb.sheetnames[0] == "说明" and wb.sheetnames[-1] == OPTIONS_SHEET
    assert wb[OPTIONS_SHEET].sheet_state == "hidden"
    ws = wb["代表资格"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["编号\nid", "代表\ndeputy_id", "代表大会\ncongress_id", "选区或选举单位\nconstituency_id"]
    assert [c.value for c in ws[2]][:8] == [
        "m01",
        "d01 王明华",
        "cn14 第十四届全国人民代表大会",
        "k-cn-1 虚构省人民代表大会",
        "否",
        "否",
        None,
        dt.datetime(2023, 3, 5),
    ]
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    ref = lists["D2"]
    assert ref.startswith(f"'{OPTIONS_SHEET}'!$")
    col = ref.split("!$")[1].split("$")[0]
    opts = wb[OPTIONS_SHEET]
    offered = [c.value for c in opts[col][1:] if c.value is not None]
    assert offered == [
        "k-cn-1 虚构省人民代表大会",
        "k-cy-1 虚构县人民代表大会",
        "k-ct-1 第一选区",
        "k-ct-2 第二选区",
        "k-tw-1 甲镇第一选区",
    ]
    # private columns are in the workbook (staff only), with the template's grey header
    deputies = wb["代表"]
    assert deputies["I1"].value == "身份证号（不公开）\nid_card_number" and deputies["I2"].value == "XPRIV-ID-0001"


def test_text_that_looks_like_a_formula_stays_text(data, tmp_path):
    path = data / "deputies.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("长期从事农业生产（虚构人物）。", '"=HYPERLINK(""http://x"",""点"")"'),
        encoding="utf-8",
    )
    book = tmp_path / "book.xlsx"
    assert main(["export", str(book), "--data", str(data)]) == 0
    cell = load_workbook(book)["代表"]["H2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x","点")'
    before = snapshot(data)
    buf = io.StringIO()
    assert run_import(book, data, dt.date(2026, 11, 20), stream=buf) == 0, buf.getvalue()
    assert snapshot(data) == before


def test_an_existing_workbook_is_not_overwritten(data, tmp_path, capsys):
    book = tmp_path / "book.xlsx"
    book.write_bytes(b"staff's own work")
    assert main(["export", str(book), "--data", str(data)]) == 1
    assert "已存在，未覆盖" in capsys.readouterr().err
    assert book.read_bytes() == b"staff's own work"
    assert main(["export", str(book), "--data", str(data), "--force"]) == 0
    assert main(["export", str(tmp_path / "book.csv"), "--data", str(data)]) == 2
