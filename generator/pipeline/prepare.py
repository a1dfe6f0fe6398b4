"""Read, validate, stage the open data and compute every page: everything before rendering.

The order is the data flow: descriptor → validation (errors stop here) → model → staged
open-data package and Popolo export (the open-data page shows their sizes) → page modules.
With a worker pool, the open data is staged by a worker while the pages are computed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .. import store as st
from ..descriptor import read_package
from ..errors import GeneratorError
from ..model import load_dataset
from ..options import Options
from ..outputs import open_data, popolo
from ..outputs.registry import from_store, to_store
from ..pages import PAGE_MODULES, PageDoc, SiteContext, checked, urls
from ..pages.posters import qr_drawing, qr_targets
from ..pages.reports import without_own_title
from ..sanitize import markdown_to_safe_html
from ..store import Store
from ..validate.body_checks import BODY_PATH
from ..workers import Pool
from . import incremental
from .parallel import Spool, SpoolReader, release_free_memory


class InvalidData(GeneratorError):
    """The data package has errors; str() lists them (never a private value)."""

    def __init__(self, problems: list) -> None:
        self.problems = problems
        lines = [f"{p.location()}: {p.message_zh} / {p.message_en}" for p in problems]
        super().__init__(
            f"数据包有 {len(problems)} 个错误，未发布 / {len(problems)} errors, not published\n" + "\n".join(lines)
        )


def resolve_as_of(cli_value: dt.date | None, package_raw: dict | None) -> dt.date:
    """--as-of, else SOURCE_DATE_EPOCH, else the descriptor's x-data-date, else today."""
    if cli_value:
        return cli_value
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
        except (ValueError, OverflowError, OSError):
            pass
    raw = (package_raw or {}).get("x-data-date")
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            pass
    return dt.date.today()


class _ConfigLoader(yaml.SafeLoader):
    """mkdocs.yml as plain data: a tag (!!python/name, !ENV…) is read as null, never run."""


_ConfigLoader.add_multi_constructor("", lambda loader, suffix, node: None)
POPOLO_FILE = Path(popolo.OUTPUT_PATH).name  # staged as staged/<this>, published at OUTPUT_PATH
_SITE_URL = re.compile(r"^https?://[^\s/?#]+(?:/[^\s?#]*)?$")


def resolve_site_url(cli_value: str | None, config_file: Path) -> str:
    """The site's public address with a trailing "/": Options.site_url, else mkdocs.yml's
    site_url (as mkdocs reads it, also under `mkdocs serve`, which points its own copy at the
    preview server: a printed QR code must lead to the public site). "" when unset or not an
    http(s) address."""
    value = cli_value
    if value is None:
        try:
            cfg = yaml.load(Path(config_file).read_text(encoding="utf-8-sig"), Loader=_ConfigLoader)  # noqa: S506 - tags are read as null
        except (OSError, yaml.YAMLError):
            cfg = None
        value = cfg.get("site_url") if isinstance(cfg, dict) else None
    value = value.strip() if isinstance(value, str) else ""
    if not _SITE_URL.match(value):
        return ""
    return value if value.endswith("/") else value + "/"


def text_key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def make_bodies(root: str, folder: str) -> dict[str, tuple[int, int]]:
    """In a worker: the HTML of every report body file under `root` (reports/*.md), into a
    spool file in `folder`; returns the spool's index by `text_key` of the Markdown. The pages
    look a body up by its text, so a file read differently here can only miss, never mismatch."""
    spool = Spool(Path(folder), "bodies.spool")
    base = Path(root)
    for f in sorted(base.glob("reports/*.md")):
        if f.is_symlink() or not BODY_PATH.fullmatch(f.relative_to(base).as_posix()):
            continue
        try:
            text = f.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        text = without_own_title(text, "")  # as the report page does (it knows the name too)
        k = text_key(text)
        if k not in spool.index:
            spool.add(k, markdown_to_safe_html(text, image_url=urls.report_body_image))  # as site.body_html
    spool.close_writing()
    return spool.index


def make_qr_codes(targets: list[str], folder: str) -> dict[str, tuple[int, int]]:
    """In a worker: posters.qr_drawing of every target, into a spool file in `folder`."""
    spool = Spool(Path(folder), "qr.spool")
    for t in targets:
        spool.add(t, qr_drawing(t))
    spool.close_writing()
    return spool.index


class MadeAhead:
    """`site.bodies` and `site.qr_codes`: what a worker made into the spool file `path`, by
    `key(value)`; waits for the worker on first use, None for what it did not make."""

    def __init__(self, pending, path: Path, key: Callable[[str], str] = text_key) -> None:
        self._pending, self._path, self._key, self._reader = pending, path, key, None

    def __call__(self, text: str) -> str | None:
        if self._reader is None:
            try:
                index = self._pending.result()
            except Exception:  # noqa: BLE001 - the worker failed or died: each page makes its own
                index = {}
            self._reader = SpoolReader(self._path, index)
        k = self._key(text)
        return self._reader(k) if k in self._reader.index else None


