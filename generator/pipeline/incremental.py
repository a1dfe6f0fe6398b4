"""Work kept between builds in the one store (generator/store.py), each entry keyed by a hash
of every declared input, so an edit to one report rebuilds in seconds:

- `validate`: a package that validated without errors is not validated again while it stays
  the same except for report bodies; then only the changed bodies go through the body checks.
- `module_docs`: a page module's PageDocs, reused while its inputs are unchanged: the
  generator's files, the output-shaping package versions, the as-of date, every data file
  except the report bodies, what it declares in NEEDS (the staged open data), and the bodies
  it read (recorded by the pages in `site.inputs`). A module with `pages_for_files` (reports)
  recomputes only the pages whose body changed.
- `render`: rendered pages by a key over the PageDoc and everything else that shapes a page
  (mkdocs.yml, theme/, content/, the nav); a page whose key is stored is hard-linked into the
  site instead of rendered, so an incremental build writes the same bytes as a clean one.

Entries are JSON or page HTML, never pickles: a store entry is data, never code.
"""

from __future__ import annotations

import copy
import json
import os
import weakref
from collections.abc import Callable
from pathlib import Path

from .. import store as st
from ..errors import GeneratorError
from ..model import load_dataset
from ..pages import PageDoc, SearchEntry, SiteContext
from ..site_adapter import dest_path, in_nav
from ..validate import body_checks, validate_package

PACKAGE = Path(__file__).resolve().parent.parent  # the generator package: code and templates

_CODE: str | None = None


def code_digest() -> str:
    global _CODE
    if _CODE is None:
        _CODE = st.tree_digest(PACKAGE)
    return _CODE


def _bodies(data_root: Path) -> dict[str, str]:
    """Report body files (normalized absolute path → path inside the package)."""
    out = {}
    for f in sorted(data_root.glob("reports/*.md")):
        rel = f.relative_to(data_root).as_posix()
        if body_checks.BODY_PATH.fullmatch(rel) and not f.is_symlink():
            out[os.path.normpath(f)] = rel
    return out


def errors(problems) -> list:
    return [p for p in problems if getattr(p, "severity", "error") == "error"]


def validate(store: st.Store, data_dir: Path, as_of, package, keep: dict, pool=None) -> list:
    """The errors of the package (warnings do not block publishing); `keep["ds"]` receives the
    dataset the validator loaded, so the build does not read the package twice."""
    if not store or any(body_checks.BODY_PATH.fullmatch(t.path or "") for t in package.tables.values()):
        return errors(validate_package(data_dir, as_of=as_of, keep=keep, pool=pool))
    data_root = Path(data_dir).resolve()
    bodies = _bodies(data_root)
    k = st.key(
        "validated",
        code_digest(),
        st.versions(),
        as_of.isoformat(),
        str(data_root),
        st.tree_digest(data_root, frozenset(bodies)),
    )
    digests = {rel: st.file_digest(p) for p, rel in bodies.items()}
    try:
        old = json.loads(store.get("validated", k) or b"null")
    except ValueError:
        old = None
    if isinstance(old, dict):
        changed = {rel for rel, d in digests.items() if old.get(rel) != d}
        ds = load_dataset(data_dir, package=package)
        sub = copy.copy(ds)
        sub.reports = [r for r in ds.reports if r.body in changed]
        if not errors(p for check in body_checks.CHECKS for p in check(sub, set())):
            keep["ds"] = ds
            if changed:
                store.put("validated", k, json.dumps(digests).encode())
            return []
        keep.clear()
    found = errors(validate_package(data_dir, as_of=as_of, keep=keep, pool=pool))
    if not found:
        store.put("validated", k, json.dumps(digests).encode())
        store.keep("validated", {k})
    return found


# -- page modules --------------------------------------------------------------------------


def _doc_to_json(doc: PageDoc) -> dict:
    s = doc.search
    return {
        "path": doc.path,
        "title": doc.title,
        "template": doc.template,
        "html": doc.html,
        "meta": doc.meta,
        "source": doc.source,
        "search": None if s is None else [s.kind, s.title, s.person, s.date, s.text, list(s.places)],
    }


def _doc_from_json(d: dict) -> PageDoc:
    s = d["search"]
    search = None if s is None else SearchEntry(s[0], s[1], s[2], s[3], s[4], tuple(s[5]))
    return PageDoc(d["path"], d["title"], d["template"], d["html"], d["meta"], search, d["source"])


