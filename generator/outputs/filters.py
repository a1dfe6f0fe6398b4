"""Facet files of the paginated lists (generator/pages/facets.py): one small JSON file per
list split into pages, which filters.js fetches when a reader first touches a filter, so a
filter covers the whole list without the browser loading every page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..pages import PageDoc, SiteContext, deputies, reports, suggestions, urls
from ..sanitize import json_for_html

TABLES_ONLY = True  # reads the tables only: linked from the store while they are unchanged (outputs/registry.py)


def files(site: SiteContext) -> Iterator[tuple[str, str]]:
    """(site path, JSON text) of every facet file, one at a time: a province's lists are
    written as they come, never all held at once."""
    for module in (deputies, reports, suggestions):
        for list_url, payload in module.facet_files(site):
            # json_for_html: no "<", ">" or "&" even in a file read as JSON (text people wrote)
            yield urls.facets(list_url), json_for_html(payload)


def write(site: SiteContext, pages: list[PageDoc], out_dir: Path) -> list[str]:
    written: set[str] = set()
    for rel, text in files(site):
        path = Path(out_dir) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
        written.add(rel)
    return sorted(written)
