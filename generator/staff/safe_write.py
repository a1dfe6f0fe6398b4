"""All-or-nothing writes into a data folder: a staff command either completes or leaves the
folder as it was.

`replace_files(root, {relative path: bytes or None})` stages every new file in a hidden folder
inside `root` (same file system, so each move is one rename), flushes them to disk, keeps a
hard link (or a copy) of every file it is about to replace, then moves the new files in. If any
step fails, the files already moved are put back from those links and files created are
removed, so the folder holds exactly what it held before; the error is raised again. `None`
deletes a file (kept for the rollback too). The staging folder is removed in every case.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

STAGE_PREFIX = ".staff-write-"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _keep(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:  # file systems without hard links (some shares): a copy does the same
        shutil.copy2(src, dst)


def replace_files(root: Path, files: Mapping[str, bytes | None], exclusive: tuple[str, ...] = ()) -> None:
    """Write every file of `files` under `root`, or none of them. Paths in `exclusive` must not
    exist yet (FileExistsError, nothing written) — for files that must never be overwritten."""
    root = Path(root)
    for rel in exclusive:
        if (root / rel).exists():
            raise FileExistsError(0, "exists", str(root / rel))
    stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=root))
    new_dir, old_dir = stage / "new", stage / "old"
    moved: list[tuple[Path, bool]] = []  # (target, existed before)
    try:
        for i, data in enumerate(files.values()):
            if data is None:
                continue
            p = new_dir / str(i)
            p.parent.mkdir(parents=True, exist_ok=True)
            with open(p, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        for i, rel in enumerate(files):
            target = root / rel
            if target.exists():
                _keep(target, old_dir / str(i))
        try:
            for i, (rel, data) in enumerate(files.items()):
                target = root / rel
                existed = target.exists()
                if data is None:
                    if existed:
                        target.unlink()
                        moved.append((target, True))
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(new_dir / str(i), target)
                moved.append((target, existed))
        except BaseException:
            index = {root / rel: i for i, rel in enumerate(files)}
            for target, existed in reversed(moved):
                if existed:
                    os.replace(old_dir / str(index[target]), target)
                else:
                    target.unlink(missing_ok=True)
            raise
        try:
            _fsync(root)
        except OSError:  # not every platform can fsync a directory
            pass
    finally:
        shutil.rmtree(stage, ignore_errors=True)
