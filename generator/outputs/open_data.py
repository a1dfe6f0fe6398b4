"""The published data package, written into the site under `data/`.

What is published is an allow-list: only fields the descriptor declares and does not mark
private, only published reports (drafts and their bodies are left out), report bodies of
published reports, and photos the deputies table points to. Cells go through
sanitize.csv_cell (text starting with = + - @ gets a leading apostrophe, so a spreadsheet never
runs it as a formula); nothing else is escaped, and csv.writer quotes where CSV needs it. Everything is deterministic:
CSV rows in file order, JSON with sorted keys, zip entries sorted with a fixed timestamp (the
as-of date), so two builds of the same data are byte-identical.

The files are staged on disk, never held in memory (at province scale they are ~900 MB and
the zip ~180 MB): each CSV is streamed into a staging folder (hashed and counted as it is
written), bodies and photos are copied there, the zip is written from those files, and only
a small manifest (path → size, sha256, rows) stays on the SiteContext. The open-data page
reads its sizes from the manifest; `write` hard-links the staged files into the site (they
are never modified afterwards). The staging folder is under `site.work_dir` (set by the
build: next to the site, not in /tmp, which may be memory), removed by `discard(site)` or,
failing that, when the SiteContext is garbage-collected or the process exits. `start(site)`
stages a big package in another process while the build computes pages.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tempfile
import traceback
import weakref
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..pages import PageDoc, SiteContext
from ..sanitize import csv_cell, package_path

OUT = "data"
ZIP_NAME = "datapackage.zip"
DESCRIPTOR = "datapackage.json"
_SAFE_REL = re.compile(r"^(?!.*\.\.)[A-Za-z0-9_-]+(?:/[A-Za-z0-9_.-]+)*\.(?:md|jpg|jpeg|png|webp)$")
_STATE = "_open_data_stage"
_MANIFEST_FILE = "manifest.json"
_CHUNK = 1 << 20
# Packages whose CSVs sum to at least this are staged by another process (`start`); below it,
# starting one costs more than it overlaps.
BIG_PACKAGE_BYTES = 50 * 1024 * 1024


_FORMULA_START = frozenset("=+-@\t\r")


@dataclass(frozen=True, slots=True)
class Staged:
    """One staged file: its size in bytes, sha256 (hex) and, for a table, its rows."""

    size: int
    sha256: str
    rows: int | None = None


@dataclass
class Manifest:
    folder: Path  # the staged data/ folder
    files: dict[str, Staged]  # path inside data/ → what was staged there, zip included


def create(path: Path):
    """A new file at `path`, open for writing (binary). A file already there is removed first,
    never written through: it may be a hard link to a staged or stored file."""
    try:
        return open(path, "xb")
    except FileExistsError:
        os.unlink(path)
        return open(path, "xb")


def _link_new(src: Path, dest: Path) -> None:
    """os.link, replacing a file already at `dest` (as `create` does)."""
    try:
        os.link(src, dest)
    except FileExistsError:
        os.unlink(dest)
        os.link(src, dest)


class _Sink:
    """A new binary file that hashes and counts what is written to it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.f = create(path)
        self.h = hashlib.sha256()
        self.size = 0
        self.failed = False

    def write(self, data: bytes) -> None:
        try:
            self.f.write(data)
        except OSError:
            self.failed = True  # e.g. disk full: an error of the build, not of the table
            raise
        self.h.update(data)
        self.size += len(data)

    def restart(self) -> None:
        self.f.seek(0)
        self.f.truncate()
        self.h = hashlib.sha256()
        self.size = 0

    def close(self, rows: int | None = None) -> Staged:
        self.f.close()
        return Staged(self.size, self.h.hexdigest(), rows)


