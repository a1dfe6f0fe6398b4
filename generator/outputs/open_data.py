"""The published data package, staged into a folder before the pages are computed.

What is published is an allow-list: only fields the descriptor declares and does not mark
private, only published reports (drafts and their bodies are left out), report bodies of
published reports, and photos the deputies table points to. Cells go through
sanitize.csv_cell (text starting with = + - @, fullwidth ＝ ＋ － ＠ or blanks before one gets a
leading apostrophe, so a spreadsheet never runs it as a formula); nothing else is escaped, and
csv.writer quotes where CSV needs it.
Everything is deterministic: CSV rows in file order, JSON with sorted keys, zip entries sorted
with a fixed timestamp (the as-of date), so two builds of the same data are byte-identical.

`stage(package, root, as_of, folder)` reads only the descriptor and the raw files, never the
model, so a worker process can run it while the pages are computed (generator/pipeline). Files
are streamed, never held (at province scale the CSVs are ~900 MB, the zip ~180 MB); it returns
path → Published (size, sha256, rows), which the open-data page shows. The pipeline then moves
or links the staged folder into the site (`place`).
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

from ..errors import GeneratorError
from ..pages import Published, urls
from ..sanitize import (
    CSV_GUARD_START,
    REPORT_IMAGES,
    csv_cell,
    name_problem,
    package_path,
    relpath_problem,
    report_images_in,
)
from .photos import memo, stripped_bytes

OUT = urls.OPEN_DATA
ZIP_NAME = urls.OPEN_DATA_ZIP
DESCRIPTOR = urls.OPEN_DATA_DESCRIPTOR
_SAFE_REL = re.compile(r"^(?!.*\.\.)[A-Za-z0-9_-]+(?:/[A-Za-z0-9_.-]+)*\.(?:md|jpg|jpeg|png|webp)$")
_CHUNK = 1 << 20
# Every published CSV starts with a UTF-8 byte order mark: Excel on Chinese Windows reads a CSV
# without one as GBK and shows mojibake; frictionless and csv (utf-8-sig) read it either way.
_BOM = b"\xef\xbb\xbf"
_FORMULA_START = CSV_GUARD_START  # formula signs (fullwidth too) and leading blanks


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

    def close(self, rows: int | None = None) -> Published:
        self.f.close()
        return Published(self.size, self.h.hexdigest(), rows)


def _table(
    path: Path, header: list[str], text_fields: set[str], dest: Path, keep=None, collect: str | None = None
) -> tuple[Published, list[str]]:
    """Read one raw CSV and write only the `header` columns (an allow-list), in file order, to
    `dest`. `keep(row_by_name)` filters rows. Returns what was staged (with the rows kept) and
    the values of the `collect` column. Rows are streamed to the file about a megabyte at a
    time, never held: the attendance table has millions of rows at province scale."""
    sink = _Sink(dest)
    sink.write(_BOM)
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
        sink.write(_BOM)
        buf.seek(0)
        buf.truncate()
        csv.writer(buf, lineterminator="\r\n").writerow(header)
        flush()
        n, collected = 0, []
    return sink.close(n), collected


def _copy_photo(src: Path, dest: Path, store=None) -> Published:
    """A deputy's photo without its metadata (a phone writes GPS coordinates into EXIF), at full
    size (generator/outputs/photos.py stripped_bytes); a file Pillow cannot read is copied as
    it is (only an unvalidated build gets that far: the validator refuses it)."""
    data = memo(store, "open-data", src, stripped_bytes)
    if data is None:
        return _copy(src, dest)
    with create(dest) as f:
        f.write(data)
    return Published(len(data), hashlib.sha256(data).hexdigest())


def _copy(src: Path, dest: Path) -> Published:
    data = src.read_bytes()  # one body or photo: small
    with create(dest) as f:
        f.write(data)
    return Published(len(data), hashlib.sha256(data).hexdigest())


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


class UnsafeDataPath(GeneratorError):
    """A resource name or path the path rule refuses (the validator reports it first as
    unsafe-name / unsafe-path): nothing is written for a package that has one."""


def _source(root: Path, name: str, rel: str) -> Path:
    """The CSV of resource `name`, checked by the path rule before anything is written."""
    if name_problem(name) not in (None, "reserved"):
        raise UnsafeDataPath(f"open data: resource name {name!r} cannot be a file name (letters, digits, - and _ only)")
    p = package_path(root, rel) if relpath_problem(rel, (".csv",)) is None else None
    if p is None:
        raise UnsafeDataPath(f"open data: resource {name}: path {rel!r} is not a .csv file inside the package")
    return p


def _inside(folder: Path, rel: str, resolved: Path | None = None) -> Path:
    """`folder / rel`, refusing anything that would lie outside `folder` (`resolved`: the
    folder resolved, when the caller has it: one resolve less per file)."""
    dest = folder / rel
    if relpath_problem(rel) is not None or not dest.resolve().is_relative_to(resolved or folder.resolve()):
        raise UnsafeDataPath(f"open data: {rel!r} would be written outside the data folder")
    return dest


def stage(package, root: Path, as_of, folder: Path, store=None) -> dict[str, Published]:
    """Write every file of the published package, the zip included, into `folder` (created).
    Returns path inside data/ → Published. Every resource name and path is checked before
    the first file is written (UnsafeDataPath)."""
    sources = {name: _source(root, name, spec.path) for name, spec in package.tables.items()}
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Published] = {}
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
        staged, values = _table(sources[name], header, text_fields, _inside(folder, out_path), keep, collect)
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
    resolved = folder.resolve()
    photo_set = set(photos) | set(_body_images(root, published_bodies))
    for rel in sorted(set(published_bodies) | photo_set):
        if not rel or not _SAFE_REL.match(rel):
            continue
        p = package_path(root, rel)  # resolves symlinks: a link to a file outside is not copied
        if p is not None and p.is_file():
            dest = _inside(folder, rel, resolved)
            if dest.parent not in made:
                dest.parent.mkdir(parents=True, exist_ok=True)
                made.add(dest.parent)
            files[rel] = _copy_photo(p, dest, store) if rel in photo_set else _copy(p, dest)
    descriptor["resources"] = resources
    descriptor["x-as-of"] = as_of.isoformat()
    descriptor["x-report-bodies"] = (
        "reports/<id>.md: Markdown bodies of the published reports (drafts are not published)"
    )
    text = json.dumps(descriptor, ensure_ascii=False, sort_keys=True, indent=2, default=str) + "\n"
    sink = _Sink(folder / DESCRIPTOR)
    sink.write(text.encode("utf-8"))
    files[DESCRIPTOR] = sink.close()
    files[ZIP_NAME] = _write_zip(folder, files, as_of)
    return files


def _body_images(root: Path, bodies: list[str]) -> list[str]:
    """reports/images/<file> for every image a published body mentions (issue 17: the body's
    images/<file> then resolves inside the open data too); published like the photos, without
    metadata. Nothing is read when the package has no reports/images folder."""
    if not (Path(root) / REPORT_IMAGES).is_dir():
        return []
    names: set[str] = set()
    for rel in bodies:
        p = package_path(root, rel) if rel and _SAFE_REL.match(rel) else None
        if p is None or not p.is_file():
            continue
        try:
            names.update(report_images_in(p.read_text(encoding="utf-8-sig")))
        except (OSError, UnicodeDecodeError):
            continue
    return [f"{REPORT_IMAGES}/{n}" for n in sorted(names)]


def _write_zip(folder: Path, files: dict[str, Published], as_of) -> Published:
    """All staged files in one zip (streamed from disk, a megabyte at a time), entries sorted,
    every timestamp the as-of date at midnight."""
    # zip timestamps hold the years 1980-2107: a date outside is clamped, never a crash
    day = min(max(as_of, dt.date(1980, 1, 1)), dt.date(2107, 12, 31))
    stamp = (day.year, day.month, day.day, 0, 0, 0)
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
                shutil.copyfileobj(src, dest, _CHUNK)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return Published(path.stat().st_size, h.hexdigest())


def link(src: Path, dest: Path) -> None:
    """Put a staged file into the site: a hard link (staged files are never modified), else a copy."""
    try:
        _link_new(src, dest)
    except OSError:
        with open(src, "rb") as f, create(dest) as out:
            shutil.copyfileobj(f, out, _CHUNK)


def place(folder: Path, files: dict[str, Published], out_dir: Path) -> list[str]:
    """Put the files staged in `folder` into the site's data/ folder (hard links: staged
    files are never modified); returns their paths inside the site."""
    dest = Path(out_dir) / OUT
    made: set[Path] = set()
    for rel in files:
        target = dest / rel
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        link(folder / rel, target)
    return sorted(f"{OUT}/{rel}" for rel in files)
