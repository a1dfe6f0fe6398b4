"""One work folder per build, beside the site, and the swap that publishes it.

Everything a build writes goes into `.site-work-<pid>-XXXX/` next to `--out` (same disk, so
the finished site is renamed into place, never copied): the new site, the staged open data,
spooled page bodies, render jobs. The published folder changes only when everything
succeeded: the old site is renamed into the work folder, the new one renamed into place, and
the work folder deleted. On any failure the work folder is deleted and `--out` is left exactly
as it was. Work folders of builds that were killed (their process is gone) are removed by the
next build, since they may hold a copy of the package.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

PREFIX = ".site-work-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def remove_leftovers(parent: Path) -> list[str]:
    """Delete the work folders of earlier builds whose process no longer runs."""
    removed = []
    try:
        names = os.listdir(parent)
    except OSError:
        return removed
    for n in names:
        if not n.startswith(PREFIX):
            continue
        pid = n[len(PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(parent / n, ignore_errors=True)
            removed.append(n)
    return removed


class Workspace:
    """`with Workspace(parent) as ws:` a fresh work folder, removed on leaving."""

    def __init__(self, parent: Path) -> None:
        self.parent = Path(parent).resolve()

    def __enter__(self) -> Workspace:
        self.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(self.parent)
        self.dir = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=self.parent))
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def folder(self, name: str) -> Path:
        p = self.dir / name
        p.mkdir(parents=True, exist_ok=True)
        return p


def swap_in(new: Path, out: Path, trash: Path) -> None:
    """Replace `out` by the finished site `new` (both on one disk); the old site goes into
    `trash` (a folder of the work folder, deleted with it)."""
    out = Path(out).resolve()
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix="old-", dir=trash)) / "site"
        os.rename(out, old)
    try:
        os.rename(new, out)
    except BaseException:
        if old is not None and not out.exists():
            os.rename(old, out)
        raise
