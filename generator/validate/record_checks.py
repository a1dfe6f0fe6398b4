"""Tier 2: checks on single records, and references between tables, over the loaded model.

Fields that tier 1 could not read are `None` in the model; every check skips them (tier 1 has
already said what is wrong), and tables that could not be read at all are left out.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model import TABLE_CLASSES, Dataset
from ..problems import Problem
from .codes import problem, show_value


def _as_list(v) -> list[str]:
    if isinstance(v, str):
        return [v]
    if isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v):
        return list(v)
    return []


def fk_plans(ds: Dataset, name: str, unreadable: set[str], key_sets: dict | None = None) -> list[tuple]:
    """The table's checkable references: (fields, label, set of target keys, target path)."""
    tables = ds.package.tables
    key_sets = {} if key_sets is None else key_sets
    plans = []
    for fk in tables[name].foreign_keys:
        if not isinstance(fk, dict) or not isinstance(fk.get("reference"), dict):
            continue
        fields = _as_list(fk.get("fields"))
        ref = fk["reference"]
        target = ref.get("resource") or name
        tfields = _as_list(ref.get("fields"))
        if not fields or len(fields) != len(tfields) or target in unreadable or target not in tables:
            continue
        if target not in TABLE_CLASSES:
            continue
        ck = (target, tuple(tfields))
        if ck not in key_sets:
            if len(tfields) == 1:
                f0 = tfields[0]
                key_sets[ck] = {getattr(r, f0, None) for r in getattr(ds, target)}
            else:
                key_sets[ck] = {tuple(getattr(r, f, None) for f in tfields) for r in getattr(ds, target)}
        plans.append((fields, ",".join(fields), key_sets[ck], tables[target].path))
    return plans


def fk_problems(path: str, plans: list[tuple], r, line: int) -> Iterator[Problem]:
    """One record's references that lead nowhere."""
    for fields, label, keys, target_path in plans:
        if len(fields) == 1:
            v = getattr(r, fields[0], None)
            if v is None or v in keys:
                continue
            shown = show_value(v)
        else:
            v = tuple(getattr(r, f, None) for f in fields)
            if any(x is None for x in v) or v in keys:
                continue
            shown = show_value("/".join(str(x) for x in v))
        yield problem("foreign-key", path, line, label, col=label, value=shown, target=target_path)


def foreign_keys(ds: Dataset, unreadable: set[str]) -> Iterator[Problem]:
    """Every reference must name an existing record (frictionless' foreign-key check, done
    once over the model: see schema_checks for why)."""
    key_sets: dict[tuple, set] = {}
    for name, spec in ds.package.tables.items():
        if name in unreadable or name not in TABLE_CLASSES:
            continue
        for plan in fk_plans(ds, name, unreadable, key_sets):
            fields, keys = plan[0], plan[2]
            for r in getattr(ds, name):
                # the common case inline (millions of rows); fk_problems says what is wrong
                if len(fields) == 1:
                    v = getattr(r, fields[0], None)
                    if v is None or v in keys:
                        continue
                yield from fk_problems(spec.path, [plan], r, ds.line(r))


def unique_keys(ds: Dataset, unreadable: set[str]) -> Iterator[Problem]:
    """The descriptor's uniqueKeys (frictionless 5 does not check them)."""
    for res in ds.package.raw.get("resources", []):
        name = res.get("name") if isinstance(res, dict) else None
        if name not in TABLE_CLASSES or name in unreadable or name not in ds.package.tables:
            continue
        schema = res.get("schema") or {}
        for uk in schema.get("uniqueKeys", []) or []:
            fields = _as_list(uk)
            if not fields:
                continue
            first: dict[tuple, int] = {}
            path = ds.package.tables[name].path
            for r in getattr(ds, name):
                k = tuple(getattr(r, f, None) for f in fields)
                if any(x is None for x in k):
                    continue
                if k in first:
                    label = ",".join(fields)
                    yield problem("duplicate-key", path, ds.line(r), label, col=label, other=first[k])
                else:
                    first[k] = ds.line(r)


# statuses before the handling unit's response (the others are answered: resolved, planned,
# explained); labels as the site shows them
UNANSWERED = {"submitted": ("已提交", "submitted"), "in_progress": ("办理中", "in progress")}
SATISFACTION_ZH = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}

DATE_PAIRS = {
    "congresses": ("start_date", "end_date"),
    "mandates": ("start_date", "end_date"),
    "station_members": ("start_date", "end_date"),
    "group_members": ("start_date", "end_date"),
    "suggestions": ("date", "response_date"),
}


def dates_in_order(ds: Dataset, unreadable: set[str]) -> Iterator[Problem]:
    for name, (a, b) in DATE_PAIRS.items():
        if name in unreadable or name not in ds.package.tables:
            continue
        path = ds.package.tables[name].path
        for r in getattr(ds, name):
            s, e = getattr(r, a, None), getattr(r, b, None)
            if s is not None and e is not None and e < s:
                yield problem(
                    "dates-out-of-order",
                    path,
                    ds.line(r),
                    b,
                    start_field=a,
                    end_field=b,
                    start=s.isoformat(),
                    end=e.isoformat(),
                )


def single_records(ds: Dataset, unreadable: set[str]) -> Iterator[Problem]:
    tables = ds.package.tables
    if "activities" not in unreadable and "activities" in tables:
        path = tables["activities"].path
        for a in ds.activities:
            if a.group_id and a.station_id:
                yield problem(
                    "activity-organiser",
                    path,
                    ds.line(a),
                    "group_id",
                    detail_zh="两者都填了",
                    detail_en="both are filled in",
                )
            elif not a.group_id and not a.station_id:
                yield problem(
                    "activity-organiser",
                    path,
                    ds.line(a),
                    "group_id",
                    detail_zh="两者都为空",
                    detail_en="both are empty",
                )
    if "suggestions" not in unreadable and "suggestions" in tables:
        path = tables["suggestions"].path
        for s in ds.suggestions:
            if s.status == "resolved" and not (s.response or "").strip():
                yield problem("response-missing", path, ds.line(s), "response")
            if s.satisfaction in SATISFACTION_ZH and s.status in UNANSWERED:  # a bad value: not-in-enum
                # a warning, not an error: a 不满意 sends a suggestion back to 办理中, and some
                # offices keep the first rating until the new response comes
                yield problem(
                    "satisfaction-before-response",
                    path,
                    ds.line(s),
                    "satisfaction",
                    status_zh=UNANSWERED[s.status][0],
                    status_en=UNANSWERED[s.status][1],
                    value=s.satisfaction,
                    value_zh=SATISFACTION_ZH[s.satisfaction],
                )
    if "reports" not in unreadable and "reports" in tables:
        path = tables["reports"].path
        for r in ds.reports:
            votes = [v for v in (r.eval_satisfied, r.eval_basic, r.eval_unsatisfied) if v is not None]
            if r.attendees is not None and votes and sum(votes) > r.attendees:
                yield problem(
                    "evaluation-exceeds-attendees",
                    path,
                    ds.line(r),
                    "attendees",
                    votes=sum(votes),
                    attendees=r.attendees,
                )


CHECKS = (foreign_keys, unique_keys, dates_in_order, single_records)
