"""The output modules, in the order a build writes them, and the store's `outputs` namespace
(see the package's docstring)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .. import store as st
from ..pages import PageDoc, SiteContext
from . import deputy_feeds, feed, filters, finder, photos, report_images, search_index

OUTPUT_MODULES = {
    "feed": feed,
    "deputy_feeds": deputy_feeds,
    "filters": filters,
    "finder": finder,
    "photos": photos,
    "report_images": report_images,
    "search_index": search_index,
}
# Those that read only the pages, never site.ds: a big build writes them last, after letting
# the dataset go (generator/pipeline/parallel.py).
PAGES_ONLY: tuple[str, ...] = ("search_index",)


def write_all(
    site: SiteContext, pages: list[PageDoc], out_dir: Path, names=None, store=None, key: str | None = None
) -> list[str]:
    """Write the output modules `names` (default: all, in order) into `out_dir`. A module that
    sets USES_STORE gets the build's store (generator/store.py) as `store`; one that sets
    TABLES_ONLY is linked from the store when `key` (the pipeline's key of its inputs) is."""
    written: list[str] = []
    for name in OUTPUT_MODULES if names is None else names:
        mod = OUTPUT_MODULES[name]
        extra = {"store": store} if getattr(mod, "USES_STORE", False) else {}
        if store and key and getattr(mod, "TABLES_ONLY", False):
            k = st.key(key, name)
            files = from_store(store, name, k, Path(out_dir))
            if files is None:
                files = mod.write(site, pages, out_dir, **extra)
                to_store(store, name, k, Path(out_dir), files)
            written.extend(files)
        else:
            written.extend(mod.write(site, pages, out_dir, **extra))
    return sorted(written)


NS = "outputs"  # the store's namespace: per module, the files of its latest key and their list


def _latest(store: st.Store, name: str) -> dict | None:
    try:
        entry = json.loads(store.get(NS, st.key("latest", name)) or b"null")
        return entry if isinstance(entry, dict) and isinstance(entry.get("files"), list) else None
    except ValueError:
        return None


def from_store(store: st.Store, name: str, k: str, out: Path, copy: bool = False) -> list[str] | None:
    """The module's files linked (or with `copy` copied) into `out` from the store, or None
    (nothing left there) when the store has no complete entry for key `k`."""
    entry = _latest(store, name)
    if entry is None or entry.get("key") != k:
        return None
    done: list[str] = []
    for rel in entry["files"]:
        if not isinstance(rel, str) or rel.startswith("/") or ".." in rel.split("/"):
            break
        if not store.link_out(NS, st.key(k, rel), out / rel, copy):
            break
        done.append(rel)
    else:
        return done
    for rel in done:  # incomplete: the module writes them all again, never into a linked file
        os.unlink(out / rel)
    return None


def to_store(store: st.Store, name: str, k: str, out: Path, files: list[str], copy: bool = False) -> None:
    """Store the module's files under key `k` (hard links, or with `copy` copies), then drop
    those of its previous key: the store holds one generation per module."""
    old = _latest(store, name)
    for rel in files:
        store.put_file(NS, st.key(k, rel), out / rel, copy)
    store.put(NS, st.key("latest", name), json.dumps({"key": k, "files": sorted(files)}).encode())
    if old is not None and old.get("key") != k:
        for rel in old["files"]:
            if isinstance(rel, str):
                store.drop(NS, st.key(str(old.get("key")), rel))
