"""`python -m generator import FILE [--out DIR]`: staff spreadsheets → validated CSV files.

FILE is an .xlsx workbook (one sheet per table, named by the table's Chinese title or its
name), one .csv file for one table, or a folder of .csv files. Headers may be Chinese titles,
field names, or both ("姓名 name", the template's "姓名\\nname").

Steps: read every sheet into rows of schema text (dates → YYYY-MM-DD, whole numbers without
".0", Chinese choices → codes), write them into a temporary copy of the package in DIR, run the
project's validator there, and print every problem at its sheet and cell (代表!C14). Cells
holding U+FFFD or GBK/UTF-8 mojibake are errors; every row is read whatever size a sheet claims.

A filled sheet replaces its whole table; with --update its rows are added to or change the
table's rows by key (the id, or the primary key). Before writing, a change summary per table
(rows added, changed, removed; columns changed); rows removed or more than 10% of a table's
rows changed need --yes. Only with no errors are the CSV files in DIR replaced, all of them or
none (safe_write.py). Private values are never printed.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import os
import re
import shutil
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

from ..descriptor import DescriptorError, FieldSpec, Package, TableSpec, find_descriptor, read_package
from ..dictionary import enum_labels, table_zh
from ..problems import ERROR, WARNING, Problem, count, sort_problems
from ..rules import RULES_FILE
from ..validate import validate_package  # the project's validator, same rules as `make validate`
from ..validate.import_codes import import_problem
from ..validate.schema_checks import MAX_CELL_CHARS, MAX_TABLE_ROWS
from .safe_write import replace_files
from .xlsx_export import single_fks
from .xlsx_templates import NOTES_SHEET, OPTIONS_SHEET, PRIVATE_MARK, sheet_name

_EXCEL_ERRORS = {
    "#N/A",
    "#REF!",
    "#VALUE!",
    "#DIV/0!",
    "#NAME?",
    "#NUM!",
    "#NULL!",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
}
_DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_GB18030_BOM = b"\x84\x31\x95\x33"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_WIDE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
# More than this share of a table's existing rows changed needs --yes.
CHANGE_LIMIT = 0.10
FOLD_AFTER = 3  # the same validator error on more rows: the first ones, then a count


def mojibake_guess(s: str) -> str | None:
    """The text `s` was before UTF-8 bytes were read as GBK (Excel on Chinese Windows opening a
    CSV without BOM), or None when `s` does not look like that. Mojibake's GBK bytes decode as
    UTF-8 into mostly CJK text; genuine Chinese text almost never does (none of the demo's
    24,000 Chinese cells; every one of their mojibake forms is caught)."""
    if s.isascii():
        return None
    try:
        b = s.encode("gbk")
    except UnicodeEncodeError:
        return None
    t = b.decode("utf-8", errors="replace")
    if len(_CJK.findall(t)) < 2:
        return None
    if 3 * len(_WIDE.findall(t)) < 0.6 * sum(1 for x in b if x >= 0x80):
        return None
    return t.replace("\ufffd", "").strip() or None


@dataclass
class SourceTable:
    """One table as read from a sheet or a CSV file, already in schema text form."""

    table: TableSpec
    label: str  # sheet name or file name, for messages
    kind: str  # "sheet" | "csv"
    rows: list[dict[str, str]] = field(default_factory=list)
    # sheet row / file line of each row; -N: line N of the data folder's own file (--update)
    origin: list[int] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field → column letter ("C") or header
    header_row: int = 1
    labels_converted: int = 0
    dates_converted: int = 0

    def where(self, row_index: int | None, fld: str = "") -> str:
        """Excel-style location: 代表!C14, 代表!14:14, 代表!C1, 代表; CSV: deputies.csv:14 [name]."""
        src_row = self.origin[row_index] if row_index is not None and 0 <= row_index < len(self.origin) else None
        if src_row is not None and src_row < 0:  # a row kept from the data folder (--update)
            return f"{self.table.path}:{-src_row}" + (f" [{fld}]" if fld else "")
        col = self.columns.get(fld, "")
        if self.kind == "sheet":
            if src_row is None:
                return f"{self.label}!{col}{self.header_row}" if col else self.label
            return f"{self.label}!{col}{src_row}" if col else f"{self.label}!{src_row}:{src_row}"
        loc = self.label + (f":{src_row}" if src_row is not None else "")
        return loc + (f" [{fld}]" if fld else "")


# ---------------------------------------------------------------- headers and values


def _norm(s: str) -> str:
    s = re.sub(r"[（(]\s*" + PRIVATE_MARK + r"\s*[)）]", "", s)
    return re.sub(r"[\s*＊]", "", s).lower()


def match_header(t: TableSpec, text: str) -> FieldSpec | None:
    """A header cell → field: any word equal to a field name, else the Chinese title."""
    text = (text or "").strip()
    if not text:
        return None
    by_name = {f.name.lower(): f for f in t.fields}
    for token in re.split(r"[\s/|,，:：]+", text):
        f = by_name.get(token.strip().lower())
        if f is not None:
            return f
    n = _norm(text)
    for f in t.fields:
        if f.title and _norm(f.title) == n:
            return f
    return None


def match_table(pkg: Package, label: str) -> TableSpec | None:
    """Sheet or file stem → table: name, Chinese title, full title or template sheet name."""
    key = label.strip().lower()
    for t in pkg.tables.values():
        stem = Path(t.path).stem.lower()
        if key in (t.name.lower(), stem, table_zh(t).lower(), t.title.strip().lower(), sheet_name(t, pkg).lower()):
            return t
    return None


def _text_number(v: float | int) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v)


def to_schema_text(f: FieldSpec, value: Any, src: SourceTable | None = None) -> str:
    """One cell (from openpyxl or a CSV) → the text the schema expects; never raises."""
    if value is None:
        return ""
    if isinstance(value, bool):
        if f.type == "boolean":
            return f.true_values[0] if value else f.false_values[0]
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if f.type == "datetime":
            return value.isoformat()
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, (int, float)):
        if f.type == "date" and 10000 < value < 100000:
            # a date cell that lost its date format: Excel serial day number
            if src is not None:
                src.dates_converted += 1
            return from_excel(value).date().isoformat()
        return _text_number(value)
    s = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    if f.type == "date":
        m = _DATE_TEXT.match(s)
        if m:
            y, mo, d = (int(x) for x in m.groups())
            try:
                iso = dt.date(y, mo, d).isoformat()
            except ValueError:
                return s
            if iso != s and src is not None:
                src.dates_converted += 1
            return iso
    if f.type == "boolean":
        # one spelling per file: 是/否 typed in Excel become the package's own true/false
        if s in f.true_values:
            return f.true_values[0]
        if s in f.false_values:
            return f.false_values[0]
    if f.enum and s and s not in [str(c) for c in f.enum]:
        back = {lab: code for code, lab in enum_labels(f).items() if lab}
        if s in back:
            if src is not None:
                src.labels_converted += 1
            return back[s]
    return s


# ---------------------------------------------------------------- readers


def _read_grid(src: SourceTable, grid: Iterable[tuple[int, tuple]], problems: list[Problem], letters: bool) -> None:
    """Header + data rows (row number, values) → src.rows. `letters`: name columns A, B, …"""
    t = src.table
    it = iter(grid)
    header: tuple = ()
    for rownum, values in it:
        if any(v not in (None, "") for v in values):
            header, src.header_row = values, rownum
            break
    if not header:
        problems.append(import_problem("import-no-header", src.label))
        return
    col_field: dict[int, FieldSpec] = {}
    for i, h in enumerate(header):
        if h in (None, ""):
            continue
        colname = get_column_letter(i + 1) if letters else str(h).strip()
        loc = f"{src.label}!{colname}{src.header_row}" if letters else src.label
        f = match_header(t, str(h))
        if f is None:
            problems.append(
                import_problem(
                    "import-unknown-column", loc, detail_zh=str(h).strip()[:60], detail_en=str(h).strip()[:60]
                )
            )
        elif f.name in src.columns:
            problems.append(
                import_problem("import-duplicate-column", loc, fld=f.name, detail_zh=f.name, detail_en=f.name)
            )
        else:
            col_field[i] = f
            src.columns[f.name] = colname
    for f in t.fields:
        if f.required and f.name not in src.columns:
            problems.append(
                import_problem(
                    "import-missing-column", src.label, fld=f.name, detail_zh=f"{f.title} {f.name}", detail_en=f.name
                )
            )
    # foreign-key cells may hold "id name" (the export's drop-downs): the id is the first word
    fk_fields = set(single_fks(t))
    for rownum, values in it:
        if not any(v not in (None, "") and not (isinstance(v, str) and not v.strip()) for v in values):
            continue  # blank rows between or after records are common in spreadsheets
        if letters and rownum > XLSX_MAX_ROWS:  # check_workbook stops such sheets first; CSV: read_csv_file
            problems.append(import_problem("import-too-many-rows", src.label, rownum))
            src.rows.clear()
            return
        row = {f.name: "" for f in t.fields}
        for i, f in col_field.items():
            v = values[i] if i < len(values) else None
            if isinstance(v, str) and len(v) > MAX_CELL_CHARS:
                loc = f"{src.label}!{get_column_letter(i + 1)}{rownum}" if letters else f"{src.label}:{rownum}"
                n = f"{len(v):,}"
                problems.append(
                    import_problem(
                        "import-cell-too-long", loc, fld=f.name, detail_zh=f"{n} 个字符", detail_en=f"{n} characters"
                    )
                )
                continue
            if isinstance(v, str) and v.strip() in _EXCEL_ERRORS:
                loc = f"{src.label}!{get_column_letter(i + 1)}{rownum}" if letters else f"{src.label}:{rownum}"
                problems.append(import_problem("import-cell-error", loc, fld=f.name))
                continue
            row[f.name] = to_schema_text(f, v, src)
            if f.name in fk_fields and len(row[f.name].split(None, 1)) == 2:
                row[f.name] = row[f.name].split(None, 1)[0]
            damage = _damage(f, row[f.name])
            if damage:
                loc = f"{src.label}!{get_column_letter(i + 1)}{rownum}" if letters else f"{src.label}:{rownum}"
                problems.append(import_problem(damage[0], loc, fld=f.name, detail_zh=damage[1], detail_en=damage[2]))
        src.rows.append(row)
        src.origin.append(rownum)


def _damage(f: FieldSpec, text: str) -> tuple[str, str, str] | None:
    """(code, detail zh, detail en) when a cell's text was damaged by an encoding mix-up. The
    detail shows what the text probably was, never for a private field."""
    if "\ufffd" in text:
        return "import-replacement-char", "", ""
    guess = mojibake_guess(text)
    if guess is None:
        return None
    if f.private:
        return "import-mojibake", "", ""
    return "import-mojibake", f"原文可能是“{guess[:30]}”", f"probably “{guess[:30]}”"


# Workbook expansion (issue 17): a 395 KB workbook held a 400 MB cell (3.5 GB in memory), a
# 1.8 MB one 10 million rows. check_workbook reads the zip's parts as a stream before openpyxl
# sees them (openpyxl loads every shared string up front) and stops at the first limit.
XLSX_MAX_ROWS = 1_048_576  # Excel's own sheet limit: no real workbook has more
XLSX_MAX_PART_BYTES = 1 << 30  # one XML part unpacked; a 131,000-deputy sheet is about 80 MB
XLSX_MAX_TOTAL_BYTES = 2 << 30
# The XML of a cell of MAX_CELL_CHARS characters takes at most 10 bytes a character (&#1114111;):
# a longer text run between two tags is a cell over the limit whatever it holds. Shorter ones are
# measured exactly, cell by cell, in _read_grid.
_XML_RUN_LIMIT = 10 * MAX_CELL_CHARS + 64
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b([^>]*)>")
_ROW_NUM = re.compile(rb"""\br\s*=\s*["'](\d{1,12})["']""")
_CELL_REF = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*?\br\s*=\s*["']([A-Z]{1,3}\d{1,12})["']""")
_SI_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si\b")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)


def _sheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Part name (xl/worksheets/sheet1.xml) → sheet title, read from the workbook's small index
    parts with patterns (no XML parser: these parts are untrusted too)."""
    try:
        if (
            zf.getinfo("xl/workbook.xml").file_size > 1 << 24
            or zf.getinfo("xl/_rels/workbook.xml.rels").file_size > 1 << 24
        ):
            return {}
        book = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return {}
    target = {}
    for tag in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
        i, t = re.search(rb'\bId="([^"]*)"', tag), re.search(rb'\bTarget="([^"]*)"', tag)
        if i and t:
            rel = t.group(1).decode("utf-8", "replace").lstrip("/")
            target[i.group(1)] = rel if rel.startswith("xl/") else "xl/" + rel
    out = {}
    for tag in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", book):
        n, i = re.search(rb'\bname="([^"]*)"', tag), re.search(rb'\bid="([^"]*)"', tag)
        if n and i and i.group(1) in target:
            out[target[i.group(1)]] = html.unescape(n.group(1).decode("utf-8", "replace"))
    return out


def _xml_segments(fh) -> Iterator[bytes]:
    """An XML part in pieces that each start at a '<' (so no tag is cut), a few MB at a time.
    A piece with no '<' longer than _XML_RUN_LIMIT is yielded alone as soon as it is that long,
    so memory stays bounded."""
    carry = b""
    while chunk := fh.read(1 << 22):
        data = carry + chunk
        cut = data.rfind(b"<")
        if cut <= 0:
            carry = data
            if len(carry) > _XML_RUN_LIMIT:
                yield carry
                return
            continue
        yield data[:cut]
        carry = data[cut:]
    if carry:
        yield carry


def check_workbook(path: Path) -> list[Problem]:
    """Limits checked on the zip before openpyxl reads it: unpacked sizes (declared in the zip's
    directory, which zipfile also holds every read to), DTDs, rows per sheet (<row> elements and
    their numbers: read-only openpyxl fills gaps with empty rows) and XML text runs too long for
    one cell. [] when within them, or when the file is not a zip (openpyxl's error is reported)."""
    name = path.name
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return []
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        total = sum(i.file_size for i in infos)
        big = next((i for i in infos if i.file_size > XLSX_MAX_PART_BYTES), None)
        if big is not None or total > XLSX_MAX_TOTAL_BYTES:
            detail = f"{(big.file_size if big else total) / (1 << 20):,.0f} MB"
            return [import_problem("import-too-large", name, detail_zh=detail, detail_en=detail)]
        titles = _sheet_names(zf)
        for info in infos:
            part = info.filename
            if not part.lower().endswith((".xml", ".rels")):
                continue
            sheet = part in titles or part.startswith("xl/worksheets/")
            label = f"{name}!{titles[part]}" if part in titles else f"{name}:{part}"
            rows = top = strings = 0
            last_ref = b""
            try:
                with zf.open(info) as fh:
                    for seg in _xml_segments(fh):
                        if _DTD.search(seg):
                            return [import_problem("import-xml-entity", label)]
                        pieces = seg.split(b"<")
                        longest = max(pieces, key=len)
                        if sheet:
                            for m in _ROW_TAG.finditer(seg):
                                rows += 1
                                r = _ROW_NUM.search(m.group(1))
                                top = max(top, int(r.group(1)) if r else rows)
                                if rows > XLSX_MAX_ROWS or top > XLSX_MAX_ROWS:
                                    return [import_problem("import-too-many-rows", label, XLSX_MAX_ROWS + 1)]
                        if len(longest) > _XML_RUN_LIMIT:
                            at = seg.find(longest)
                            if sheet:
                                refs = _CELL_REF.findall(seg, 0, at)
                                last_ref = refs[-1] if refs else last_ref
                                where = f"{label}!{last_ref.decode()}" if last_ref else label
                                return [import_problem("import-cell-too-long", where)]
                            strings += len(_SI_TAG.findall(seg, 0, at))
                            detail = f"共享文字第 {strings} 条" if strings else ""
                            detail_en = f"shared string {strings}" if strings else ""
                            return [
                                import_problem("import-cell-too-long", label, detail_zh=detail, detail_en=detail_en)
                            ]
                        if sheet:
                            refs = _CELL_REF.findall(seg)
                            last_ref = refs[-1] if refs else last_ref
                        else:
                            strings += len(_SI_TAG.findall(seg))
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as e:
                return [
                    import_problem("import-unreadable", name, detail_zh=type(e).__name__, detail_en=type(e).__name__)
                ]
    return []


def read_workbook(path: Path, pkg: Package, problems: list[Problem]) -> list[SourceTable]:
    limits = check_workbook(path)
    if limits:
        problems.extend(limits)
        return []
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many types for damaged files
        problems.append(
            import_problem("import-unreadable", path.name, detail_zh=type(e).__name__, detail_en=type(e).__name__)
        )
        return []
    out: list[SourceTable] = []
    try:
        for ws in wb.worksheets:
            t = match_table(pkg, ws.title)
            if t is None:
                if ws.title not in (NOTES_SHEET, OPTIONS_SHEET):
                    problems.append(import_problem("import-unknown-sheet", ws.title))
                continue
            src = SourceTable(table=t, label=ws.title, kind="sheet")
            # The stored size (<dimension>) is only a claim: programs other than Excel write
            # stale ones, and read-only mode would stop there. Read every row and column.
            ws.reset_dimensions()
            grid = ((r, tuple(vals)) for r, vals in enumerate(ws.iter_rows(values_only=True), start=1))
            _read_grid(src, grid, problems, letters=True)
            out.append(src)
    finally:
        wb.close()
    return out


def decode_csv(data: bytes) -> tuple[str | None, str]:
    """(text, encoding used) — "utf-8", "utf-8-sig" or "gb18030"; (None, "") when neither
    decodes cleanly. UTF-8 is tried first: valid UTF-8 with Chinese text is almost never GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            return None, ""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    body = data[4:] if data.startswith(_GB18030_BOM) else data
    try:
        text = body.decode("gb18030")
    except UnicodeDecodeError:
        return None, ""
    # private-use or control characters mean the bytes were not really GB18030 text
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ue000-\uf8ff]", text):
        return None, ""
    return text.lstrip("\ufeff"), "gb18030"


def read_csv_file(path: Path, pkg: Package, problems: list[Problem], notes: list[str]) -> SourceTable | None:
    t = match_table(pkg, path.stem)
    if t is None:
        problems.append(import_problem("import-unknown-sheet", path.name))
        return None
    try:
        data = path.read_bytes()
    except OSError as e:
        problems.append(
            import_problem("import-unreadable", path.name, detail_zh=type(e).__name__, detail_en=type(e).__name__)
        )
        return None
    text, enc = decode_csv(data)
    if text is None:
        problems.append(import_problem("import-encoding", path.name))
        return None
    if enc == "gb18030":
        notes.append(f"{path.name}: 已从 GB18030 转换为 UTF-8 / converted from GB18030 to UTF-8")
    elif enc == "utf-8-sig":
        notes.append(f"{path.name}: UTF-8（已去掉 BOM 标记 / BOM removed）")
    src = SourceTable(table=t, label=path.name, kind="csv")
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        grid = []
        for values in reader:
            grid.append((reader.line_num, tuple(values)))
            if len(grid) > MAX_TABLE_ROWS + 1:  # the header and the limit: stop reading here
                problems.append(import_problem("import-too-many-rows", path.name, reader.line_num))
                return None
    except csv.Error as e:
        problems.append(import_problem("import-unreadable", path.name, detail_zh=str(e)[:80], detail_en=str(e)[:80]))
        return None
    # csv line_num is the last physical line of a record; report the first one
    fixed, prev = [], 0
    for end, values in grid:
        fixed.append((prev + 1, values))
        prev = end
    _read_grid(src, fixed, problems, letters=False)
    return src


def read_sources(path: Path, pkg: Package, problems: list[Problem], notes: list[str]) -> list[SourceTable]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
        out = [s for s in (read_csv_file(p, pkg, problems, notes) for p in files) if s is not None]
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        out = read_workbook(path, pkg, problems)
    elif path.suffix.lower() == ".csv":
        s = read_csv_file(path, pkg, problems, notes)
        out = [s] if s else []
    else:
        problems.append(import_problem("import-file-type", path.name))
        return []
    seen: dict[str, SourceTable] = {}
    empty = [s.label for s in out if not s.rows]
    if empty:
        # a blank template sheet must not wipe the table in DIR
        notes.append(
            f"没有数据行，已跳过（保留原有文件）/ no data rows, skipped (existing files kept): {'、'.join(empty)}"
        )
    for s in out:
        if not s.rows:
            continue
        if s.table.name in seen:
            problems.append(
                import_problem(
                    "import-duplicate-table",
                    s.label,
                    detail_zh=f"{seen[s.table.name].label} / {s.label}",
                    detail_en=s.table.name,
                )
            )
        else:
            seen[s.table.name] = s
    return list(seen.values())


# ---------------------------------------------------------------- changes against the data folder

_REFUSALS = ("import-rows-removed", "import-many-changes")


@dataclass
class TableChange:
    """What an import would do to one table of the data folder."""

    label: str
    path: str
    before: int
    after: int
    added: int = 0
    changed: int = 0
    removed: int = 0
    columns: dict[str, int] = field(default_factory=dict)  # field → rows whose value changes
    header_added: list[str] = field(default_factory=list)
    header_dropped: list[str] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.changed or self.removed or self.header_added or self.header_dropped)

    def lines(self) -> list[str]:
        head = f"变更 changes {self.label} → {self.path}: 原有 {self.before} 行，导入后 {self.after} 行"
        if self.unchanged:
            return [head + "，没有变化 / unchanged"]
        out = [
            head + f"；新增 {self.added}、修改 {self.changed}、删除 {self.removed} 行"
            f" / {self.before} → {self.after} rows: {self.added} added, {self.changed} changed, {self.removed} removed"
        ]
        if self.columns:
            cols = "、".join(f"{n} {c} 行" for n, c in self.columns.items())
            out.append(f"    修改的列 changed columns: {cols}")
        if self.header_added:
            out.append(f"    新增的列 columns added: {'、'.join(self.header_added)}")
        if self.header_dropped:
            out.append(f"    去掉的列 columns dropped: {'、'.join(self.header_dropped)}")
        return out


def key_fields(t: TableSpec) -> tuple[str, ...]:
    """What identifies a row: the primary key (the id, or e.g. activity_id + deputy_id)."""
    return t.primary_key or t.field_names


def read_existing(out_dir: Path, t: TableSpec) -> tuple[list[str], list[dict[str, str]], list[int]]:
    """(header, rows, first line of each row) of the table's file in the data folder."""
    path = out_dir / t.path
    if not path.is_file():
        return [], [], []
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] = []
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    prev = 0
    for values in reader:
        start, prev = prev + 1, reader.line_num
        if not header:
            header = values
            continue
        if not any(v.strip() for v in values):
            continue
        rows.append({h: (values[i] if i < len(values) else "") for i, h in enumerate(header)})
        lines.append(start)
    return header, rows, lines


def _keyed(t: TableSpec, rows: list[dict[str, str]]) -> dict[tuple, dict[str, str]]:
    keys = key_fields(t)
    out: dict[tuple, dict[str, str]] = {}
    for r in rows:
        k = tuple(r.get(n, "") for n in keys)
        while k in out:  # a duplicated key (the validator reports it): still count every row
            k = (*k, "\x00")
        out[k] = r
    return out


def table_change(src: SourceTable, header: list[str], old: list[dict[str, str]]) -> TableChange:
    t = src.table
    names = t.field_names
    before, after = _keyed(t, old), _keyed(t, src.rows)
    ch = TableChange(label=src.label, path=t.path, before=len(old), after=len(src.rows))
    ch.added = sum(1 for k in after if k not in before)
    ch.removed = sum(1 for k in before if k not in after)
    columns: dict[str, int] = {}
    for k, new in after.items():
        prev = before.get(k)
        if prev is None:
            continue
        diff = [n for n in names if prev.get(n, "") != new.get(n, "")]
        if diff:
            ch.changed += 1
            for n in diff:
                columns[n] = columns.get(n, 0) + 1
    ch.columns = {n: columns[n] for n in names if n in columns}
    if header:
        ch.header_added = [n for n in names if n not in header]
        ch.header_dropped = [h for h in header if h not in names]
    return ch


def refusals(src: SourceTable, ch: TableChange) -> list[Problem]:
    """The changes that need --yes: removed rows, or more than CHANGE_LIMIT of the rows changed."""
    out = []
    if ch.removed:
        out.append(
            import_problem(
                "import-rows-removed",
                src.label,
                detail_zh=f"{ch.path} 将删除 {ch.removed} 行（共 {ch.before} 行）",
                detail_en=f"{ch.path}: {ch.removed} of {ch.before} rows",
            )
        )
    if ch.before and ch.changed > CHANGE_LIMIT * ch.before:
        pct = round(100 * ch.changed / ch.before)
        out.append(
            import_problem(
                "import-many-changes",
                src.label,
                detail_zh=f"{ch.path} 将修改 {ch.changed} 行（共 {ch.before} 行，{pct}%）",
                detail_en=f"{ch.path}: {ch.changed} of {ch.before} rows ({pct}%)",
            )
        )
    return out


def merge_update(src: SourceTable, old: list[dict[str, str]], lines: list[int], problems: list[Problem]) -> None:
    """--update: the data folder's rows stay, in their order; a sheet row with the key of an
    existing row replaces it (columns the sheet does not have keep their values); other sheet
    rows are appended in sheet order."""
    t = src.table
    keys = key_fields(t)
    names = t.field_names
    incoming: dict[tuple, int] = {}
    for i, r in enumerate(src.rows):
        k = tuple(r.get(n, "") for n in keys)
        if k in incoming:
            problems.append(
                import_problem("import-duplicate-key", src.where(i, keys[0]), fld=keys[0], detail_zh="、".join(k)[:60])
            )
            continue
        incoming[k] = i
    rows: list[dict[str, str]] = []
    origin: list[int] = []
    used: set[int] = set()
    for r, line in zip(old, lines):
        k = tuple(r.get(n, "") for n in keys)
        i = incoming.get(k)
        if i is None or i in used:
            rows.append({n: r.get(n, "") for n in names})
            origin.append(-line)
            continue
        used.add(i)
        new = src.rows[i]
        rows.append({n: (new.get(n, "") if n in src.columns else r.get(n, "")) for n in names})
        origin.append(src.origin[i])
    for i, r in enumerate(src.rows):
        if i not in used and incoming.get(tuple(r.get(n, "") for n in keys)) == i:
            rows.append(r)
            origin.append(src.origin[i])
    src.rows, src.origin = rows, origin


# ---------------------------------------------------------------- writing and validating


def csv_text(src: SourceTable) -> str:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    names = list(src.table.field_names)
    w.writerow(names)
    for row in src.rows:
        w.writerow([row.get(n, "") for n in names])
    return buf.getvalue()


def _copy_package(out_dir: Path, tmp: Path, pkg: Package, replaced: set[str]) -> None:
    """Descriptor, rules, report bodies, photos and the tables the import does not replace."""
    desc = find_descriptor(out_dir)
    assert desc is not None
    shutil.copy2(desc, tmp / desc.name)
    if (out_dir / RULES_FILE).is_file():
        shutil.copy2(out_dir / RULES_FILE, tmp / RULES_FILE)
    for sub in ("reports", "photos"):
        if (out_dir / sub).is_dir():
            shutil.copytree(out_dir / sub, tmp / sub)
    for t in pkg.tables.values():
        if t.name not in replaced and (out_dir / t.path).is_file():
            (tmp / t.path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(out_dir / t.path, tmp / t.path)


def _record_index(src: SourceTable, row: int) -> int | None:
    """Validator row (1-based line of the written CSV, header = 1) → index into src.rows.

    The written CSV may hold multi-line cells, so lines are counted, not assumed."""
    line = 2
    for i, r in enumerate(src.rows):
        span = 1 + sum(v.count("\n") for v in r.values())
        if line <= row < line + span:
            return i
        line += span
    return None


def _file_key(path: str, tmp: Path) -> str:
    p = path.replace("\\", "/")
    t = str(tmp).replace("\\", "/").rstrip("/") + "/"
    if p.startswith(t):
        p = p[len(t) :]
    return p[2:] if p.startswith("./") else p


def locate(p: Problem, by_path: dict[str, SourceTable], tmp: Path) -> str:
    key = _file_key(p.file, tmp)
    src = by_path.get(key)
    if src is None:
        return p.location()
    idx = _record_index(src, p.row) if p.row else None
    if p.row and idx is None:  # beyond the rows: the validator's own line
        return f"{src.label} ({p.file}:{p.row})"
    return src.where(idx, p.field)


def _scrub(text: str, secrets: list[str]) -> str:
    for s in secrets:
        text = text.replace(s, "＊＊＊")
    return text


def _secrets(sources: list[SourceTable]) -> list[str]:
    vals = {r[f] for s in sources for f in s.table.private_fields for r in s.rows if len(r.get(f, "")) >= 4}
    return sorted(vals, key=len, reverse=True)


def format_problem(where: str, p: Problem, secrets: list[str]) -> list[str]:
    tag = {ERROR: "错误 error", WARNING: "警告 warning"}.get(p.severity, "提示 info")
    lines = [f"{where}: {tag} {p.code}: {p.message_zh} / {p.message_en}"]
    if p.hint_zh or p.hint_en:
        lines.append(f"    处理 fix: {p.hint_zh} / {p.hint_en}")
    return [_scrub(x, secrets) for x in lines]


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmpname = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmpname, path)
    except BaseException:
        Path(tmpname).unlink(missing_ok=True)
        raise


def run_import(
    file: Path,
    out_dir: Path,
    as_of: dt.date | None = None,
    stream=None,
    update: bool = False,
    yes: bool = False,
) -> int:
    """The whole import; prints to `stream` (stdout) and returns the exit status.

    `update`: add or change rows by key instead of replacing whole tables. `yes`: go ahead
    although rows would be removed or more than CHANGE_LIMIT of a table's rows would change."""
    stream = stream or sys.stdout

    def say(s: str = "") -> None:
        # sheet names, headers and cells are untrusted: no terminal control sequences
        print(_CONTROL.sub("\ufffd", s), file=stream)

    problems: list[Problem] = []
    notes: list[str] = []
    if find_descriptor(out_dir) is None:
        say(format_problem(str(out_dir), import_problem("import-no-descriptor", str(out_dir)), [])[0])
        return 1
    try:
        pkg = read_package(out_dir)
    except DescriptorError as e:
        say(f"{out_dir}: 错误 error: 数据包说明文件无法读取 / descriptor unreadable: {e}")
        return 1
    if not file.exists():
        say(f"{file}: 错误 error import-unreadable: 文件不存在 / file not found")
        return 1
    sources = read_sources(file, pkg, problems, notes)
    if not sources and not any(p.severity == ERROR for p in problems):
        problems.append(import_problem("import-no-tables", file.name))
    secrets = _secrets(sources)
    for n in notes:
        say(n)
    for s in sources:
        extra = []
        if s.labels_converted:
            extra.append(f"{s.labels_converted} 个中文选项已转换为代码 / choices converted to codes")
        if s.dates_converted:
            extra.append(f"{s.dates_converted} 个日期已转换为 YYYY-MM-DD / dates converted")
        say(
            f"读取 read {s.label} → {s.table.path}: {len(s.rows)} 行 rows"
            + (f"（{'；'.join(extra)}）" if extra else "")
        )

    changes: list[TableChange] = []
    if not any(p.severity == ERROR for p in problems):
        for s in sources:
            header, old, lines = read_existing(out_dir, s.table)
            if update:
                merge_update(s, old, lines, problems)
            ch = table_change(s, header, old)
            changes.append(ch)
            for line in ch.lines():
                say(line)
            if not yes:
                problems.extend(refusals(s, ch))

    validator_problems: list[Problem] = []
    by_path = {s.table.path: s for s in sources}
    removing = any(p.code == "import-rows-removed" for p in problems)
    if removing:
        # every reference to a removed row would be an error: decide first, then validate
        say(
            "校验暂缓：请先决定是整表替换（--yes）还是只新增和修改（--update）/ validation skipped until you choose "
            "--yes (replace the table) or --update (add and change rows only)"
        )
    if sources and not removing and not any(p.severity == ERROR and p.code not in _REFUSALS for p in problems):
        with tempfile.TemporaryDirectory(prefix="import-") as td:
            tmp = Path(td)
            _copy_package(out_dir, tmp, pkg, {s.table.name for s in sources})
            for s in sources:
                _write_atomic(tmp / s.table.path, csv_text(s))
            validator_problems = sort_problems(validate_package(tmp, as_of or dt.date.today()))
            located = [(locate(p, by_path, tmp), p) for p in validator_problems]
    else:
        located = []

    own = [(p.location(), p) for p in problems]
    groups: dict[tuple, list[tuple[str, Problem]]] = {}
    for i, (where, p) in enumerate(own):
        groups[("own", i)] = [(where, p)]  # the importer's own problems: each one
    for where, p in located:
        if p.severity == ERROR:
            groups.setdefault((p.code, p.message_zh), []).append((where, p))
    for items in groups.values():
        for where, p in items[:FOLD_AFTER]:
            for line in format_problem(where, p, secrets):
                say(line)
        if len(items) > FOLD_AFTER:
            more = len(items) - FOLD_AFTER
            say(_scrub(f"    …… 另有 {more} 处同样的错误 / {more} more of the same", secrets))
    warned: dict[str, list[tuple[str, Problem]]] = {}
    for where, p in located:
        if p.severity != ERROR:
            warned.setdefault(p.code, []).append((where, p))
    for code, items in warned.items():
        where, p = items[0]
        say(
            _scrub(
                f"警告 warning {code}: {len(items)} 条 / {len(items)}；例 e.g. {where}: {p.message_zh} / {p.message_en}"
                " （make validate DETAILS=1 列出每一条 / lists each）",
                secrets,
            )
        )
    allp = problems + validator_problems
    e, w = count(allp, ERROR), count(allp, WARNING)
    say(f"共 {e} 个错误、{w} 个警告 / {e} errors, {w} warnings")
    if e:
        say(f"未写入任何文件 / nothing written to {out_dir}")
        return 1
    files: dict[str, bytes] = {}
    for s in sources:
        data = csv_text(s).encode("utf-8")
        target = out_dir / s.table.path
        if not (target.is_file() and target.read_bytes() == data):
            files[s.table.path] = data
    try:
        replace_files(out_dir, files)  # every table or none
    except OSError as e:
        say(
            f"{out_dir}: 错误 error: 写入失败，数据文件夹保持原样 / write failed, data folder unchanged: {type(e).__name__}"
        )
        return 1
    for s in sources:
        if s.table.path in files:
            say(f"已写入 wrote {out_dir / s.table.path}（{len(s.rows)} 行 rows）")
        else:
            say(f"没有变化，未改动 unchanged {out_dir / s.table.path}")
    return 0


def command(args) -> int:
    return run_import(
        Path(args.file),
        Path(args.out),
        getattr(args, "as_of", None),
        update=bool(getattr(args, "update", False)),
        yes=bool(getattr(args, "yes", False)),
    )
