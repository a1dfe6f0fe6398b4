"""The two row engines (frictionless and fast_rows) report exactly the same problems.

Differential tests: every fixture (tiny and each bad/* overlay) through both engines, whole
problem lists and frictionless' raw errors compared, also with a tiny error limit (which
errors survive a cut depends on their order inside a row); generated tables full of
awkward cells (hypothesis, derandomized); the hashed primary-key store's collision path.
See docs/validation.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from generator.validate import FAST_BYTES, fast_rows, resolve_engine, validate_package
from generator.validate.schema_checks import check_descriptor, frictionless_errors, map_errors, precheck_file

FIXTURES = Path(__file__).parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
from make_bad import TINY, defects, materialize  # noqa: E402

AS_OF = dt.date(2026, 11, 20)
FIXTURE_NAMES = ["tiny"] + sorted(defects())
# fixtures whose tables fast_rows hands to frictionless (what it does not implement)
FALLS_BACK = {"descriptor-bad-pattern": ["stations"]}


def _pkg(name: str, tmp_path: Path) -> Path:
    return TINY if name == "tiny" else materialize(name, tmp_path / name)


def _norm(e) -> tuple:
    """What of an error reaches a Problem (type, row, field, position, cell, constraint/other row)."""
    note = e.note or ""
    if e.type == "constraint-error":
        note = re.search(r'constraint "(\w+)"', note).group(1)
    elif e.type == "type-error":
        note = ""
    elif e.type == "primary-key":
        m = re.search(r"position (\d+)", note)
        note = m.group(1) if m else "all-blank"
    cellish = e.type in ("extra-cell", "missing-cell", "type-error", "constraint-error")
    return (
        e.type,
        getattr(e, "row_number", None),
        getattr(e, "field_name", "") or "",
        getattr(e, "field_number", None) if cellish else None,
        getattr(e, "cell", None) if cellish and e.type != "missing-cell" else None,
        note,
    )


def _tables(root: Path):
    pkg, _ = check_descriptor(root)
    if pkg is None:
        return
    raw = {str(r.get("name")): r for r in pkg.raw["resources"] if isinstance(r, dict)}
    for name, spec in pkg.tables.items():
        fc = precheck_file(root, name, spec.path, list(spec.field_names))
        if fc.readable:
            yield name, raw[name], fc.header


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_both_engines_report_the_same_problems(name, tmp_path):
    root = _pkg(name, tmp_path)
    fast = validate_package(root, AS_OF, engine="fast")
    assert fast == validate_package(root, AS_OF, engine="frictionless")


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_both_engines_raise_the_same_raw_errors(name, tmp_path):
    root = _pkg(name, tmp_path)
    fell_back = []
    for table, resource, header in _tables(root):
        for limit in (1000, 2):
            got = fast_rows.check_table(str(root), resource, header, limit)
            if got is None:
                fell_back.append(table)
                continue
            want = [_norm(e) for e in frictionless_errors(str(root), resource, header, limit)]
            assert [_norm(e) for e in got[0]] == want, (table, limit)
    assert sorted(set(fell_back)) == FALLS_BACK.get(name, [])


def test_auto_uses_frictionless_below_fast_bytes():
    assert resolve_engine("auto", FAST_BYTES - 1) == "frictionless"
    assert resolve_engine("auto", FAST_BYTES) == "fast"
    assert resolve_engine("frictionless", 10**9) == "frictionless"
    with pytest.raises(ValueError):
        resolve_engine("quick", 0)


# -- generated tables ------------------------------------------------------------------------

SCHEMA = {
    "fields": [
        {"name": "id", "type": "string", "constraints": {"required": True, "pattern": "[a-z][a-z0-9]{0,3}"}},
        {"name": "n", "type": "integer", "constraints": {"minimum": 0, "maximum": 20}},
        {"name": "d", "type": "date", "constraints": {"required": True}},
        {"name": "b", "type": "boolean", "trueValues": ["true", "是"], "falseValues": ["false", "否"]},
        {"name": "s", "type": "string", "constraints": {"enum": ["a", "b"], "maxLength": 1}},
        {"name": "x", "type": "number", "constraints": {"minimum": 1}},
        {"name": "t", "type": "string", "constraints": {"minLength": 2}},
    ],
    "primaryKey": ["id", "n"],
}
CELLS = [
    "",
    " ",
    "a",
    "a1",
    "b",
    "ab",
    "A",
    "a/..",
    "0",
    "1",
    "01",
    " 7",
    "+3",
    "-1",
    "21",
    "1.5",
    "1e2",
    "NaN",
    "x",
    "2024-02-29",
    "2023-02-29",
    "2024-2-3",
    " 2024-03-01",
    "20240301",
    "２０２４-03-01",
    "true",
    "是",
    "否",
    "True",
    "1_0",
    "0.0",
    "Infinity",
    "ab\ncd",
    'q"q',
    "a,b",
    "\u200b",
    "abc\n",
]
cell_st = st.sampled_from(CELLS)
# mostly full rows: frictionless takes the first row near the average width as the header,
# and fast_rows leaves tables where that is not row 1 to frictionless
row_st = st.one_of(
    st.lists(cell_st, min_size=7, max_size=7),
    st.lists(cell_st, min_size=7, max_size=7),
    st.lists(cell_st, min_size=0, max_size=9),
)


def _write(tmp: Path, rows: list[list[str]], header: list[str]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(r) if r else buf.write("\n")
    (tmp / "t.csv").write_text(buf.getvalue(), encoding="utf-8")


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    rows=st.lists(row_st, min_size=0, max_size=12), order=st.permutations(range(7)), limit=st.sampled_from([3, 1000])
)
def test_generated_tables(tmp_path_factory, rows, order, limit):
    tmp = tmp_path_factory.mktemp("gen")
    header = [SCHEMA["fields"][i]["name"] for i in order]
    # duplicate some rows so primary keys repeat
    rows = rows + rows[: len(rows) // 3]
    _write(tmp, rows, header)
    resource = {"name": "t", "path": "t.csv", "schema": SCHEMA}
    want_errors = frictionless_errors(str(tmp), resource, header, limit)
    got = fast_rows.check_table(str(tmp), resource, header, limit)
    assume(got is not None)  # handed to frictionless (header row not 1)
    assert [_norm(e) for e in got[0]] == [_norm(e) for e in want_errors]
    # and the same problems, file lines included (multi-line cells shift them)
    from generator.validate.schema_checks import frictionless_table

    assert map_errors(got[0], resource, got[1], limit) == frictionless_table(str(tmp), resource, header, limit)


# -- the hashed primary-key store ------------------------------------------------------------


def _dup_table(tmp: Path) -> tuple[dict, list[str]]:
    rows = [[f"k{i % 50}", str(i % 7)] for i in range(400)]
    _write(tmp, rows, ["id", "n"])
    schema = {"fields": [{"name": "id", "type": "string"}, {"name": "n", "type": "integer"}], "primaryKey": ["id", "n"]}
    return {"name": "t", "path": "t.csv", "schema": schema}, ["id", "n"]


def test_hashed_keys_match_exact_keys(tmp_path):
    resource, header = _dup_table(tmp_path)
    exact = fast_rows.check_table(str(tmp_path), resource, header, 1000, hashed_above=10**9)
    hashed = fast_rows.check_table(str(tmp_path), resource, header, 1000, hashed_above=0)
    assert [e.key() for e in hashed[0]] == [e.key() for e in exact[0]]
    assert [_norm(e) for e in exact[0]] == [
        _norm(e) for e in frictionless_errors(str(tmp_path), resource, header, 1000)
    ]


def test_a_hash_collision_falls_back_to_exact_keys(tmp_path, monkeypatch):
    resource, header = _dup_table(tmp_path)
    exact = fast_rows.check_table(str(tmp_path), resource, header, 1000, hashed_above=10**9)
    monkeypatch.setattr(fast_rows, "hash", lambda key: 12345, raising=False)  # every key collides
    hashed = fast_rows.check_table(str(tmp_path), resource, header, 1000, hashed_above=0)
    assert [e.key() for e in hashed[0]] == [e.key() for e in exact[0]]


def test_the_county_demo_package_gives_the_same_row_problems(county_demo):
    """The county demo (74k rows): every table, both engines."""
    from generator.validate.schema_checks import table_problems

    root = county_demo
    n = 0
    for table, resource, header in _tables(root):
        assert fast_rows.check_table(str(root), resource, header, 1000) is not None, table
        fast = table_problems(str(root), resource, header, "fast")
        assert fast == table_problems(str(root), resource, header, "frictionless"), table
        n += 1
    assert n == 18  # 17 tables and the optional search_synonyms


# -- attendance and contacts streamed (validate) or loaded (build keeps the dataset) ------------------------


def _with_attendance_defects(tmp_path: Path) -> Path:
    """attendance-not-member plus references to nothing (attendance, contacts), a repeated key
    and a bad status."""
    root = materialize("attendance-not-member", tmp_path / "pkg")
    f = root / "attendance.csv"
    lines = f.read_text(encoding="utf-8").splitlines()
    lines += ["a01,d-nobody,present", "a-nothing,d01,present", "a01,d02,maybe"]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    c = root / "contacts.csv"
    c.write_text(c.read_text(encoding="utf-8") + "d-nobody,2025,1,2,3,4\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("name", ["tiny", "attendance-not-member", "activity-organiser", "foreign-key", "extra"])
def test_streamed_attendance_gives_what_the_loaded_model_gives(name, tmp_path):
    root = _with_attendance_defects(tmp_path) if name == "extra" else _pkg(name, tmp_path)
    keep: dict = {}
    loaded = validate_package(root, AS_OF, engine="fast", keep=keep)
    assert len(keep["ds"].attendance) > 0
    streamed = validate_package(root, AS_OF, engine="fast")
    assert streamed == loaded
    if name == "extra":
        codes = sorted((p.file, p.code) for p in streamed if p.file in ("attendance.csv", "contacts.csv"))
        assert codes == [
            ("attendance.csv", "attendance-not-member"),
            ("attendance.csv", "attendance-not-member"),
            ("attendance.csv", "duplicate-id"),
            ("attendance.csv", "foreign-key"),
            ("attendance.csv", "foreign-key"),
            ("attendance.csv", "not-in-enum"),
            ("contacts.csv", "foreign-key"),
        ]


@pytest.mark.parametrize("name", ["body-raw-html", "body-missing", "body-not-utf8", "attendance-not-member"])
def test_worker_processes_give_the_same_problems(name, tmp_path):
    """With workers, tables and report bodies are checked beside the model tiers."""
    root = _pkg(name, tmp_path)
    assert validate_package(root, AS_OF, workers=2, engine="fast") == validate_package(root, AS_OF, workers=1)


def test_a_cell_the_fast_engine_cannot_compare_is_left_to_frictionless(tmp_path):
    """Decimal('sNaN') raises on comparison, in frictionless too: whatever it then reports
    (a located table error) is what the fast engine reports."""
    from generator.validate.schema_checks import frictionless_table, table_problems

    _write(tmp_path, [["a", "sNaN"], ["b", "2"]], ["id", "x"])
    schema = {
        "fields": [{"name": "id", "type": "string"}, {"name": "x", "type": "number", "constraints": {"minimum": 1}}]
    }
    resource = {"name": "t", "path": "t.csv", "schema": schema}
    want = frictionless_table(str(tmp_path), resource, ["id", "x"])
    assert [p.code for p in want] == ["table-error"]
    assert table_problems(str(tmp_path), resource, ["id", "x"], "fast") == want
