"""Build caches under `.cache/` (gitignored): work whose inputs did not change is not redone.

- `memo(namespace, fn, files, *args)`: a function result keyed by the generator's source code,
  the package versions, the arguments and the bytes of the files it reads (validation: each
  table's frictionless check, the descriptor check).
- `PageCache`: rendered pages keyed by a hash of everything that goes into them — the PageDoc
  (path, title, template, meta, body HTML) plus a site-wide key (mkdocs.yml, every theme file,
  the adapter's source, mkdocs and Material versions, the nav, hand-written pages, the as-of
  date). A page whose key is cached is copied from the cache instead of rendered by mkdocs, so
  an incremental build writes the same bytes as a clean one (tests/test_incremental.py).

`DEPUTY_SITE_CACHE=off` disables every cache; `DEPUTY_SITE_CACHE=DIR` moves it. Cache files
are only ever read back by this module (pickles are our own results, never downloaded data).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FORMAT = "1"


def cache_root() -> Path | None:
    value = os.environ.get("DEPUTY_SITE_CACHE", "").strip()
    if value.lower() in ("off", "0", "no", "false"):
        return None
    return Path(value) if value else ROOT / ".cache"


def _versions() -> str:
    out = []
    for dist in ("mkdocs", "mkdocs-material", "frictionless", "Jinja2", "Markdown"):
        try:
            out.append(f"{dist}={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            out.append(f"{dist}=-")
    return ",".join(out)


_VERSIONS: str | None = None


def versions() -> str:
    global _VERSIONS
    if _VERSIONS is None:
        _VERSIONS = _versions()
    return _VERSIONS


def file_digest(path: Path | str) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError as e:
        h.update(f"unreadable:{type(e).__name__}".encode())
    return h.hexdigest()


_CODE: str | None = None


def code_digest() -> str:
    """A digest of the generator's own Python source (any code change invalidates memo results)."""
    global _CODE
    if _CODE is None:
        h = hashlib.sha256()
        pkg = Path(__file__).resolve().parent
        for p in sorted(pkg.rglob("*.py")):
            h.update(p.relative_to(pkg).as_posix().encode() + b"\0" + file_digest(p).encode())
        _CODE = h.hexdigest()
    return _CODE


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def memo(namespace: str, fn: Callable, files: Iterable[Path | str], *args: Any) -> Any:
    """fn(*args), cached by fn's source, versions, repr(args) and the bytes of `files`."""
    root = cache_root()
    if root is None:
        return fn(*args)
    import inspect

    h = hashlib.sha256()
    for part in (FORMAT, namespace, fn.__module__, fn.__qualname__, versions(), repr(args)):
        h.update(part.encode("utf-8", "surrogatepass") + b"\0")
    src = inspect.getsourcefile(fn)
    h.update(file_digest(src).encode() if src else b"-")
    h.update(code_digest().encode())  # messages and helpers live in other modules of the package
    for f in files:
        h.update(str(f).encode("utf-8", "surrogatepass") + b"\0" + file_digest(f).encode())
    path = root / "memo" / namespace / (h.hexdigest() + ".pickle")
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass
    result = fn(*args)
    try:
        _atomic_write(path, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    except (OSError, pickle.PicklingError, TypeError):
        pass
    return result


# -- rendered pages ----------------------------------------------------------------------------


def _tree_digest(h, folder: Path) -> None:
    if not folder.is_dir():
        h.update(b"absent\0")
        return
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for n in sorted(names):
            p = Path(root) / n
            h.update(p.relative_to(folder).as_posix().encode() + b"\0" + file_digest(p).encode())


def site_key(site, docs, config_file: Path | None = None) -> str:
    """Everything besides a PageDoc that shapes a rendered page."""
    from . import site_adapter

    cfg = Path(config_file or site_adapter.CONFIG_FILE)
    h = hashlib.sha256()
    h.update(f"{FORMAT}|{versions()}|{site.as_of.isoformat()}".encode())
    h.update(file_digest(cfg).encode())
    h.update(file_digest(site_adapter.__file__).encode())
    base = cfg.resolve().parent
    for folder in ("theme", "content"):
        _tree_digest(h, base / folder)
    # the nav (home and section pages, with their titles) is rendered into every page
    nav = [(d.path, d.title) for d in docs if site_adapter.in_nav(d.path)]
    h.update(json.dumps(nav, ensure_ascii=False).encode())
    return h.hexdigest()


def page_key(skey: str, doc, html: str) -> str:
    h = hashlib.sha256(skey.encode())
    h.update(
        json.dumps(
            [doc.path, doc.title, doc.template, doc.meta], ensure_ascii=False, sort_keys=True, default=str
        ).encode("utf-8", "surrogatepass")
    )
    h.update(b"\0")
    h.update(html.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


class PageCache:
    """Rendered pages by key: `<root>/pages/<key[:2]>/<key>.html`. After each build only the
    keys that build used are kept (`prune`), so the cache holds at most one site."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "pages"
        self._listed: set[str] | None = None

    def _file(self, key: str) -> Path:
        return self.dir / key[:2] / (key + ".html")

    def listed(self) -> set[str]:
        """The keys cached when first asked (one listing per folder: 257 calls, not one stat a page)."""
        if self._listed is None:
            keys: set[str] = set()
            try:
                subs = os.listdir(self.dir)
            except OSError:
                subs = []
            for sub in subs:
                try:
                    keys.update(n[:-5] for n in os.listdir(os.path.join(self.dir, sub)) if n.endswith(".html"))
                except OSError:
                    pass
            self._listed = keys
        return self._listed

    def has(self, key: str) -> bool:
        return key in self.listed() or self._file(key).is_file()

    # Files are hard-linked between the cache and the site (no bytes copied): nothing in the
    # build writes into an existing file (every build writes a fresh folder), and a cached file
    # is never changed, only replaced or removed. Copies where links are not possible.

    def copy_out(self, key: str, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(self._file(key), dest)
        except OSError:
            shutil.copyfile(self._file(key), dest)

    def store(self, key: str, src: Path) -> None:
        f = self._file(key)
        if f.is_file():
            return
        f.parent.mkdir(parents=True, exist_ok=True)
        tmp = f.with_name(f".tmp-{os.getpid()}-{f.name}")
        try:
            os.link(src, tmp)
        except OSError:
            shutil.copyfile(src, tmp)
        os.replace(tmp, f)

    def prune(self, keep: set[str]) -> None:
        try:
            subs = os.listdir(self.dir)
        except OSError:
            return
        for sub in subs:
            folder = os.path.join(self.dir, sub)
            try:
                names = os.listdir(folder)
            except OSError:  # not a folder
                continue
            for n in names:
                if n.endswith(".html") and n[:-5] not in keep:
                    try:
                        os.unlink(os.path.join(folder, n))
                    except FileNotFoundError:
                        pass


def cached_render(
    site, docs, tmp: Path, render: Callable[[set[str] | None], Any], html_of: Callable, around: Callable | None = None
) -> dict:
    """Render only the pages whose key is not cached (`render(exclude)` builds into `tmp`
    without the excluded paths), copy the others from the cache, then cache what was rendered.
    `around(hits)`, if given, is a context manager both steps run in (partition.OutputsBeside).
    Returns counts for the build log."""
    import contextlib

    from .partition import dest_path

    root = cache_root()
    if root is None:
        render(None)
        return {"rendered": len(docs), "reused": 0}
    cache = PageCache(root)
    skey = site_key(site, docs)
    keys = {d.path: page_key(skey, d, html_of(d)) for d in docs}
    hits = {p for p, k in keys.items() if cache.has(k)}
    with around(hits) if around is not None else contextlib.nullcontext():
        render(hits)
        for d in docs:
            dest = tmp / dest_path(d)
            if d.path in hits:
                cache.copy_out(keys[d.path], dest)
            elif dest.is_file():
                cache.store(keys[d.path], dest)
    cache.prune(set(keys.values()))
    return {"rendered": len(docs) - len(hits), "reused": len(hits)}


# -- pure text functions (Markdown → safe HTML) ---------------------------------------------------


class StrMemo:
    """A persistent memo of a pure str → str function: `<root>/memo/<name>.pickle`, loaded on
    first use and saved when the process exits normally. Keys are hashes of the generator's
    source, the package versions and the input, so a code change starts afresh. Small sites
    only (MAX entries): at province scale the memo would cost more memory than it saves."""

    MAX = 20000

    def __init__(self, path: Path) -> None:
        self.path = path
        self.salt = (code_digest() + versions()).encode()
        try:
            with open(path, "rb") as f:
                self.old: dict[str, str] = pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
            self.old = {}
        if len(self.old) > self.MAX:
            self.old = {}
        self.used: dict[str, str] = {}
        self.hits = self.misses = 0

    def get(self, text: str, compute: Callable[[], str]) -> str:
        key = hashlib.sha256(self.salt + text.encode("utf-8", "surrogatepass")).hexdigest()
        value = self.used.get(key)
        if value is None:
            value = self.old.get(key)
            if value is None:
                value = compute()
                self.misses += 1
            else:
                self.hits += 1
            if len(self.used) < self.MAX:
                self.used[key] = value
        return value

    def save(self) -> None:
        if not self.misses or len(self.used) >= self.MAX:
            return  # nothing new, or too big to keep
        keep = dict(self.old)
        keep.update(self.used)
        if len(keep) > 2 * len(self.used) + 1000:  # mostly stale: keep what this run used
            keep = self.used
        try:
            _atomic_write(self.path, pickle.dumps(keep, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass


_STR_MEMOS: dict[str, StrMemo] = {}


def str_memo(name: str) -> StrMemo | None:
    """The process-wide memo `name`, or None when caching is off."""
    memo = _STR_MEMOS.get(name)
    if memo is None:
        root = cache_root()
        if root is None:
            return None
        import atexit

        memo = _STR_MEMOS[name] = StrMemo(root / "memo" / f"{name}.pickle")
        pid = os.getpid()
        atexit.register(lambda: memo.save() if os.getpid() == pid else None)
    return memo


# -- computed pages, per page module -----------------------------------------------------------
#
# A page module's PageDocs are kept in `<root>/modules/<name>-<key>.json`. The key covers the
# generator's whole source tree (templates too), the package versions, the as-of date and every
# file of the data package except the report bodies (names of all files, bytes of all but the
# bodies). The files a module opened while it ran (report bodies, anything outside the
# generator and the Python installation) are recorded with their digests in the entry and
# checked before it is reused, so editing one report body recomputes only the modules that
# read that body, not the deputies, groups, stations… pages; and a module that declares
# `pages_for_files` (reports) recomputes only the pages that read the changed files.
# JSON, not pickle: a cache entry is data, never code; an entry that would not round-trip
# exactly through JSON (a tuple, a date in meta) is simply not stored.

_TREE: str | None = None


def generator_tree_digest() -> str:
    """Every file of the generator package (Python source, jinja templates, data files)."""
    global _TREE
    if _TREE is None:
        h = hashlib.sha256()
        _tree_digest_filtered(h, Path(__file__).resolve().parent)
        _TREE = h.hexdigest()
    return _TREE


def _tree_digest_filtered(h, folder: Path) -> None:
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for n in sorted(names):
            if n.endswith((".pyc", ".pyo")):
                continue
            p = Path(root) / n
            h.update(
                p.relative_to(folder).as_posix().encode("utf-8", "surrogatepass") + b"\0" + file_digest(p).encode()
            )


def data_digest(root: Path, skip_bytes: set[str]) -> str:
    """Names of every file under `root`, and the bytes of each one not in `skip_bytes`
    (normalized absolute paths under `root`; a symlink's target is always hashed)."""
    h = hashlib.sha256()
    root = Path(root)
    for r, dirs, names in os.walk(root):
        dirs.sort()
        for n in sorted(names):
            p = os.path.join(r, n)
            rel = os.path.relpath(p, root).replace(os.sep, "/")
            h.update(rel.encode("utf-8", "surrogatepass") + b"\0")
            if p in skip_bytes and not os.path.islink(p):
                h.update(b"body\0")
            else:
                h.update(file_digest(p).encode() + (b"L" if os.path.islink(p) else b"F"))
    return h.hexdigest()


class _OpenLog:
    """Files opened by this process while recording (a sys.addaudithook hook, installed once)."""

    installed = False
    paths: list | None = None

    @classmethod
    def hook(cls, event: str, args) -> None:
        if cls.paths is not None and event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
            cls.paths.append(os.fsdecode(args[0]))

    @classmethod
    def start(cls) -> None:
        if not cls.installed:
            import sys

            sys.addaudithook(cls.hook)
            cls.installed = True
        cls.paths = []

    @classmethod
    def stop(cls) -> list[str]:
        paths, cls.paths = cls.paths or [], None
        return paths


def _ignored_prefixes() -> tuple[str, ...]:
    """Opened files that are not a module's inputs: the generator package (covered by
    generator_tree_digest), the Python installation, and this cache itself (the Markdown memo
    is loaded while a module runs; it holds results of a pure function, never an input)."""
    import sys
    import sysconfig

    out = {str(Path(__file__).resolve().parent) + os.sep}
    for p in (
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        sys.base_exec_prefix,
        sysconfig.get_paths().get("purelib"),
        sysconfig.get_paths().get("platlib"),
        cache_root(),
    ):
        if p:
            out.add(os.path.realpath(p) + os.sep)
    return tuple(sorted(out))


def _doc_to_json(doc) -> dict:
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


def _doc_from_json(d: dict):
    from .pages import PageDoc, SearchEntry

    s = d["search"]
    search = (
        None if s is None else SearchEntry(kind=s[0], title=s[1], person=s[2], date=s[3], text=s[4], places=tuple(s[5]))
    )
    return PageDoc(
        path=d["path"],
        title=d["title"],
        template=d["template"],
        html=d["html"],
        meta=d["meta"],
        search=search,
        source=d["source"],
    )


def _load_entry(path: Path) -> tuple[dict, dict[str, str]] | None:
    """A stored module entry and its recorded files (path → digest), or None."""
    try:
        with open(path, "rb") as f:  # bytes, decoded at once: faster than a text stream here
            entry = json.loads(f.read().decode("utf-8", "surrogatepass"))
        deps = {p: d for p, d in entry["deps"]}
        if not (
            isinstance(entry["docs"], list) and all(isinstance(p, str) and isinstance(d, str) for p, d in deps.items())
        ):
            return None
        return entry, deps
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def _opened_deps(opened: list[str], skip: tuple[str, ...], known: dict[str, str]) -> dict[str, str]:
    """The files in `opened` that are inputs (not under `skip`), with digests (`known` ones as given)."""
    deps: dict[str, str] = {}
    for p in opened:
        ap = os.path.realpath(p)
        if ap not in deps and not ap.startswith(skip) and os.path.isfile(ap):
            deps[ap] = known[ap] if ap in known else file_digest(ap)
    return deps


def _page_module_partial(name: str) -> Callable | None:
    """`pages_for_files` of the page module generator/pages/<name>.py, if it declares one."""
    import importlib

    try:
        mod = importlib.import_module(f"{__package__}.pages.{name}")
    except ImportError:
        return None
    fn = getattr(mod, "pages_for_files", None)
    return fn if callable(fn) else None


def module_docs(
    site,
    names: Iterable[str],
    compute: Callable[[str], list],
    partial: Callable[[str], Callable | None] | None = _page_module_partial,
) -> tuple[list, dict]:
    """The PageDocs of each page module in `names` (in order): from the cache when nothing they
    read changed, else `compute(name)` (then cached).

    Between the two: a module may declare `pages_for_files(site, files)` (`partial(name)` finds
    it), a promise that each of its pages reads, besides what the key covers, at most its own
    files, so that given the changed files (absolute real paths) it can return exactly the pages
    that read them, as a full run would make them, or None when it cannot tell. When the key
    matches and only some recorded files changed, those pages are computed again and put in
    place of the stored ones (same paths, same order); anything unexpected (None, an error, a
    page not stored before, a changed file it did not read) computes the whole module.

    Returns (docs, {"computed": [names], "reused": [names], "updated": {name: [page paths]}})."""
    root = cache_root()
    names = list(names)
    stats: dict = {"computed": [], "reused": [], "updated": {}}
    if root is None:
        out = []
        for n in names:
            out.extend(compute(n))
        stats["computed"] = names
        return out, stats
    data_root = Path(site.ds.root).resolve()
    # Bodies are read while modules run (recorded, checked by digest); the tables, read before,
    # are always in the key, even under a body path (the validator refuses one; this holds without)
    tables = {
        os.path.normpath(os.path.join(data_root, t.path))
        for t in getattr(getattr(site.ds, "package", None), "tables", {}).values()
        if getattr(t, "path", None)
    }
    bodies = set()
    for r in site.ds.reports:
        if r.body:
            try:
                bodies.add(os.path.normpath(os.path.join(data_root, r.body)))
            except (ValueError, OSError):
                pass
    bodies -= tables
    base = hashlib.sha256()
    for part in (
        FORMAT,
        "modules",
        generator_tree_digest(),
        versions(),
        site.as_of.isoformat(),
        str(data_root),
        data_digest(data_root, bodies),
    ):
        base.update(part.encode("utf-8", "surrogatepass") + b"\0")
    folder = root / "modules"
    skip = _ignored_prefixes()
    out: list = []
    for name in names:
        key = hashlib.sha256(base.digest() + name.encode()).hexdigest()
        path = folder / f"{name}-{key}.json"
        loaded = _load_entry(path)
        if loaded is not None:
            entry, deps = loaded
            changed = {p: d for p, d in ((p, file_digest(p)) for p in deps) if d != deps[p]}
            docs = None
            try:
                if not changed:
                    docs = [_doc_from_json(d) for d in entry["docs"]]
                    stats["reused"].append(name)
                else:
                    fn = partial(name) if partial is not None else None
                    updated = _update_module(site, fn, entry, deps, changed, skip, path) if fn else None
                    if updated is not None:
                        docs, stats["updated"][name] = updated
            except (ValueError, KeyError, TypeError, IndexError):
                docs = None
            if docs is not None:
                out.extend(docs)
                continue
        _OpenLog.start()
        try:
            docs = list(compute(name))
        finally:
            opened = _OpenLog.stop()
        stats["computed"].append(name)
        out.extend(docs)
        _store_module(folder, name, path, docs, sorted(_opened_deps(opened, skip, {}).items()))
    return out, stats


def _update_module(
    site, fn: Callable, entry: dict, deps: dict[str, str], changed: dict[str, str], skip: tuple[str, ...], path: Path
) -> tuple[list, list[str]] | None:
    """(the stored docs with the pages that read `changed` computed again by `fn`, their paths),
    the entry rewritten with the new pages and digests; None when that cannot be done safely."""
    _OpenLog.start()
    try:
        new = fn(site, set(changed))
        new = None if new is None else list(new)
    except Exception:  # noqa: BLE001 - the whole module is computed again, and fails there if it must
        new = None
    finally:
        opened = _OpenLog.stop()
    if new is None:
        return None
    raw = entry["docs"]
    where = {d["path"]: i for i, d in enumerate(raw)}
    paths = [d.path for d in new]
    if len(where) != len(raw) or len(set(paths)) != len(paths) or not all(p in where for p in paths):
        return None  # the pages would not be the same set
    # the digests taken before `fn` read the files: an edit made meanwhile is seen next time
    read = _opened_deps(opened, skip, {**deps, **changed})
    if not set(changed) <= set(read):
        return None  # a changed file none of the new pages read: some other page may depend on it
    encoded = [_doc_to_json(d) for d in new]
    if [_doc_from_json(d) for d in json.loads(json.dumps(encoded, ensure_ascii=False))] != new:
        return None
    fresh = dict(zip(paths, new))
    for p, d in zip(paths, encoded):
        raw[where[p]] = d
    docs = [fresh.get(d["path"]) or _doc_from_json(d) for d in raw]
    new_deps = {**deps, **read}
    try:
        text = json.dumps({"deps": sorted(new_deps.items()), "docs": raw}, ensure_ascii=False, separators=(",", ":"))
        _atomic_write(path, text.encode("utf-8", "surrogatepass"))
    except (TypeError, ValueError, OSError):
        pass
    return docs, paths


def _store_module(folder: Path, name: str, path: Path, docs: list, deps: list) -> None:
    try:
        encoded = [_doc_to_json(d) for d in docs]
        text = json.dumps({"deps": deps, "docs": encoded}, ensure_ascii=False, separators=(",", ":"))
        # store only what comes back exactly (a tuple or a date in meta would not)
        if [_doc_from_json(d) for d in json.loads(text)["docs"]] != docs:
            return
        _atomic_write(path, text.encode("utf-8", "surrogatepass"))
    except (TypeError, ValueError, OSError):
        return
    for old in folder.glob(f"{name}-*.json"):  # one entry per module: the last build's
        if old != path:
            old.unlink(missing_ok=True)
