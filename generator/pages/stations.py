"""Liaison station pages: an index by area and one page per station (address, opening hours,
public office phone, deputies who work from it by level, activities and reception figures)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from .. import charts
from ..model import LEVELS, Dataset, Station
from . import PageDoc, SearchEntry, SiteContext, urls
from .common import (
    LEVEL_DEPUTY_ZH,
    SECTION_PAGE_ROWS,
    activity_rows,
    area_label,
    chunks,
    deputy_name,
    is_current,
    level_of,
    page_url,
    pager,
    place_activities,
    primary_mandate,
    render_section,
    tel_href,
)

INDEX = "stations/"
NO_LEVEL = "无在任代表资格"


def area_list_url(area_id: str) -> str:
    # two path segments, so it never collides with a station page (stations/<id>/)
    return f"stations/area/{urls.segment(area_id)}/"


def _ancestor(ds: Dataset, area_id: str | None, classes: tuple[str, ...]) -> str | None:
    """Nearest area (itself or above) whose classification is in `classes`."""
    for a in reversed(ds.area_path(area_id)):
        if a.classification in classes:
            return a.id
    return None


def _local_area(ds: Dataset, st: Station) -> str | None:
    """The township (or else county) a station belongs to: the heading it is listed under."""
    return _ancestor(ds, st.area_id, ("township",)) or _ancestor(ds, st.area_id, ("county",)) or st.area_id


def _region(ds: Dataset, st: Station) -> str | None:
    """The county (or else city, or top area) used to split very large indexes."""
    path = ds.area_path(st.area_id)
    return (
        _ancestor(ds, st.area_id, ("county",))
        or _ancestor(ds, st.area_id, ("city",))
        or (path[0].id if path else st.area_id)
    )


def _by_level(site: SiteContext, members) -> list[tuple[str, list[str]]]:
    ds = site.ds
    groups: dict[str, list[str]] = defaultdict(list)
    for sm in members:
        m = primary_mandate(ds, sm.deputy_id, site.as_of)
        lvl = level_of(ds, m) if m and (m.end_date is None or m.end_date >= site.as_of) else None
        groups[LEVEL_DEPUTY_ZH.get(lvl or "", NO_LEVEL)].append(sm.deputy_id)
    order = [LEVEL_DEPUTY_ZH[x] for x in LEVELS] + [NO_LEVEL]
    return [(k, sorted(set(groups[k]), key=lambda d: (deputy_name(ds, d), d))) for k in order if k in groups]


def reception_by_year(site: SiteContext, acts) -> list[dict]:
    """Per calendar year: activities held, activities with a people-received figure (n), and
    the total people received."""
    years: dict[int, dict] = {}
    for a in acts:
        if a.date > site.as_of:
            continue
        y = years.setdefault(a.date.year, {"year": a.date.year, "held": 0, "n": 0, "people": 0})
        y["held"] += 1
        if a.people_received is not None:
            y["n"] += 1
            y["people"] += a.people_received
    return [years[y] for y in sorted(years)]


def station_page(site: SiteContext, st: Station) -> list[PageDoc]:
    ds, as_of = site.ds, site.as_of
    here = urls.station(st.id)
    members = ds.members_of_station.get(st.id, [])
    current = [sm for sm in members if is_current(sm.start_date, sm.end_date, as_of)]
    former = sorted(
        (sm for sm in members if sm.end_date and sm.end_date < as_of),
        key=lambda sm: (deputy_name(ds, sm.deputy_id), sm.deputy_id),
    )
    acts = ds.activities_of_station.get(st.id, [])
    rows = activity_rows(site, acts, None)
    reception = reception_by_year(site, acts)
    chart = (
        charts.bar_chart(
            f"s-{st.id}-recv",
            f"{st.name}：各年度接待群众人次",
            "；".join(f"{r['year']}年{r['people']}人次（{r['n']}次活动有记录）" for r in reception),
            [(f"{r['year']}年", r["people"]) for r in reception],
            "人次",
        )
        if any(r["n"] for r in reception)
        else None
    )
    ctx = dict(
        here=here,
        ds=ds,
        site=site,
        st=st,
        area=area_label(ds, st.area_id),
        tel=tel_href(st.office_phone),
        by_level=_by_level(site, current),
        n_current=len({sm.deputy_id for sm in current}),
        former=former,
        reception=reception,
        chart=chart,
        index=urls.rel(here, INDEX),
        poster=urls.rel(here, urls.station_poster(st.id)),
    )
    html, pages = place_activities(
        here,
        rows,
        lambda **kw: render_section("sec_station.html", **ctx, **kw),
        kind="station_activities",
        title=st.name,
        template="station.html",
        source="activities.csv",
        meta={"station_id": st.id},
        owner=st,
    )
    pages.insert(
        0,
        PageDoc(
            path=urls.src(here),
            title=st.name,
            template="station.html",
            html=html,
            meta={
                "kind": "station",
                "station_id": st.id,
                "description": f"{st.name}：地址{st.address}"
                + (f"，开放时间{st.opening_hours}" if st.opening_hours else "")
                + (f"，办公电话{st.office_phone}" if st.office_phone else "")
                + "。",
            },
            search=SearchEntry(
                kind="station",
                title=st.name,
                text=" ".join(x for x in (st.address, st.opening_hours or "") if x),
                places=tuple(x for x in (area_label(ds, st.area_id), st.name, st.address) if x),
            ),
            source="stations.csv",
        ),
    )
    return pages


def _row(site: SiteContext, st: Station, here: str) -> dict:
    ds = site.ds
    current = {
        sm.deputy_id
        for sm in ds.members_of_station.get(st.id, ())
        if is_current(sm.start_date, sm.end_date, site.as_of)
    }
    return {"st": st, "href": urls.rel(here, urls.station(st.id)), "n": len(current), "tel": tel_href(st.office_phone)}


def _sections(site: SiteContext, stations: list[Station], here: str) -> list[dict]:
    ds = site.ds
    by_area: dict[str, list[Station]] = defaultdict(list)
    for st in stations:
        by_area[_local_area(ds, st) or ""].append(st)
    keys = sorted(by_area, key=lambda k: (area_label(ds, k), k))
    return [
        {
            "area": area_label(ds, k) or "未注明区域",
            "rows": [_row(site, st, here) for st in sorted(by_area[k], key=lambda s: (s.name, s.id))],
        }
        for k in keys
    ]


def index_pages(site: SiteContext) -> list[PageDoc]:
    ds = site.ds
    stations = list(ds.stations)
    pages: list[PageDoc] = []
    regions = []
    sections = []
    if len(stations) <= SECTION_PAGE_ROWS:
        sections = _sections(site, stations, INDEX)
    else:
        by_region: dict[str, list[Station]] = defaultdict(list)
        for st in stations:
            by_region[_region(ds, st) or ""].append(st)
        for key in sorted(by_region, key=lambda k: (area_label(ds, k), k)):
            sts = sorted(by_region[key], key=lambda s: (_local_area(ds, s) or "", s.name, s.id))
            base = area_list_url(key or "none")
            regions.append(
                {"area": area_label(ds, key) or "未注明区域", "count": len(sts), "href": urls.rel(INDEX, base)}
            )
            parts = chunks(sts, SECTION_PAGE_ROWS)
            for n, part in enumerate(parts, 1):
                here = page_url(base, n)
                title = f"{area_label(ds, key) or '未注明区域'}的代表联络站"
                pages.append(
                    PageDoc(
                        path=urls.src(here),
                        title=title + (f"（第{n}页）" if len(parts) > 1 else ""),
                        template="listing.html",
                        html=render_section(
                            "sec_station_index.html",
                            here=here,
                            title=title,
                            total=len(sts),
                            sections=_sections(site, list(part), here),
                            regions=[],
                            pages=pager(base, n, len(parts), here),
                            index=urls.rel(here, INDEX),
                        ),
                        meta={"kind": "station_list"},
                        source="stations.csv",
                    )
                )
    pages.insert(
        0,
        PageDoc(
            path=INDEX + "index.md",
            title="代表联络站",
            template="listing.html",
            html=render_section(
                "sec_station_index.html",
                here=INDEX,
                title="代表联络站",
                total=len(stations),
                sections=sections,
                regions=regions,
                pages=[],
                index=None,
            ),
            meta={"kind": "station_index"},
            search=SearchEntry(kind="page", title="代表联络站", text="代表联络站 地址 开放时间 办公电话 接待群众"),
            source="stations.csv",
        ),
    )
    return pages


def pages(site: SiteContext) -> Iterable[PageDoc]:
    yield from index_pages(site)
    for st in sorted(site.ds.stations, key=lambda s: s.id):
        yield from station_page(site, st)
