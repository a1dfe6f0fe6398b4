"""Where each record's page lives, and relative links between pages.

Generated HTML bypasses mkdocs' link rewriting, so links are made relative here; that keeps
the site working from any sub-path or a plain file server.
"""

from __future__ import annotations

import posixpath

# The published data package (generator/outputs/open_data.py), under data/ in the site
OPEN_DATA = "data"
OPEN_DATA_ZIP = "datapackage.zip"
OPEN_DATA_DESCRIPTOR = "datapackage.json"
POPOLO = "data/popolo.json"


def deputy(deputy_id: str) -> str:
    return f"deputies/{deputy_id}/"


def report(report_id: str) -> str:
    return f"reports/{report_id}/"


def group(group_id: str) -> str:
    return f"groups/{group_id}/"


def station(station_id: str) -> str:
    return f"stations/{station_id}/"


def suggestion(suggestion_id: str) -> str:
    return f"suggestions/{suggestion_id}/"


def area(area_id: str) -> str:
    return f"areas/{area_id}/"


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