def _table(
    path: Path, header: list[str], text_fields: set[str], dest: Path, keep=None, collect: str | None = None
) -> tuple[Staged, list[str]]:
    """Read one raw CSV and write only the `header` columns (an allow-list), in file order, to
    `dest`. `keep(row_by_name)` filters rows. Returns what was staged (with the rows kept) and
    the values of the `collect` column. Rows are streamed to the file about a megabyte at a
    time, never held: the attendance table has millions of rows at province scale."""
    sink = _Sink(dest)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")  # RFC 4180; quotes only where needed

    def flush() -> None:
        sink.write(buf.getvalue().encode("utf-8"))
        buf.seek(0)
        buf.truncate()

    w.writerow(header)
    n = 0
    collected: list[str] = []
    col = header.index(collect) if collect in header else -1
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            raw_header = next(reader, [])
            pos: dict[str, int] = {}
            for i, name in enumerate(raw_header):
                pos.setdefault(name, i)
            idx = [pos.get(h, -1) for h in header]
            guard = [j for j, h in enumerate(header) if h in text_fields]
            width = len(raw_header)
            for raw in reader:
                if not raw:
                    continue
                if len(raw) < width:
                    raw = raw + [""] * (width - len(raw))
                out = [raw[i] if i >= 0 else "" for i in idx]
                for j in guard:
                    v = out[j]
                    if v and v[0] in _FORMULA_START:
                        out[j] = csv_cell(v)
                if keep is not None and not keep(dict(zip(header, out))):
                    continue
                w.writerow(out)
                n += 1
                if col >= 0:
                    collected.append(out[col].strip())
                if buf.tell() >= _CHUNK:
                    flush()
        flush()
    except (UnicodeDecodeError, csv.Error, OSError):
        if sink.failed:
            raise
        # an unreadable table is published as its header only
        sink.restart()
        buf.seek(0)
        buf.truncate()
        csv.writer(buf, lineterminator="\r\n").writerow(header)
        flush()
        n, collected = 0, []
    return sink.close(n), collected


def _copy(src: Path, dest: Path, store: _Store | None) -> Staged:
    data = src.read_bytes()  # one body or photo: small
    staged = Staged(len(data), hashlib.sha256(data).hexdigest())
    if store is None or not store.link_file(staged.sha256, data, dest):
        with create(dest) as f:
            f.write(data)
    return staged


# -- reuse between builds ----------------------------------------------------------------------


