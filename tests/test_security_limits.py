"""Bounded work with located errors (issue 17): cell length, rows per table, report body size,
and workbook expansion on import. Each limit is a stable code with file, row and field; the
work stops at the limit (a table past the row limit is not read by any later tier)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from generator.descriptor import read_package
from generator.staff import xlsx_import
from generator.staff.xlsx_import import check_workbook, read_sources, run_import
from generator.staff.xlsx_templates import build_workbook, sheet_name
from generator.validate import body_checks, schema_checks, validate_package
from generator.validate.body_checks import MAX_BODY_BYTES
from generator.validate.schema_checks import MAX_CELL_CHARS
from tests.fixtures.make_bad import materialize

AS_OF = dt.date(2026, 11, 20)
TINY = Path(__file__).parent / "fixtures" / "tiny"
LIMIT_CODES = {"cell-too-long", "too-many-rows", "report-body-too-large"}


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _write(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _set_cell(root: Path, table: str, key: str, column: str, value: str) -> int:
    """Set one cell; returns the file line of the row (header = 1; rows are single-line in tiny)."""
    rows = _rows(root / f"{table}.csv")
    col = rows[0].index(column)
    i = next(i for i, r in enumerate(rows) if r[0] == key)
    rows[i][col] = value
    _write(root / f"{table}.csv", rows)
    return i + 1


def _limit_problems(root: Path) -> list[tuple]:
    return [(p.file, p.row, p.field, p.code) for p in validate_package(root, as_of=AS_OF) if p.code in LIMIT_CODES]


def test_tiny_is_within_every_limit(tmp_path):
    root = materialize("control-character", tmp_path / "pkg")  # also takes the exact (row) pass
    assert _limit_problems(root) == []


def test_cell_over_the_limit_is_located(tmp_path):
    root = materialize("control-character", tmp_path / "pkg")  # deputies.csv has a NUL too
    line = _set_cell(root, "deputies", "d02", "occupation", "农" * (MAX_CELL_CHARS + 1))
    # a quoted cell spanning lines, each line short: found too (quotes force the exact pass)
    multi = "\n".join(["很长的简历，分多行"] * 4000)
    assert len(multi) > MAX_CELL_CHARS and max(map(len, multi.splitlines())) < 20
    line5 = _set_cell(root, "deputies", "d05", "biography", multi)
    problems = validate_package(root, as_of=AS_OF)
    got = [(p.file, p.row, p.field, p.code) for p in problems if p.code in LIMIT_CODES | {"control-character"}]
    assert got == [
        ("deputies.csv", line, "occupation", "cell-too-long"),
        ("deputies.csv", 4, "occupation", "control-character"),
        ("deputies.csv", line5, "biography", "cell-too-long"),
    ]
    first = next(p for p in problems if p.code == "cell-too-long")
    assert first.message_zh == "occupation 有 32,768 个字符，超过每个单元格 32,767 个字符的上限（Excel 单元格的上限）"
    assert first.severity == "error" and first.hint_zh


def test_cell_at_the_limit_passes(tmp_path):
    root = materialize("control-character", tmp_path / "pkg")
    _set_cell(root, "deputies", "d02", "occupation", "农" * MAX_CELL_CHARS)
    assert _limit_problems(root) == []


def test_rows_past_the_limit_stop_the_table(tmp_path, monkeypatch):
    monkeypatch.setattr(schema_checks, "MAX_TABLE_ROWS", 20)
    root = materialize("control-character", tmp_path / "pkg")
    rows = _rows(root / "attendance.csv")
    assert len(rows) - 1 == 24  # tiny's attendance rows: four past the lowered limit
    # a row-level defect past the limit: not reported, because the table is not read further
    rows[-1][rows[0].index("status")] = "bogus"
    _write(root / "attendance.csv", rows)
    problems = validate_package(root, as_of=AS_OF)
    got = [(p.file, p.row, p.field, p.code) for p in problems if p.file == "attendance.csv"]
    assert got == [("attendance.csv", 22, "", "too-many-rows")]  # line 22 = the 21st data row
    assert next(p for p in problems if p.code == "too-many-rows").message_en.startswith(
        "this table has more than 20 data rows"
    )


def test_report_body_over_the_limit_is_not_read(tmp_path, monkeypatch):
    root = materialize("control-character", tmp_path / "pkg")
    body = root / "reports" / "r03.md"
    body.write_bytes(body.read_bytes() + b"x" * (MAX_BODY_BYTES + 1 - body.stat().st_size))
    assert body.stat().st_size == MAX_BODY_BYTES + 1
    reads = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self.name) or real(self))
    problems = validate_package(root, as_of=AS_OF, workers=0)
    assert "r03.md" not in reads
    assert _limit_problems(root) == [("reports.csv", 4, "body", "report-body-too-large")]
    p = next(p for p in problems if p.code == "report-body-too-large")
    assert (
        p.message_en
        == "the report body reports/r03.md has 262,145 bytes, more than the limit of 262,144; it was not read"
    )
    # no other problem about that body: it was never read
    assert [q.code for q in problems if q.file == "reports/r03.md"] == []


def test_report_body_at_the_limit_is_checked(tmp_path):
    root = materialize("control-character", tmp_path / "pkg")
    body = root / "reports" / "r03.md"
    body.write_bytes(body.read_bytes() + b"x" * (MAX_BODY_BYTES - body.stat().st_size))
    assert _limit_problems(root) == []


def test_limits_are_documented():
    doc = (Path(__file__).parent.parent / "docs" / "validation.md").read_text(encoding="utf-8")
    for code in sorted(LIMIT_CODES) + ["import-too-large", "import-too-many-rows", "import-cell-too-long"]:
        assert f"`{code}`" in doc, code
    assert f"{MAX_CELL_CHARS:,}" in doc and f"{MAX_BODY_BYTES:,}" in doc
    assert f"{schema_checks.MAX_TABLE_ROWS:,}" in doc and f"{body_checks.MAX_BODY_BYTES:,}" in doc


# -- workbooks -----------------------------------------------------------------------------

PKG = read_package(TINY)
_BOOK = (
    '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="代表 deputies" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def _crafted(path: Path, sheet: bytes | None = None, strings: bytes | None = None, big: int = 0) -> Path:
    """A zip laid out like an .xlsx, parts written as a stream (a 50 MB part costs little disk)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", _BOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _RELS)
        zf.writestr("xl/worksheets/sheet1.xml", sheet or b"<worksheet><sheetData/></worksheet>")
        if strings is not None:
            zf.writestr("xl/sharedStrings.xml", strings)
        if big:
            with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
                fh.write(b"<sst><si><t>ok</t></si><si><t>")
                block = b"A" * (1 << 20)
                for _ in range(big):
                    fh.write(block)
                fh.write(b"</t></si></sst>")
    return path


