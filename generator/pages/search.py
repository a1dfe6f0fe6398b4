"""The search page (search/): a form that works as a plain GET (?q=…) and the result list that
theme/assets/js/search.js fills from the static index (generator/search, docs/search.md).

Template "search.html" reads only page.content (this body) and loads search.js.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from ..model import read_rows
from . import PageDoc, SearchEntry, SiteContext, urls

URL = "search/"

BODY = """<div id="search-app" class="ds-sp" data-root="{root}">
<form class="ds-sp__form" role="search" action="./" method="get">
  <label class="ds-sp__label" for="ds-sq">搜索代表、履职报告、代表小组、联络站、议案建议</label>
  <div class="ds-sp__row">
    <input id="ds-sq" name="q" type="search" autocomplete="off" autocapitalize="off" spellcheck="false" enterkeyhint="search" aria-describedby="ds-sq-hint">
    <button type="submit">搜索</button>
  </div>
  <p id="ds-sq-hint" class="ds-sp__hint">可以输入姓名（或其中几个字）、乡镇、村或社区、联络站、小组名称，或“加装电梯”这样的话题，不需要空格。</p>
</form>
<p class="ds-sp__filter" data-search-filter hidden><label for="ds-sk">只看</label> <select id="ds-sk" name="kind"><option value="">全部类别</option></select></p>
<p class="ds-sp__status" role="status" aria-live="polite" data-search-status></p>
<ol class="ds-sp__results" aria-label="搜索结果" data-search-results></ol>
<p><button type="button" class="ds-sp__more" data-search-more hidden>显示更多结果</button></p>
<noscript><p class="ds-sp__nojs">搜索需要浏览器启用 JavaScript。也可以直接浏览：<a href="{deputies}">代表名录</a>、<a href="{reports}">履职报告</a>、<a href="{groups}">代表小组</a>、<a href="{stations}">联络站</a>、<a href="{suggestions}">议案建议</a>。</p></noscript>
</div>
"""


def pages(site: SiteContext) -> Iterable[PageDoc]:
    def link(to: str) -> str:
        return urls.rel(URL, to)

    html = BODY.format(
        root="../",
        deputies=link("deputies/"),
        reports=link("reports/"),
        groups=link("groups/"),
        stations=link("stations/"),
        suggestions=link("suggestions/"),
    )
    yield PageDoc(
        path=urls.src(URL),
        title="搜索",
        template="search.html",
        html=html,
        meta={"description": "全文搜索本站的代表、履职报告、代表小组、联络站和议案建议。"},
        search=synonyms_entry(site),
    )


def synonyms_entry(site: SiteContext) -> SearchEntry | None:
    """The optional search_synonyms table, handed to the index builder as the search page's
    entry of kind "synonyms" (not a searchable page: generator/search puts it in the manifest).
    text: JSON [[term, synonym], …] in file order."""
    spec = site.ds.package.tables.get("search_synonyms")
    if spec is None:
        return None
    pairs = []
    for _line, row in read_rows(site.ds.root, spec):
        term, synonym = row.get("term"), row.get("synonym")
        if isinstance(term, str) and isinstance(synonym, str) and term.strip() and synonym.strip():
            pairs.append([term.strip(), synonym.strip()])
    if not pairs:
        return None
    return SearchEntry(kind="synonyms", title="搜索同义词", text=json.dumps(pairs, ensure_ascii=False))
