"""If the validator accepts a package, the build succeeds (issue 17), for the cases
tests/test_security_untrusted.py's differential test does not cover: each report-body payload
of the attack corpus on its own (the corpus test there leaves bodies out, where the validator
refuses most), images in bodies, long unbroken values, the size limits and symbolic links.

Each case: validate; no error → the build must succeed and write the site; errors → the build
refuses with a GeneratorError (no traceback) and writes nothing."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from attacks.attack_package import load_payloads

from generator.errors import GeneratorError
from generator.options import Options
from generator.pipeline import build
from generator.validate import validate_package
from generator.validate.body_checks import MAX_BODY_BYTES
from generator.validate.schema_checks import MAX_CELL_CHARS

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"
AS_OF = dt.date(2026, 11, 20)
BODY = "reports/r02.md"


def _append(pkg: Path, rel: str, text: str) -> None:
    p = pkg / rel
    p.write_text(p.read_text(encoding="utf-8") + "\n\n" + text + "\n", encoding="utf-8")


def _cell(pkg: Path, table: str, old: str, new: str) -> None:
    p = pkg / f"{table}.csv"
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


def _image(pkg: Path, name: str, data: bytes | None = None) -> None:
    (pkg / "reports" / "images").mkdir(exist_ok=True)
    target = pkg / "reports" / "images" / name
    if data is None:
        shutil.copyfile(TINY / "photos" / "d01.jpg", target)
    else:
        target.write_bytes(data)


def _link(pkg: Path, rel: str, target: str) -> None:
    p = pkg / rel
    p.unlink()
    p.symlink_to(target)


def _cases() -> list[tuple[str, object, bool]]:
    """(name, mutation, accepted?): whether the validator should accept it is part of the case,
    so a change of verdict is seen too."""
    run = "Wide" + "x" * 296
    cases: list[tuple[str, object, bool]] = [
        ("image-ok", lambda p: (_image(p, "visit.jpg"), _append(p, BODY, "![走访](images/visit.jpg)")), True),
        ("image-missing", lambda p: _append(p, BODY, "![走访](images/none.jpg)"), False),
        ("image-not-image", lambda p: (_image(p, "x.png", b"<svg/>"), _append(p, BODY, "![图](images/x.png)")), False),
        ("image-other-folder", lambda p: _append(p, BODY, "![图](photos/d01.jpg)"), False),
        ("image-in-code", lambda p: _append(p, BODY, "```\n![图](images/none.jpg)\n```"), True),
        ("image-of-draft", lambda p: (_image(p, "d.jpg"), _append(p, "reports/r05.md", "![图](images/d.jpg)")), True),
        ("long-runs", lambda p: (_cell(p, "deputies", "快递网点负责人", run[:100]), _append(p, BODY, run * 3)), True),
        # home_address has no maxLength of its own: only the cell limit applies
        ("cell-at-limit", lambda p: _cell(p, "deputies", "XPRIV-ADDR-0001", "农" * MAX_CELL_CHARS), True),
        ("cell-past-limit", lambda p: _cell(p, "deputies", "XPRIV-ADDR-0001", "农" * (MAX_CELL_CHARS + 1)), False),
        ("body-past-limit", lambda p: _append(p, BODY, "无" * (MAX_BODY_BYTES // 3 + 1)), False),
        ("body-nul", lambda p: _append(p, BODY, "文字\x00文字"), False),
        ("body-form-feed", lambda p: _append(p, BODY, "文字\x0c文字"), False),
        (
            "body-link-inside",
            lambda p: (shutil.copyfile(p / BODY, p / "reports" / "r02-copy.md"), _link(p, BODY, "r02-copy.md")),
            True,
        ),
        ("body-link-outside", lambda p: _link(p, BODY, "../../outside.md"), False),
        ("csv-link-outside", lambda p: _link(p, "plans.csv", "/etc/passwd"), False),
    ]
    for payload in (p for p in load_payloads() if p.body):
        cases.append((f"body-{payload.id}", lambda p, t=payload.text: _append(p, BODY, t), None))
    return cases


CASES = _cases()


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n, *_ in CASES])
def test_accepted_means_it_builds(tmp_path, name):
    _, mutate, accepted = next(c for c in CASES if c[0] == name)
    pkg = tmp_path / "pkg" / "data"
    shutil.copytree(TINY, pkg, symlinks=True)
    mutate(pkg)
    errors = sorted((p.file, p.row, p.code) for p in validate_package(pkg, AS_OF) if p.severity == "error")
    if accepted is not None:
        assert (errors == []) == accepted, errors
    out = tmp_path / "out" / "site"
    if errors:
        with pytest.raises(GeneratorError):
            build(Options(data_dir=pkg, out=out, as_of=AS_OF))
        assert not out.exists()
    else:
        build(Options(data_dir=pkg, out=out, as_of=AS_OF))
        assert (out / "index.html").is_file()
        assert (out / "reports" / "r02" / "index.html").is_file()


def test_control_characters_in_a_body_are_located(tmp_path):
    pkg = tmp_path / "data"
    shutil.copytree(TINY, pkg)
    body = pkg / BODY
    lines = body.read_text(encoding="utf-8").split("\n")
    lines[2] += "\x00\x00"  # two on line 3: one problem
    lines[4] += "\x1b[31m"  # a terminal escape on line 5
    body.write_text("\n".join(lines), encoding="utf-8")
    got = [(p.file, p.row, p.code) for p in validate_package(pkg, AS_OF) if p.code == "body-control-character"]
    assert got == [(BODY, 3, "body-control-character"), (BODY, 5, "body-control-character")]
