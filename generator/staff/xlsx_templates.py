"""Blank Excel templates generated from the schemas, so the workbook and the schema cannot drift.

One sheet per table (named by the table's Chinese title), a header row "中文标题\\nfield_name",
drop-downs for enum and yes/no fields, text format for text columns (so an ID-card number or a
phone number is not turned into a number), and a first sheet 说明 with every field described.
The same sheet and header rules are what `import` reads back (`sheet_name`, `header_text`).

`python -m generator.staff.xlsx_templates [DATA_DIR] [--out FILE]` (or `make templates`) writes
docs/templates/data-template.xlsx; the bytes are deterministic (fixed zip timestamps).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..descriptor import FieldSpec, Package, TableSpec, read_package
from ..dictionary import TYPE_ZH, constraints_text, enum_labels, field_description, table_zh

TEMPLATE_PATH = Path("docs/templates/data-template.xlsx")
NOTES_SHEET = "说明"
OPTIONS_SHEET = "选项"  # hidden sheet of an export: the drop-down lists of foreign-key columns
PRIVATE_MARK = "不公开"
MAX_ROW = 5000  # rows covered by drop-downs and formats; more rows still import
_FIXED_TIME = dt.datetime(2024, 1, 1)
_BAD_SHEET_CHARS = set("[]:*?/\\")

FILL_REQUIRED = PatternFill("solid", fgColor="FFF2CC")
FILL_PRIVATE = PatternFill("solid", fgColor="D9D9D9")
FILL_OPTIONAL = PatternFill("solid", fgColor="DDEBF7")


def sheet_name(t: TableSpec, pkg: Package | None = None) -> str:
    """The table's Chinese title when it is a valid, unique sheet name, else its name."""
    zh = table_zh(t)
    ok = 0 < len(zh) <= 31 and not (set(zh) & _BAD_SHEET_CHARS) and zh not in (NOTES_SHEET, OPTIONS_SHEET)
    if ok and pkg is not None:
        ok = sum(1 for o in pkg.tables.values() if table_zh(o) == zh) == 1
    return zh if ok else t.name[:31]


def field_title(f: FieldSpec) -> str:
    """Chinese title, marked 不公开 for private fields when the title does not say so."""
    title = f.title or f.name
    if f.private and PRIVATE_MARK not in title:
        title += f"（{PRIVATE_MARK}）"
    return title


def header_text(f: FieldSpec) -> str:
    return f"{field_title(f)}\n{f.name}"


def choice_list(f: FieldSpec) -> list[str] | None:
    """Values offered in a drop-down: Chinese meanings when they are unique and safe, else codes.
    `import` maps the meanings back to codes."""
    if f.type == "boolean":
        zh_true = [v for v in f.true_values if not v.isascii()]
        zh_false = [v for v in f.false_values if not v.isascii()]
        if zh_true and zh_false:
            return [zh_true[0], zh_false[0]]
        return [f.true_values[0], f.false_values[0]]
    if not f.enum:
        return None
    labels = enum_labels(f)
    vals = list(labels.values())
    if all(vals) and len(set(vals)) == len(vals) and not any(("," in v or '"' in v) for v in vals):
        choice = vals
    else:
        choice = [str(c) for c in f.enum]
    return choice if len(",".join(choice)) <= 250 else None


def _notes_sheet(wb: Workbook, pkg: Package) -> None:
    ws = wb.active
    ws.title = NOTES_SHEET
    ws.append(
        [
            "人大代表履职数据填报模板 / Data entry template（由数据包说明自动生成，请勿改动表头 / generated from the schemas; do not change the headers）"
        ]
    )
    ws.append(
        [
            "每个工作表对应一个数据表；第一行是表头（中文标题 + 字段名），从第二行起每行一条记录。黄色表头 = 必填；蓝色 = 选填；灰色 = 不公开（只供工作人员使用，永不发布）。日期写成 2024-03-15。"
        ]
    )
    ws.append(["填好后运行 / then run: python -m generator import 本文件.xlsx   或 / or: make import FILE=本文件.xlsx"])
    ws.append([])
    header = [
        "工作表 sheet",
        "数据表 table",
        "字段 field",
        "中文标题 title",
        "类型 type",
        "必填 required",
        "不公开 private",
        "约束 constraints",
        "可选值 values",
        "说明 description",
    ]
    ws.append(header)
    for c in ws[ws.max_row]:
        c.font = Font(bold=True)
    for t in pkg.tables.values():
        for f in t.fields:
            labels = enum_labels(f)
            values = "；".join(f"{c}={lab}" if lab else c for c, lab in labels.items())
            ws.append(
                [
                    sheet_name(t, pkg),
                    t.name,
                    f.name,
                    field_title(f),
                    TYPE_ZH.get(f.type, f.type),
                    "必填" if f.required else "",
                    PRIVATE_MARK if f.private else "",
                    constraints_text(f).replace("`", ""),
                    values,
                    field_description(t, f),
                ]
            )
    for col, width in zip("ABCDEFGHIJ", (16, 20, 20, 20, 22, 8, 8, 40, 50, 60)):
        ws.column_dimensions[col].width = width


def _table_sheet(wb: Workbook, pkg: Package, t: TableSpec) -> None:
    ws = wb.create_sheet(sheet_name(t, pkg))
    ws.append([header_text(f) for f in t.fields])
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 32
    for i, f in enumerate(t.fields, start=1):
        col = get_column_letter(i)
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.fill = FILL_PRIVATE if f.private else FILL_REQUIRED if f.required else FILL_OPTIONAL
        dim = ws.column_dimensions[col]
        dim.width = max(12, min(40, max(2 * len(field_title(f)), len(f.name)) + 2))
        if f.type == "date":
            dim.number_format = "yyyy-mm-dd"
        elif f.type == "string":
            dim.number_format = "@"  # text: keeps leading zeros and long digit strings
        choices = choice_list(f)
        if choices:
            dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
            dv.showErrorMessage = False  # a code typed by hand is accepted too
            dv.promptTitle = field_title(f)[:32]
            dv.prompt = "可选 / choose: " + "、".join(choices)
            dv.showInputMessage = True
            dv.add(f"{col}2:{col}{MAX_ROW}")
            ws.add_data_validation(dv)


def build_workbook(pkg: Package) -> Workbook:
    wb = Workbook()
    _notes_sheet(wb, pkg)
    for t in pkg.tables.values():
        _table_sheet(wb, pkg, t)
    wb.properties.creator = "deputy-site generator"
    wb.properties.created = _FIXED_TIME
    wb.properties.modified = _FIXED_TIME
    return wb


def workbook_bytes(pkg: Package) -> bytes:
    """The template as deterministic .xlsx bytes (zip entries re-stamped with a fixed time)."""
    buf = io.BytesIO()
    build_workbook(pkg).save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            # docProps/core.xml carries "modified" written as now by openpyxl; pin it
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>",
                    rb"<dcterms:modified\1>2024-01-01T00:00:00Z</dcterms:modified>",
                    data,
                )
            zi = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, data)
    return out.getvalue()


def sheet_cells(wb) -> dict[str, list[tuple]]:
    """sheet → rows of cell values; used by the drift test to compare contents, not bytes."""
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m generator.staff.xlsx_templates",
        description="生成空白 Excel 模板 / write the blank Excel template",
    )
    p.add_argument("data_dir", nargs="?", default="data")
    p.add_argument("--out", default=str(TEMPLATE_PATH))
    a = p.parse_args(argv)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(workbook_bytes(read_package(Path(a.data_dir))))
    print(f"已写入 wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
