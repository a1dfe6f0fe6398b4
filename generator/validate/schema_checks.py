"""Tier 1: the descriptor, each file's encoding and header, then frictionless on every table.

Three steps, so that one bad file never hides or multiplies the others:

1. `check_descriptor` — the descriptor parses (safely), frictionless accepts its metadata, every
   table the site needs is declared, every path stays inside the package.
2. `precheck_file` — cheap and in-process: the file exists, is UTF-8 (a BOM is fine), is not
   empty, and its header names the schema's columns. A file that fails here is "unreadable":
   later tiers skip it instead of reporting every reference into it as broken.
3. `frictionless_table` — frictionless validates the rows (types, required, enums, patterns,
   ranges, primary keys) against a schema laid out in the header's own column order, so a
   missing or extra column is reported once (by step 2), not as a shifted cell in every row.
   Foreign keys are checked by record_checks from the loaded model: frictionless would read
   every referenced table again, and would report a decode error in one table once more for
   every table that points at it. Its errors are mapped to our codes and messages; its own
   messages are never shown because they quote cell values (private ones included).
"""

from __future__ import annotations

import csv
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..descriptor import DescriptorError, Package, find_descriptor, read_package, unsafe_values
from ..model import TABLE_CLASSES
from ..sanitize import package_path, relpath_problem
from .codes import problem, show_value
from .fast_rows import check_table

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

ERROR_LIMIT = 1000  # per table; beyond this frictionless stops and we say so

TYPE_ZH = {
    "integer": "整数",
    "number": "数字",
    "boolean": "是/否值",
    "date": "日期",
    "string": "文本",
    "datetime": "日期时间",
    "year": "年份",
}
TYPE_EN = {
    "integer": "a whole number",
    "number": "a number",
    "boolean": "a yes/no value",
    "date": "a date",
    "string": "text",
    "datetime": "a date and time",
    "year": "a year",
}
TYPE_EXAMPLE = {
    "integer": "12",
    "number": "3.5",
    "date": "2024-03-15",
    "datetime": "2024-03-15T09:00:00",
    "year": "2024",
    "string": "文本",
}


def _detail(s: str, limit: int = 160) -> str:
    s = re.sub(r"\s+", " ", str(s)).strip()
    return s if len(s) <= limit else s[:limit] + "…"


# -- step 1: the descriptor -------------------------------------------------------------


def check_descriptor(root: Path) -> tuple[Package | None, list]:
    """(package or None, problems). None means nothing else can be checked."""
    path = find_descriptor(root)
    if path is None:
        return None, [problem("descriptor-missing", "datapackage.yaml")]
    fname = path.name
    try:
        pkg = read_package(root, strict=False)  # unsafe names, paths and links: reported below
    except DescriptorError as e:
        # read_package's message starts with the file name; keep only the reason
        reason = str(e).split(": ", 1)[-1]
        return None, [problem("descriptor-invalid", fname, detail=_detail(reason))]
    except (OSError, ValueError, RecursionError) as e:  # unreadable, bad encoding, absurd nesting
        return None, [problem("descriptor-invalid", fname, detail=type(e).__name__)]
    problems = []
    fatal = False
    try:
        from frictionless import Package as FPackage  # heavy (~1 s): only when a descriptor is checked

        for err in FPackage.metadata_validate(pkg.raw):
            problems.append(problem("descriptor-invalid", fname, detail=_detail(f"{err.type}: {err.note}")))
    except Exception as e:  # frictionless raises on some malformed schemas (e.g. unknown type)
        note = getattr(getattr(e, "error", None), "note", "") or type(e).__name__
        problems.append(problem("descriptor-invalid", fname, detail=_detail(note)))
    for bad in unsafe_values(pkg.raw):  # the path rule (generator/sanitize.py), for names, paths, links
        args = {"col": bad.field, "value": show_value(bad.value)}
        if bad.code == "unsafe-path":
            args.update(suffix_zh="，且须是 .csv 文件", suffix_en=", and it must be a .csv file")
        problems.append(problem(bad.code, fname, 0, bad.field, **args))
        fatal = fatal or bad.code != "unsafe-link"
    for t in pkg.tables.values():
        if relpath_problem(t.path) is None and not t.path.endswith(".csv"):  # unsafe ones: above
            problems.append(
                problem("descriptor-invalid", fname, detail=_detail(f"resource {t.name}: path must be a .csv file"))
            )
            fatal = True
    for name in TABLE_CLASSES:
        if name not in pkg.tables:
            problems.append(problem("resource-missing", fname, table=name))
    # frictionless-level descriptor errors make every later step unreliable (and frictionless
    # itself would raise on them), so stop here; missing tables alone are not fatal.
    if fatal or any(p.code == "descriptor-invalid" for p in problems):
        return None, _dedupe(problems)
    return pkg, problems


