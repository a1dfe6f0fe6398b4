"""Partitioned builds: split the page set by jurisdiction, render partitions in separate
processes (or on separate machines), stitch the outputs into one site. See docs/scale.md.

- `plan(site, docs, n)` gives each page a partition. Record pages (deputies, reports, stations,
  groups, suggestions, areas) belong to a *unit*: the township (or county, city, province when
  the record sits higher) its record belongs to. The "shared" unit holds everything else (home,
  section indexes, list pages, dashboards, search, open data) and always goes to partition 0,
  which also writes every file that is not a page (theme assets, 404, sitemap, search index,
  open data, feed). Units are packed into n partitions by page count (largest first), so the
  plan is deterministic for the same data.
- Every partition's mkdocs run knows every page (same nav, same sitemap) but renders only its
  own (`site_adapter.build_site(render_only=...)`); what it writes besides is removed, so each
  partition folder holds exactly the files it owns, and `stitch` refuses a file produced twice.
- `build_parallel` does it on one machine: after the pages are computed, the process starts
  one worker per partition (a fresh interpreter that reads only its partition's pages from a
  job file, see `_start_worker`), and writes the output files (search index, open data…)
  itself while the workers render.
- Large page sets keep their HTML bodies on disk (`Spool`) instead of in memory; the adapter
  reads each body back just before rendering it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import os
import re
import shutil
import sys
import tempfile
import traceback
from collections.abc import Iterable
from pathlib import Path

from .pages import PageDoc, SiteContext, all_pages

SHARED = "shared"
# Above this many pages a build uses two processes (below it, forking and stitching cost more
# than the second core saves) and spools HTML bodies to disk.
PARALLEL_PAGES = 6000
SPOOL_PAGES = 20000
_RECORD = re.compile(r"^(deputies|reports|stations|groups|suggestions|areas)/([A-Za-z0-9_-]+)(?:\.md$|/)")
_DEPTH = 3  # province 0, city 1, county 2, township 3


def dest_path(doc: PageDoc) -> str:
    """The file a generated page is written to (directory URLs)."""
    return doc.url + "index.html"


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

    def __init__(self, folder: Path) -> None:
        # on disk next to the site (not in /tmp, which may be memory); ".site-*/" is gitignored
        self.dir = Path(tempfile.mkdtemp(prefix=".site-spool-", dir=folder))
        self.path = self.dir / "pages.spool"
        self._f = open(self.path, "wb")
        self.index: dict[str, tuple[int, int]] = {}
        self._pos = 0

    def put(self, doc: PageDoc) -> PageDoc:
        data = doc.html.encode("utf-8")
        self._f.write(data)
        self.index[doc.path] = (self._pos, len(data))
        self._pos += len(data)
        return dataclasses.replace(doc, html="")

    def close_writing(self) -> None:
        self._f.close()

    def reader(self) -> SpoolReader:
        """A picklable reader of the bodies (after `close_writing`)."""
        return SpoolReader(self.path, self.index)

    def discard(self) -> None:
        if not self._f.closed:
            self._f.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class SpoolReader:
    """`reader(path)` reads one page body back from a spool file. Picklable (path and index,
    no open file), so a render process gets one for its own pages (`subset`)."""

    def __init__(self, path: Path | str, index: dict[str, tuple[int, int]]) -> None:
        self.path, self.index = str(path), index
        self._fd: int | None = None

    def __call__(self, path: str) -> str:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDONLY)
        off, size = self.index[path]
        return os.pread(self._fd, size, off).decode("utf-8")

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


def collect_spooled(site: SiteContext, spool: Spool) -> list[PageDoc]:
    """Compute every page, keeping bodies on disk as they are made (peak memory: one module)."""
    return [spool.put(doc) for doc in all_pages(site)]


# -- rendering and stitching ----------------------------------------------------------------


def render_partition(
    site: SiteContext,
    docs: list[PageDoc],
    parts: list[int],
    k: int,
    out: Path,
    html_loader=None,
    outputs: bool | None = None,
    exclude: set[str] | None = None,
) -> list[str]:
    """Render partition k into `out` (created); returns the files it holds. Partition 0 keeps
    every non-page file and (unless outputs=False) writes the output modules' files. Pages in
    `exclude` are not rendered (the page cache supplies them)."""
    from . import site_adapter

    mine = {d.path for d, p in zip(docs, parts) if p == k} - (exclude or set())
    site_adapter.build_site(site, docs, out, render_only=mine, html_loader=html_loader)
    if k != 0:
        keep = {dest_path(d) for d, p in zip(docs, parts) if p == k}
        for root, _dirs, names in os.walk(out, topdown=False):
            for n in names:
                rel = os.path.relpath(os.path.join(root, n), out).replace(os.sep, "/")
                if rel not in keep:
                    os.unlink(os.path.join(root, n))
            if root != str(out) and not os.listdir(root):
                os.rmdir(root)
    elif outputs is not False:
        from .outputs import write_all

        write_all(site, docs, out)
    return sorted(_files(out))


def _files(root: Path) -> Iterable[str]:
    for r, _dirs, names in os.walk(root):
        for n in names:
            yield os.path.relpath(os.path.join(r, n), root).replace(os.sep, "/")


class StitchError(Exception):
    pass


def stitch(parts: list[Path], out: Path, *, move: bool = True) -> int:
    """Merge partition folders into `out` (which must be absent or empty). A file produced by
    two partitions is an error, found before anything is written. Returns the number of files.

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
    moves: list[tuple[Path | None, Path]] = []  # (None, folder): create the folder
    count = _merge_plan([Path(p) for p in parts], out, "", moves)
    for src, dst in moves:
        if src is None:
            dst.mkdir()
        else:
            os.replace(src, dst)
    return count


