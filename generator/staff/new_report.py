"""`python -m generator new-report DEPUTY_ID [--data DIR] [--date YYYY-MM-DD] [--mandate ID]`.

Creates reports/<id>.md with the five standard parts as headings and appends the matching row
to reports.csv as a draft: the deputy's current mandate whose level has a reporting rule, the
term year of the date, and mode and audience defaulted from rules.yaml for that level. Drafts
are validated but never published, so nothing reaches the site until staff set state=published.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sys
from pathlib import Path

from ..model import Dataset, Mandate, load_dataset
from ..schedule import DUE, OVERDUE, mandate_status, term_year
from .safe_write import replace_files

# The five parts of a duty report (DESIGN.md section 1, the Hunan bulletin).
REPORT_PARTS = (
    "一、遵守宪法和法律法规、执行决议决定、遵守社会公德、廉洁勤政情况",
    "二、会议期间工作情况",
    "三、闭会期间活动情况",
    "四、联系人民群众情况",
    "五、其他情况",
)
PART_PROMPTS = (
    "填写提示：学习和遵守宪法法律、执行人大及其常委会决议决定、遵守社会公德、廉洁自律、勤勉尽责等情况。",
    "填写提示：出席会议、审议发言、提出议案和建议、参加表决和选举等情况。",
    "填写提示：闭会期间提出建议、参加代表小组和联络站活动、视察调研、学习培训等情况。",
    "填写提示：通过联络站等渠道联系群众、接待选民、反映群众意见、参与公益事业等情况。",
    "填写提示：需要向选民或选举单位报告的其他事项；没有可写“无”。",
)
LEVEL_ORDER = ("national", "provincial", "city", "county", "township")


class NewReportError(Exception):
    """A user-facing reason (Chinese / English) the report could not be created."""


def skeleton(deputy_name: str, congress_name: str, term_year_no: int) -> str:
    """The five parts with their prompts. No title of its own: the report page shows the title
    (deputy, congress, term year), and a `#` line would show a second one. The validator refuses
    a published body that still holds a prompt or an empty part (report-prompt-left …)."""
    lines: list[str] = []
    for head, prompt in zip(REPORT_PARTS, PART_PROMPTS):
        lines += [f"## {head}", "", f"> {prompt}", ""]
    return "\n".join(lines)


def current_mandates(ds: Dataset, deputy_id: str, day: dt.date) -> list[Mandate]:
    out = []
    for m in ds.mandates_of.get(deputy_id, []):
        c = ds.congress.get(m.congress_id)
        if c is None or m.start_date is None:
            continue
        if m.start_date <= day and (m.end_date is None or m.end_date >= day) and c.start_date <= day <= c.end_date:
            out.append(m)
    return out


def choose_mandate(ds: Dataset, deputy_id: str, day: dt.date, mandate_id: str | None) -> tuple[Mandate, list[Mandate]]:
    """(chosen mandate, other candidates). Prefers a mandate due or overdue now, then the
    higher level, then the id, so the choice is stable."""
    if deputy_id not in ds.deputy:
        raise NewReportError(f"未知的代表编号 {deputy_id}（deputies.csv 中没有）/ unknown deputy id {deputy_id}")
    current = current_mandates(ds, deputy_id, day)
    rules = ds.rules
    eligible = [m for m in current if ds.congress[m.congress_id].level in rules.report_levels]
    if mandate_id:
        for m in eligible:
            if m.id == mandate_id:
                return m, [o for o in eligible if o is not m]
        raise NewReportError(
            f"代表资格 {mandate_id} 不是该代表在 {day} 需要报告的现任代表资格 / "
            f"mandate {mandate_id} is not a current mandate of {deputy_id} with a reporting rule"
        )
    if not eligible:
        if not current:
            raise NewReportError(
                f"代表 {deputy_id} 在 {day} 没有现任代表资格 / deputy {deputy_id} holds no current mandate on {day}"
            )
        levels = "、".join(sorted({ds.congress[m.congress_id].level for m in current}))
        raise NewReportError(
            f"代表 {deputy_id} 的现任代表资格（{levels}）在规则文件中没有报告要求 / "
            f"no current mandate of {deputy_id} is at a level with a reporting rule ({levels})"
        )

    def key(m: Mandate):
        st = mandate_status(ds, m, day).status
        level = ds.congress[m.congress_id].level
        return (0 if st in (DUE, OVERDUE) else 1, LEVEL_ORDER.index(level) if level in LEVEL_ORDER else 9, m.id)

    ranked = sorted(eligible, key=key)
    return ranked[0], ranked[1:]


def new_id(ds: Dataset, data_dir: Path, deputy_id: str, day: dt.date) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]", "", f"r{day.year}-{deputy_id}")[:60]
    taken = {r.id for r in ds.reports}
    n = 1
    while True:
        rid = base if n == 1 else f"{base}-{n}"
        if rid not in taken and not (data_dir / "reports" / f"{rid}.md").exists():
            return rid
        n += 1


def _appended(path: Path, fieldnames: list[str], row: dict[str, str]) -> str:
    """The file's text with one row appended, keeping the file's own header."""
    text = path.read_text(encoding="utf-8-sig") if path.is_file() else ""
    header = next(csv.reader(io.StringIO(text)), None) if text.strip() else None
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    if header is None:
        header = fieldnames
        w.writerow(header)
    elif not text.endswith("\n"):
        buf.write("\n")
    w.writerow([row.get(h, "") for h in header])
    return text + buf.getvalue()


def plan_report(data_dir: Path, deputy_id: str, day: dt.date, mandate_id: str | None = None) -> dict:
    """Everything a new draft needs, written nowhere yet: its reports.csv row, the body's path
    and the new text of reports.csv (the import of a Word report fills the body instead of the
    skeleton and writes both through the same safe_write call)."""
    ds = load_dataset(data_dir)
    m, others = choose_mandate(ds, deputy_id, day, mandate_id)
    congress = ds.congress[m.congress_id]
    rule = ds.rules.report_levels[congress.level]
    ty = max(1, min(term_year(congress, day), ds.rules.term_length_years))
    rid = new_id(ds, data_dir, deputy_id, day)
    body = f"reports/{rid}.md"
    spec = ds.package.tables["reports"]
    row = {
        "id": rid,
        "deputy_id": deputy_id,
        "mandate_id": m.id,
        "date": day.isoformat(),
        "term_year": str(ty),
        "mode": rule.modes[0] if rule.modes else "",
        "audience": rule.audience[0] if rule.audience else "",
        "body": body,
        "state": "draft",
    }
    return {
        "row": row,
        "others": [o.id for o in others],
        "congress": congress.name,
        "level": congress.level,
        "months": rule.months,
        "deputy_name": ds.deputy[deputy_id].name,
        "csv_path": spec.path,
        "csv_text": _appended(data_dir / spec.path, list(spec.field_names), row),
    }


def create_report(data_dir: Path, deputy_id: str, day: dt.date, mandate_id: str | None = None) -> dict:
    info = plan_report(data_dir, deputy_id, day, mandate_id)
    row = info["row"]
    body = row["body"]
    # the body and the reports.csv row together or neither; an existing body is never overwritten
    replace_files(
        data_dir,
        {
            body: skeleton(info["deputy_name"], info["congress"], int(row["term_year"])).encode("utf-8"),
            info["csv_path"]: info["csv_text"].encode("utf-8"),
        },
        exclusive=(body,),
    )
    return info


def command(args) -> int:
    data_dir = Path(args.data)
    day = getattr(args, "date", None) or dt.date.today()
    try:
        info = create_report(data_dir, args.deputy_id, day, getattr(args, "mandate", None))
    except NewReportError as e:
        print(f"错误 error: {e}", file=sys.stderr)
        return 1
    except FileExistsError as e:
        print(f"错误 error: 文件已存在 / file exists: {e.filename}", file=sys.stderr)
        return 1
    r = info["row"]
    print(
        f"已创建报告草稿 created {data_dir / r['body']}（五个部分的标题已写好 / the five parts are ready to fill in）"
    )
    print(
        f"已在 {data_dir / 'reports.csv'} 添加一行 appended: id={r['id']} 代表资格 mandate={r['mandate_id']}（{info['congress']}）"
        f" 届内第{r['term_year']}年 term year={r['term_year']} 方式 mode={r['mode']} 对象 audience={r['audience']}"
        f" 日期 date={r['date']} state=draft"
    )
    if info["months"] and day.month not in info["months"]:
        months = "、".join(f"{m}月" for m in info["months"])
        print(
            f"注意 note: 本级代表按规定在{months}报告，请把日期改为实际报告日期 / this level reports in months {', '.join(map(str, info['months']))}: set the real report date"
        )
    if info["others"]:
        print(
            f"该代表还有其他需要报告的代表资格 other mandates: {', '.join(info['others'])}（可用 --mandate 指定 / choose with --mandate）"
        )
    print(
        "下一步 next: 填写正文，核对日期、方式和地点，改 state 为 published 后运行 make validate / fill in the text, check date, mode and venue, set state=published, then run make validate"
    )
    return 0
