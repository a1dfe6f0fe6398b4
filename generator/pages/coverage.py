"""The coverage dashboard: per congress level and term year, who has reported, who is due,
who is overdue, and the meeting share against the rules' minimum.

Statuses come from SiteContext.statuses (generator/schedule.py) and the meeting share from
generator/figures.py, so the dashboard, the deputy pages and the validator agree. The index
shows counts only; names are on one page per congress, split further when a congress is large.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from .. import charts
from ..figures import Rate, coverage
from ..model import LEVELS, Congress, Mandate
from ..schedule import DUE, ENDED, KIND_ZH, NOT_YET_DUE, OVERDUE, REPORTED, STATUS_ZH, term_year
from . import PageDoc, SearchEntry, SiteContext, urls
from .common import BODY_BUDGET, LEVEL_ZH, chunks, deputy_name, page_url, pager, render_section

INDEX = "coverage/"
# the order a reader scans: what happened, what is pending, what is late, what is not yet asked
STATUSES = (REPORTED, DUE, OVERDUE, NOT_YET_DUE, ENDED)
STATUS_STYLES = (0, 1, 5, 4, 3)  # chart fills: reported solid, due hatched, overdue red bars, …
NAMES_PER_PAGE = 1000
CONGRESS_ROWS = 100  # rows of the per-congress table on one page (~500 bytes each)
INDEX_CONGRESS_LIMIT = 40  # above this, the index links to per-level pages instead of listing congresses
INDEX_NAME_LIMIT = 300  # above this, the index links to the congress pages instead of naming people


def congress_url(congress_id: str) -> str:
    return f"coverage/congress/{urls.segment(congress_id)}/"


def level_url(level: str) -> str:
    return f"coverage/level/{level}/"


def is_running(c: Congress, site: SiteContext) -> bool:
    return c.start_date <= site.as_of <= c.end_date


def _level_key(c: Congress) -> tuple:
    return (LEVELS.index(c.level) if c.level in LEVELS else 9, c.name, c.id)


def congress_figures(site: SiteContext, c: Congress) -> dict:
    """Counts by status, meeting share and the rule that applies, for one congress."""
    ds, rules = site.ds, site.ds.rules
    cov = coverage(ds, c.id, site.as_of)
    mandates = ds.mandates_in.get(c.id, [])
    required = c.level in rules.report_levels
    share_applies = c.level in rules.meeting_share_levels
    share = cov.meeting_share
    return {
        "c": c,
        "level": LEVEL_ZH.get(c.level, c.level),
        "required": required,
        "term_year": max(1, min(term_year(c, site.as_of), rules.term_length_years)),
        "n": cov.total,
        "counts": [cov.by_status.get(s, 0) for s in STATUSES],
        "by_status": cov.by_status,
        "meeting": cov.meeting,
        "share": share,
        "share_applies": share_applies,
        "share_met": share_applies and share.value is not None and share.value >= rules.meeting_share_minimum,
        "mandates": mandates,
    }


def _aggregate(rows: list[dict]) -> dict:
    counts = [sum(r["counts"][i] for r in rows) for i in range(len(STATUSES))]
    n = sum(r["n"] for r in rows)
    meeting = sum(r["meeting"] for r in rows)
    applies = any(r["share_applies"] for r in rows)
    return {"n": n, "counts": counts, "meeting": meeting, "share": Rate(meeting, n), "share_applies": applies}


def _names(site: SiteContext, mandates: Iterable[Mandate], status: str) -> list[str]:
    ds = site.ds
    ids = {m.deputy_id for m in mandates if site.statuses[m.id].status == status}
    return sorted(ids, key=lambda d: (deputy_name(ds, d), d))


def _by_kind(site: SiteContext, mandates: list[Mandate]) -> list[dict]:
    rows: dict[str, Counter] = defaultdict(Counter)
    years: dict[str, tuple[int, ...]] = {}
    for m in mandates:
        st = site.statuses[m.id]
        rows[st.kind][st.status] += 1
        years[st.kind] = st.scheduled_years
    out = []
    for kind in ("re_elected", "official", "other"):
        if kind in rows:
            out.append(
                {
                    "kind": KIND_ZH[kind],
                    "years": "、".join(f"第{y}年" for y in years[kind]),
                    "counts": [rows[kind].get(s, 0) for s in STATUSES],
                    "n": sum(rows[kind].values()),
                }
            )
    return out


def _reports_by_year(site: SiteContext, mandates: list[Mandate]) -> list[dict]:
    ids = {m.id for m in mandates}
    by_year: dict[int, Counter] = defaultdict(Counter)
    for r in site.ds.reports:
        if r.published and r.mandate_id in ids:
            by_year[r.term_year][r.mode] += 1
    return [
        {
            "year": y,
            "meeting": c.get("meeting", 0),
            "oral": c.get("oral", 0),
            "written": c.get("written", 0),
            "n": sum(c.values()),
        }
        for y, c in sorted(by_year.items())
    ]


def congress_pages(site: SiteContext, fig: dict) -> list[PageDoc]:
    c = fig["c"]
    here = congress_url(c.id)
    lists = (
        [
            {"status": s, "label": STATUS_ZH[s], "ids": _names(site, fig["mandates"], s), "href": None, "pages": []}
            for s in STATUSES
        ]
        if fig["required"]
        else []
    )
    ctx = dict(
        here=here,
        ds=site.ds,
        site=site,
        fig=fig,
        statuses=[STATUS_ZH[s] for s in STATUSES],
        by_kind=_by_kind(site, fig["mandates"]) if fig["required"] else [],
        by_year=_reports_by_year(site, fig["mandates"]),
        rules=site.ds.rules,
        minimum=Rate(round(site.ds.rules.meeting_share_minimum * 100), 100).percent(),
        index=urls.rel(here, INDEX),
        level_page=urls.rel(here, level_url(c.level)),
        methodology=urls.rel(here, "methodology/"),
    )
    out: list[PageDoc] = []
    html = render_section("sec_coverage_congress.html", lists=lists, **ctx)
    if len(html.encode()) > BODY_BUDGET:
        # A large congress: each status gets its own name pages.
        for item in lists:
            if not item["ids"]:
                continue
            base = f"{here}{item['status']}/"
            item["href"] = urls.rel(here, base)
            parts = chunks(item["ids"], NAMES_PER_PAGE)
            for n, part in enumerate(parts, 1):
                sub = page_url(base, n)
                out.append(
                    PageDoc(
                        path=urls.src(sub),
                        title=f"{c.name}：{item['label']}" + (f"（第{n}页）" if len(parts) > 1 else ""),
                        template="coverage.html",
                        html=render_section(
                            "sec_coverage_names.html",
                            here=sub,
                            ds=site.ds,
                            c=c,
                            label=item["label"],
                            total=len(item["ids"]),
                            ids=part,
                            pages=pager(base, n, len(parts), sub),
                            back=urls.rel(sub, here),
                        ),
                        meta={"kind": "coverage_names", "congress_id": c.id, "status": item["status"]},
                        source="reports.csv",
                    )
                )
            item["ids"] = []
        html = render_section("sec_coverage_congress.html", lists=lists, **ctx)
    out.insert(
        0,
        PageDoc(
            path=urls.src(here),
            title=f"{c.name}报告履职情况",
            template="coverage.html",
            html=html,
            meta={
                "kind": "coverage_congress",
                "congress_id": c.id,
                "description": f"{c.name}代表报告履职情况：代表资格{fig['n']}个，"
                + (
                    "，".join(f"{STATUS_ZH[s]}{v}" for s, v in zip(STATUSES, fig["counts"]))
                    if fig["required"]
                    else "本级无报告要求"
                )
                + f"（截至{site.as_of.isoformat()}）。",
            },
            source="reports.csv",
        ),
    )
    return out


def _congress_row(fig: dict, here: str) -> dict:
    return dict(fig, href=urls.rel(here, congress_url(fig["c"].id)))


def pages(site: SiteContext) -> Iterable[PageDoc]:
    ds, rules = site.ds, site.ds.rules
    congresses = sorted(ds.congresses, key=_level_key)
    figs = {c.id: congress_figures(site, c) for c in congresses}
    running = [figs[c.id] for c in congresses if is_running(c, site)]
    past = [figs[c.id] for c in congresses if not is_running(c, site)]
    statuses = [STATUS_ZH[s] for s in STATUSES]

    # one row per (level, term year) over the running congresses
    by_level: dict[tuple, list[dict]] = defaultdict(list)
    for f in running:
        by_level[(f["c"].level, f["term_year"])].append(f)
    level_rows = []
    for (level, year), fs in sorted(
        by_level.items(), key=lambda kv: (LEVELS.index(kv[0][0]) if kv[0][0] in LEVELS else 9, kv[0][0], kv[0][1])
    ):
        agg = _aggregate(fs)
        level_rows.append(
            dict(
                agg,
                level=LEVEL_ZH.get(level, level),
                level_code=level,
                term_year=year,
                congresses=len(fs),
                required=level in rules.report_levels,
                href=urls.rel(INDEX, level_url(level)),
            )
        )
    chart_rows = [r for r in level_rows if r["required"]]
    chart = (
        charts.stacked_bar_chart(
            "coverage-by-level",
            "各层级代表报告履职情况",
            "；".join(
                f"{r['level']}（届内第{r['term_year']}年）n={r['n']}："
                + "，".join(f"{s}{v}" for s, v in zip(statuses, r["counts"]))
                for r in chart_rows
            ),
            statuses,
            [(f"{r['level']}·第{r['term_year']}年", r["counts"]) for r in chart_rows],
            styles=STATUS_STYLES,
        )
        if chart_rows
        else None
    )
    split = len(congresses) > INDEX_CONGRESS_LIMIT
    out: list[PageDoc] = []

    # names of the actionable statuses on the index, when few enough
    pending = []
    for s in (OVERDUE, DUE):
        items = []
        for f in running:
            if f["required"]:
                ids = _names(site, f["mandates"], s)
                if ids:
                    items.append({"c": f["c"], "ids": ids, "href": urls.rel(INDEX, congress_url(f["c"].id))})
        pending.append({"label": STATUS_ZH[s], "status": s, "entries": items, "n": sum(len(i["ids"]) for i in items)})
    show_names = sum(p["n"] for p in pending) <= INDEX_NAME_LIMIT and not split
    if split:
        # many congresses: count per level, the level pages list the congresses
        for p in pending:
            per_level: dict[str, int] = defaultdict(int)
            for it in p["entries"]:
                per_level[it["c"].level] += len(it["ids"])
            p["levels"] = [
                {"level": LEVEL_ZH.get(lvl, lvl), "n": per_level[lvl], "href": urls.rel(INDEX, level_url(lvl))}
                for lvl in LEVELS
                if per_level.get(lvl)
            ]

    out.append(
        PageDoc(
            path=INDEX + "index.md",
            title="报告进度",
            template="coverage.html",
            html=render_section(
                "sec_coverage_index.html",
                here=INDEX,
                ds=ds,
                site=site,
                rules=rules,
                statuses=statuses,
                level_rows=level_rows,
                chart=chart,
                congresses=[] if split else [_congress_row(f, INDEX) for f in running],
                past=[] if split else [_congress_row(f, INDEX) for f in past],
                split=split,
                pending=pending,
                show_names=show_names,
                not_required=[LEVEL_ZH.get(lvl, lvl) for lvl in LEVELS if lvl not in rules.report_levels],
                minimum=Rate(round(rules.meeting_share_minimum * 100), 100).percent(),
                methodology=urls.rel(INDEX, "methodology/"),
            ),
            meta={"kind": "coverage_index"},
            search=SearchEntry(
                kind="page",
                title="报告履职情况",  # what people type; the page itself is 报告进度
                text="各级代表报告履职进度 代表报告履职情况 已报告 应报告 逾期 会议报告比例 覆盖",
            ),
            source="reports.csv",
        )
    )
    # per level pages: every congress of that level (running first), paginated
    for level in [lvl for lvl in LEVELS if any(f["c"].level == lvl for f in figs.values())]:
        fs = [f for f in running if f["c"].level == level] + [f for f in past if f["c"].level == level]
        base = level_url(level)
        parts = chunks(fs, CONGRESS_ROWS)
        for n, part in enumerate(parts, 1):
            here = page_url(base, n)
            out.append(
                PageDoc(
                    path=urls.src(here),
                    title=f"{LEVEL_ZH.get(level, level)}人大代表报告履职情况"
                    + (f"（第{n}页）" if len(parts) > 1 else ""),
                    template="coverage.html",
                    html=render_section(
                        "sec_coverage_level.html",
                        here=here,
                        site=site,
                        level=LEVEL_ZH.get(level, level),
                        total=len(fs),
                        rows=[_congress_row(f, here) for f in part],
                        statuses=statuses,
                        pages=pager(base, n, len(parts), here),
                        index=urls.rel(here, INDEX),
                        minimum=Rate(round(rules.meeting_share_minimum * 100), 100).percent(),
                    ),
                    meta={"kind": "coverage_level", "level": level},
                    source="congresses.csv",
                )
            )
    for c in congresses:
        out.extend(congress_pages(site, figs[c.id]))
    return out
