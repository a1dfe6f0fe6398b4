"""Find-your-deputy data (generator/search/finder.py): which deputies represent a place.

Its own output module, apart from the search index, because it reads the dataset while the
search index reads only the pages: a big build writes this one first and can then let the
dataset go before the index is built (generator/partition.py).
"""

from __future__ import annotations

from pathlib import Path

from ..pages import PageDoc, SiteContext
from ..search.finder import write_finder

TABLES_ONLY = True  # reads the tables only: linked from the store while they are unchanged (outputs/registry.py)


def write(site: SiteContext, pages: list[PageDoc], out_dir: Path) -> list[str]:
    return sorted(write_finder(site, Path(out_dir)))
