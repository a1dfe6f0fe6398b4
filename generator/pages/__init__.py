"""Pure page functions: validated data in, `PageDoc`s out. No mkdocs here.

Each page module (deputies.py, reports.py, …) exposes `pages(site: SiteContext) -> Iterable[PageDoc]`
and is listed in PAGE_MODULES. The mkdocs adapter (generator/site_adapter.py) is the only
consumer that knows about mkdocs; the search indexer and open-data writers consume PageDocs too.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..model import Dataset
from ..sanitize import markdown_to_safe_html, safe_page_path
from ..schedule import MandateStatus, mandate_status
from . import urls
from .urls import SECTION_PAGES, UnsafePagePath


@dataclass(frozen=True)
class SearchEntry:
    """What the search index knows about a page. All values are plain text (never HTML)."""

    kind: str  # deputy | report | group | station | suggestion | page
    title: str
    person: str = ""  # the deputy the page is about or by, if any
    date: str = ""  # ISO date, if any
    text: str = ""  # body text to index
    places: tuple[str, ...] = ()  # areas, station and group names a person may type


@dataclass(frozen=True)
class PageDoc:
    """One generated page. `path` is the source URI (e.g. "deputies/d0001.md"); with directory
    URLs it is served at "deputies/d0001/". `html` is the body, already escaped/sanitized.
    `meta` holds plain values the theme template reads (documented per template)."""

    path: str
    title: str
    template: str
    html: str
    meta: dict = field(default_factory=dict)
    search: SearchEntry | None = None
    source: str = ""  # data file the page comes from (for edit links), relative to data/

    @property
    def url(self) -> str:
        p = self.path[:-3] if self.path.endswith(".md") else self.path
        if p == "index" or p.endswith("/index"):
            return p[:-5]
        return p + "/"


@dataclass(frozen=True, slots=True)
class Published:
    """One file of the published open-data package (or the Popolo export): its size in bytes,
    sha256 (hex) and, for a table, its rows."""

    size: int
    sha256: str
    rows: int | None = None


@dataclass
class SiteContext:
    """What every page function gets: the data, the date figures are computed for, what the
    pipeline staged before the pages (open-data files, shown with their sizes), and memoised
    derived figures so no page recomputes what another already did."""

    ds: Dataset
    as_of: dt.date
    # path inside data/ → the staged file (CSVs, bodies, photos, descriptor, zip); set by the
    # pipeline before the page modules that declare NEEDS = ("open_data",) run
    open_data: dict[str, Published] | None = None
    popolo_size: int | None = None  # bytes of data/popolo.json, when the export is published
    # Files outside the tables that pages read (report bodies), as absolute real paths: the
    # pipeline records them as inputs of the page module that read them (incremental builds).
    inputs: set[str] = field(default_factory=set)
    core: Any = None  # pages/common.py's indexes, made on first use
    # The site's public address with a trailing "/" (mkdocs.yml's site_url), "" when unset:
    # posters print it in their QR codes, so a printed code leads to the public site.
    site_url: str = ""
    # Report bodies' HTML made ahead by a worker while the other pages are computed (the
    # pipeline's prepare.py): Markdown text → its HTML, or None when not made ahead.
    bodies: Callable[[str], str | None] | None = None
    # The posters' QR codes made ahead the same way: target address → posters.qr_drawing(it).
    qr_codes: Callable[[str], str | None] | None = None
    # The staff preview (Options.preview): draft reports get their own page, marked 草稿.
    preview: bool = False
    # Big builds spool the pages' search texts to disk with their bodies (SearchEntry.text is
    # then ""): page path → its search text, for the search index.
    search_texts: Callable[[str], str] | None = None

    def preview_drafts(self) -> list:
        """The draft reports the preview shows (none outside the preview), by date then id."""
        if not self.preview:
            return []
        return sorted((r for r in self.ds.reports if not r.published), key=lambda r: (r.date, r.id))

    def body_html(self, text: str) -> str:
        """A report body's HTML, sanitize.markdown_to_safe_html(text) with its images mapped
        (urls.report_body_image): the same HTML, made ahead when it was."""
        made = self.bodies(text) if self.bodies is not None else None
        return made if made is not None else markdown_to_safe_html(text, image_url=urls.report_body_image)

    @cached_property
    def statuses(self) -> dict[str, MandateStatus]:
        return {m.id: mandate_status(self.ds, m, self.as_of) for m in self.ds.mandates}

    def release_data(self) -> None:
        """Forget the dataset and what was memoised from it, keeping the date. For a big
        build's last step, which reads only the pages: at province scale the dataset is
        ≈1.4 GB of objects (generator/pipeline/parallel.py)."""
        self.ds = None  # type: ignore[assignment]
        self.core = self.bodies = self.qr_codes = None
        for name, v in vars(type(self)).items():
            if isinstance(v, cached_property):
                self.__dict__.pop(name, None)


PAGE_MODULES: list[str] = [
    "home",
    "find",
    "deputies",
    "reports",
    "dictionary",
    "groups",
    "stations",
    "suggestions",
    "coverage",
    "methodology",
    "opendata",
    "search",
    "posters",
]


# The site's own pages named index.md (home and section pages, in the nav). A page made
# from a record (an id "index") may never be one: it would land in the nav or replace them.
SECTION_INDEXES = frozenset(SECTION_PAGES)


def checked(doc: PageDoc) -> PageDoc:
    """The build's own copy of the path rule (the validator reports the same values first):
    a page path inside the site, and no record page posing as a section page."""
    if not safe_page_path(doc.path):
        raise UnsafePagePath(f"unsafe page path {doc.path!r} (from {doc.source or 'generated'})")
    if (doc.path == "index.md" or doc.path.endswith("/index.md")) and doc.path not in SECTION_INDEXES:
        raise UnsafePagePath(
            f"page path {doc.path!r} (from {doc.source or 'generated'}) is reserved for the site's own pages"
        )
    return doc


def _unique(docs: Iterable[PageDoc]) -> Iterator[PageDoc]:
    """Each page path once: two pages at one path (a report id "2024" and the 2024 list page)
    would overwrite each other."""
    seen: set[str] = set()
    for doc in docs:
        if doc.path in seen:
            raise UnsafePagePath(
                f"two pages at {doc.path!r} (from {doc.source or 'generated'}): an id collides with a page of the site"
            )
        seen.add(doc.path)
        yield checked(doc)


def all_pages(site: SiteContext) -> Iterator[PageDoc]:
    yield from _unique(
        doc for name in PAGE_MODULES for doc in importlib.import_module(f"{__name__}.{name}").pages(site)
    )


def collect(site: SiteContext, modules: Iterable[str] | None = None) -> list[PageDoc]:
    names = list(modules) if modules is not None else PAGE_MODULES
    return list(_unique(doc for name in names for doc in importlib.import_module(f"{__name__}.{name}").pages(site)))