def _merge_plan(roots: list[Path], dst: Path, rel: str, moves: list[tuple[Path | None, Path]]) -> int:
    """Plan the moves that merge the folders `roots` into `dst` (writing nothing); returns the
    number of files. An entry only one root has moves whole; folders several roots have are
    merged one level down (created first); a file several roots have is an error."""
    entries: dict[str, list[os.DirEntry]] = {}
    for root in roots:
        with os.scandir(root) as it:
            for e in it:
                entries.setdefault(e.name, []).append(e)
    count = 0
    for name in sorted(entries):
        found = entries[name]
        if len(found) == 1:
            e = found[0]
            moves.append((Path(e.path), dst / name))
            count += _count_files(e) if e.is_dir(follow_symlinks=False) else 1
            continue
        if not all(e.is_dir(follow_symlinks=False) for e in found):
            where = [str(Path(e.path).parent) for e in found]
            raise StitchError(f"{rel}{name} is produced by both {where[0]} and {where[1]}")
        sub = dst / name
        moves.append((None, sub))
        count += _merge_plan([Path(e.path) for e in found], sub, f"{rel}{name}/", moves)
    return count


def _count_files(entry: os.DirEntry) -> int:
    n = 0
    with os.scandir(entry.path) as it:
        for e in it:
            n += _count_files(e) if e.is_dir(follow_symlinks=False) else 1
    return n


def build_parallel(
    site: SiteContext,
    docs: list[PageDoc],
    out: Path,
    jobs: int,
    html_loader=None,
    exclude: set[str] | None = None,
    release_data: bool = False,
) -> None:
    """Render `jobs` partitions in worker processes and stitch them into `out`; this process
    writes the output modules' files meanwhile. Raises SiteBuildError on failure.

    The workers are fresh interpreters, not forks: each reads from a job file only what
    rendering its partition needs (its own and the nav pages' titles and meta, every other
    page's path, where its bodies are on disk). Forked workers shared the dataset and every
    page with this process, but rendering touches every page object, so each copied most of
    them (copy-on-write): 1.8 GB per worker at province scale.

    With `release_data`, the dataset is let go (`site.release_data()`) once the outputs that
    read it are written, before the search index (the longest output) is built."""
    from .outputs import OUTPUT_MODULES, PAGES_ONLY
    from .site_adapter import SiteBuildError

    parts = plan(site, docs, jobs)
    work = Path(tempfile.mkdtemp(prefix=".parts-", dir=out.parent))
    procs: list = []
    try:
        for k in range(jobs):
            procs.append(_start_worker(site, docs, parts, k, work, html_loader, exclude))
        outputs_dir = work / "outputs"
        outputs_dir.mkdir()
        names = list(OUTPUT_MODULES)
        _write_outputs(site, docs, outputs_dir, [m for m in names if m not in PAGES_ONLY])
        if release_data:
            from .build import _release_free_memory

            site.release_data()
            _release_free_memory()
        _write_outputs(site, docs, outputs_dir, [m for m in names if m in PAGES_ONLY])
        failed = []
        for k, p in enumerate(procs):
            if p.wait() != 0:
                err = work / f"error-{k}.txt"
                failed.append(
                    err.read_text(encoding="utf-8") if err.exists() else f"partition {k}: exit {p.returncode}"
                )
        if failed:
            raise SiteBuildError("; ".join(failed))
        stitch([work / f"part-{k}" for k in range(jobs)] + [outputs_dir], out)
    finally:
        for p in procs:
            if p.poll() is None:  # this process failed first: its workers' output is not wanted
                p.kill()
                p.wait()
        shutil.rmtree(work, ignore_errors=True)