def _encode(docs: list[PageDoc], inputs: dict[str, str]) -> bytes | None:
    """The entry for `docs`, or None when it would not come back exactly (a tuple or a date in
    meta would not round-trip through JSON)."""
    try:
        entry = {"inputs": sorted(inputs.items()), "docs": [_doc_to_json(d) for d in docs]}
        text = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
        if [_doc_from_json(d) for d in json.loads(text)["docs"]] != docs:
            return None
        return text.encode("utf-8", "surrogatepass")
    except (TypeError, ValueError):
        return None


def _decode(data: bytes | None) -> tuple[list[dict], dict[str, str]] | None:
    if data is None:
        return None
    try:
        entry = json.loads(data.decode("utf-8", "surrogatepass"))
        inputs = {str(p): str(d) for p, d in entry["inputs"]}
        return (entry["docs"], inputs) if isinstance(entry["docs"], list) else None
    except (ValueError, KeyError, TypeError):
        return None


def _read(site: SiteContext, run: Callable[[], list[PageDoc] | None]) -> tuple[list[PageDoc] | None, dict[str, str]]:
    """run(), and the files the pages read meanwhile (site.inputs) with their digests."""
    site.inputs.clear()
    docs = run()
    read = {p: st.file_digest(p) for p in sorted(site.inputs)}
    site.inputs.clear()
    return docs, read


def _needs_key(site: SiteContext, mod) -> str:
    """What a module declares it reads besides the data (NEEDS): the staged open data."""
    if "open_data" not in getattr(mod, "NEEDS", ()):
        return ""
    files = sorted((k, (v.size, v.sha256, v.rows)) for k, v in (site.open_data or {}).items())
    return json.dumps([files, site.popolo_size])


# (weak reference to a dataset, digest of its package): one walk per build, and the dataset
# can still be let go (SiteContext.release_data)
_DIGEST: tuple[weakref.ref, str] | None = None


def _data_digest(site: SiteContext) -> str:
    """Digest of the package's files, report bodies by name only (their bytes are inputs of
    the pages that read them), computed once per loaded dataset."""
    global _DIGEST
    if _DIGEST is not None and _DIGEST[0]() is site.ds:
        return _DIGEST[1]
    data_root = Path(site.ds.root).resolve()
    digest = st.tree_digest(data_root, frozenset(_bodies(data_root)))
    try:
        _DIGEST = (weakref.ref(site.ds), digest)
    except TypeError:  # not a Dataset (a test's stand-in): not memoised
        _DIGEST = None
    return digest


def _base_key(site: SiteContext) -> str:
    data_root = Path(site.ds.root).resolve()
    base = st.key(
        "modules",
        code_digest(),
        st.versions(),
        site.as_of.isoformat(),
        str(data_root),
        site.site_url,
        "preview" if site.preview else "",  # the preview's pages include the drafts'
    )
    return st.key(base, _data_digest(site))


def outputs_key(site: SiteContext) -> str:
    """The key of what the output modules that read only the tables read (outputs/registry.py
    TABLES_ONLY): the data but the bodies, the code, the versions, the date and the options."""
    return st.key(_base_key(site), "outputs")


def stored(store: st.Store, site: SiteContext, name: str) -> bool:
    """Has the store an entry for page module `name` (one without NEEDS) under today's inputs?
    Then module_docs reuses it, or updates only the pages whose report body changed."""
    return bool(store) and store.get("modules", st.key(_base_key(site), name, "")) is not None


def module_docs(
    store: st.Store,
    site: SiteContext,
    modules: dict[str, object],
    compute: Callable[[str], list[PageDoc]],
    before: Callable[[object], None],
    last: tuple[str, ...] = (),
) -> tuple[list[PageDoc], dict]:
    """The PageDocs of each page module (in `modules` order): from the store when nothing they
    read changed, else `compute(name)` (then stored). The modules in `last` are computed after
    the others (what they need is being made meanwhile). `before(module)` runs first (it
    provides what the module NEEDS). Returns (docs, {"computed", "reused", "updated": {name: [paths]}})."""
    stats: dict = {"computed": [], "reused": [], "updated": {}}
    base = _base_key(site)
    per: dict[str, list[PageDoc]] = {}
    used = set()
    for name in [n for n in modules if n not in last] + [n for n in modules if n in last]:
        mod = modules[name]
        before(mod)
        k = st.key(base, name, _needs_key(site, mod))
        used.add(k)
        docs = _reuse(store, k, site, mod, stats, name)
        if docs is None:
            docs, read = _read(site, lambda n=name: list(compute(n)))
            stats["computed"].append(name)
            data = _encode(docs, read)
            if data is not None:
                store.put("modules", k, data)
        per[name] = docs
    store.keep("modules", used)
    return [d for name in modules for d in per[name]], stats


