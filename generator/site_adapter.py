"""The one module that knows about mkdocs: PageDocs in, rendered pages out.

Everything else in the generator is mkdocs-free; moving to another static site generator
means rewriting this file (and the thin entry point generator/plugin.py) only.

- `SitePlugin` adds every PageDoc as a `File.generated` page. Section index pages
  ("index.md", "deputies/index.md", …) are in the nav; record pages (deputies, reports,
  areas, …) get only an excluded File and are rendered after mkdocs' own pages, each with a
  File and Page made for it and dropped once written, so memory does not grow with the
  number of pages (`_render_lazy`).
- Generated pages skip mkdocs' Markdown step: each gets a `PrerenderedPage` whose
  `read_source`/`render` take the PageDoc's HTML, title and meta as they are. mkdocs would
  otherwise build a new Markdown converter per page and parse the body's first lines as YAML
  front matter (a name written by a person must never become page metadata).
- Build dates come from the as-of date, so two builds of the same data are byte-identical.
- `build_site` renders into a folder; it reads nothing but what it is given (no data, no
  cache): the pipeline (generator/pipeline) decides what to render.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import posixpath
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote as urlquote
from urllib.parse import urljoin, urlsplit

import jinja2
from mkdocs.commands import build as mk_build
from mkdocs.config import base as config_base
from mkdocs.config import config_options as c
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import MkDocsException
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from .errors import GeneratorError
from .pages import PageDoc, SiteContext
from .pages.urls import NOT_IN_MENU, SECTION_PAGES

log = logging.getLogger("mkdocs.plugins.deputy_site")


# Order of the top-level nav; section index pages not listed here follow, sorted by path.
NAV_ORDER = SECTION_PAGES  # one ordered list of the section pages (pages/urls.py)


SKIP_TEMPLATE = "ds-skip.html"  # an empty template: mkdocs writes nothing for such a page


def in_nav(path: str) -> bool:
    """Only the home page and section index pages go into the nav: for generated pages, only
    the site's own (NAV_ORDER), never a page made from a record whatever its id (issue 17)."""
    return path in NAV_ORDER


def _content_in_nav(path: str) -> bool:
    """Hand-written pages in content/: the home page and section index pages."""
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


class SitePlugin(BasePlugin[_PluginConfig]):
    """Renders the PageDocs it is given (`preload`) into an mkdocs build. The mkdocs entry
    point (generator/plugin.py) extends it to load the data itself under `mkdocs build`."""

    def __init__(self) -> None:
        super().__init__()
        self.site: SiteContext | None = None
        self.docs: list[PageDoc] | None = None
        self.render_only: set[str] | None = None  # generated pages to render (None: all)
        self.html_loader = None  # path -> body HTML, when PageDocs keep html="" (spooled bodies)
        self._registered: dict[str, File] = {}  # generated pages given to mkdocs, by path
        self._lazy: list[PageDoc] = []  # pages out of the nav this process renders (`_render_lazy`)
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
            raise SiteBuildError("deputy-site: no pages were handed to the plugin")
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
        if base and not base.endswith("/"):
            base += "/"
        base_path = urlsplit(base).path if base else ""
        date = self.site.as_of.isoformat()
        # A page whose meta says sitemap: False (the posters, print copies of station and deputy
        # pages) is left out: search engines get the pages themselves.
        listed = [d for d in self.docs if d.meta.get("sitemap", True)]
        pages, placed = [], False
        for f in context["pages"]:
            if not isinstance(f.page, PrerenderedPage):
                pages.append(f)
            elif not placed:
                placed = True
                pages.extend(
                    self._registered.get(d.path) or _SitemapEntry(d.url, base, base_path, date) for d in listed
                )
        if not placed:
            pages.extend(self._registered.get(d.path) or _SitemapEntry(d.url, base, base_path, date) for d in listed)
        context["pages"] = pages
        return context

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        if self.html_loader is not None and isinstance(page, PrerenderedPage):
            page.content = ""  # the body was read back for this render only
        return output

    def on_post_build(self, config: MkDocsConfig) -> None:
        self._render_lazy(config)

    def _render_lazy(self, config: MkDocsConfig) -> None:
        """Render the pages left out of mkdocs' files (`on_files`) as mkdocs renders its own
        (same events, same template context), one transient File and Page at a time."""
        if not self._lazy:
            return
        files, env, nav = self._files, self._env, self._nav_obj
        doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
        date = self.site.as_of.isoformat()
        lazy, self._lazy = self._lazy, []
        for doc in lazy:
            f = File.generated(config, doc.path, content=doc.html, inclusion=InclusionLevel.NOT_IN_NAV)
            page = PrerenderedPage(doc, f, config, date)
            mk_build._populate_page(page, config, files)
            mk_build._build_page(page, config, doc_files, nav, env)
            page.content = None  # the written page's body is not kept
            f.page = None

    def on_env(self, env, config: MkDocsConfig, files: Files):
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

    def _nav(self, config: MkDocsConfig) -> list:
        assert self.docs is not None
        titles = {d.path: d.title for d in self.docs if in_nav(d.path)}
        for path in _content_pages(Path(config.docs_dir)):
            if (_content_in_nav(path) or "/" not in path) and path not in NOT_IN_MENU:
                titles.setdefault(path, None)
        order = {p: i for i, p in enumerate(NAV_ORDER)}
        paths = sorted(titles, key=lambda p: (order.get(p, len(order)), p))
        return [{t: p} if t else p for p in paths for t in [titles[p]]]