def _dedupe(problems: list) -> list:
    seen, out = set(), []
    for p in problems:
        k = (p.file, p.row, p.field, p.code, p.message_en)
        if k not in seen:
            seen.add(k)
            out.append(p)
    return out


# -- step 2: encoding, emptiness, header --------------------------------------------------


@dataclass
class FileCheck:
    name: str
    path: str  # relative to the package root
    problems: list = field(default_factory=list)
    readable: bool = True  # rows can be read by name (header sane, UTF-8)
    header: list[str] | None = None
    size: int = 0


def first_bad_utf8_line(path: Path) -> int | None:
    """Line (1-based) of the first byte that is not UTF-8, or None. Reads in pieces cut at a
    newline (never inside a UTF-8 or GB18030 character), so memory stays flat."""
    line = 1
    carry = b""
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(1 << 22)
            if not chunk:
                piece, carry = carry, b""
            else:
                buf = carry + chunk
                cut = buf.rfind(b"\n") + 1
                if cut == 0:
                    carry = buf
                    continue
                piece, carry = buf[:cut], buf[cut:]
            try:
                piece.decode("utf-8")
            except UnicodeDecodeError as e:
                return line + piece.count(b"\n", 0, e.start)
            line += piece.count(b"\n")
            if not chunk:
                return None


def _looks_gb18030(path: Path) -> bool:
    try:
        path.read_bytes().decode("gb18030")
        return True
    except (UnicodeDecodeError, OSError, MemoryError):
        return False


def precheck_file(root: Path, name: str, relpath: str, field_names: list[str]) -> FileCheck:
    fc = FileCheck(name=name, path=relpath)
    path = root / relpath
    if os.path.lexists(path) and package_path(root, relpath) is None:  # a link out: never read
        fc.problems.append(problem("link-outside", relpath, path=relpath))
        fc.readable = False
        return fc
    if not path.is_file():
        fc.problems.append(problem("file-missing", relpath, path=relpath))
        fc.readable = False
        return fc
    fc.size = path.stat().st_size
    bad = first_bad_utf8_line(path)
    if bad is not None:
        gb = _looks_gb18030(path)
        fc.problems.append(
            problem(
                "file-encoding",
                relpath,
                bad,
                line=bad,
                guess_zh="，看起来是 GBK/GB18030 编码（Excel 默认的“CSV（逗号分隔）”）" if gb else "",
                guess_en=', it looks like GBK/GB18030 (Excel\'s default "CSV (Comma delimited)")' if gb else "",
            )
        )
        fc.readable = False
        return fc
    with path.open(encoding="utf-8-sig", newline="") as fh:
        try:
            header = next(csv.reader(fh), None)
        except csv.Error as e:
            fc.problems.append(problem("table-error", relpath, 1, detail=_detail(str(e))))
            fc.readable = False
            return fc
    if header is None or not any(h.strip() for h in header):
        fc.problems.append(problem("empty-file", relpath, columns=",".join(field_names)))
        fc.readable = False
        return fc
    fc.header = header
    seen: set[str] = set()
    for i, label in enumerate(header, 1):
        if not label.strip():
            fc.problems.append(problem("blank-column", relpath, 1, "", position=i))
            fc.readable = False
        elif label in seen:
            fc.problems.append(problem("duplicate-column", relpath, 1, label, col=show_value(label)))
            fc.readable = False
        else:
            seen.add(label)
            if label not in field_names:
                fc.problems.append(problem("extra-column", relpath, 1, label, col=show_value(label)))
    for n in field_names:
        if n not in seen:
            fc.problems.append(problem("missing-column", relpath, 1, n, col=n))
    if fc.readable:
        scan = scan_cells(path, header)
        for line, col in scan.control:
            fc.problems.append(problem("control-character", relpath, line, col, col=col))
        for line, col, length in scan.long:
            fc.problems.append(
                problem(
                    "cell-too-long",
                    relpath,
                    line,
                    col,
                    col=col,
                    length=f"{length:,}",
                    limit=f"{MAX_CELL_CHARS:,}",
                )
            )
        if scan.too_many_rows_at:
            fc.problems.append(problem("too-many-rows", relpath, scan.too_many_rows_at, limit=f"{MAX_TABLE_ROWS:,}"))
            fc.readable = False  # bounded work: no later tier reads a table past the limit
    return fc