def _reuse(store: st.Store, k: str, site: SiteContext, mod, stats: dict, name: str) -> list[PageDoc] | None:
    loaded = _decode(store.get("modules", k))
    if loaded is None:
        return None
    raw, inputs = loaded
    changed = {p for p, d in inputs.items() if st.file_digest(p) != d}
    try:
        if not changed:
            stats["reused"].append(name)
            return [_doc_from_json(d) for d in raw]
        partial = getattr(mod, "pages_for_files", None)
        if partial is None:
            return None
        try:
            new, read = _read(site, lambda: partial(site, changed))
        except Exception:  # noqa: BLE001 - the whole module is computed again, and fails there if it must
            return None
        if new is None:
            return None
        where = {d["path"]: i for i, d in enumerate(raw)}
        paths = [d.path for d in new]
        if len(where) != len(raw) or len(set(paths)) != len(paths) or not all(p in where for p in paths):
            return None  # the pages would not be the same set
        if not changed <= set(read):
            return None  # a changed file none of the new pages read: another page may depend on it
        fresh = dict(zip(paths, new))
        docs = [fresh.get(d["path"]) or _doc_from_json(d) for d in raw]
        data = _encode(docs, {**inputs, **read})
        if data is None:
            return None
        store.put("modules", k, data)
        stats["updated"][name] = paths
        return docs
    except (ValueError, KeyError, TypeError, IndexError):
        return None


# -- rendered pages ------------------------------------------------------------------------


def site_key(site: SiteContext, docs: list[PageDoc], config_file: Path) -> str:
    """Everything besides a PageDoc that shapes a rendered page."""
    cfg = Path(config_file).resolve()
    nav = [(d.path, d.title) for d in docs if in_nav(d.path)]  # rendered into every page
    return st.key(
        "pages",
        st.versions(),
        code_digest(),
        site.as_of.isoformat(),
        st.file_digest(cfg),
        st.tree_digest(cfg.parent / "theme"),
        st.tree_digest(cfg.parent / "content"),
        json.dumps(nav, ensure_ascii=False),
    )


def page_key(skey: str, doc: PageDoc, html: str) -> str:
    meta = json.dumps([doc.path, doc.title, doc.template, doc.meta], ensure_ascii=False, sort_keys=True, default=str)
    return st.key(skey, meta, html)


def render(
    store: st.Store,
    site: SiteContext,
    docs: list[PageDoc],
    tmp: Path,
    config_file: Path,
    render_pages: Callable[[set[str] | None], object],
    html_of: Callable[[PageDoc], str],
) -> dict:
    """Render only the pages whose key is not stored (`render_pages(exclude)` builds into
    `tmp` without the excluded paths), link the others from the store, then store what was
    rendered. Returns counts for the build log."""
    if not store:
        render_pages(None)
        return {"rendered": len(docs), "reused": 0}
    skey = site_key(site, docs, config_file)
    keys = {d.path: page_key(skey, d, html_of(d)) for d in docs}
    stored = store.keys("pages")
    hits = {p for p, k in keys.items() if k in stored}
    render_pages(hits)
    for d in docs:
        dest = os.path.join(tmp, dest_path(d))  # a str: pathlib costs more than the link
        if d.path in hits:
            if not store.link_out("pages", keys[d.path], dest):
                raise GeneratorError(
                    f"构建缓存在构建中被删除，请重新构建 / the store lost {d.path} during the build: build again"
                )
        elif os.path.isfile(dest):
            store.put_file("pages", keys[d.path], dest)
    store.keep("pages", set(keys.values()))
    return {"rendered": len(docs) - len(hits), "reused": len(hits)}