def _codes(problems) -> list[tuple]:
    return [(p.file, p.row, p.field, p.code) for p in problems]


def test_workbook_cell_of_50_mb_stops_before_openpyxl(tmp_path, monkeypatch):
    f = _crafted(tmp_path / "bomb.xlsx", big=50)
    assert f.stat().st_size < 200_000  # 50 MB of text in a small file
    monkeypatch.setattr(xlsx_import, "load_workbook", lambda *a, **k: (_ for _ in ()).throw(AssertionError))
    problems: list = []
    assert read_sources(f, PKG, problems, []) == []
    assert _codes(problems) == [("bomb.xlsx:xl/sharedStrings.xml", 0, "", "import-cell-too-long")]
    assert problems[0].message_zh.endswith("：共享文字第 2 条")


def test_workbook_long_inline_cell_is_located(tmp_path):
    cell = b'<c r="C7" t="inlineStr"><is><t>' + "长".encode() * 200_000 + b"</t></is></c>"
    sheet = b'<worksheet><sheetData><row r="7"><c r="A7"><v>1</v></c>' + cell + b"</row></sheetData></worksheet>"
    assert _codes(check_workbook(_crafted(tmp_path / "b.xlsx", sheet=sheet))) == [
        ("b.xlsx!代表 deputies!C7", 0, "", "import-cell-too-long")
    ]


