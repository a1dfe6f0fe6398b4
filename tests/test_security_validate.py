"""The validator refuses report bodies carrying the attack corpus (so `make site` never
publishes them), and a real `build` of the attack package stops at validation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from attacks.attack_package import load_payloads, make_attack_package

from generator.validate import validate_package

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"

# What the validator says about each body payload on its own: the error codes, by line.
# Payloads that are harmless as Markdown (attribute-list text, snippet syntax, code) are not
# errors, except the indented code block in md-code, which the line scanner cannot tell from text.
EXPECTED = {
    "front-matter": [("body-raw-html", 2), ("body-raw-html", 3), ("body-raw-html", 4)],
    "md-js-link": [("body-unsafe-link", 1)],
    "md-entity-link": [("body-unsafe-link", 1)],
    "md-data-link": [("body-unsafe-link", 1)],
    "md-ref-link": [("body-unsafe-link", 3)],
    "md-autolink": [("body-unsafe-link", 1)],
    "md-attr-list": [("body-unsafe-link", 2), ("body-unsafe-link", 4)],
    "md-image": [("body-unsafe-link", 1)],
    "md-raw-block": [("body-raw-html", 1), ("body-raw-html", 2), ("body-raw-html", 3), ("body-raw-html", 4)],
    "md-snippet": [],
    "md-code": [("body-raw-html", 3)],
}


@pytest.mark.parametrize("pid", sorted(EXPECTED))
def test_body_payload_is_refused(tmp_path, pid):
    payload = next(p for p in load_payloads() if p.id == pid)
    pkg = tmp_path / "data"
    shutil.copytree(TINY, pkg)
    body = pkg / "reports" / "r01.md"
    body.write_text(payload.with_token("zq") + "\n\n" + body.read_text(encoding="utf-8"), encoding="utf-8")
    got = sorted((p.code, p.row) for p in validate_package(pkg) if p.file == "reports/r01.md" and p.severity == "error")
    assert got == EXPECTED[pid]


def test_every_body_payload_has_an_expectation():
    assert {p.id for p in load_payloads() if p.body} == set(EXPECTED)


@pytest.mark.slow
def test_cli_build_of_the_attack_package_stops_at_validation(tmp_path):
    pkg = tmp_path / "data"
    make_attack_package(TINY, pkg)
    out = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--data", str(pkg), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1
    assert "未发布" in proc.stderr and "Traceback" not in proc.stderr
    assert "reports/r01.md" in proc.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
