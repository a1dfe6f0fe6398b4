"""`import-report --deputy` on Word files as LibreOffice writes them (tests/fixtures/word/,
made by the commands in its README: LibreOffice's styles, its numbering — 一、 written as
taiwaneseCountingThousand, heading numbering carried by the heading style —, pictures anchored
in frames, its text frames, and its Word 97 .doc).

The expected Markdown is written out by hand from what tests/fixtures/word/make_source.py puts
in the documents."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from generator.cli import main
from generator.validate import validate_package

HERE = Path(__file__).parent
TINY = HERE / "fixtures" / "tiny"
WORD = HERE / "fixtures" / "word"
RID = "r2026-d03"  # new-report's id for d03 on 2026-10-20
GPS = {1: "N", 2: (29.0, 30.0, 0.0), 3: "E", 4: (109.0, 45.0, 0.0)}  # make_source.GPS

# the python-docx report, through LibreOffice (round-tripped, or via its own .odt)
FROM_PYTHON_DOCX = f"""# 张建国代表履职情况报告

## 一、遵守宪法和法律法规情况

本人认真学习**宪法**和法律法规，依法履行代表职责。

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

![走访选民](images/{RID}-1.jpg)

## 四、联系人民群众情况

在代表联络站接待选民三十五人次，收集意见十二条，均已转交有关部门办理。

## 五、其他情况

无。
"""

# the report written in Writer: heading numbering 一、 and （一）, the photo in a frame anchored
# to its paragraph, then the text frame's caption as a paragraph of its own
FROM_WRITER = f"""# 张建国代表履职情况报告

## 一、遵守宪法和法律法规情况

本人认真学习**宪法**和法律法规，依法履行代表职责。

## 二、会议期间工作情况

### （一）出席会议

- 出席县人民代表大会第三次会议
- 参加分组审议并发言两次

### （二）提出建议

1. 提出关于农村道路养护的建议
2. 提出关于学校周边交通安全的建议

## 三、闭会期间活动情况

| 活动 | 次数 |
| --- | --- |
| 视察调研 | 4 |
| 代表小组活动 | 6 |

![走访选民](images/{RID}-1.jpg)

图：代表联络站

## 四、联系人民群众情况

在代表联络站接待选民三十五人次，收集意见十二条，均已转交有关部门办理。

## 五、其他情况

