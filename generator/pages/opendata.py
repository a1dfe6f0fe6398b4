"""The open-data page (data/): every download of the published data package with its size,
the licence, the Atom feed and the sitemap. The pipeline stages the files before the pages
(generator/outputs/open_data.py) and hands their sizes over in `site.open_data`, so the sizes
shown are exact and this page stays a pure function."""

from __future__ import annotations

from collections.abc import Iterable

from . import PageDoc, SearchEntry, SiteContext, urls
from .common import licence_links, render_section

PATH = "data/index.md"
NEEDS = ("open_data",)  # site.open_data and site.popolo_size, staged by the pipeline first
HERE = "data/"


def human_size(n: int) -> str:
    if n < 1024:
        return f"{n} 字节"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def pages(site: SiteContext) -> Iterable[PageDoc]:
    ds = site.ds
    files = site.open_data or {}
    tables = []
    for name, spec in ds.package.tables.items():
        rel = f"{name}.csv"
        if rel not in files:
            continue
        tables.append(
            {
                "href": rel,
                "title": spec.title or name,
                "name": name,
                "size": human_size(files[rel].size),
                "rows": files[rel].rows or 0,
                "fields": [f.title or f.name for f in spec.fields if not f.private],
            }
        )
    bodies = [k for k in files if k.startswith("reports/")]
    photos = [k for k in files if k.startswith("photos/")]
    licences = licence_links(ds.package.raw)
    popolo_size = None if site.popolo_size is None else human_size(site.popolo_size)
    html = render_section(
        "sec_opendata.html",
        popolo_size=popolo_size,
        site=site,
        title=str(ds.package.raw.get("title") or ""),
        zip_href=urls.OPEN_DATA_ZIP,
        zip_size=human_size(files[urls.OPEN_DATA_ZIP].size),
        desc_href=urls.OPEN_DATA_DESCRIPTOR,
        desc_size=human_size(files[urls.OPEN_DATA_DESCRIPTOR].size),
        tables=tables,
        n_bodies=len(bodies),
        bodies_size=human_size(sum(files[b].size for b in bodies)),
        n_photos=len(photos),
        licences=licences,
        fictional=bool(ds.package.raw.get("x-fictional")),
        feed="../feed.xml",
        sitemap="../sitemap.xml",
        methodology="../methodology/",
    )
    yield PageDoc(
        path=PATH,
        title="开放数据",
        template="listing.html",
        html=html,
        meta={"kind": "opendata"},
        search=SearchEntry(kind="page", title="开放数据", text="开放数据 下载 数据包 CSV 许可 订阅"),
        source="datapackage.yaml",
    )
