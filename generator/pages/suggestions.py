"""Motions and suggestions: an index of counts by year and status, listing pages of at most
LIST_PAGE_ROWS rows per year (and per year and status), and one page per motion/suggestion.
(200 rows a page made a city's year list 111 KB once the first screen's CSS was inlined.)"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

from ..model import Suggestion
from . import PageDoc, SearchEntry, SiteContext, facets, urls
from .common import (
    AWARD_ZH,
    LIST_PAGE_ROWS,
    SATISFACTION_ZH,
    SUGGESTION_KIND_ZH,
    SUGGESTION_STATUS_ORDER,
    SUGGESTION_STATUS_ZH,
    chunks,
    core,
    deputy_name,
    fmt_date,
    page_url,
    pager,
    paragraphs,
    render_section,
    zh,
)

INDEX = "suggestions/"
ALL = "all"


def list_url(year: int, status: str = ALL) -> str:
    # three path segments under suggestions/, so never a suggestion page (suggestions/<id>/)
    return f"suggestions/list/{year}/{status}/"


def _sort_key(s: Suggestion) -> tuple:
    # newest first, then by id for a stable order
    return (-s.date.toordinal(), s.id)


def _statuses(present: Iterable[str]) -> list[str]:
    seen = set(present)
    return [s for s in SUGGESTION_STATUS_ORDER if s in seen] + sorted(seen - set(SUGGESTION_STATUS_ORDER))


def suggestion_page(site: SiteContext, s: Suggestion) -> PageDoc:
    ds = site.ds
    here = urls.suggestion(s.id)
    cosigners = sorted({c.deputy_id for c in ds.cosigners_of.get(s.id, ())}, key=lambda d: (deputy_name(ds, d), d))
    congress = ds.congress.get(s.congress_id)
    html = render_section(
        "sec_suggestion.html",
        here=here,
        ds=ds,
        s=s,
        kind=zh(SUGGESTION_KIND_ZH, s.kind),
        status=zh(SUGGESTION_STATUS_ZH, s.status),
        award=zh(AWARD_ZH, s.award) if s.award else "",
        congress=congress,
        cosigners=cosigners,
        body=paragraphs(s.body),
        response=paragraphs(s.response),
        index=urls.rel(here, INDEX),
        year_list=urls.rel(here, list_url(s.date.year)),
    )
    return PageDoc(
        path=urls.src(here),
        title=s.title,
        template="suggestion.html",
        html=html,
        meta={
            "kind": "suggestion",
            "suggestion_id": s.id,
            "description": f"{zh(SUGGESTION_KIND_ZH, s.kind)}：{s.title}。领衔代表{deputy_name(ds, s.lead_deputy_id)}，"
            f"{s.date.isoformat()}提出，办理状态：{zh(SUGGESTION_STATUS_ZH, s.status)}。",
        },
        search=SearchEntry(
            kind="suggestion",
            title=s.title,
            person=deputy_name(ds, s.lead_deputy_id),
            date=s.date.isoformat(),
            # labelled facts first (generator/search FACT_LABELS), shown beside the result
            text="".join(
                f"{label}：{value}\n"
                for label, value in (
                    ("类别", zh(SUGGESTION_KIND_ZH, s.kind)),
                    ("领衔代表", deputy_name(ds, s.lead_deputy_id)),
                    ("主题", s.topic),
                    ("承办单位", s.handling_unit or ""),
                    ("办理状态", zh(SUGGESTION_STATUS_ZH, s.status)),
                )
                if value
            )
            + " ".join(x for x in (s.body or "", s.response or "") if x),
        ),
        source="suggestions.csv",
    )


def _row(site: SiteContext, s: Suggestion, here: str) -> dict:
    return {
        "s": s,
        "href": urls.rel(here, urls.suggestion(s.id)),
        "kind": zh(SUGGESTION_KIND_ZH, s.kind),
        "status": zh(SUGGESTION_STATUS_ZH, s.status),
        "award": zh(AWARD_ZH, s.award) if s.award else "",
        "satisfaction": zh(SATISFACTION_ZH, s.satisfaction),
        "n_cosigners": len(site.ds.cosigners_of.get(s.id, ())),
    }


# Filter keys of a year's list, in the order of the rows' data-<key> attributes
FILTER_KEYS = ("status", "topic", "township")


def _filters(site: SiteContext, rows: list[Suggestion]) -> tuple[dict, list[dict]]:
    """The filter choices of a year's list and each row's tokens (FILTER_KEYS → value). A
    suggestion's township is where its lead deputy's constituency lies, for the congress it
    was filed in; topics people wrote become t0, t1… (their text only ever shown escaped)."""
    c = core(site)
    towns = frozenset(a.id for a in c.townships())
    mandates: dict[tuple[str, str], tuple[str, ...]] = {}
    topics = {t: f"t{i}" for i, t in enumerate(sorted({s.topic for s in rows if s.topic}))}
    tokens = []
    for s in rows:
        key = (s.lead_deputy_id, s.congress_id)
        if key not in mandates:
            mandates[key] = tuple(
                dict.fromkeys(
                    a
                    for m in site.ds.mandates_of.get(s.lead_deputy_id, ())
                    if m.congress_id == s.congress_id
                    for a in c.up_of.get(m.constituency_id, ())
                    if a in towns
                )
            )
        tokens.append({"status": s.status, "topic": topics.get(s.topic, ""), "township": " ".join(mandates[key])})
    options = {
        "status": [(st, zh(SUGGESTION_STATUS_ZH, st)) for st in _statuses(s.status for s in rows)],
        "topic": [(v, t) for t, v in topics.items()],
        "township": facets.township_options(c, {a for t in tokens for a in t["township"].split()}),
    }
    return options, tokens


def columns(rows: Iterable[Suggestion]) -> dict[str, bool]:
    """The optional columns of a list: shown when some row of the whole list (every page of
    it) has a value, so an always-empty 评选 column is not shown, and pages of a list agree."""
    rows = list(rows)
    return {"satisfaction": any(s.satisfaction for s in rows), "award": any(s.award for s in rows)}


def _cells(site: SiteContext, r: dict, cols: dict[str, bool]) -> list:
    """The row of suggestion_table (sec_suggestion_list.html) for the facet file."""
    s = r["s"]
    lead = [facets.link(deputy_name(site.ds, s.lead_deputy_id), urls.deputy(s.lead_deputy_id))]
    if r["n_cosigners"]:
        lead.append(f"（联名 {r['n_cosigners']} 人）")
    return [
        fmt_date(s.date),
        r["kind"],
        [facets.link(s.title, urls.suggestion(s.id))],
        lead,
        s.topic,
        r["status"],
        *([r["satisfaction"]] if cols["satisfaction"] else []),
        *([r["award"]] if cols["award"] else []),
    ]


def facet_files(site: SiteContext) -> Iterator[tuple[str, dict]]:
    """(list URL, facet file) for each year's list split into pages (pages/facets.py)."""
    for year, rows in sorted(_by_year(site).items()):
        n = len(chunks(rows, LIST_PAGE_ROWS))
        if n > 1:
            _options, tokens = _filters(site, rows)
            cols = columns(rows)
            yield (
                list_url(year),
                facets.payload(
                    "件",
                    n,
                    FILTER_KEYS,
                    [
                        (_cells(site, _row(site, s, ""), cols), [t[k] for k in FILTER_KEYS])
                        for s, t in zip(rows, tokens, strict=True)
                    ],
                ),
            )


