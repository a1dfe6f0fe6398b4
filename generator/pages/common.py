"""Shared pieces of the core pages (home, deputies, areas, reports): one jinja2 environment,
Chinese labels, and derived data every core page needs, computed once per SiteContext.

Templates are generator/templates/core_*.html.j2, rendered with autoescape on: every value
written by people is escaped wherever it lands. Report bodies go through
generator/sanitize.markdown_to_safe_html and are passed in as Markup.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import jinja2
from markupsafe import Markup

from .. import schedule
from ..model import LEVELS, Activity, Area, Dataset, Deputy, Mandate
from ..sanitize import safe_link
from . import PageDoc, SiteContext, urls

T = TypeVar("T")

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

LEVEL_ZH = {"national": "全国", "provincial": "省", "city": "市", "county": "县", "township": "乡镇"}
LEVEL_DEPUTY_ZH = {k: f"{v}人大代表" for k, v in LEVEL_ZH.items()}
GENDER_ZH = {"male": "男", "female": "女"}
MODE_ZH = {"oral": "口头报告（常委会会议）", "meeting": "会议报告（选民会议）", "written": "书面报告"}
MODE_SHORT_ZH = {"oral": "口头", "meeting": "会议", "written": "书面"}
AUDIENCE_ZH = {"standing_committee": "常委会", "voters": "原选区选民", "electing_unit": "原选举单位"}
END_REASON_ZH = {
    "term_end": "任期届满",
    "resigned": "辞去代表职务",
    "recalled": "被罢免",
    "deceased": "去世",
    "transferred": "调离本行政区域",
    "other": "其他原因",
}
ROLE_ZH = {"leader": "组长", "deputy_leader": "副组长", "liaison": "联系的主任会议成员", "member": "成员"}
SUGGESTION_KIND_ZH = {"motion": "议案", "suggestion": "建议"}
SUGGESTION_STATUS_ZH = {
    "submitted": "已提交",
    "in_progress": "办理中",
    "resolved": "已解决",
    "planned": "列入计划",
    "explained": "留作参考",
}
HANDLED_STATUSES = ("resolved", "planned", "explained")
AWARD_ZH = {"well_raised": "提得好", "well_supervised": "督得好", "both": "提得好、督得好"}
# the lead deputy's 满意度 with the handling, once answered (suggestions.satisfaction)
SATISFACTION_ORDER = ("satisfied", "basically_satisfied", "dissatisfied")
SATISFACTION_ZH = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}


@dataclass(frozen=True)
class SatisfactionCounts:
    counts: tuple[tuple[str, str, int], ...]  # (code, label, n) in SATISFACTION_ORDER, zeros included
    rated: int  # suggestions with a 满意度
    unrated: int  # answered (HANDLED_STATUSES) but not yet rated


def satisfaction_counts(items) -> SatisfactionCounts:
    """满意度 counted over suggestions: every rating, and how many answered ones have none."""
    n = dict.fromkeys(SATISFACTION_ORDER, 0)
    unrated = 0
    for s in items:
        if s.satisfaction in n:
            n[s.satisfaction] += 1
        elif s.status in HANDLED_STATUSES:
            unrated += 1
    return SatisfactionCounts(
        counts=tuple((k, SATISFACTION_ZH[k], n[k]) for k in SATISFACTION_ORDER),
        rated=sum(n.values()),
        unrated=unrated,
    )


AREA_CLASS_ZH = {
    "province": "省",
    "city": "市",
    "county": "县（区）",
    "township": "乡镇（街道）",
    "village": "村",
    "community": "社区",
}
# Status is never shown by colour alone: each has a text label and an icon character.
STATUS_ICON = {
    schedule.REPORTED: "✓",
    schedule.OVERDUE: "✗",
    schedule.DUE: "●",
    schedule.NOT_YET_DUE: "○",
    schedule.NOT_REQUIRED: "–",
    schedule.ENDED: "■",
}
# Prebuilt status badges (one per code): list pages show one per row.
STATUS_HTML = {
    code: Markup(
        f'<span class="ds-status ds-status--{code}"><span class="ds-status__icon" aria-hidden="true">{icon}</span>'
        f"{schedule.STATUS_ZH[code]}</span>"
    )
    for code, icon in STATUS_ICON.items()
}
STATUS_ORDER = (
    schedule.OVERDUE,
    schedule.DUE,
    schedule.NOT_YET_DUE,
    schedule.REPORTED,
    schedule.ENDED,
    schedule.NOT_REQUIRED,
)
LEVEL_ORDER = {lv: i for i, lv in enumerate(LEVELS)}

# Rows per list page: a row is up to ~600 bytes of HTML, the theme ~12 KB; pages stay under 100 KB.
LIST_PAGE_ROWS = 100
MAX_AREA_OPTIONS = 80


def zh(mapping: dict[str, str], code: str | None) -> str:
    if code is None:
        return ""
    return mapping.get(code, code)


def date_zh(d: dt.date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def num(n: int | float | None) -> str:
    if n is None:
        return "—"
    return f"{n:,}"


@lru_cache(maxsize=1)
def env() -> jinja2.Environment:
    """The one jinja2 environment of the page templates: autoescape on, so every value written
    by people is escaped wherever it lands."""
    e = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    e.filters.update(
        date_zh=date_zh,
        num=num,
        level_zh=lambda v: zh(LEVEL_ZH, v),
        mode_zh=lambda v: zh(MODE_ZH, v),
        audience_zh=lambda v: zh(AUDIENCE_ZH, v),
        status_zh=lambda v: zh(schedule.STATUS_ZH, v),
        status_icon=lambda v: STATUS_ICON.get(v, "?"),
        sugg_status_zh=lambda v: zh(SUGGESTION_STATUS_ZH, v),
        satisfaction_zh=lambda v: zh(SATISFACTION_ZH, v),
        role_zh=lambda v: zh(ROLE_ZH, v),
        gender_zh=lambda v: zh(GENDER_ZH, v),
    )
    e.globals.update(
        status_html=STATUS_HTML,
        rel=urls.rel,
        u=urls,
        zh=zh,
        LEVEL_ZH=LEVEL_ZH,
        LEVEL_DEPUTY_ZH=LEVEL_DEPUTY_ZH,
        GROUP_KIND_ZH=GROUP_KIND_ZH,
        ROLE_ZH=ROLE_ZH,
        ACTIVITY_KIND_ZH=ACTIVITY_KIND_ZH,
        ATTENDANCE_ZH=ATTENDANCE_ZH,
        SUGGESTION_KIND_ZH=SUGGESTION_KIND_ZH,
        SUGGESTION_STATUS_ZH=SUGGESTION_STATUS_ZH,
        AWARD_ZH=AWARD_ZH,
        satisfaction_counts=satisfaction_counts,
        HANDLED_STATUSES=HANDLED_STATUSES,
        MODE_ZH=MODE_ZH,
        AUDIENCE_ZH=AUDIENCE_ZH,
        fmt_date=fmt_date,
        fmt_date_zh=date_zh,
        pager_numbers=pager_numbers,
        svg=lambda s: Markup(s),  # charts.py escapes every text it puts in the SVG
    )
    return e


def linker(here: str):
    """`link(to)` for the page at `here`: a relative link from `here` to the site-root URL `to`.

    The same target as urls.rel, computed by prefix ("../" per level of `here`) because a
    list page makes hundreds of links and posixpath.relpath dominated page time."""
    prefix = "../" * here.count("/")

    def link(to: str) -> str:
        return (prefix + to) or "./"

    return link


def render(template: str, here: str, **ctx) -> str:
    """Render a core template for the page at URL `here`; `link(url)` makes relative links."""
    return env().get_template(template).render(link=linker(here), here=here, **ctx)


def render_section(template: str, **context) -> str:
    """Render a section template (sec_*.html), which makes its own links with `rel`."""
    return env().get_template(template).render(**context).strip() + "\n"


def chunks(rows: Sequence[T], size: int = LIST_PAGE_ROWS) -> list[Sequence[T]]:
    if not rows:
        return [rows]
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def page_url(base: str, n: int) -> str:
    """URL of page n (1-based) of a split list: "x/" then "x/2/", "x/3/"…"""
    return base if n == 1 else f"{base}{n}/"


# A pager lists every page of a listing up to this many pages; a longer one (a province's year
# of reports has over a hundred) shows the first, the last and two either side of the current
# page: a link per page made such pages 15 KB heavier and a phone screen of page numbers.
PAGER_ALL = 12


def pager_numbers(total: int, current: int) -> list[int | None]:
    """The page numbers a pager shows, None where pages are left out (shown as …)."""
    if total <= PAGER_ALL:
        return list(range(1, total + 1))
    shown = [i for i in range(1, total + 1) if i in (1, total) or abs(i - current) <= 2]
    out: list[int | None] = []
    for i in shown:
        if out and i - out[-1] > 1:
            out.append(None)
        out.append(i)
    return out


def pager(here_base: str, n: int, total: int, here: str) -> list[dict]:
    """The links of a section page's pager (pager_numbers); a gap is {"gap": True}."""
    if total <= 1:
        return []
    return [
        {"gap": True}
        if i is None
        else {"n": i, "href": urls.rel(here, page_url(here_base, i)), "current": i == n, "gap": False}
        for i in pager_numbers(total, n)
    ]