无。
"""


@pytest.fixture()
def data(tmp_path):
    d = tmp_path / "data"
    shutil.copytree(TINY, d)
    return d


def _rows(d: Path) -> list[dict]:
    with (d / "reports.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _import(data: Path, name: str, capsys) -> tuple[int, str]:
    capsys.readouterr()
    argv = ["import-report", str(WORD / name), "--deputy", "d03", "--date", "2026-10-20"]
    rc = main([*argv, "--data", str(data), "--as-of", "2026-10-21"])
    return rc, capsys.readouterr().out


def _photo_in(docx_path: Path) -> bytes:
    """The one picture LibreOffice stored in the document."""
    with zipfile.ZipFile(docx_path) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        assert len(media) == 1, media
        return z.read(media[0])


@pytest.mark.parametrize(
    "name, expected",
    [
        ("lo-roundtrip.docx", FROM_PYTHON_DOCX),
        ("lo-via-odt.docx", FROM_PYTHON_DOCX),
        ("lo-writer.docx", FROM_WRITER),
    ],
)
def test_a_libreoffice_docx_becomes_a_draft_with_exact_markdown(data, capsys, name, expected):
    # the fixture holds what the test claims: LibreOffice kept the photo's GPS position
    source = _photo_in(WORD / name)
    with Image.open(io.BytesIO(source)) as im:
        assert dict(im.getexif().get_ifd(0x8825)) == GPS
    before = _rows(data)
    rc, out = _import(data, name, capsys)
    assert rc == 0, out
    # nothing left out (no import-report warning), and the draft: one row appended as new-report makes it
    assert [ln for ln in out.splitlines() if "import-report-" in ln or " error " in ln] == []
    rows = _rows(data)
    assert rows[:-1] == before
    new = rows[-1]
    assert (new["id"], new["deputy_id"], new["mandate_id"], new["date"], new["state"], new["body"]) == (
        RID,
        "d03",
        "m04",
        "2026-10-20",
        "draft",
        f"reports/{RID}.md",
    )
    assert (data / "reports" / f"{RID}.md").read_text(encoding="utf-8") == expected
    # the photo: re-encoded from its pixels, no EXIF (so no GPS, no camera), left blue, right yellow
    kept = data / "reports" / "images" / f"{RID}-1.jpg"
    assert sorted(p.name for p in (data / "reports" / "images").iterdir()) == [kept.name]
    raw = kept.read_bytes()
    assert b"Exif" not in raw and b"FICTIONAL-PHONE" not in raw
    with Image.open(kept) as im:
        assert (im.format, im.size) == ("JPEG", (24, 16))
        assert not im.getexif()
        rgb = im.convert("RGB")
        for (x, y), want in (((3, 8), (0, 0, 255)), ((20, 8), (255, 255, 0))):
            assert all(abs(a - b) <= 40 for a, b in zip(rgb.getpixel((x, y)), want, strict=True)), (x, y)
    # the validator on this report: the body has nothing to fix; d03 is re-elected and reports
    # in term year 1, the draft is dated in year 5 — the one finding
    assert f"校验报告 {RID}" in out and "共 0 个错误、1 个警告" in out
    assert "reports.csv:7 [term_year]: 警告 warning report-off-schedule" in out
    assert "body-" not in out


@pytest.mark.parametrize("name", ["lo-roundtrip.docx", "lo-via-odt.docx", "lo-writer.docx"])
def test_the_imported_body_passes_as_a_published_report(data, capsys, name):
    """Set to published with a venue, the report's body passes every body check (five parts,
    no prompt, length, images present): only the term-year warning remains."""
    rc, out = _import(data, name, capsys)
    assert rc == 0, out
    rows = _rows(data)
    rows[-1].update(state="published", venue="甲镇代表联络站")
    with (data / "reports.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    problems = validate_package(data, dt.date(2026, 10, 21))
    mine = [
        (p.file, p.row, p.code, p.severity)
        for p in problems
        if p.file.startswith(f"reports/{RID}") or "images" in p.file or (p.file == "reports.csv" and p.row == 7)
    ]
    assert mine == [("reports.csv", 7, "report-off-schedule", "warning")]


def test_a_doc_saved_by_libreoffice_is_refused_with_save_as_docx(data, capsys):
    doc = WORD / "lo-writer.doc"
    assert doc.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003 (OLE) as LibreOffice wrote it
    before = {p: p.read_bytes() for p in data.rglob("*") if p.is_file()}
    rc, out = _import(data, "lo-writer.doc", capsys)
    assert rc == 1
    assert out.splitlines() == [
        "lo-writer.doc: 错误 error import-report-old-word: 这是旧版 Word（.doc）或 WPS（.wps）格式；"
        "请在 Word 或 WPS 中“另存为”Word 文档（.docx）后再导入 / an old Word (.doc) or WPS (.wps) file; "
        "use Save As → Word document (.docx), then import that",
        "未写入任何文件 / nothing was written",
    ]
    assert {p: p.read_bytes() for p in data.rglob("*") if p.is_file()} == before


def test_the_fixtures_stay_small():
    sizes = {p.name: p.stat().st_size for p in WORD.iterdir() if p.suffix in (".docx", ".doc")}
    assert sorted(sizes) == ["lo-roundtrip.docx", "lo-via-odt.docx", "lo-writer.doc", "lo-writer.docx"]
    assert max(sizes.values()) < 30_000, sizes


def test_a_text_box_holding_a_picture_and_its_caption(tmp_path):
    """Word's (and LibreOffice's) captioned picture: a text box holding the picture and its
    caption, written twice (DrawingML, then the VML fallback). The picture is kept once, the
    caption follows the paragraph as its own paragraph, nothing is named as dropped."""
    import copy

    import docx
    from docx.oxml import parse_xml

    from generator.staff.word_import import convert

    d = docx.Document()
    d.add_paragraph("走访情况如下。")
    holder = d.add_paragraph("见下图")
    pic_p = d.add_paragraph()
    pic_p.add_run().add_picture(io.BytesIO(_photo_in(WORD / "lo-writer.docx")))
    pic_run = pic_p.runs[0]._r
    ns = (
        'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
        'xmlns:v="urn:schemas-microsoft-com:vml"'
    )
    box = "<w:txbxContent><w:p><w:r><w:t>图1：代表联络站</w:t></w:r></w:p></w:txbxContent>"
    alt = parse_xml(
        f'<mc:AlternateContent {ns}><mc:Choice Requires="wps"><w:drawing><wp:anchor>'
        '<wp:docPr id="9" name="文本框 1"/><a:graphic><a:graphicData><wps:wsp><wps:txbx>'
        f"{box}</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
        f"<mc:Fallback><w:pict><v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict></mc:Fallback>"
        "</mc:AlternateContent>"
    )
    # the picture goes into the box, before the caption, in both copies
    for content in alt.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}txbxContent"):
        first = content[0]
        first.insert(0, copy.deepcopy(pic_run))
    run = parse_xml(f"<w:r {ns}></w:r>")
    run.append(alt)
    holder._p.append(run)
    pic_p._p.getparent().remove(pic_p._p)
    d.add_paragraph("此后继续办理。")
    d.save(tmp_path / "box.docx")
    md, dropped, files = convert(docx.Document(str(tmp_path / "box.docx")), "r9")
    assert md == "走访情况如下。\n\n见下图\n\n![图1](images/r9-1.jpg)图1：代表联络站\n\n此后继续办理。\n"
    assert dropped == [] and sorted(files) == ["reports/images/r9-1.jpg"]
