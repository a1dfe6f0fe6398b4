"""`validate --release`: going live fails while a demo placeholder remains (the example.org site
address, the 虚构/演示 footer and description, the about page's demo paragraph, a package still
marked fictional), and passes once each is replaced."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from generator.cli import main

ROOT = Path(__file__).resolve().parent.parent
TINY = Path(__file__).parent / "fixtures" / "tiny"


@pytest.fixture()
def site(tmp_path, monkeypatch):
    """A project folder: mkdocs.yml and content/about.md as in the checkout, data/ from tiny."""
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    (tmp_path / "content").mkdir()
    shutil.copy(ROOT / "content" / "about.md", tmp_path / "content" / "about.md")
    shutil.copytree(TINY, tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def release(capsys, *extra) -> tuple[int, list[tuple]]:
    rc = main(["validate", "data", "--as-of", "2026-11-20", "--json", *extra])
    data = json.loads(capsys.readouterr().out)
    return rc, [(p["file"], p["row"], p["field"]) for p in data["problems"] if p["code"] == "release-placeholder"]


def test_demo_placeholders_fail_the_release_check(site, capsys):
    rc, got = release(capsys, "--release")
    assert rc == 1
    assert got == [
        ("content/about.md", 13, ""),
        ("datapackage.yaml", 2, "title"),
        ("datapackage.yaml", 4, "description"),
        ("datapackage.yaml", 8, "x-fictional"),
        ("mkdocs.yml", 4, "site_description"),
        ("mkdocs.yml", 6, "site_url"),
        ("mkdocs.yml", 10, "copyright"),
    ]
    assert release(capsys) == (0, [])  # only with --release


def test_the_real_content_passes(site, capsys):
    cfg = site / "mkdocs.yml"
    text = cfg.read_text(encoding="utf-8")
    text = text.replace("https://deputies.example.org/", "https://rd.hexi.gov.cn/daibiao/")
    text = text.replace("（虚构演示数据）", "").replace(
        "本站数据为虚构演示数据，与真实人物无关。", "禾溪县人大常委会办公室"
    )
    cfg.write_text(text, encoding="utf-8")
    about = site / "content" / "about.md"
    about.write_text(
        "\n".join(x for x in about.read_text(encoding="utf-8").splitlines() if "演示" not in x) + "\n", encoding="utf-8"
    )
    desc = site / "data" / "datapackage.yaml"
    text = desc.read_text(encoding="utf-8")
    text = text.replace("（虚构演示数据） / Deputy transparency data package (fictional demo data)", "")
    text = text.replace("数据（演示）。", "数据。").replace("x-fictional: true", "x-fictional: false")
    desc.write_text(text, encoding="utf-8")
    assert release(capsys, "--release") == (0, [])