# A relative URL that urljoin appends to a base ending in "/" as it is (the pages' own: no
# scheme, no leading "/", no "." or ".." segment; urlquote already escaped "?" and "#").
_PLAIN_URL = re.compile(r"^(?:[A-Za-z0-9_%~-][A-Za-z0-9_.%~-]*/)*$")


class _SitemapEntry:
    """What mkdocs' sitemap.xml template reads of a file and its page (`file.page.…`), for a
    generated page left out of this process's mkdocs files. URLs as mkdocs makes them
    (File.url, Page.url, Page._set_canonical_url) for directory URLs."""

    __slots__ = ("canonical_url", "abs_url", "update_date")
    is_link = False

    def __init__(self, url: str, base: str, base_path: str, update_date: str) -> None:
        """`base`: the site URL ending in "/" (or ""), `base_path` its path."""
        url = urlquote(url)
        if base and _PLAIN_URL.match(url):  # what urljoin gives, without its parsing
            self.canonical_url, self.abs_url = base + url, base_path + url
        elif base:
            canonical = urljoin(base, url)
            self.canonical_url, self.abs_url = canonical, urlsplit(canonical).path
        else:
            self.canonical_url = self.abs_url = None
        self.update_date = update_date

    @property
    def page(self) -> _SitemapEntry:
        return self


def _content_pages(docs_dir: Path) -> list[str]:
    if not docs_dir.is_dir():
        return []
    out = []
    for root, _dirs, names in os.walk(docs_dir):
        for n in names:
            if n.endswith(".md"):
                out.append(posixpath.relpath(posixpath.join(Path(root).as_posix(), n), docs_dir.as_posix()))
    return sorted(out)


def dest_path(doc: PageDoc) -> str:
    """The file a generated page is written to (directory URLs), relative to the site."""
    return doc.url + "index.html"


def _plugin(cfg: MkDocsConfig) -> SitePlugin:
    for p in cfg.plugins.values():
        if isinstance(p, SitePlugin):
            return p
    raise SiteBuildError("mkdocs.yml does not list the deputy-site plugin / mkdocs.yml 未启用 deputy-site 插件")


class SiteBuildError(GeneratorError):
    """mkdocs refused to build (e.g. a warning in strict mode); str() is safe to show."""


def build_site(
    site: SiteContext,
    docs: list[PageDoc],
    site_dir: Path,
    config_file: Path,
    render_only: set[str] | None = None,
    html_loader=None,
) -> None:
    """Build the whole site into `site_dir` (which should be empty or absent). With
    `render_only`, only those generated pages are written (partitions, incremental builds);
    `html_loader(path)` supplies bodies of PageDocs kept with html="" (large builds)."""
    cfg = load_config(str(config_file), site_dir=str(site_dir), strict=True)
    _plugin(cfg).preload(site, docs, render_only, html_loader)
    # mkdocs reads SOURCE_DATE_EPOCH for the dates it writes; pin it to the as-of date.
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(source_date_epoch(site.as_of))
    try:
        mk_build.build(cfg)
    except MkDocsException as e:
        raise SiteBuildError(str(e)) from None
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def source_date_epoch(as_of: dt.date) -> int:
    return int(dt.datetime.combine(as_of, dt.time(), dt.UTC).timestamp())
