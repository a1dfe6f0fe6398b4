"""Live preview (`python -m generator serve`): each rebuild is what mkdocs serve does (load the
config, build into its folder); with the preview memo on, a rebuild renders only the record
pages that changed and the folder equals a fresh build byte for byte."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from mkdocs.commands import build as mk_build
from mkdocs.config import load_config
from site_tree import tree

from generator import site_adapter
from generator.build import prepare

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"
URL = "http://127.0.0.1:8000/"
AS_OF = "2026-11-20"


@pytest.fixture
def preview(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    monkeypatch.setenv(site_adapter.DATA_ENV, str(data))
    monkeypatch.setenv("DEPUTY_SITE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795132800")  # 2026-11-20: the pages' build date
    rendered: list[str] = []
    real = mk_build._build_page

    def counting(page, *a, **k):
        if isinstance(page, site_adapter.PrerenderedPage) and not site_adapter.in_nav(page.file.src_uri):
            rendered.append(page.file.src_uri)
        return real(page, *a, **k)

    monkeypatch.setattr(mk_build, "_build_page", counting)

    def rebuild(site_dir: Path, url: str = URL) -> list[str]:
        rendered.clear()
        cfg = load_config(config_file=str(site_adapter.CONFIG_FILE), site_dir=str(site_dir))
        cfg.plugins["deputy-site"].config.as_of = AS_OF
        cfg.site_url = url
        mk_build.build(cfg, serve_url=url)
        return sorted(rendered)

    return data, rebuild


def record_pages(data: Path) -> dict[str, tuple]:
    _site, docs = prepare(data, dt.date.fromisoformat(AS_OF), validate=False)
    return {d.path: (d.title, d.template, d.meta, d.html) for d in docs if not site_adapter.in_nav(d.path)}


def test_a_preview_rebuild_renders_only_the_pages_that_changed(preview, tmp_path, monkeypatch):
    data, rebuild = preview
    monkeypatch.setattr(site_adapter, "_serve_memo", {})
    site = tmp_path / "served"
    first = rebuild(site)
    before = record_pages(data)
    assert first == sorted(before)  # the first build renders every record page

    body = next(p for p in sorted((data / "reports").glob("*.md")))
    body.write_text(body.read_text(encoding="utf-8") + "\n\n新增一段：走访了三户居民。\n", encoding="utf-8")
    after = record_pages(data)
    changed = sorted(p for p in after if after[p] != before[p])
    assert changed and len(changed) < len(after)
    assert rebuild(site) == changed

    assert rebuild(site) == []  # nothing changed: every record page comes from the memo
    monkeypatch.setattr(site_adapter, "_serve_memo", None)
    fresh = tmp_path / "fresh"
    assert rebuild(fresh) == sorted(after)
    assert tree(site) == tree(fresh)


def test_the_site_url_is_part_of_the_memo_key(preview, tmp_path, monkeypatch):
    data, rebuild = preview
    monkeypatch.setattr(site_adapter, "_serve_memo", {})
    every = rebuild(tmp_path / "a")
    assert rebuild(tmp_path / "a", url="http://127.0.0.1:8001/") == every  # canonical links differ


def test_the_memo_keeps_only_the_last_build(preview, tmp_path, monkeypatch):
    data, rebuild = preview
    memo: dict[str, str] = {}
    monkeypatch.setattr(site_adapter, "_serve_memo", memo)
    rebuild(tmp_path / "a")
    n = len(memo)
    assert n == len(record_pages(data))
    rebuild(tmp_path / "a", url="http://127.0.0.1:8001/")
    assert len(memo) == n


def test_serve_turns_the_memo_on_only_while_it_runs(monkeypatch, tmp_path):
    monkeypatch.setenv(site_adapter.DATA_ENV, "")  # serve() sets it; restored after the test
    seen = []
    monkeypatch.setattr("mkdocs.commands.serve.serve", lambda *a, **k: seen.append(site_adapter._serve_memo))
    site_adapter.serve(TINY, "127.0.0.1:8000")
    assert seen == [{}]
    assert site_adapter._serve_memo is None
