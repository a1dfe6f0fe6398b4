"""A streaming Table Schema row checker that reports exactly what frictionless reports.

Frictionless-py checks about 10–20k rows a second per core; a province package has ~10
million rows. This module checks the subset of Table Schema the descriptor uses — types
string/integer/number/date/boolean, the constraints required, enum, pattern, minimum,
maximum, minLength, maxLength, the primary key, blank
rows, missing and extra cells — at several hundred thousand rows a second, and yields
frictionless-shaped errors (`RowError`) that schema_checks maps to Problems with the same
code as the frictionless path. So both engines give the same Problems, row for row,
including which errors survive the per-table error limit.

What "the same" rests on (frictionless 5.21, read from its source):
- the CSV is read by the csv module with the dialect frictionless sniffs from the first 100
  lines (delimiter fixed to ","; only skipinitialspace can differ from Excel's, and then we
  hand the table to frictionless);
- a cell equal to "" (the only missing value) or absent is blank; a blank cell passes every
  constraint except required; a cell that fails its type gets a type error and no
  constraint errors; constraints are checked in frictionless' order for the type;
- a row whose cells are all blank gets only a blank-row error; the primary key is checked
  on cast values, remembers the latest row of each key, and its fields' errors come first
  in the row; the error limit cuts after the row that reaches it;
- a CSV error while reading the first 100 records is the table's only error; later, it
  ends the table.

Anything outside this subset (other types or formats, missingValues, number formatting
options, unique and exclusive* constraints, odd constraint values, an unparsable pattern) makes
`check_table` return None and the caller uses frictionless. tests/test_validate_engines.py
runs both engines on every fixture and on generated tables and compares whole lists.

Primary keys of big tables are remembered as 64-bit hashes in flat arrays (16 bytes a row
instead of ~150 for a dict of tuples); a hash match is a duplicate candidate, confirmed by
re-reading those rows' keys, and the table is checked again with exact keys if a candidate
was a hash collision (never seen in practice: p ≈ 1e-6 at 10 million rows).
"""

from __future__ import annotations

import csv
import datetime as dt
import operator
import re
from array import array
from bisect import bisect_right
from collections.abc import Callable
from decimal import Decimal
from itertools import chain
from pathlib import Path
from typing import Any

SAMPLE_LINES = 100  # frictionless' csv sniffing sample (text lines)
SAMPLE_ROWS = 100  # frictionless' parser sample (records), read when the table opens
CACHE_CAP = 200_000  # per field: distinct raw values remembered as valid
TRUE_VALUES = ["true", "True", "TRUE", "1"]
FALSE_VALUES = ["false", "False", "FALSE", "0"]

TYPES = ("string", "integer", "number", "date", "boolean")
# frictionless' Field.supported_constraints, in its order (the order errors come in)
CONSTRAINTS = {
    "string": ("required", "minLength", "maxLength", "pattern", "enum"),
    "integer": ("required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"),
    "number": ("required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"),
    "date": ("required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"),
    "boolean": ("required", "enum"),
}
# field properties that change how frictionless reads a cell and that we do not implement
UNSUPPORTED_PROPS = {
    "missingValues",
    "bareNumber",
    "floatNumber",
    "groupChar",
    "decimalChar",
    "arrayItem",
    "delimiter",
    "itemType",
    "fieldsMatch",
}
_BOUNDS = {"minimum": operator.ge, "maximum": operator.le}


class Unsupported(Exception):
    """The table uses something this engine does not implement: use frictionless."""


class RowError:
    """The attributes of a frictionless error that schema_checks reads."""

    __slots__ = ("type", "row_number", "field_name", "field_number", "cell", "note")

    def __init__(
        self,
        type: str,
        row_number: int | None,
        field_name: str = "",
        field_number: int = 0,
        cell: str = "",
        note: str = "",
    ):
        self.type = type
        self.row_number = row_number
        self.field_name = field_name
        self.field_number = field_number
        self.cell = cell
        self.note = note

    def key(self) -> tuple:
        return (self.type, self.row_number, self.field_name, self.field_number, self.cell, self.note)

    def __repr__(self) -> str:
        return f"RowError{self.key()!r}"


# -- readers: frictionless' value readers, for cells (str) and for constraint values ----------


def _read_string(v: Any):
    return v if isinstance(v, str) else None


