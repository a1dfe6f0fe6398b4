"""When each deputy must report, and where each one stands against that, as of a date.

Pure functions over the model; the validator, the site and the dashboard all use these, so a
figure means the same thing everywhere. The methodology page explains them in words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .model import Congress, Dataset, Mandate, Report

# status codes, in the order a reader cares about them
REPORTED = "reported"
OVERDUE = "overdue"
DUE = "due"
NOT_YET_DUE = "not_yet_due"
NOT_REQUIRED = "not_required"  # level has no reporting rule (e.g. national deputies here)
ENDED = "ended"  # mandate ended before its scheduled years

STATUS_ZH = {
    REPORTED: "已报告",
    OVERDUE: "逾期未报告",
    DUE: "本年度应报告",
    NOT_YET_DUE: "尚未到期",
    NOT_REQUIRED: "本级无报告要求",
    ENDED: "资格已终止",
}
KIND_ZH = {"re_elected": "连任代表", "official": "职务代表", "other": "其他代表"}


def add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def term_year(congress: Congress, day: dt.date) -> int:
    """1-based year of the term that `day` falls in (year 1 starts on the congress start)."""
    n = day.year - congress.start_date.year
    if add_years(congress.start_date, n) > day:
        n -= 1
    return n + 1


def term_year_bounds(congress: Congress, year: int) -> tuple[dt.date, dt.date]:
    """First and last day of term year `year`."""
    start = add_years(congress.start_date, year - 1)
    return start, add_years(congress.start_date, year) - dt.timedelta(days=1)


@dataclass(frozen=True)
class MandateStatus:
    mandate_id: str
    status: str
    kind: str  # re_elected / official / other
    scheduled_years: tuple[int, ...]
    current_year: int  # term year of as_of, clamped to the term
    reports: tuple[Report, ...]  # published reports on this mandate, by date

    @property
    def status_zh(self) -> str:
        return STATUS_ZH[self.status]

    @property
    def rule_zh(self) -> str:
        years = "、".join(f"第{y}年" for y in self.scheduled_years)
        return f"{KIND_ZH[self.kind]}：届内{years}报告" if self.scheduled_years else "本级无报告要求"


def mandate_status(ds: Dataset, m: Mandate, as_of: dt.date) -> MandateStatus:
    rules = ds.rules
    congress = ds.congress.get(m.congress_id)
    kind = rules.kind_of(bool(m.re_elected), bool(m.official))
    reports = tuple(r for r in ds.reports_on.get(m.id, ()) if r.published)
    if congress is None:
        return MandateStatus(m.id, NOT_REQUIRED, kind, (), 0, reports)
    cur = max(1, min(term_year(congress, as_of), rules.term_length_years))
    if congress.level not in rules.report_levels:
        return MandateStatus(m.id, NOT_REQUIRED, kind, (), cur, reports)
    years = rules.schedule.get(kind, rules.schedule.get("other", ()))
    if reports:
        return MandateStatus(m.id, REPORTED, kind, years, cur, reports)
    last_day = term_year_bounds(congress, max(years))[1]
    if m.end_date and m.end_date <= min(last_day, as_of):
        return MandateStatus(m.id, ENDED, kind, years, cur, reports)
    if as_of < congress.start_date or cur < min(years):
        status = NOT_YET_DUE
    elif as_of > last_day:
        status = OVERDUE
    else:
        status = DUE
    return MandateStatus(m.id, status, kind, years, cur, reports)
