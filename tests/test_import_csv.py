"""CSV intake: UTF-8 (with or without BOM) and GB18030 (with or without its BOM) are read and
the conversion is announced; anything else is refused, never silently mis-decoded."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import pytest

from generator.staff.xlsx_import import decode_csv, run_import

TINY = Path(__file__).parent / "fixtures" / "tiny"
AS_OF = dt.date(2026, 6, 1)
DEPUTIES = (TINY / "deputies.csv").read_text(encoding="utf-8")


@pytest.fixture()
def out(tmp_path):
    d = tmp_path / "data"
    shutil.copytree(TINY, d)
    return d


def run(path: Path, out: Path) -> tuple[int, str]:
    buf = io.StringIO()
    rc = run_import(path, out, AS_OF, stream=buf)
    return rc, buf.getvalue()


@pytest.mark.parametrize(
    "data, expected",
    [
        ("名字,abc\n".encode(), ("名字,abc\n", "utf-8")),
        (b"\xef\xbb\xbf" + "名字\n".encode(), ("名字\n", "utf-8-sig")),
        ("名字,王明华\n".encode("gb18030"), ("名字,王明华\n", "gb18030")),
        (b"\x84\x31\x95\x33" + "名字\n".encode("gb18030"), ("名字\n", "gb18030")),
        ("ascii only\n".encode("gb18030"), ("ascii only\n", "utf-8")),
        (b"\xef\xbb\xbf\xff\xfe", (None, "")),  # says UTF-8, is not
        (b"abc\x81", (None, "")),  # truncated GB18030 sequence
        (b"\x00\x01\x02\xff", (None, "")),  # binary
    ],
)
def test_decode(data, expected):
    assert decode_csv(data) == expected


def test_gb18030_file_is_converted_and_says_so(out, tmp_path):
    src = tmp_path / "deputies.csv"
    src.write_bytes(b"\x84\x31\x95\x33" + DEPUTIES.replace("王明华", "王明华（改）").encode("gb18030"))
    rc, text = run(src, out)
    assert rc == 0, text
    assert "deputies.csv: 已从 GB18030 转换为 UTF-8 / converted from GB18030 to UTF-8" in text
    assert (out / "deputies.csv").read_text(encoding="utf-8") == DEPUTIES.replace("王明华", "王明华（改）")


def test_utf8_bom_with_chinese_headers_and_excel_dates(out, tmp_path):
    lines = (TINY / "mandates.csv").read_text(encoding="utf-8").splitlines()
    header = "编号,代表,代表大会,选区或选举单位,连任代表,职务代表,职务,开始日期,结束日期,终止原因"
    body = [line.replace("2022-01-01", "2022/1/1") for line in lines[1:]]
    src = tmp_path / "代表资格.csv"  # the Chinese table title names the table too
    src.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join([header, *body]) + "\r\n").encode("utf-8"))
    rc, text = run(src, out)
    assert rc == 0, text
    assert "GB18030" not in text
    assert (out / "mandates.csv").read_text(encoding="utf-8").splitlines() == lines


def test_undecodable_file_is_refused(out, tmp_path):
    src = tmp_path / "deputies.csv"
    src.write_bytes(b"\xef\xbb\xbfid,name\n\xff\xfe\xfd\n")
    before = (out / "deputies.csv").read_bytes()
    rc, text = run(src, out)
    assert rc == 1
    assert "deputies.csv: 错误 error import-encoding" in text
    assert (out / "deputies.csv").read_bytes() == before


def test_folder_of_csv_and_line_locations(out, tmp_path):
    folder = tmp_path / "incoming"
    folder.mkdir()
    bad = DEPUTIES.splitlines()
    bad[3] = bad[3].replace(",male,", ",unknown,")  # d03, file line 4
    (folder / "deputies.csv").write_text("\n".join(bad) + "\n", encoding="gb18030")
    (folder / "notes.csv").write_text("x\n1\n", encoding="utf-8")
    rc, text = run(folder, out)
    assert rc == 1
    assert "deputies.csv: 已从 GB18030 转换为 UTF-8" in text
    assert "notes.csv: 警告 warning import-unknown-sheet" in text
    assert "deputies.csv:4 [gender]: 错误 error not-in-enum" in text
    assert "XPRIV" not in text


def test_other_file_types_are_refused(out, tmp_path):
    src = tmp_path / "deputies.xls"
    src.write_bytes(b"old excel")
    rc, text = run(src, out)
    assert rc == 1 and "import-file-type" in text
