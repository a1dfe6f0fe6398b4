"""`python -m generator validate [DIR] [--as-of DATE] [--json] [--engine E]`: check a data package.

Tiers, all problems collected in one pass (see docs/ARCHITECTURE.md):
  1. schema_checks  descriptor, rules file, each file's encoding/header, frictionless rows
  2. record_checks  references, unique keys, dates in order, single-record rules
  3. rule_checks    cross-record rules from rules.yaml (reports, schedule, groups, attendance)
     body_checks    report Markdown bodies;  privacy_checks  public fields that look private

Tier 1's rows are checked by one of two engines that report the same problems
(docs/validation.md): frictionless itself, or fast_rows, a streaming checker of the Table
Schema subset the descriptor uses, ~30x faster. `engine="auto"` uses frictionless for small
packages and fast_rows from FAST_BYTES of CSV on. On a big package tier 1 and the report
bodies run in worker processes (largest tables first) while the main process loads the model
and runs tiers 2–3; attendance and contacts are streamed through their own checks rather
than loaded (STREAMED).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import sys
from pathlib import Path

from ..model import TABLE_CLASSES, _build, load_dataset, read_rows
from ..problems import ERROR, Problem, count, sort_problems, to_json, to_text
from ..rules import RULES_FILE, read_rules
from ..workers import Pool, WorkerDied
from . import body_checks, path_checks, photo_checks, privacy_checks, record_checks, rule_checks
from .codes import CODES, problem
from .release_checks import release_problems
from .schema_checks import ENGINES, check_descriptor, precheck_file, table_problems
from .text_context import text_options

__all__ = ["command", "validate_package", "CODES"]

# Below this many bytes of CSV, starting worker processes costs more than it saves.
PARALLEL_BYTES = 8 * 1024 * 1024
# From this many bytes of CSV on (about 20k rows), "auto" checks rows with fast_rows: the
# county demo (3 MB) then validates in about a second instead of several. Smaller packages,
# every fixture among them, go through frictionless, the reference.
FAST_BYTES = 1024 * 1024

# Tables each cross-record rule reads: a rule is skipped when one of them could not be read,
# so one broken file does not turn into a flood of follow-on problems.
RULE_NEEDS = {
    rule_checks.mandates: ("congresses", "constituencies", "mandates", "reports"),
    rule_checks.reports: ("congresses", "mandates", "reports"),
    rule_checks.meeting_share: ("congresses", "mandates", "reports"),
    rule_checks.groups: ("groups", "group_members", "mandates"),
    rule_checks.attendance: ("attendance", "activities", "group_members", "station_members"),
}


def _workers(total_bytes: int, n_jobs: int, engine: str) -> int:
    """Worker processes for tier 1 (0: run it in this process)."""
    if total_bytes < PARALLEL_BYTES or n_jobs < 2:
        return 0
    if engine == "fast":
        return 1  # tier 1 then takes less time than the model tiers: one worker beside them
    return max(1, min(2, os.cpu_count() or 1, n_jobs))


def resolve_engine(engine: str, total_bytes: int) -> str:
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}")
    if engine == "auto":
        return "fast" if total_bytes >= FAST_BYTES else "frictionless"
    return engine


# Tables checked record by record while streaming from the file instead of being loaded into
# the model: attendance (~80% of a package's rows) and contacts (~7%). Only their own checks
# read them — references, the attendance rule, privacy — which _stream_checks runs; no other
# table refers to them, and they have no uniqueKeys or date pairs. (Not when the build keeps
# the dataset: the site needs every table.)
STREAMED = ("attendance", "contacts")


def _streamable(pkg, unreadable: set[str]) -> set[str]:
    targets = set()
    for spec in pkg.tables.values():
        for fk in spec.foreign_keys:
            ref = fk.get("reference") if isinstance(fk, dict) else None
            if isinstance(ref, dict):
                targets.add(ref.get("resource") or spec.name)
    unique = {
        str(r.get("name"))
        for r in pkg.raw.get("resources", [])
        if isinstance(r, dict) and isinstance(r.get("schema"), dict) and r["schema"].get("uniqueKeys")
    }
    return {n for n in STREAMED if n in pkg.tables and n not in unreadable and n not in targets | unique}


def _model_tiers(
    root: Path,
    pkg,
    rules,
    rules_ok: bool,
    unreadable: set[str],
    as_of: dt.date,
    keep: dict | None = None,
    bodies: bool = True,
) -> list[Problem]:
    streamed = set() if keep is not None else _streamable(pkg, unreadable)
    small = dataclasses.replace(pkg, tables={n: t for n, t in pkg.tables.items() if n not in streamed})
    ds = load_dataset(root, package=small, rules=rules)
    ds.package = pkg  # streamed tables stay empty lists in the model; their checks run below
    if keep is not None:  # the build reuses the loaded package instead of reading it again
        keep["ds"] = ds
    out: list[Problem] = []
    for check in record_checks.CHECKS:
        out.extend(check(ds, unreadable))
    for check in rule_checks.CHECKS:
        if not unreadable.intersection(RULE_NEEDS.get(check, ())):
            out.extend(check(ds, as_of, rules_ok))
    for check in (
        (body_checks.CHECKS if bodies else ()) + privacy_checks.CHECKS + path_checks.CHECKS + photo_checks.CHECKS
    ):
        out.extend(check(ds, unreadable))
    for name in sorted(streamed):
        out.extend(_stream_checks(ds, name, unreadable))
    return out


def _body_tier(root: str, unreadable: frozenset) -> list[Problem]:
    """body_checks over a model of the reports table alone (run in a worker process)."""
    path = Path(root)
    pkg, _ = check_descriptor(path)
    if pkg is None or "reports" not in pkg.tables:
        return []
    rules, _ = read_rules(path)
    ds = load_dataset(path, package=dataclasses.replace(pkg, tables={"reports": pkg.tables["reports"]}), rules=rules)
    ds.package = pkg
    out: list[Problem] = []
    for check in body_checks.CHECKS:
        out.extend(check(ds, set(unreadable)))
    return out


def _stream_checks(ds, name: str, unreadable: set[str]) -> list[Problem]:
    """The record, rule and privacy checks of one table, in one pass over its file (the same
    read_rows the model uses, so the same records and lines)."""
    spec = ds.package.tables[name]
    cls = TABLE_CLASSES[name]
    path = spec.path
    plans = record_checks.fk_plans(ds, name, unreadable)
    single = [(p[0][0], p[2]) for p in plans if len(p[0]) == 1]
    multi = any(len(p[0]) != 1 for p in plans)
    cand = privacy_checks.free_text_fields(spec)
    attendance = name == "attendance" and not unreadable.intersection(RULE_NEEDS[rule_checks.attendance])
    spans = rule_checks.membership_spans(ds) if attendance else None
    out: list[Problem] = []
    for line, row in read_rows(ds.root, spec):
        r = _build(cls, row)
        if r is None:
            continue
        if multi or any(row.get(f) is not None and row.get(f) not in keys for f, keys in single):
            out.extend(record_checks.fk_problems(path, plans, r, line))
        if attendance:
            p = rule_checks.attendance_problem(ds, spans, path, r, line)
            if p is not None:
                out.append(p)
        if cand:
            out.extend(privacy_checks.record_problems(path, cand, r, line, ds.rules))
    return out


def validate_package(
    data_dir: Path | str,
    as_of: dt.date | None = None,
    workers: int | None = None,
    engine: str = "auto",
    keep: dict | None = None,
    pool: Pool | None = None,
) -> list[Problem]:
    """Every problem in the package, sorted by file, row, field, code. Never raises for bad data.
    `engine`: auto, fast or frictionless (tier 1 rows; the same problems either way). A big
    package's tables are checked in `pool` (generator/workers.py; one of its own otherwise)."""
    root = Path(data_dir)
    as_of = as_of or dt.date.today()
    if not root.is_dir():
        return [problem("descriptor-missing", "datapackage.yaml")]
    pkg, problems = check_descriptor(root)
    if pkg is None:
        return sort_problems(problems)
    rules, rules_error = read_rules(root)
    rules_ok = rules_error is None
    if not rules_ok:
        problems.append(problem("rules-invalid", RULES_FILE, detail=rules_error))

    raw = {str(r.get("name")): r for r in pkg.raw["resources"] if isinstance(r, dict)}
    checks = {name: precheck_file(root, name, spec.path, list(spec.field_names)) for name, spec in pkg.tables.items()}
    for fc in checks.values():
        problems.extend(fc.problems)
    unreadable = {n for n, fc in checks.items() if not fc.readable}
    unreadable |= {n for n in TABLE_CLASSES if n not in pkg.tables}

    jobs = sorted(((checks[n].size, n) for n in checks if checks[n].readable), reverse=True)
    total = sum(s for s, _ in jobs)
    engine = resolve_engine(engine, total)
    args = [(str(root), raw[n], checks[n].header, engine) for _, n in jobs]
    n_workers = workers if workers is not None else _workers(total, len(jobs), engine)
    if n_workers > 1 or (workers is None and n_workers == 1):
        own = pool is None
        pool = pool or Pool(n_workers)
        bodies_done = False
        try:
            futures = [pool.submit(_table, *a) for a in args]
            # report bodies (one file each, ~130k at province scale) after the tables, there
            body_future = pool.submit(_body_tier, str(root), frozenset(unreadable))
            problems.extend(_model_tiers(root, pkg, rules, rules_ok, unreadable, as_of, keep, bodies=False))
            for f in futures:
                problems.extend(f.result())
            problems.extend(body_future.result())
            bodies_done = True
        except (WorkerDied, OSError):
            # a worker died (e.g. out of memory): redo tier 1 (and the bodies) in this process
            problems = [p for p in problems if p.code not in _TIER1_ROW_CODES]
            for a in args:
                problems.extend(_table(*a))
            if not bodies_done:
                problems.extend(_body_tier(str(root), frozenset(unreadable)))
        finally:
            if own:
                pool.close()
    else:
        for a in args:
            problems.extend(_table(*a))
        problems.extend(_model_tiers(root, pkg, rules, rules_ok, unreadable, as_of, keep))
    return sort_problems(problems)


