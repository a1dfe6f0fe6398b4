"""Duty report pages: one page per published report (drafts are never published) and a
report index by year, level and mode, with one list page per year (split into pages of
LIST_PAGE_ROWS rows) whose rows carry data-level and data-mode for filters.js.

In the staff preview (SiteContext.preview, `make serve`) each draft gets its own page too, with
草稿 in its title and a banner on top, so a clerk reads it before publishing. Nothing else
knows a draft: no list, no search entry, not in the sitemap; the feeds, open data and the
other pages count only published reports.

Template contexts: core_report.html.j2 (r, d, mandate, congress, level, body, evaluation),
core_reports_index.html.j2 (years, table), core_list_reports.html.j2 (rows, options, pages).
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

from .. import sanitize
from ..model import LEVELS, Report
from . import PageDoc, SearchEntry, SiteContext, facets, urls
from .common import (
    AUDIENCE_ZH,
    LEVEL_DEPUTY_ZH,
    LEVEL_ZH,
    MODE_SHORT_ZH,
    MODE_ZH,
    chunks,
    core,
    date_zh,
    md,
    page_url,
    render,
    zh,
)

MODES = ("oral", "meeting", "written")


IMAGES_META = "report_images"  # meta key: names of the reports/images/ files a report page shows


def year_url(year: int) -> str:
    return f"reports/{year}/"


def read_body(site: SiteContext, r: Report) -> str:
    """The report's Markdown (unreadable or missing files give an empty body; validate flags them).
    A body path that leads outside the package ("..", absolute, a symlink out) reads nothing."""
    path = sanitize.package_path(site.ds.root, r.body)
    if path is None:
        return ""
    site.inputs.add(os.path.realpath(path))  # an input of this page (incremental builds)
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return ""


_PART_NUMBER = re.compile(r"^(?:[一二三四五六七八九十]+\s*[、.．]|[（(]|[0-9])")  # "一、…": a part, not a title
_OWN_TITLE = re.compile(r"^[ ]{0,3}#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")


def without_own_title(text: str, name: str) -> str:
    """The body without a leading `#` heading that repeats the report's title (a draft or a
    Word document titled "某某代表履职情况报告"): the page shows its own title, and the body's
    would come out as a second one. Any other `#` heading stays (shown as a section heading)."""
    lines = text.split("\n")
    i = next((k for k, ln in enumerate(lines) if ln.strip()), None)
    if i is None:
        return text
    m = _OWN_TITLE.match(lines[i])
    head = m.group(1) if m else ""
    if not m or _PART_NUMBER.match(head) or not ((name and name in head) or "报告" in head):
        return text
    j = i + 1
    while j < len(lines) and not lines[j].strip():
        j += 1
    return "\n".join(lines[:i] + lines[j:])


def evaluation(r: Report) -> dict | None:
    votes = [r.eval_satisfied, r.eval_basic, r.eval_unsatisfied]
    if all(v is None for v in votes):
        return None
    s, b, u = (v or 0 for v in votes)
    total = s + b + u
    pct = (lambda n: f"{round(100 * n / total)}%") if total else (lambda n: "—")
    return {
        "satisfied": s,
        "basic": b,
        "unsatisfied": u,
        "total": total,
        "satisfied_pct": pct(s),
        "basic_pct": pct(b),
        "unsatisfied_pct": pct(u),
        "approval_pct": pct(s + b),
    }


def pages(site: SiteContext) -> Iterable[PageDoc]:
    c = core(site)
    ds = site.ds
    published = sorted(ds.published_reports(), key=lambda r: (r.date, r.id), reverse=True)
    by_year: dict[int, list[Report]] = defaultdict(list)
    for r in published:
        by_year[r.date.year].append(r)
    yield _index(c, published, by_year)
    for year, reports in sorted(by_year.items()):
        yield from _year_pages(c, year, reports)
    for r in published:
        yield _report(site, c, r)
    for r in site.preview_drafts():
        yield _report(site, c, r)


def pages_for_files(site: SiteContext, files: set[str]) -> list[PageDoc] | None:
    """The pages `pages(site)` makes that read one of `files` (absolute real paths): the pages of
    the published reports whose body is one of them, in `pages` order. None when a file is not
    such a body. generator/pipeline/incremental.py calls this when only report bodies changed since the stored
    pages were made: a report page reads its own body and, besides, only the CSV data (which the
    cache key covers); the index and year pages read no body."""
    ds = site.ds
    published = sorted(ds.published_reports(), key=lambda r: (r.date, r.id), reverse=True)
    published += site.preview_drafts()  # in `pages` order
    real = _real_body_path(ds.root)
    hit = []
    found: set[str] = set()
    for r in published:
        path = real(r.body)
        if path in files:
            hit.append(r)
            found.add(path)
    if found != set(files):
        return None
    c = core(site)
    return [_report(site, c, r) for r in hit]


def _real_body_path(root):
    """`body` → os.path.realpath of the file read_body reads (None when it reads none), with one
    lstat per body instead of one per path component: folders are resolved once. Anything
    unusual (a "..", a symlinked body) goes through sanitize.package_path itself."""
    base = os.path.realpath(root)
    folders: dict[str, str] = {}

    def slow(rel: str | None) -> str | None:
        p = sanitize.package_path(root, rel)
        return None if p is None else os.path.realpath(p)

    def real(rel: str | None) -> str | None:
        parts = [x for x in (rel or "").split("/") if x not in ("", ".")]
        if (
            not parts
            or ".." in parts
            or "\x00" in rel
            or rel.startswith(("/", "\\"))
            or rel[1:2] == ":"
            or base == os.sep
        ):
            return slow(rel)
        folder = "/".join(parts[:-1])
        if folder not in folders:
            folders[folder] = os.path.realpath(os.path.join(base, folder)) if folder else base
        d = folders[folder]
        path = os.path.join(d, parts[-1])
        if os.path.islink(path) or not (d == base or d.startswith(base + os.sep)):
            return slow(rel)
        return path

    return real


def _index(c, published, by_year) -> PageDoc:
    counts: Counter = Counter()
    for r in published:
        counts[(r.date.year, c.report_level(r), r.mode)] += 1
    levels = [lv for lv in LEVELS if any(k[1] == lv for k in counts)]
    table = []
    for year in sorted(by_year, reverse=True):
        cells = [[counts[(year, lv, mode)] for mode in MODES] for lv in levels]
        table.append((year, year_url(year), cells, len(by_year[year])))
    html = render(
        "core_reports_index.html.j2",
        "reports/",
        table=table,
        levels=levels,
        modes=MODES,
        level_zh=LEVEL_DEPUTY_ZH,
        mode_zh=MODE_SHORT_ZH,
        total=len(published),
        latest=published[:20],
        core=c,
    )
    return PageDoc(
        path="reports/index.md",
        title="履职报告",
        template="directory.html",
        html=html,
        meta={"hide": ["toc"], "description": "人大代表向原选区选民和原选举单位报告履职情况：按年度、层级和方式。"},
        search=SearchEntry(kind="page", title="代表履职报告", text="报告履职情况 履职报告 按年度 层级 方式"),
        source="reports.csv",
    )


def _year_pages(c, year: int, reports: list[Report]) -> Iterable[PageDoc]:
    parts = chunks(reports)
    base = year_url(year)
    page_urls = [page_url(base, i + 1) for i in range(len(parts))]
    # choices from the whole year: a filter covers every page (the facet file)
    levels = [lv for lv in LEVELS if any(c.report_level(r) == lv for r in reports)]
    modes = [mo for mo in MODES if any(r.mode == mo for r in reports)]
    towns = township_index(c)
    present = {t for r in reports for t in report_townships(c, r, towns)}
    options = {
        "level": [(lv, LEVEL_DEPUTY_ZH[lv]) for lv in levels],
        "mode": [(mo, MODE_ZH[mo]) for mo in modes],
        "township": facets.township_options(c, present),
    }
    for i, part in enumerate(parts):
        here = page_urls[i]
        title = f"{year}年的报告" + (f"（第 {i + 1} 页）" if i else "")
        html = render(
            "core_list_reports.html.j2",
            here,
            heading=title,
            year=year,
            rows=[(r, " ".join(report_townships(c, r, towns))) for r in part],
            total=len(part),
            all_total=len(reports),
            options=options,
            facets=urls.facets(base) if len(parts) > 1 else "",
            pages=page_urls,
            current=i + 1,
            core=c,
        )
        yield PageDoc(
            path=urls.src(here),
            title=title,
            template="directory.html",
            html=html,
            meta={"hide": ["toc"]},
            source="reports.csv",
        )


def township_index(c) -> frozenset[str]:
    return frozenset(a.id for a in c.townships())


def report_townships(c, r: Report, towns: frozenset[str]) -> tuple[str, ...]:
    """Townships the report's constituency lies in (wholly or in part). A deputy elected by a
    county's or a city's congress represents no one township: such reports have none."""
    m = c.ds.mandate.get(r.mandate_id)
    if m is None:
        return ()
    return tuple(a for a in c.up_of.get(m.constituency_id, ()) if a in towns)


# Filter keys of a report list, in the order of the rows' data-<key> attributes
FILTER_KEYS = ("level", "mode", "township")


def facet_files(site: SiteContext) -> Iterator[tuple[str, dict]]:
    """(list URL, facet file) for each year list split into pages (pages/facets.py)."""
    c = core(site)
    towns = township_index(c)
    by_year: dict[int, list[Report]] = defaultdict(list)
    for r in sorted(site.ds.published_reports(), key=lambda r: (r.date, r.id), reverse=True):
        by_year[r.date.year].append(r)
    for year, reports in sorted(by_year.items()):
        n = len(chunks(reports))
        if n > 1:
            rows = []
            for r in reports:
                lv = c.report_level(r)
                cells = [
                    [facets.link(r.date.isoformat(), urls.report(r.id))],
                    [facets.link(c.deputy_name(r.deputy_id), urls.deputy(r.deputy_id))],
                    zh(LEVEL_ZH, lv),
                    zh(MODE_ZH, r.mode),
                    zh(AUDIENCE_ZH, r.audience),
                ]
                rows.append((cells, facets.tokens([lv], [r.mode], report_townships(c, r, towns))))
            yield year_url(year), facets.payload("篇", n, FILTER_KEYS, rows)


# A draft's page in the preview: fixed text (nothing from the data), Material's warning box.
DRAFT_BANNER = (
    '<div class="admonition warning ds-draft" role="note"><p class="admonition-title">草稿 · 未发布</p>'
    "<p>这篇报告是草稿（reports.csv 中 state=draft），只在本地预览中显示，不会出现在网站、搜索、"
    "订阅和开放数据中。核对无误后把 state 改为 published，再运行 make validate。</p></div>\n"
)


def _report(site: SiteContext, c, r: Report) -> PageDoc:
    ds = site.ds
    here = urls.report(r.id)
    d = ds.deputy.get(r.deputy_id)
    mandate = ds.mandate.get(r.mandate_id)
    congress = ds.congress.get(mandate.congress_id) if mandate else None
    level = c.report_level(r)
    name = d.name if d else r.deputy_id
    text = without_own_title(read_body(site, r), name)
    body = site.body_html(text)
    title = f"{name}报告履职情况（{date_zh(r.date)}）"
    draft = not r.published  # only in the preview (pages)
    if draft:
        title = f"【草稿】{title}"
    html = render(
        "core_report.html.j2",
        here,
        r=r,
        d=d,
        name=name,
        mandate=mandate,
        congress=congress,
        level=level,
        body=md(body),
        evaluation=evaluation(r),
        urls=urls,
        title=title,
        constituency=ds.constituency.get(mandate.constituency_id) if mandate else None,
    )
    # the package images this page shows, published beside it (outputs/report_images.py)
    shown = sanitize.report_images_in(text)
    images = {IMAGES_META: shown} if shown else {}
    if draft:
        # not in the sitemap, no search entry: the preview's own page and nothing more
        return PageDoc(
            path=urls.src(here),
            title=title,
            template="report.html",
            html=DRAFT_BANNER + html,
            meta={
                "hide": ["toc"],
                "sitemap": False,
                "draft": True,
                "date": r.date.isoformat(),
                "deputy_name": name,
                **images,
            },
            search=None,
            source=r.body,
        )
    return PageDoc(
        path=urls.src(here),
        title=title,
        template="report.html",
        html=html,
        meta={
            "hide": ["toc"],
            "description": f"{name}（{LEVEL_ZH.get(level, '')}人大代表）{date_zh(r.date)}报告履职情况。",
            "deputy_id": r.deputy_id,
            "date": r.date.isoformat(),
            "deputy_name": name,
            **images,
        },
        search=SearchEntry(
            kind="report",
            title=title,
            person=name,
            date=r.date.isoformat(),
            # labelled facts first (generator/search FACT_LABELS), shown beside the result
            text=(f"层级：{LEVEL_DEPUTY_ZH[level]}\n" if level in LEVEL_DEPUTY_ZH else "")
            + (f"地点：{r.venue}\n" if r.venue else "")
            + sanitize.html_to_text(body),
            places=tuple(x for x in (r.venue or "",) if x),
        ),
        source=r.body,
    )