_CODE_ROOT = Path(__file__).resolve().parent.parent  # the folder holding this generator package
_WORKER_CODE = (
    "import sys; sys.path.insert(0, sys.argv[1]); from generator.partition import _run_job; _run_job(sys.argv[2])"
)


def _start_worker(
    site: SiteContext, docs: list[PageDoc], parts: list[int], k: int, work: Path, html_loader, exclude: set[str] | None
):
    """Write partition k's job file and start the process that renders it (`_run_job`)."""
    import pickle
    import subprocess

    from .site_adapter import in_nav

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
    job = work / f"job-{k}.pickle"  # our own objects, read back only by _run_job
    with open(job, "wb") as f:
        pickle.dump((site.as_of, light, parts, k, work, loader, skip), f, protocol=pickle.HIGHEST_PROTOCOL)
    del light
    return subprocess.Popen([sys.executable, "-c", _WORKER_CODE, str(_CODE_ROOT), str(job)], stdin=subprocess.DEVNULL)


def _run_job(job: str) -> None:
    """A render worker (`_start_worker`): render one partition into work/part-k; on failure
    write work/error-k.txt (text safe to show, never a traceback with data) and exit 1."""
    import pickle

    with open(job, "rb") as f:
        as_of, docs, parts, k, work, loader, exclude = pickle.load(f)
    os.unlink(job)
    # the renderer reads only the date of the site context; the dataset stays with the parent
    site = SiteContext(ds=None, as_of=as_of)  # type: ignore[arg-type]
    try:
        render_partition(site, docs, parts, k, work / f"part-{k}", html_loader=loader, outputs=False, exclude=exclude)
    except BaseException as e:  # noqa: BLE001 - reported to the parent as text
        from .site_adapter import SiteBuildError

        msg = str(e) if isinstance(e, SiteBuildError) else f"partition {k}: {type(e).__name__}"
        (work / f"error-{k}.txt").write_text(msg, encoding="utf-8")
        if os.environ.get("DEPUTY_SITE_DEBUG"):
            traceback.print_exc()
        sys.stdout.flush()
        raise SystemExit(1) from None


def _can_fork() -> bool:
    import multiprocessing as mp

    return (
        "fork" in mp.get_all_start_methods()
        and (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)) > 1
    )


# Output modules the rendering process writes itself once mkdocs is done (open data: its files
# are mostly computed already for the open-data page); the forked process writes the others.
PARENT_OUTPUTS = ("open_data",)


