"""Problems are data: a stable code, a severity, where, and what, in Chinese and English.

Every check in the project yields `Problem`s; nothing raises for bad input. The catalogue of
codes lives in `codes.py` so the data dictionary and tests can list every one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem. `row` is the 1-based line in the file (header = 1), 0 if none."""

    file: str
    row: int
    field: str
    code: str
    severity: str
    message_zh: str
    message_en: str
    hint_zh: str = ""
    hint_en: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def location(self) -> str:
        loc = self.file or "-"
        if self.row:
            loc += f":{self.row}"
        if self.field:
            loc += f" [{self.field}]"
        return loc

    def as_dict(self) -> dict:
        d = asdict(self)
        if not d["extra"]:
            d.pop("extra")
        return d


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Stable order for output and tests: by file, row, field, code."""
    return sorted(problems, key=lambda p: (p.file, p.row, p.field, p.code, p.message_en))


def count(problems: Iterable[Problem], severity: str) -> int:
    return sum(1 for p in problems if p.severity == severity)


def to_json(problems: list[Problem]) -> str:
    return json.dumps(
        {
            "errors": count(problems, ERROR),
            "warnings": count(problems, WARNING),
            "problems": [p.as_dict() for p in problems],
        },
        ensure_ascii=False,
        indent=2,
        sort_keys=True,
    )


def to_text(problems: list[Problem]) -> str:
    """Human output grouped by file, Chinese first with the English beside it."""
    lines: list[str] = []
    current = None
    for p in problems:
        if p.file != current:
            current = p.file
            lines.append(f"== {p.file or '(package)'} ==")
        tag = "错误 error" if p.severity == ERROR else "警告 warning"
        lines.append(f"{p.location()}: {tag} {p.code}: {p.message_zh} / {p.message_en}")
        if p.hint_zh or p.hint_en:
            lines.append(f"    处理 fix: {p.hint_zh} / {p.hint_en}")
    e, w = count(problems, ERROR), count(problems, WARNING)
    lines.append(f"共 {e} 个错误、{w} 个警告 / {e} errors, {w} warnings")
    return "\n".join(lines)
