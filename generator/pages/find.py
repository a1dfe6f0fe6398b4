"""The finder's own page (find/, in the menu): the find-your-deputy box, which answers
find/?q=… (the home page's box submits here without JavaScript), and every township (or
county, on a big site) linked to its area page, so the page works without JavaScript too.

Template context (core_find.html.j2): `example`, `query`, `place_kind`, `place_groups`.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import PageDoc, SearchEntry, SiteContext, urls
from .common import render
from .home import example_place, places

URL = "find/"


def pages(site: SiteContext) -> Iterable[PageDoc]:
    kind, groups = places(site)
    html = render(
        "core_find.html.j2",
        URL,
        example=example_place(site),
        query=True,
        place_kind=kind,
        place_groups=groups,
        as_of=site.as_of,
        urls=urls,
    )
    yield PageDoc(
        path="find/index.md",
        title="找代表",
        template="home.html",
        html=html,
        meta={"hide": ["toc"], "description": "输入您住的村、社区或乡镇，查找您直接选举的代表和他们的联络站。"},
        search=SearchEntry(kind="page", title="查找您的代表", text="查找您的代表 找代表 按地区浏览 乡镇 村 社区"),
        source="",
    )