class OutputsBeside:
    """`with OutputsBeside(site, docs, out):` forks a process that writes the output modules'
    files (search index, feed, Popolo…) while the body of the `with` renders pages into `out`;
    on leaving, this process writes PARENT_OUTPUTS, waits, and moves everything into `out`
    (pages and outputs never write the same file: build_parallel stitches the same sets). If
    the forked process failed, every output is written here instead, so an error surfaces as
    it would in a serial build (and a process killed for memory does not fail the build)."""

    def __init__(self, site: SiteContext, docs: list[PageDoc], out: Path) -> None:
        self.site, self.docs, self.out = site, docs, Path(out)

    def __enter__(self) -> OutputsBeside:
        import multiprocessing as mp

        from . import outputs

        every = list(outputs.OUTPUT_MODULES)
        self.mine = [m for m in every if m in PARENT_OUTPUTS]
        theirs = [m for m in every if m not in PARENT_OUTPUTS]
        # named after the build's temp folder (".site-tmp-…-outputs-…"): part of the same build,
        # gitignored alike, and not inside it (mkdocs empties its site folder when it starts)
        self.work = Path(tempfile.mkdtemp(prefix=f"{self.out.name}-outputs-", dir=self.out.parent))
        try:
            self.proc = mp.get_context("fork").Process(
                target=_outputs_worker, args=(self.site, self.docs, self.work, theirs), daemon=False
            )
            self.proc.start()
        except BaseException:
            shutil.rmtree(self.work, ignore_errors=True)
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        from . import outputs

        outputs_dir, parent_dir = self.work / "outputs", self.work / "parent"
        try:
            if exc_type is not None:  # the build failed or was interrupted: its outputs are not wanted
                return
            parent_dir.mkdir()
            _write_outputs(self.site, self.docs, parent_dir, self.mine)
            self.proc.join()
            if self.proc.exitcode != 0:
                for d in (outputs_dir, parent_dir):
                    shutil.rmtree(d, ignore_errors=True)
                outputs_dir.mkdir()
                outputs.write_all(self.site, self.docs, outputs_dir)
            for d in (outputs_dir, parent_dir):
                if d.is_dir():
                    _merge_into(d, self.out, "")
        finally:
            # On any error (also Ctrl-C or SIGTERM while waiting) the forked process is stopped,
            # not waited for: it would go on writing files nobody will publish.
            if self.proc.is_alive():
                self.proc.kill()
            self.proc.join()
            shutil.rmtree(self.work, ignore_errors=True)


def render_with_outputs_beside(
    site: SiteContext, docs: list[PageDoc], out: Path, html_loader=None, exclude: set[str] | None = None
) -> None:
    """render_partition(…, k=0) for a single partition, with the outputs written beside it."""
    with OutputsBeside(site, docs, out):
        render_partition(site, docs, [0] * len(docs), 0, out, html_loader=html_loader, outputs=False, exclude=exclude)


def _write_outputs(site: SiteContext, docs: list[PageDoc], folder: Path, names: list[str]) -> None:
    """outputs.write_all for the modules `names` only (write_all itself, so that what wraps or
    replaces it still applies)."""
    from . import outputs

    if not names:
        return
    saved = list(outputs.OUTPUT_MODULES)
    outputs.OUTPUT_MODULES[:] = names
    try:
        outputs.write_all(site, docs, folder)
    finally:
        outputs.OUTPUT_MODULES[:] = saved


def _merge_into(src: Path, dst: Path, rel: str) -> None:
    """Move the tree `src` into `dst`: a folder `dst` lacks is moved whole (one rename, not one
    per file); a file both hold is an error, as in `stitch`."""
    for entry in sorted(os.listdir(src)):
        s, d = src / entry, dst / entry
        if not os.path.lexists(d):
            os.replace(s, d)
        elif s.is_dir() and not s.is_symlink() and d.is_dir() and not d.is_symlink():
            _merge_into(s, d, f"{rel}{entry}/")
        else:
            raise StitchError(f"{rel}{entry} is produced by both the pages and the outputs")


def _outputs_worker(site, docs, work: Path, names: list[str]) -> None:
    try:
        (work / "outputs").mkdir()
        _write_outputs(site, docs, work / "outputs", names)
    except BaseException:  # noqa: BLE001 - the parent writes them again and reports the error
        if os.environ.get("DEPUTY_SITE_DEBUG"):
            traceback.print_exc()
        sys.stdout.flush()
        os._exit(1)
    os._exit(0)


# -- how `python -m generator build` uses this module ----------------------------------------