# -- derived data, computed once per site ------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One deputy in a directory list, with the ids the filter script matches on."""

    deputy: Deputy
    levels: tuple[str, ...]  # levels of current mandates, top first
    constituencies: tuple[str, ...]  # constituency names of current mandates
    areas: tuple[str, ...]  # areas covered by current constituencies, and their ancestors
    covers: tuple[str, ...]  # areas covered exactly
    stations: tuple[str, ...]
    groups: tuple[str, ...]
    statuses: tuple[str, ...]  # report statuses of current mandates

    @property
    def level_names(self) -> str:
        return "、".join(LEVEL_ZH.get(lv, lv) for lv in self.levels)


class Core:
    """Indexes the core pages share. Built once per SiteContext (see `core(site)`)."""

    def __init__(self, site: SiteContext) -> None:
        ds = self.ds = site.ds
        self.site = site
        self.as_of = site.as_of
        self.current_congress_ids = {
            c.id for c in ds.congresses if c.start_date and c.end_date and c.start_date <= site.as_of <= c.end_date
        }
        # Areas a constituency covers (exact) and their ancestors ("up"): a deputy represents
        # area X when X is in "up" (they cover X or part of it) or they cover an ancestor of X
        # (e.g. city deputies elected by the whole county represent each of its townships).
        self._descendants: dict[str, list[str]] = {}
        self.covers_of: dict[str, tuple[str, ...]] = {}
        self.up_of: dict[str, tuple[str, ...]] = {}
        for k in ds.constituencies:
            covered = tuple(dict.fromkeys(ca.area_id for ca in ds.areas_of_constituency.get(k.id, ())))
            up: dict[str, None] = {}
            for a in covered:
                for p in ds.area_path(a):
                    up[p.id] = None
            self.covers_of[k.id] = covered
            self.up_of[k.id] = tuple(up)
        self.rows: dict[str, Row] = {}
        self.index_up: dict[str, list[str]] = defaultdict(list)
        self.index_exact: dict[str, list[str]] = defaultdict(list)
        for d in ds.deputies:
            row = self._row(d)
            self.rows[d.id] = row
            for a in row.areas:
                self.index_up[a].append(d.id)
            for a in row.covers:
                self.index_exact[a].append(d.id)

    def deputies_for_area(self, area_id: str) -> list[str]:
        """Ids of deputies (current mandates) who represent the area at any level."""
        ids = dict.fromkeys(self.index_up.get(area_id, ()))
        for anc in self.ds.area_path(area_id)[:-1]:
            ids.update(dict.fromkeys(self.index_exact.get(anc.id, ())))
        return list(ids)

    def descendants(self, area_id: str) -> list[str]:
        got = self._descendants.get(area_id)
        if got is None:
            out: list[str] = []
            seen = {area_id}
            stack = [area_id]
            while stack:
                for child in self.ds.area_children.get(stack.pop(), ()):
                    if child.id not in seen:
                        seen.add(child.id)
                        out.append(child.id)
                        stack.append(child.id)
            got = self._descendants[area_id] = out
        return got

    def is_current(self, m: Mandate) -> bool:
        if m.congress_id not in self.current_congress_ids:
            return False
        return not (m.end_date and m.end_date < self.as_of)

    def current_mandates(self, deputy_id: str) -> list[Mandate]:
        ms = [m for m in self.ds.mandates_of.get(deputy_id, ()) if self.is_current(m)]
        return sorted(ms, key=self.mandate_key)

    def mandate_key(self, m: Mandate):
        c = self.ds.congress.get(m.congress_id)
        return (LEVEL_ORDER.get(c.level, 9) if c else 9, -(c.start_date.toordinal()) if c else 0, m.id)

    def level_of(self, m: Mandate) -> str:
        c = self.ds.congress.get(m.congress_id)
        return c.level if c else ""

    def _row(self, d: Deputy) -> Row:
        ds = self.ds
        ms = self.current_mandates(d.id)
        areas: dict[str, None] = {}
        covers: dict[str, None] = {}
        for m in ms:
            areas.update(dict.fromkeys(self.up_of.get(m.constituency_id, ())))
            covers.update(dict.fromkeys(self.covers_of.get(m.constituency_id, ())))
        levels = tuple(dict.fromkeys(self.level_of(m) for m in ms))
        cons = tuple(
            dict.fromkeys(ds.constituency[m.constituency_id].name for m in ms if m.constituency_id in ds.constituency)
        )
        stations = tuple(
            dict.fromkeys(sm.station_id for sm in ds.stations_of.get(d.id, ()) if not _ended(sm.end_date, self.as_of))
        )
        groups = tuple(
            dict.fromkeys(gm.group_id for gm in ds.groups_of.get(d.id, ()) if not _ended(gm.end_date, self.as_of))
        )
        statuses = tuple(dict.fromkeys(self.site.statuses[m.id].status for m in ms if m.id in self.site.statuses))
        return Row(d, levels, cons, tuple(areas), tuple(covers), stations, groups, statuses)

    def rows_sorted(self, ids: Iterable[str]) -> list[Row]:
        rows = [self.rows[i] for i in ids if i in self.rows]
        return sorted(
            rows, key=lambda r: (LEVEL_ORDER.get(r.levels[0], 9) if r.levels else 9, r.deputy.name, r.deputy.id)
        )

    def report_level(self, r) -> str:
        m = self.ds.mandate.get(r.mandate_id)
        return self.level_of(m) if m else ""

    def deputy_name(self, deputy_id: str) -> str:
        d = self.ds.deputy.get(deputy_id)
        return d.name if d else deputy_id

    def townships(self) -> list[Area]:
        """Areas people pick in find-your-deputy: townships (and streets), by county then name."""
        out = [a for a in self.ds.areas if a.classification == "township"]
        return sorted(out, key=lambda a: ([p.name for p in self.ds.area_path(a.parent_id)], a.name, a.id))

    def area_page_ids(self) -> list[str]:
        """Areas with their own page: counties, cities, provinces and townships."""
        ids = self.__dict__.get("_area_page_ids")
        if ids is None:  # computed once: every profile asks (a scan of all areas per page is quadratic)
            ids = self.__dict__["_area_page_ids"] = [
                a.id for a in self.ds.areas if a.classification in ("province", "city", "county", "township")
            ]
        return list(ids)

    def area_page_set(self) -> frozenset[str]:
        """`area_page_ids` as a set, built once per site."""
        ids = self.__dict__.get("_area_page_set")
        if ids is None:
            ids = self.__dict__["_area_page_set"] = frozenset(self.area_page_ids())
        return ids


