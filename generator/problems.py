"""Problems are data: a stable code, a severity, where, and what, in Chinese and English.

Every check in the project yields `Problem`s; nothing raises for bad input. The catalogue of
codes lives in `codes.py` so the data dictionary and tests can list every one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
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


_FK_EN = re.compile(r" is (.+), which is not in (\S+)$")
_ID_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9][A-Za-z0-9_-]*(?![A-Za-z0-9_-])")


def _named(text: str, names: Mapping[str, str], en: bool = False) -> str:
    """Ids in a message followed by the record's name: d0012 → d0012（王明华）, d0012 (王明华)."""
    if not names:
        return text
    left, right = (" (", ")") if en else ("（", "）")

    def sub(m: re.Match) -> str:
        name = names.get(m.group())
        if not name or text[m.end() : m.end() + len(left) + len(name)] == left + name:
            return m.group()
        return f"{m.group()}{left}{name}{right}"

    return _ID_TOKEN.sub(sub, text)


def _rows_text(rows: list[int]) -> str:
    shown = "、".join(str(r) for r in rows[:5]) + ("…" if len(rows) > 5 else "")
    return shown


def to_text(
    problems: list[Problem],
    *,
    details: bool = False,
    errors_only: bool = False,
    order: Mapping[str, int] | None = None,
    names: Mapping[str, str] | None = None,
    titles: Mapping[str, tuple[str, str]] | None = None,
) -> str:
    """Human output a clerk can act on, Chinese first with the English beside it.

    Errors first, grouped by file, the files others refer to first (`order`: file → rank; the
    descriptor's foreign keys, see validate/text_context.py), so a duplicated id is read before
    the follow-on errors it causes. The same problem on many rows (one missing id referred to
    80 times) is one line with the rows and a count. Warnings after, one line per code with a
    count and an example (`details`: every warning, by file; `errors_only`: none). `names`:
    id → name, shown beside ids in messages; `titles`: code → (中文, English) title."""
    order = order or {}
    names = names or {}
    titles = titles or {}
    errors = [p for p in problems if p.severity == ERROR]
    warnings = [p for p in problems if p.severity != ERROR]
    lines: list[str] = []

    def rank(p: Problem) -> tuple:
        return (order.get(p.file, len(order) + 1), p.file, p.row, p.field, p.code, p.message_en)

    def block(items: list[Problem], fold: bool) -> None:
        groups: dict[tuple, list[Problem]] = {}
        heads: dict[tuple, tuple] = {}  # group → (sort key, file header)
        for p in sorted(items, key=rank):
            fk = _FK_EN.search(p.message_en) if fold and p.code == "foreign-key" else None
            if fk:  # one missing id referred to from many rows and tables: one line
                value, target = fk.group(1), fk.group(2)
                key: tuple = ("fk", target, value)
                head = f"{target}：被引用但不存在的编号 / ids referred to but missing"
                sort = (order.get(target, len(order) + 1), target, 1, value)
            else:
                key = (p.file, p.field, p.code, p.message_zh, p.message_en) if fold else (id(p),)
                head = p.file or "(package)"
                sort = (*rank(p)[:2], 0)
            if key not in groups:
                groups[key], heads[key] = [], (sort, head)
            groups[key].append(p)
        current = None
        for key in sorted(groups, key=lambda k: heads[k][0]):
            group, head = groups[key], heads[key][1]
            p = group[0]
            if head != current:
                current = head
                lines.append(f"== {head} ==")
            tag = "错误 error" if p.severity == ERROR else "警告 warning"
            if key[0] == "fk" and len(group) > 1:
                by_file: dict[tuple[str, str], list[int]] = {}
                for q in group:
                    by_file.setdefault((q.file, q.field), []).append(q.row)
                places = "；".join(
                    f"{f}:{_rows_text([r for r in rows if r])}" + (f" [{fld}]" if fld else "")
                    for (f, fld), rows in by_file.items()
                )
                where = f"{key[2]}（共 {len(group)} 处引用 / referred to {len(group)} times: {places}）"
            elif len(group) == 1:
                where = p.location()
            else:
                rows = [q.row for q in group if q.row]
                where = (p.file or "-") + (f":{_rows_text(rows)}" if rows else "")
                where += f" [{p.field}]" if p.field else ""
                where += f"（共 {len(group)} 处 / {len(group)} times）"
            lines.append(
                f"{where}: {tag} {p.code}: {_named(p.message_zh, names)} / {_named(p.message_en, names, en=True)}"
            )
            if p.hint_zh or p.hint_en:
                lines.append(f"    处理 fix: {p.hint_zh} / {p.hint_en}")

    if errors:
        lines.append(f"━━ 错误 errors: {len(errors)}（先改这些 / fix these first）━━")
        block(errors, fold=True)
    if warnings and not errors_only:
        if details:
            lines.append(f"━━ 警告 warnings: {len(warnings)} ━━")
            block(warnings, fold=False)
        else:
            lines.append(
                f"━━ 警告 warnings: {len(warnings)}，按代码汇总（--details 列出每一条）/ by code (--details lists each) ━━"
            )
            by_code: dict[str, list[Problem]] = {}
            for p in sorted(warnings, key=rank):
                by_code.setdefault(p.code, []).append(p)
            for code, group in sorted(by_code.items(), key=lambda kv: (-len(kv[1]), kv[0])):
                zh, en = titles.get(code, ("", ""))
                title = f" {zh} / {en}" if zh or en else ""
                lines.append(f"{code}{title}: {len(group)} 条 / {len(group)}")
                p = group[0]
                lines.append(
                    f"    例 e.g. {p.location()}: {_named(p.message_zh, names)} / {_named(p.message_en, names, en=True)}"
                )
    e, w = count(problems, ERROR), count(problems, WARNING)
    lines.append(f"共 {e} 个错误、{w} 个警告 / {e} errors, {w} warnings")
    return "\n".join(lines)
