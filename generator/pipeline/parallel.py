"""Builds on several cores or machines: split the page set by jurisdiction, render the parts
in the worker pool (generator/workers.py) or on separate machines, stitch them into one site.
See docs/scale.md.

- `plan(site, docs, n)` gives each page a partition. Record pages (deputies, reports, stations,
  groups, suggestions, areas) belong to a *unit*: the township (or county, city, province when
  the record sits higher) its record belongs to. The "shared" unit holds everything else (home,
  section indexes, list pages, dashboards, search, open data) and always goes to partition 0,
  which also writes every file that is not a page (theme assets, 404, sitemap). Units are
  packed into n partitions by page count (largest first): the same data, the same plan.
- Every partition's mkdocs run knows every page (same nav, same sitemap) but renders only its
  own (`site_adapter.build_site(render_only=...)`); what it writes besides is removed, so each
  partition folder holds exactly the files it owns, and `stitch` refuses a file produced twice.
- `render_parallel` does it on one machine: one render job per partition in the pool (a job
  file holds what rendering that partition needs: its own and the nav pages' titles and meta,
  every other page's path, where its bodies are on disk), while this process writes the
  output files (search index, feed…).
- Large page sets keep their HTML bodies on disk (`Spool`) instead of in memory; the adapter
  reads each body back just before rendering it.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import pickle
import re
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path

from ..errors import GeneratorError
from ..outputs.registry import OUTPUT_MODULES, PAGES_ONLY, write_all
from ..pages import PageDoc, SiteContext
from ..site_adapter import SiteBuildError, build_site, dest_path, in_nav
from ..workers import Pool

SHARED = "shared"
_RECORD = re.compile(r"^(deputies|reports|stations|groups|suggestions|areas)/([A-Za-z0-9_-]+)(?:\.md$|/)")
_DEPTH = 3  # province 0, city 1, county 2, township 3


def release_free_memory() -> None:
    """Hand freed memory back to the system (glibc keeps freed heap pages otherwise: ~80 MB
    after validation at province scale), so the build's peak does not count it."""
    gc.collect()
    if sys.platform.startswith("linux"):
        try:
            import ctypes  # only here: a Linux-only call

            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):
            pass


# -- the plan -------------------------------------------------------------------------------


def _units(site: SiteContext) -> dict[tuple[str, str], str]:
    """(kind, record id) → unit key (an area id at township depth or above)."""
    ds = site.ds
    depth_cache: dict[str | None, tuple[int, str]] = {}

    def unit(area_id: str | None) -> tuple[int, str]:
        if area_id not in depth_cache:
            path = ds.area_path(area_id) if area_id else []
            depth_cache[area_id] = (len(path), path[min(len(path), _DEPTH + 1) - 1].id) if path else (0, SHARED)
        return depth_cache[area_id]

    congress_area = {c.id: c.area_id for c in ds.congresses}
    mandate_unit = {m.id: unit(congress_area.get(m.congress_id)) for m in ds.mandates}
    deputy_unit: dict[str, tuple[int, str]] = {}
    for m in ds.mandates:  # a deputy goes with the deepest (most local) of their mandates
        u = mandate_unit[m.id]
        if m.deputy_id not in deputy_unit or u > deputy_unit[m.deputy_id]:
            deputy_unit[m.deputy_id] = u
    out: dict[tuple[str, str], str] = {}
    for d in ds.deputies:
        out[("deputies", d.id)] = deputy_unit.get(d.id, (0, SHARED))[1]
    for r in ds.reports:
        out[("reports", r.id)] = mandate_unit.get(r.mandate_id, (0, SHARED))[1]
    for s in ds.stations:
        out[("stations", s.id)] = unit(s.area_id)[1]
    for g in ds.groups:
        out[("groups", g.id)] = unit(g.area_id or congress_area.get(g.congress_id))[1]
    for s in ds.suggestions:
        out[("suggestions", s.id)] = unit(congress_area.get(s.congress_id))[1]
    for a in ds.areas:
        out[("areas", a.id)] = unit(a.id)[1]
    return out


def unit_of(doc: PageDoc, units: dict[tuple[str, str], str]) -> str:
    m = _RECORD.match(doc.path)
    if not m:
        return SHARED
    return units.get((m.group(1), m.group(2)), SHARED)


