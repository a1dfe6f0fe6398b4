"""Ids and body paths that could form a path outside the output folder (issue 5).

The schema pattern rejects such ids and body paths in CSV (validator errors); behind it, every
place a data value becomes a file path is confined: page paths (generator.pages.collect),
report bodies (pages/reports.py, outputs/feed.py via sanitize.package_path), open-data copies
of bodies and photos, and photos in the Popolo export.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from generator.options import Options
from generator.pages import UnsafePagePath
from generator.pipeline import build, pages
from generator.sanitize import package_path, safe_page_path
from generator.validate import validate_package

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"

BAD_IDS = ["../../../esc", "/tmp/abs", "a b", "d01\x00x", "a/b", "..", ".hidden", "x\\y", "ｄ０１"]


def _replace_id(pkg: Path, old: str, new: str) -> None:
    pat = re.compile(rf"(?<![A-Za-z0-9_-]){re.escape(old)}(?![A-Za-z0-9_-])")
    for p in pkg.glob("*.csv"):
        text = p.read_text(encoding="utf-8")
        p.write_text(pat.sub(lambda _m: new, text), encoding="utf-8")


AS_OF = dt.date(2026, 11, 20)  # the fixture's data date (tests/fixtures/tiny/README.md)

# Where each fixture id is defined: its table and line (header = line 1). The tables that refer
# to it (deputy_id, area_id …) are checked as foreign keys, with no pattern of their own, so the
# defining row is the one flagged.
ID_ROWS = {
    "d01": ("deputies.csv", 2),
    "s01": ("stations.csv", 2),
    "g01": ("groups.csv", 2),
    "r01": ("reports.csv", 2),
    "sg01": ("suggestions.csv", 2),
    "a-town": ("areas.csv", 3),
    "cy09": ("congresses.csv", 3),
}
# each unsafe id once, in turn as a deputy, station, group, report, suggestion, area and congress id
ID_CASES = [(bad, list(ID_ROWS)[i % 7]) for i, bad in enumerate(BAD_IDS)]


def _errors(pkg: Path) -> list[tuple]:
    return sorted((p.file, p.row, p.field, p.code) for p in validate_package(pkg, AS_OF) if p.severity == "error")


def test_the_fixture_has_no_errors():
    """So that every error below comes from the one value each test changes."""
    assert _errors(TINY) == []


@pytest.mark.parametrize("bad, table_id", ID_CASES)
def test_schema_rejects_unsafe_ids(tmp_path, bad, table_id):
    pkg = tmp_path / "data"
    shutil.copytree(TINY, pkg)
    _replace_id(pkg, table_id, bad)
    file, row = ID_ROWS[table_id]
    expected = [(file, row, "id", "unsafe-id")]
    if table_id == "r01":  # the body path reports/r01.md contains the id, so it became unsafe too
        expected.append(("reports.csv", row, "body", "pattern-mismatch"))
    if table_id == "d01" and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", bad):
        # and d01's photo path photos/d01.jpg (issue 14), where the photo pattern refuses it
        expected.append(("deputies.csv", row, "image", "pattern-mismatch"))
    if "\x00" in bad:  # a control character is an error of its own, in every cell that holds it
        expected += [(file, row, e[2], "control-character") for e in expected]
    assert _errors(pkg) == sorted(expected), f"{table_id} → {bad!r}"


@pytest.mark.parametrize(
    "body", ["/etc/passwd", "../../../../../../etc/passwd", "reports/../../outside.md", "reports\\r01.md"]
)
def test_schema_rejects_unsafe_body_paths(tmp_path, body):
    pkg = tmp_path / "data"
    shutil.copytree(TINY, pkg)
    p = pkg / "reports.csv"
    p.write_text(p.read_text(encoding="utf-8").replace("reports/r02.md", body), encoding="utf-8")
    # not an id, so the general code; no body-missing: an unsafe path is never looked up
    assert _errors(pkg) == [("reports.csv", 3, "body", "pattern-mismatch")]


@pytest.mark.slow
@pytest.mark.parametrize("bad", ["../../../esc-d01", "/tmp/abs-d01", "a b", "x\\..\\..\\y"])
def test_unvalidated_build_refuses_ids_that_escape(tmp_path, bad):
    """Defence in depth: even with validation skipped, no page is written outside the site."""
    pkg = tmp_path / "pkgs" / "data"
    shutil.copytree(TINY, pkg)
    _replace_id(pkg, "d01", bad)
    with pytest.raises(UnsafePagePath):
        pages(pkg, validate=False)


@pytest.mark.slow
def test_unvalidated_build_never_reads_files_outside_the_package(tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("TOP-SECRET-OUTSIDE-THE-PACKAGE", encoding="utf-8")
    pkg = tmp_path / "pkg" / "data"
    shutil.copytree(TINY, pkg)
    (pkg / "reports" / "link.md").symlink_to(secret)
    p = pkg / "reports.csv"
    text = p.read_text(encoding="utf-8")
    text = text.replace("reports/r02.md", str(secret)).replace("reports/r03.md", "../../secret.md")
    text = text.replace("reports/r04.md", "reports/link.md")
    p.write_text(text, encoding="utf-8")
    out = tmp_path / "out" / "site"
    build(Options(data_dir=pkg, out=out, validate=False))
    hits = [f for f in out.rglob("*") if f.is_file() and b"TOP-SECRET" in f.read_bytes()]
    assert hits == []
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["site"]


def test_package_path():
    root = TINY
    assert package_path(root, "reports/r01.md") == (TINY / "reports" / "r01.md").resolve()
    for bad in ["/etc/passwd", "../x.md", "reports/../../x.md", "a\x00b", "C:/x", "\\\\srv\\x", "", None, "."]:
        assert package_path(root, bad) is None, bad


def test_safe_page_path():
    for ok in ["index.md", "deputies/d01.md", "reports/2025.md", "coverage/level/city.md", "a_b/c-d.e.md"]:
        assert safe_page_path(ok), ok
    for bad in [
        "../x.md",
        "deputies/../../x.md",
        "/abs.md",
        "stations//tmp/x.md",
        "a b.md",
        "a\\b.md",
        ".md",
        "x.md\x00",
        "deputies/d01",
        "deputies/.hidden.md",
        "",
        "deputies/..",
    ]:
        assert not safe_page_path(bad), bad
