"""The catalogue of every problem code the Excel/CSV import (`python -m generator import`) emits.

Kept here, next to the validator's catalogue (`codes.py`), rather than in the importer: the data
dictionary lists these codes, and the dictionary belongs to the data layer, which never imports
the staff tools in `generator/staff/`. This module imports nothing from the project but
`problems`.
"""

from __future__ import annotations

from ..problems import ERROR, WARNING, Problem

INFO = "info"

# code → (severity, 中文, English); listed in the data dictionary
IMPORT_CODES: dict[str, tuple[str, str, str]] = {
    "import-file-type": (
        ERROR,
        "不支持的文件类型（只接受 .xlsx、.csv 或存放 .csv 的文件夹）",
        "unsupported file type (only .xlsx, .csv or a folder of .csv)",
    ),
    "import-unreadable": (ERROR, "文件无法打开或已损坏", "the file cannot be opened or is damaged"),
    "import-no-descriptor": (ERROR, "目标文件夹中没有 datapackage.yaml", "the target folder has no datapackage.yaml"),
    "import-encoding": (
        ERROR,
        "CSV 文件既不是 UTF-8 也不是 GB18030 编码，无法可靠读取",
        "the CSV file is neither UTF-8 nor GB18030; it cannot be read reliably",
    ),
    "import-converted": (INFO, "CSV 文件已从 GB18030 转换为 UTF-8", "the CSV file was converted from GB18030 to UTF-8"),
    "import-unknown-sheet": (
        WARNING,
        "工作表或文件名不对应任何数据表，已忽略",
        "the sheet or file matches no table and was skipped",
    ),
    "import-duplicate-table": (ERROR, "同一数据表出现了两次", "the same table was given twice"),
    "import-no-header": (ERROR, "找不到表头行", "no header row found"),
    "import-unknown-column": (ERROR, "表头不对应该表的任何字段", "a header matches no field of the table"),
    "import-duplicate-column": (ERROR, "同一字段出现了两列", "the same field appears in two columns"),
    "import-missing-column": (ERROR, "缺少必填字段的列", "a column for a required field is missing"),
    "import-cell-error": (
        ERROR,
        "单元格是公式错误值（如 #N/A、#REF!）",
        "the cell holds a formula error (e.g. #N/A, #REF!)",
    ),
    "import-no-tables": (ERROR, "没有可导入的数据表", "nothing to import"),
    "import-replacement-char": (
        ERROR,
        "单元格含有替换字符 �，原文字在转换编码时已经丢失；请从原始文件重新复制",
        "the cell holds the replacement character �: text was lost in an encoding conversion; copy it again from the original",
    ),
    "import-mojibake": (
        ERROR,
        "单元格像是乱码（UTF-8 文字被当作 GBK 打开）；请用“数据→从文本/CSV”按 UTF-8 打开原文件，或改用 export 导出的工作簿",
        "the cell looks like mojibake (UTF-8 text opened as GBK); open the original as UTF-8 or use the workbook from export",
    ),
    "import-rows-removed": (
        ERROR,
        "导入会删除现有记录；只想新增或修改请加 --update，确实要删除请加 --yes",
        "the import would remove existing rows; use --update to add or change rows only, or --yes to remove them",
    ),
    "import-many-changes": (
        ERROR,
        "导入会修改该表超过 10% 的现有记录；请核对变更摘要，确认无误后加 --yes 重新导入",
        "the import would change more than 10% of the table's rows; check the change summary and rerun with --yes",
    ),
    "import-duplicate-key": (
        ERROR,
        "同一编号（主键）在工作表中出现了两次，--update 无法确定用哪一行",
        "the same id (primary key) appears twice in the sheet; --update cannot tell which row to use",
    ),
    # limits that bound the work one file can cause (issue 17; xlsx_import.check_workbook)
    "import-too-large": (
        ERROR,
        "工作簿解压后过大（一个部分超过 1 GB 或合计超过 2 GB），没有读取；请只保留数据表后重新保存，或分几次导入",
        "the workbook unpacks too large (one part over 1 GB or 2 GB in all) and was not read; keep only the data sheets and save again, or import in parts",
    ),
    "import-too-many-rows": (
        ERROR,
        "行数超过上限（工作表 1,048,576 行，即 Excel 的上限；CSV 文件 20,000,000 行），没有读取；请删除多余的行（常见于整列误填充或重复粘贴）后重新保存",
        "more rows than the limit (a sheet 1,048,576, Excel's own limit; a CSV file 20,000,000) and not read; delete the extra rows (often a whole column filled or a paste repeated by mistake) and save again",
    ),
    "import-cell-too-long": (
        ERROR,
        "单元格超过 32,767 个字符（Excel 单元格的上限）；请缩短，长篇文字请写成报告正文",
        "the cell has more than 32,767 characters (Excel's own cell limit); shorten it, and put long texts in a report body",
    ),
    "import-xml-entity": (
        ERROR,
        "工作簿的 XML 含有 DOCTYPE 或实体声明（Excel 从不写入），没有读取；请在 Excel 中打开并重新保存",
        "the workbook's XML declares a DOCTYPE or entities (Excel never writes them) and was not read; open it in Excel and save it again",
    ),
    # Word reports (`python -m generator import-report FILE.docx --id …|--deputy …`, staff/word_import.py)
    "import-report-not-docx": (
        ERROR,
        "不是 Word 文档（.docx）；请在 Word 或 WPS 中打开后另存为 .docx",
        "not a Word document (.docx); open it in Word or WPS and save it as .docx",
    ),
    "import-report-old-word": (
        ERROR,
        "这是旧版 Word（.doc）或 WPS（.wps）格式；请在 Word 或 WPS 中“另存为”Word 文档（.docx）后再导入",
        "an old Word (.doc) or WPS (.wps) file; use Save As → Word document (.docx), then import that",
    ),
    "import-report-encrypted": (
        ERROR,
        "文档设置了打开密码；请在 Word 中取消密码（文件→信息→保护文档）后另存再导入",
        "the document is password-protected; remove the password in Word, save, and import again",
    ),
    "import-report-unreadable": (
        ERROR,
        "Word 文档无法打开或已损坏；请在 Word 中打开并重新保存",
        "the Word document cannot be opened or is damaged; open it in Word and save it again",
    ),
    "import-report-too-large": (
        ERROR,
        "文档过大（超过 50 MB 或解压后超过 300 MB）；请删除图片后重新保存",
        "the document is too large (over 50 MB, or 300 MB unpacked); remove the images and save again",
    ),
    "import-report-no-package": (ERROR, "数据文件夹无法读取", "the data folder cannot be read"),
    "import-report-unknown-id": (
        ERROR,
        "reports.csv 中没有这个报告编号；请先用 make new-report 建立报告，再用它的编号导入",
        "no report with this id in reports.csv; create it with make new-report first, then import with its id",
    ),
    "import-report-body-path": (
        ERROR,
        "该报告的正文路径（body）为空或不是 reports/名称.md；请在 reports.csv 中改正",
        "the report's body path is empty or not reports/<name>.md; correct it in reports.csv",
    ),
    "import-report-empty": (ERROR, "文档中没有文字", "the document holds no text"),
    "import-report-overwrite": (
        ERROR,
        "该报告的正文已有内容，导入会覆盖它；确认要替换请加 --yes（make import-report … YES=1）",
        "the report's body already holds text that the import would replace; add --yes (make import-report … YES=1) to replace it",
    ),
    "import-report-image-dropped": (
        WARNING,
        "图片未导入（只导入 JPEG、PNG 和 WebP 图片；图表、文本框和矢量图请另存为图片后插入）",
        "an image was left out (only JPEG, PNG and WebP pictures are imported; save charts, text boxes and drawings as pictures)",
    ),
    "import-report-deputy": (
        ERROR,
        "无法为该代表新建报告草稿",
        "cannot create a draft report for this deputy",
    ),
}


def import_problem(
    code: str, file: str = "", row: int = 0, fld: str = "", detail_zh: str = "", detail_en: str = ""
) -> Problem:
    """A Problem of the staff import tools (Excel, Word): the catalogue's severity and message,
    with what this case adds after it."""
    sev, zh, en = IMPORT_CODES[code]
    return Problem(
        file=file,
        row=row,
        field=fld,
        code=code,
        severity=sev,
        message_zh=zh + (f"：{detail_zh}" if detail_zh else ""),
        message_en=en + (f": {detail_en}" if detail_en else ""),
    )