def _by_year(site: SiteContext) -> dict[int, list[Suggestion]]:
    by_year: dict[int, list[Suggestion]] = defaultdict(list)
    for s in site.ds.suggestions:
        by_year[s.date.year].append(s)
    return {y: sorted(v, key=_sort_key) for y, v in by_year.items()}


def _list_pages(site: SiteContext, year: int, status: str, rows: list[Suggestion]) -> list[PageDoc]:
    base = list_url(year, status)
    label = f"{year}年" + ("全部议案建议" if status == ALL else f"{zh(SUGGESTION_STATUS_ZH, status)}的议案建议")
    parts = chunks(rows, LIST_PAGE_ROWS)
    # a year's whole list can be filtered by status, topic and township, over every page
    options, tokens = _filters(site, rows) if status == ALL else (None, None)
    out = []
    start = 0
    for n, part in enumerate(parts, 1):
        here = page_url(base, n)
        table = [_row(site, s, here) for s in part]
        if tokens is not None:
            for r, t in zip(table, tokens[start : start + len(part)], strict=True):
                r["tokens"] = t
        start += len(part)
        out.append(
            PageDoc(
                path=urls.src(here),
                title=label + (f"（第{n}页）" if len(parts) > 1 else ""),
                template="listing.html",
                html=render_section(
                    "sec_suggestion_list.html",
                    here=here,
                    ds=site.ds,
                    title=label,
                    total=len(rows),
                    rows=table,
                    cols=columns(rows),
                    pages=pager(base, n, len(parts), here),
                    index=urls.rel(here, INDEX),
                    year_all=urls.rel(here, list_url(year)) if status != ALL else None,
                    year=year,
                    page_size=LIST_PAGE_ROWS,
                    options=options,
                    part_total=len(part),
                    facets=urls.rel(here, urls.facets(base)) if options is not None and len(parts) > 1 else "",
                    root=urls.rel(here, "") + "/",
                ),
                meta={"kind": "suggestion_list", "year": year, "status": status},
                source="suggestions.csv",
            )
        )
    return out


