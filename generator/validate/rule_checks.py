"""Tier 3: cross-record rules a Table Schema cannot say, from the locality's rules file.

Report status comes from generator/schedule.py, so "overdue" here is the same as on the
site. Every check skips records whose fields are None (tier 1 reported them) and references
that lead nowhere (tier 2 reported them).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from ..model import Dataset
from ..problems import Problem
from ..schedule import KIND_ZH, OVERDUE, mandate_status, term_year
from .codes import problem

LEVEL_ZH = {"national": "全国", "provincial": "省级", "city": "市级", "county": "县级", "township": "乡镇级"}
KIND_EN = {"re_elected": "re-elected", "official": "official", "other": "other"}
ROLE_ZH = {"leader": "组长", "deputy_leader": "副组长", "liaison": "联系的主任会议成员", "member": "成员"}
ROLE_EN = {
    "leader": "leader(s)",
    "deputy_leader": "deputy leader(s)",
    "liaison": "liaison member(s)",
    "member": "member(s)",
}
MIX = {
    # mix → ((attribute value, missing zh, missing en) for each side, mix zh, mix en)
    "new_and_re_elected": (
        "re",
        (False, "新任代表", "new deputy"),
        (True, "连任代表", "re-elected deputy"),
        "新任与连任代表搭配",
        "new and re-elected deputies should be mixed",
    ),
    "official_and_grassroots": (
        "off",
        (True, "职务代表", "official deputy"),
        (False, "基层代表", "grassroots deputy"),
        "职务代表与基层代表搭配",
        "officials and grassroots deputies should be mixed",
    ),
}


def _years(ys) -> str:
    return "、".join(str(y) for y in ys)


def _path(ds: Dataset, table: str) -> str:
    return ds.package.tables[table].path


def mandates(ds: Dataset, as_of: dt.date, rules_ok: bool) -> Iterator[Problem]:
    path = _path(ds, "mandates")
    first: dict[tuple, int] = {}
    for m in ds.mandates:
        line = ds.line(m)
        c = ds.congress.get(m.congress_id) if m.congress_id else None
        term_ok = c is not None and c.start_date is not None and c.end_date is not None
        if term_ok:
            for fname, which_zh, which_en, d in (
                ("start_date", "开始日期", "start date", m.start_date),
                ("end_date", "结束日期", "end date", m.end_date),
            ):
                if d is not None and not (c.start_date <= d <= c.end_date):
                    yield problem(
                        "mandate-outside-term",
                        path,
                        line,
                        fname,
                        which_zh=which_zh,
                        which_en=which_en,
                        date=d.isoformat(),
                        congress=c.id,
                        term_start=c.start_date.isoformat(),
                        term_end=c.end_date.isoformat(),
                    )
        if c is not None and m.constituency_id:
            k = ds.constituency.get(m.constituency_id)
            if k is not None and k.congress_id and k.congress_id != m.congress_id:
                yield problem(
                    "constituency-mismatch",
                    path,
                    line,
                    "constituency_id",
                    constituency=k.id,
                    other=k.congress_id,
                    congress=m.congress_id,
                )
        if m.deputy_id and m.congress_id:
            key = (m.deputy_id, m.congress_id)
            if key in first:
                yield problem(
                    "duplicate-mandate",
                    path,
                    line,
                    "deputy_id",
                    deputy=m.deputy_id,
                    congress=m.congress_id,
                    other=first[key],
                )
            else:
                first[key] = line
        if (
            rules_ok
            and term_ok
            and c.level
            and m.start_date is not None
            and m.re_elected is not None
            and m.official is not None
        ):
            st = mandate_status(ds, m, as_of)
            if st.status == OVERDUE:
                yield problem(
                    "report-overdue",
                    path,
                    line,
                    "",
                    deputy=m.deputy_id,
                    kind_zh=KIND_ZH[st.kind],
                    kind_en=KIND_EN[st.kind],
                    scheduled=_years(st.scheduled_years),
                    scheduled_en=", ".join(map(str, st.scheduled_years)),
                    as_of=as_of.isoformat(),
                )


def reports(ds: Dataset, as_of: dt.date, rules_ok: bool) -> Iterator[Problem]:
    path = _path(ds, "reports")
    rules = ds.rules
    first: dict[tuple, int] = {}
    for r in ds.reports:
        m = ds.mandate.get(r.mandate_id) if r.mandate_id else None
        if m is None:
            continue
        line = ds.line(r)
        if r.deputy_id and m.deputy_id and r.deputy_id != m.deputy_id:
            yield problem(
                "report-deputy-mismatch",
                path,
                line,
                "deputy_id",
                deputy=r.deputy_id,
                mandate=m.id,
                expected=m.deputy_id,
            )
        if r.date is None:
            continue
        c = ds.congress.get(m.congress_id) if m.congress_id else None
        if m.start_date is not None:
            end = m.end_date or (c.end_date if c else None)
            if r.date < m.start_date or (end is not None and r.date > end):
                yield problem(
                    "report-outside-mandate",
                    path,
                    line,
                    "date",
                    date=r.date.isoformat(),
                    start=m.start_date.isoformat(),
                    end=end.isoformat() if end else "—",
                )
        if c is None or c.start_date is None or c.end_date is None:
            continue
        ty = term_year(c, r.date) if c.start_date <= r.date <= c.end_date else None
        if ty is not None and r.term_year is not None and r.term_year != ty:
            yield problem(
                "report-term-year", path, line, "term_year", declared=r.term_year, computed=ty, date=r.date.isoformat()
            )
        year = ty if ty is not None else r.term_year
        if year is not None:
            key = (m.id, year)
            if key in first:
                yield problem(
                    "report-duplicate", path, line, "term_year", mandate=m.id, term_year=year, other=first[key]
                )
            else:
                first[key] = line
        if not rules_ok:
            continue
        lr = rules.report_levels.get(c.level or "")
        if lr is None:
            continue
        lz, le = LEVEL_ZH.get(c.level, c.level), c.level
        if lr.months and r.date.month not in lr.months:
            yield problem(
                "report-window",
                path,
                line,
                "date",
                level_zh=lz,
                level_en=le,
                months=_years(lr.months),
                months_en=", ".join(map(str, lr.months)),
                date=r.date.isoformat(),
            )
        if r.mode and lr.modes and r.mode not in lr.modes:
            yield problem(
                "report-mode", path, line, "mode", level_zh=lz, level_en=le, allowed=", ".join(lr.modes), mode=r.mode
            )
        if r.audience and lr.audience and r.audience not in lr.audience:
            yield problem(
                "report-audience",
                path,
                line,
                "audience",
                level_zh=lz,
                level_en=le,
                allowed=", ".join(lr.audience),
                audience=r.audience,
            )
        if ty is not None and m.re_elected is not None and m.official is not None:
            kind = rules.kind_of(m.re_elected, m.official)
            years = rules.schedule.get(kind, rules.schedule.get("other", ()))
            if years and ty not in years:
                yield problem(
                    "report-off-schedule",
                    path,
                    line,
                    "term_year",
                    kind_zh=KIND_ZH[kind],
                    kind_en=KIND_EN[kind],
                    scheduled=_years(years),
                    scheduled_en=", ".join(map(str, years)),
                    term_year=ty,
                )


def meeting_share(ds: Dataset, as_of: dt.date, rules_ok: bool) -> Iterator[Problem]:
    """Per congress of a level in meeting_share.levels: the share of its deputies whose
    published report was at a meeting (as figures.coverage counts it)."""
    if not rules_ok:
        return
    rules = ds.rules
    path = _path(ds, "congresses")
    minimum = rules.meeting_share_minimum
    for c in ds.congresses:
        if c.level not in rules.meeting_share_levels or c.start_date is None or c.end_date is None:
            continue
        if as_of < c.start_date:
            continue
        ms = ds.mandates_in.get(c.id, ())
        total = len(ms)
        if not total:
            continue
        meeting = open_ = 0
        for m in ms:
            pub = [r for r in ds.reports_on.get(m.id, ()) if r.published]
            if any(r.mode == "meeting" for r in pub):
                meeting += 1
            elif not pub and (m.end_date is None or m.end_date > as_of):
                open_ += 1
        ended = as_of > c.end_date
        if ended and meeting < minimum * total:
            state_zh, state_en = "本届已结束，低于", "the term has ended below the"
        elif not ended and meeting + open_ < minimum * total:
            state_zh, state_en = "其余代表全部以会议方式报告也达不到", "it can no longer reach the"
        else:
            continue
        yield problem(
            "meeting-share-low",
            path,
            ds.line(c),
            "",
            congress=c.id,
            meeting=meeting,
            total=total,
            share=f"{round(100 * meeting / total)}%",
            minimum=f"{round(100 * minimum)}%",
            state_zh=state_zh,
            state_en=state_en,
        )


def _current(start, end, day) -> bool:
    return start is not None and start <= day and (end is None or end >= day)


def groups(ds: Dataset, as_of: dt.date, rules_ok: bool) -> Iterator[Problem]:
    if not rules_ok:
        return
    rules = ds.rules
    path = _path(ds, "groups")
    for g in ds.groups:
        if g.founding_date is not None and g.founding_date > as_of:
            continue
        current = [gm for gm in ds.members_of_group.get(g.id, ()) if _current(gm.start_date, gm.end_date, as_of)]
        line = ds.line(g)
        for role, expected in rules.group_roles.items():
            n = sum(1 for gm in current if gm.role == role)
            if n != expected:
                yield problem(
                    "group-roles",
                    path,
                    line,
                    "",
                    role_zh=ROLE_ZH.get(role, role),
                    role_en=ROLE_EN.get(role, role),
                    count=n,
                    expected=expected,
                )
        kinds = []
        for gm in current:
            ms = [m for m in ds.mandates_of.get(gm.deputy_id, ()) if _current(m.start_date, m.end_date, as_of)]
            if ms:
                kinds.append({"re": any(bool(m.re_elected) for m in ms), "off": any(bool(m.official) for m in ms)})
        if not kinds:
            continue
        for mix in rules.group_mix:
            attr, side_a, side_b, mix_zh, mix_en = MIX[mix]
            present = {k[attr] for k in kinds}
            for value, missing_zh, missing_en in (side_a, side_b):
                if value not in present:
                    yield problem(
                        "group-mix",
                        path,
                        line,
                        "",
                        missing_zh=missing_zh,
                        missing_en=missing_en,
                        mix_zh=mix_zh,
                        mix_en=mix_en,
                    )


def membership_spans(ds: Dataset) -> dict[tuple, list]:
    spans: dict[tuple, list] = defaultdict(list)
    for gm in ds.group_members:
        spans[("g", gm.group_id, gm.deputy_id)].append((gm.start_date or dt.date.min, gm.end_date or dt.date.max))
    for sm in ds.station_members:
        spans[("s", sm.station_id, sm.deputy_id)].append((sm.start_date or dt.date.min, sm.end_date or dt.date.max))
    return spans


def attendance_problem(ds: Dataset, spans: dict, path: str, a, line: int) -> Problem | None:
    """One attendance record by someone who was not a member of the organiser that day."""
    act = ds.activity.get(a.activity_id) if a.activity_id else None
    if act is None or act.date is None or not a.deputy_id:
        return None
    if act.group_id and not act.station_id:
        key, organiser = ("g", act.group_id, a.deputy_id), act.group_id
    elif act.station_id and not act.group_id:
        key, organiser = ("s", act.station_id, a.deputy_id), act.station_id
    else:
        return None  # activity-organiser already reported
    if any(s <= act.date <= e for s, e in spans.get(key, ())):
        return None
    return problem(
        "attendance-not-member",
        path,
        line,
        "deputy_id",
        deputy=a.deputy_id,
        date=act.date.isoformat(),
        organiser=organiser,
    )


def attendance(ds: Dataset, as_of: dt.date, rules_ok: bool) -> Iterator[Problem]:
    path = _path(ds, "attendance")
    spans = membership_spans(ds)
    for a in ds.attendance:
        p = attendance_problem(ds, spans, path, a, ds.line(a))
        if p is not None:
            yield p


CHECKS = (mandates, reports, meeting_share, groups, attendance)