def plan(site: SiteContext, docs: list[PageDoc], n: int) -> list[int]:
    """The partition (0..n-1) of each doc, in doc order. The shared unit is in partition 0."""
    if n < 1:
        raise ValueError("need at least one partition")
    units = _units(site)
    doc_units = [unit_of(d, units) for d in docs]
    sizes: dict[str, int] = {}
    for u in doc_units:
        sizes[u] = sizes.get(u, 0) + 1
    load = [0] * n
    where: dict[str, int] = {SHARED: 0}
    load[0] = sizes.pop(SHARED, 0)
    for u, size in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])):
        k = min(range(n), key=lambda i: (load[i], i))
        where[u] = k
        load[k] += size
    return [where[u] for u in doc_units]


def parse_partition(text: str) -> tuple[int, int]:
    """ "K/N" (1-based K, as CI matrices count) → (k, n) with 0-based k."""
    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise ValueError(f"partition must be K/N, e.g. 1/4: {text!r}") from None
    if not 1 <= k <= n:
        raise ValueError(f"partition K/N needs 1 <= K <= N: {text!r}")
    return k - 1, n


# -- HTML bodies on disk --------------------------------------------------------------------


class Spool:
    """Page bodies in one append-only file; `docs` keep html="" and `reader()` reads them back."""

    def __init__(self, folder: Path, name: str = "pages.spool") -> None:
        # in the build's work folder, next to the site (not in /tmp, which may be memory)
        self.path = Path(folder) / name
        self._f = open(self.path, "wb")
        self.index: dict[str, tuple[int, ...]] = {}  # key → (offset, size[, search text size])
        self._pos = 0

    def add(self, key: str, text: str) -> None:
        data = text.encode("utf-8")
        self._f.write(data)
        self.index[key] = (self._pos, len(data))
        self._pos += len(data)

    def put(self, doc: PageDoc) -> PageDoc:
        """Spool the page's body and its search text (the reader's `search_text`): at province
        scale the search texts are about half a gigabyte the parent would hold while rendering."""
        s = doc.search
        html, text = doc.html.encode("utf-8"), (s.text if s is not None else "").encode("utf-8")
        self._f.write(html)
        self._f.write(text)
        self.index[doc.path] = (self._pos, len(html), len(text))
        self._pos += len(html) + len(text)
        return dataclasses.replace(doc, html="", search=None if s is None else dataclasses.replace(s, text=""))

    def close_writing(self) -> None:
        self._f.close()

    def reader(self) -> SpoolReader:
        """A picklable reader of the bodies (after `close_writing`)."""
        return SpoolReader(self.path, self.index)

    def discard(self) -> None:
        if not self._f.closed:
            self._f.close()
        self.path.unlink(missing_ok=True)


class SpoolReader:
    """`reader(path)` reads one page body back from a spool file. Picklable (path and index,
    no open file), so a render process gets one for its own pages (`subset`)."""

    def __init__(self, path: Path | str, index: dict[str, tuple[int, ...]]) -> None:
        self.path, self.index = str(path), index
        self._fd: int | None = None

    def __call__(self, path: str) -> str:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDONLY)
        off, size = self.index[path][:2]
        return os.pread(self._fd, size, off).decode("utf-8")

    def search_text(self, path: str) -> str:
        """The search text `Spool.put` kept after the page's body ("" if none)."""
        entry = self.index.get(path)
        if entry is None or len(entry) < 3 or not entry[2]:
            return ""
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDONLY)
        return os.pread(self._fd, entry[2], entry[0] + entry[1]).decode("utf-8")

    def subset(self, paths: Iterable[str]) -> SpoolReader:
        return SpoolReader(self.path, {p: self.index[p] for p in paths if p in self.index})

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __getstate__(self) -> dict:
        return {"path": self.path, "index": self.index}

    def __setstate__(self, state: dict) -> None:
        self.path, self.index, self._fd = state["path"], state["index"], None

    def __del__(self) -> None:
        self.close()


# -- rendering and stitching ----------------------------------------------------------------