def _read_integer(v: Any):
    if isinstance(v, str):
        try:
            return int(v.strip())
        except Exception:  # noqa: BLE001 - frictionless treats every failure as "not a number"
            return None
    if v is True or v is False:
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, Decimal) and v % 1 == 0:
        return int(v)
    return None


def _read_number(v: Any):
    if isinstance(v, str):
        try:
            return Decimal(v.strip())
        except Exception:  # noqa: BLE001
            return None
    if isinstance(v, Decimal):
        return v
    if v is True or v is False:
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return Decimal(str(v))
    return None


def _read_date(v: Any):
    if isinstance(v, dt.datetime):
        return v.date() if (v.hour, v.minute, v.second) == (0, 0, 0) else None
    if isinstance(v, dt.date):
        return v
    if not isinstance(v, str):
        return None
    try:
        return dt.datetime.strptime(v, "%Y-%m-%d").date()
    except Exception:  # noqa: BLE001
        return None


def _bool_reader(spec: dict) -> Callable[[Any], Any]:
    tv, fv = spec.get("trueValues", TRUE_VALUES), spec.get("falseValues", FALSE_VALUES)
    if not (isinstance(tv, list) and isinstance(fv, list) and all(isinstance(x, str) for x in tv + fv)):
        raise Unsupported("trueValues/falseValues")
    mapping = {**{x: True for x in tv}, **{x: False for x in fv}}

    def read(v: Any):
        if v is True or v is False:
            return v
        if isinstance(v, str):
            return mapping.get(v)
        return None

    read.mapping = mapping  # type: ignore[attr-defined]
    return read


class Field:
    """One column, compiled once: `check(cell)` → (value, errors) exactly as frictionless."""

    def __init__(self, number: int, spec: dict):
        self.number = number
        self.name = str(spec.get("name", ""))
        self.type = t = spec.get("type", "string")
        if t not in TYPES or spec.get("format", "default") != "default" or UNSUPPORTED_PROPS.intersection(spec):
            raise Unsupported(self.name)
        cons = spec.get("constraints") or {}
        if not isinstance(cons, dict) or "unique" in cons:
            raise Unsupported(self.name)
        self.read = {"string": _read_string, "integer": _read_integer, "number": _read_number, "date": _read_date}.get(
            t
        ) or _bool_reader(spec)
        self.required = False
        self.checks: list[tuple[str, Callable[[Any], bool]]] = []
        self.enum = None
        self.pattern = None
        for name in CONSTRAINTS[t]:
            c = cons.get(name)
            if c is None:
                continue
            if name.startswith("exclusive"):
                raise Unsupported(self.name)  # frictionless refuses them in a v1 descriptor
            if name == "required":
                if not isinstance(c, bool):
                    raise Unsupported(self.name)
                self.required = c
                continue
            self.checks.append((name, self._check(name, c)))
        self.cache: set[str] = set()  # raw cells known to pass (type and constraints)
        self.cast_cache: dict[str, Any] = {}

    def _check(self, name: str, c: Any) -> Callable[[Any], bool]:
        if name in ("minLength", "maxLength"):
            if not isinstance(c, int) or isinstance(c, bool):
                raise Unsupported(self.name)
            return (lambda v: len(v) >= c) if name == "minLength" else (lambda v: len(v) <= c)
        if name == "pattern":
            if not isinstance(c, str):
                raise Unsupported(self.name)
            try:
                rx = re.compile(f"^{c}$")
            except re.error:
                raise Unsupported(self.name) from None  # frictionless reports it its own way
            self.pattern = rx
            return lambda v: rx.match(v) is not None
        if name == "enum":
            if not isinstance(c, list):
                raise Unsupported(self.name)
            values = [self.read(x) for x in c]
            self.enum = values
            return lambda v: v in values
        bound = self.read(c)
        if bound is None:
            raise Unsupported(self.name)  # frictionless would fail comparing with None
        compare = _BOUNDS[name]
        # frictionless' _check_bound: NaN fails, anything else is compared
        return lambda v: not (v != v) and bool(compare(v, bound))

    def check(self, cell: str | None) -> tuple[Any, list[str] | None]:
        """(value, None) when valid; (None, ["type"]) on a type error; (value, [constraint…])."""
        if cell is None or cell == "":
            return None, (["required"] if self.required else None)
        v = self.read(cell)
        if v is None:
            return None, ["type"]
        bad = [name for name, ok in self.checks if not ok(v)]
        return v, (bad or None)

    def valid(self, cell: str) -> bool:
        """Fast path for a non-blank cell: passes type and every constraint (remembered)."""
        if cell in self.cache:
            return True
        v = self.read(cell)
        if v is None or any(not ok(v) for _, ok in self.checks):
            return False
        if len(self.cache) < CACHE_CAP:
            self.cache.add(cell)
        return True

    def cast(self, cell: str) -> Any:
        v = self.cast_cache.get(cell)
        if v is None:
            v = self.read(cell)
            if len(self.cast_cache) < CACHE_CAP:
                self.cast_cache[cell] = v
        return v