def index_pages(site: SiteContext) -> list[PageDoc]:
    ds = site.ds
    by_year: dict[int, list[Suggestion]] = defaultdict(list)
    for s in ds.suggestions:
        by_year[s.date.year].append(s)
    statuses = _statuses(s.status for s in ds.suggestions)
    pages: list[PageDoc] = []
    table = []
    for year in sorted(by_year, reverse=True):
        rows = sorted(by_year[year], key=_sort_key)
        counts = Counter(s.status for s in rows)
        kinds = Counter(s.kind for s in rows)
        awards = sum(1 for s in rows if s.award)
        cells = []
        for st in statuses:
            n = counts.get(st, 0)
            cells.append({"n": n, "href": urls.rel(INDEX, list_url(year, st)) if n else None})
            if n:
                pages.extend(_list_pages(site, year, st, [s for s in rows if s.status == st]))
        pages.extend(_list_pages(site, year, ALL, rows))
        table.append(
            {
                "year": year,
                "href": urls.rel(INDEX, list_url(year)),
                "total": len(rows),
                "cells": cells,
                "motions": kinds.get("motion", 0),
                "suggestions": kinds.get("suggestion", 0),
                "awards": awards,
            }
        )
    totals = Counter(s.status for s in ds.suggestions)
    recent = sorted(ds.suggestions, key=_sort_key)[:20]
    pages.insert(
        0,
        PageDoc(
            path=INDEX + "index.md",
            title="议案建议",
            template="listing.html",
            html=render_section(
                "sec_suggestion_index.html",
                here=INDEX,
                ds=ds,
                statuses=[(st, zh(SUGGESTION_STATUS_ZH, st), totals.get(st, 0)) for st in statuses],
                table=table,
                total=len(ds.suggestions),
                recent=[_row(site, s, INDEX) for s in recent],
                recent_cols=columns(recent),
            ),
            meta={"kind": "suggestion_index"},
            search=SearchEntry(kind="page", title="议案建议", text="议案 建议 办理状态 承办单位 答复 提得好 督得好"),
            source="suggestions.csv",
        ),
    )
    return pages


def pages(site: SiteContext) -> Iterable[PageDoc]:
    yield from index_pages(site)
    for s in sorted(site.ds.suggestions, key=lambda s: s.id):
        yield suggestion_page(site, s)
