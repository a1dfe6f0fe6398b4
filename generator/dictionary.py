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

# Chinese descriptions of the tables and fields, for clerks: the dictionary, its site page and the
# Excel template show them first and the descriptor's English description after. They live here,
# not in datapackage.yaml, because the schema is the generator's own (model.py reads these names;
# a locality renames nothing), so what a field means is fixed by the code, not by one package's
# copy of the descriptor; and a locality's descriptor, the tiny fixture and the demo get the same
# text without anyone editing YAML. tests/test_dictionary.py checks every table and field of the
# bundled descriptor has one.
TABLE_DESCRIPTION_ZH: dict[str, str] = {
    "areas": "一个行政区域（县、乡镇、村、社区），用上级区域连成层级。",
    "congresses": "某一行政区划某一届的人民代表大会（如某县第十八届人民代表大会），有层级、届次和起止日期。",
    "constituencies": "一个选区（县、乡两级代表由选民直接选举）或选举单位（如下一级人大选举上一级代表）。",
    "constituency_areas": "选区覆盖的一个区域（镇、村、社区），每个区域一行。",
    "deputies": "一位代表（一个人）：姓名、性别、民族、政治面貌、职业、照片和简介。身份证号、个人电话、家庭住址只供工作人员使用，永不发布。",
    "mandates": "一个人在一届人民代表大会中的代表资格，由一个选区或选举单位选出；一个人可同时是几级代表。",
    "stations": "一个代表联络站：地址、开放时间、办公电话。",
    "station_members": "在某个联络站活动的一位代表（进站代表）。",
    "groups": "一个代表小组（如五级人大代表联合小组）；组长、副组长和联系的主任会议成员在小组成员表中记录。",
    "group_members": "代表小组中的一位成员及其角色（组长、副组长、联系的主任会议成员或成员）。",
    "plans": "一个代表小组的年度活动计划。",
    "activities": "小组或联络站组织的一次活动（学习、视察、调研、接待群众等）；组织小组和组织联络站二者填一个。",
    "attendance": "一位代表参加一次活动的出勤情况：出席、请假或缺席。",
    "reports": "代表就一个代表资格报告履职情况的一次报告；正文是 reports/ 下的 Markdown 文件。草稿会校验，但不发布。",
    "suggestions": "一件议案或建议（建议、批评和意见）；联名代表在联名代表表中记录。",
    "suggestion_cosigners": "联名提出议案或建议的一位代表（不含领衔代表）。",
    "contacts": "一位代表一个年度联系群众的数字：走访选民、接待群众、收集意见、督促解决问题。",
    "search_synonyms": "可选。网站搜索用的同义词：群众常用的说法和本站的说法（如“述职”→“报告履职”），每对一行。",
}