def render_partition(
    site: SiteContext,
    docs: list[PageDoc],
    parts: list[int],
    k: int,
    out: Path,
    config_file: Path,
    html_loader=None,
    exclude: set[str] | None = None,
) -> list[str]:
    """Render partition k into `out` (created); returns the files it holds. Partition 0 keeps
    every non-page file (theme assets, sitemap, 404). Pages in `exclude` are not rendered
    (the store supplies them)."""
    mine = {d.path for d, p in zip(docs, parts) if p == k} - (exclude or set())
    build_site(site, docs, out, config_file, render_only=mine, html_loader=html_loader)
    if k != 0:
        keep = {dest_path(d) for d, p in zip(docs, parts) if p == k}
        for root, _dirs, names in os.walk(out, topdown=False):
            for n in names:
                rel = os.path.relpath(os.path.join(root, n), out).replace(os.sep, "/")
                if rel not in keep:
                    os.unlink(os.path.join(root, n))
            if root != str(out) and not os.listdir(root):
                os.rmdir(root)
    return sorted(_files(out))


def _files(root: Path) -> Iterable[str]:
    for r, _dirs, names in os.walk(root):
        for n in names:
            yield os.path.relpath(os.path.join(r, n), root).replace(os.sep, "/")


class StitchError(GeneratorError):
    pass


def stitch(parts: list[Path], out: Path, *, move: bool = True, count: bool = True) -> int:
    """Merge partition folders into `out` (which must be absent or empty). A file produced by
    two partitions is an error, found before anything is written. Returns the number of files
    (without `count`, of the files moved one by one only: the build does not need it).

    With `move`, a folder only one partition has is moved whole (one rename: a province's
    320,000 page folders are mostly such), so the parts are left nearly empty."""
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise StitchError(f"{out} is not empty")
    if not move:
        owner: dict[str, Path] = {}
        for part in parts:
            for rel in _files(part):
                if rel in owner:
                    raise StitchError(f"{rel} is produced by both {owner[rel]} and {part}")
                owner[rel] = part
        for rel, part in sorted(owner.items()):
            dst = out / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(part / rel, dst)
        return len(owner)
    moves: list[tuple[Path, Path]] = []
    n = _merge_plan([Path(p) for p in parts], out, "", moves, count)
    for src, dst in moves:
        os.replace(src, dst)
    return n


def _merge_plan(
    roots: list[Path],
    dst: Path,
    rel: str,
    moves: list[tuple[Path, Path]],
    count_files: bool = True,
    placed: Path | None = None,
) -> int:
    """Plan the moves that merge the folders `roots` into `dst` (writing nothing); returns the
    number of files (0 for a folder moved whole unless `count_files`: counting walks every file
    of the site, some 20 s at province scale). `placed` is a folder whose entries will already
    be in `dst` (moved there whole): they stay, the others join them. An entry only one root
    has moves whole; of a folder several roots have, the first moves whole and the others'
    entries join it (a deputy's page folder and its feed: one rename each, no new folder); a
    file several roots have is an error."""
    entries: dict[str, list[tuple[bool, os.DirEntry]]] = {}
    for root in ([placed] if placed is not None else []) + roots:
        with os.scandir(root) as it:
            for e in it:
                entries.setdefault(e.name, []).append((root is placed, e))
    count = 0
    for name in sorted(entries):
        found = [e for _, e in entries[name]]
        if len(found) == 1:
            e = found[0]
            if not entries[name][0][0]:
                moves.append((Path(e.path), dst / name))
            count += (_count_files(e) if count_files else 0) if e.is_dir(follow_symlinks=False) else 1
            continue
        if not all(e.is_dir(follow_symlinks=False) for e in found):
            where = [str(Path(e.path).parent) for e in found]
            raise StitchError(f"{rel}{name} is produced by both {where[0]} and {where[1]}")
        base, others = Path(found[0].path), [Path(e.path) for e in found[1:]]
        if not entries[name][0][0]:  # not in `placed`: the first root's folder moves whole
            moves.append((base, dst / name))
        count += _merge_plan(others, dst / name, f"{rel}{name}/", moves, count_files, base)
    return count


def _count_files(entry: os.DirEntry) -> int:
    n = 0
    with os.scandir(entry.path) as it:
        for e in it:
            n += _count_files(e) if e.is_dir(follow_symlinks=False) else 1
    return n


def move_into(src: Path, dst: Path, rel: str = "") -> None:
    """Move the tree `src` into `dst`: a folder `dst` lacks is moved whole (one rename, not one
    per file); a file both hold is an error, as in `stitch`."""
    for entry in sorted(os.listdir(src)):
        s, d = src / entry, dst / entry
        if not os.path.lexists(d):
            os.replace(s, d)
        elif s.is_dir() and not s.is_symlink() and d.is_dir() and not d.is_symlink():
            move_into(s, d, f"{rel}{entry}/")
        else:
            raise StitchError(f"{rel}{entry} is produced by both the pages and the outputs")


