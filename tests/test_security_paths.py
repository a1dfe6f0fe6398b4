"""Ids and body paths that could form a path outside the output folder (issue 5).

The schema pattern rejects such ids and body paths in CSV (validator errors); behind it, every
place a data value becomes a file path is confined: page paths (generator.pages.collect),
report bodies (pages/reports.py, outputs/feed.py via sanitize.package_path), open-data copies
of bodies and photos, and photos in the Popolo export.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from generator.build import prepare, publish
from generator.pages import UnsafePagePath
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


# each unsafe id once, in turn as a deputy, station, group, report, suggestion, area and congress id
ID_CASES = [(bad, ["d01", "s01", "g01", "r01", "sg01", "a-town", "cy09"][i % 7]) for i, bad in enumerate(BAD_IDS)]


@pytest.mark.parametrize("bad, table_id", ID_CASES)
def test_schema_rejects_unsafe_ids(tmp_path, bad, table_id):
    pkg = tmp_path / "data"
    shutil.copytree(TINY, pkg)
    _replace_id(pkg, table_id, bad)
    errors = [p for p in validate_package(pkg) if p.severity == "error"]
    assert errors, f"{table_id} → {bad!r} was accepted"
    assert all(p.file for p in errors)


@pytest.mark.parametrize(
    "body", ["/etc/passwd", "../../../../../../etc/passwd", "reports/../../outside.md", "reports\\r01.md"]
)
def test_schema_rejects_unsafe_body_paths(tmp_path, body):
    pkg = tmp_path / "data"
    shutil.copytree(TINY, pkg)
    p = pkg / "reports.csv"
    p.write_text(p.read_text(encoding="utf-8").replace("reports/r02.md", body), encoding="utf-8")
    errors = [(e.file, e.row, e.field) for e in validate_package(pkg) if e.severity == "error"]
    assert ("reports.csv", 3, "body") in errors


@pytest.mark.slow
@pytest.mark.parametrize("bad", ["../../../esc-d01", "/tmp/abs-d01", "a b", "x\\..\\..\\y"])
def test_unvalidated_build_refuses_ids_that_escape(tmp_path, bad):
    """Defence in depth: even with validation skipped, no page is written outside the site."""
    pkg = tmp_path / "pkgs" / "data"
    shutil.copytree(TINY, pkg)
    _replace_id(pkg, "d01", bad)
    with pytest.raises(UnsafePagePath):
        prepare(pkg, validate=False)


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
    site, docs = prepare(pkg, validate=False)
    out = tmp_path / "out" / "site"
    publish(site, docs, out)
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