class _Store:
    """Files kept between builds under the build cache (generator/cache.py), by sha256 of their
    bytes: report bodies and photos, and the compressed form of each zip member. Editing one
    body then writes one new file and compresses one member; every other body is hard-linked
    (creating thousands of small files is most of what staging costs at county scale) and
    every other member's compressed bytes are reused. Entries are never modified, only added
    (atomically) or pruned; after each build only that build's entries are kept. Any failure
    here falls back to doing the work. Small packages only (`_store_root`)."""

    MAX_MEMBER = 8 << 20  # larger members (big tables) are compressed every time, in chunks

    def __init__(self, root: Path) -> None:
        import zlib

        self.files = root / "opendata" / "files"
        # compressed bytes depend on zlib's version, not only on the input
        self.deflate = root / "opendata" / f"deflate-{zlib.ZLIB_RUNTIME_VERSION}"
        self.used: set[str] = set()

    @staticmethod
    def open(root: Path | None) -> _Store | None:
        return None if root is None else _Store(Path(root))

    def _put(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def link_file(self, sha: str, data: bytes, dest: Path) -> bool:
        """Hard-link the stored copy of `data` to `dest` (storing it first); False if that failed."""
        blob = self.files / sha[:2] / sha
        self.used.add(sha)
        try:
            try:
                same = blob.read_bytes() == data  # a site's copy is this very file: check it
            except FileNotFoundError:
                same = False
            if not same:
                self._put(blob, data)
            _link_new(blob, dest)
            return True
        except OSError:
            return False

    def compressed(self, sha: str) -> bytes | None:
        self.used.add(sha)
        try:
            return (self.deflate / sha[:2] / sha).read_bytes()
        except OSError:
            return None

    def keep_compressed(self, sha: str, raw: bytes) -> None:
        with contextlib.suppress(OSError):
            self._put(self.deflate / sha[:2] / sha, raw)

    def prune(self) -> None:
        for folder in (self.files, self.deflate):
            with contextlib.suppress(OSError):
                for sub in folder.iterdir():
                    for f in sub.iterdir():
                        if f.name not in self.used:
                            f.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # entries of another zlib version
            for old in self.files.parent.glob("deflate-*"):
                if old != self.deflate:
                    shutil.rmtree(old, ignore_errors=True)


class _Replay:
    """Stands in for zipfile's compressor of one member whose compressed bytes are known (same
    zlib, same settings): zipfile still computes the CRC and sizes and writes the headers."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def compress(self, data: bytes) -> bytes:
        return b""

    def flush(self) -> bytes:
        return self.raw


class _Recorder:
    """Wraps zipfile's compressor of one member and keeps what it produces."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.out: list[bytes] = []

    def compress(self, data: bytes) -> bytes:
        b = self.inner.compress(data)
        self.out.append(b)
        return b

    def flush(self) -> bytes:
        b = self.inner.flush()
        self.out.append(b)
        return b


def _public_schema(schema: dict, private: set[str]) -> dict:
    """The schema without private fields, and without keys that name one."""
    s = copy.deepcopy(schema)
    s["fields"] = [
        {k: v for k, v in f.items() if k != "private"} for f in s.get("fields", []) if f.get("name") not in private
    ]

    def names(x) -> list[str]:
        return [x] if isinstance(x, str) else list(x or [])

    if "primaryKey" in s and private & set(names(s["primaryKey"])):
        del s["primaryKey"]
    if "foreignKeys" in s:
        s["foreignKeys"] = [fk for fk in s["foreignKeys"] if not private & set(names(fk.get("fields")))]
    if "uniqueKeys" in s:
        s["uniqueKeys"] = [uk for uk in s["uniqueKeys"] if not private & set(names(uk))]
    return s


def _drop_sentences(text: str, names: set[str]) -> str:
    """Descriptions name private fields in prose; published text should not mention them."""
    parts = re.split(r"(?<=[.。])\s+", text.strip())
    return " ".join(p for p in parts if not any(n in p for n in names))


def _stage_package(package, root: Path, as_of, folder: Path, cache: Path | None = None) -> dict[str, Staged]:
    """Write every file of the published package, the zip included, into `folder` (created).
    Reads only the raw files and the descriptor, never the model, so another process can do it
    (`start`). `cache`: where `_Store` keeps files between builds (None: nowhere).
    Returns path inside data/ → Staged."""
    folder.mkdir(parents=True, exist_ok=True)
    store = _Store.open(cache)
    files: dict[str, Staged] = {}
    descriptor = copy.deepcopy(package.raw)
    resources = []
    raw_by_name = {str(r.get("name")): r for r in package.raw.get("resources", []) if isinstance(r, dict)}
    published_bodies: list[str] = []
    photos: list[str] = []
    for name, spec in package.tables.items():
        private = set(spec.private_fields)
        header = [f.name for f in spec.fields if not f.private]
        # Free text only: ids, enums and patterned fields cannot start with a formula sign in
        # validated data, and skipping them keeps million-row tables fast.
        fk_fields = {
            n
            for fk in spec.foreign_keys
            for n in ([fk.get("fields")] if isinstance(fk.get("fields"), str) else fk.get("fields") or [])
        }
        text_fields = {
            f.name
            for f in spec.fields
            if f.type == "string" and f.enum is None and "pattern" not in f.constraints and f.name not in fk_fields
        }
        keep = (lambda r: r.get("state", "").strip() == "published") if name == "reports" else None
        collect = {"reports": "body", "deputies": "image"}.get(name)
        out_path = f"{name}.csv"
        staged, values = _table(root / spec.path, header, text_fields, folder / out_path, keep, collect)
        if name == "reports":
            published_bodies = values
        elif name == "deputies":
            photos = values
        files[out_path] = staged
        res = copy.deepcopy(raw_by_name.get(name, {}))
        res["path"] = out_path
        res["schema"] = _public_schema(res.get("schema") or {}, private)
        if private and isinstance(res.get("description"), str):
            res["description"] = _drop_sentences(res["description"], private)
        res["bytes"] = staged.size
        res["hash"] = "sha256:" + staged.sha256
        res["x-rows"] = staged.rows
        resources.append(res)
    made: set[Path] = set()
    for rel in sorted(set(published_bodies) | set(photos)):
        if not rel or not _SAFE_REL.match(rel):
            continue
        p = package_path(root, rel)  # resolves symlinks: a link to a file outside is not copied
        if p is not None and p.is_file():
            dest = folder / rel
            if dest.parent not in made:
                dest.parent.mkdir(parents=True, exist_ok=True)
                made.add(dest.parent)
            files[rel] = _copy(p, dest, store)
    descriptor["resources"] = resources
    descriptor["x-as-of"] = as_of.isoformat()
    descriptor["x-report-bodies"] = (
        "reports/<id>.md: Markdown bodies of the published reports (drafts are not published)"
    )
    text = json.dumps(descriptor, ensure_ascii=False, sort_keys=True, indent=2, default=str) + "\n"
    sink = _Sink(folder / DESCRIPTOR)
    sink.write(text.encode("utf-8"))
    files[DESCRIPTOR] = sink.close()
    files[ZIP_NAME] = _write_zip(folder, files, as_of, store)
    if store is not None:
        store.prune()
    return files


def _write_zip(folder: Path, files: dict[str, Staged], as_of, store: _Store | None = None) -> Staged:
    """All staged files in one zip (streamed from disk, a megabyte at a time), entries sorted,
    every timestamp the as-of date at midnight. A member's compressed bytes come from `store`
    when it has them (same bytes zipfile would make: same zlib, same settings)."""
    stamp = (max(as_of.year, 1980), as_of.month, as_of.day, 0, 0, 0)
    path = folder / ZIP_NAME
    with create(path) as fh, zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for rel in sorted(files):
            staged = files[rel]
            info = zipfile.ZipInfo(rel, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED  # zlib's default level, 6
            info.create_system = 3
            info.external_attr = 0o644 << 16
            # known before writing, as ZipFile.writestr sets it: decides the ZIP64 headers
            info.file_size = staged.size
            with open(folder / rel, "rb") as src, zf.open(info, "w") as dest:
                reuse = store is not None and staged.size <= _Store.MAX_MEMBER and hasattr(dest, "_compressor")
                raw = store.compressed(staged.sha256) if reuse else None
                if raw is not None:
                    dest._compressor = _Replay(raw)
                elif reuse:
                    recorder = dest._compressor = _Recorder(dest._compressor)
                shutil.copyfileobj(src, dest, _CHUNK)
            if reuse and raw is None:
                store.keep_compressed(staged.sha256, b"".join(recorder.out))
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return Staged(path.stat().st_size, h.hexdigest())


# -- the staging folder of a build -------------------------------------------------------------


class _Stage:
    """A SiteContext's staging folder, and the process staging into it (if any). Holds no
    reference to the SiteContext, so the finalizer can fire when the SiteContext goes."""

    def __init__(self, parent: str | os.PathLike) -> None:
        # ".site-*" is gitignored, like the build's other work folders; the site's parent
        # folder may not exist yet (the build makes it when it publishes)
        Path(parent).mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix=".site-opendata-", dir=parent))
        self.pid = os.getpid()
        self.proc = None  # subprocess.Popen staging the package (`start`)
        self.manifest: Manifest | None = None
        self.finalizer: weakref.finalize | None = None

    def owned(self) -> bool:
        """Forked processes (render and output workers) inherit the SiteContext: only the
        process that made the folder may join its staging process or delete it."""
        return self.pid == os.getpid()

    def cleanup(self) -> None:
        if not self.owned():
            return
        proc, self.proc = self.proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
            proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def _stage(site: SiteContext) -> _Stage:
    st = site.__dict__.get(_STATE)
    if st is None:
        st = _Stage(getattr(site, "work_dir", None) or tempfile.gettempdir())
        # fallback for whoever does not call discard(): when the SiteContext is collected, or at exit
        st.finalizer = weakref.finalize(site, st.cleanup)
        site.__dict__[_STATE] = st
    return st


