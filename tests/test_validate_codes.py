"""The codes catalogue, the CLI contract, and no private value in any output."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import main
from generator.problems import ERROR, WARNING
from generator.validate import body_checks, schema_checks, validate_package
from generator.validate.codes import CODES, MISSING, problem, show_value
from generator.validate.release_checks import release_problems
from generator.validate.schema_checks import frictionless_table, precheck_file

FIXTURES = Path(__file__).parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
from make_bad import TINY, defects, materialize  # noqa: E402

AS_OF = dt.date(2026, 11, 20)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def all_outputs(tmp_path_factory):
    """{fixture: problems} for tiny and every bad fixture (validated once per module)."""
    base = tmp_path_factory.mktemp("bad")
    out = {"tiny": validate_package(TINY, AS_OF)}
    for name in defects():
        out[name] = validate_package(materialize(name, base / name), AS_OF)
    return out


def too_many_errors_problems(tmp_path):
    """frictionless stops at the error limit and we say so (limit lowered for the test)."""
    root = materialize("enum", tmp_path / "pkg")
    import yaml

    raw = yaml.safe_load((root / "datapackage.yaml").read_text(encoding="utf-8"))
    res = next(r for r in raw["resources"] if r["name"] == "attendance")
    lines = ["activity_id,deputy_id,status"] + [f"a01,d{i:02d},bogus{i}" for i in range(5)]
    (root / "attendance.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    fc = precheck_file(root, "attendance", "attendance.csv", ["activity_id", "deputy_id", "status"])
    return frictionless_table(str(root), res, fc.header, limit=3)


def test_too_many_errors(tmp_path):
    got = [(p.file, p.row, p.field, p.code) for p in too_many_errors_problems(tmp_path)]
    assert got == [
        ("attendance.csv", 2, "status", "not-in-enum"),
        ("attendance.csv", 3, "status", "not-in-enum"),
        ("attendance.csv", 4, "status", "not-in-enum"),
        ("attendance.csv", 0, "", "too-many-errors"),
    ]


def limit_problems(tmp_path, monkeypatch):
    """The size limits (issue 17) lowered so that tiny passes them; at their real values in
    tests/test_security_limits.py (a fixture past them would be megabytes in git)."""
    monkeypatch.setattr(schema_checks, "MAX_CELL_CHARS", 10)
    monkeypatch.setattr(schema_checks, "MAX_TABLE_ROWS", 20)
    monkeypatch.setattr(body_checks, "MAX_BODY_BYTES", 100)
    try:
        return validate_package(materialize("control-character", tmp_path / "limits"), AS_OF)
    finally:
        monkeypatch.undo()


def body_image_problems(tmp_path):
    """Images in a report body (issue 17): a missing file, a path outside the convention, a
    file that is not an image (more cases in tests/test_report_images.py); a NUL in the body."""
    root = materialize("control-character", tmp_path / "images")
    (root / "reports" / "images").mkdir()
    (root / "reports" / "images" / "notes.png").write_text("not a picture", encoding="utf-8")
    body = root / "reports" / "r02.md"
    extra = "![a](images/nothere.jpg) ![b](photos/d01.jpg) ![c](images/notes.png)\n\n文字\x00文字\n"
    body.write_text(body.read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")
    return validate_package(root, AS_OF)


def test_every_code_is_produced_and_every_produced_code_is_catalogued(all_outputs, tmp_path, county_demo, monkeypatch):
    emitted = {p.code for ps in all_outputs.values() for p in ps}
    emitted |= {p.code for p in too_many_errors_problems(tmp_path)}
    emitted |= {p.code for p in limit_problems(tmp_path, monkeypatch)}
    emitted |= {p.code for p in body_image_problems(tmp_path)}
    # going live (validate --release): the demo checkout's own placeholders
    emitted |= {p.code for p in release_problems(county_demo, ROOT / "mkdocs.yml")}
    assert emitted - set(CODES) == set()
    assert set(CODES) - emitted == set(), "codes no fixture produces"


def test_severity_matches_catalogue(all_outputs):
    for ps in all_outputs.values():
        for p in ps:
            assert p.severity == CODES[p.code].severity


def test_catalogue_entries_are_complete():
    for c in CODES.values():
        assert c.severity in (ERROR, WARNING)
        for text in (c.title_zh, c.title_en, c.message_zh, c.message_en, c.hint_zh, c.hint_en):
            assert text.strip()
        # Chinese first: the zh texts contain CJK
        assert any("\u4e00" <= ch <= "\u9fff" for ch in c.message_zh + c.hint_zh)


def test_messages_fill_every_placeholder(all_outputs):
    for ps in all_outputs.values():
        for p in ps:
            for text in (p.message_zh, p.message_en, p.hint_zh, p.hint_en):
                assert MISSING not in text, (p.code, text)


def test_no_private_value_in_any_message(all_outputs):
    for name, ps in all_outputs.items():
        blob = json.dumps([p.as_dict() for p in ps], ensure_ascii=False)
        assert "XPRIV" not in blob, name
        for secret in ("13812345678", "zhang.san@example.com", "110101199001011234"):
            assert secret not in blob, name


def test_show_value_hides_private_and_personal_data():
    assert show_value("XPRIV-ID-0001", private=True) == "（已隐藏 hidden）"
    assert show_value("电话 13912345678") == "（已隐藏 hidden）"
    assert show_value("a\u202eb") == "“a\\u202eb”"
    assert show_value("x" * 100).endswith("…”")


def test_problem_never_raises_on_missing_params():
    p = problem("type-error", "x.csv", 2, "f")
    assert MISSING in p.message_en


# -- the command ---------------------------------------------------------------------


def run_cli(capsys, *argv):
    rc = main(["validate", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_exit_0_on_tiny_and_text_grouped_by_file(capsys):
    rc, out, err = run_cli(capsys, str(TINY), "--as-of", "2026-11-20")
    assert rc == 0 and err == ""
    assert "report-overdue 逾期未报告 / Report overdue: 3 条 / 3" in out  # warnings summed up by code
    assert out.rstrip().endswith("共 0 个错误、4 个警告 / 0 errors, 4 warnings")
    rc, out, err = run_cli(capsys, str(TINY), "--as-of", "2026-11-20", "--details")
    assert "== groups.csv ==" in out and "== mandates.csv ==" in out


def test_cli_json(capsys, tmp_path):
    root = materialize("gb18030-csv", tmp_path / "pkg")
    rc, out, err = run_cli(capsys, str(root), "--as-of", "2026-11-20", "--json")
    assert rc == 1
    data = json.loads(out)
    assert data["errors"] == 1 and data["warnings"] == 4
    enc = [p for p in data["problems"] if p["code"] == "file-encoding"][0]
    assert enc["file"] == "deputies.csv" and enc["row"] == 2 and "CSV UTF-8" in enc["hint_en"]


def test_cli_never_prints_a_traceback(capsys, tmp_path, all_outputs):
    for name in defects():
        root = materialize(name, tmp_path / name)
        rc, out, err = run_cli(capsys, str(root), "--as-of", "2026-11-20")
        assert "Traceback" not in out + err and "XPRIV" not in out + err, name
        errors = sum(1 for p in all_outputs[name] if p.severity == ERROR)
        assert rc == (1 if errors else 0), name


def test_cli_subprocess_and_default_as_of(tmp_path):
    """The real entry point, with no --as-of (today): exit 0 on tiny, 1 on a bad fixture."""
    r = subprocess.run(
        [sys.executable, "-m", "generator", "validate", str(TINY)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    root = materialize("foreign-key", tmp_path / "pkg")
    r = subprocess.run(
        [sys.executable, "-m", "generator", "validate", str(root), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert [p["code"] for p in json.loads(r.stdout)["problems"] if p["severity"] == "error"] == ["foreign-key"]


@pytest.mark.parametrize("cell", ["\x00", "𠀀😀\u0301\u202e", "Ａ" * 5000, "=cmd|' /C calc'!A0", '"unclosed'])
def test_odd_cells_give_located_problems_not_crashes(tmp_path, cell):
    root = materialize("bom-csv", tmp_path / "pkg")
    with (root / "activities.csv").open("a", encoding="utf-8") as fh:
        fh.write(f"a99,g01,,2026-13-01,study,{cell},,,\n")
    ps = validate_package(root, AS_OF)
    assert any(p.code == "bad-date" and p.file == "activities.csv" for p in ps)
