"""`import-report`: a Word (.docx) duty report becomes the report's Markdown body.

Every document here is written by python-docx in the test itself; the expected Markdown is
written out by hand from what the document holds."""

from __future__ import annotations

import csv
import io
import shlex
import shutil
import zipfile
from pathlib import Path

import docx
import pytest
from PIL import Image

from generator.cli import main
from generator.sanitize import markdown_to_safe_html
from generator.staff.word_import import convert, import_report
from generator.validate.body_checks import scan_body

TINY = Path(__file__).parent / "fixtures" / "tiny"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def data(tmp_path):
    d = tmp_path / "data"
    shutil.copytree(TINY, d)
    return d


def _png() -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    buf.seek(0)
    return buf


def report_docx(path: Path) -> Path:
    """A clerk's report: title, the five parts as Heading 1, bold/italic, a line break, a
    bulleted and a numbered list, a table (first row header), an image."""
    d = docx.Document()
    d.add_heading("王小明代表履职情况报告", level=0)
    d.add_heading("一、遵守宪法和法律法规情况", level=1)
    p = d.add_paragraph("本人认真学习")
    p.add_run("宪法").bold = True
    p.add_run("和法律法规，")
    p.add_run("廉洁自律").italic = True
    p.add_run("，勤勉尽责。")
    p.runs[-1].add_break()
    p.add_run("全年参加集中学习十二次。")
    d.add_heading("二、会议期间工作情况", level=1)
    d.add_paragraph("出席县人民代表大会第三次会议", style="List Bullet")
    d.add_paragraph("参加分组审议并发言两次", style="List Bullet")
    d.add_paragraph("提出关于农村道路养护的建议", style="List Number")
    d.add_paragraph("提出关于学校周边交通安全的建议", style="List Number")
    d.add_heading("三、闭会期间活动情况", level=1)
    t = d.add_table(rows=3, cols=2)
    for r, (a, b) in enumerate([("活动", "次数"), ("视察调研", "4"), ("代表小组活动", "6")]):
        t.cell(r, 0).text = a
        t.cell(r, 1).text = b
    d.add_picture(_png())
    d.add_heading("四、联系人民群众情况", level=1)
    d.add_paragraph("在联络站接待选民三十五人次，收集意见十二条。")
    d.add_heading("五、其他情况", level=1)
    d.add_paragraph("无。")
    d.save(path)
    return path


EXPECTED = """# 王小明代表履职情况报告

## 一、遵守宪法和法律法规情况

本人认真学习**宪法**和法律法规，*廉洁自律*，勤勉尽责。\x20\x20
全年参加集中学习十二次。

## 二、会议期间工作情况

- 出席县人民代表大会第三次会议
- 参加分组审议并发言两次

1. 提出关于农村道路养护的建议
2. 提出关于学校周边交通安全的建议

## 三、闭会期间活动情况

| 活动 | 次数 |
| --- | --- |
| 视察调研 | 4 |
| 代表小组活动 | 6 |

## 四、联系人民群众情况

在联络站接待选民三十五人次，收集意见十二条。

## 五、其他情况

无。
"""


def test_a_word_report_becomes_exact_markdown(tmp_path):
    # without an image prefix (no report to name them after) images are dropped and named
    md, images, files = convert(docx.Document(str(report_docx(tmp_path / "报告.docx"))))
    assert md == EXPECTED
    assert images == ["image1.png（Picture 1）"] and files == {}


def test_heading_levels_shift_so_the_highest_is_h2(tmp_path):
    d = docx.Document()
    d.add_heading("闭会期间", level=2)
    d.add_heading("视察", level=3)
    d.add_paragraph("正文")
    d.save(tmp_path / "a.docx")
    md, *_ = convert(docx.Document(str(tmp_path / "a.docx")))
    assert md == "## 闭会期间\n\n### 视察\n\n正文\n"