def _ended(end: dt.date | None, as_of: dt.date) -> bool:
    return bool(end and end < as_of)


def core(site: SiteContext) -> Core:
    if site.core is None:
        site.core = Core(site)
    return site.core


def filter_options(core_: Core, rows: Sequence[Row]) -> dict[str, list[tuple[str, str]]]:
    """(value, label) choices for the directory filters, only those present in `rows`."""
    ds = core_.ds
    present = {k: set() for k in ("level", "area", "station", "group", "status")}
    for r in rows:
        present["level"].update(r.levels)
        present["area"].update(r.areas)
        present["station"].update(r.stations)
        present["group"].update(r.groups)
        present["status"].update(r.statuses)
    areas = [
        a for a in ds.areas if a.id in present["area"] and a.classification in ("township", "village", "community")
    ]
    if len(areas) > MAX_AREA_OPTIONS:  # keep the form small: townships only
        areas = [a for a in areas if a.classification == "township"]
    areas.sort(key=lambda a: (a.classification != "township", a.name, a.id))

    def anc(a: Area) -> str:
        return " ".join(p.id for p in ds.area_path(a.parent_id))

    return {
        "level": [(lv, LEVEL_DEPUTY_ZH[lv], "") for lv in LEVELS if lv in present["level"]],
        "area": [(a.id, a.name, anc(a)) for a in areas],
        "station": [(s.id, s.name, "") for s in ds.stations if s.id in present["station"]],
        "group": [(g.id, g.name, "") for g in ds.groups if g.id in present["group"]],
        "status": [(s, schedule.STATUS_ZH[s], "") for s in STATUS_ORDER if s in present["status"]],
    }


