"""Search index (generator/search): written after the pages, from the pages alone (not the
dataset; the find-your-deputy data is the `finder` output module).

Search covers every PageDoc that carries a SearchEntry; see docs/search.md for the format.
"""

from __future__ import annotations

from pathlib import Path

from ..pages import PageDoc, SiteContext
from ..search import Doc, write_index


def docs_from_pages(pages: list[PageDoc], texts=None) -> list[Doc]:
    """The search index's documents; `texts(path)` gives the search text of a page whose
    SearchEntry was spooled without it (SiteContext.search_texts)."""
    out = []
    for p in pages:
        s = p.search
        if s is None:
            continue
        kind = s.kind
        if kind == "page" and p.url.startswith("areas/"):
            kind = "area"  # area pages list a place's deputies: ranked like a record, not a section page
        out.append(
            Doc(
                kind=kind,
                title=s.title,
                url=p.url,
                person=s.person,
                date=s.date,
                text=s.text or (texts(p.path) if texts is not None else ""),
                places=tuple(s.places),
            )
        )
    return out


def write(site: SiteContext, pages: list[PageDoc], out_dir: Path) -> list[str]:
    return write_index(docs_from_pages(pages, site.search_texts), Path(out_dir))
