"""report-images/<file>: the images report bodies show (issue 17).

The convention (sanitize.report_image_name): `![说明](images/<file>)` in a body under reports/
names the package file reports/images/<file>; the report page's HTML points at
../../report-images/<file> (pages/urls.report_body_image). A file is published only when the
body of a published report mentions it, so a draft's images stay unpublished. Like the open
data's photos, each is re-encoded from its pixels in its own format (outputs/photos.py
stripped_bytes): no EXIF/GPS, XMP, ICC profile or comment. The validator has refused missing
files and files that are not readable images (body-image-missing, body-image-invalid), so a
validated build publishes every image its pages show.
"""

from __future__ import annotations

from pathlib import Path

from ..pages import PageDoc, SiteContext, urls
from ..sanitize import REPORT_IMAGES, package_path, report_images_in
from .photos import stripped_bytes


def sources(site: SiteContext) -> list[tuple[str, Path]]:
    """(file name, package file) of every image a published report's body mentions, sorted."""
    names: set[str] = set()
    # the preview shows drafts' pages (pages/reports.py), so their images too
    for r in site.ds.published_reports() + site.preview_drafts():
        body = package_path(site.ds.root, r.body)
        if body is None or not body.is_file():
            continue
        try:
            names.update(report_images_in(body.read_text(encoding="utf-8-sig")))
        except (OSError, UnicodeDecodeError):
            continue
    out = []
    for name in sorted(names):
        p = package_path(site.ds.root, f"{REPORT_IMAGES}/{name}")
        if p is not None and p.is_file():
            out.append((name, p))
    return out


def write(site: SiteContext, pages: list[PageDoc], out_dir: Path) -> list[str]:
    written = []
    for name, src in sources(site):
        data = stripped_bytes(src)
        if data is None:
            continue  # not a readable image: the validator reports it; a validated build never gets here
        rel = urls.report_image(name)
        dest = Path(out_dir) / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        written.append(rel)
    return sorted(written)
