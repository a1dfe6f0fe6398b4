"""The committed blank template matches the schemas (regenerated and compared cell by cell,
with its drop-downs and formats), and its headers are exactly what `import` reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from generator.descriptor import read_package
from generator.staff.xlsx_import import match_header, match_table
from generator.staff.xlsx_templates import (
    NOTES_SHEET,
    TEMPLATE_PATH,
    build_workbook,
    sheet_cells,
    sheet_name,
    workbook_bytes,
)

ROOT = Path(__file__).resolve().parent.parent


def _validations(wb) -> dict[str, list[tuple[str, str]]]:
    return {
        ws.title: sorted((str(dv.sqref), dv.formula1) for dv in ws.data_validations.dataValidation)
        for ws in wb.worksheets
    }


def _formats(wb) -> dict[str, dict[str, str]]:
    return {ws.title: {k: d.number_format for k, d in sorted(ws.column_dimensions.items())} for ws in wb.worksheets}


@pytest.fixture(scope="module")
def pkg(county_demo):
    return read_package(county_demo)


def test_committed_template_is_current(tmp_path, pkg):
    fresh_path = tmp_path / "fresh.xlsx"
    fresh_path.write_bytes(workbook_bytes(pkg))
    committed = load_workbook(ROOT / TEMPLATE_PATH)
    fresh = load_workbook(fresh_path)
    msg = "docs/templates/data-template.xlsx is stale: run `make templates` and commit it"
    assert committed.sheetnames == fresh.sheetnames, msg
    assert sheet_cells(committed) == sheet_cells(fresh), msg
    assert _validations(committed) == _validations(fresh), msg
    assert _formats(committed) == _formats(fresh), msg


def test_template_bytes_are_deterministic(pkg):
    assert workbook_bytes(pkg) == workbook_bytes(pkg)


def test_template_layout(pkg):
    wb = build_workbook(pkg)
    assert wb.sheetnames[0] == NOTES_SHEET
    assert wb.sheetnames[1:] == [sheet_name(t, pkg) for t in pkg.tables.values()]
    ws = wb["代表"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["编号\nid", "姓名\nname", "性别\ngender"]
    assert header[8:] == [
        "身份证号（不公开）\nid_card_number",
        "个人电话（不公开）\npersonal_phone",
        "家庭住址（不公开）\nhome_address",
    ]
    assert ws.max_row == 1  # blank
    assert _validations(wb)["代表"] == [("C2:C5000", '"男,女"')]
    assert ("E2:E5000", '"是,否"') in _validations(wb)["代表资格"]
    assert ws.column_dimensions["I"].number_format == "@"  # ID-card numbers stay text
    assert wb["代表资格"].column_dimensions["H"].number_format == "yyyy-mm-dd"
    notes = [
        r for r in wb[NOTES_SHEET].iter_rows(values_only=True) if r and r[1] == "deputies" and r[2] == "id_card_number"
    ]
    assert notes == [
        (
            "代表",
            "deputies",
            "id_card_number",
            "身份证号（不公开）",
            "文本 string",
            "",
            "不公开",
            "",
            "",
            "不公开：只供工作人员使用，永不发布 / Private. Staff only; never published.",
        )
    ]


def test_import_reads_every_template_header_and_sheet(pkg):
    wb = build_workbook(pkg)
    for t in pkg.tables.values():
        ws = wb[sheet_name(t, pkg)]
        assert match_table(pkg, ws.title) is t
        assert [match_header(t, c.value).name for c in ws[1]] == list(t.field_names)
