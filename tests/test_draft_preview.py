"""Drafts in the preview only (issue 16): a draft report (state=draft) is never published by a
build; in the staff preview (Options.preview, which `make serve` sets) it has its own page,
marked 草稿 in the title and by a banner, and is in no other output file: no list, search
index, feed, open data or sitemap."""

from __future__ import annotations

import csv
import gzip
import shutil
from pathlib import Path

import pytest

from generator.options import Options
from generator.pages.reports import DRAFT_BANNER
from generator.pipeline import build

TINY = Path(__file__).parent / "fixtures" / "tiny"


def _drafts() -> list[dict]:
    with (TINY / "reports.csv").open(encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["state"] != "published"]


DRAFTS = _drafts()


ONLY_IN_DRAFT = "这一句只写在草稿里，核对后再发布。"


def _marks(row: dict) -> list[bytes]:
    """What only the draft's page could hold: its URL and a sentence only its body has."""
    return [f"reports/{row['id']}".encode(), ONLY_IN_DRAFT.encode()]


def _files(site: Path) -> dict[str, bytes]:
    """Every output file's bytes, gzip files unpacked."""
    out = {}
    for p in sorted(site.rglob("*")):
        if p.is_file():
            data = p.read_bytes()
            out[p.relative_to(site).as_posix()] = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    return out


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("drafts")
    data = tmp / "data"
    shutil.copytree(TINY, data)
    body = data / DRAFTS[0]["body"]
    body.write_text(body.read_text(encoding="utf-8") + f"\n{ONLY_IN_DRAFT}\n", encoding="utf-8")
    cache = tmp / "store"  # one store for both: the preview's pages must not leak into a build
    preview = build(Options(data_dir=data, out=tmp / "preview", cache_dir=cache, preview=True))
    assert preview is not None
    build(Options(data_dir=data, out=tmp / "site", cache_dir=cache))
    return tmp / "preview", tmp / "site"


def test_tiny_has_a_draft():
    assert [r["id"] for r in DRAFTS] == ["r05"]


def test_a_build_publishes_no_draft(sites):
    _, site = sites
    marks = _marks(DRAFTS[0])
    assert not (site / "reports" / DRAFTS[0]["id"]).exists()
    leaks = {name for name, data in _files(site).items() if any(m in data for m in marks)}
    assert leaks == set()


def test_the_preview_shows_the_draft_marked(sites):
    preview, _ = sites
    row = DRAFTS[0]
    html = (preview / "reports" / row["id"] / "index.html").read_text(encoding="utf-8")
    assert "<title>【草稿】黄静报告履职情况（2026年11月15日）" in html
    assert "<h1>【草稿】黄静报告履职情况（2026年11月15日）</h1>" in html
    assert DRAFT_BANNER.strip() in html
    assert html.index("草稿 · 未发布") < html.index("<h1>")  # the banner on top
    assert ONLY_IN_DRAFT in html  # the body is shown


def test_the_draft_is_in_no_other_preview_file(sites):
    preview, site = sites
    row = DRAFTS[0]
    marks = _marks(row)
    files = _files(preview)
    leaks = {name for name, data in files.items() if any(m in data for m in marks)}
    assert leaks == {f"reports/{row['id']}/index.html"}
    # besides the draft's page, the preview's files are the build's (same names)
    assert set(files) - {f"reports/{row['id']}/index.html"} == set(_files(site))


def test_published_pages_carry_no_draft_mark(sites):
    preview, _ = sites
    for p in (preview / "reports").rglob("index.html"):
        if p.parent.name != DRAFTS[0]["id"]:
            assert "草稿 · 未发布" not in p.read_text(encoding="utf-8"), p
