"""report-images/<file>: the images report bodies show (issue 17).

The convention (sanitize.report_image_name): `![说明](images/<file>)` in a body under reports/
names the package file reports/images/<file>; the report page's HTML points at
../../report-images/<file> (pages/urls.report_body_image). A file is published only when a
published report's page shows it (the page's meta), so a draft's images stay unpublished. Like the open
data's photos, each is re-encoded from its pixels in its own format (outputs/photos.py
stripped_bytes): no EXIF/GPS, XMP, ICC profile or comment. The validator has refused missing
files and files that are not readable images (body-image-missing, body-image-invalid), so a
validated build publishes every image its pages show.
"""

from __future__ import annotations

from pathlib import Path

from ..pages import PageDoc, SiteContext, urls
from ..pages.reports import IMAGES_META
from ..sanitize import REPORT_IMAGES, package_path
from .photos import stripped_bytes


def sources(site: SiteContext, pages: list[PageDoc]) -> list[tuple[str, Path]]:
    """(file name, package file) of every image a report page shows (its meta, set by
    pages/reports.py: the published reports, and the drafts in the preview), sorted."""
    names = {n for d in pages for n in d.meta.get(IMAGES_META, ())}
    out = []
    for name in sorted(names):
        p = package_path(site.ds.root, f"{REPORT_IMAGES}/{name}")
        if p is not None and p.is_file():
            out.append((name, p))
    return out


def write(site: SiteContext, pages: list[PageDoc], out_dir: Path) -> list[str]:
    written = []
    for name, src in sources(site, pages):
        data = stripped_bytes(src)
        if data is None:
            continue  # not a readable image: the validator reports it; a validated build never gets here
        rel = urls.report_image(name)
        dest = Path(out_dir) / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        written.append(rel)
    return sorted(written)