def staging_dir(site: SiteContext) -> Path:
    """The build's staging folder (made on first use; popolo.py stages its export there too)."""
    return _stage(site).dir


def discard(site: SiteContext) -> None:
    """Remove the staging folder (and stop a staging process still running). The files already
    linked into a site stay there."""
    st = site.__dict__.pop(_STATE, None)
    if st is not None:
        st.finalizer()


@contextlib.contextmanager
def not_inputs(site: SiteContext):
    """generator/cache.py records the files a page module opens as its inputs, to know when its
    cached pages are stale. Staged files are this build's outputs, deleted after it: leave them
    out of that record, or the open-data page would never be reused."""
    prefixes = tuple(str(p) + os.sep for p in (_stage(site).dir, _cache_root()) if p is not None)
    try:
        yield
    finally:
        log = _open_log()
        if log:
            log[:] = [p for p in log if not p.startswith(prefixes)]


def _open_log() -> list | None:
    from .. import cache

    return getattr(getattr(cache, "_OpenLog", None), "paths", None)


def _cache_root() -> Path | None:
    from ..cache import cache_root

    root = cache_root()
    return None if root is None else Path(os.path.abspath(root))


def _csv_bytes(site: SiteContext) -> int:
    root = Path(site.ds.root)
    total = 0
    for spec in site.ds.package.tables.values():
        with contextlib.suppress(OSError, TypeError):
            total += (root / spec.path).stat().st_size
    return total


def _store_root(site: SiteContext) -> Path | None:
    """Where `_Store` keeps files between builds: the build cache, for a package small enough
    to be staged on the build's critical path (an incremental rebuild of a county waits for
    it). A big package is staged beside the page computation, which takes longer, so reuse
    would gain no wall time, and keeping its bodies twice more (as files and compressed:
    ~130,000 of each at province scale, ~1 GB) would cost disk for nothing."""
    return _cache_root() if _csv_bytes(site) < BIG_PACKAGE_BYTES else None


