"""The site's CSV downloads are meant for Excel: each starts with a UTF-8 byte order mark (Excel
on Chinese Windows reads a CSV without one as GBK), and `frictionless validate` still accepts
the published package."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from generator.descriptor import read_package
from generator.outputs import open_data

TINY = Path(__file__).parent / "fixtures" / "tiny"


def test_every_published_csv_has_a_bom_and_frictionless_accepts_the_package(tmp_path):
    from frictionless import Package, validate  # heavy: only here

    folder = tmp_path / "data"
    files = open_data.stage(read_package(TINY), TINY, dt.date(2026, 11, 20), folder)
    csvs = sorted(n for n in files if n.endswith(".csv"))
    assert len(csvs) == 17
    for name in csvs:
        raw = (folder / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), name
        assert not raw[3:].startswith(b"\xef\xbb\xbf"), name
        assert files[name].size == len(raw)
    # what Excel shows: the Chinese text, not mojibake
    assert "王明华" in (folder / "deputies.csv").read_bytes().decode("utf-8-sig")
    report = validate(str(folder / open_data.DESCRIPTOR))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type"])
    rows = Package(str(folder / open_data.DESCRIPTOR)).get_resource("deputies").read_rows()
    assert [r["id"] for r in rows][:2] == ["d01", "d02"]  # the BOM is not part of the first header
    descriptor = json.loads((folder / open_data.DESCRIPTOR).read_text(encoding="utf-8"))
    assert {r["encoding"] for r in descriptor["resources"]} == {"utf-8"}