def _table(root: str, resource: dict, header: list[str], engine: str) -> list[Problem]:
    return table_problems(root, resource, header, engine)


# codes only table_problems emits (used to drop partial results before a serial retry)
_TIER1_ROW_CODES = {
    "blank-row",
    "missing-cell",
    "extra-cell",
    "type-error",
    "bad-date",
    "required",
    "not-in-enum",
    "unsafe-id",
    "pattern-mismatch",
    "out-of-range",
    "duplicate-id",
    "table-error",
    "too-many-errors",
}


def _print(text: str) -> None:
    try:
        sys.stdout.reconfigure(errors="backslashreplace")  # a non-UTF-8 console must not crash us
    except (AttributeError, ValueError):
        pass
    try:
        print(text, flush=True)
    except BrokenPipeError:  # `... | head`: the reader left; not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def command(args) -> int:
    as_of = args.as_of or dt.date.today()
    try:
        problems = validate_package(args.data_dir, as_of, engine=getattr(args, "engine", None) or "auto")
    except MemoryError:
        print("内存不足，无法完成校验 / out of memory while validating", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001 - a bug must not print a traceback that may quote data
        print(
            f"校验程序内部错误（请报告此问题）/ internal validator error (please report it): {type(e).__name__}",
            file=sys.stderr,
        )
        return 2
    if getattr(args, "release", False):  # going live: no demo placeholder left (mkdocs.yml beside the data)
        problems = sort_problems(problems + release_problems(Path(args.data_dir), Path("mkdocs.yml")))
    if getattr(args, "json", False):
        _print(to_json(problems))
    else:
        _print(
            f"校验 {args.data_dir}（截至 {as_of.isoformat()}）/ validating {args.data_dir} as of {as_of.isoformat()}"
        )
        _print(
            to_text(
                problems,
                details=bool(getattr(args, "details", False)),
                errors_only=bool(getattr(args, "errors_only", False)),
                **text_options(args.data_dir),
            )
        )
    return 1 if count(problems, ERROR) else 0
