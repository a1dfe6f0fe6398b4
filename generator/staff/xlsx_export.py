"""`python -m generator export FILE.xlsx [--data DIR] [--force]`: the whole package as a workbook.

The layout is the blank template's (xlsx_templates.build_workbook: the 说明 sheet, one sheet per
table, the same headers, drop-downs and formats) with every record filled in, so staff edit
the workbook and import it back instead of copying CSV text by hand (which Excel on Chinese
Windows turns into mojibake). Choices are written as their Chinese meanings, yes/no as 是/否,
dates as dates, whole numbers as numbers; a foreign-key cell shows the id and the name
("k0112 禾溪县第十二选区") and offers every record of the table it refers to in a drop-down (a
hidden sheet 选项 holds the lists); `import` reads the id back. Text is always stored as text,
never as a formula. An unchanged export imports with no change at all.

The workbook holds the private columns too (grey headers): it is for staff only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import sys
import tempfile
from pathlib import Path

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..descriptor import DescriptorError, FieldSpec, Package, TableSpec, read_package
from .xlsx_templates import MAX_ROW, OPTIONS_SHEET, build_workbook, choice_list, sheet_name

LABEL_FIELDS = ("name", "title")  # what names a record beside its id in a drop-down


def _rows(root: Path, t: TableSpec) -> list[dict[str, str]]:
    path = root / t.path
    if not path.is_file():
        return []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [{k: (v or "") for k, v in r.items() if k is not None} for r in csv.DictReader(fh)]


def single_fks(t: TableSpec) -> dict[str, tuple[str, str]]:
    """field → (target table, target field) for the table's one-field foreign keys."""
    out = {}
    for fk in t.foreign_keys:
        fields = fk.get("fields") if isinstance(fk, dict) else None
        ref = fk.get("reference") if isinstance(fk, dict) else None
        if isinstance(fields, str):
            fields = [fields]
        if not isinstance(ref, dict) or not isinstance(fields, list) or len(fields) != 1:
            continue
        target_fields = ref.get("fields")
        if isinstance(target_fields, str):
            target_fields = [target_fields]
        if isinstance(target_fields, list) and len(target_fields) == 1:
            out[fields[0]] = (ref.get("resource") or t.name, target_fields[0])
    return out


def labels(t: TableSpec, rows: list[dict[str, str]], key: str) -> dict[str, str]:
    """id → "id name" (or the id alone for tables without a name or title)."""
    name = next((n for n in LABEL_FIELDS if n in t.field_names and not t.field(n).private), None)
    out = {}
    for r in rows:
        k = r.get(key, "")
        if k:
            label = " ".join(r.get(name, "").split())[:60] if name else ""
            out[k] = f"{k} {label}" if label else k
    return out


def cell_value(f: FieldSpec, text: str, fk_labels: dict[str, str] | None):
    """Schema text → what the cell holds (the inverse of xlsx_import.to_schema_text)."""
    if text == "":
        return None
    if fk_labels is not None:
        return fk_labels.get(text, text)
    choices = choice_list(f)
    if f.type == "boolean":
        if text in f.true_values:
            return choices[0] if choices else text
        if text in f.false_values:
            return choices[1] if choices else text
        return text
    if f.enum and choices and text in [str(c) for c in f.enum]:
        codes = [str(c) for c in f.enum]
        if choices != codes:  # the drop-down offers the Chinese meanings
            return choices[codes.index(text)]
        return text
    if f.type == "integer":
        try:
            return int(text)
        except ValueError:
            return text
    if f.type == "date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return text
    return text


def build_export(pkg: Package):
    root = pkg.root
    data = {name: _rows(root, t) for name, t in pkg.tables.items()}
    wb = build_workbook(pkg)
    opts = wb.create_sheet(OPTIONS_SHEET)
    opts.sheet_state = "hidden"
    option_cols: dict[tuple[str, str], str] = {}
    label_maps: dict[tuple[str, str], dict[str, str]] = {}
    for name, t in pkg.tables.items():
        fks = single_fks(t)
        ws = wb[sheet_name(t, pkg)]
        for i, f in enumerate(t.fields, start=1):
            if f.name not in fks:
                continue
            target, key = fks[f.name]
            if target not in pkg.tables:
                continue
            if (target, key) not in option_cols:
                lab = labels(pkg.tables[target], data.get(target, []), key)
                label_maps[(target, key)] = lab
                col = get_column_letter(len(option_cols) + 1)
                option_cols[(target, key)] = col
                opts[f"{col}1"] = f"{target}.{key}"
                for j, v in enumerate(lab.values(), start=2):
                    opts[f"{col}{j}"] = v
                    opts[f"{col}{j}"].data_type = "s"
            col = option_cols[(target, key)]
            n = len(label_maps[(target, key)])
            if n:
                letter = get_column_letter(i)
                dv = DataValidation(
                    type="list", formula1=f"'{OPTIONS_SHEET}'!${col}$2:${col}${n + 1}", allow_blank=True
                )
                dv.showErrorMessage = False
                dv.add(f"{letter}2:{letter}{max(MAX_ROW, len(data.get(name, [])) + 1)}")
                ws.add_data_validation(dv)
        fk_maps = [label_maps.get(fks[f.name]) if f.name in fks else None for f in t.fields]
        for rownum, r in enumerate(data.get(name, []), start=2):  # row 1: the template's header
            for col, (f, fk_map) in enumerate(zip(t.fields, fk_maps), start=1):
                v = cell_value(f, r.get(f.name, ""), fk_map)
                if v is None:
                    continue
                c = ws.cell(row=rownum, column=col, value=v)
                if isinstance(v, str) and v.startswith("="):
                    c.data_type = "s"  # text, never a formula
                elif isinstance(v, dt.date):
                    c.number_format = "yyyy-mm-dd"
    return wb, {name: len(rows) for name, rows in data.items()}


def export(data_dir: Path, out: Path, force: bool = False) -> dict[str, int]:
    pkg = read_package(data_dir)
    if out.exists() and not force:
        raise FileExistsError(0, "exists", str(out))
    wb, counts = build_export(pkg)
    buf = io.BytesIO()
    wb.save(buf)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(buf.getvalue())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return counts


def command(args) -> int:
    out = Path(args.file)
    if out.suffix.lower() != ".xlsx":
        print(f"错误 error: 请给出 .xlsx 文件名 / the file name must end in .xlsx: {out}", file=sys.stderr)
        return 2
    try:
        counts = export(Path(args.data), out, bool(getattr(args, "force", False)))
    except FileExistsError:
        print(
            f"错误 error: {out} 已存在，未覆盖（要覆盖请加 --force）/ {out} exists, not overwritten (use --force)",
            file=sys.stderr,
        )
        return 1
    except DescriptorError as e:
        print(f"错误 error: 数据包说明文件无法读取 / descriptor unreadable: {e}", file=sys.stderr)
        return 1
    except (OSError, csv.Error) as e:
        print(f"错误 error: 无法导出 / cannot export: {type(e).__name__}", file=sys.stderr)
        return 1
    total = sum(counts.values())
    print(f"已导出 wrote {out}: {len(counts)} 张表 tables，{total} 行 rows")
    print(
        "注意 note: 工作簿含不公开字段（灰色表头），只供工作人员使用，请勿外传 / it holds private columns: staff only"
    )
    print(f"修改后导入 then: make import FILE={out} （只改了部分记录时加 UPDATE=1 / add UPDATE=1 for a few rows）")
    return 0