def test_nested_list_and_word_text_that_looks_like_markup(tmp_path):
    d = docx.Document()
    d.add_paragraph("走访", style="List Bullet")
    d.add_paragraph("甲村", style="List Bullet 2")
    d.add_paragraph("# 1. *星号* _下划线_ [a](javascript:alert(1)) <script>x</script> {: onclick=x} &amp;")
    d.add_paragraph("> 引用 href=javascript:x")
    d.save(tmp_path / "a.docx")
    md, *_ = convert(docx.Document(str(tmp_path / "a.docx")))
    assert md == (
        "- 走访\n"
        "    - 甲村\n"
        "\n"
        "\\# 1. \\*星号\\* \\_下划线\\_ \\[a\\]\\(javascript:alert(1)) &lt;script>x&lt;/script> &#123;: onclick=x} &amp;amp;\n"
        "\n"
        "\\> 引用 href&#61;javascript:x\n"
    )
    html = markdown_to_safe_html(md)
    # shown exactly as typed in Word: no tag, no link, no heading, no quote
    assert html == (
        "<ul>\n<li>走访<ul>\n<li>甲村</li>\n</ul>\n</li>\n</ul>\n"
        "<p># 1. *星号* _下划线_ [a](javascript:alert(1)) &lt;script&gt;x&lt;/script&gt; {: onclick=x} &amp;amp;</p>\n"
        "<p>&gt; 引用 href=javascript:x</p>"
    )
    # nothing the validator's body checks would refuse
    assert list(scan_body("reports/x.md", md)) == []


def test_links_kept_only_for_web_and_mail(tmp_path):
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement

    d = docx.Document()
    p = d.add_paragraph("见")
    for url, label in (("https://www.example.gov.cn/a_b", "公告"), ("javascript:alert(1)", "坏链接")):
        rid = d.part.relate_to(url, RT.HYPERLINK, is_external=True)
        h = OxmlElement("w:hyperlink")
        h.set(qn("r:id"), rid)
        r = OxmlElement("w:r")
        t = OxmlElement("w:t")
        t.text = label
        r.append(t)
        h.append(r)
        p._p.append(h)
    d.save(tmp_path / "a.docx")
    md, *_ = convert(docx.Document(str(tmp_path / "a.docx")))
    assert md == "见[公告](https://www.example.gov.cn/a_b)坏链接\n"


def with_image(report_id: str) -> str:
    """EXPECTED with the document's picture kept where it stands (after the table)."""
    table_end = "| 代表小组活动 | 6 |\n"
    return EXPECTED.replace(table_end, table_end + f"\n![图1](images/{report_id}-1.png)\n")


def assert_red_png(path: Path) -> None:
    """The document's 8×8 red PNG, as the import keeps it."""
    with Image.open(path) as im:
        assert (im.format, im.size, im.mode) == ("PNG", (8, 8), "RGB")
        assert im.getcolors() == [(64, (255, 0, 0))]


