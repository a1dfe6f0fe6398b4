"""Files the site publishes besides pages.

Two kinds, both deterministic (sorted keys, no timestamp but the as-of date) and free of
private fields (the model drops them on read; open-data writers drop them too):

- staged before the pages, because the open-data page shows their sizes: the open-data
  package (`open_data.stage`) and the Popolo export (`popolo.stage`); the pipeline puts them
  into the site.
- written after the pages, into the build's temporary folder: each module in OUTPUT_MODULES
  has `write(site, pages, out_dir) -> list[str]` (relative paths written, sorted). A failure
  fails the whole build and leaves the published site untouched.
"""

from __future__ import annotations

from pathlib import Path

from ..pages import PageDoc, SiteContext
from . import feed, filters, finder, photos, report_images, search_index

OUTPUT_MODULES = {
    "feed": feed,
    "filters": filters,
    "finder": finder,
    "photos": photos,
    "report_images": report_images,
    "search_index": search_index,
}
# Those that read only the pages, never site.ds: a big build writes them last, after letting
# the dataset go (generator/pipeline/parallel.py).
PAGES_ONLY: tuple[str, ...] = ("search_index",)


def write_all(site: SiteContext, pages: list[PageDoc], out_dir: Path, names=None, store=None) -> list[str]:
    """Write the output modules `names` (default: all, in order) into `out_dir`. A module that
    sets USES_STORE gets the build's store (generator/store.py) as `store`."""
    written: list[str] = []
    for name in OUTPUT_MODULES if names is None else names:
        mod = OUTPUT_MODULES[name]
        extra = {"store": store} if getattr(mod, "USES_STORE", False) else {}
        written.extend(mod.write(site, pages, out_dir, **extra))
    return sorted(written)