# C0 controls but tab, LF, CR; DEL; C1 controls (UTF-8 \xc2\x80-\x9f). Never in real text;
# NUL corrupts what is published (and what reads it).
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]")
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_LIMIT = 100  # cells reported per table


# Limits that bound the work any one file can cause (issue 17), far above real data:
# - a cell: Excel's own cell limit, so every valid package round-trips through export and
#   import; the longest real cells (a biography, a suggestion's text) are a few thousand
#   characters, and long texts belong in report bodies.
# - a table: the province demo's largest table (attendance, about 7.7 million rows for about
#   131,000 deputies) fits 2.6 times; every row is held in memory by the build.
MAX_CELL_CHARS = 32_767
MAX_TABLE_ROWS = 20_000_000


@dataclass
class CellScan:
    control: list[tuple[int, str]] = field(default_factory=list)  # (line, column)
    long: list[tuple[int, str, int]] = field(default_factory=list)  # (line, column, characters)
    too_many_rows_at: int = 0  # line of the first data row past MAX_TABLE_ROWS


def _scan_bytes(path: Path) -> tuple[bool, bool, int, int]:
    """(has a control byte, has a quote, newlines, longest line in bytes) at C speed, a few MB
    at a time; the longest line is only measured when it could matter."""
    control = quotes = False
    newlines = longest = run = 0
    tail = b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            if not control and _CONTROL_BYTES.search(tail + chunk):
                control = True
            tail = chunk[-1:]
            quotes = quotes or b'"' in chunk
            n = chunk.count(b"\n")
            newlines += n
            if n == 0:
                run += len(chunk)
                continue
            first, last = chunk.index(b"\n"), chunk.rindex(b"\n")
            longest = max(longest, run + first)
            if n > 1 and not quotes and longest <= MAX_CELL_CHARS:
                longest = max(longest, max(map(len, chunk[first + 1 : last].split(b"\n"))))
            run = len(chunk) - last - 1
    return control, quotes, newlines, max(longest, run)


def scan_cells(path: Path, header: list[str]) -> CellScan:
    """Control characters (at most CONTROL_LIMIT cells), cells longer than MAX_CELL_CHARS (at most
    CONTROL_LIMIT) and the row limit. The bytes are scanned first; the rows are read only when
    they can hold a finding: a control byte, more lines than the row limit, or a cell that can
    be that long (a line that long, or quotes, which let a cell span lines). A cell of N
    characters takes at least N bytes."""
    out = CellScan()
    control, quotes, newlines, longest = _scan_bytes(path)
    could_be_long = longest > MAX_CELL_CHARS or (quotes and path.stat().st_size > MAX_CELL_CHARS)
    if not (control or could_be_long or newlines > MAX_TABLE_ROWS):
        return out
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        try:
            next(reader, None)
            start = reader.line_num + 1
            rows = 0
            for cells in reader:
                line, start = start, reader.line_num + 1
                if not cells:
                    continue  # a blank line (reported by the row checks)
                rows += 1
                if rows > MAX_TABLE_ROWS:
                    out.too_many_rows_at = line
                    break
                for i, cell in enumerate(cells):
                    if control and len(out.control) < CONTROL_LIMIT and _CONTROL_TEXT.search(cell):
                        out.control.append((line, header[i] if i < len(header) else ""))
                    if len(cell) > MAX_CELL_CHARS and len(out.long) < CONTROL_LIMIT:
                        out.long.append((line, header[i] if i < len(header) else "", len(cell)))
        except csv.Error:
            pass  # reported by the row checks
    return out


def control_cells(path: Path, header: list[str]) -> list[tuple[int, str]]:
    """(line, column) of cells holding a control character, at most CONTROL_LIMIT."""
    return scan_cells(path, header).control


