"""The locality's rules file (`data/rules.yaml`), read safely into a typed object.

`load_rules` never raises for a bad file: it returns defaults plus the problems found, via
`read_rules`. The defaults are the Hunan bulletin's (DESIGN.md section 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import GeneratorError
from .safe_yaml import UnsafeYAML, load_yaml_safely

RULES_FILE = "rules.yaml"


@dataclass(frozen=True)
class LevelRule:
    audience: tuple[str, ...]
    modes: tuple[str, ...]
    months: tuple[int, ...]


@dataclass(frozen=True)
class Rules:
    locality: str = ""
    source: str = ""
    term_length_years: int = 5
    report_levels: dict[str, LevelRule] = field(
        default_factory=lambda: {
            "city": LevelRule(("standing_committee", "electing_unit"), ("oral",), (2, 3)),
            "county": LevelRule(("voters",), ("meeting", "written"), (10, 11, 12)),
            "township": LevelRule(("voters",), ("meeting", "written"), (10, 11, 12)),
        }
    )
    schedule_precedence: tuple[str, ...] = ("re_elected", "official", "other")
    schedule: dict[str, tuple[int, ...]] = field(
        default_factory=lambda: {"re_elected": (1,), "official": (2,), "other": (3, 4)}
    )
    meeting_share_levels: tuple[str, ...] = ("county", "township")
    meeting_share_minimum: float = 0.30
    group_roles: dict[str, int] = field(default_factory=lambda: {"leader": 1, "deputy_leader": 1, "liaison": 1})
    group_mix: tuple[str, ...] = ("new_and_re_elected", "official_and_grassroots")
    attendance_minimum_rate: float = 0.6
    attendance_minimum_activities: int = 3
    # email domains that are offices, not persons (the validator's possible-private-data check)
    office_email_domains: tuple[str, ...] = ("gov.cn",)

    def kind_of(self, re_elected: bool, official: bool) -> str:
        """The schedule kind that applies to a mandate (first in precedence order)."""
        for kind in self.schedule_precedence:
            if kind == "re_elected" and re_elected:
                return kind
            if kind == "official" and official:
                return kind
            if kind == "other":
                return kind
        return "other"


class RulesError(GeneratorError):
    """Raised by `parse_rules` with a message safe to show (no file contents)."""


def _tuple_ints(v: Any, what: str) -> tuple[int, ...]:
    if not isinstance(v, list) or not all(isinstance(x, int) and not isinstance(x, bool) for x in v):
        raise RulesError(f"{what} must be a list of integers")
    return tuple(v)


def _tuple_strs(v: Any, what: str) -> tuple[str, ...]:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise RulesError(f"{what} must be a list of strings")
    return tuple(v)


def parse_rules(raw: Any) -> Rules:
    """Mapping from YAML → Rules; RulesError names the first bad key."""
    if raw is None:
        return Rules()
    if not isinstance(raw, dict):
        raise RulesError("the rules file must be a mapping")
    d = Rules()
    kw: dict[str, Any] = {}
    kw["locality"] = str(raw.get("locality", d.locality))
    kw["source"] = str(raw.get("source", d.source))
    tl = raw.get("term_length_years", d.term_length_years)
    if not isinstance(tl, int) or isinstance(tl, bool) or not 1 <= tl <= 10:
        raise RulesError("term_length_years must be an integer from 1 to 10")
    kw["term_length_years"] = tl
    if "report_levels" in raw:
        rl = raw["report_levels"]
        if not isinstance(rl, dict):
            raise RulesError("report_levels must be a mapping of level → rule")
        levels = {}
        for level, r in rl.items():
            if not isinstance(r, dict):
                raise RulesError(f"report_levels.{level} must be a mapping")
            months = _tuple_ints(r.get("months", []), f"report_levels.{level}.months")
            if not all(1 <= m <= 12 for m in months):
                raise RulesError(f"report_levels.{level}.months must be 1–12")
            levels[str(level)] = LevelRule(
                audience=_tuple_strs(r.get("audience", []), f"report_levels.{level}.audience"),
                modes=_tuple_strs(r.get("modes", []), f"report_levels.{level}.modes"),
                months=months,
            )
        kw["report_levels"] = levels
    if "report_schedule" in raw:
        rs = raw["report_schedule"]
        if not isinstance(rs, dict):
            raise RulesError("report_schedule must be a mapping")
        prec = _tuple_strs(rs.get("precedence", list(d.schedule_precedence)), "report_schedule.precedence")
        sched = {}
        for kind in prec:
            if kind not in ("re_elected", "official", "other"):
                raise RulesError(f"report_schedule.precedence: unknown kind {kind!r}")
            years = _tuple_ints(rs.get(kind, []), f"report_schedule.{kind}")
            if not years or not all(1 <= y <= tl for y in years):
                raise RulesError(f"report_schedule.{kind} must list term years from 1 to {tl}")
            sched[kind] = years
        if "other" not in sched:
            raise RulesError("report_schedule must give years for 'other'")
        kw["schedule_precedence"] = prec
        kw["schedule"] = sched
    if "meeting_share" in raw:
        ms = raw["meeting_share"]
        if not isinstance(ms, dict):
            raise RulesError("meeting_share must be a mapping")
        minimum = ms.get("minimum", d.meeting_share_minimum)
        if not isinstance(minimum, (int, float)) or isinstance(minimum, bool) or not 0 <= minimum <= 1:
            raise RulesError("meeting_share.minimum must be a number from 0 to 1")
        kw["meeting_share_levels"] = _tuple_strs(ms.get("levels", list(d.meeting_share_levels)), "meeting_share.levels")
        kw["meeting_share_minimum"] = float(minimum)
    if "groups" in raw:
        g = raw["groups"]
        if not isinstance(g, dict):
            raise RulesError("groups must be a mapping")
        roles = g.get("roles", d.group_roles)
        if not isinstance(roles, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in roles.values()
        ):
            raise RulesError("groups.roles must map a role to a whole number")
        kw["group_roles"] = {str(k): int(v) for k, v in roles.items()}
        mix = _tuple_strs(g.get("mix", list(d.group_mix)), "groups.mix")
        for m in mix:
            if m not in ("new_and_re_elected", "official_and_grassroots"):
                raise RulesError(f"groups.mix: unknown mix {m!r}")
        kw["group_mix"] = mix
    if "attendance" in raw:
        a = raw["attendance"]
        if not isinstance(a, dict):
            raise RulesError("attendance must be a mapping")
        rate = a.get("minimum_rate", d.attendance_minimum_rate)
        n = a.get("minimum_activities", d.attendance_minimum_activities)
        if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 <= rate <= 1:
            raise RulesError("attendance.minimum_rate must be a number from 0 to 1")
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise RulesError("attendance.minimum_activities must be a whole number")
        kw["attendance_minimum_rate"] = float(rate)
        kw["attendance_minimum_activities"] = n
    if "privacy" in raw:
        pv = raw["privacy"]
        if not isinstance(pv, dict):
            raise RulesError("privacy must be a mapping")
        kw["office_email_domains"] = tuple(
            x.lower()
            for x in _tuple_strs(
                pv.get("office_email_domains", list(d.office_email_domains)), "privacy.office_email_domains"
            )
        )
    return Rules(**kw)


def read_rules(data_dir: Path) -> tuple[Rules, str | None]:
    """(rules, error message or None). A missing file means the defaults."""
    path = Path(data_dir) / RULES_FILE
    if not path.is_file():
        return Rules(), None
    try:
        raw = load_yaml_safely(path)
    except UnsafeYAML as e:
        return Rules(), str(e)
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        return Rules(), f"cannot be parsed as YAML ({type(e).__name__})"
    try:
        return parse_rules(raw), None
    except RulesError as e:
        return Rules(), str(e)


def load_rules(data_dir: Path) -> Rules:
    return read_rules(data_dir)[0]
