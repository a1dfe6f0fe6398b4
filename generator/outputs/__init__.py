"""Files the site publishes besides pages: search index, open data, feed, Popolo export.

Each output module exposes `write(site: SiteContext, pages: list[PageDoc], out_dir: Path) -> list[str]`
(returning the relative paths it wrote, sorted) and is listed in OUTPUT_MODULES. The build calls
them after mkdocs has written the pages, into the same temporary output folder, so a failure
in any of them fails the whole build and leaves the published site untouched. Outputs must be
deterministic (sorted keys, no timestamps other than the as-of date) and must never contain a
private field (the model drops them on read; open-data writers must drop them too).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from ..pages import PageDoc, SiteContext

OUTPUT_MODULES: list[str] = ["popolo", "open_data", "feed", "finder", "search_index"]
# Output modules that read only the pages, never site.ds: a big build writes them last, after
# letting the dataset go (generator/partition.py, build_parallel).
PAGES_ONLY: tuple[str, ...] = ("search_index",)


def write_all(site: SiteContext, pages: list[PageDoc], out_dir: Path) -> list[str]:
    written: list[str] = []
    for name in OUTPUT_MODULES:
        mod = importlib.import_module(f"{__name__}.{name}")
        written.extend(mod.write(site, pages, out_dir))
    return sorted(written)
