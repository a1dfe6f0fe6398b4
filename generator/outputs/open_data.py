"""The published data package, written into the site under `data/`.

What is published is an allow-list: only fields the descriptor declares and does not mark
private, only published reports (drafts and their bodies are left out), report bodies of
published reports, and photos the deputies table points to. Cells go through
sanitize.csv_cell (text starting with = + - @ gets a leading apostrophe, so a spreadsheet never
runs it as a formula); nothing else is escaped, and csv.writer quotes where CSV needs it. Everything is deterministic:
CSV rows in file order, JSON with sorted keys, zip entries sorted with a fixed timestamp (the
as-of date), so two builds of the same data are byte-identical.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

from ..pages import PageDoc, SiteContext
from ..sanitize import csv_cell, package_path

OUT = "data"
ZIP_NAME = "datapackage.zip"
DESCRIPTOR = "datapackage.json"
_SAFE_REL = re.compile(r"^(?!.*\.\.)[A-Za-z0-9_-]+(?:/[A-Za-z0-9_.-]+)*\.(?:md|jpg|jpeg|png|webp)$")
_CACHE = "_open_data_files"


_FORMULA_START = frozenset("=+-@\t\r")


def _table(path: Path, header: list[str], text_fields: set[str], keep=None,
           collect: str | None = None) -> tuple[bytes, int, list[str]]:
    """Read one raw CSV and write only the `header` columns (an allow-list), in file order.
    `keep(row_by_name)` filters rows. Returns the CSV bytes, the number of rows kept and the
    values of the `collect` column. Rows are streamed straight into the output, never held as
    a list: the attendance table has over five million rows at province scale."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")  # RFC 4180; quotes only where needed
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
    except (OSError, UnicodeDecodeError, csv.Error):
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerow(header)
        n, collected = 0, []
    return buf.getvalue().encode("utf-8"), n, collected


def _public_schema(schema: dict, private: set[str]) -> dict:
    """The schema without private fields, and without keys that name one."""
    s = copy.deepcopy(schema)
    s["fields"] = [{k: v for k, v in f.items() if k != "private"} for f in s.get("fields", []) if f.get("name") not in private]

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


def build_files(site: SiteContext) -> dict[str, bytes]:
    """Relative path (inside data/) → bytes, for every file of the published package except
    the zip. Memoised on the SiteContext: the open-data page and the writer share it."""
    cached = site.__dict__.get(_CACHE)
    if cached is not None:
        return cached
    ds = site.ds
    pkg = ds.package
    root = ds.root
    files: dict[str, bytes] = {}
    descriptor = copy.deepcopy(pkg.raw)
    resources = []
    raw_by_name = {str(r.get("name")): r for r in pkg.raw.get("resources", []) if isinstance(r, dict)}
    published_bodies: list[str] = []
    photos: list[str] = []
    for name, spec in pkg.tables.items():
        private = set(spec.private_fields)
        header = [f.name for f in spec.fields if not f.private]
        # Free text only: ids, enums and patterned fields cannot start with a formula sign in
        # validated data, and skipping them keeps million-row tables fast.
        fk_fields = {n for fk in spec.foreign_keys for n in ([fk.get("fields")] if isinstance(fk.get("fields"), str) else fk.get("fields") or [])}
        text_fields = {
            f.name for f in spec.fields
            if f.type == "string" and f.enum is None and "pattern" not in f.constraints and f.name not in fk_fields
        }
        keep = (lambda r: r.get("state", "").strip() == "published") if name == "reports" else None
        collect = {"reports": "body", "deputies": "image"}.get(name)
        data, n_rows, values = _table(root / spec.path, header, text_fields, keep, collect)
        if name == "reports":
            published_bodies = values
        elif name == "deputies":
            photos = values
        out_path = f"{name}.csv"
        files[out_path] = data
        res = copy.deepcopy(raw_by_name.get(name, {}))
        res["path"] = out_path
        res["schema"] = _public_schema(res.get("schema") or {}, private)
        if private and isinstance(res.get("description"), str):
            res["description"] = _drop_sentences(res["description"], private)
        res["bytes"] = len(data)
        res["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
        res["x-rows"] = n_rows
        resources.append(res)
    for rel in sorted(set(published_bodies) | set(photos)):
        if not rel or not _SAFE_REL.match(rel):
            continue
        p = package_path(root, rel)  # resolves symlinks: a link to a file outside is not copied
        if p is not None and p.is_file():
            files[rel] = p.read_bytes()
    descriptor["resources"] = resources
    descriptor["x-as-of"] = site.as_of.isoformat()
    descriptor["x-report-bodies"] = "reports/<id>.md: Markdown bodies of the published reports (drafts are not published)"
    files[DESCRIPTOR] = (json.dumps(descriptor, ensure_ascii=False, sort_keys=True, indent=2, default=str) + "\n").encode("utf-8")
    site.__dict__[_CACHE] = files
    return files


def zip_bytes(site: SiteContext, files: dict[str, bytes]) -> bytes:
    """All files in one zip, entries sorted, every timestamp the as-of date at midnight."""
    stamp = (max(site.as_of.year, 1980), site.as_of.month, site.as_of.day, 0, 0, 0)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for rel in sorted(files):
            info = zipfile.ZipInfo(rel, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, files[rel], compresslevel=6)
    return buf.getvalue()


def all_files(site: SiteContext) -> dict[str, bytes]:
    files = dict(build_files(site))
    cached = site.__dict__.get(_CACHE + "_zip")
    if cached is None:
        cached = zip_bytes(site, files)
        site.__dict__[_CACHE + "_zip"] = cached
    files[ZIP_NAME] = cached
    return files


def write(site: SiteContext, pages: list[PageDoc], out_dir: Path) -> list[str]:
    written = []
    for rel, data in sorted(all_files(site).items()):
        target = Path(out_dir) / OUT / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(f"{OUT}/{rel}")
    return sorted(written)
