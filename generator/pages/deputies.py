"""Deputy pages: the directory (index, per-level and per-area lists with filters) and one
profile per person.

No page lists every deputy: at province scale (130,000 people) that page would be megabytes.
The directory index counts deputies per place and level and links to
- `areas/<id>/` — everyone who represents that place at any level (what find-your-deputy
  links to), split into pages of LIST_PAGE_ROWS rows;
- `deputies/levels/<level>/` — one level's deputies, only for levels small enough to list.
Each list row carries data-level/-area/-covers/-station/-group/-status for filters.js.

Template contexts: core_directory.html.j2 (level_counts, place_rows, place_kind),
core_list.html.j2 (heading, intro, rows, options, pages, current, crumbs, children),
core_deputy.html.j2 (see `profile_context`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .. import schedule
from ..figures import attendance_in_group
from ..model import LEVELS, Deputy
from . import PageDoc, SearchEntry, SiteContext, facets, urls
from .common import (
    AWARD_ZH,
    END_REASON_ZH,
    HANDLED_STATUSES,
    LEVEL_DEPUTY_ZH,
    LEVEL_RANK,
    LEVEL_ZH,
    MAX_AREA_OPTIONS,
    STATUS_ICON,
    SUGGESTION_KIND_ZH,
    Core,
    chunks,
    core,
    filter_options,
    is_current,
    page_url,
    render,
)
from .home import MAX_PLACE_LINKS
from .reception import WEEKDAY_ZH, next_day

LEVEL_PAGE_MAX = 3000  # levels with more deputies are browsed by place only
BROAD_AREAS = ("province", "city")  # area pages that list only deputies elected by the whole area


def level_url(level: str) -> str:
    return f"deputies/levels/{level}/"


def pages(site: SiteContext) -> Iterable[PageDoc]:
    c = core(site)
    level_ids = _level_members(c)
    yield _directory(site, c, level_ids)
    for spec in _lists(c, level_ids):
        yield from _list_pages(c, **spec)
    for d in site.ds.deputies:
        yield _profile(site, c, d)


def _lists(c: Core, level_ids: dict[str, list[str]]) -> Iterator[dict]:
    """Every directory list (per level, per area), as `_list_pages` arguments."""
    for lv in LEVELS:
        ids = level_ids.get(lv, [])
        if ids and len(ids) <= LEVEL_PAGE_MAX:
            yield dict(
                base=level_url(lv),
                heading=f"{LEVEL_DEPUTY_ZH[lv]}名录",
                intro=f"本届{LEVEL_DEPUTY_ZH[lv]}共 {len(ids):,} 人。",
                rows=c.rows_sorted(ids),
                crumbs=[("代表名录", "deputies/")],
            )
    for area_id in c.area_page_ids():
        yield _area_list(c, area_id)


def facet_files(site: SiteContext) -> Iterator[tuple[str, dict]]:
    """(list URL, facet file) for each directory list split into pages (pages/facets.py)."""
    c = core(site)
    for spec in _lists(c, _level_members(c)):
        n = len(chunks(spec["rows"]))
        if n > 1:
            yield spec["base"], _facets(spec["rows"], n)


# Filter keys of a directory list, in the order of the rows' data-<key> attributes
FILTER_KEYS = ("level", "area", "covers", "station", "group", "status")
FILTER_NAMES = {"area": "区域", "station": "联络站", "group": "代表小组"}  # as the form labels them


def _facets(rows, n_pages: int) -> dict:
    return facets.payload(
        "人",
        n_pages,
        FILTER_KEYS,
        [
            (
                [
                    [facets.link(r.deputy.name, urls.deputy(r.deputy.id))],
                    r.level_names,
                    "；".join(r.constituencies),
                    facets.badges(r.statuses),
                ],
                facets.tokens(r.levels, r.areas, r.covers, r.stations, r.groups, r.statuses),
            )
            for r in rows
        ],
    )


def _level_members(c: Core) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in c.rows.values():
        for lv in row.levels:
            out.setdefault(lv, []).append(row.deputy.id)
    return out


def _list_pages(
    c: Core,
    base: str,
    heading: str,
    intro: str,
    rows,
    *,
    crumbs=(),
    children=(),
    kind="directory",
    search: SearchEntry | None = None,
) -> Iterable[PageDoc]:
    parts = chunks(rows)
    page_urls = [page_url(base, i + 1) for i in range(len(parts))]
    options = filter_options(c, rows)
    # A long list (a city's county deputies: a thousand stations and groups) would make every
    # page's form bigger than the page budget: those choices go, and the note points to the
    # station and group pages, which list their members.
    # Likewise a province's city-level list spans some 600 townships (130 KB a page): the area
    # pages list a place's deputies instead.
    too_many = [key for key in ("station", "group") if len(options[key]) > MAX_AREA_OPTIONS]
    if len(options["area"]) > facets.MAX_TOWNSHIP_OPTIONS:
        too_many.insert(0, "area")
    for key in too_many:
        options[key] = []
    named = "、".join(FILTER_NAMES[key] for key in too_many)
    note = f"{named}太多，未列入筛选：请到各{named}的页面查看其代表。" if too_many else ""
    for i, part in enumerate(parts):
        here = page_urls[i]
        title = heading if i == 0 else f"{heading}（第 {i + 1} 页）"
        html = render(
            "core_list.html.j2",
            here,
            heading=title,
            intro=intro,
            rows=part,
            total=len(part),
            all_total=len(rows),
            # choices from the whole list: a filter covers every page (the facet file)
            options=options,
            note=note,
            facets=urls.facets(base) if len(parts) > 1 else "",
            pages=page_urls,
            current=i + 1,
            crumbs=list(crumbs),
            children=list(children),
        )
        yield PageDoc(
            path=urls.src(here),
            title=title,
            template=f"{kind}.html",
            html=html,
            meta={"hide": ["toc"]},
            search=search if i == 0 else None,
            source="mandates.csv",
        )


def _directory(site: SiteContext, c: Core, level_ids: dict[str, list[str]]) -> PageDoc:
    ds = site.ds
    level_counts = [
        (lv, LEVEL_DEPUTY_ZH[lv], len(level_ids[lv]), level_url(lv) if len(level_ids[lv]) <= LEVEL_PAGE_MAX else "")
        for lv in LEVELS
        if level_ids.get(lv)
    ]
    towns = c.townships()
    if towns and len(towns) <= MAX_PLACE_LINKS:
        place_kind, places = "乡镇（街道）", towns
    else:
        place_kind = "县（区）"
        places = sorted((a for a in ds.areas if a.classification == "county"), key=lambda a: (a.name, a.id))
    place_rows = []
    for a in places:
        ids = c.deputies_for_area(a.id)
        per_level = {lv: 0 for lv in LEVELS}
        anc = {p.id for p in ds.area_path(a.parent_id)}
        for i in ids:
            # count a person at each level where that mandate represents this place
            lvs = {
                c.level_of(m)
                for m in c.current_mandates(i)
                if a.id in c.up_of.get(m.constituency_id, ())
                or anc.intersection(c.covers_of.get(m.constituency_id, ()))
            }
            for lv in lvs:
                per_level[lv] += 1
        parent = ds.area.get(a.parent_id or "")
        place_rows.append((a, parent.name if parent else "", [per_level[lv] for lv in LEVELS], len(ids)))
    shown_levels = [lv for lv in LEVELS if level_ids.get(lv)]
    html = render(
        "core_directory.html.j2",
        "deputies/",
        level_counts=level_counts,
        place_kind=place_kind,
        place_rows=place_rows,
        levels=LEVELS,
        shown_levels=shown_levels,
        level_zh=LEVEL_ZH,
        total=len([r for r in c.rows.values() if r.levels]),
        urls=urls,
    )
    return PageDoc(
        path="deputies/index.md",
        title="代表",
        template="directory.html",
        html=html,
        meta={"hide": ["toc"], "description": "各级人大代表名录：按层级和区域查找代表。"},
        search=SearchEntry(kind="page", title="代表名录", text="代表名录 按层级 按区域"),
        source="mandates.csv",
    )


def _area_list(c: Core, area_id: str) -> dict:
    ds = c.ds
    a = ds.area[area_id]
    broad = a.classification in BROAD_AREAS
    if broad:
        # A province or city page would list every deputy below it (130,000 at province
        # scale): it lists those elected by the whole area (or above) and links down instead.
        ids = list(dict.fromkeys(i for p in ds.area_path(a.id) for i in c.index_exact.get(p.id, ())))
    else:
        ids = c.deputies_for_area(area_id)
    rows = c.rows_sorted(ids)
    with_page = c.area_page_set()
    crumbs = [("代表名录", "deputies/")] + [
        (p.name, urls.area(p.id)) for p in ds.area_path(a.parent_id) if p.id in with_page
    ]
    children = [
        (ch.name, urls.area(ch.id))
        for ch in sorted(ds.area_children.get(a.id, ()), key=lambda x: (x.name, x.id))
        if ch.id in with_page
    ]
    # the names say what each place is (禾溪县棠铺镇): no class in brackets, which nested
    # ("棠铺镇（乡镇（街道））选民", issue 14)
    path_names = "".join(p.name for p in ds.area_path(a.id))
    if broad:
        intro = (
            f"以下是由{path_names}整体选出的本届各级人大代表，共 {len(rows):,} 人；"
            "下辖各地选出的代表请见下辖区域的页面。"
        )
    else:
        intro = (
            f"以下是本届代表{path_names}选民的各级人大代表，共 {len(rows):,} 人："
            "包括选区覆盖本地的代表，以及由本地所属上级行政区域选出的代表。"
        )
    return dict(
        base=urls.area(a.id),
        heading=f"{a.name}的人大代表",
        intro=intro,
        rows=rows,
        crumbs=crumbs,
        children=children,
        kind="area",
        search=SearchEntry(kind="page", title=f"{a.name}的人大代表", text=f"{path_names} 人大代表", places=(a.name,)),
    )


# -- profile ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MandateView:
    mandate: object
    congress: object
    level: str
    constituency: object
    areas: list  # (name, url or "")
    status: object  # schedule.MandateStatus
    current: bool
    end_reason: str


@dataclass(frozen=True)
class StationContact:
    """One station a deputy works from, as the 怎样联系 box shows it: public station fields only
    (a deputy's own phone or address are private and never in the model)."""

    station: object
    member: object
    next_day: object  # datetime.date or None (opening hours not understood)
    weekday: str
    tel: str  # the office phone as a tel: target ("" when it is not a plain number)


_TEL = re.compile(r"^\+?[0-9][0-9 -]{2,30}[0-9]$")


def tel_target(phone: str | None) -> str:
    """`phone` as a tel: URI body (digits, "+" first, "-"), or "" when it is anything else: a
    value with letters or a second number is shown as text, never made into a link."""
    p = (phone or "").strip()
    return p.replace(" ", "") if _TEL.match(p) else ""


def _crumb(site: SiteContext, c: Core, mandates: list[MandateView]) -> tuple[str, str] | None:
    """The middle breadcrumb: the place that elected the deputy's most local current mandate
    (its covered area, or the nearest enclosing area with a page), else None."""
    ds = site.ds
    with_page = c.area_page_set()
    for mv in sorted((x for x in mandates if x.current), key=lambda x: -LEVEL_RANK.get(x.level, -1)):
        for aid in c.covers_of.get(mv.mandate.constituency_id, ()):
            for a in reversed(ds.area_path(aid)):
                if a.id in with_page:
                    return (a.name, urls.area(a.id))
    return None


def profile_context(site: SiteContext, c: Core, d: Deputy) -> dict:
    """Everything core_deputy.html.j2 reads (documented here, checked by the tests)."""
    ds = site.ds
    with_page = c.area_page_set()
    mandates = []
    for m in sorted(ds.mandates_of.get(d.id, ()), key=c.mandate_key):
        k = ds.constituency.get(m.constituency_id)
        areas = []
        for aid in c.covers_of.get(m.constituency_id, ()):
            a = ds.area.get(aid)
            if a:
                areas.append((a.name, urls.area(a.id) if a.id in with_page else ""))
        mandates.append(
            MandateView(
                mandate=m,
                congress=ds.congress.get(m.congress_id),
                level=c.level_of(m),
                constituency=k,
                areas=areas,
                status=site.statuses.get(m.id),
                current=c.is_current(m),
                end_reason=END_REASON_ZH.get(m.end_reason or "", m.end_reason or ""),
            )
        )
    groups = []
    for gm in sorted(ds.groups_of.get(d.id, ()), key=lambda g: (g.start_date, g.group_id)):
        g = ds.group.get(gm.group_id)
        att = attendance_in_group(ds, d.id, gm.group_id, site.as_of)
        groups.append((gm, g, att))
    stations = [
        (sm, ds.station.get(sm.station_id))
        for sm in sorted(ds.stations_of.get(d.id, ()), key=lambda s: (s.start_date, s.station_id))
    ]
    contact = []
    for sm, st in stations:
        if st is None or not is_current(sm.start_date, sm.end_date, site.as_of):
            continue
        nd = next_day(st.opening_hours, site.as_of)
        contact.append(StationContact(st, sm, nd, WEEKDAY_ZH[nd.weekday()] if nd else "", tel_target(st.office_phone)))
    # stations left before the as-of date (a membership starting later is not shown yet)
    past_stations = [(sm, st) for sm, st in stations if sm.end_date and sm.end_date < site.as_of]
    reports = [r for r in ds.reports_of.get(d.id, ()) if r.published]
    led = sorted(ds.suggestions_led.get(d.id, ()), key=lambda s: (s.date, s.id), reverse=True)
    cosigned = sorted(
        (ds.suggestion[x.suggestion_id] for x in ds.cosigned_by.get(d.id, ()) if x.suggestion_id in ds.suggestion),
        key=lambda s: (s.date, s.id),
        reverse=True,
    )
    contacts = sorted(ds.contacts_of.get(d.id, ()), key=lambda x: x.year, reverse=True)
    row = c.rows.get(d.id)
    return dict(
        d=d,
        roles=[LEVEL_DEPUTY_ZH[lv] for lv in (row.levels if row else ())],
        crumb=_crumb(site, c, mandates),
        photo=urls.photo(d.id) if d.image else "",
        feed=urls.deputy_feed(d.id),
        contact=contact,
        past_stations=past_stations,
        mandates=mandates,
        groups=groups,
        stations=stations,
        reports=reports,
        led=led,
        cosigned=cosigned,
        contacts=contacts,
        as_of=site.as_of,
        min_acts=ds.rules.attendance_minimum_activities,
        min_rate=ds.rules.attendance_minimum_rate,
        c=c,
        urls=urls,
        end_reason_zh=END_REASON_ZH,
        sugg_kind_zh=SUGGESTION_KIND_ZH,
        award_zh=AWARD_ZH,
        any_award=any(s.award for s in led + cosigned),
        handled=HANDLED_STATUSES,
        status_icon=STATUS_ICON,
        schedule=schedule,
    )


def _facts(*pairs: tuple[str, str]) -> str:
    """The search text's leading "label：value" lines (see generator/search split_facts)."""
    return "".join(f"{label}：{value}\n" for label, value in pairs if value)


def _description(site: SiteContext, ctx: dict, levels: str) -> str:
    """The page's description (search engines, and chat apps through og:description): who the
    deputy is, where they stand on reporting as of the data's date, how to reach them."""
    d = ctx["d"]
    out = f"{d.name}，{levels or '人大代表'}。"
    st = "；".join(
        dict.fromkeys(
            mv.status.status_zh
            for mv in ctx["mandates"]
            if mv.current and mv.status and mv.status.status != schedule.NOT_REQUIRED
        )
    )
    if st:
        out += f"报告履职：{st}（截至{site.as_of.year}年{site.as_of.month}月{site.as_of.day}日）。"
    for sc in ctx["contact"][:1]:
        out += (
            f"联系：{sc.station.name}"
            + (f"，办公电话 {sc.station.office_phone}" if sc.station.office_phone else "")
            + "。"
        )
    return out


def _profile(site: SiteContext, c: Core, d: Deputy) -> PageDoc:
    here = urls.deputy(d.id)
    ctx = profile_context(site, c, d)
    html = render("core_deputy.html.j2", here, **ctx)
    row = c.rows.get(d.id)

    places: list[str] = []
    for mv in ctx["mandates"]:
        places.extend(n for n, _u in mv.areas)
        if mv.constituency:
            places.append(mv.constituency.name)
    places.extend(s.name for _sm, s in ctx["stations"] if s)
    places.extend(g.name for _gm, g, _a in ctx["groups"] if g)
    levels = "、".join(LEVEL_DEPUTY_ZH[lv] for lv in (row.levels if row else ()))
    meta = {
        "hide": ["toc"],
        "description": _description(site, ctx, levels),
        "deputy_id": d.id,
        # theme/main.html: <link rel="alternate feed"> and the Open Graph tags
        "feed": ctx["feed"],
        "feed_title": f"{d.name}代表的履职动态",
        "og_title": f"{d.name}（{levels}）" if levels else d.name,
    }
    if ctx["photo"]:
        meta["og_image"] = ctx["photo"]
    return PageDoc(
        path=urls.src(here),
        title=d.name,
        template="deputy.html",
        html=html,
        meta=meta,
        search=SearchEntry(
            kind="deputy",
            title=d.name,
            person=d.name,
            # labelled facts first (generator/search FACT_LABELS), shown beside the result
            text=_facts(
                ("层级", levels),
                (
                    "报告状态",
                    "；".join(
                        dict.fromkeys(
                            f"{LEVEL_DEPUTY_ZH.get(mv.level, '')} {mv.status.status_zh}"
                            for mv in ctx["mandates"]
                            if mv.current and mv.status
                        )
                    ),
                ),
                ("职务", d.occupation or ""),
            )
            + " ".join(x for x in (d.party or "", d.biography or "") if x),
            places=tuple(dict.fromkeys(places)),
        ),
        source="deputies.csv",
    )
