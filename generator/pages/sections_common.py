"""Shared helpers for the section pages (groups, stations, suggestions, coverage, methodology,
open data): one jinja2 environment, Chinese labels for coded values, and small data helpers.

Templates live in generator/templates/sec_*.html and are rendered with autoescape on, so every
value written by people is escaped wherever it lands.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import jinja2
from markupsafe import Markup

from ..model import LEVELS, Activity, Dataset, Mandate
from . import PageDoc, urls

# Labels shared with the core pages (one source, so a status reads the same everywhere).
from .common import (
    AUDIENCE_ZH,
    AWARD_ZH,
    LEVEL_DEPUTY_ZH,
    LEVEL_ZH,
    MODE_ZH,
    ROLE_ZH,
    SUGGESTION_KIND_ZH,
    SUGGESTION_STATUS_ZH,
)

T = TypeVar("T")

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

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
LIST_PAGE_ROWS = 200


def zh(mapping: dict[str, str], code: str | None) -> str:
    """Chinese label for a code; unknown codes are shown as they are (escaped by the template)."""
    if code is None:
        return ""
    return mapping.get(code, code)


def fmt_date(d: dt.date | None) -> str:
    return d.isoformat() if d else ""


def fmt_date_zh(d: dt.date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


_PHONE = re.compile(r"^[0-9][0-9-]{4,19}$")


def tel_href(phone: str | None) -> str | None:
    """A `tel:` link for a public office number, only when it is digits and dashes."""
    if not phone:
        return None
    p = phone.strip()
    return "tel:" + p.replace("-", "") if _PHONE.match(p) else None


def chunks(rows: Sequence[T], size: int = LIST_PAGE_ROWS) -> list[Sequence[T]]:
    if not rows:
        return [rows]
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def paged_url(base: str, n: int) -> str:
    """Page n (1-based) of a listing at directory URL `base`."""
    return base if n == 1 else f"{base}{n}/"


def pager(here_base: str, n: int, total: int, here: str) -> list[dict]:
    """Links to every page of a listing (small: listings have few pages)."""
    return (
        [{"n": i, "href": urls.rel(here, paged_url(here_base, i)), "current": i == n} for i in range(1, total + 1)]
        if total > 1
        else []
    )


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
        y: Markup(render("sec_activity_year.html", year=y, act_rows=by_year[y])) for y in sorted(by_year, reverse=True)
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
                html=render("sec_group_activities.html", g=owner, year=y, act_html=block, back=urls.rel(sub, here)),
                meta=dict(meta, kind=kind, year=y),
                source=source,
            )
        )
    return render_page(act_html=None, act_pages=act_pages), subs


@lru_cache(maxsize=1)
def env() -> jinja2.Environment:
    e = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    e.globals.update(
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
        MODE_ZH=MODE_ZH,
        AUDIENCE_ZH=AUDIENCE_ZH,
        fmt_date=fmt_date,
        fmt_date_zh=fmt_date_zh,
        svg=lambda s: Markup(s),  # charts.py escapes every text it puts in the SVG
    )
    return e


def render(template: str, **context) -> str:
    return env().get_template(template).render(**context).strip() + "\n"
