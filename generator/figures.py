"""Figures shown on pages: attendance over a person's own membership, meeting share, coverage.

Every rate carries its numerator and denominator so pages can show n.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from .model import Dataset
from .schedule import mandate_status


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def percent(self) -> str:
        v = self.value
        return "—" if v is None else f"{round(v * 100)}%"


@dataclass(frozen=True)
class Attendance:
    """One deputy in one group: activities held while they were a member, up to as_of."""

    group_id: str
    held: int
    present: int
    excused: int
    absent: int
    unrecorded: int

    @property
    def rate(self) -> Rate:
        return Rate(self.present, self.held)


def attendance_in_group(ds: Dataset, deputy_id: str, group_id: str, as_of: dt.date) -> Attendance | None:
    spans = [(gm.start_date, gm.end_date or as_of) for gm in ds.groups_of.get(deputy_id, ()) if gm.group_id == group_id]
    if not spans:
        return None
    statuses = {a.activity_id: a.status for a in ds.attendance_of.get(deputy_id, ())}
    held = present = excused = absent = unrecorded = 0
    for act in ds.activities_of_group.get(group_id, ()):
        if act.date > as_of or not any(s <= act.date <= e for s, e in spans):
            continue
        held += 1
        st = statuses.get(act.id)
        if st == "present":
            present += 1
        elif st == "excused":
            excused += 1
        elif st == "absent":
            absent += 1
        else:
            unrecorded += 1
    return Attendance(group_id, held, present, excused, absent, unrecorded)


@dataclass(frozen=True)
class Coverage:
    """Report coverage for the mandates of one congress, as of a date."""

    congress_id: str
    total: int
    by_status: dict
    meeting: int  # deputies whose published report was at a meeting (or oral)

    @property
    def meeting_share(self) -> Rate:
        return Rate(self.meeting, self.total)


def coverage(ds: Dataset, congress_id: str, as_of: dt.date) -> Coverage:
    counts: Counter = Counter()
    meeting = 0
    mandates = ds.mandates_in.get(congress_id, ())
    for m in mandates:
        st = mandate_status(ds, m, as_of)
        counts[st.status] += 1
        if any(r.mode == "meeting" for r in st.reports):
            meeting += 1
    return Coverage(congress_id, len(mandates), dict(counts), meeting)
