"""The catalogue of every problem code the validator can emit.

One entry per code: severity, a short title and message template in Chinese and English, and
a hint saying how to fix it. Templates use `{name}` placeholders filled by `problem()`; a
missing placeholder renders as `?` rather than raising. Messages are built only from these
templates, never from frictionless' own messages (which quote cell values, including
private ones). Tests check that every code here is produced by a fixture and vice versa.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from ..problems import ERROR, WARNING, Problem


@dataclass(frozen=True)
class Code:
    code: str
    severity: str
    tier: str  # package / file / schema / record / rule / body / privacy
    title_zh: str
    title_en: str
    message_zh: str
    message_en: str
    hint_zh: str
    hint_en: str


_E, _W = ERROR, WARNING

_ENTRIES: list[Code] = [
    # -- package: descriptor and rules file -------------------------------------------
    Code(
        "descriptor-missing",
        _E,
        "package",
        "缺少数据包描述文件",
        "Descriptor missing",
        "目录中没有 datapackage.yaml（或 .json）",
        "no datapackage.yaml (or .json) in the folder",
        "确认目录正确，或从 data/ 复制 datapackage.yaml",
        "check the folder, or copy datapackage.yaml from data/",
    ),
    Code(
        "descriptor-invalid",
        _E,
        "package",
        "描述文件格式错误",
        "Malformed descriptor",
        "描述文件无法使用：{detail}",
        "the descriptor cannot be used: {detail}",
        "按数据字典修正 datapackage.yaml；YAML 缩进须一致，不能使用 !! 标签",
        "fix datapackage.yaml against the data dictionary; keep YAML indentation consistent, no !! tags",
    ),
    Code(
        "resource-missing",
        _E,
        "package",
        "缺少数据表",
        "Table missing from descriptor",
        "描述文件没有声明数据表 {table}",
        "the descriptor does not declare the table {table}",
        "在 datapackage.yaml 的 resources 中加入该表",
        "add the table to resources in datapackage.yaml",
    ),
    Code(
        "rules-invalid",
        _E,
        "package",
        "规则文件格式错误",
        "Malformed rules file",
        "rules.yaml 无法使用：{detail}",
        "rules.yaml cannot be used: {detail}",
        "按注释修正 rules.yaml；只能使用普通 YAML，不能使用 !!python 等标签",
        "fix rules.yaml as its comments describe; plain YAML only, no !!python or other tags",
    ),
    Code(
        "unsafe-name",
        _E,
        "package",
        "数据表名称不安全",
        "Unsafe table name",
        "数据表名称 {value} 不能用作文件名：只能由字母、数字、- 和 _ 组成，不能为空，不能含 /、..、空格",
        "the table name {value} cannot be a file name: letters, digits, - and _ only (not empty, no /, .., spaces)",
        "改用表的标准名称，例如 deputies",
        "use the table's standard name, e.g. deputies",
    ),
    Code(
        "unsafe-path",
        _E,
        "package",
        "路径不安全",
        "Unsafe path",
        "{col} 的值 {value} 不是数据包内的相对路径：不能以 / 开头，不能含 ..、\\、空格或特殊字符{suffix_zh}",
        "{col} is {value}, which is not a relative path inside the package: no leading /, no .., "
        "no \\, spaces or special characters{suffix_en}",
        "写成数据包内的相对路径，只用字母、数字、_ . - 和 /，例如 reports/r0001.md",
        "write a relative path inside the package using letters, digits, _ . - and /, e.g. reports/r0001.md",
    ),
    Code(
        "unsafe-link",
        _E,
        "package",
        "链接不安全",
        "Unsafe link",
        "{col} 的链接 {value} 不被接受：只能是 http(s) 网址或站内相对路径",
        "the link {col} is {value}: only http(s) addresses and relative paths inside the site are accepted",
        "改为 https:// 开头的网址，例如 https://creativecommons.org/licenses/by/4.0/",
        "use an address starting with https://, e.g. https://creativecommons.org/licenses/by/4.0/",
    ),
    # -- file: encoding and structure ---------------------------------------------------
    Code(
        "file-missing",
        _E,
        "file",
        "文件不存在",
        "File missing",
        "找不到描述文件声明的 {path}",
        "{path}, declared in the descriptor, does not exist",
        "补上该文件，或改正描述文件中的 path",
        "add the file, or correct its path in the descriptor",
    ),
    Code(
        "link-outside",
        _E,
        "file",
        "链接指向数据包以外",
        "Link out of the package",
        "{path} 是指向数据包以外的符号链接（或在这样的文件夹里），不会被读取或发布",
        "{path} is a symbolic link (or in a linked folder) to a place outside the package; it is neither read nor published",
        "把文件本身复制进数据包，不要使用链接",
        "copy the file itself into the package instead of linking to it",
    ),
    Code(
        "file-encoding",
        _E,
        "file",
        "文件编码不是 UTF-8",
        "File is not UTF-8",
        "文件不是 UTF-8 编码（第 {line} 行起无法读取）{guess_zh}",
        "the file is not UTF-8 (unreadable from line {line}){guess_en}",
        "用 UTF-8 重新保存：Excel 选“另存为 → CSV UTF-8（逗号分隔）”，WPS/记事本选编码 UTF-8",
        'save it again as UTF-8: in Excel use Save As → "CSV UTF-8 (Comma delimited)"; in other editors choose UTF-8',
    ),
    Code(
        "empty-file",
        _E,
        "file",
        "文件为空",
        "Empty file",
        "文件是空的，连表头都没有",
        "the file is empty, not even a header row",
        "至少写入表头行：{columns}",
        "write at least the header row: {columns}",
    ),
    Code(
        "missing-column",
        _E,
        "file",
        "缺少列",
        "Missing column",
        "表头缺少列 {col}",
        "the header lacks the column {col}",
        "在表头加入 {col} 列（列名须与数据字典一致）",
        "add the column {col} to the header (names as in the data dictionary)",
    ),
    Code(
        "extra-column",
        _E,
        "file",
        "多余的列",
        "Unexpected column",
        "表头有数据字典中没有的列 {col}",
        "the header has a column {col} that is not in the data dictionary",
        "删除该列，或检查列名拼写",
        "remove the column, or check its spelling",
    ),
    Code(
        "duplicate-column",
        _E,
        "file",
        "重复的列",
        "Duplicate column",
        "表头中列 {col} 出现了不止一次",
        "the column {col} appears more than once in the header",
        "删除重复的列",
        "remove the duplicate column",
    ),
    Code(
        "blank-column",
        _E,
        "file",
        "空列名",
        "Blank column name",
        "表头第 {position} 列没有列名",
        "column {position} of the header has no name",
        "删除这一列或填上列名",
        "remove the column or give it a name",
    ),
    Code(
        "blank-row",
        _E,
        "file",
        "空行",
        "Blank row",
        "这一行是空的",
        "the row is blank",
        "删除空行",
        "delete the blank row",
    ),
    Code(
        "missing-cell",
        _E,
        "file",
        "缺少单元格",
        "Missing cell",
        "这一行的单元格比表头少，缺少 {col}",
        "the row has fewer cells than the header: {col} is missing",
        "补齐逗号分隔的单元格（空值也要保留逗号）",
        "add the missing cells (keep the commas even when a value is empty)",
    ),
    Code(
        "extra-cell",
        _E,
        "file",
        "多余的单元格",
        "Extra cell",
        "这一行的单元格比表头多（第 {position} 个）",
        "the row has more cells than the header (cell {position})",
        "删除多余的单元格；文字中含逗号时请用英文双引号括起",
        "remove the extra cells; quote text that contains commas",
    ),
    Code(
        "table-error",
        _E,
        "file",
        "数据表无法读取",
        "Table cannot be read",
        "数据表无法按表格读取（{detail}）",
        "the table cannot be read as a table ({detail})",
        "用表格软件打开检查，并按 UTF-8 CSV 重新保存",
        "open it in a spreadsheet and save it again as UTF-8 CSV",
    ),
    Code(
        "too-many-errors",
        _E,
        "file",
        "错误过多",
        "Too many errors",
        "本文件错误超过 {limit} 个，其余未列出",
        "more than {limit} errors in this file; the rest are not listed",
        "先修正上面列出的问题，再重新校验",
        "fix the problems listed, then validate again",
    ),
    # -- schema: cells ----------------------------------------------------------------
    Code(
        "type-error",
        _E,
        "schema",
        "类型错误",
        "Wrong type",
        "{col}（{title}）应为{type_zh}，实际为 {value}",
        "{col} ({title}) must be {type_en}, got {value}",
        "改为{type_zh}，例如 {example}",
        "write {type_en}, e.g. {example}",
    ),
    Code(
        "bad-date",
        _E,
        "schema",
        "日期格式错误",
        "Not a date",
        "{col}（{title}）不是有效日期：{value}",
        "{col} ({title}) is not a valid date: {value}",
        "按 年-月-日 填写，例如 2024-03-15；Excel 中把该列设为文本格式",
        "write YYYY-MM-DD, e.g. 2024-03-15; in Excel format the column as text",
    ),
    Code(
        "required",
        _E,
        "schema",
        "必填项为空",
        "Required value missing",
        "{col}（{title}）为必填项，不能为空",
        "{col} ({title}) is required but empty",
        "填写该值",
        "fill in the value",
    ),
    Code(
        "not-in-enum",
        _E,
        "schema",
        "取值不在允许范围",
        "Value not allowed",
        "{col}（{title}）的值 {value} 不在允许的取值中：{allowed}",
        "{col} ({title}) has the value {value}, which is not one of: {allowed}",
        "改为以下之一：{allowed}",
        "use one of: {allowed}",
    ),
    Code(
        "unsafe-id",
        _E,
        "schema",
        "编号不安全",
        "Unsafe identifier",
        "编号 {col} 的值 {value} 不符合规则：只能由字母、数字、- 和 _ 组成，不能含 /、..、空格",
        "the identifier {col} is {value}: only letters, digits, - and _ are allowed (no /, .., spaces)",
        "改用字母、数字、- 和 _，例如 d0001",
        "use letters, digits, - and _ only, e.g. d0001",
    ),
    Code(
        "reserved-id",
        _E,
        "record",
        "编号与网站页面冲突",
        "Identifier reserved by the site",
        "编号 {col} 的值 {value} 是网站自用的名称（index、list、all、levels、level、kind、area、congress、activities 或四位年份），会覆盖网站自己的页面",
        "the identifier {col} is {value}, a name the site uses for its own pages (index, list, all, levels, "
        "level, kind, area, congress, activities or a 4-digit year): it would overwrite them",
        "换一个编号，例如在前面加字母：r2022 而不是 2022",
        "choose another identifier, e.g. with a letter in front: r2022 instead of 2022",
    ),
    Code(
        "control-character",
        _E,
        "record",
        "含有控制字符",
        "Control character",
        "{col} 含有不可见的控制字符（如 NUL），发布后可能损坏文件或显示",
        "{col} contains an invisible control character (such as NUL) that would corrupt published files",
        "删除该字符；多半是从其他系统复制时带入的，重新输入该单元格即可",
        "delete it; it usually comes from copying out of another system: type the cell again",
    ),
    Code(
        "cell-too-long",
        _E,
        "file",
        "单元格文字过长",
        "Cell too long",
        "{col} 有 {length} 个字符，超过每个单元格 {limit} 个字符的上限（Excel 单元格的上限）",
        "{col} has {length} characters, more than the limit of {limit} a cell (Excel's own cell limit)",
        "缩短该单元格；长篇文字（如履职报告）应写在 reports/ 下的 Markdown 文件中",
        "shorten the cell; long texts (such as a duty report) belong in a Markdown file under reports/",
    ),
    Code(
        "too-many-rows",
        _E,
        "file",
        "数据表行数过多",
        "Too many rows",
        "本表超过 {limit} 行数据（从这一行起），其余行未检查，数据包不能发布",
        "this table has more than {limit} data rows (from this line on); the rest was not checked and the package cannot be published",
        "确认文件没有被重复粘贴或误合并；一个省的最大数据表也远小于这个上限",
        "check the file was not pasted twice or merged by mistake; the largest table of a whole province is far below this limit",
    ),
    Code(
        "pattern-mismatch",
        _E,
        "schema",
        "格式不符",
        "Wrong format",
        "{col}（{title}）的值 {value} 不符合格式 {pattern}",
        "{col} ({title}) is {value}, which does not match {pattern}",
        "按数据字典中的格式填写",
        "write it in the format the data dictionary gives",
    ),
    Code(
        "out-of-range",
        _E,
        "schema",
        "超出范围",
        "Out of range",
        "{col}（{title}）的值超出范围：{constraint}",
        "{col} ({title}) is out of range: {constraint}",
        "改为允许范围内的值",
        "use a value within the allowed range",
    ),
    Code(
        "duplicate-id",
        _E,
        "schema",
        "编号重复",
        "Duplicate identifier",
        "主键 {col} 与第 {other} 行重复",
        "the primary key {col} repeats line {other}",
        "给每条记录一个唯一编号，或删除重复的行",
        "give each record its own identifier, or delete the duplicate row",
    ),
    Code(
        "duplicate-key",
        _E,
        "schema",
        "唯一键重复",
        "Duplicate unique key",
        "{col} 的组合与第 {other} 行重复",
        "the combination {col} repeats line {other}",
        "每个组合只保留一行",
        "keep one row per combination",
    ),
    Code(
        "foreign-key",
        _E,
        "schema",
        "引用的记录不存在",
        "Reference to nothing",
        "{col} 的值 {value} 在 {target} 中找不到",
        "{col} is {value}, which is not in {target}",
        "先在 {target} 中加入该记录，或改正编号",
        "add the record to {target} first, or correct the identifier",
    ),
    # -- record and cross-record rules ---------------------------------------------------
    Code(
        "dates-out-of-order",
        _E,
        "record",
        "日期先后颠倒",
        "Dates out of order",
        "{end_field}（{end}）早于 {start_field}（{start}）",
        "{end_field} ({end}) is before {start_field} ({start})",
        "检查两个日期，结束日期不能早于开始日期",
        "check both dates; the end cannot come before the start",
    ),
    Code(
        "mandate-outside-term",
        _E,
        "rule",
        "代表资格超出届期",
        "Mandate outside the term",
        "代表资格的{which_zh} {date} 不在 {congress} 届期（{term_start} 至 {term_end}）内",
        "the mandate's {which_en} {date} lies outside the term of {congress} ({term_start} to {term_end})",
        "改正日期，或检查 congress_id 是否选对了届次",
        "correct the date, or check that congress_id names the right term",
    ),
    Code(
        "constituency-mismatch",
        _E,
        "rule",
        "选区不属于该代表大会",
        "Constituency of another congress",
        "选区 {constituency} 属于 {other}，而代表资格属于 {congress}",
        "constituency {constituency} belongs to {other}, but the mandate is in {congress}",
        "选用本届代表大会的选区或选举单位",
        "choose a constituency of the mandate's own congress",
    ),
    Code(
        "duplicate-mandate",
        _E,
        "rule",
        "同一代表重复资格",
        "Same deputy twice in a congress",
        "代表 {deputy} 在 {congress} 中已有资格（第 {other} 行）",
        "deputy {deputy} already has a mandate in {congress} (line {other})",
        "每人每届只保留一条代表资格",
        "keep one mandate per person per congress",
    ),
    Code(
        "report-deputy-mismatch",
        _E,
        "rule",
        "报告人与代表资格不符",
        "Report deputy differs from mandate",
        "报告的代表 {deputy} 与代表资格 {mandate} 的代表 {expected} 不一致",
        "the report's deputy {deputy} is not the deputy {expected} of mandate {mandate}",
        "改正 deputy_id 或 mandate_id",
        "correct deputy_id or mandate_id",
    ),
    Code(
        "report-outside-mandate",
        _E,
        "rule",
        "报告日期不在任期内",
        "Report outside the mandate",
        "报告日期 {date} 不在代表资格期间（{start} 至 {end}）内",
        "the report date {date} is outside the mandate ({start} to {end})",
        "改正报告日期或 mandate_id",
        "correct the report date or mandate_id",
    ),
    Code(
        "report-window",
        _E,
        "rule",
        "报告时间不符合规定",
        "Report outside its window",
        "{level_zh}代表应在 {months} 月报告，此报告日期为 {date}",
        "{level_en} deputies report in month(s) {months_en}; this report is dated {date}",
        "改正日期；如本地规定不同，修改 rules.yaml 的 report_levels",
        "correct the date; if local rules differ, edit report_levels in rules.yaml",
    ),
    Code(
        "report-mode",
        _E,
        "rule",
        "报告方式不符合规定",
        "Report mode not allowed",
        "{level_zh}代表的报告方式应为 {allowed}，此报告为 {mode}",
        "{level_en} deputies report by {allowed}; this report is {mode}",
        "改为 {allowed} 之一",
        "use one of {allowed}",
    ),
    Code(
        "report-audience",
        _E,
        "rule",
        "报告对象不符合规定",
        "Report audience not allowed",
        "{level_zh}代表应向 {allowed} 报告，此报告为 {audience}",
        "{level_en} deputies report to {allowed}; this report is to {audience}",
        "改为 {allowed} 之一",
        "use one of {allowed}",
    ),
    Code(
        "report-term-year",
        _E,
        "rule",
        "届内年份与日期不符",
        "Term year does not match the date",
        "填写的届内第 {declared} 年与报告日期 {date} 推算的第 {computed} 年不一致",
        "term_year {declared} does not match year {computed} computed from the date {date}",
        "把 term_year 改为 {computed}，或改正日期",
        "set term_year to {computed}, or correct the date",
    ),
    Code(
        "report-duplicate",
        _E,
        "rule",
        "同一届内年份重复报告",
        "Two reports in one term year",
        "代表资格 {mandate} 在届内第 {term_year} 年已有报告（第 {other} 行）",
        "mandate {mandate} already has a report for term year {term_year} (line {other})",
        "删除重复的报告，或改正日期和 term_year",
        "delete the duplicate, or correct its date and term_year",
    ),
    Code(
        "report-off-schedule",
        _W,
        "rule",
        "报告年份不在安排内",
        "Report outside the schedule",
        "{kind_zh}应在届内第 {scheduled} 年报告，此报告在第 {term_year} 年",
        "{kind_en} deputies report in term year {scheduled_en}; this report is in year {term_year}",
        "核对代表类别（连任、职务）和报告年份",
        "check the deputy's kind (re-elected, official) and the report year",
    ),
    Code(
        "report-overdue",
        _W,
        "rule",
        "逾期未报告",
        "Report overdue",
        "代表 {deputy}（{kind_zh}）应在届内第 {scheduled} 年报告，截至 {as_of} 尚无已发布的报告",
        "deputy {deputy} ({kind_en}) was due to report in term year {scheduled_en}; no published report as of {as_of}",
        "督促代表报告履职情况，并录入报告",
        "ask the deputy to report, then record the report",
    ),
    Code(
        "meeting-share-low",
        _W,
        "rule",
        "会议报告比例不足",
        "Meeting share below minimum",
        "{congress} 以会议方式报告的代表为 {meeting}/{total}（{share}），{state_zh}最低 {minimum}",
        "{congress}: {meeting} of {total} deputies reported at a meeting ({share}); {state_en} minimum {minimum}",
        "安排更多代表在选民会议上报告",
        "arrange for more deputies to report at voters' meetings",
    ),
    Code(
        "group-roles",
        _E,
        "rule",
        "小组职务人数不符",
        "Wrong number of group officers",
        "小组现有 {role_zh} {count} 人，应为 {expected} 人",
        "the group has {count} current {role_en}, expected {expected}",
        "在 group_members 中调整 role",
        "adjust role in group_members",
    ),
    Code(
        "group-mix",
        _W,
        "rule",
        "小组构成缺少搭配",
        "Group lacks a mix",
        "小组现有成员中没有{missing_zh}（应{mix_zh}）",
        "the group's current members include no {missing_en} ({mix_en})",
        "调整小组成员构成",
        "adjust the group's membership",
    ),
    Code(
        "attendance-not-member",
        _E,
        "rule",
        "考勤代表不是成员",
        "Attendance by a non-member",
        "代表 {deputy} 在 {date} 不是 {organiser} 的成员，不应有考勤记录",
        "deputy {deputy} was not a member of {organiser} on {date}, so has no attendance there",
        "删除该考勤，或在成员表中补上成员期间",
        "delete the attendance row, or record the membership period",
    ),
    Code(
        "activity-organiser",
        _E,
        "rule",
        "活动组织者不明确",
        "Activity organiser unclear",
        "活动应填写 group_id 或 station_id 二者之一（{detail_zh}）",
        "an activity has exactly one of group_id or station_id ({detail_en})",
        "只填写组织活动的小组或联络站之一",
        "fill in only the group or the station that organised it",
    ),
    Code(
        "response-missing",
        _W,
        "rule",
        "已解决但无答复",
        "Resolved without a response",
        "办理状态为已解决，但没有答复内容",
        "the status is resolved but there is no response",
        "填写承办单位的答复",
        "fill in the handling unit's response",
    ),
    Code(
        "satisfaction-before-response",
        _W,
        "rule",
        "尚未答复却有满意度",
        "Satisfaction before a response",
        "办理状态为{status_zh}，尚未答复，却已填写满意度“{value_zh}”",
        "the status is {status_en}, not yet answered, but a satisfaction ({value}) is filled in",
        "代表收到答复后才测评满意度：核对办理状态（已答复的改为已解决、列入计划或留作参考），"
        "或清空满意度；因不满意而重新办理的，新的答复前清空，答复后重新测评",
        "deputies rate the handling once answered: check the status (resolved, planned or explained "
        "once answered) or clear satisfaction; when a dissatisfied suggestion is handled again, clear it "
        "until the new response and rate that",
    ),
    Code(
        "evaluation-exceeds-attendees",
        _E,
        "rule",
        "测评票数超过参会人数",
        "More votes than attendees",
        "满意度测评共 {votes} 票，多于参会人数 {attendees}",
        "the evaluation has {votes} votes, more than the {attendees} attendees",
        "核对测评票数和参会人数",
        "check the vote counts and the number of attendees",
    ),
    # -- report bodies ---------------------------------------------------------------------
    Code(
        "body-missing",
        _E,
        "body",
        "报告正文文件不存在",
        "Report body missing",
        "找不到报告正文文件 {path}",
        "the report body file {path} does not exist",
        "在 reports/ 下放入该 Markdown 文件，或改正 body 路径",
        "put the Markdown file under reports/, or correct the body path",
    ),
    Code(
        "body-control-character",
        _E,
        "body",
        "报告正文含有控制字符",
        "Control character in a report body",
        "正文第 {line} 行含有不可见的控制字符（如 NUL），发布后可能损坏页面和数据文件",
        "line {line} of the body contains an invisible control character (such as NUL) that would corrupt the page and the data files",
        "删除该字符；多半是从其他系统或文档复制时带入的，重新输入这一行即可",
        "delete it; it usually comes from copying out of another system or document: type the line again",
    ),
    Code(
        "body-image-path",
        _E,
        "body",
        "报告图片路径不符合约定",
        "Report image path outside the convention",
        "图片 {path} 不会显示：报告中的图片须写成 ![说明](images/文件名)，文件放在数据包的 reports/images/ 下",
        "the image {path} would not show: write images in a report as ![caption](images/<file>), with the file in the package's reports/images/",
        "把图片文件放进 reports/images/（文件名只用字母、数字、- 和 _，扩展名 .jpg、.jpeg、.png 或 .webp），并改写为 images/文件名",
        "put the file in reports/images/ (name of letters, digits, - and _; .jpg, .jpeg, .png or .webp) and write images/<file>",
    ),
    Code(
        "body-image-missing",
        _E,
        "body",
        "报告图片文件不存在",
        "Report image missing",
        "找不到报告中的图片文件 reports/{path}",
        "the report's image file reports/{path} does not exist",
        "把该图片放进数据包的 reports/images/，或改正正文中的文件名（区分大小写）",
        "put the image in the package's reports/images/, or correct its name in the body (case matters)",
    ),
    Code(
        "body-image-invalid",
        _E,
        "body",
        "报告图片无法读取",
        "Report image unreadable",
        "图片 reports/{path} {why_zh}",
        "the image reports/{path} {why_en}",
        "用图片软件另存为 JPEG 或 PNG（不超过 4,000 万像素）后替换该文件",
        "save it again as a JPEG or PNG (at most 40 million pixels) and replace the file",
    ),
    Code(
        "report-body-too-large",
        _E,
        "body",
        "报告正文文件过大",
        "Report body too large",
        "报告正文 {path} 有 {size} 字节，超过 {limit} 字节的上限，没有读取",
        "the report body {path} has {size} bytes, more than the limit of {limit}; it was not read",
        "检查是否误粘贴了其他内容（如整份文件的代码或图片数据）；一份报告通常只有几千字",
        "check that nothing else was pasted in by mistake (a whole file's code or picture data); a report is usually a few thousand characters",
    ),
    Code(
        "body-encoding",
        _E,
        "body",
        "报告正文不是 UTF-8",
        "Report body is not UTF-8",
        "报告正文不是 UTF-8 编码（第 {line} 行起无法读取）",
        "the report body is not UTF-8 (unreadable from line {line})",
        "用 UTF-8 编码重新保存该文件",
        "save the file again as UTF-8",
    ),
    Code(
        "body-raw-html",
        _E,
        "body",
        "报告正文含 HTML",
        "Raw HTML in a report",
        "报告正文含 HTML 标签 <{tag}>，发布时会被删除",
        "the report contains the HTML tag <{tag}>, which would be removed on publishing",
        "改用 Markdown 写法（标题用 #，加粗用 **）",
        "use Markdown instead (# for headings, ** for bold)",
    ),
    Code(
        "body-unsafe-link",
        _E,
        "body",
        "报告正文含不安全链接",
        "Unsafe link in a report",
        "报告正文含不安全的{what_zh}（{scheme}）",
        "the report contains an unsafe {what_en} ({scheme})",
        "只使用 http、https 或 mailto 链接，不要添加 {{: ...}} 属性",
        "use only http, https or mailto links, and no {{: ...}} attributes",
    ),
    Code(
        "body-parts-missing",
        _W,
        "body",
        "报告缺少规定内容",
        "Report lacks standard parts",
        "报告正文缺少第 {parts} 部分（{names_zh}）",
        "the report lacks part(s) {parts} ({names_en})",
        "按五个方面撰写：遵守宪法法律、参加会议、闭会期间活动、联系群众、其他",
        "cover the five parts: law and integrity, congress sessions, work between sessions, contact with the people, other",
    ),
    Code(
        "report-prompt-left",
        _E,
        "body",
        "报告还留着填写提示",
        "Writing prompts left in a report",
        "已发布的报告正文仍有 {count} 处“填写提示”（模板中的说明文字）",
        "the published report still holds {count} writing prompt(s) from the template",
        "按提示写好各部分后删除以“> 填写提示”开头的行；还没写完就把 state 改回 draft",
        "write each part, then delete the lines starting with “> 填写提示”; if it is not finished, set state back to draft",
    ),
    Code(
        "report-part-empty",
        _E,
        "body",
        "报告有空白部分",
        "Empty part in a report",
        "已发布的报告有 {count} 个标题下没有内容：{parts}",
        "the published report has {count} heading(s) with nothing under them: {parts}",
        "在每个标题下写明情况；没有可写的写“无”",
        "write under every heading; where there is nothing to report, write “无” (none)",
    ),
    Code(
        "report-too-short",
        _E,
        "body",
        "报告正文过短",
        "Report body too short",
        "已发布的报告正文只有 {chars} 个字（标题除外），少于 {minimum} 个字，像是还没写完",
        "the published report has only {chars} characters of text (headings aside), fewer than {minimum}: it looks unfinished",
        "写完报告正文；还没写完就把 state 改回 draft",
        "finish the report text; if it is not finished, set state back to draft",
    ),
    # -- deputies' photos (generator/validate/photo_checks.py) ----------------------------
    Code(
        "photo-missing",
        _E,
        "body",
        "照片文件不存在",
        "Photo missing",
        "找不到照片文件 {path}",
        "the photo file {path} does not exist",
        "把照片放进数据包的 photos/ 文件夹，或改正 image 路径；没有照片就留空",
        "put the photo into the package's photos/ folder, or correct the image path; leave it empty if there is none",
    ),
    Code(
        "photo-not-image",
        _E,
        "body",
        "照片文件不是图片",
        "Photo is not an image",
        "照片文件 {path} 无法作为 JPEG、PNG 或 WebP 图片读取（可能不是图片，或文件不完整）",
        "the photo file {path} cannot be read as a JPEG, PNG or WebP image (not an image, or incomplete)",
        "用看图软件打开确认，另存为 JPEG（.jpg）后再放入 photos/",
        "open it in an image viewer to check, save it again as JPEG (.jpg) and put it into photos/",
    ),
    Code(
        "photo-too-large",
        _E,
        "body",
        "照片像素过多",
        "Photo has too many pixels",
        "照片文件 {path} 有 {width}×{height} 像素，超过 {limit} 像素的上限，不会被打开",
        "the photo file {path} has {width}×{height} pixels, more than the limit of {limit}; it is not opened",
        "把照片缩小到 2000 像素宽左右再放入（网站只显示 480 像素宽）",
        "shrink the photo to about 2,000 pixels wide first (the site shows it 480 pixels wide)",
    ),
    Code(
        "report-venue-missing",
        _E,
        "body",
        "会议报告缺少地点",
        "Meeting report without a venue",
        "在选民会议上所作的报告没有填写地点",
        "a report given at a meeting has no venue",
        "在 venue 中填写会议地点，例如“城关社区活动室”",
        "fill in the venue of the meeting, e.g. 城关社区活动室",
    ),
    # -- going live (validate --release) ---------------------------------------------------
    Code(
        "release-placeholder",
        _E,
        "release",
        "演示内容未替换",
        "Demo placeholder before going live",
        "上线前须替换演示内容：{what_zh}",
        "a demo placeholder is left before going live: {what_en}",
        "按《上线检查清单》（content/guide/publish.md）改为本地的真实内容",
        "replace it with the real content, following the go-live checklist in content/guide/publish.md",
    ),
    # -- privacy ---------------------------------------------------------------------------
    Code(
        "possible-private-data",
        _W,
        "privacy",
        "疑似个人信息",
        "Possible private data",
        "公开字段 {col} 中疑似含有{what_zh}（内容未显示）",
        "the public field {col} seems to contain {what_en} (value not shown)",
        "删除个人信息；需要保存的请放入标记为不公开的字段",
        "remove personal data; keep what staff need in a field marked private",
    ),
]

CODES: dict[str, Code] = {c.code: c for c in _ENTRIES}
assert len(CODES) == len(_ENTRIES), "duplicate code in the catalogue"


MISSING = "〔?〕"  # what an unfilled placeholder shows (tests look for it)


class _Safe(dict):
    def __missing__(self, key: str) -> str:
        return MISSING


_FMT = string.Formatter()


def _fill(template: str, params: dict) -> str:
    return _FMT.vformat(template, (), _Safe(params))


def problem(code: str, file: str, row: int = 0, field: str = "", **params) -> Problem:
    """Build a Problem from the catalogue; unknown codes are a programming error."""
    c = CODES[code]
    p = {k: ("" if v is None else v) for k, v in params.items()}
    return Problem(
        file=file,
        row=int(row or 0),
        field=field or "",
        code=code,
        severity=c.severity,
        message_zh=_fill(c.message_zh, p),
        message_en=_fill(c.message_en, p),
        hint_zh=_fill(c.hint_zh, p),
        hint_en=_fill(c.hint_en, p),
    )


# -- showing a cell value safely --------------------------------------------------------
# Personal numbers as people write them (issue 17), matched on fold(text): fullwidth digits
# and signs folded to ASCII; mobiles with +86/86, spaces or dashes (138 1234 5678,
# 138-1234-5678, +8613812345678); ID numbers of 18 digits (spaces or dashes between the
# 6-8-4 or 6-4-4-4 groups) and of 15 digits (a valid birth date in the middle). Every pattern
# has fixed-length parts only: linear on any input.
_FOLD = str.maketrans("０１２３４５６７８９＋－—‐　Ｘｘ＠．", "0123456789+--- Xx@.")
PHONE_RE = re.compile(r"(?<![\d+])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")
ID_RE = re.compile(
    r"(?<!\d)(?:\d{6}[ -]?\d{4}[ -]?\d{4}[ -]?\d{3}[\dXx]"
    r"|\d{6}[ -]?\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[ -]?\d{3})(?![\dA-Za-z])"
)
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")  # for short texts only
_EMAIL_LOCAL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-")
_EMAIL_DOMAIN = re.compile(r"[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}")


def fold(text: str) -> str:
    """Fullwidth digits, signs and spaces as ASCII (what the personal-data patterns read)."""
    return text.translate(_FOLD)


def email_domains(text: str):
    """The domain of every e-mail address in `text`, in one pass: from each "@" (after a
    local-part character) a bounded match forward. EMAIL_RE.finditer rescans a long run of
    letters from every position (quadratic: a 200,000-letter cell took 30 s)."""
    i = text.find("@")
    while i != -1:
        if i > 0 and text[i - 1] in _EMAIL_LOCAL_CHARS:
            m = _EMAIL_DOMAIN.match(text, i + 1)
            if m:
                yield m.group(0)
        i = text.find("@", i + 1)


def looks_personal(text: str) -> bool:
    """Does `text` hold what looks like a phone, ID number or e-mail address?"""
    f = fold(text)
    return bool(PHONE_RE.search(f) or ID_RE.search(f) or next(email_domains(f), None))


_CTRL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
HIDDEN = "（已隐藏 hidden）"


def show_value(value, private: bool = False, limit: int = 40) -> str:
    """A cell value fit for a message: never a private value, nor one that looks like
    personal data; control and bidi characters escaped; long values cut."""
    if private:
        return HIDDEN
    if value is None:
        return "（空 empty）"
    s = str(value)
    if s == "":
        return "（空 empty）"
    if looks_personal(s):
        return HIDDEN
    if len(s) > limit:
        s = s[:limit] + "…"
    s = _CTRL.sub(lambda m: f"\\u{ord(m.group()):04x}", s)
    return f"“{s}”"