def render_parallel(
    pool: Pool,
    site: SiteContext,
    docs: list[PageDoc],
    out: Path,
    work: Path,
    config_file: Path,
    jobs: int,
    place_staged,
    html_loader=None,
    exclude: set[str] | None = None,
    store=None,
    key: str | None = None,
) -> None:
    """Render `jobs` partitions in the pool and stitch them into `out`; meanwhile this process
    writes the output modules' files and `place_staged(folder)` puts the staged open data
    there. The dataset is let go (`site.release_data()`) once the outputs that read it are
    written, before the search index (the longest output) is built. Raises SiteBuildError."""
    parts = plan(site, docs, jobs)
    futures = [
        pool.submit(render_job, _write_job(site, docs, parts, k, work, config_file, html_loader, exclude))
        for k in range(jobs)
    ]
    outputs_dir = work / "outputs"
    outputs_dir.mkdir()
    place_staged(outputs_dir)
    write_all(site, docs, outputs_dir, [m for m in OUTPUT_MODULES if m not in PAGES_ONLY], store, key)
    site.release_data()
    release_free_memory()
    write_all(site, docs, outputs_dir, [m for m in OUTPUT_MODULES if m in PAGES_ONLY])
    failed = [msg for msg in (f.result() for f in futures) if msg]
    if failed:
        raise SiteBuildError("; ".join(failed))
    stitch([work / f"part-{k}" for k in range(jobs)] + [outputs_dir], out, count=False)


def _write_job(site, docs, parts, k, work: Path, config_file: Path, html_loader, exclude) -> str:
    """Partition k's job file: what rendering it needs, no more (not the dataset)."""
    light: list[PageDoc] = []
    mine: list[str] = []
    for d, p in zip(docs, parts):
        if p == k or in_nav(d.path):  # rendered here, or in every page's nav: title and meta needed
            html = d.html
            if p == k:
                mine.append(d.path)
                if html_loader is not None and not isinstance(html_loader, SpoolReader):
                    html = html_loader(d.path)
            light.append(dataclasses.replace(d, html=html, search=None))
        else:  # another partition's page: its path (links, sitemap) is all this one needs
            light.append(PageDoc(d.path, "", "", ""))
    loader = html_loader.subset(mine) if isinstance(html_loader, SpoolReader) else None
    skip = {p for p in mine if p in exclude} if exclude else None
    job = work / f"job-{k}.pickle"  # our own objects, read back only by render_job
    with open(job, "wb") as f:
        pickle.dump((site.as_of, light, parts, k, work, config_file, loader, skip), f, protocol=pickle.HIGHEST_PROTOCOL)
    return str(job)


def render_job(job: str) -> str | None:
    """In a worker: render one partition into work/part-k. Returns None, or on failure a text
    safe to show (never a traceback that may quote data)."""
    with open(job, "rb") as f:
        as_of, docs, parts, k, work, config_file, loader, exclude = pickle.load(f)
    os.unlink(job)
    # the renderer reads only the date of the site context; the dataset stays with the parent
    site = SiteContext(ds=None, as_of=as_of)  # type: ignore[arg-type]
    try:
        render_partition(site, docs, parts, k, work / f"part-{k}", config_file, html_loader=loader, exclude=exclude)
    except Exception as e:  # noqa: BLE001 - reported to the parent as text
        return str(e) if isinstance(e, GeneratorError) else f"partition {k}: {type(e).__name__}"
    return None


def stitch_command(parts: list[Path], out: Path, copy: bool = False) -> int:
    """`python -m generator stitch --out SITE PART...`: merge partition folders into one site."""
    if out.exists():
        print(f"错误 error: {out} 已存在 / already exists", file=sys.stderr)
        return 1
    try:
        n = stitch(parts, out, move=not copy)
    except StitchError as e:
        print(f"拼接失败 / stitch failed: {e}", file=sys.stderr)
        shutil.rmtree(out, ignore_errors=True)
        return 1
    print(f"已拼接 stitched {len(parts)} partitions into {out}: {n} files")
    return 0