FIELD_DESCRIPTION_ZH: dict[tuple[str, str], str] = {
    ("areas", "id"): "区域编号，长期不变",
    ("areas", "name"): "区域名称，如某某镇",
    ("areas", "classification"): "区域类别",
    ("areas", "parent_id"): "上级区域的编号；最上一级留空",
    ("congresses", "id"): "代表大会编号，长期不变",
    ("congresses", "name"): "全称，如某县第十八届人民代表大会",
    ("congresses", "jurisdiction"): "行政区划名称，如某县",
    ("congresses", "area_id"): "该人大所辖区域的编号（区域在本数据包中时填写）",
    ("congresses", "level"): "人大层级",
    ("congresses", "term"): "第几届",
    ("congresses", "start_date"): "本届开始日期",
    ("congresses", "end_date"): "本届结束日期",
    ("constituencies", "id"): "选区或选举单位编号",
    ("constituencies", "congress_id"): "该选区选出哪一届人大的代表",
    ("constituencies", "name"): "名称，如第一选区",
    ("constituencies", "kind"): "选区或选举单位",
    ("constituencies", "seats"): "应选代表名额",
    ("constituency_areas", "constituency_id"): "选区编号",
    ("constituency_areas", "area_id"): "该选区覆盖的区域编号",
    ("deputies", "id"): "代表编号，长期不变，网址中使用",
    ("deputies", "name"): "姓名",
    ("deputies", "gender"): "性别",
    ("deputies", "ethnicity"): "民族，如汉族",
    ("deputies", "party"): "政治面貌，如中共党员、群众",
    ("deputies", "occupation"): "职业或职务",
    ("deputies", "image"): "照片在数据包中的路径，如 photos/d0001.jpg；没有照片留空",
    ("deputies", "biography"): "简介，公开发布",
    ("deputies", "id_card_number"): "不公开：只供工作人员使用，永不发布",
    ("deputies", "personal_phone"): "不公开：只供工作人员使用，永不发布",
    ("deputies", "home_address"): "不公开：只供工作人员使用，永不发布",
    ("mandates", "id"): "代表资格编号",
    ("mandates", "deputy_id"): "代表编号",
    ("mandates", "congress_id"): "代表大会编号",
    ("mandates", "constituency_id"): "选出该代表的选区或选举单位编号",
    ("mandates", "re_elected"): "上一届也是同一人大的代表（连任代表）时为“是”",
    ("mandates", "official"): "担任领导职务（职务代表）时为“是”",
    ("mandates", "post_title"): "职务代表的职务，如某县副县长",
    ("mandates", "start_date"): "代表资格开始日期",
    ("mandates", "end_date"): "代表资格提前终止的日期；任满本届留空",
    ("mandates", "end_reason"): "终止原因",
    ("stations", "id"): "联络站编号",
    ("stations", "name"): "联络站名称",
    ("stations", "area_id"): "所在区域编号",
    ("stations", "address"): "联络站的办公地址（不是个人住址）",
    ("stations", "opening_hours"): "开放时间，如每月 15 日 9:00-12:00",
    ("stations", "office_phone"): "公开的办公座机，如 0730-1234567",
    ("stations", "founding_date"): "设立日期",
    ("station_members", "station_id"): "联络站编号",
    ("station_members", "deputy_id"): "代表编号",
    ("station_members", "start_date"): "进站日期",
    ("station_members", "end_date"): "离站日期；仍在站留空",
    ("groups", "id"): "小组编号",
    ("groups", "name"): "小组名称",
    ("groups", "kind"): "小组类型",
    ("groups", "congress_id"): "由哪一届人大常委会组织",
    ("groups", "area_id"): "所在区域编号",
    ("groups", "founding_date"): "成立日期",
    ("group_members", "group_id"): "小组编号",
    ("group_members", "deputy_id"): "代表编号",
    ("group_members", "role"): "在小组中的角色",
    ("group_members", "start_date"): "加入日期",
    ("group_members", "end_date"): "离开日期；仍在小组留空",
    ("plans", "id"): "计划编号",
    ("plans", "group_id"): "小组编号",
    ("plans", "year"): "年度",
    ("plans", "themes"): "全年活动主题，用全角分号“；”分隔",
    ("plans", "summary"): "计划说明",
    ("activities", "id"): "活动编号",
    ("activities", "group_id"): "组织活动的小组编号（与联络站二者填一个）",
    ("activities", "station_id"): "组织活动的联络站编号（与小组二者填一个）",
    ("activities", "date"): "活动日期",
    ("activities", "kind"): "活动类型",
    ("activities", "title"): "活动标题",
    ("activities", "summary"): "活动简述，公开发布",
    ("activities", "location"): "活动地点",
    ("activities", "people_received"): "接待群众人次（接待活动填写）",
    ("attendance", "activity_id"): "活动编号",
    ("attendance", "deputy_id"): "代表编号",
    ("attendance", "status"): "出勤情况",
    ("reports", "id"): "报告编号，导入 Word 报告时使用",
    ("reports", "deputy_id"): "代表编号",
    ("reports", "mandate_id"): "就哪一个代表资格报告",
    ("reports", "date"): "报告日期",
    ("reports", "term_year"): "报告在本届的第几年",
    ("reports", "mode"): "报告方式",
    ("reports", "audience"): "向谁报告",
    ("reports", "venue"): "报告地点；会议报告必填",
    ("reports", "body"): "正文文件路径，如 reports/r0001.md",
    ("reports", "attendees"): "参会人数（会议报告）",
    ("reports", "eval_satisfied"): "选民评议满意票数",
    ("reports", "eval_basic"): "选民评议基本满意票数",
    ("reports", "eval_unsatisfied"): "选民评议不满意票数",
    ("reports", "state"): "草稿不发布；改为已发布后才出现在网站上",
    ("suggestions", "id"): "议案建议编号",
    ("suggestions", "kind"): "议案或建议",
    ("suggestions", "title"): "标题",
    ("suggestions", "lead_deputy_id"): "领衔代表编号",
    ("suggestions", "congress_id"): "向哪一届人大提出",
    ("suggestions", "date"): "提出日期",
    ("suggestions", "topic"): "简短主题，如加装电梯、医保基金、乡村振兴",
    ("suggestions", "body"): "内容摘要",
    ("suggestions", "handling_unit"): "承办单位",
    ("suggestions", "status"): "办理状态",
    ("suggestions", "response"): "承办单位的答复摘要",
    ("suggestions", "response_date"): "答复日期",
    ("suggestions", "satisfaction"): "领衔代表对办理结果的评价，答复后填写；未评价留空",
    ("suggestions", "award"): "“提得好”“督得好”评选结果",
    ("suggestion_cosigners", "suggestion_id"): "议案建议编号",
    ("suggestion_cosigners", "deputy_id"): "联名代表编号",
    ("contacts", "deputy_id"): "代表编号",
    ("contacts", "year"): "年度",
    ("contacts", "voters_visited"): "走访选民人次",
    ("contacts", "people_received"): "接待群众人次",
    ("contacts", "opinions_collected"): "收集意见建议条数",
    ("contacts", "problems_resolved"): "督促解决问题个数",
    ("search_synonyms", "term"): "群众搜索时输入的词（至少两个字，不含空格和分隔符），如“述职”",
    ("search_synonyms", "synonym"): "本站的说法，如“报告履职”；搜索时一并查找",
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


def table_description(t: TableSpec) -> str:
    """Chinese first, then the descriptor's English ("…。 / One person. …")."""
    return _both(TABLE_DESCRIPTION_ZH.get(t.name, ""), t.description)


def field_description(t: TableSpec, f: FieldSpec) -> str:
    return _both(FIELD_DESCRIPTION_ZH.get((t.name, f.name), ""), f.description)


def _both(zh: str, en: str) -> str:
    zh, en = zh.strip(), (en or "").strip()
    return f"{zh} / {en}" if zh and en else zh or en


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
        # the Chinese description is in each table's section below (the site page's size budget)
        add(f"| `{t.name}` | `{t.path}` | {_cell(table_zh(t))} | {_cell(table_en(t))} |")
    add("")
    for t in pkg.tables.values():
        add(f"### {table_zh(t)} `{t.name}`")
        add("")
        add(f"- 文件 file: `{t.path}`")
        add(f"- 说明 description: {_cell(table_description(t))}")
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
                    _cell(field_description(t, f)),
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
    if for_site:
        # The import tool's codes concern staff at their own computer, not the site's readers;
        # without them the site page keeps its 100 KB budget (county demo: 100.3 KB with them).
        add("## 导入代码 / Import codes")
        add("")
        add(
            "导入工具（`python -m generator import`、`import-report`）的代码见代码库中的 docs/data-dictionary.md。"
            " / The import tool's codes are listed in docs/data-dictionary.md in the repository."
        )
        add("")
        return "\n".join(L)
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
