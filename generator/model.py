"""Plain dataclasses for the data package, with the indexes the pages and rules need.

`load_dataset` trusts nothing: it converts cells by the schema and leaves a value `None`
when a cell cannot be read, so it never raises on bad cells. Callers that publish must run
the validator first (build does); the model itself does no checking.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from array import array
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from dataclasses import fields as dc_fields
from pathlib import Path
from typing import Any

from .descriptor import Package, TableSpec, read_package
from .rules import Rules, load_rules

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

LEVELS = ("national", "provincial", "city", "county", "township")


@dataclass(slots=True)
class Area:
    id: str
    name: str
    classification: str
    parent_id: str | None = None


@dataclass(slots=True)
class Congress:
    id: str
    name: str
    jurisdiction: str
    level: str
    term: int
    start_date: dt.date
    end_date: dt.date
    area_id: str | None = None


@dataclass(slots=True)
class Constituency:
    id: str
    congress_id: str
    name: str
    kind: str
    seats: int


@dataclass(slots=True)
class ConstituencyArea:
    constituency_id: str
    area_id: str


@dataclass(slots=True)
class Deputy:
    id: str
    name: str
    gender: str
    ethnicity: str | None = None
    party: str | None = None
    occupation: str | None = None
    image: str | None = None
    biography: str | None = None
    # Private fields are never loaded into the model: see PRIVATE_SKIPPED below.


@dataclass(slots=True)
class Mandate:
    id: str
    deputy_id: str
    congress_id: str
    constituency_id: str
    re_elected: bool
    official: bool
    start_date: dt.date
    post_title: str | None = None
    end_date: dt.date | None = None
    end_reason: str | None = None


@dataclass(slots=True)
class Station:
    id: str
    name: str
    area_id: str
    address: str
    opening_hours: str | None = None
    office_phone: str | None = None
    founding_date: dt.date | None = None


@dataclass(slots=True)
class StationMember:
    station_id: str
    deputy_id: str
    start_date: dt.date
    end_date: dt.date | None = None


@dataclass(slots=True)
class Group:
    id: str
    name: str
    kind: str
    congress_id: str
    founding_date: dt.date
    area_id: str | None = None


@dataclass(slots=True)
class GroupMember:
    group_id: str
    deputy_id: str
    role: str
    start_date: dt.date
    end_date: dt.date | None = None


@dataclass(slots=True)
class Plan:
    id: str
    group_id: str
    year: int
    themes: str
    summary: str | None = None

    @property
    def theme_list(self) -> list[str]:
        return [t.strip() for t in self.themes.replace(";", "；").split("；") if t.strip()]


@dataclass(slots=True)
class Activity:
    id: str
    date: dt.date
    kind: str
    title: str
    group_id: str | None = None
    station_id: str | None = None
    summary: str | None = None
    location: str | None = None
    people_received: int | None = None


@dataclass(slots=True)
class Attendance:
    activity_id: str
    deputy_id: str
    status: str


@dataclass(slots=True)
class Report:
    id: str
    deputy_id: str
    mandate_id: str
    date: dt.date
    term_year: int
    mode: str
    audience: str
    body: str
    state: str
    venue: str | None = None
    attendees: int | None = None
    eval_satisfied: int | None = None
    eval_basic: int | None = None
    eval_unsatisfied: int | None = None

    @property
    def published(self) -> bool:
        return self.state == "published"


@dataclass(slots=True)
class Suggestion:
    id: str
    kind: str
    title: str
    lead_deputy_id: str
    congress_id: str
    date: dt.date
    topic: str
    status: str
    body: str | None = None
    handling_unit: str | None = None
    response: str | None = None
    response_date: dt.date | None = None
    satisfaction: str | None = None  # the lead deputy's 满意度, once answered
    award: str | None = None


@dataclass(slots=True)
class Cosigner:
    suggestion_id: str
    deputy_id: str


@dataclass(slots=True)
class Contact:
    deputy_id: str
    year: int
    voters_visited: int
    people_received: int
    opinions_collected: int
    problems_resolved: int


TABLE_CLASSES: dict[str, type] = {
    "areas": Area,
    "congresses": Congress,
    "constituencies": Constituency,
    "constituency_areas": ConstituencyArea,
    "deputies": Deputy,
    "mandates": Mandate,
    "stations": Station,
    "station_members": StationMember,
    "groups": Group,
    "group_members": GroupMember,
    "plans": Plan,
    "activities": Activity,
    "attendance": Attendance,
    "reports": Report,
    "suggestions": Suggestion,
    "suggestion_cosigners": Cosigner,
    "contacts": Contact,
}


def convert_cell(value: str, ftype: str, true_values=("true",), false_values=("false",)) -> Any:
    """Schema type → Python value; `None` for empty or unreadable cells (never raises)."""
    if value is None:
        return None
    value = value.strip()
    if value == "":
        return None
    if ftype == "string":
        # ids, references and enum values repeat across millions of rows: share one object
        return sys.intern(value) if len(value) <= 48 else value
    try:
        if ftype == "integer":
            return int(value)
        if ftype == "number":
            return float(value)
        if ftype == "date":
            return dt.date.fromisoformat(value)
        if ftype == "boolean":
            if value in true_values:
                return True
            if value in false_values:
                return False
            return None
    except (ValueError, OverflowError):
        return None
    return value


def read_rows(root: Path, spec: TableSpec) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, typed row) for one table; private fields are dropped here, at the
    source, so no later stage can leak them. Unreadable files yield nothing."""
    path = root / spec.path
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError:
        return
    keep = [f for f in spec.fields if not f.private]
    with fh:
        try:
            reader = csv.reader(fh)
            header = next(reader, None)
            if not header:
                return
            # column position of each kept field (None when the column is missing)
            cols = []
            for f in keep:
                pos = header.index(f.name) if f.name in header else None
                cols.append((f, pos))
            start = reader.line_num + 1
            for cells in reader:
                line, start = start, reader.line_num + 1  # the line a (multi-line) record starts on
                if not cells:
                    continue  # blank line
                n = len(cells)
                typed = {}
                for f, pos in cols:
                    v = cells[pos] if pos is not None and pos < n else ""
                    if f.type == "string":  # the common case, inlined: this loop runs millions of times
                        v = v.strip()
                        typed[f.name] = (sys.intern(v) if len(v) <= 48 else v) if v else None
                    else:
                        typed[f.name] = convert_cell(v, f.type, f.true_values, f.false_values)
                yield line, typed
        except (UnicodeDecodeError, csv.Error):
            return


