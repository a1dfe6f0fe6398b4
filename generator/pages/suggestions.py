"""Motions and suggestions: an index of counts by year and status, listing pages of at most
SECTION_PAGE_ROWS rows per year (and per year and status), and one page per motion/suggestion."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from ..model import Suggestion
from . import PageDoc, SearchEntry, SiteContext, urls
from .common import (
    AWARD_ZH,
    SECTION_PAGE_ROWS,
    SUGGESTION_KIND_ZH,
    SUGGESTION_STATUS_ORDER,
    SUGGESTION_STATUS_ZH,
    chunks,
    deputy_name,
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
        "n_cosigners": len(site.ds.cosigners_of.get(s.id, ())),
    }


def _list_pages(site: SiteContext, year: int, status: str, rows: list[Suggestion]) -> list[PageDoc]:
    base = list_url(year, status)
    label = f"{year}年" + ("全部议案建议" if status == ALL else f"{zh(SUGGESTION_STATUS_ZH, status)}的议案建议")
    parts = chunks(rows, SECTION_PAGE_ROWS)
    out = []
    for n, part in enumerate(parts, 1):
        here = page_url(base, n)
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
                    rows=[_row(site, s, here) for s in part],
                    pages=pager(base, n, len(parts), here),
                    index=urls.rel(here, INDEX),
                    year_all=urls.rel(here, list_url(year)) if status != ALL else None,
                    year=year,
                    page_size=SECTION_PAGE_ROWS,
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
