"""Where each record's page lives, and relative links between pages.

Generated HTML bypasses mkdocs' link rewriting, so links are made relative here; that keeps
the site working from any sub-path or a plain file server.
"""

from __future__ import annotations

import posixpath

from ..errors import GeneratorError
from ..sanitize import name_problem, report_image_name


class UnsafePagePath(GeneratorError, ValueError):
    """A page path would lead outside the site folder (an id with "..", "/", a space, NUL).
    The validator rejects such ids; this stops a build that skipped validation."""


# The site's own pages named index.md, in menu order: the home page and the section pages.
# The nav lists them in this order (site_adapter.NAV_ORDER) and a page made from a record
# (an id "index") may never take one of these paths (pages.SECTION_INDEXES).
SECTION_PAGES = (
    "index.md",
    "find/index.md",
    "deputies/index.md",
    "reports/index.md",
    "groups/index.md",
    "stations/index.md",
    "suggestions/index.md",
    "coverage/index.md",
    "data/index.md",
    "methodology/index.md",
)

# Hand-written pages (content/) kept out of the voters' menu: the staff guide, full of make
# commands, is linked from every page's footer instead (theme/partials/copyright.html).
NOT_IN_MENU = ("guide/index.md",)

# The published data package (generator/outputs/open_data.py), under data/ in the site
OPEN_DATA = "data"
OPEN_DATA_ZIP = "datapackage.zip"
OPEN_DATA_DESCRIPTOR = "datapackage.json"
POPOLO = "data/popolo.json"


def segment(record_id: str) -> str:
    """A record id as one segment of a URL: the build's own copy of the path rule
    (sanitize.name_problem; the validator reports the same ids first as unsafe-id or
    reserved-id). An id that would leave its folder or name a page of the site stops the build."""
    why = name_problem(record_id)
    if why is not None:
        raise UnsafePagePath(f"the id {record_id!r} cannot name a page ({why}): see validate's unsafe-id / reserved-id")
    return record_id


def deputy(deputy_id: str) -> str:
    return f"deputies/{segment(deputy_id)}/"


def deputy_feed(deputy_id: str) -> str:
    """One deputy's Atom feed (reports, suggestions, report-status changes), beside the page."""
    return f"deputies/{segment(deputy_id)}/feed.xml"


def photo(deputy_id: str) -> str:
    """The deputy's published photo (generator/outputs/photos.py: resized, metadata stripped)."""
    return f"photos/{segment(deputy_id)}.jpg"


def report(report_id: str) -> str:
    return f"reports/{segment(report_id)}/"


def report_image(name: str) -> str:
    """A report body's image as published (generator/outputs/report_images.py): a name that
    sanitize.report_image_name accepted (no "/", no "..")."""
    return f"report-images/{name}"


def report_body_image(src: str) -> str | None:
    """sanitize.markdown_to_safe_html's image_url for report bodies: images/<name> → the
    published image, relative to a report page (reports/<id>/); None (no image) for any other
    path, which the validator reports as body-image-path. The same for every report, so a
    body's HTML made ahead (pipeline/prepare.make_bodies) is the page's HTML."""
    name = report_image_name(src)
    return "../../" + report_image(name) if name else None


def group(group_id: str) -> str:
    return f"groups/{segment(group_id)}/"


def station(station_id: str) -> str:
    return f"stations/{segment(station_id)}/"


def suggestion(suggestion_id: str) -> str:
    return f"suggestions/{segment(suggestion_id)}/"


def area(area_id: str) -> str:
    return f"areas/{segment(area_id)}/"


def station_poster(station_id: str) -> str:
    """The printable A4 poster of a station (pages/posters.py)."""
    return f"posters/stations/{segment(station_id)}/"


def deputy_poster(deputy_id: str) -> str:
    """The printable A4 poster of a deputy (pages/posters.py)."""
    return f"posters/deputies/{segment(deputy_id)}/"


def src(url: str) -> str:
    """Directory URL → source URI ("deputies/d1/" → "deputies/d1.md", "" → "index.md")."""
    u = url.strip("/")
    return f"{u}.md" if u else "index.md"


def rel(from_url: str, to_url: str) -> str:
    """Relative link from the page at `from_url` to `to_url` (both site-root directory URLs)."""
    base = "/" + from_url
    if not base.endswith("/"):
        base = posixpath.dirname(base) + "/"
    target = "/" + to_url
    r = posixpath.relpath(target, base)
    if to_url.endswith("/") and not r.endswith("/"):
        r += "/"
    if r == "./":
        return "./"
    return r


def facets(list_url: str) -> str:
    """The facet file of a paginated list (generator/outputs/filters.py): every row of the
    list, compact, fetched by filters.js only when a reader first touches a filter."""
    return f"filters/{list_url.strip('/')}.json"
