"""Run a command in a subprocess and measure wall time and peak memory.

Peak memory is measured two ways:
- `tree_rss_mb`: the largest *sum* of resident memory (PSS, so pages shared copy-on-write after a
  fork count once) over the process and all its descendants, sampled from /proc every 100 ms
  (what a parallel build really needs from the machine);
- `max_rss_mb`: the largest single process (ru_maxrss from wait4, which covers descendants
  that were waited for), exact but blind to processes running side by side.

`cpu_seconds` (user + system time of the whole tree) is the work done; on a machine shared
with other jobs it varies much less than wall time, so the benchmark reports both.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import asdict, dataclass

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass
class Run:
    cmd: list[str]
    returncode: int
    seconds: float
    tree_rss_mb: float
    max_rss_mb: float
    cpu_seconds: float  # user + system time of the process and its waited-for descendants
    stdout: str
    stderr: str

    def as_dict(self) -> dict:
        d = asdict(self)
        d["stdout"] = d["stdout"][-2000:]
        d["stderr"] = d["stderr"][-2000:]
        return d


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # the command name may contain spaces and parentheses: fields start after the last ')'
        rest = stat[stat.rfind(b")") + 2 :].split()
        kids.setdefault(int(rest[1]), []).append(int(name))
    return kids


def _pss(pid: int) -> int:
    """Proportional set size: memory shared copy-on-write between forked processes counts once
    in the sum (plain RSS would count it in every process). Falls back to RSS."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss(pid: int) -> int:
    """Bytes resident in `pid` and all its descendants right now (0 if it is gone), by PSS."""
    kids = _children()
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += _pss(p)
        todo.extend(kids.get(p, ()))
    return total


def run(cmd: list[str], *, cwd: str | None = None, env: dict | None = None, interval: float = 0.1) -> Run:
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss(proc.pid))
            done.wait(interval)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out: list[str] = []
    err: list[str] = []
    # read both pipes without blocking each other, then reap with wait4 for ru_maxrss
    readers = [
        threading.Thread(target=lambda s=s, b=b: b.append(s.read()), daemon=True)
        for s, b in ((proc.stdout, out), (proc.stderr, err))
    ]
    for r in readers:
        r.start()
    for r in readers:
        r.join()
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - start
    done.set()
    t.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(
        cmd=[str(c) for c in cmd],
        returncode=proc.returncode,
        seconds=round(seconds, 2),
        tree_rss_mb=round(peak[0] / 2**20, 1),
        max_rss_mb=round(usage.ru_maxrss / 1024, 1),
        cpu_seconds=round(usage.ru_utime + usage.ru_stime, 2),
        stdout="".join(out),
        stderr="".join(err),
    )