def md(html: str) -> Markup:
    """Mark HTML that already went through generator/sanitize as safe for templates."""
    return Markup(html)


# -- section pages (groups, stations, suggestions, coverage, methodology, open data) ----------


GROUP_KIND_ZH = {
    "five_level_joint": "五级人大代表联合小组",
    "single_level": "同级代表小组",
    "thematic": "专业小组",
}
ACTIVITY_KIND_ZH = {
    "study": "集中学习",
    "inspection": "视察",
    "research": "调研",
    "supervision": "议案建议督办",
    "reception": "代表接待群众日",
    "public_interest": "公益活动",
    "training": "履职培训",
}
ATTENDANCE_ZH = {"present": "出席", "excused": "请假", "absent": "缺席"}
SUGGESTION_STATUS_ORDER = ("submitted", "in_progress", "planned", "resolved", "explained")

# Largest generated HTML body we aim for; pages split their lists above this (the theme adds
# roughly 20 KB around the body, and no page may exceed 100 KB).
BODY_BUDGET = 60_000
SECTION_PAGE_ROWS = 200  # rows per page of a section listing


def fmt_date(d: dt.date | None) -> str:
    return d.isoformat() if d else ""


_PHONE = re.compile(r"^[0-9][0-9-]{4,19}$")


def licence_links(raw: dict) -> list[dict]:
    """The descriptor's licences as {name, path}: the name is text (escaped by the template),
    the path a link only when the path rule accepts it (http(s) or relative inside the site,
    sanitize.safe_link): `javascript:`, `data:` and the like are shown as nothing."""
    return [
        {"name": str(lic.get("title") or lic.get("name") or ""), "path": safe_link(lic.get("path"))}
        for lic in (raw.get("licenses") or [])
        if isinstance(lic, dict)
    ]


