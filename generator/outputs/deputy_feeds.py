"""deputies/<id>/feed.xml, one Atom feed per deputy (outputs/feed.py deputy_feed_bytes).

Apart from the site-wide feed because these read only the tables, never a report body: while
the tables, the code and the as-of date stay the same, a build links them from the store
(outputs/registry.py TABLES_ONLY) instead of writing 1,335 files at county scale again.
"""

from __future__ import annotations

from pathlib import Path

from ..pages import PageDoc, SiteContext, urls
from .feed import deputy_feed_bytes

TABLES_ONLY = True


def write(site: SiteContext, pages: list[PageDoc], out_dir: Path) -> list[str]:
    out = Path(out_dir)
    written = []
    for d in site.ds.deputies:
        rel = urls.deputy_feed(d.id)
        (out / rel).parent.mkdir(parents=True, exist_ok=True)  # the page's folder, maybe not there yet
        (out / rel).write_bytes(deputy_feed_bytes(site, d))
        written.append(rel)
    return sorted(written)
