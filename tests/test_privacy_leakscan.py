"""tests/leakscan.py finds a value in every form a published file may hold it."""

from __future__ import annotations

import gzip
import io
import json
import zipfile

from leakscan import Hit, scan, scan_text

SECRET = "湖南省虚构县幸福路8号"


def test_finds_plain_json_escaped_gz_and_zip_members(tmp_path):
    (tmp_path / "a.html").write_text(f"<p>{SECRET}</p>", encoding="utf-8")
    (tmp_path / "clean.html").write_text("<p>无</p>", encoding="utf-8")
    (tmp_path / "search.json").write_text(json.dumps({"t": SECRET}), encoding="ascii")
    (tmp_path / "sitemap.xml.gz").write_bytes(gzip.compress(("<url/>" * 50 + SECRET * 3).encode(), mtime=0))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("deputies.csv", f"id,x\nd1,{SECRET}\n")
        z.writestr("inner.json.gz", gzip.compress(json.dumps([SECRET]).encode(), mtime=0))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "data.zip").write_bytes(buf.getvalue())
    (tmp_path / "ref.html").write_text(
        "".join(f"&#x{ord(c):x};" if ord(c) > 127 else c for c in SECRET), encoding="ascii"
    )
    hits = scan(tmp_path, [SECRET, "不存在的值"])
    assert [(h.path, h.form) for h in hits] == [
        ("a.html", "utf-8"),
        ("ref.html", "html-charref-hex"),
        ("search.json", "json-escape"),
        ("sitemap.xml.gz!gunzip", "utf-8"),
        ("sub/data.zip", "utf-8"),  # stored (not deflated) members are visible raw too
        ("sub/data.zip!deputies.csv", "utf-8"),
        ("sub/data.zip!inner.json.gz!gunzip", "json-escape"),
    ]


def test_ascii_needle_and_text():
    assert scan_text("log: XPRIV-ID-0001 seen", ["XPRIV-ID-0001"]) == [Hit("<text>", "XPRIV-ID-0001", "utf-8", 5)]
    assert scan_text("nothing here", ["XPRIV-ID-0001", ""]) == []
    assert scan_text("a%2Bb", ["a+b"]) == [Hit("<text>", "a+b", "percent", 0)]


def test_mixed_escapes_are_found(tmp_path):
    half = SECRET[:3] + "".join(f"&#{ord(c)};" for c in SECRET[3:6]) + SECRET[6:]
    (tmp_path / "m.html").write_text(half, encoding="utf-8")
    (tmp_path / "m.json").write_text('"' + SECRET[:2] + json.dumps(SECRET[2:])[1:-1] + '"', encoding="utf-8")
    assert [(h.path, h.form) for h in scan(tmp_path, [SECRET])] == [
        ("m.html", "html-unescaped"),
        ("m.json", "json-unescaped"),
    ]
