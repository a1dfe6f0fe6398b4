"""The one module that knows about mkdocs: PageDocs in, a built site out.

Everything else in the generator is mkdocs-free; moving to another static site generator
means rewriting this file only.

- `DeputySitePlugin` (entry point `deputy-site`) adds every PageDoc as a `File.generated`
  page. Section index pages ("index.md", "deputies/index.md", …) are in the nav; record
  pages (deputies, reports, areas, …) are `NOT_IN_NAV`, which keeps the nav — rendered into
  every page — small. The pages out of the nav are rendered after mkdocs' own, each with a
  File and Page made for it and dropped once written, so memory does not grow with the
  number of pages (`_render_lazy`); under `serve` those unchanged since the previous
  rebuild are written from memory instead (`_serve_memo`).
- Generated pages skip mkdocs' Markdown step: each gets a `PrerenderedPage` whose
  `read_source`/`render` take the PageDoc's HTML, title and meta as they are. mkdocs would
  otherwise build a new Markdown converter per page and parse the body's first lines as YAML
  front matter (a name written by a person must never become page metadata).
- Build dates come from the as-of date, so two builds of the same data are byte-identical.
- `build_site` / `serve` are what generator/build.py and generator/serve.py call.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import posixpath
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote as urlquote
from urllib.parse import urljoin, urlsplit

import jinja2
from mkdocs.config import base as config_base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from .pages import PageDoc, SiteContext

log = logging.getLogger("mkdocs.plugins.deputy_site")

ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = ROOT / "mkdocs.yml"
DATA_ENV = "DEPUTY_SITE_DATA"  # `serve --data DIR` passes the data folder to the plugin this way

# Order of the top-level nav; section index pages not listed here follow, sorted by path.
NAV_ORDER = (
    "index.md",
    "deputies/index.md",
    "reports/index.md",
    "groups/index.md",
    "stations/index.md",
    "suggestions/index.md",
    "coverage/index.md",
    "search/index.md",
    "data/index.md",
    "methodology/index.md",
)


WRITES_IN_FLIGHT = 64  # rendered pages queued for the writer threads at most

# While `serve()` runs: the pages out of the nav rendered by the previous preview build, by
# cache.page_key (which covers the page, the theme, content/, mkdocs.yml, the nav and the
# site URL); a rebuild writes those unchanged from here instead of rendering them again.
_serve_memo: dict[str, str] | None = None
SERVE_MEMO_PAGES = 20000  # above this many pages the memo would cost too much memory

SKIP_TEMPLATE = "ds-skip.html"  # an empty template: mkdocs writes nothing for such a page


def in_nav(path: str) -> bool:
    """Only the home page and section index pages go into the nav."""
    return path == "index.md" or (path.endswith("/index.md") and path.count("/") == 1)


class PrerenderedPage(Page):
    """A page whose HTML body was rendered by our own templates: no Markdown, no front matter."""

    skip = False  # True: a nav page another process renders (or the page cache supplies)

    def __init__(self, doc: PageDoc, file: File, config: MkDocsConfig, update_date: str) -> None:
        super().__init__(doc.title, file, config)
        self.doc = doc
        self.update_date = update_date

    def read_source(self, config: MkDocsConfig) -> None:
        self.markdown = ""
        meta: dict[str, Any] = dict(self.doc.meta)
        meta.pop("title", None)  # Material prints meta.title unescaped; the title lives on page.title
        if self.doc.template:
            meta["template"] = self.doc.template
        if self.skip:  # rendered by another partition or copied from the cache
            meta["template"] = SKIP_TEMPLATE
        # Not in the nav: the nav and tabs (relative links to section pages) render the same
        # on every such page in one folder, so theme/main.html renders them once per folder
        # (see `on_env`); the value is the cache key, e.g. "/deputies".
        if self.file.inclusion.is_not_in_nav():
            meta["ds_shared_nav"] = "/" + posixpath.dirname(self.url.rstrip("/"))
        self.meta = meta

    def render(self, config: MkDocsConfig, files: Files) -> None:
        self.content = self.doc.html
        self.toc = get_toc([])
        self._title_from_render = None
        self.present_anchor_ids = set()
        self.links_to_anchors = None


class _PluginConfig(config_base.Config):
    data_dir = c.Type(str, default="data")  # ("data" would shadow UserDict.data)
    as_of = c.Type(str, default="")  # YYYY-MM-DD; empty: SOURCE_DATE_EPOCH, x-data-date, today
    validate_data = c.Type(bool, default=True)  # ("validate" would shadow Config.validate)


class DeputySitePlugin(BasePlugin[_PluginConfig]):
    """Adds the generated pages to an mkdocs build.

    `generator/build.py` hands over pages it already computed (`preload`); `mkdocs build` or
    `mkdocs serve` with mkdocs.yml make the plugin load the data package itself."""

    def __init__(self) -> None:
        super().__init__()
        self.site: SiteContext | None = None
        self.docs: list[PageDoc] | None = None
        self.threaded_writes = False  # set by build_site and _load: pages written by a thread pool
        self._pool: ThreadPoolExecutor | None = None
        self._pending: deque[Future] = deque()
        self.render_only: set[str] | None = None  # generated pages to render (None: all)
        self.html_loader = None  # path -> body HTML, when PageDocs keep html="" (generator/partition.py)
        self._registered: dict[str, File] = {}  # generated pages given to mkdocs, by path
        self._lazy: list[PageDoc] = []  # pages out of the nav this process renders (`_render_lazy`)
        self._plan = None  # generator.partition.BuildPlan of a standalone load (`_load`)
        self._last_output: str | None = None
        self._files: Files | None = None
        self._env = None
        self._nav_obj = None

    def preload(
        self, site: SiteContext, docs: list[PageDoc], render_only: set[str] | None = None, html_loader=None
    ) -> None:
        self.site, self.docs = site, docs
        self.render_only, self.html_loader = render_only, html_loader

    # -- events -----------------------------------------------------------------------

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        if self.docs is None:
            self._load(config)
        assert self.site is not None and self.docs is not None
        if config.nav is None:
            config.nav = self._nav(config)
        return config

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        assert self.site is not None and self.docs is not None
        date = self.site.as_of.isoformat()
        only = self.render_only
        self._registered, self._lazy = {}, []
        for doc in self.docs:
            old = files.get_file_from_path(doc.path)
            if old is not None:  # a generated page wins over a hand-written one of the same path
                log.warning(f"deputy-site: generated page {doc.path} replaces content/{doc.path}")
                files.remove(old)
            nav_page = in_nav(doc.path)
            # A page out of the nav gets only an excluded File (~0.3 KB: links from hand-written
            # pages still resolve to it), no Page: a File and a Page with its meta are ~3 KB each,
            # which a province build would hold for every page in every render process. Those
            # this process renders are rendered one by one after mkdocs' own pages
            # (`_render_lazy`), each Page dropped once written. Nav pages are kept whole (every
            # page's nav needs them). The sitemap still lists every page (on_template_context).
            if not nav_page:
                files.append(File.generated(config, doc.path, content="", inclusion=InclusionLevel.EXCLUDED))
                if only is None or doc.path in only:
                    self._lazy.append(doc)
                continue
            f = File.generated(config, doc.path, content=doc.html, inclusion=InclusionLevel.INCLUDED)
            page = PrerenderedPage(doc, f, config, date)
            page.skip = only is not None and doc.path not in only  # a nav page rendered elsewhere
            files.append(f)
            self._registered[doc.path] = f
        return files

    def on_nav(self, nav, config: MkDocsConfig, files: Files):
        self._nav_obj = nav
        return nav

    def on_template_context(self, context, template_name: str, config: MkDocsConfig):
        # The sitemap lists every page, also those this process leaves out of mkdocs' files, in
        # the order mkdocs would have listed them: ours come after the hand-written ones, in
        # doc order (on_files appends them so).
        if template_name != "sitemap.xml" or self.docs is None or len(self._registered) == len(self.docs):
            return context
        base = config.site_url or ""
        date = self.site.as_of.isoformat()
        pages, placed = [], False
        for f in context["pages"]:
            if not isinstance(f.page, PrerenderedPage):
                pages.append(f)
            elif not placed:
                placed = True
                pages.extend(self._registered.get(d.path) or _SitemapEntry(d.url, base, date) for d in self.docs)
        if not placed:
            pages.extend(self._registered.get(d.path) or _SitemapEntry(d.url, base, date) for d in self.docs)
        context["pages"] = pages
        return context

    def on_pre_build(self, config: MkDocsConfig) -> None:
        if self.threaded_writes:
            # Writing ~3,000 small files is mostly mkdir/open syscalls, which release the GIL.
            self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="deputy-site-write")
            self._pending = deque()

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        if self.html_loader is not None and isinstance(page, PrerenderedPage):
            page.content = ""  # the body was read back for this render only
        if _serve_memo is not None:
            self._last_output = output  # kept for the next preview build (`_render_lazy`)
        if self._pool is None or not isinstance(page, PrerenderedPage) or not output.strip():
            return output
        self._queue_write(page.file.abs_dest_path, output)
        return ""  # written by the pool; mkdocs skips empty output

    def _queue_write(self, path: str, output: str) -> None:
        data = output.encode("utf-8", errors="xmlcharrefreplace")
        if self._pool is None:
            _write(path, data)
            return
        pending = self._pending
        # At most WRITES_IN_FLIGHT pages wait for the disk: an unbounded queue held ~100 MB of
        # page bytes and a Future per page (~1 KB each) when rendering outran the disk.
        while len(pending) >= WRITES_IN_FLIGHT:
            pending.popleft().result()
        pending.append(self._pool.submit(_write, path, data))

    def on_post_build(self, config: MkDocsConfig) -> None:
        try:
            self._render_lazy(config)
            self._finish_writes()
        finally:
            self._close_plan()

    def _render_lazy(self, config: MkDocsConfig) -> None:
        """Render the pages left out of mkdocs' files (`on_files`) as mkdocs renders its own
        (same events, same template context), one transient File and Page at a time."""
        from mkdocs.commands import build as mk_build

        if not self._lazy:
            return
        files, env, nav = self._files, self._env, self._nav_obj
        doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
        date = self.site.as_of.isoformat()
        lazy, self._lazy = self._lazy, []
        memo = _serve_memo if len(lazy) <= SERVE_MEMO_PAGES else None
        if memo is not None:
            from . import cache

            skey = cache.site_key(self.site, self.docs) + "|" + (config.site_url or "")
            kept: dict[str, str] = {}
        for doc in lazy:
            f = File.generated(config, doc.path, content=doc.html, inclusion=InclusionLevel.NOT_IN_NAV)
            if memo is not None:
                key = cache.page_key(skey, doc, self.html_loader(doc.path) if self.html_loader else doc.html)
                out = memo.get(key)
                if out is not None:  # unchanged since the previous preview build
                    kept[key] = out
                    self._queue_write(f.abs_dest_path, out)
                    continue
            page = PrerenderedPage(doc, f, config, date)
            self._last_output = None
            mk_build._populate_page(page, config, files)
            mk_build._build_page(page, config, doc_files, nav, env)
            page.content = None  # the written page's body is not kept
            f.page = None
            if memo is not None and self._last_output is not None:
                kept[key] = self._last_output
        if memo is not None:
            memo.clear()
            memo.update(kept)

    def on_build_error(self, error: Exception) -> None:
        try:
            self._finish_writes(raise_errors=False)
        finally:
            self._close_plan()

    def _close_plan(self) -> None:
        plan, self._plan = self._plan, None
        if plan is not None:
            from .outputs import open_data

            plan.close()
            open_data.discard(self.site)

    def _finish_writes(self, raise_errors: bool = True) -> None:
        pool, pending = self._pool, self._pending
        self._pool, self._pending = None, deque()
        if pool is None:
            return
        try:
            for f in pending:
                exc = f.exception()
                if exc is not None and raise_errors:
                    raise exc
        finally:
            pool.shutdown(wait=True)

    def on_env(self, env, config: MkDocsConfig, files: Files):
        # Compiled theme templates are reused between builds (keyed by each template's source).
        cache_dir = ROOT / ".cache" / "jinja"
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(cache_dir))
        except OSError:
            pass
        cache: dict[str, str] = {}

        def fragment(key: str, html: str | None = None):
            """Get (html None) or store a rendered theme fragment for this build."""
            if html is None:
                return cache.get(key)
            cache[key] = html
            return html

        env.globals["ds_fragment"] = fragment
        env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({SKIP_TEMPLATE: ""}), env.loader])
        self._files, self._env = files, env
        return env

    def on_pre_page(self, page: Page, config: MkDocsConfig, files: Files) -> Page:
        # Hand-written pages get the as-of date too (sitemap lastmod, gzip mtime).
        assert self.site is not None
        page.update_date = self.site.as_of.isoformat()
        return page

    def on_page_context(self, context, page: Page, config: MkDocsConfig, nav):
        context["build_date_utc"] = dt.datetime.combine(self.site.as_of, dt.time(), dt.UTC)
        if self.html_loader is not None and isinstance(page, PrerenderedPage) and not page.skip:
            page.content = self.html_loader(page.doc.path)
        return context

    # -- helpers ----------------------------------------------------------------------

    def _load(self, config: MkDocsConfig) -> None:
        """Standalone use (`mkdocs build/serve`): read, validate and compute pages here."""
        from mkdocs.exceptions import PluginError

        from . import build as build_mod

        base = Path(config.config_file_path or CONFIG_FILE).resolve().parent
        data_dir = Path(os.environ.get(DATA_ENV) or self.config.data_dir)
        if not data_dir.is_absolute():
            data_dir = base / data_dir
        as_of = None
        if self.config.as_of:
            try:
                as_of = dt.date.fromisoformat(self.config.as_of)
            except ValueError:
                raise PluginError(f"deputy-site: as_of is not a date: {self.config.as_of!r}") from None
        from .descriptor import DescriptorError
        from .partition import BuildPlan

        # page modules whose inputs did not change come from .cache/, as in `make site`
        plan = BuildPlan()
        try:
            self.site, self.docs = build_mod.prepare(
                data_dir, as_of, validate=self.config.validate_data, collect_fn=plan.collect
            )
        except (build_mod.InvalidData, DescriptorError) as e:
            plan.close()
            raise PluginError(f"deputy-site: {e}") from None
        self._plan, self.html_loader = plan, plan.loader
        self.threaded_writes = True
        config.watch.append(str(data_dir))

    def _nav(self, config: MkDocsConfig) -> list:
        assert self.docs is not None
        titles = {d.path: d.title for d in self.docs if in_nav(d.path)}
        for path in _content_pages(Path(config.docs_dir)):
            if in_nav(path) or "/" not in path:
                titles.setdefault(path, None)
        order = {p: i for i, p in enumerate(NAV_ORDER)}
        paths = sorted(titles, key=lambda p: (order.get(p, len(order)), p))
        return [{t: p} if t else p for p in paths for t in [titles[p]]]


class _SitemapEntry:
    """What mkdocs' sitemap.xml template reads of a file and its page (`file.page.…`), for a
    generated page left out of this process's mkdocs files. URLs as mkdocs makes them
    (File.url, Page.url, Page._set_canonical_url) for directory URLs."""

    __slots__ = ("canonical_url", "abs_url", "update_date")
    is_link = False

    def __init__(self, url: str, base: str, update_date: str) -> None:
        url = urlquote(url)
        if base:
            canonical = urljoin(base if base.endswith("/") else base + "/", url)
            self.canonical_url, self.abs_url = canonical, urlsplit(canonical).path
        else:
            self.canonical_url = self.abs_url = None
        self.update_date = update_date

    @property
    def page(self) -> _SitemapEntry:
        return self


def _write(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)


def _content_pages(docs_dir: Path) -> list[str]:
    if not docs_dir.is_dir():
        return []
    out = []
    for root, _dirs, names in os.walk(docs_dir):
        for n in names:
            if n.endswith(".md"):
                out.append(posixpath.relpath(posixpath.join(Path(root).as_posix(), n), docs_dir.as_posix()))
    return sorted(out)


def _config(site_dir: Path, config_file: Path | None = None) -> MkDocsConfig:
    from mkdocs.config import load_config

    return load_config(str(config_file or CONFIG_FILE), site_dir=str(site_dir), strict=True)


def _plugin(cfg: MkDocsConfig) -> DeputySitePlugin:
    for p in cfg.plugins.values():
        if isinstance(p, DeputySitePlugin):
            return p
    raise RuntimeError("mkdocs.yml does not list the deputy-site plugin")


class SiteBuildError(Exception):
    """mkdocs refused to build (e.g. a warning in strict mode); str() is safe to show."""


def build_site(
    site: SiteContext,
    docs: list[PageDoc],
    site_dir: Path,
    config_file: Path | None = None,
    render_only: set[str] | None = None,
    html_loader=None,
) -> None:
    """Build the whole site into `site_dir` (which should be empty or absent). With
    `render_only`, only those generated pages are written (partitions, incremental builds);
    `html_loader(path)` supplies bodies of PageDocs kept with html="" (large builds)."""
    from mkdocs.commands.build import build
    from mkdocs.exceptions import MkDocsException

    cfg = _config(site_dir, config_file)
    plugin = _plugin(cfg)
    plugin.preload(site, docs, render_only, html_loader)
    plugin.threaded_writes = True
    # mkdocs reads SOURCE_DATE_EPOCH for the dates it writes; pin it to the as-of date.
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    epoch = int(dt.datetime.combine(site.as_of, dt.time(), dt.UTC).timestamp())
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        build(cfg)
    except MkDocsException as e:
        raise SiteBuildError(str(e)) from None
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def serve(data_dir: Path, addr: str, config_file: Path | None = None) -> None:
    """Live preview: rebuilds (re-reading the data) when data, content or theme change.
    A rebuild computes only the page modules whose inputs changed (.cache/, as `make site`)
    and renders only the pages that changed since the previous rebuild (`_serve_memo`)."""
    global _serve_memo
    from mkdocs.commands.serve import serve as mk_serve

    os.environ[DATA_ENV] = str(Path(data_dir).resolve())
    cfg_file = config_file or CONFIG_FILE
    root = Path(cfg_file).resolve().parent
    _serve_memo = {}
    try:
        mk_serve(
            str(cfg_file),
            dev_addr=addr,
            livereload=True,
            watch=[str(Path(data_dir).resolve()), str(root / "generator" / "templates")],
        )
    finally:
        _serve_memo = None