def stage_popolo(site: SiteContext, staged: Path, store: Store) -> int:
    """popolo.stage, copied from the store while the tables are unchanged (it reads no body);
    the export's size in bytes. A copy, as every open-data file: the published data/ shares no
    bytes with the store (a file of the site written through changes nothing a build reuses)."""
    k = st.key(incremental.outputs_key(site), "popolo") if store else ""
    if not (store and from_store(store, "popolo", k, staged, copy=True)):
        popolo.stage(site, staged)
        if store:
            to_store(store, "popolo", k, staged, [POPOLO_FILE], copy=True)
    return (staged / POPOLO_FILE).stat().st_size


@dataclass
class Prepared:
    site: SiteContext
    docs: list[PageDoc]
    staged: Path  # holds data/ (the open-data package) and popolo.json
    loader: SpoolReader | None = None  # page bodies on disk (big sites), else None
    stats: dict = field(default_factory=dict)
    store: Store = field(default_factory=lambda: Store(None))  # the build's store (photos are kept there)


def prepare(opts: Options, work: Path, pool: Pool | None = None) -> Prepared:
    """Raises InvalidData or DescriptorError (both GeneratorError)."""
    data_dir = Path(opts.data_dir)
    store = Store(opts.cache_dir)
    package = read_package(data_dir)
    day = resolve_as_of(opts.as_of, package.raw)
    staged = work / "staged"
    root = Path(data_dir)
    # Staged by a worker while this process validates and computes the pages: it reads only the
    # descriptor and the raw files. Should validation fail, the pool kills it.
    pending = (
        pool.submit(open_data.stage, package, root.resolve(), day, staged / open_data.OUT, store) if pool else None
    )
    keep: dict = {}
    if opts.validate:
        errors = incremental.validate(store, data_dir, day, package, keep, pool)
        if errors:
            raise InvalidData(errors)
    ds = keep.get("ds") or load_dataset(data_dir, package=package)
    # Line numbers only serve validation messages; at province scale the map holds ~10M entries
    # (about 1 GB) that no page needs.
    ds.drop_lines()
    release_free_memory()
    site = SiteContext(
        ds=ds, as_of=day, site_url=resolve_site_url(opts.site_url, opts.config_file), preview=opts.preview
    )
    site.popolo_size = stage_popolo(site, staged, store)

    def before(mod) -> None:
        if "open_data" in getattr(mod, "NEEDS", ()) and site.open_data is None:
            site.open_data = (
                pending.result() if pending else open_data.stage(package, root, day, staged / open_data.OUT, store)
            )

    modules = {name: importlib.import_module(f"generator.pages.{name}") for name in PAGE_MODULES}
    spool = opts.spool == "on" or (opts.spool != "off" and len(ds.deputies) * 2.5 >= opts.spool_pages)
    # The report bodies (about two thirds of computing the pages) are made into HTML by a worker
    # while this process computes the other modules; the reports module comes last.
    last: tuple[str, ...] = ()
    if (
        pool is not None
        and len(ds.reports) >= opts.bodies_ahead
        and (spool or not incremental.stored(store, site, "reports"))
    ):
        site.bodies = MadeAhead(pool.submit(make_bodies, str(root.resolve()), str(work)), work / "bodies.spool")
        last = ("reports",)
    # Likewise the posters' QR codes (about 0.8 ms each: 100 s at province scale); posters last.
    if pool is not None and (spool or not incremental.stored(store, site, "posters")):
        targets = qr_targets(site)
        if len(targets) >= opts.bodies_ahead:
            site.qr_codes = MadeAhead(pool.submit(make_qr_codes, targets, str(work)), work / "qr.spool", str)
            last += ("posters",)
    stats: dict = {}
    if spool:  # bodies to disk as they are made (peak memory: one module)
        sp = Spool(work)
        parts: dict[str, list[PageDoc]] = {}
        for name in [n for n in modules if n not in last] + list(last):
            before(modules[name])
            parts[name] = [sp.put(checked(d)) for d in modules[name].pages(site)]
        sp.close_writing()
        docs = [d for name in modules for d in parts[name]]
        loader = sp.reader()
        site.search_texts = loader.search_text
    else:
        docs, stats = incremental.module_docs(
            store, site, modules, lambda name: [checked(d) for d in modules[name].pages(site)], before, last
        )
        loader = None
    site.bodies = site.qr_codes = None
    before(modules["opendata"])  # staged whatever the pages needed: the site publishes it
    return Prepared(site, docs, staged, loader, stats, store)