def start(site: SiteContext) -> None:
    """Stage a big package (CSVs summing to BIG_PACKAGE_BYTES or more) in another process while
    this one computes pages; the first call that needs the files joins it (`manifest`). A small
    package is staged on first use instead.

    The other process is a fresh interpreter, not a fork: staging needs only the descriptor and
    the raw files, and a forked child would keep the original of every page of memory this
    process writes while it runs (computing pages touches the whole dataset): measured at
    province scale, a forked stager ended up holding 963 MB of private memory, a fresh one
    holds what it uses."""
    st = site.__dict__.get(_STATE)
    if st is not None and (st.manifest is not None or st.proc is not None):
        return
    import pickle
    import subprocess

    if _csv_bytes(site) < BIG_PACKAGE_BYTES:
        return
    st = _stage(site)
    job = st.dir / "job.pickle"  # our own object, read back only by _child
    job.write_bytes(
        pickle.dumps((site.ds.package, Path(site.ds.root).resolve(), site.as_of, st.dir, _store_root(site)))
    )
    try:
        st.proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD_CODE, str(_CODE_ROOT), str(job)], stdin=subprocess.DEVNULL
        )
    except OSError:
        st.proc = None  # staged here on first use, as a small package is


_CODE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding this generator package
_CHILD_CODE = (
    "import sys; sys.path.insert(0, sys.argv[1]); from generator.outputs.open_data import _child; _child(sys.argv[2])"
)


def _child(job: str) -> None:
    """The staging process (`start`): stage, then write the manifest for the parent."""
    import pickle

    try:
        with open(job, "rb") as f:
            package, root, as_of, folder, cache = pickle.load(f)
        files = _stage_package(package, root, as_of, folder / OUT, cache)
        tmp = folder / (_MANIFEST_FILE + ".tmp")
        tmp.write_text(json.dumps({rel: [s.size, s.sha256, s.rows] for rel, s in files.items()}), encoding="utf-8")
        os.replace(tmp, folder / _MANIFEST_FILE)
    except BaseException:  # noqa: BLE001 - the parent stages again and any error rises there
        if os.environ.get("DEPUTY_SITE_DEBUG"):
            traceback.print_exc()
        raise SystemExit(1) from None


def _joined(st: _Stage, root: Path) -> dict[str, Staged] | None:
    """Wait for the staging process; its files, or None when it failed (nothing left of it)."""
    proc, st.proc = st.proc, None
    files = None
    if proc.wait() == 0:
        try:
            raw = json.loads((st.dir / _MANIFEST_FILE).read_text(encoding="utf-8"))
            files = {rel: Staged(int(v[0]), str(v[1]), None if v[2] is None else int(v[2])) for rel, v in raw.items()}
        except (OSError, ValueError, TypeError, IndexError, AttributeError):
            files = None
    if files is None:
        shutil.rmtree(st.dir / OUT, ignore_errors=True)
        return None
    log = _open_log()
    if log is not None:
        # the bodies (and photos) were read by the other process: they are still inputs of the
        # page module computing now (generator/cache.py), as they would be had it read them itself
        for rel in files:
            if _SAFE_REL.match(rel):
                p = package_path(root, rel)
                if p is not None:
                    log.append(str(p))
    return files


def manifest(site: SiteContext) -> Manifest:
    """What the published package holds (staged on first use; memoised on the SiteContext)."""
    st = _stage(site)
    if st.manifest is None:
        if not st.owned():
            raise RuntimeError("open data is staged by the build's process; forked workers only link it")
        root = Path(site.ds.root)
        with not_inputs(site):
            files = _joined(st, root) if st.proc is not None else None
            if files is None:
                files = _stage_package(site.ds.package, root, site.as_of, st.dir / OUT, _store_root(site))
        st.manifest = Manifest(st.dir / OUT, files)
    return st.manifest


def link(src: Path, dest: Path) -> None:
    """Put a staged file into the site: a hard link (staged files are never modified), else a copy."""
    try:
        _link_new(src, dest)
    except OSError:
        with open(src, "rb") as f, create(dest) as out:
            shutil.copyfileobj(f, out, _CHUNK)


def write(site: SiteContext, pages: list[PageDoc], out_dir: Path) -> list[str]:
    dest = Path(out_dir) / OUT
    st = site.__dict__.get(_STATE)
    m = st.manifest if st is not None else None
    if m is None and st is not None and st.owned() and st.proc is not None:
        m = manifest(site)
    if m is None:
        # nothing staged for a page: write the files straight into the site
        files = _stage_package(site.ds.package, Path(site.ds.root), site.as_of, dest, _store_root(site))
    else:
        files = m.files
        made: set[Path] = set()
        for rel in files:
            target = dest / rel
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            link(m.folder / rel, target)
    return sorted(f"{OUT}/{rel}" for rel in files)