def tel_href(phone: str | None) -> str | None:
    """A `tel:` link for a public office number, only when it is digits and dashes."""
    if not phone:
        return None
    p = phone.strip()
    return "tel:" + p.replace("-", "") if _PHONE.match(p) else None


def is_current(start: dt.date | None, end: dt.date | None, as_of: dt.date) -> bool:
    return (start is None or start <= as_of) and (end is None or end >= as_of)


LEVEL_RANK = {lvl: i for i, lvl in enumerate(LEVELS)}


def current_mandates(ds: Dataset, deputy_id: str, as_of: dt.date) -> list[Mandate]:
    """The person's mandates running on `as_of`, highest level first."""
    out = []
    for m in ds.mandates_of.get(deputy_id, ()):
        c = ds.congress.get(m.congress_id)
        if c is None:
            continue
        if is_current(m.start_date, m.end_date, as_of) and c.start_date <= as_of <= c.end_date:
            out.append(m)
    return sorted(out, key=lambda m: (LEVEL_RANK.get(ds.congress[m.congress_id].level, 99), m.id))


def primary_mandate(ds: Dataset, deputy_id: str, as_of: dt.date) -> Mandate | None:
    """Highest-level running mandate, else the most recent one (for people whose seat ended)."""
    cur = current_mandates(ds, deputy_id, as_of)
    if cur:
        return cur[0]
    ms = [m for m in ds.mandates_of.get(deputy_id, ()) if m.start_date]
    return max(ms, key=lambda m: (m.start_date, m.id)) if ms else None