_FIELD_NAMES: dict[type, frozenset] = {}


def _build(cls: type, row: dict[str, Any]) -> Any | None:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = frozenset(f.name for f in dc_fields(cls))
    try:
        if names.issuperset(row):
            return cls(**row)
        return cls(**{k: v for k, v in row.items() if k in names})
    except TypeError:
        return None


@dataclass
class Dataset:
    """All tables as lists (file order) plus indexes. Derived indexes are built once."""

    root: Path
    package: Package
    rules: Rules
    areas: list[Area] = field(default_factory=list)
    congresses: list[Congress] = field(default_factory=list)
    constituencies: list[Constituency] = field(default_factory=list)
    constituency_areas: list[ConstituencyArea] = field(default_factory=list)
    deputies: list[Deputy] = field(default_factory=list)
    mandates: list[Mandate] = field(default_factory=list)
    stations: list[Station] = field(default_factory=list)
    station_members: list[StationMember] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    group_members: list[GroupMember] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    attendance: list[Attendance] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    suggestion_cosigners: list[Cosigner] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    # line number in its CSV of every loaded record: per table, an array parallel to its list
    # (C integers: at province scale ~10 M of them), made into a dict keyed by id(record) on the
    # first `line()` call. Built after loading, the dict's many small objects are not
    # interleaved with the records in memory, so dropping them (drop_lines) frees whole arenas.
    lines: dict[str, array] = field(default_factory=dict, repr=False)
    line_of: dict[int, int] | None = field(default=None, repr=False)

    def index(self) -> None:
        by_id = lambda rows: {r.id: r for r in rows}  # noqa: E731
        self.area = by_id(self.areas)
        self.congress = by_id(self.congresses)
        self.constituency = by_id(self.constituencies)
        self.deputy = by_id(self.deputies)
        self.mandate = by_id(self.mandates)
        self.station = by_id(self.stations)
        self.group = by_id(self.groups)
        self.plan = by_id(self.plans)
        self.activity = by_id(self.activities)
        self.report = by_id(self.reports)
        self.suggestion = by_id(self.suggestions)

        def multi(rows, key):
            out = defaultdict(list)
            for r in rows:
                out[getattr(r, key)].append(r)
            return out

        self.area_children = multi(self.areas, "parent_id")
        self.mandates_of = multi(self.mandates, "deputy_id")
        self.mandates_in = multi(self.mandates, "congress_id")
        self.mandates_for_constituency = multi(self.mandates, "constituency_id")
        self.constituencies_of = multi(self.constituencies, "congress_id")
        self.areas_of_constituency = multi(self.constituency_areas, "constituency_id")
        self.constituencies_covering = multi(self.constituency_areas, "area_id")
        self.stations_of = multi(self.station_members, "deputy_id")
        self.members_of_station = multi(self.station_members, "station_id")
        self.groups_of = multi(self.group_members, "deputy_id")
        self.members_of_group = multi(self.group_members, "group_id")
        self.plans_of = multi(self.plans, "group_id")
        self.activities_of_group = multi([a for a in self.activities if a.group_id], "group_id")
        self.activities_of_station = multi([a for a in self.activities if a.station_id], "station_id")
        self.attendance_of = multi(self.attendance, "deputy_id")
        self.attendance_at = multi(self.attendance, "activity_id")
        self.reports_of = multi(self.reports, "deputy_id")
        self.reports_on = multi(self.reports, "mandate_id")
        self.suggestions_led = multi(self.suggestions, "lead_deputy_id")
        self.cosigners_of = multi(self.suggestion_cosigners, "suggestion_id")
        self.cosigned_by = multi(self.suggestion_cosigners, "deputy_id")
        self.contacts_of = multi(self.contacts, "deputy_id")
        for rows in (self.activities_of_group, self.activities_of_station, self.reports_of):
            for lst in rows.values():
                lst.sort(key=lambda r: (r.date or dt.date.min, r.id or ""))

    def line(self, record: Any) -> int:
        if self.line_of is None:
            self.line_of = {id(r): n for name, nums in self.lines.items() for r, n in zip(getattr(self, name), nums)}
        return self.line_of.get(id(record), 0)

    def drop_lines(self) -> None:
        """Forget line numbers (they only serve validation messages)."""
        self.lines, self.line_of = {}, {}

    def published_reports(self) -> list[Report]:
        return [r for r in self.reports if r.published]

    def area_path(self, area_id: str | None) -> list[Area]:
        """The area and its ancestors, top first (cycle-safe)."""
        out: list[Area] = []
        seen: set[str] = set()
        while area_id and area_id in self.area and area_id not in seen:
            seen.add(area_id)
            a = self.area[area_id]
            out.append(a)
            area_id = a.parent_id
        return list(reversed(out))


def load_dataset(data_dir: Path | str, package: Package | None = None, rules: Rules | None = None) -> Dataset:
    """Read every table of the package into a Dataset (private fields dropped)."""
    root = Path(data_dir)
    package = package or read_package(root)
    rules = rules or load_rules(root)
    ds = Dataset(root=root, package=package, rules=rules)
    for name, cls in TABLE_CLASSES.items():
        spec = package.tables.get(name)
        if spec is None:
            continue
        target = getattr(ds, name)
        nums = ds.lines[name] = array("I")
        for line, row in read_rows(root, spec):
            rec = _build(cls, row)
            if rec is not None:
                target.append(rec)
                nums.append(min(line, 0xFFFFFFFF))
    ds.index()
    return ds