def test_workbook_rows_past_excels_limit(tmp_path, monkeypatch):
    # a row numbered past Excel's last row: openpyxl would fill every row before it
    far = (
        b'<worksheet><sheetData><row r="1"/><row r="1048577"><c r="A1048577"><v>1</v></c></row></sheetData></worksheet>'
    )
    assert _codes(check_workbook(_crafted(tmp_path / "far.xlsx", sheet=far))) == [
        ("far.xlsx!代表 deputies", 1048577, "", "import-too-many-rows")
    ]
    # more <row> elements than Excel allows (without numbers)
    many = b"<worksheet><sheetData>" + b"<row/>" * 1_048_577 + b"</sheetData></worksheet>"
    assert _codes(check_workbook(_crafted(tmp_path / "many.xlsx", sheet=many))) == [
        ("many.xlsx!代表 deputies", 1048577, "", "import-too-many-rows")
    ]
    exact = b"<worksheet><sheetData>" + b"<row/>" * 1_048_576 + b"</sheetData></worksheet>"
    assert check_workbook(_crafted(tmp_path / "exact.xlsx", sheet=exact)) == []


def test_workbook_unpacked_size_and_dtd(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_import, "XLSX_MAX_PART_BYTES", 1 << 20)
    big = _crafted(tmp_path / "big.xlsx", big=2)
    assert _codes(check_workbook(big)) == [("big.xlsx", 0, "", "import-too-large")]
    monkeypatch.undo()
    dtd = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet><sheetData/></worksheet>'
    assert _codes(check_workbook(_crafted(tmp_path / "dtd.xlsx", sheet=dtd))) == [
        ("dtd.xlsx!代表 deputies", 0, "", "import-xml-entity")
    ]


def _template_with(tmp_path: Path, value: str) -> tuple[Path, str]:
    """The blank template with tiny's deputies and `value` as the last one's biography; the
    path and the cell (sheet!C7) that holds it."""
    wb: Workbook = build_workbook(PKG)
    t = PKG.tables["deputies"]
    ws = wb[sheet_name(t, PKG)]
    rows = _rows(TINY / "deputies.csv")
    for r in rows[1:]:
        ws.append(r)
    col = get_column_letter(list(t.field_names).index("biography") + 1)
    ws[f"{col}{ws.max_row}"] = "PLACEHOLDER-CELL"
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    # openpyxl cuts what it writes at Excel's limit; other programs do not: put the value in
    # the saved XML instead
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data.replace(b"PLACEHOLDER-CELL", value.encode()))
    return path, f"{ws.title}!{col}{ws.max_row}"


def test_workbook_cell_just_over_the_limit_is_located_by_cell(tmp_path):
    path, cell = _template_with(tmp_path, "很" * (MAX_CELL_CHARS + 1))
    assert check_workbook(path) == []  # within the XML bound: measured exactly, cell by cell
    problems: list = []
    read_sources(path, PKG, problems, [])
    assert _codes(problems) == [(cell, 0, "biography", "import-cell-too-long")]
    assert problems[0].message_zh.endswith("：32,768 个字符")


def test_import_of_a_bomb_prints_a_problem_and_writes_nothing(tmp_path):
    out = tmp_path / "pkg"
    materialize("control-character", out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    buf = io.StringIO()
    rc = run_import(_crafted(tmp_path / "bomb.xlsx", big=5), out, AS_OF, stream=buf)
    assert rc == 1
    text = buf.getvalue()
    assert "import-cell-too-long" in text and "Traceback" not in text
    assert "32,767" in text
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_csv_import_stops_at_the_row_limit_and_locates_long_cells(tmp_path, monkeypatch):
    rows = _rows(TINY / "deputies.csv")
    bio = rows[0].index("biography")
    rows[3][bio] = "很" * (MAX_CELL_CHARS + 1)  # line 4
    path = tmp_path / "deputies.csv"
    _write(path, rows)
    problems: list = []
    read_sources(path, PKG, problems, [])
    assert [(p.file, p.row, p.field, p.code) for p in problems] == [
        ("deputies.csv:4", 0, "biography", "import-cell-too-long")
    ]
    monkeypatch.setattr(xlsx_import, "MAX_TABLE_ROWS", 5)
    problems = []
    assert read_sources(path, PKG, problems, []) == []
    # the header and five records are read; the sixth record (line 7) is past the limit
    assert [(p.file, p.row, p.field, p.code) for p in problems] == [("deputies.csv", 7, "", "import-too-many-rows")]
