"""Deputy group pages: an index by kind and one page per group (composition, roles, plans,
activities with attendance, members with their own attendance rate).

Composition counts the members on the as-of date, each person once at their highest running
level; attendance uses generator/figures.py so the page agrees with the validator.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from .. import charts
from ..figures import attendance_in_group
from ..model import LEVELS, Activity, Dataset, Group, GroupMember
from . import PageDoc, SearchEntry, SiteContext, urls
from .common import (
    GROUP_KIND_ZH,
    LEVEL_ZH,
    ROLE_ZH,
    activity_rows,
    area_label,
    chunks,
    current_mandates,
    is_current,
    level_of,
    page_url,
    pager,
    place_activities,
    primary_mandate,
    render_section,
    zh,
)

INDEX = "groups/"
KIND_ORDER = ("five_level_joint", "single_level", "thematic")
ROLE_ORDER = ("leader", "deputy_leader", "liaison", "member")
NO_MANDATE = "无在任代表资格"
GROUP_ROWS = 100  # index rows per page (~300 bytes each)


def kind_list_url(kind: str) -> str:
    # two path segments, so it can never collide with a group page (groups/<id>/)
    return f"groups/kind/{kind}/"


def _member_sort(ds: Dataset, gm: GroupMember) -> tuple:
    d = ds.deputy.get(gm.deputy_id)
    return (ROLE_ORDER.index(gm.role) if gm.role in ROLE_ORDER else 9, d.name if d else "", gm.deputy_id)


def composition(site: SiteContext, members: list[GroupMember]) -> dict:
    """Counts over the current members: levels, new vs re-elected, official vs grassroots."""
    ds, as_of = site.ds, site.as_of
    levels: Counter = Counter()
    renew: Counter = Counter()
    post: Counter = Counter()
    for gm in members:
        m = primary_mandate(ds, gm.deputy_id, as_of)
        running = bool(current_mandates(ds, gm.deputy_id, as_of))
        if m is None or not running:
            levels[NO_MANDATE] += 1
            renew[NO_MANDATE] += 1
            post[NO_MANDATE] += 1
            continue
        levels[LEVEL_ZH.get(level_of(ds, m) or "", NO_MANDATE)] += 1
        renew["连任代表" if m.re_elected else "新任代表"] += 1
        post["职务代表" if m.official else "基层代表"] += 1

    def rows(counter: Counter, order: Iterable[str]) -> list[tuple[str, int]]:
        out = [(k, counter[k]) for k in order if counter.get(k)]
        if counter.get(NO_MANDATE):
            out.append((NO_MANDATE, counter[NO_MANDATE]))
        return out

    return {
        "n": len(members),
        "levels": rows(levels, [LEVEL_ZH[x] for x in LEVELS]),
        "renew": rows(renew, ["新任代表", "连任代表"]),
        "post": rows(post, ["职务代表", "基层代表"]),
    }


def _activity_rows(site: SiteContext, g: Group, acts: list[Activity]) -> list[dict]:
    return activity_rows(site, acts, site.ds.members_of_group.get(g.id, ()))


def _attendance_by_year(rows: list[dict]) -> list[tuple[str, list[int]]]:
    years: dict[int, list[int]] = {}
    for r in rows:
        if r["future"]:
            continue
        y = years.setdefault(r["a"].date.year, [0, 0, 0, 0])
        y[0] += r["n_present"]
        y[1] += r["n_excused"]
        y[2] += r["n_absent"]
        y[3] += r["unrecorded"]
    return [(f"{y}年", v) for y, v in sorted(years.items())]


def _member_rows(site: SiteContext, g: Group, members: list[GroupMember]) -> list[dict]:
    ds, rules = site.ds, site.ds.rules
    out = []
    for gm in sorted(members, key=lambda gm: _member_sort(ds, gm)):
        att = attendance_in_group(ds, gm.deputy_id, g.id, site.as_of)
        levels = [LEVEL_ZH.get(level_of(ds, m) or "", "") for m in current_mandates(ds, gm.deputy_id, site.as_of)]
        rate = att.rate if att else None
        show_rate = bool(att and att.held >= rules.attendance_minimum_activities)
        out.append(
            {
                "gm": gm,
                "role": zh(ROLE_ZH, gm.role),
                "levels": "、".join(x for x in levels if x) or NO_MANDATE,
                "att": att,
                "rate": rate.percent() if (rate and show_rate) else None,
                "low": bool(
                    show_rate and rate and rate.value is not None and rate.value < rules.attendance_minimum_rate
                ),
            }
        )
    return out


def group_page(site: SiteContext, g: Group) -> list[PageDoc]:
    ds, as_of = site.ds, site.as_of
    here = urls.group(g.id)
    all_members = ds.members_of_group.get(g.id, [])
    current = [gm for gm in all_members if is_current(gm.start_date, gm.end_date, as_of)]
    former = [gm for gm in all_members if gm.end_date and gm.end_date < as_of]
    roles = []
    for role in ("leader", "deputy_leader", "liaison"):
        ids = [gm.deputy_id for gm in sorted(current, key=lambda gm: _member_sort(ds, gm)) if gm.role == role]
        roles.append((ROLE_ZH[role], ids))
    comp = composition(site, current)
    cid = f"g-{g.id}"
    comp_charts = [
        (
            title,
            charts.bar_chart(
                f"{cid}-{key}",
                f"{g.name}：{title}",
                f"当前成员{comp['n']}人，" + "，".join(f"{k}{v}人" for k, v in comp[key]) + "。",
                comp[key],
                "人",
            ),
            comp[key],
        )
        for key, title in (
            ("levels", "按层级（每人按最高层级计）"),
            ("renew", "新任与连任"),
            ("post", "职务代表与基层代表"),
        )
    ]
    acts = ds.activities_of_group.get(g.id, [])
    act_rows = _activity_rows(site, g, acts)
    by_year = _attendance_by_year(act_rows)
    series = ["出席", "请假", "缺席", "未记录"]
    att_chart = (
        charts.stacked_bar_chart(
            f"{cid}-att",
            f"{g.name}：各年度活动出勤人次",
            "；".join(f"{y}出席{v[0]}、请假{v[1]}、缺席{v[2]}、未记录{v[3]}人次" for y, v in by_year) or "暂无活动",
            series,
            by_year,
            styles=(0, 1, 5, 4),
        )
        if by_year
        else None
    )
    plans = sorted(ds.plans_of.get(g.id, []), key=lambda p: (p.year, p.id), reverse=True)
    congress = ds.congress.get(g.congress_id)
    ctx = dict(
        here=here,
        ds=ds,
        site=site,
        g=g,
        kind=zh(GROUP_KIND_ZH, g.kind),
        congress=congress,
        area=area_label(ds, g.area_id),
        roles=roles,
        comp=comp,
        comp_charts=comp_charts,
        att_chart=att_chart,
        att_years=by_year,
        plans=plans,
        members=_member_rows(site, g, current),
        former=_member_rows(site, g, former),
        rules=ds.rules,
        methodology=urls.rel(here, "methodology/"),
        index=urls.rel(here, INDEX),
    )
    html, pages = place_activities(
        here,
        act_rows,
        lambda **kw: render_section("sec_group.html", **ctx, **kw),
        kind="group_activities",
        title=g.name,
        template="group.html",
        source="activities.csv",
        meta={"group_id": g.id},
        owner=g,
    )
    themes = [t for p in plans for t in p.theme_list]
    pages.insert(
        0,
        PageDoc(
            path=urls.src(here),
            title=g.name,
            template="group.html",
            html=html,
            meta={
                "kind": "group",
                "group_id": g.id,
                "description": f"{g.name}（{zh(GROUP_KIND_ZH, g.kind)}）：当前成员{comp['n']}人，"
                f"已举行活动{sum(1 for r in act_rows if not r['future'])}次；成员构成、年度计划、活动和出勤。",
            },
            search=SearchEntry(
                kind="group",
                title=g.name,
                text=" ".join([zh(GROUP_KIND_ZH, g.kind), congress.name if congress else "", *themes]),
                places=tuple(x for x in (area_label(ds, g.area_id), g.name) if x),
            ),
            source="groups.csv",
        ),
    )
    return pages


def _index_row(site: SiteContext, g: Group, here: str) -> dict:
    ds = site.ds
    current = [gm for gm in ds.members_of_group.get(g.id, ()) if is_current(gm.start_date, gm.end_date, site.as_of)]
    leaders = [gm.deputy_id for gm in sorted(current, key=lambda gm: _member_sort(ds, gm)) if gm.role == "leader"]
    held = sum(1 for a in ds.activities_of_group.get(g.id, ()) if a.date <= site.as_of)
    congress = ds.congress.get(g.congress_id)
    return {
        "g": g,
        "href": urls.rel(here, urls.group(g.id)),
        "congress": congress.name if congress else g.congress_id,
        "area": area_label(ds, g.area_id),
        "n": len(current),
        "leaders": leaders,
        "held": held,
    }


def index_pages(site: SiteContext) -> list[PageDoc]:
    ds = site.ds
    by_kind: dict[str, list[Group]] = defaultdict(list)
    for g in ds.groups:
        by_kind[g.kind].append(g)
    kinds = [k for k in KIND_ORDER if k in by_kind] + sorted(k for k in by_kind if k not in KIND_ORDER)
    for k in kinds:
        by_kind[k].sort(key=lambda g: (g.name, g.id))
    split = len(ds.groups) > GROUP_ROWS
    sections = []
    pages: list[PageDoc] = []
    for k in kinds:
        groups = by_kind[k]
        sec = {"kind": zh(GROUP_KIND_ZH, k), "count": len(groups), "rows": [], "href": None}
        if split:
            base = kind_list_url(k)
            sec["href"] = urls.rel(INDEX, base)
            parts = chunks(groups, GROUP_ROWS)
            for n, part in enumerate(parts, 1):
                here = page_url(base, n)
                pages.append(
                    PageDoc(
                        path=urls.src(here),
                        title=f"{zh(GROUP_KIND_ZH, k)}（第{n}页）" if len(parts) > 1 else zh(GROUP_KIND_ZH, k),
                        template="listing.html",
                        html=render_section(
                            "sec_group_list.html",
                            here=here,
                            ds=ds,
                            title=zh(GROUP_KIND_ZH, k),
                            count=len(groups),
                            rows=[_index_row(site, g, here) for g in part],
                            pages=pager(base, n, len(parts), here),
                            index=urls.rel(here, INDEX),
                        ),
                        meta={"kind": "group_list"},
                        source="groups.csv",
                    )
                )
        else:
            sec["rows"] = [_index_row(site, g, INDEX) for g in groups]
        sections.append(sec)
    pages.insert(
        0,
        PageDoc(
            path=INDEX + "index.md",
            title="代表小组",
            template="listing.html",
            html=render_section(
                "sec_group_index.html", here=INDEX, ds=ds, sections=sections, total=len(ds.groups), split=split
            ),
            meta={"kind": "group_index"},
            search=SearchEntry(kind="page", title="代表小组", text="代表小组 五级人大代表联合小组 小组活动 考勤"),
            source="groups.csv",
        ),
    )
    return pages


def pages(site: SiteContext) -> Iterable[PageDoc]:
    yield from index_pages(site)
    for g in sorted(site.ds.groups, key=lambda g: g.id):
        yield from group_page(site, g)
