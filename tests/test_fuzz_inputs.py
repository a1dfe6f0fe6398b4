"""Property-based (hypothesis): malformed cells, odd Unicode, huge fields, broken Markdown and
broken CSV files never make the validator or the build crash. Either the validator reports
located problems (file, and row/field where a cell is at fault), or the site builds and is
clean (tests/attacks/outputcheck.py).

Example counts are small and the search is derandomized, so CI sees the same inputs each run.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from attacks.outputcheck import check_site
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.options import Options
from generator.pipeline import build, pages
from generator.problems import Problem
from generator.validate import validate_package

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"

pytestmark = pytest.mark.slow

ODD = [
    "\x00",
    "\ufeff",
    "\u200b",
    "\u200d",
    "\u202e",
    "\u202d",
    "\u2066",
    "\u2028",
    "\u2029",
    "\r",
    "\n",
    "\t",
    "\u0301",
    "\u0308\u0308\u0308",
    "𠀀",
    "𪚥",
    "😀",
    "👨‍👩‍👧",
    "🇨🇳",
    "ＡＢＣ１２３",
    "　",
    "﹤script﹥",
    "＜",
    "",
    "مرحبا",
    "שלום",
    "e\u0301",
    "\ud7ff",
    "\U0010ffff",
    "\ufffd",
    "\ufffe",
    '"',
    "'",
    ",",
    ";",
    "；",
    "`",
    "<",
    ">",
    "&",
    "[",
    "]",
    "(",
    ")",
    "*",
    "_",
    "#",
    "|",
    "\\",
    "---",
    "===",
    "    ",
    ">",
    "- ",
    "1. ",
    "<!--",
    "]]>",
    "{{",
    "{%",
    "=",
]
odd_text = st.lists(
    st.one_of(st.sampled_from(ODD), st.text(max_size=6), st.characters(codec="utf-8")), max_size=12
).map("".join)
huge_text = st.sampled_from(["x" * 100_000, "代" * 50_000, "[" * 30_000, "\n" * 20_000, "😀" * 20_000, "a,b\n" * 5000])
malformed = st.sampled_from(
    [
        "",
        " ",
        "2025-02-30",
        "2025-13-01",
        "99999999999999999999",
        "-1",
        "1e309",
        "NaN",
        "true",
        "TRUE",
        "是",
        "d99",
        "../../etc/passwd",
        "/abs",
        "a b",
        "d01\x00",
        "null",
        "None",
        "0x10",
        "１２",
        "2025/01/01",
    ]
)
cell_value = st.one_of(odd_text, malformed, huge_text)

# (table, column) pairs a fuzz example may hit: every column of every table of the fixture
COLUMNS: list[tuple[str, str]] = []
for _p in sorted(TINY.glob("*.csv")):
    with _p.open(encoding="utf-8", newline="") as _fh:
        COLUMNS += [(_p.stem, c) for c in next(csv.reader(_fh))]


def fuzz(n: int) -> settings:
    return settings(
        max_examples=n,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def _fresh(tmp_root: Path) -> Path:
    d = tmp_root / "pkg"
    if d.exists():
        shutil.rmtree(d)
    shutil.copytree(TINY, d)
    return d


def _set_cell(pkg: Path, table: str, column: str, row: int, value: str) -> None:
    p = pkg / f"{table}.csv"
    with p.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    r = 1 + row % max(1, len(rows) - 1)
    if r < len(rows):
        rows[r][header.index(column)] = value
    with p.open("w", encoding="utf-8", newline="", errors="surrogatepass") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _assert_located(problems: list[Problem]) -> list[Problem]:
    assert all(isinstance(p, Problem) for p in problems)
    errors = [p for p in problems if p.severity == "error"]
    for p in problems:
        assert p.file, p
        assert p.message_zh and p.message_en, p
    return errors


def _validate_then_build(pkg: Path, out: Path) -> None:
    problems = validate_package(pkg)
    errors = _assert_located(problems)
    if errors:
        return
    if out.exists():
        shutil.rmtree(out)
    build(Options(data_dir=pkg, out=out))
    assert check_site(out) == []


@fuzz(30)
@given(col=st.sampled_from(COLUMNS), row=st.integers(0, 30), value=cell_value)
def test_any_cell_value_gives_located_problems_never_a_crash(tmp_path, col, row, value):
    pkg = _fresh(tmp_path)
    table, column = col
    _set_cell(pkg, table, column, row, value)
    problems = validate_package(pkg)
    errors = _assert_located(problems)
    # a cell-level error names the file of the edited table and a row
    for p in errors:
        if p.file == f"{table}.csv" and p.field == column:
            assert p.row >= 2, p


FREE_TEXT = [
    ("deputies", "name"),
    ("deputies", "biography"),
    ("stations", "address"),
    ("groups", "name"),
    ("activities", "title"),
    ("suggestions", "response"),
    ("plans", "themes"),
    ("areas", "name"),
]


@fuzz(4)
@given(col=st.sampled_from(FREE_TEXT), value=odd_text)
def test_odd_unicode_in_text_fields_builds_a_clean_site(tmp_path, col, value):
    pkg = _fresh(tmp_path)
    _set_cell(pkg, *col, 0, "王" + value)  # keep required fields non-empty
    _validate_then_build(pkg, tmp_path / "site")


markdown_piece = st.sampled_from(
    [
        "# ",
        "## ",
        "**",
        "*",
        "_",
        "`",
        "```",
        "    ",
        "> ",
        "- ",
        "1. ",
        "|",
        "|-|",
        "[",
        "]",
        "(",
        ")",
        "![",
        "<",
        ">",
        "&",
        "&#",
        ";",
        "\n",
        "\n\n",
        "---",
        "===",
        "{: #x }",
        "<http://",
        "javascript:",
        "\\",
        "𠀀",
        "\u202e",
        "\x00",
    ]
)
broken_markdown = st.lists(st.one_of(markdown_piece, st.text(max_size=5)), max_size=40).map("".join)


@fuzz(8)
@given(body=st.one_of(broken_markdown, huge_text))
def test_broken_markdown_bodies_never_crash(tmp_path, body):
    pkg = _fresh(tmp_path)
    (pkg / "reports" / "r01.md").write_text(body, encoding="utf-8", errors="surrogatepass")
    problems = validate_package(pkg)
    _assert_located(problems)
    # the page function itself must also cope (the validator may refuse the body)
    site, docs = pages(pkg, validate=False)
    assert any(d.path == "reports/r01.md" for d in docs)


@fuzz(15)
@given(
    table=st.sampled_from(sorted({t for t, _ in COLUMNS})),
    cut=st.integers(0, 10_000),
    junk=st.sampled_from(
        [
            b"\x00",
            b"\xff\xfe",
            b'"',
            b'"unterminated',
            b"\r",
            b"\n\n\n",
            b",,,,,,,,,,,,,",
            b"\xe4\xb8",
            b"\xef\xbb\xbf",
            b"a\x00b",
            b"\x1a",
        ]
    ),
)
def test_broken_csv_files_give_file_level_problems(tmp_path, table, cut, junk):
    pkg = _fresh(tmp_path)
    p = pkg / f"{table}.csv"
    data = p.read_bytes()
    i = cut % (len(data) + 1)
    p.write_bytes(data[:i] + junk + data[i:])
    _assert_located(validate_package(pkg))


def test_cli_never_prints_a_traceback_on_hostile_files(tmp_path):
    pkg = _fresh(tmp_path)
    (pkg / "deputies.csv").write_bytes(b'\xff\xfe\x00garbage\x00\n"')
    (pkg / "stations.csv").write_text("id,name\n" + "𠀀" * 100_000 + "\n", encoding="utf-8")
    (pkg / "reports" / "r01.md").write_bytes(b"\xff\xfe not utf-8 \x00")
    for args in (
        ["validate", str(pkg)],
        ["validate", str(pkg), "--json"],
        ["build", "--data", str(pkg), "--out", str(tmp_path / "site")],
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "generator", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
        )
        assert proc.returncode == 1, (args, proc.stderr[-2000:])
        assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert not (tmp_path / "site").exists()
