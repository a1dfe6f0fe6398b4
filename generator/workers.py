"""The one worker pool: spawned processes for every parallel step of one build on one machine
(validating big tables, staging the open data, building the search index, rendering
partitions).

Spawned, not forked: a forked worker shares the parent's pages and dataset copy-on-write, and
touching them (reference counts) copies most of them: 1.8 GB per render worker at province
scale, against 0.5 GB for a fresh interpreter that reads only its job. Each task gets a fresh
process, so one step's memory never carries into the next, and a process can be killed at any
moment without leaving a lock held (concurrent.futures' pool could hang in shutdown after a
kill: a replacement worker blocked on the queue lock the killed one held). A result comes back
through a pipe of the task's own. One manager thread starts queued tasks as others finish.
Imports nothing of ours; tasks are module-level functions with picklable arguments.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import traceback
from collections import deque
from concurrent.futures import Future
from multiprocessing.connection import wait


class WorkerDied(RuntimeError):
    """A worker process ended without a result (killed: out of memory, a signal)."""


def _run(conn, fn, args) -> None:
    try:
        result = ("ok", fn(*args))
    except BaseException as e:  # noqa: BLE001 - handed to the parent, which raises it
        result = ("error", e)
    try:
        conn.send(result)
    except Exception:  # noqa: BLE001 - an exception that does not pickle: its text is enough
        conn.send(("error", RuntimeError(f"{type(result[1]).__name__}: {traceback.format_exception_only(result[1])}")))
    conn.close()


class _Task:
    __slots__ = ("fn", "args", "future", "proc", "conn", "result")

    def __init__(self, fn, args) -> None:
        self.fn, self.args, self.future = fn, args, Future()
        self.proc = self.conn = self.result = None


class Pool:
    """`submit(fn, *args)` runs fn in a fresh spawned process, at most `workers` at once, and
    returns a concurrent.futures.Future. `close(cancel=True)` kills what still runs."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._ctx = mp.get_context("spawn")
        self._queue: deque[_Task] = deque()
        self._running: list[_Task] = []
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closing = False

    def submit(self, fn, *args) -> Future:
        task = _Task(fn, args)
        with self._cond:
            if self._closing:
                raise RuntimeError("the pool is closed")
            self._queue.append(task)
            if self._thread is None:
                self._thread = threading.Thread(target=self._manage, name="deputy-site-pool", daemon=True)
                self._thread.start()
            self._cond.notify()
        return task.future

    def _start(self, task: _Task) -> None:
        if not task.future.set_running_or_notify_cancel():
            return
        parent, child = self._ctx.Pipe(duplex=False)
        try:
            task.proc = self._ctx.Process(target=_run, args=(child, task.fn, task.args), daemon=True)
            task.proc.start()
        except BaseException as e:  # noqa: BLE001 - e.g. no memory for a process: the task fails
            parent.close()
            task.future.set_exception(e)
            return
        finally:
            child.close()
        task.conn = parent
        self._running.append(task)

    def _manage(self) -> None:
        while True:
            with self._cond:
                while not self._closing and len(self._running) < self.workers and self._queue:
                    self._start(self._queue.popleft())
                if not self._running:
                    if self._closing:
                        return
                    self._cond.wait()
                    continue
                running = list(self._running)
            ready = wait([t.conn for t in running if t.conn is not None] + [t.proc.sentinel for t in running], 0.5)
            for t in running:
                if t.conn is not None and t.conn in ready:
                    try:
                        t.result = t.conn.recv()
                    except (EOFError, OSError):
                        t.result = None
                    t.conn.close()
                    t.conn = None
                if t.conn is None and not t.proc.is_alive():
                    self._finish(t)

    def _finish(self, t: _Task) -> None:
        t.proc.join()
        with self._cond:
            self._running.remove(t)
        if t.result is None:
            t.future.set_exception(WorkerDied(f"worker process ended without a result (exit {t.proc.exitcode})"))
        elif t.result[0] == "ok":
            t.future.set_result(t.result[1])
        else:
            t.future.set_exception(t.result[1])

    def close(self, cancel: bool = False) -> None:
        """Wait for every task (cancel=False), or cancel the queued ones and kill the running."""
        with self._cond:
            thread = self._thread
            if cancel:
                for t in self._queue:
                    t.future.cancel()
                self._queue.clear()
                for t in self._running:
                    if t.proc.is_alive():
                        t.proc.kill()
            self._closing = True
            self._cond.notify()
        if thread is not None:
            thread.join()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(cancel=exc_type is not None)