def auto_jobs(n_pages: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 1 if n_pages < PARALLEL_PAGES else max(1, min(2, cores))


class BuildPlan:
    """Chooses spooling, processes and partitions for one build (`--jobs`, `--partition K/N`).

    `collect(site)` computes the pages (bodies on disk for big sites); `render(site, docs)`
    returns the function build.publish calls with its temp folder."""

    def __init__(self, jobs: str | int | None = "auto", part: str | None = None, workdir: Path | None = None) -> None:
        self.jobs_arg = "auto" if jobs in (None, "auto") else int(jobs)
        self.part = parse_partition(part) if part else None
        self.workdir = workdir
        self.spool: Spool | None = None
        self.jobs = 1
        self.cache_stats: dict | None = None
        self.module_stats: dict | None = None

    def collect(self, site: SiteContext) -> list[PageDoc]:
        from .outputs import open_data

        if self.workdir is not None:
            site.work_dir = self.workdir  # open-data staging next to the site, not in /tmp
        open_data.start(site)  # a big package is staged by another process while pages are computed
        # ~2.5 pages per deputy in the demo data; spool when that many bodies would be GBs
        spool = os.environ.get("DEPUTY_SITE_SPOOL", "auto")  # auto | on | off (tests force it on)
        if spool == "on" or (spool != "off" and len(site.ds.deputies) * 2.5 >= SPOOL_PAGES):
            self.spool = Spool(self.workdir or Path(tempfile.gettempdir()))
            docs = collect_spooled(site, self.spool)
            self.spool.close_writing()
            return docs
        # page modules whose inputs did not change come from .cache/ (generator/cache.py)
        from . import cache
        from .pages import PAGE_MODULES, _checked

        def compute(name: str) -> list[PageDoc]:
            return list(importlib.import_module(f"generator.pages.{name}").pages(site))

        docs, self.module_stats = cache.module_docs(site, PAGE_MODULES, compute)
        return [_checked(d) for d in docs]

    @property
    def loader(self):
        return self.spool.reader() if self.spool is not None else None

    def render(self, site: SiteContext, docs: list[PageDoc]):
        """The function build.publish calls with its temp folder."""
        from . import cache

        if self.part is not None:
            k, n = self.part
            parts = plan(site, docs, n)
            return lambda tmp: render_partition(site, docs, parts, k, Path(tmp), html_loader=self.loader)
        self.jobs = auto_jobs(len(docs)) if self.jobs_arg == "auto" else max(1, self.jobs_arg)
        loader = self.loader

        def html_of(d: PageDoc) -> str:
            return loader(d.path) if loader is not None else d.html

        def run(tmp) -> None:
            tmp = Path(tmp)
            beside: list = []

            def around(hits: set[str]):
                # an incremental build (pages from the cache): the output files (search index,
                # feed…) are written by a forked process on the other core while this one renders
                # the few pages not cached and links the others
                if self.jobs == 1 and hits and _can_fork():
                    beside.append(OutputsBeside(site, docs, tmp))
                    return beside[0]
                return contextlib.nullcontext()

            def render_pages(exclude: set[str] | None) -> None:
                if self.jobs > 1:
                    # the build needs no more of the dataset once the outputs reading it are written
                    build_parallel(site, docs, tmp, self.jobs, html_loader=loader, exclude=exclude, release_data=True)
                else:
                    render_partition(
                        site,
                        docs,
                        [0] * len(docs),
                        0,
                        tmp,
                        html_loader=loader,
                        exclude=exclude,
                        outputs=False if beside else None,
                    )

            self.cache_stats = cache.cached_render(site, docs, tmp, render_pages, html_of, around=around)

        return run

    def close(self) -> None:
        if self.spool is not None:
            self.spool.discard()
            self.spool = None


def stitch_command(args) -> int:
    """`python -m generator stitch --out SITE PART...`: merge partition folders into one site."""
    out = Path(args.out)
    if out.exists():
        print(f"错误 error: {out} 已存在 / already exists", file=sys.stderr)
        return 1
    try:
        n = stitch([Path(p) for p in args.parts], out, move=not args.copy)
    except StitchError as e:
        print(f"拼接失败 / stitch failed: {e}", file=sys.stderr)
        shutil.rmtree(out, ignore_errors=True)
        return 1
    print(f"已拼接 stitched {len(args.parts)} partitions into {out}: {n} files")
    return 0