# -- step 3: frictionless ----------------------------------------------------------------


def _line_map(path: Path, wanted: set[int]) -> dict[int, int]:
    """frictionless row number (header = 1, blank lines counted) → file line where it starts."""
    out: dict[int, int] = {}
    if not wanted:
        return out
    top = max(wanted)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        start = 1
        n = 0
        try:
            for _ in reader:
                n += 1
                if n in wanted:
                    out[n] = start
                if n >= top:
                    break
                start = reader.line_num + 1
        except csv.Error:
            pass
    return out


_CONSTRAINT_RE = re.compile(r'constraint "(\w+)"')
_POSITION_RE = re.compile(r"position (\d+)")


ENGINES = ("auto", "fast", "frictionless")


def table_problems(
    root: str, resource: dict, header: list[str], engine: str = "frictionless", limit: int = ERROR_LIMIT
) -> list:
    """One table's row problems by the chosen engine ("fast" falls back to frictionless for a
    table that uses something fast_rows does not implement). Picklable arguments so it can
    run in a worker process."""
    if engine == "fast":
        try:
            got = check_table(root, resource, header, limit)
        except Exception:  # noqa: BLE001 - e.g. a comparison frictionless also fails on: it decides
            got = None
        if got is not None:
            errors, line = got
            return map_errors(errors, resource, line, limit)
    return frictionless_table(root, resource, header, limit)


def frictionless_table(root: str, resource: dict, header: list[str], limit: int = ERROR_LIMIT) -> list:
    """Validate one table's rows with frictionless; returns Problems."""
    import frictionless  # heavy (~1 s): the fast engine's workers never import it

    relpath = resource["path"]
    try:
        errors = frictionless_errors(root, resource, header, limit)
    except frictionless.FrictionlessException as e:
        return [problem("table-error", relpath, 0, detail=_detail(getattr(e.error, "type", "error")))]
    except re.error:
        return [
            problem("table-error", relpath, 0, detail="a pattern in the descriptor is not a valid regular expression")
        ]
    except Exception as e:  # noqa: BLE001 - a reader crash must become a located problem
        return [problem("table-error", relpath, 0, detail=type(e).__name__)]

    wanted = {getattr(e, "row_number", None) for e in errors}
    for e in errors:
        if e.type == "primary-key":
            m = _POSITION_RE.search(e.note or "")
            if m:
                wanted.add(int(m.group(1)))
    wanted.discard(None)
    lines = _line_map(Path(root) / relpath, wanted)
    return map_errors(errors, resource, lambda row, default: lines.get(row, default), limit)


def frictionless_errors(root: str, resource: dict, header: list[str], limit: int = ERROR_LIMIT) -> list:
    """Frictionless' own errors for one table, its schema laid out in the header's order."""
    from frictionless import Resource  # heavy: see frictionless_table

    relpath = resource["path"]
    schema = resource.get("schema") or {}
    specs = {f["name"]: f for f in schema.get("fields", []) if isinstance(f, dict) and "name" in f}
    pk = schema.get("primaryKey") or []
    if isinstance(pk, str):
        pk = [pk]
    fields = []
    for label in header:
        spec = dict(specs.get(label) or {"name": label, "type": "string"})
        spec.pop("private", None)  # not a Table Schema property
        fields.append(spec)
    fschema: dict[str, Any] = {"fields": fields}
    if pk and all(k in header for k in pk):
        fschema["primaryKey"] = pk
    desc = {
        "name": resource["name"],
        "path": relpath,
        "format": "csv",
        "encoding": "utf-8",
        "dialect": {"csv": {"delimiter": ","}},
        "schema": fschema,
    }
    res = Resource(desc, basepath=root)
    report = res.validate(limit_errors=limit)
    return list(report.tasks[0].errors) if report.tasks else list(report.errors)