def _rows(d: Path) -> list[dict]:
    with (d / "reports.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_command_writes_the_body_of_a_new_report_and_validates_it(data, tmp_path, capsys):
    assert main(["new-report", "d03", "--data", str(data), "--date", "2026-10-20"]) == 0
    csv_before = (data / "reports.csv").read_bytes()
    capsys.readouterr()
    src = report_docx(tmp_path / "报告.docx")
    rc = main(["import-report", str(src), "--id", "r2026-d03", "--data", str(data), "--as-of", "2026-10-21"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert (data / "reports" / "r2026-d03.md").read_text(encoding="utf-8") == with_image("r2026-d03")
    assert (data / "reports.csv").read_bytes() == csv_before  # the row is new-report's, untouched
    assert "import-report-image-dropped" not in out
    assert_red_png(data / "reports" / "images" / "r2026-d03-1.png")
    assert f"已写入 wrote {data / 'reports' / 'r2026-d03.md'}" in out
    # the report alone is checked: d03 is re-elected (reports in term year 1), the draft is dated
    # in year 5 — the one finding; the body itself has none
    assert "校验报告 r2026-d03" in out and "共 0 个错误、1 个警告" in out
    assert "reports.csv:7 [term_year]: 警告 warning report-off-schedule" in out
    assert not list(data.glob(".staff-write-*"))


def test_validator_findings_are_printed_in_chinese(data, tmp_path, capsys):
    assert main(["new-report", "d03", "--data", str(data), "--date", "2026-10-20"]) == 0
    d = docx.Document()
    d.add_heading("一、遵守宪法和法律法规情况", level=1)
    d.add_paragraph("遵守。")
    d.save(tmp_path / "short.docx")
    capsys.readouterr()
    rc = main(["import-report", str(tmp_path / "short.docx"), "--id", "r2026-d03", "--data", str(data)])
    out = capsys.readouterr().out
    assert rc == 0  # a draft may be incomplete; what is missing is listed
    assert "body-parts-missing" in out and "报告正文缺少第 2、3、4、5 部分" in out


def test_a_body_with_text_is_replaced_only_with_yes(data, tmp_path, capsys):
    before = (data / "reports" / "r05.md").read_bytes()
    src = report_docx(tmp_path / "r.docx")
    assert main(["import-report", str(src), "--id", "r05", "--data", str(data)]) == 1
    out = capsys.readouterr().out
    assert "import-report-overwrite" in out and "未写入任何文件" in out
    assert (data / "reports" / "r05.md").read_bytes() == before
    assert main(["import-report", str(src), "--id", "r05", "--data", str(data), "--yes"]) in (0, 1)
    assert (data / "reports" / "r05.md").read_text(encoding="utf-8") == with_image("r05")
    assert_red_png(data / "reports" / "images" / "r05-1.png")


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    good = report_docx(tmp_path / "good.docx")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    files = {
        "old .doc": (
            tmp_path / "报告.doc",
            ole + b"WordDocument".decode().encode("utf-16-le"),
            "import-report-old-word",
        ),
        "doc renamed .docx": (tmp_path / "renamed.docx", ole, "import-report-old-word"),
        "wps": (tmp_path / "报告.wps", ole, "import-report-old-word"),
        "encrypted": (
            tmp_path / "locked.docx",
            ole + "EncryptionInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le"),
            "import-report-encrypted",
        ),
        "truncated": (tmp_path / "cut.docx", good.read_bytes()[:3000], "import-report-unreadable"),
        "pdf": (tmp_path / "report.pdf", b"%PDF-1.4\n", "import-report-not-docx"),
        "text": (tmp_path / "report.txt", "报告".encode(), "import-report-not-docx"),
    }
    out = {}
    for k, (p, data, code) in files.items():
        p.write_bytes(data)
        out[k] = (p, code)
    xlsx = tmp_path / "sheet.docx"
    with zipfile.ZipFile(xlsx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    out["xlsx renamed"] = (xlsx, "import-report-not-docx")
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            dst.writestr(item, body[:100] if item.filename == "word/document.xml" else body)
    out["broken xml"] = (broken, "import-report-unreadable")
    out["missing"] = (tmp_path / "nowhere.docx", "import-report-unreadable")
    return out


def test_unreadable_files_are_problems_not_tracebacks(data, tmp_path, capsys):
    before = {p: p.read_bytes() for p in data.rglob("*") if p.is_file()}
    for label, (path, code) in _bad_files(tmp_path).items():
        rc = main(["import-report", str(path), "--id", "r05", "--data", str(data)])
        cap = capsys.readouterr()
        assert rc == 1, label
        assert f"错误 error {code}:" in cap.out, (label, cap.out)
        assert "Traceback" not in cap.out + cap.err, label
    assert {p: p.read_bytes() for p in data.rglob("*") if p.is_file()} == before


def test_unknown_id_and_empty_document(data, tmp_path, capsys):
    src = report_docx(tmp_path / "r.docx")
    assert main(["import-report", str(src), "--id", "r99", "--data", str(data)]) == 1
    assert "import-report-unknown-id" in capsys.readouterr().out
    empty = docx.Document()
    empty.add_paragraph("   ")
    empty.add_picture(_png())
    empty.save(tmp_path / "empty.docx")
    assert main(["new-report", "d03", "--data", str(data), "--date", "2026-10-20"]) == 0
    before = (data / "reports" / "r2026-d03.md").read_bytes()
    capsys.readouterr()
    assert main(["import-report", str(tmp_path / "empty.docx"), "--id", "r2026-d03", "--data", str(data)]) == 1
    out = capsys.readouterr().out
    assert "import-report-empty" in out  # an image alone is no report
    assert (data / "reports" / "r2026-d03.md").read_bytes() == before
    assert not (data / "reports" / "images").exists()


@pytest.mark.parametrize("body", ["../outside.md", "reports/../../x.md", "/tmp/x.md", "reports/a/b.md", ""])
def test_a_body_path_outside_reports_is_never_written(data, tmp_path, body):
    rows = _rows(data)
    rows[-1]["body"] = body
    with (data / "reports.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    res = import_report(report_docx(tmp_path / "r.docx"), data, rows[-1]["id"], yes=True)
    assert [p.code for p in res.problems] == ["import-report-body-path"] and not res.written
    assert not (tmp_path / "outside.md").exists() and not (tmp_path / "x.md").exists()


def test_make_target_passes_the_file_and_id():
    import subprocess

    out = subprocess.run(
        ["make", "-n", "--no-print-directory", "import-report", "FILE=报告 1.docx", "ID=r05", "YES=1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert shlex.split(out.splitlines()[-1])[3:] == [
        "import-report",
        "报告 1.docx",
        "--id",
        "r05",
        "--data",
        "data",
        "--yes",
    ]
    out = subprocess.run(
        ["make", "-n", "--no-print-directory", "import-report", "FILE=a.docx", "DEPUTY=d03", "DATE=2026-10-20"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert shlex.split(out.splitlines()[-1])[3:] == [
        "import-report",
        "a.docx",
        "--deputy",
        "d03",
        "--data",
        "data",
        "--date",
        "2026-10-20",
    ]


def _chinese_numbering(d) -> str:
    """Add a one-level 一、二、… list definition to the document's numbering part; its numId."""
    from docx.oxml import parse_xml

    numbering = d.part.numbering_part.element
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    numbering.append(
        parse_xml(
            f'<w:abstractNum {w} w:abstractNumId="90"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
            '<w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl></w:abstractNum>'
        )
    )
    numbering.append(parse_xml(f'<w:num {w} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    return "90"


def _numbered(d, text: str, num_id: str):
    from docx.oxml import parse_xml

    p = d.add_paragraph(text)
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    p._p.get_or_add_pPr().append(parse_xml(f'<w:numPr {w}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'))
    return p


def test_parts_numbered_in_plain_paragraphs_become_headings(tmp_path):
    d = docx.Document()
    d.add_paragraph().add_run("一、遵守宪法和法律法规情况").bold = True
    d.add_paragraph("（一）学习情况")
    d.add_paragraph("一、本人积极参加各项活动，认真履行代表职责。")  # a sentence, not a heading
    num = _chinese_numbering(d)
    _numbered(d, "会议期间工作情况", num)  # Word numbers it 一、 (the list's first item)
    _numbered(d, "出席会议，提出建议三件，参加审议发言两次，并按时参加各次专题询问和视察活动。", num)
    d.save(tmp_path / "a.docx")
    md, *_ = convert(docx.Document(str(tmp_path / "a.docx")))
    assert md == (
        "## 一、遵守宪法和法律法规情况\n"
        "\n"
        "### （一）学习情况\n"
        "\n"
        "一、本人积极参加各项活动，认真履行代表职责。\n"
        "\n"
        "## 一、会议期间工作情况\n"
        "\n"
        "二、出席会议，提出建议三件，参加审议发言两次，并按时参加各次专题询问和视察活动。\n"
    )


# -- import-report --deputy: a new draft, as new-report makes it, with the document's text ------


def test_deputy_makes_the_draft_new_report_would_make(data, tmp_path, capsys):
    twin = tmp_path / "twin"
    shutil.copytree(data, twin)
    assert main(["new-report", "d03", "--data", str(twin), "--date", "2026-10-20"]) == 0
    capsys.readouterr()
    src = report_docx(tmp_path / "报告.docx")
    rc = main(["import-report", str(src), "--deputy", "d03", "--date", "2026-10-20", "--data", str(data)])
    out = capsys.readouterr().out
    assert rc == 0, out
    # the same reports.csv (one draft row appended) as new-report; the body is the document's
    assert (data / "reports.csv").read_bytes() == (twin / "reports.csv").read_bytes()
    row = _rows(data)[-1]
    assert (row["id"], row["deputy_id"], row["state"], row["body"]) == (
        "r2026-d03",
        "d03",
        "draft",
        "reports/r2026-d03.md",
    )
    assert (data / "reports" / "r2026-d03.md").read_text(encoding="utf-8") == with_image("r2026-d03")
    assert_red_png(data / "reports" / "images" / "r2026-d03-1.png")
    assert "已为代表 d03 创建报告草稿" in out and "校验报告 r2026-d03" in out
    assert not list(data.glob(".staff-write-*"))


def test_numbered_paragraphs_give_the_five_parts(data, tmp_path, capsys):
    d = docx.Document()
    for i, head in enumerate(
        ("一、遵守宪法情况", "二、会议期间工作情况", "三、闭会期间活动情况", "四、联系群众情况", "五、其他情况")
    ):
        d.add_paragraph(head)
        d.add_paragraph(f"第{i + 1}部分的内容，本人认真履行代表职责。")
    d.save(tmp_path / "plain.docx")
    assert main(["import-report", str(tmp_path / "plain.docx"), "--deputy", "d03", "--data", str(data)]) == 0
    out = capsys.readouterr().out
    body = (data / "reports" / f"{_rows(data)[-1]['id']}.md").read_text(encoding="utf-8")
    assert [ln for ln in body.splitlines() if ln.startswith("#")] == [
        "## 一、遵守宪法情况",
        "## 二、会议期间工作情况",
        "## 三、闭会期间活动情况",
        "## 四、联系群众情况",
        "## 五、其他情况",
    ]
    assert "body-parts-missing" not in out


@pytest.mark.parametrize(
    "argv, code",
    [
        (["--deputy", "d99"], "import-report-deputy"),  # no such deputy
        (["--deputy", "d03", "--date", "1990-01-01"], "import-report-deputy"),  # no mandate then
        (["--deputy", "d03", "--mandate", "m99"], "import-report-deputy"),
    ],
)
def test_deputy_errors_write_nothing(data, tmp_path, capsys, argv, code):
    before = {p: p.read_bytes() for p in data.rglob("*") if p.is_file()}
    src = report_docx(tmp_path / "r.docx")
    assert main(["import-report", str(src), *argv, "--data", str(data)]) == 1
    cap = capsys.readouterr()
    assert f"错误 error {code}:" in cap.out and "未写入任何文件" in cap.out
    assert "Traceback" not in cap.out + cap.err
    assert {p: p.read_bytes() for p in data.rglob("*") if p.is_file()} == before


def test_old_word_with_deputy_is_a_message(data, tmp_path, capsys):
    doc = tmp_path / "报告.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    before = (data / "reports.csv").read_bytes()
    assert main(["import-report", str(doc), "--deputy", "d03", "--data", str(data)]) == 1
    assert "另存为" in capsys.readouterr().out
    assert (data / "reports.csv").read_bytes() == before


def test_id_and_deputy_are_one_or_the_other(data, tmp_path, capsys):
    src = report_docx(tmp_path / "r.docx")
    with pytest.raises(SystemExit):
        main(["import-report", str(src), "--id", "r05", "--deputy", "d03", "--data", str(data)])
    with pytest.raises(SystemExit):
        main(["import-report", str(src), "--data", str(data)])


def test_a_photo_with_gps_is_published_without_metadata(data, tmp_path, capsys):
    """A photo off a phone (tiny's d01.jpg: EXIF with GPS, XMP, ICC, comment) pasted into the
    report: the package's copy and the published one carry none of it, and the page shows it."""
    from tests.browser_support import build_site

    photo = TINY / "photos" / "d01.jpg"
    markers = (b"Exif", b"xmpmeta", b"ICC_PROFILE", b"DEMO-")
    raw = photo.read_bytes()
    assert all(m in raw for m in markers)
    with Image.open(photo) as im:
        assert im.getexif().get_ifd(0x8825), "the source has a GPS position"
    d = docx.Document()
    for head in (
        "一、遵守宪法情况",
        "二、会议期间工作情况",
        "三、闭会期间活动情况",
        "四、联系群众情况",
        "五、其他情况",
    ):
        d.add_heading(head, level=1)
        d.add_paragraph("本人认真履行代表职责，参加各项活动，听取群众意见并及时反映。" * 3)
    d.add_picture(str(photo))
    d.paragraphs[-1].runs[0]._r.xpath(".//wp:docPr")[0].set("descr", "走访[选民]")
    d.save(tmp_path / "photo.docx")
    assert b"Exif" in zipfile.ZipFile(tmp_path / "photo.docx").read("word/media/image1.jpg")
    rc = main(
        ["import-report", str(tmp_path / "photo.docx"), "--deputy", "d03", "--date", "2026-10-20", "--data", str(data)]
    )
    out = capsys.readouterr().out
    assert rc == 0, out
    rid = _rows(data)[-1]["id"]
    kept = data / "reports" / "images" / f"{rid}-1.jpg"
    body = (data / "reports" / f"{rid}.md").read_text(encoding="utf-8")
    assert body.endswith(f"\n\n![走访\\[选民\\]](images/{rid}-1.jpg)\n")
    assert [m for m in markers if m in kept.read_bytes()] == []
    # published: the draft's row set to published, the site built
    rows = _rows(data)
    rows[-1].update(state="published", venue="甲镇代表联络站")
    with (data / "reports.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    site = build_site(data, tmp_path / "site")
    out_img = (site / "report-images" / f"{rid}-1.jpg").read_bytes()
    assert [m for m in markers if m in out_img] == []
    with Image.open(io.BytesIO(out_img)) as im:
        assert not im.getexif() and im.format == "JPEG"
    html = (site / "reports" / rid / "index.html").read_text(encoding="utf-8")
    assert f'<img alt="走访[选民]" src="../../report-images/{rid}-1.jpg">' in html
