"""Private stays private (issue 5): values in private columns never reach any published file,
the search index, downloads, logs or validator output; public fields that look like personal
data are flagged.

The tiny fixture is copied and its private columns (id_card_number, personal_phone,
home_address) get realistic-looking fictitious values; the site is built through the real CLI
and every output file (HTML, JSON, XML, CSV, .gz, .zip members, in every escaped form) is
scanned with tests/leakscan.py.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from leakscan import scan, scan_text

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"

pytestmark = pytest.mark.slow


def _ids(i: int) -> tuple[str, str, str]:
    # fictitious: the region code 433122 and these numbers belong to nobody
    return (f"4331221980{i:02d}01{i:03d}X"[:17] + "X", f"1390730{i:04d}", f"虚构县幸福路{i}号{i}栋{100 + i}室")


def _rewrite(path: Path, fn) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        r = csv.DictReader(fh)
        header, rows = list(r.fieldnames), list(r)
    for i, row in enumerate(rows, start=1):
        fn(i, row)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def _private_copy(dst: Path) -> list[str]:
    """Copy the fixture with realistic private values; returns every private value."""
    shutil.copytree(TINY, dst)
    values: list[str] = []

    def seed(i, row):
        idn, phone, addr = _ids(i)
        row["id_card_number"], row["personal_phone"], row["home_address"] = idn, phone, addr
        values.extend([idn, phone, addr])

    _rewrite(dst / "deputies.csv", seed)
    return values


def _run(*args: str, cwd: Path = ROOT, cache: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    if cache is not None:
        env["DEPUTY_SITE_CACHE"] = str(cache)
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300
    )


@pytest.fixture(scope="module")
def private_build(tmp_path_factory):
    base = tmp_path_factory.mktemp("private")
    pkg = base / "data"
    values = _private_copy(pkg)
    fixture_markers = [f"XPRIV-{k}-{i:04d}" for k in ("ID", "PHONE", "ADDR") for i in range(1, 11)]
    out = base / "site"
    cache = base / "cache"
    validate = _run("validate", str(pkg), "--json", cache=cache)
    build = _run("build", "--data", str(pkg), "--out", str(out), cache=cache)
    assert build.returncode == 0, build.stderr[-2000:]
    return pkg, out, values + fixture_markers, validate, build


def test_private_values_are_seeded(private_build):
    pkg, _out, values, _v, _b = private_build
    text = (pkg / "deputies.csv").read_text(encoding="utf-8")
    assert all(v in text for v in values if not v.startswith("XPRIV"))
    assert len(values) == 30 + 30


def test_no_private_value_in_any_published_file(private_build):
    _pkg, out, values, _v, _b = private_build
    files = [p for p in out.rglob("*") if p.is_file()]
    kinds = {p.suffix for p in files}
    assert {".html", ".json", ".csv", ".xml", ".gz", ".zip"} <= kinds, kinds  # the scan covers them all
    assert scan(out, values) == []


def test_no_private_value_in_the_build_cache(private_build):
    """.cache/ is not published, but CI may keep or upload it: it holds no private value."""
    pkg, _out, values, _v, _b = private_build
    cache = pkg.parent / "cache"
    assert any(p.is_file() for p in cache.rglob("*"))
    assert scan(cache, values) == []


def test_no_private_value_in_build_or_validator_output(private_build):
    _pkg, _out, values, validate, build = private_build
    for proc in (validate, build):
        assert scan_text(proc.stdout + proc.stderr, values) == []
    json.loads(validate.stdout)


def test_public_fields_that_look_private_are_warned(tmp_path):
    """The same kinds of values pasted where they must not be: a warning at the exact cell
    (or body line), and the value itself is not printed."""
    pkg = tmp_path / "data"
    values = _private_copy(pkg)
    idn, phone, _addr = _ids(1)

    def leak_deputy(i, row):
        if i == 1:
            row["biography"] = f"联系电话{phone}。"
        if i == 2:
            row["occupation"] = f"身份证{idn}"
        if i == 3:
            row["biography"] = "邮箱 wang.minghua@163.com，办公邮箱 rd@xugou.gov.cn"

    _rewrite(pkg / "deputies.csv", leak_deputy)
    _rewrite(pkg / "stations.csv", lambda i, row: row.update(opening_hours=f"预约 {phone}") if i == 1 else None)
    body = pkg / "reports" / "r01.md"
    body.write_text(body.read_text(encoding="utf-8") + f"\n有事请打我手机 {phone}。\n", encoding="utf-8")
    body_lines = body.read_text(encoding="utf-8").count("\n")

    proc = _run("validate", str(pkg), "--json")
    report = json.loads(proc.stdout)
    got = sorted(
        (p["file"], p["row"], p["field"], p["severity"])
        for p in report["problems"]
        if p["code"] == "possible-private-data"
    )
    assert got == sorted(
        [
            ("deputies.csv", 2, "biography", "warning"),
            ("deputies.csv", 3, "occupation", "warning"),
            ("deputies.csv", 4, "biography", "warning"),
            ("reports/r01.md", body_lines, "", "warning"),
            ("stations.csv", 2, "opening_hours", "warning"),
        ]
    )
    leaked = [phone, idn, "wang.minghua@163.com"] + values
    assert scan_text(proc.stdout + proc.stderr, leaked) == []
    text = _run("validate", str(pkg))
    assert scan_text(text.stdout + text.stderr, leaked) == []


def test_errors_in_private_columns_never_print_the_value(tmp_path):
    """A private column with a pattern, a length limit and a type: the validator reports the
    cell (file, row, field, code) and the build refuses, without ever printing the value."""
    pkg = tmp_path / "data"
    _private_copy(pkg)
    desc_path = pkg / "datapackage.yaml"
    desc = yaml.safe_load(desc_path.read_text(encoding="utf-8"))
    deputies = next(r for r in desc["resources"] if r["name"] == "deputies")
    for f in deputies["schema"]["fields"]:
        if f["name"] == "id_card_number":
            f["constraints"] = {"pattern": "[0-9]{17}[0-9X]"}
        if f["name"] == "personal_phone":
            f["type"] = "integer"
        if f["name"] == "home_address":
            f["constraints"] = {"maxLength": 20}
    desc_path.write_text(yaml.safe_dump(desc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    bad_id, bad_phone, bad_addr = "43312219800101ZZZQ", "139-0730-SECRET", "虚构县秘密路999号9栋999室东单元门口右手边"

    def corrupt(i, row):
        if i == 1:
            row["id_card_number"], row["personal_phone"], row["home_address"] = bad_id, bad_phone, bad_addr

    _rewrite(pkg / "deputies.csv", corrupt)
    secrets = [bad_id, bad_phone, bad_addr, "ZZZQ", "SECRET", "秘密路"]

    proc = _run("validate", str(pkg), "--json")
    assert proc.returncode != 0
    report = json.loads(proc.stdout)
    located = sorted((p["file"], p["row"], p["field"]) for p in report["problems"] if p["severity"] == "error")
    assert located == [
        ("deputies.csv", 2, "home_address"),
        ("deputies.csv", 2, "id_card_number"),
        ("deputies.csv", 2, "personal_phone"),
    ]
    assert scan_text(proc.stdout + proc.stderr, secrets) == []

    text = _run("validate", str(pkg))
    assert text.returncode != 0
    assert scan_text(text.stdout + text.stderr, secrets) == []

    out = tmp_path / "site"
    build = _run("build", "--data", str(pkg), "--out", str(out))
    assert build.returncode != 0 and not out.exists()
    assert scan_text(build.stdout + build.stderr, secrets) == []
    assert not list(tmp_path.glob(".site-*"))