def map_errors(errors: list, resource: dict, line_of, limit: int = ERROR_LIMIT) -> list:
    """Frictionless errors (or fast_rows' look-alikes) → our Problems. `line_of(row, default)`
    gives the file line a row number starts on. Frictionless' own messages are never used:
    they quote cell values."""
    relpath = resource["path"]
    schema = resource.get("schema") or {}
    specs = {f["name"]: f for f in schema.get("fields", []) if isinstance(f, dict) and "name" in f}
    private = {n for n, f in specs.items() if f.get("private")}
    pk = schema.get("primaryKey") or []
    if isinstance(pk, str):
        pk = [pk]
    out = []
    for e in errors:
        row_no = getattr(e, "row_number", None)
        line = line_of(row_no, row_no or 0)
        fname = getattr(e, "field_name", "") or ""
        spec = specs.get(fname, {})
        title = spec.get("title", "")
        cell = getattr(e, "cell", None)
        value = show_value(cell, private=fname in private)
        t = e.type
        if t == "blank-row":
            out.append(problem("blank-row", relpath, line))
        elif t == "missing-cell":
            out.append(problem("missing-cell", relpath, line, fname, col=fname))
        elif t == "extra-cell":
            out.append(problem("extra-cell", relpath, line, "", position=getattr(e, "field_number", "?")))
        elif t == "type-error":
            ftype = spec.get("type", "string")
            if ftype in ("date", "datetime"):
                out.append(problem("bad-date", relpath, line, fname, col=fname, title=title, value=value))
            else:
                example = TYPE_EXAMPLE.get(ftype, "")
                if ftype == "boolean":
                    example = f"{(spec.get('trueValues') or ['true'])[0]} / {(spec.get('falseValues') or ['false'])[0]}"
                out.append(
                    problem(
                        "type-error",
                        relpath,
                        line,
                        fname,
                        col=fname,
                        title=title,
                        value=value,
                        type_zh=TYPE_ZH.get(ftype, ftype),
                        type_en=TYPE_EN.get(ftype, ftype),
                        example=example,
                    )
                )
        elif t == "constraint-error":
            m = _CONSTRAINT_RE.search(e.note or "")
            kind = m.group(1) if m else ""
            cons = spec.get("constraints") or {}
            if kind == "required":
                out.append(problem("required", relpath, line, fname, col=fname, title=title))
            elif kind == "enum":
                allowed = ", ".join(str(x) for x in cons.get("enum", []))
                out.append(
                    problem("not-in-enum", relpath, line, fname, col=fname, title=title, value=value, allowed=allowed)
                )
            elif kind == "pattern":
                if fname == "id" or fname.endswith("_id") or fname in pk:
                    out.append(problem("unsafe-id", relpath, line, fname, col=fname, value=value))
                else:
                    out.append(
                        problem(
                            "pattern-mismatch",
                            relpath,
                            line,
                            fname,
                            col=fname,
                            title=title,
                            value=value,
                            pattern=cons.get("pattern", ""),
                        )
                    )
            elif kind == "unique":
                out.append(problem("duplicate-key", relpath, line, fname, col=fname, other="?"))
            else:
                out.append(
                    problem(
                        "out-of-range",
                        relpath,
                        line,
                        fname,
                        col=fname,
                        title=title,
                        constraint=f"{kind} {cons.get(kind, '')}".strip(),
                    )
                )
        elif t == "primary-key":
            m = _POSITION_RE.search(e.note or "")
            if not m:
                # "all cells empty": a blank row (reported) or a missing required id (reported)
                continue
            other = line_of(int(m.group(1)), int(m.group(1)))
            out.append(problem("duplicate-id", relpath, line, ",".join(pk), col=",".join(pk), other=other))
        elif t == "unique-error":
            out.append(problem("duplicate-key", relpath, line, fname, col=fname, other="?"))
        elif t in ("blank-label", "duplicate-label", "extra-label", "missing-label", "incorrect-label"):
            continue  # the header was checked by precheck_file with the schema laid out to match it
        elif t == "encoding-error":
            out.append(problem("file-encoding", relpath, line, line=line or "?", guess_zh="", guess_en=""))
        elif t == "source-error" and "empty" in (e.note or ""):
            out.append(problem("empty-file", relpath, columns=",".join(specs)))
        else:
            out.append(problem("table-error", relpath, line, fname, detail=t))
    # a missing cell is also "required" when the field is: say it once
    missing = {(p.row, p.field) for p in out if p.code == "missing-cell"}
    out = [p for p in out if not (p.code == "required" and (p.row, p.field) in missing)]
    if len(errors) >= limit:
        out.append(problem("too-many-errors", relpath, 0, limit=limit))
    return out
