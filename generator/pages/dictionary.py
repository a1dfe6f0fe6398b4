"""The data dictionary page (`data-dictionary/`): the same text as docs/data-dictionary.md,
generated from the descriptor, the rules file and the validator's code catalogue.

Template theme/dictionary.html reads only `page.content` (the prerendered, sanitized body).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..dictionary import render_markdown, table_zh
from ..sanitize import markdown_to_safe_html
from . import PageDoc, SearchEntry, SiteContext, urls

URL = "data-dictionary/"
TITLE = "数据字典"


def pages(site: SiteContext) -> Iterable[PageDoc]:
    ds = site.ds
    intro = (
        "本页列出公开数据包中每个数据表和字段的含义、类型、填写要求和可选值，规则文件的设置，"
        "以及校验程序每个问题代码的含义。标记为“不公开”的字段只供工作人员使用，不会出现在本站和下载文件中。\n\n"
        "This page describes every table and field of the open data package, the rules file and every validation code.\n\n"
    )
    md = intro + render_markdown(ds.package, ds.rules, for_site=True)
    # Descriptor text is staff-written: it goes through the same sanitizer as report bodies.
    html = markdown_to_safe_html(md)
    words = " ".join(
        f"{table_zh(t)} {t.name} " + " ".join(f"{f.title} {f.name}" for f in t.fields if not f.private)
        for t in ds.package.tables.values()
    )
    yield PageDoc(
        path=urls.src(URL),
        title=TITLE,
        template="dictionary.html",
        html=html,
        meta={"kind": "data_dictionary"},
        search=SearchEntry(kind="page", title=TITLE, text="数据字典 字段 校验代码 " + words),
        source="datapackage.yaml",
    )
