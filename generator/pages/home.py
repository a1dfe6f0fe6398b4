"""The home page: find-your-deputy first (its box on a phone's first screen, issue 14), then
the search box, headline figures for the current term and the latest reports.

Template context (core_home.html.j2): `example` (a place as people write it, for the finder
box), `figures` (list of Figure), `latest` (reports), `core`. The list of every area is on the
finder's own page (pages/find.py), which uses `places` below.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .. import schedule
from ..model import LEVELS
from . import PageDoc, SearchEntry, SiteContext, urls
from .common import HANDLED_STATUSES, LEVEL_DEPUTY_ZH, core, date_zh, render

LATEST_REPORTS = 10
MAX_PLACE_LINKS = 200  # above this, find-your-deputy lists counties, whose pages list townships


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    note: str = ""
    anchor: str = ""  # methodology anchor explaining it


def figures(site: SiteContext) -> list[Figure]:
    c = core(site)
    ds = site.ds
    out: list[Figure] = []
    current = c.current_congress_ids
    for lv in LEVELS:
        n = len({m.deputy_id for m in ds.mandates if c.is_current(m) and c.level_of(m) == lv})
        if n:
            out.append(Figure(LEVEL_DEPUTY_ZH[lv], f"{n:,}", "人"))
    reports = [
        r for r in ds.reports if r.published and (m := ds.mandate.get(r.mandate_id)) and m.congress_id in current
    ]
    out.append(Figure("本届已公开报告", f"{len(reports):,}", "篇", "report-status"))
    required = [
        st
        for m in ds.mandates
        if m.congress_id in current
        for st in [site.statuses[m.id]]
        if st.status not in (schedule.NOT_REQUIRED, schedule.ENDED)
    ]
    reported = sum(1 for st in required if st.status == schedule.REPORTED)
    pct = f"{round(100 * reported / len(required))}%" if required else "—"
    out.append(Figure("本届报告覆盖率", pct, f"已报告 {reported:,} / 应报告 {len(required):,} 人次", "report-status"))
    starts = [ds.congress[i].start_date for i in current if ds.congress[i].level in ds.rules.report_levels]
    since = min(starts) if starts else min((ds.congress[i].start_date for i in current), default=None)
    if since:
        acts = sum(1 for a in ds.activities if since <= a.date <= site.as_of)
        out.append(Figure("小组和联络站活动", f"{acts:,}", f"次（{date_zh(since)}以来）"))
        visits = sum(x.voters_visited or 0 for x in ds.contacts if since.year <= x.year <= site.as_of.year)
        out.append(Figure("走访选民", f"{visits:,}", f"人次（{since.year}年以来）", "contacts"))
    sugg = [s for s in ds.suggestions if s.congress_id in current]
    handled = sum(1 for s in sugg if s.status in HANDLED_STATUSES)
    out.append(Figure("议案建议办理完毕", f"{handled:,}", f"件（共 {len(sugg):,} 件）"))
    return out


def places(site: SiteContext) -> tuple[str, list[tuple[str, list]]]:
    """('township'|'county', [(group heading, [areas])]) for find-your-deputy."""
    c = core(site)
    ds = site.ds
    towns = c.townships()
    if towns and len(towns) <= MAX_PLACE_LINKS:
        groups: dict[str, list] = {}
        for a in towns:
            parent = ds.area.get(a.parent_id or "")
            groups.setdefault(parent.name if parent else "", []).append(a)
        return "township", list(groups.items())
    counties = sorted((a for a in ds.areas if a.classification == "county"), key=lambda a: (a.name, a.id))
    return "county", [("", counties)]


def example_place(site: SiteContext) -> str:
    """A place written as people write it, township then village ("棠铺镇龙山村"), from the data:
    the first township (by path) that has a village or community, and its first one by name."""
    ds = site.ds
    for town in core(site).townships():
        kids = sorted(
            (a for a in ds.area_children.get(town.id, ()) if a.classification in ("village", "community")),
            key=lambda a: (a.name, a.id),
        )
        if kids:
            return town.name + kids[0].name
    return ""


def pages(site: SiteContext) -> Iterable[PageDoc]:
    c = core(site)
    ds = site.ds
    latest = sorted(ds.published_reports(), key=lambda r: (r.date, r.id), reverse=True)[:LATEST_REPORTS]
    here = ""
    html = render(
        "core_home.html.j2",
        here,
        example=example_place(site),
        query=False,
        figures=figures(site),
        latest=latest,
        core=c,
        as_of=site.as_of,
        locality=ds.rules.locality,
        urls=urls,
    )
    yield PageDoc(
        path="index.md",
        title="首页",
        template="home.html",
        html=html,
        meta={"hide": ["toc"], "description": "人大代表履职情况公开：查找您的代表，查看报告履职情况。"},
        search=SearchEntry(kind="page", title="首页", text="人大代表履职公开 首页"),
        source="",
    )
