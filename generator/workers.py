"""The one worker pool: spawned processes for every parallel step of one build on one machine
(validating big tables, staging a big open-data package, rendering partitions).

Spawned, not forked: a forked worker shares the parent's pages and dataset copy-on-write, and
touching them (reference counts) copies most of them: 1.8 GB per render worker at province
scale, against 0.5 GB for a fresh interpreter that reads only its job. Each task gets a fresh
process (`max_tasks_per_child=1`), so one step's memory never carries into the next. Imports
nothing of ours; tasks are plain module-level functions with picklable arguments.
"""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import Future, ProcessPoolExecutor


class Pool:
    """`submit(fn, *args)` runs fn in a worker; the processes start on first use."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._ex: ProcessPoolExecutor | None = None

    def submit(self, fn, *args) -> Future:
        if self._ex is None:
            self._ex = ProcessPoolExecutor(self.workers, mp_context=mp.get_context("spawn"), max_tasks_per_child=1)
        return self._ex.submit(fn, *args)

    def close(self, cancel: bool = False) -> None:
        ex, self._ex = self._ex, None
        if ex is None:
            return
        if cancel:  # a failed or interrupted build: running tasks' results are not wanted
            for p in list(getattr(ex, "_processes", {}).values()):
                if p.is_alive():
                    p.kill()
        ex.shutdown(wait=True, cancel_futures=cancel)

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(cancel=exc_type is not None)
