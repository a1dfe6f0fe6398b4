"""The methodology page, generated from data/rules.yaml and the package descriptor, so the
words can never drift from the rules the figures use.

Anchors other pages link to: report-status, report-windows, overdue, meeting-share,
attendance, contacts, groups, stations, suggestions, sources.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..schedule import KIND_ZH, STATUS_ZH
from . import PageDoc, SearchEntry, SiteContext
from .common import (
    ACTIVITY_KIND_ZH,
    AUDIENCE_ZH,
    AWARD_ZH,
    GROUP_KIND_ZH,
    LEVEL_ZH,
    MODE_ZH,
    ROLE_ZH,
    SUGGESTION_STATUS_ORDER,
    SUGGESTION_STATUS_ZH,
    licence_links,
    render_section,
    zh,
)

PATH = "methodology/index.md"
ANCHORS = (
    "report-status",
    "report-windows",
    "overdue",
    "meeting-share",
    "attendance",
    "contacts",
    "groups",
    "stations",
    "suggestions",
    "sources",
)

STATUS_EXPLAINED = {
    "reported": "本届已公开至少一份报告履职情况的报告（草稿不算）。",
    "due": "今天处在应报告的届内年度，还没有公开的报告。",
    "overdue": "应报告的最后一个届内年度已经结束，仍没有公开的报告。",
    "not_yet_due": "还没有到应报告的届内年度。",
    "ended": "在应报告的年度结束之前代表资格已终止（辞职、罢免、去世、调离等），且没有报告。",
    "not_required": "本地规则没有要求这一级代表向原选区或原选举单位报告履职情况。",
}
GROUP_MIX_ZH = {"new_and_re_elected": "新任代表与连任代表", "official_and_grassroots": "职务代表与基层代表"}
CONTACT_FIELDS = ("voters_visited", "people_received", "opinions_collected", "problems_resolved")


def _pct(x: float) -> str:
    v = x * 100
    return f"{int(v)}%" if float(v).is_integer() else f"{v:.1f}%"


def _join(items: Iterable[str], sep: str = "、") -> str:
    return sep.join(items)


def context(site: SiteContext) -> dict:
    ds, rules = site.ds, site.ds.rules
    pkg = ds.package
    schedule_rows = []
    for kind in rules.schedule_precedence:
        years = rules.schedule.get(kind, ())
        schedule_rows.append({"kind": KIND_ZH.get(kind, kind), "years": _join((f"第{y}年" for y in years), "或")})
    windows = [
        {
            "level": LEVEL_ZH.get(level, level),
            "audience": _join((zh(AUDIENCE_ZH, a) for a in r.audience), "或"),
            "modes": _join((zh(MODE_ZH, m) for m in r.modes), "或"),
            "months": _join(f"{m}月" for m in r.months),
        }
        for level, r in rules.report_levels.items()
    ]
    not_required = [LEVEL_ZH[lvl] for lvl in LEVEL_ZH if lvl not in rules.report_levels]
    contacts = pkg.tables.get("contacts")
    contact_fields = []
    for name in CONTACT_FIELDS:
        try:
            contact_fields.append(contacts.field(name).title if contacts else name)
        except KeyError:
            continue
    licences = licence_links(pkg.raw)
    precedence_zh = _join((KIND_ZH.get(k, k) for k in rules.schedule_precedence), "、")
    return dict(
        site=site,
        rules=rules,
        locality=rules.locality,
        rules_source=rules.source,
        term=rules.term_length_years,
        schedule_rows=schedule_rows,
        precedence=precedence_zh,
        windows=windows,
        not_required=not_required,
        statuses=[
            (STATUS_ZH[k], STATUS_EXPLAINED[k])
            for k in ("reported", "due", "overdue", "not_yet_due", "ended", "not_required")
        ],
        share_levels=_join(LEVEL_ZH.get(lvl, lvl) for lvl in rules.meeting_share_levels),
        share_minimum=_pct(rules.meeting_share_minimum),
        att_rate=_pct(rules.attendance_minimum_rate),
        att_n=rules.attendance_minimum_activities,
        roles=[(zh(ROLE_ZH, r), n) for r, n in rules.group_roles.items()],
        mix=[GROUP_MIX_ZH.get(m, m) for m in rules.group_mix],
        group_kinds=list(GROUP_KIND_ZH.values()),
        activity_kinds=list(ACTIVITY_KIND_ZH.values()),
        contact_fields=contact_fields,
        suggestion_statuses=[zh(SUGGESTION_STATUS_ZH, s) for s in SUGGESTION_STATUS_ORDER],
        awards=[AWARD_ZH["well_raised"], AWARD_ZH["well_supervised"]],
        package_title=str(pkg.raw.get("title") or ""),
        fictional=bool(pkg.raw.get("x-fictional")),
        licences=licences,
        tables=[(t.title or t.name, t.name) for t in pkg.tables.values()],
        private_titles=list(
            dict.fromkeys(
                f.title.replace("（不公开）", "").strip() or f.name
                for t in pkg.tables.values()
                for f in t.fields
                if f.private
            )
        ),
    )


def pages(site: SiteContext) -> Iterable[PageDoc]:
    html = render_section("sec_methodology.html", **context(site))
    yield PageDoc(
        path=PATH,
        title="方法说明",
        template="listing.html",
        html=html,
        meta={"kind": "methodology"},
        search=SearchEntry(
            kind="page",
            title="方法说明",
            text="方法说明 报告履职情况 逾期 会议报告比例 出席率 联系群众 数据来源",
        ),
        source="rules.yaml",
    )
