"""The data dictionary, derived from the descriptor, the rules file and the code catalogue.

One source of truth: `docs/data-dictionary.md`, the site page `data-dictionary/` and the Excel
templates all read the same helpers here, and a test regenerates the Markdown so it cannot go
stale. Run `python -m generator.dictionary [DATA_DIR] [--out FILE]` to rewrite it.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from .descriptor import FieldSpec, Package, TableSpec, read_package
from .rules import Rules, read_rules
from .validate.codes import CODES
from .validate.import_codes import IMPORT_CODES

DOC_PATH = Path("docs/data-dictionary.md")

TYPE_ZH = {
    "string": "文本 string",
    "integer": "整数 integer",
    "number": "数字 number",
    "date": "日期 date (YYYY-MM-DD)",
    "boolean": "是否 boolean",
    "datetime": "日期时间 datetime",
    "year": "年份 year",
}

# Meanings of codes the descriptor leaves unexplained; the descriptor's own text wins.
FALLBACK_LABELS = {
    "term_end": "任期届满",
    "resigned": "辞职",
    "recalled": "罢免",
    "deceased": "去世",
    "transferred": "调离",
    "other": "其他",
    "draft": "草稿（不发布）",
    "published": "已发布",
    "leader": "组长",
    "deputy_leader": "副组长",
    "liaison": "联系的主任会议成员",
    "member": "成员",
    "true": "是",
    "false": "否",
}

CONSTRAINT_ZH = {
    "pattern": "格式",
    "minimum": "最小值",
    "maximum": "最大值",
    "minLength": "最短",
    "maxLength": "最长",
    "unique": "不可重复",
}


def table_zh(t: TableSpec) -> str:
    """Chinese part of a table title ("代表 / Deputies" → "代表"); the name when there is none."""
    zh = t.title.split(" / ")[0].strip()
    return zh or t.name


def table_en(t: TableSpec) -> str:
    parts = t.title.split(" / ", 1)
    return parts[1].strip() if len(parts) == 2 else ""


_PAIR = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([^,，;；()（）]+)")


def enum_labels(f: FieldSpec) -> dict[str, str]:
    """code → Chinese meaning for an enum field, read from its description.

    Two forms occur: "male=男, female=女" and a positional "全国/省/市/县/乡镇" with one entry per
    code. Codes the description does not explain fall back to FALLBACK_LABELS, else "".
    """
    if not f.enum:
        return {}
    codes = [str(c) for c in f.enum]
    out: dict[str, str] = {}
    for code, label in _PAIR.findall(f.description):
        if code in codes and code not in out:
            out[code] = label.strip().rstrip(".。")
    if not out and f.description:
        text = f.description.split(":", 1)[-1]
        text = re.sub(r"\(Popolo[^)]*\)", "", text).strip().rstrip(".。")
        parts = [p.strip() for p in text.split("/")]
        if len(parts) == len(codes) and all(parts) and all(re.search(r"[\u4e00-\u9fff]", p) for p in parts):
            out = dict(zip(codes, parts))
    return {c: out.get(c) or FALLBACK_LABELS.get(c, "") for c in codes}


def popolo_mapping(text: str) -> str:
    """The sentence(s) of a description that say how it maps to Popolo ("" when none)."""
    sentences = re.split(r"(?<=[.;])\s+", text.strip())
    return " ".join(s for s in sentences if "Popolo" in s).strip()


def constraints_text(f: FieldSpec) -> str:
    parts = []
    for key, zh in CONSTRAINT_ZH.items():
        if key in f.constraints:
            v = f.constraints[key]
            parts.append(f"{zh} {key}: `{v}`" if key == "pattern" else f"{zh} {key}: {v}")
    if f.type == "boolean":
        parts.append("是 true: " + "/".join(f"`{v}`" for v in f.true_values))
        parts.append("否 false: " + "/".join(f"`{v}`" for v in f.false_values))
    return "；".join(parts)


def code_catalogue() -> list[dict[str, str]]:
    """Every validator code as {code, severity, zh, en, hint_zh}, sorted by code."""
    out = [
        {
            "code": c.code,
            "severity": c.severity,
            "zh": c.title_zh or c.message_zh,
            "en": c.title_en or c.message_en,
            "hint_zh": c.hint_zh,
        }
        for c in CODES.values()
    ]
    return sorted(out, key=lambda d: d["code"])


def import_codes() -> list[dict[str, str]]:
    return [
        {"code": c, "severity": sev, "zh": zh, "en": en, "hint_zh": ""}
        for c, (sev, zh, en) in sorted(IMPORT_CODES.items())
    ]


def _cell(v: Any) -> str:
    """Markdown table cell: one line, pipes escaped, message placeholders shown as …"""
    s = re.sub(r"\{[a-z_]+\}", "…", str(v))
    return s.replace("\n", " ").replace("|", "\\|")


SEVERITY_ZH = {"error": "错误 error", "warning": "警告 warning", "info": "提示 info"}


def render_markdown(pkg: Package, rules: Rules, rules_error: str | None = None, for_site: bool = False) -> str:
    """The whole dictionary as Markdown. Deterministic: descriptor order, codes sorted.
    `for_site` leaves out the document title and the "generated file" note."""
    L: list[str] = []
    add = L.append
    if not for_site:
        add("# 数据字典 / Data dictionary")
        add("")
        add(
            "> 本文件由 `python -m generator.dictionary` 根据 `data/datapackage.yaml`、`data/rules.yaml` 和校验代码目录自动生成，请勿手工修改（运行 `make dictionary` 更新）。"
        )
        add(
            "> Generated from the data package descriptor, the rules file and the validator's code catalogue; do not edit by hand (run `make dictionary`)."
        )
        add("")
    add(f"数据包 Package: **{_cell(pkg.raw.get('title', pkg.raw.get('name', '')))}**")
    add("")
    add(
        "标记 Marks: **必填** = required；**不公开** = private（只供工作人员使用，永不发布 / staff only, never published）。"
    )
    add("")
    add("## 数据表 / Tables")
    add("")
    add("| 表 table | 文件 file | 中文名 | 说明 description |")
    add("| --- | --- | --- | --- |")
    for t in pkg.tables.values():
        add(f"| `{t.name}` | `{t.path}` | {_cell(table_zh(t))} | {_cell(table_en(t))} |")
    add("")
    for t in pkg.tables.values():
        add(f"### {table_zh(t)} `{t.name}`")
        add("")
        add(f"- 文件 file: `{t.path}`")
        add(f"- 说明 description: {_cell(t.description)}")
        if t.primary_key:
            add(f"- 主键 primary key: {', '.join(f'`{k}`' for k in t.primary_key)}")
        for fk in t.foreign_keys:
            ref = fk.get("reference", {})
            fields = fk.get("fields")
            fields = [fields] if isinstance(fields, str) else list(fields or [])
            rf = ref.get("fields")
            rf = [rf] if isinstance(rf, str) else list(rf or [])
            add(
                f"- 外键 foreign key: {', '.join(f'`{x}`' for x in fields)} → `{ref.get('resource', t.name) or t.name}`.{', '.join(f'`{x}`' for x in rf)}"
            )
        pm = popolo_mapping(t.description)
        if pm:
            add(f"- Popolo: {_cell(pm)}")
        add("")
        add(
            "| 字段 field | 中文标题 | 类型 type | 必填 | 不公开 | 约束 constraints | 可选值 values | 说明 description |"
        )
        add("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for f in t.fields:
            labels = enum_labels(f)
            values = "；".join(f"`{c}` {lab}".strip() for c, lab in labels.items())
            add(
                "| `{}` | {} | {} | {} | {} | {} | {} | {} |".format(
                    f.name,
                    _cell(f.title),
                    TYPE_ZH.get(f.type, f.type),
                    "必填" if f.required else "",
                    "不公开" if f.private else "",
                    _cell(constraints_text(f)),
                    _cell(values),
                    _cell(f.description),
                )
            )
        add("")
    add("## 规则文件 / Rules (`data/rules.yaml`)")
    add("")
    if rules_error:
        add(f"> 规则文件有误，以下为默认值 / the rules file has an error, defaults shown: {_cell(rules_error)}")
        add("")
    add(f"- 地区 locality: {_cell(rules.locality) or '—'}")
    add(f"- 依据 source: {_cell(rules.source) or '—'}")
    add(f"- 每届年数 term length: {rules.term_length_years}")
    add("")
    add("| 层级 level | 报告对象 audience | 报告方式 modes | 报告月份 months |")
    add("| --- | --- | --- | --- |")
    for level, r in rules.report_levels.items():
        add(
            f"| `{level}` | {', '.join(f'`{a}`' for a in r.audience)} | {', '.join(f'`{m}`' for m in r.modes)} | {', '.join(str(m) for m in r.months)} |"
        )
    add("")
    kind_zh = {"re_elected": "连任代表", "official": "职务代表", "other": "其他代表"}
    add("报告年份（届内第几年）/ term years in which each kind of deputy reports, first match in this order:")
    add("")
    for kind in rules.schedule_precedence:
        years = "、".join(f"第{y}年" for y in rules.schedule.get(kind, ()))
        add(f"- {kind_zh.get(kind, kind)} `{kind}`: {years}")
    add("")
    levels = "、".join(f"`{x}`" for x in rules.meeting_share_levels)
    add(f"- 会议报告比例 meeting share: {levels} 每届至少 {rules.meeting_share_minimum:.0%} 的代表在会议上报告")
    roles = "，".join(f"`{k}` {v} 人" for k, v in rules.group_roles.items())
    add(f"- 小组角色人数 group roles: {roles}")
    add(f"- 小组构成 group mix: {', '.join(f'`{m}`' for m in rules.group_mix)}")
    add(
        f"- 出勤 attendance: 出勤率低于 {rules.attendance_minimum_rate:.0%} 提示；活动少于 "
        f"{rules.attendance_minimum_activities} 次只显示次数 / rate below {rules.attendance_minimum_rate:.0%} is flagged; "
        f"under {rules.attendance_minimum_activities} activities only counts are shown"
    )
    add("")
    add("## 校验代码 / Validation codes")
    add("")
    codes = code_catalogue()
    if not codes:
        add("（校验代码目录尚不可用 / the validator's code catalogue is not available）")
    else:
        add("| 代码 code | 级别 severity | 含义 | meaning | 处理 fix |")
        add("| --- | --- | --- | --- | --- |")
        for c in codes:
            add(
                f"| `{c['code']}` | {SEVERITY_ZH.get(c['severity'], c['severity'])} | {_cell(c['zh'])} | {_cell(c['en'])} | {_cell(c['hint_zh'])} |"
            )
    add("")
    add("## 导入代码 / Import codes (`python -m generator import`, `import-report`)")
    add("")
    add("| 代码 code | 级别 severity | 含义 | meaning |")
    add("| --- | --- | --- | --- |")
    for c in import_codes():
        add(
            f"| `{c['code']}` | {SEVERITY_ZH.get(c['severity'], c['severity'])} | {_cell(c['zh'])} | {_cell(c['en'])} |"
        )
    add("")
    return "\n".join(L)


def generate(data_dir: Path | str = "data") -> str:
    data_dir = Path(data_dir)
    pkg = read_package(data_dir)
    rules, err = read_rules(data_dir)
    return render_markdown(pkg, rules, err)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m generator.dictionary", description="生成数据字典 / write the data dictionary"
    )
    p.add_argument("data_dir", nargs="?", default="data")
    p.add_argument("--out", default=str(DOC_PATH))
    p.add_argument("--check", action="store_true", help="exit 1 when the file is stale instead of writing it")
    a = p.parse_args(argv)
    text = generate(a.data_dir)
    out = Path(a.out)
    if a.check:
        if not out.is_file() or out.read_text(encoding="utf-8") != text:
            print(f"{out} 已过期，请运行 make dictionary / is stale, run make dictionary", file=sys.stderr)
            return 1
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"已写入 wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