def level_of(ds: Dataset, m: Mandate | None) -> str | None:
    if m is None:
        return None
    c = ds.congress.get(m.congress_id)
    return c.level if c else None


def deputy_name(ds: Dataset, deputy_id: str) -> str:
    d = ds.deputy.get(deputy_id)
    return d.name if d else deputy_id


def area_label(ds: Dataset, area_id: str | None) -> str:
    """ "某县 / 某镇 / 某村" style path of an area."""
    return " / ".join(a.name for a in ds.area_path(area_id))


def tidy_text(value: str | None) -> str:
    return (value or "").strip()


def paragraphs(value: str | None) -> list[str]:
    """Plain text split into paragraphs (the template escapes each)."""
    return [p.strip() for p in re.split(r"\n\s*\n|\n", value or "") if p.strip()]


def join_zh(items: Iterable[str]) -> str:
    return "、".join(items)


def activity_rows(site, acts: Sequence[Activity], members: Sequence | None) -> list[dict]:
    """Per activity: who was present, excused, absent (names, sorted), and, when `members`
    (memberships with start/end dates) is given, how many members were not recorded."""
    ds = site.ds
    out = []
    for a in acts:
        by_status: dict[str, list[str]] = defaultdict(list)
        recorded = set()
        for at in ds.attendance_at.get(a.id, ()):
            recorded.add(at.deputy_id)
            by_status[at.status].append(deputy_name(ds, at.deputy_id))
        expected = None
        unrecorded = 0
        if members is not None:
            exp = {m.deputy_id for m in members if is_current(m.start_date, m.end_date, a.date)}
            expected = len(exp)
            unrecorded = len(exp - recorded)
        present, excused, absent = (sorted(by_status.get(k, [])) for k in ("present", "excused", "absent"))
        out.append(
            {
                "a": a,
                "kind": zh(ACTIVITY_KIND_ZH, a.kind),
                "present": "、".join(present),
                "excused": "、".join(excused),
                "absent": "、".join(absent),
                "n_present": len(present),
                "n_excused": len(excused),
                "n_absent": len(absent),
                "unrecorded": unrecorded,
                "expected": expected,
                "future": a.date > site.as_of,
            }
        )
    return out


def activity_blocks(rows: list[dict]) -> dict[int, Markup]:
    """Each year's activities rendered once (newest year first), as trusted HTML fragments."""
    by_year: dict[int, list[dict]] = defaultdict(list)
    for r in rows:
        by_year[r["a"].date.year].append(r)
    return {
        y: Markup(render_section("sec_activity_year.html", year=y, act_rows=by_year[y]))
        for y in sorted(by_year, reverse=True)
    }


def place_activities(
    here: str, rows: list[dict], render_page, kind: str, title: str, template: str, source: str, meta: dict, owner
) -> tuple[str, list]:
    """Render a record page with its activities inline, or, when that would pass the body
    budget, with links to one sub-page per year. Returns (page HTML, sub-page PageDocs)."""

    blocks = activity_blocks(rows)
    html = render_page(act_html=Markup("".join(blocks.values())), act_pages=None)
    if len(html.encode()) <= BODY_BUDGET or not blocks:
        return html, []
    subs = []
    act_pages = []
    for y, block in blocks.items():
        sub = f"{here}activities/{y}/"
        n = sum(1 for r in rows if r["a"].date.year == y)
        act_pages.append((y, urls.rel(here, sub), n))
        subs.append(
            PageDoc(
                path=urls.src(sub),
                title=f"{title} {y}年活动",
                template=template,
                html=render_section(
                    "sec_group_activities.html", g=owner, year=y, act_html=block, back=urls.rel(sub, here)
                ),
                meta=dict(meta, kind=kind, year=y),
                source=source,
            )
        )
    return render_page(act_html=None, act_pages=act_pages), subs