# -- primary-key stores ---------------------------------------------------------------------


class ExactKeys:
    """Key tuple → latest row number (what frictionless keeps)."""

    exact = True

    def __init__(self, expected_rows: int = 0):
        self.rows: dict[tuple, int] = {}

    def add(self, key: tuple, row: int) -> int:
        prev = self.rows.get(key, 0)
        self.rows[key] = row
        return prev


class HashedKeys:
    """64-bit key hash → latest row number, open addressing over two flat arrays."""

    exact = False

    def __init__(self, expected_rows: int = 0):
        cap = 1 << 16
        while cap < 2 * expected_rows:
            cap <<= 1
        self._alloc(cap)
        self.used = 0

    def _alloc(self, cap: int) -> None:
        self.cap, self.mask = cap, cap - 1
        self.h = array("q", [0]) * cap
        self.r = array("l", [0]) * cap

    def add(self, key: tuple, row: int) -> int:
        hv = hash(key) or 1  # 0 marks an empty slot
        h, mask = self.h, self.mask
        i = hv & mask
        while True:
            s = h[i]
            if s == hv:
                prev = self.r[i]
                self.r[i] = row
                return prev
            if s == 0:
                h[i] = hv
                self.r[i] = row
                self.used += 1
                if 2 * self.used > self.cap:
                    self._grow()
                return 0
            i = (i + 1) & mask

    def _grow(self) -> None:
        oh, orow = self.h, self.r
        self._alloc(self.cap * 2)
        h, r, mask = self.h, self.r, self.mask
        for j in range(len(oh)):
            hv = oh[j]
            if hv:
                i = hv & mask
                while h[i]:
                    i = (i + 1) & mask
                h[i] = hv
                r[i] = orow[j]


# -- the table -------------------------------------------------------------------------------


def _open_text(path: Path):
    # frictionless: declared utf-8 becomes utf-8-sig when the file starts with a BOM
    return path.open(encoding="utf-8-sig", newline="")


def _sniffed_skipinitialspace(sample: list[str]) -> bool:
    try:
        return bool(csv.Sniffer().sniff("".join(sample), ",").skipinitialspace)
    except csv.Error:
        return False


class _At:
    line_num = 0


def _header_row(sample: list[list[str]]) -> int:
    """The row frictionless takes as the header: the first whose width is near the sample's
    average width (Detector.detect_dialect)."""
    if not sample:
        return 1
    width = round(sum(len(c) for c in sample) / len(sample))
    drift = max(round(width * 0.1), 1)
    for number, cells in enumerate(sample, 1):
        if width - drift <= len(cells) <= width + drift:
            return number
    return 1


