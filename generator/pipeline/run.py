"""`python -m generator build`: prepare, render into the work folder, write the outputs, swap in.

One build = one work folder (publish.Workspace), one store (generator/store.py), one worker
pool (generator/workers.py), one Options. The published folder changes only when everything
succeeded; on any failure `--out` is left exactly as it was.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import GeneratorError
from ..options import Options, cores
from ..outputs import open_data, popolo, search_index
from ..outputs.registry import OUTPUT_MODULES, write_all
from ..search import write_index
from ..store import Store
from ..workers import Pool, WorkerDied
from . import incremental
from .parallel import move_into, plan, render_parallel, render_partition
from .prepare import Prepared, prepare
from .publish import Workspace, swap_in


@dataclass
class Result:
    prepared: Prepared
    jobs: int
    render_stats: dict


def place_staged(prep: Prepared, folder: Path) -> list[str]:
    """Put the staged open data and Popolo export into the site folder `folder`."""
    written = open_data.place(prep.staged / open_data.OUT, prep.site.open_data or {}, folder)
    open_data.link(prep.staged / Path(popolo.OUTPUT_PATH).name, folder / popolo.OUTPUT_PATH)
    return written + [popolo.OUTPUT_PATH]


def outputs_key(prep: Prepared) -> str | None:
    return incremental.outputs_key(prep.site) if prep.store else None


def write_outputs(prep: Prepared, folder: Path) -> list[str]:
    """Every file besides the pages: staged open data, then the output modules."""
    written = write_all(prep.site, prep.docs, folder, store=prep.store, key=outputs_key(prep))
    return sorted(place_staged(prep, folder) + written)


def _jobs(opts: Options, n_pages: int) -> int:
    if opts.jobs == "auto":
        return 1 if n_pages < opts.parallel_pages else max(1, min(2, cores()))
    return max(1, int(opts.jobs))


def render(prep: Prepared, opts: Options, tmp: Path, work: Path, pool: Pool) -> tuple[int, dict]:
    """Render every page and write every other file into `tmp`; (processes used, counts)."""
    site, docs, loader = prep.site, prep.docs, prep.loader
    if opts.partition is not None:
        k, n = opts.partition
        render_partition(site, docs, plan(site, docs, n), k, tmp, opts.config_file, html_loader=loader)
        if k == 0:  # partition 0 writes every file that is not a page
            write_outputs(prep, tmp)
        return 1, {"rendered": len(docs), "reused": 0}
    jobs = _jobs(opts, len(docs))
    index = None  # the search index, built by a worker while this process renders
    if jobs == 1 and pool.workers > 1:
        index = pool.submit(
            write_index,
            search_index.docs_from_pages(docs, site.search_texts),
            work / "search-index",
            Store(opts.cache_dir),
            incremental.code_digest(),
        )

    okey = outputs_key(prep)  # before render_parallel lets the dataset go

    def render_pages(exclude: set[str] | None) -> None:
        if jobs > 1:
            render_parallel(
                pool,
                site,
                docs,
                tmp,
                work,
                opts.config_file,
                jobs,
                lambda d: place_staged(prep, d),
                loader,
                exclude,
                prep.store,
                okey,
            )
            return
        render_partition(site, docs, [0] * len(docs), 0, tmp, opts.config_file, loader, exclude)
        place_staged(prep, tmp)
        names = [m for m in OUTPUT_MODULES if index is None or m != "search_index"]
        write_all(site, docs, tmp, names, prep.store, okey)

    def html_of(d) -> str:
        return loader(d.path) if loader is not None else d.html

    stats = incremental.render(Store(opts.cache_dir), site, docs, tmp, opts.config_file, render_pages, html_of)
    if index is not None:
        index.result()
        move_into(work / "search-index", tmp)
    return jobs, stats


def build(opts: Options) -> Result:
    """Build the site into opts.out. Raises GeneratorError (InvalidData, DescriptorError,
    SiteBuildError…) or OSError (e.g. disk full); `opts.out` is then untouched."""
    workers = max(1, min(2, cores())) if opts.jobs == "auto" else max(1, int(opts.jobs))
    with Workspace(opts.work) as ws, Pool(workers) as pool:
        prep = prepare(opts, ws.dir, pool if workers > 1 else None)
        tmp = ws.dir / "site"
        jobs, stats = render(prep, opts, tmp, ws.dir, pool)
        swap_in(tmp, opts.out, ws.folder("trash"))
    return Result(prep, jobs, stats)


def _site_stats(out: Path) -> tuple[int, int, str]:
    pages = 0
    largest, largest_path = 0, ""
    for root, _dirs, names in os.walk(out):
        for n in names:
            if n.endswith(".html"):
                pages += 1
                p = os.path.join(root, n)
                size = os.path.getsize(p)
                if size > largest:
                    largest, largest_path = size, os.path.relpath(p, out)
    return pages, largest, largest_path


def on_sigterm_exit():
    """Make SIGTERM raise SystemExit(143) until the returned function is called, so a cancelled
    CI job or a stopped service unwinds like Ctrl-C and the work folder is removed."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def _exit(signum, _frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, _exit)
    return lambda: signal.signal(signal.SIGTERM, previous)


def command(opts: Options) -> int:
    start = time.monotonic()
    restore = on_sigterm_exit()
    try:
        result = build(opts)
    except GeneratorError as e:
        print(f"构建失败，原网站未改动 / build failed, {opts.out} left untouched:\n{e}", file=sys.stderr)
        return 1
    except WorkerDied:  # e.g. killed for memory
        print(
            f"构建失败（工作进程意外退出，可能是内存不足），原网站未改动 / build failed (a worker process died, "
            f"perhaps out of memory), {opts.out} left untouched",
            file=sys.stderr,
        )
        return 1
    except OSError as e:  # e.g. disk full
        reason = e.strerror or type(e).__name__
        print(f"构建失败，原网站未改动 / build failed, {opts.out} left untouched: {reason}", file=sys.stderr)
        return 1
    finally:
        restore()
    pages, largest, largest_path = _site_stats(Path(opts.out))
    site, docs = result.prepared.site, result.prepared.docs
    reused = result.render_stats.get("reused", 0)
    part = f"{opts.partition[0] + 1}/{opts.partition[1]}" if opts.partition else ""
    print(
        f"已生成 built {opts.out}: {pages} 个页面 pages ({len(docs)} generated), 最大 largest "
        f"{largest / 1024:.1f} KB ({largest_path}), 截至 as of {site.as_of.isoformat()}, "
        f"{time.monotonic() - start:.1f} s"
        + (f", {result.jobs} processes" if result.jobs > 1 else "")
        + (f", partition {part}" if part else "")
        + (f", {reused} pages from the store {opts.cache_dir}" if reused else "")
    )
    return 0
