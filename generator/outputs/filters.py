"""Facet files of the paginated lists (generator/pages/facets.py): one small JSON file per
list split into pages, which filters.js fetches when a reader first touches a filter, so a
filter covers the whole list without the browser loading every page."""

from __future__ import annotations

from pathlib import Path

from ..pages import PageDoc, SiteContext, deputies, reports, suggestions, urls
from ..sanitize import json_for_html

TABLES_ONLY = True  # reads the tables only: linked from the store while they are unchanged (outputs/__init__.py)


def files(site: SiteContext) -> dict[str, str]:
    """Site path → JSON text of every facet file."""
    out: dict[str, str] = {}
    for module in (deputies, reports, suggestions):
        for list_url, payload in module.facet_files(site):
            # json_for_html: no "<", ">" or "&" even in a file read as JSON (text people wrote)
            out[urls.facets(list_url)] = json_for_html(payload)
    return out


def write(site: SiteContext, pages: list[PageDoc], out_dir: Path) -> list[str]:
    written = []
    for rel, text in sorted(files(site).items()):
        path = Path(out_dir) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
        written.append(rel)
    return written