class _Table:
    def __init__(self, path: Path, header: list[str], specs: dict, pk: list[str], limit: int, keys_cls):
        self.path = path
        self.header = header
        self.n = len(header)
        self.fields = []
        for i, label in enumerate(header):
            spec = specs.get(label) or {"name": label, "type": "string"}
            self.fields.append(Field(i + 1, spec))
        self.pk_idx = [header.index(k) for k in pk] if pk and all(k in header for k in pk) else []
        self.limit = limit
        self.keys_cls = keys_cls
        self.errors: list[RowError] = []
        self.breaks_rows: list[int] = [0]  # rows from which `line - row` changes
        self.breaks_delta: list[int] = [0]
        self.candidates: list[tuple[int, int]] = []  # (row, earlier row) with equal key hashes

    def line(self, row: int | None, default: int = 0) -> int:
        if row is None:
            return default
        return row + self.breaks_delta[bisect_right(self.breaks_rows, row) - 1]

    # one row the slow, exact way (emulates frictionless' Row processing order)
    def _slow(self, c: list[str], rn: int, keys) -> None:
        fields, n, nc = self.fields, self.n, len(c)
        errs: list[RowError] = []
        values: list[Any] = [None] * n
        blank = 0
        order = self.pk_idx + [i for i in range(n) if i not in self.pk_idx]
        for i in order:
            f = fields[i]
            cell = c[i] if i < nc else None
            v, bad = f.check(cell)
            values[i] = v
            if bad is None or bad != ["type"]:
                if v is None:
                    blank += 1
            src = "None" if cell is None else cell
            if bad:
                for kind in bad:
                    if kind == "type":
                        errs.append(RowError("type-error", rn, f.name, f.number, src, f'type is "{f.type}/default"'))
                    else:
                        errs.append(RowError("constraint-error", rn, f.name, f.number, src, f'constraint "{kind}"'))
        for j in range(n, nc):
            errs.append(RowError("extra-cell", rn, "", j + 1, c[j]))
        for j in range(nc, n):
            errs.append(RowError("missing-cell", rn, fields[j].name, j + 1, ""))
        if blank == n:
            errs = [RowError("blank-row", rn)]
        if self.pk_idx:
            key = tuple(values[i] for i in self.pk_idx)
            if all(x is None for x in key):
                errs.append(RowError("primary-key", rn, note='cells composing the primary keys are all "None"'))
            else:
                prev = keys.add(key, rn)
                if prev:
                    self._dup(rn, prev, keys, errs)
        self.errors.extend(errs)

    def _dup(self, rn: int, prev: int, keys, errs: list) -> None:
        if not keys.exact:
            self.candidates.append((rn, prev))
        errs.append(RowError("primary-key", rn, note=f"the same as in the row at position {prev}"))

    def _fast_source(self) -> str:
        """The per-row loop as Python source: one expression decides that a row is clean."""
        conds = []
        any_required = False
        for i, f in enumerate(self.fields):
            x = f"c{i}"
            if f.type == "string" and not f.checks:
                test = None
            elif f.type == "string" and [k for k, _ in f.checks] == ["enum"]:
                test = f"{x} in E{i}"
            elif f.type == "boolean" and not f.checks:
                test = f"{x} in E{i}"
            else:
                test = f"({x} in K{i} or V{i}({x}))"
            if f.required:
                any_required = True
                conds.append(f'{x} != ""' if test is None else f'({x} != "" and {test})')
            elif test is not None:
                conds.append(f'({x} == "" or {test})')
        if not any_required:
            conds.append("(" + " or ".join(f'c{i} != ""' for i in range(self.n)) + ")")  # not blank
        if self.pk_idx and not all(self.fields[i].required for i in self.pk_idx):
            conds.append("(" + " or ".join(f'c{i} != ""' for i in self.pk_idx) + ")")
        unpack = ", ".join(f"c{i}" for i in range(self.n)) + ("," if self.n == 1 else "")
        if self.pk_idx:
            parts = [f"c{i}" if self.fields[i].type == "string" else f"C{i}(c{i})" for i in self.pk_idx]
            key = "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
            pk = (
                f"                prev = add({key}, rn)\n"
                f"                if prev:\n"
                f"                    errs = []\n"
                f"                    dup(rn, prev, keys, errs)\n"
                f"                    errors.extend(errs)\n"
                f"                    if len(errors) >= limit:\n"
                f"                        return rn, None\n"
            )
        else:
            pk = ""
        cond = " and ".join(conds) or "True"
        return (
            "def scan(rows, rn, delta, errors, limit, slow, keys, add, dup, reader, track):\n"
            "    n = N\n"
            "    try:\n"
            "     for c in rows:\n"
            "        rn += 1\n"
            "        if len(c) == n:\n"
            f"            {unpack} = c\n"
            f"            if {cond}:\n"
            f"{pk}"
            "                nd = reader.line_num - rn\n"
            "                if nd != delta:\n"
            "                    delta = nd\n"
            "                    track(rn + 1, nd)\n"
            "                continue\n"
            "        slow(c, rn, keys)\n"
            "        if len(errors) >= limit:\n"
            "            return rn, None\n"
            "        nd = reader.line_num - rn\n"
            "        if nd != delta:\n"
            "            delta = nd\n"
            "            track(rn + 1, nd)\n"
            "    except CsvError as e:  # reading record rn + 1 failed\n"
            "        return rn, e\n"
            "    return rn, None\n"
        )

    def _track(self, row: int, delta: int) -> None:
        self.breaks_rows.append(row)
        self.breaks_delta.append(delta)

    def run(self, expected_rows: int) -> list[RowError]:
        ns: dict[str, Any] = {"N": self.n, "CsvError": csv.Error}
        for i, f in enumerate(self.fields):
            ns[f"K{i}"] = f.cache
            ns[f"V{i}"] = f.valid
            ns[f"C{i}"] = f.cast
            if f.type == "string" and [k for k, _ in f.checks] == ["enum"]:
                ns[f"E{i}"] = {v for v in f.enum if isinstance(v, str) and v != ""}
            elif f.type == "boolean" and not f.checks:
                ns[f"E{i}"] = set(f.read.mapping) - {""}  # type: ignore[attr-defined]
        exec(compile(self._fast_source(), f"<fast_rows {self.path.name}>", "exec"), ns)
        scan = ns["scan"]
        keys = self.keys_cls(expected_rows)
        with _open_text(self.path) as fh:
            sample = []
            for line in fh:
                sample.append(line)
                if len(sample) >= SAMPLE_LINES:
                    break
            if _sniffed_skipinitialspace(sample):
                raise Unsupported("skipinitialspace")
            reader = csv.reader(chain(sample, fh))
            # the records frictionless reads while opening the table; a CSV error there is
            # all it reports
            head: list[list[str]] = []
            head_lines: list[int] = []
            try:
                for c in reader:
                    head.append(c)
                    head_lines.append(reader.line_num)
                    if len(head) >= SAMPLE_ROWS:
                        break
            except csv.Error as e:
                return [RowError("source-error", None, note=str(e))]
            if _header_row(head) != 1:
                raise Unsupported("header row")  # frictionless would take another row as the header
            labels = head[0] if head else None
            # frictionless strips labels; any difference means label errors, which it reports first
            if labels is None or [x.strip() for x in labels] != self.header:
                raise Unsupported("labels")
            nd = head_lines[0] - 1
            if nd:
                self._track(2, nd)
            at = _At()

            def head_rows():
                for c, ln in zip(head[1:], head_lines[1:]):
                    at.line_num = ln
                    yield c

            args = (self.errors, self.limit, self._slow, keys, keys.add, self._dup)
            rn, err = scan(head_rows(), 1, nd, *args, at, self._track)
            if len(self.errors) < self.limit and len(head) == SAMPLE_ROWS:
                rn, err = scan(reader, rn, self.breaks_delta[-1], *args, reader, self._track)
            if err is not None:
                self.errors.append(RowError("source-error", None, note=str(err)))
        if len(self.errors) > self.limit:
            del self.errors[self.limit :]
        return self.errors

    def confirm(self) -> bool:
        """True when every hash-matched pair really has equal keys (re-reads those rows)."""
        if not self.candidates:
            return True
        wanted = {r for pair in self.candidates for r in pair}
        got: dict[int, tuple] = {}
        with _open_text(self.path) as fh:
            reader = csv.reader(fh)
            try:
                for rn, c in enumerate(reader, 1):
                    if rn in wanted:
                        vals = []
                        for i in self.pk_idx:
                            cell = c[i] if i < len(c) else None
                            vals.append(self.fields[i].check(cell)[0])
                        got[rn] = tuple(vals)
                        if len(got) == len(wanted):
                            break
            except csv.Error:
                return False
        return all(r in got and p in got and got[r] == got[p] for r, p in self.candidates)


def check_table(
    root: str | Path, resource: dict, header: list[str], limit: int, hashed_above: int = 50_000
) -> tuple[list[RowError], Callable[[int | None, int], int]] | None:
    """(frictionless-shaped errors, row → file line) for one table, or None when the table
    uses something this engine does not implement (then use frictionless)."""
    path = Path(root) / resource["path"]
    schema = resource.get("schema") or {}
    specs = {f["name"]: f for f in schema.get("fields", []) if isinstance(f, dict) and "name" in f}
    pk = schema.get("primaryKey") or []
    if isinstance(pk, str):
        pk = [pk]
    try:
        size = path.stat().st_size
        expected = size // 40  # generous: our rows are longer than 40 bytes
        keys_cls = HashedKeys if expected > hashed_above else ExactKeys
        table = _Table(path, header, specs, list(pk), limit, keys_cls)
        errors = table.run(expected)
        if not table.confirm():
            table = _Table(path, header, specs, list(pk), limit, ExactKeys)
            errors = table.run(expected)
    except Unsupported:
        return None
    return errors, table.line
