"""Issue 14, every deputy page: the photo (resized, every metadata segment stripped), the 怎样联系
box (station, address, hours, next reception day, tel: link to the station's office phone, no
private field), the as-of date beside each report status, breadcrumbs, one section per topic,
labels that match their values, the per-deputy Atom feed and the head's feed link and Open
Graph tags; and the validator's photo codes.

Expectations come from the tiny fixture's CSV rows (tests/fixtures/tiny), read here directly.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
import shutil
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from urllib.parse import urljoin

import pytest
from PIL import Image

from generator.options import Options
from generator.outputs.photos import MAX_BYTES, MAX_SIZE
from generator.pages.deputies import tel_target
from generator.pages.reception import next_day
from generator.pipeline.run import command
from generator.validate import validate_package
from generator.validate.photo_checks import MAX_PIXELS

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
from make_bad import png_header  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"
AS_OF = dt.date(2026, 11, 20)  # a Friday
AS_OF_ZH = "（截至2026年11月20日）"
A = "{http://www.w3.org/2005/Atom}"


def rows(table: str) -> list[dict]:
    with (TINY / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _date(s: str) -> dt.date | None:
    return dt.date.fromisoformat(s) if s else None


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("deputy") / "site"
    assert command(Options(data_dir=TINY, out=out, as_of=AS_OF)) == 0
    return out


def page(site: Path, deputy_id: str) -> str:
    return (site / "deputies" / deputy_id / "index.html").read_text(encoding="utf-8")


def article(text: str) -> str:
    m = re.search(r'<article class="md-content__inner md-typeset">(.*?)</article>', text, re.S)
    assert m
    return m.group(1)


def visible(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def resolve(site: Path, page_url: str, href: str) -> Path:
    """The file a relative link on the page at `page_url` (a site-root directory URL) points to."""
    target = urljoin("http://x/" + page_url, href).removeprefix("http://x/").split("#")[0]
    p = site / target
    return p / "index.html" if target.endswith("/") or target == "" else p


# -- next reception day -------------------------------------------------------------------


@pytest.mark.parametrize(
    "hours, expected",
    [
        # the forms of data/stations.csv, from Friday 20 November 2026
        ("每周一至周五 8:30-12:00、14:30-17:30", dt.date(2026, 11, 20)),  # today is a weekday
        ("每周三 9:00-12:00", dt.date(2026, 11, 25)),
        ("每月10日、25日 9:00-12:00", dt.date(2026, 11, 25)),  # "9:00" is not a 9th
        ("每月第一、三周周四全天", dt.date(2026, 12, 3)),  # the third Thursday of November was the 19th
        ("每月逢5日 9:00-11:30", dt.date(2026, 11, 25)),  # 5th, 15th, 25th
        ("每月15日全天", dt.date(2026, 12, 15)),
        ("每月最后一个周五", dt.date(2026, 11, 27)),
        ("每周一、三、五上午", dt.date(2026, 11, 20)),
        ("每周六", dt.date(2026, 11, 21)),
        ("预约接待", None),  # not understood: the page says to telephone instead of guessing
        ("", None),
        (None, None),
    ],
)
def test_next_reception_day(hours, expected):
    assert next_day(hours, AS_OF) == expected


@pytest.mark.parametrize(
    "phone, target",
    [
        ("0730-1234567", "0730-1234567"),
        ("+86 730 1234567", "+867301234567"),
        ("0730-1234567 转 8", ""),  # shown as text, not a link
        ("0730-1234567、0730-7654321", ""),
        ("javascript:alert(1)", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_tel_links_only_for_plain_numbers(phone, target):
    assert tel_target(phone) == target


# -- the published photo ------------------------------------------------------------------


def _segments(jpeg: bytes) -> list[int]:
    """The JPEG's marker segments before the image data (SOS), by marker byte."""
    assert jpeg[:2] == b"\xff\xd8"
    out, i = [], 2
    while i < len(jpeg):
        assert jpeg[i] == 0xFF
        marker = jpeg[i + 1]
        out.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        i += 2 + int.from_bytes(jpeg[i + 2 : i + 4], "big")
    return out


def test_photo_is_published_small_upright_and_without_metadata(site):
    with_photo = {r["id"]: r["image"] for r in rows("deputies") if r["image"]}
    assert with_photo == {"d01": "photos/d01.jpg"}
    assert sorted(p.name for p in (site / "photos").iterdir()) == ["d01.jpg"]
    src = (TINY / with_photo["d01"]).read_bytes()
    out = (site / "photos" / "d01.jpg").read_bytes()
    # the source really carries what must go: EXIF with GPS, XMP, ICC, comment; stored sideways
    with Image.open(io.BytesIO(src)) as im:
        assert im.getexif().get_ifd(0x8825), "the fixture's photo has GPS"
        assert {"exif", "xmp", "icc_profile", "comment"} <= set(im.info)
        assert im.getexif()[0x0112] == 6 and im.width > im.height
        src_w, src_h = im.size
    assert len(out) < MAX_BYTES and len(out) < len(src)
    with Image.open(io.BytesIO(out)) as im:
        assert im.format == "JPEG"
        assert im.width <= MAX_SIZE[0] and im.height <= MAX_SIZE[1]
        assert (im.width, im.height) == (480, round(480 * src_w / src_h))  # upright: turned by EXIF
        assert not im.getexif()
        assert set(im.info) <= {
            "jfif",
            "jfif_version",
            "jfif_unit",
            "jfif_density",
            "dpi",
            "progressive",
            "progression",
        }
    # no APPn segment but JFIF's APP0, no comment: no EXIF (APP1), XMP (APP1), ICC (APP2), IPTC (APP13)
    segs = _segments(out)
    assert [m for m in segs if 0xE1 <= m <= 0xEF or m == 0xFE] == []
    for marker in (b"Exif", b"GPS", b"DEMO-", b"xmpmeta", b"ICC_PROFILE", b"http://ns.adobe.com"):
        assert marker not in out


def test_open_data_photo_keeps_its_size_and_loses_its_metadata(site):
    """The open data publishes the photo at full size (data/photos/… and in the zip), upright,
    but re-encoded from the pixels: the GPS position of the phone that took it is not published."""
    with zipfile.ZipFile(site / "data" / "datapackage.zip") as z:
        zipped = z.read("photos/d01.jpg")
    published = (site / "data" / "photos" / "d01.jpg").read_bytes()
    assert zipped == published
    with Image.open(io.BytesIO((TINY / "photos" / "d01.jpg").read_bytes())) as im:
        stored = im.size
    with Image.open(io.BytesIO(published)) as im:
        assert im.format == "JPEG" and im.size == (stored[1], stored[0])  # turned upright
        assert not im.getexif()
    assert [m for m in _segments(published) if 0xE1 <= m <= 0xEF or m == 0xFE] == []
    for marker in (b"Exif", b"GPS", b"DEMO-", b"xmpmeta", b"ICC_PROFILE"):
        assert marker not in published


def test_page_shows_the_photo_only_when_there_is_one(site):
    for r in rows("deputies"):
        body = article(page(site, r["id"]))
        imgs = re.findall(r'<img class="ds-photo" src="([^"]+)" alt="([^"]+)"', body)
        if r["image"]:
            assert imgs == [("../../photos/d01.jpg", f"{r['name']}的照片")]
            assert resolve(site, f"deputies/{r['id']}/", imgs[0][0]).is_file()
        else:
            assert imgs == []


# -- 怎样联系 ---------------------------------------------------------------------------------


def _contact_box(body: str) -> str:
    m = re.search(r'<section class="ds-card ds-contact"[^>]*>(.*?)</section>', body, re.S)
    assert m
    return m.group(1)


def test_contact_box_lists_current_stations_with_tel_links_and_nothing_private(site):
    stations = {r["id"]: r for r in rows("stations")}
    private = [r[k] for r in rows("deputies") for k in ("id_card_number", "personal_phone", "home_address")]
    members = rows("station_members")
    for d in rows("deputies"):
        box = _contact_box(article(page(site, d["id"])))
        current = [
            stations[m["station_id"]]
            for m in members
            if m["deputy_id"] == d["id"]
            and _date(m["start_date"]) <= AS_OF
            and (not m["end_date"] or _date(m["end_date"]) >= AS_OF)
        ]
        assert re.findall(r'<h3><a href="[^"]+">([^<]+)</a></h3>', box) == [s["name"] for s in current]
        # tel: links are the stations' office phones, nothing else
        assert re.findall(r'href="tel:([^"]+)"', box) == [s["office_phone"] for s in current]
        text = visible(box)
        for s in current:
            assert f"地址 {s['address']}" in text
            assert f"接待时间 {s['opening_hours']}" in text
            nd = next_day(s["opening_hours"], AS_OF)
            wd = "一二三四五六日"[nd.weekday()]
            assert f"下次接待日 {nd.year}年{nd.month}月{nd.day}日（星期{wd}）" in text
        if not current:
            assert "目前未登记进联络站" in text
        for value in private:
            assert value not in page(site, d["id"])


# -- breadcrumbs, sections, labels, as-of ----------------------------------------------------


def test_breadcrumbs(site):
    for d in rows("deputies"):
        body = article(page(site, d["id"]))
        m = re.search(r'<nav class="ds-crumbs" aria-label="面包屑">\s*<ol>(.*?)</ol>\s*</nav>', body, re.S)
        assert m, d["id"]
        items = re.findall(r"<li[^>]*>(.*?)</li>", m.group(1), re.S)
        assert visible(items[0]) == "首页" and 'href="../../"' in items[0]
        assert visible(items[1]) == "代表" and 'href="../../deputies/"' in items[1]
        assert items[-1] == d["name"] and '<li aria-current="page">' in m.group(1)
        for item in items[:-1]:
            href = re.search(r'href="([^"]+)"', item).group(1)
            assert resolve(site, f"deputies/{d['id']}/", href).is_file()
    # d07 is a county and a township deputy: the crumb is the place of the most local mandate
    items = re.findall(r"<li[^>]*>(.*?)</li>", article(page(site, "d07")))
    assert visible(items[2]) == "甲镇"


def test_one_section_per_topic_and_labels_match_values(site):
    mandates = rows("mandates")
    for d in rows("deputies"):
        body = article(page(site, d["id"]))
        h2 = [visible(h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", body, re.S)]
        assert h2 == ["怎样联系", "报告履职情况", "代表小组", "议案建议", "联系群众", "代表资格"]
        assert visible(body).count("报告履职情况") == 1
        shown = re.findall(r"<dt>当选情况</dt><dd>([^<]+)</dd>", body)
        want = [
            "连任代表" if m["re_elected"] == "true" else "新当选代表" for m in mandates if m["deputy_id"] == d["id"]
        ]
        assert sorted(shown) == sorted(want)
        assert "<dt>连任</dt>" not in body


def test_every_report_status_has_its_as_of_date(site):
    for d in rows("deputies"):
        body = article(page(site, d["id"]))
        statuses = re.findall(
            r'<span class="ds-status ds-status--(\w+)">(?:<span[^>]*>[^<]*</span>)?[^<]*</span>(.{0,60})', body, re.S
        )
        assert statuses
        for code, after in statuses:
            if code != "not_required":
                assert after.startswith(f'<span class="ds-asof">{AS_OF_ZH}</span>'), (d["id"], code)


def test_head_announces_the_feed_and_open_graph(site):
    for d in rows("deputies"):
        text = page(site, d["id"])
        head = text.split("</head>")[0]
        links = re.findall(
            r'<link rel="alternate feed" type="application/atom\+xml" title="([^"]+)" href="([^"]+)">', head
        )
        assert links == [(f"{d['name']}代表的履职动态", f"../../deputies/{d['id']}/feed.xml")]
        assert resolve(site, f"deputies/{d['id']}/", links[0][1]).is_file()
        og = dict(re.findall(r'<meta property="og:(\w+)" content="([^"]*)">', head))
        assert og["title"].startswith(d["name"]) and og["type"] == "profile"
        assert og["description"].startswith(f"{d['name']}，") and "人大代表" in og["description"]
        assert ("image" in og) == bool(d["image"])


# -- the per-deputy Atom feed -------------------------------------------------------------


def _expected_entries(deputy_id: str) -> tuple[set[str], set[str]]:
    """(report ids, suggestion ids) the deputy's feed must hold, from the CSVs."""
    reports = {r["id"] for r in rows("reports") if r["deputy_id"] == deputy_id and r["state"] == "published"}
    sugg = {s["id"] for s in rows("suggestions") if s["lead_deputy_id"] == deputy_id}
    sugg |= {c["suggestion_id"] for c in rows("suggestion_cosigners") if c["deputy_id"] == deputy_id}
    return reports, sugg


def test_every_deputy_feed_is_atom_with_entries_from_the_rows(site):
    for d in rows("deputies"):
        here = f"deputies/{d['id']}/feed.xml"
        root = ET.parse(site / here).getroot()
        assert root.tag == f"{A}feed"
        for tag in ("id", "title", "updated"):
            assert (root.findtext(f"{A}{tag}") or "").strip(), tag
        assert root.findtext(f"{A}title") == f"{d['name']}代表的履职动态"
        assert {x.get("rel") for x in root.findall(f"{A}link")} == {"self", "alternate"}
        assert root.find(f"{A}author/{A}name").text == d["name"]
        reports, sugg = set(), set()
        ids = [e.findtext(f"{A}id") for e in root.findall(f"{A}entry")]
        assert len(set(ids)) == len(ids) and all(i.startswith("urn:uuid:") for i in ids)
        for e in root.findall(f"{A}entry"):
            assert e.findtext(f"{A}title").strip()
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00\+08:00", e.findtext(f"{A}updated"))
            href = e.find(f"{A}link").get("href")
            assert resolve(site, here, href).is_file(), href
            target = urljoin("http://x/" + here, href).removeprefix("http://x/")
            if m := re.fullmatch(r"reports/(\w+)/", target):
                reports.add(m.group(1))
            elif m := re.fullmatch(r"suggestions/(\w+)/", target):
                sugg.add(m.group(1))
            else:
                assert re.fullmatch(rf"deputies/{d['id']}/#m-m\d+", target), target
        assert (reports, sugg) == _expected_entries(d["id"])
        # newest first; the feed's updated is its newest entry
        dates = [e.findtext(f"{A}updated") for e in root.findall(f"{A}entry")]
        assert dates == sorted(dates, reverse=True)
        if dates:
            assert root.findtext(f"{A}updated") == dates[0]


def test_feed_status_changes_follow_the_schedule(site):
    """d07's county mandate m08 (other deputy: years 3-4, no report) is overdue since the day
    after its fourth term year; d01's m02 was reported on 2022-03-15 (r01)."""
    congresses = {c["id"]: c for c in rows("congresses")}
    m08 = next(m for m in rows("mandates") if m["id"] == "m08")
    start = _date(congresses[m08["congress_id"]]["start_date"])
    overdue_day = start.replace(year=start.year + 4)
    root = ET.parse(site / "deputies/d07/feed.xml").getroot()
    by_link = {
        (e.find(f"{A}link").get("href"), e.findtext(f"{A}updated")[:10]): e.findtext(f"{A}title")
        for e in root.findall(f"{A}entry")
    }
    assert by_link[("./#m-m08", overdue_day.isoformat())].endswith("逾期未报告")
    root = ET.parse(site / "deputies/d01/feed.xml").getroot()
    titles = {e.findtext(f"{A}updated")[:10]: e.findtext(f"{A}title") for e in root.findall(f"{A}entry")}
    assert "已报告履职" in titles["2022-03-15"] or "报告履职情况" in titles["2022-03-15"]
    reported = [e for e in root.findall(f"{A}entry") if e.findtext(f"{A}title").endswith("已报告履职")]
    assert [e.findtext(f"{A}updated")[:10] for e in reported] == ["2022-03-15"]


def test_feed_escapes_what_people_wrote(tmp_path):
    pkg = tmp_path / "pkg"
    shutil.copytree(TINY, pkg)
    p = pkg / "suggestions.csv"
    p.write_text(
        p.read_text(encoding="utf-8").replace(
            "关于增设农村饮水设施的建议", "关于<script>alert(1)</script>&饮水]]>的建议"
        ),
        encoding="utf-8",
    )
    out = tmp_path / "site"
    assert command(Options(data_dir=pkg, out=out, as_of=AS_OF)) == 0
    raw = (out / "deputies/d07/feed.xml").read_text(encoding="utf-8")
    assert "<script>" not in raw and "&lt;script&gt;" in raw
    root = ET.fromstring(raw.encode("utf-8"))
    titles = [e.findtext(f"{A}title") for e in root.findall(f"{A}entry")]
    assert "领衔提出：关于<script>alert(1)</script>&饮水]]>的建议" in titles


# -- validating photos --------------------------------------------------------------------


def _pkg_with_photo(tmp_path: Path, data: bytes | None, image: str = "photos/d01.jpg") -> Path:
    pkg = tmp_path / "pkg"
    shutil.copytree(TINY, pkg)
    if data is None:
        (pkg / "photos" / "d01.jpg").unlink()
    else:
        (pkg / "photos" / "d01.jpg").write_bytes(data)
    if image != "photos/d01.jpg":
        p = pkg / "deputies.csv"
        p.write_text(p.read_text(encoding="utf-8").replace(",photos/d01.jpg,", f",{image},", 1), encoding="utf-8")
    return pkg


def _photo_problems(pkg: Path) -> list[tuple]:
    return [
        (p.file, p.row, p.field, p.code, p.severity, p.message_zh, p.message_en)
        for p in validate_package(pkg, AS_OF)
        if p.field == "image"
    ]


def test_photo_problems_are_exact(tmp_path):
    assert _photo_problems(TINY) == []
    assert _photo_problems(_pkg_with_photo(tmp_path / "a", None)) == [
        (
            "deputies.csv",
            2,
            "image",
            "photo-missing",
            "error",
            "找不到照片文件 “photos/d01.jpg”",
            "the photo file “photos/d01.jpg” does not exist",
        )
    ]
    assert _photo_problems(_pkg_with_photo(tmp_path / "b", b"GIF89a not really")) == [
        (
            "deputies.csv",
            2,
            "image",
            "photo-not-image",
            "error",
            "照片文件 “photos/d01.jpg” 无法作为 JPEG、PNG 或 WebP 图片读取（可能不是图片，或文件不完整）",
            "the photo file “photos/d01.jpg” cannot be read as a JPEG, PNG or WebP image (not an image, or incomplete)",
        )
    ]
    # a truncated JPEG: the header is fine, the pixels are not all there
    src = (TINY / "photos" / "d01.jpg").read_bytes()
    assert [p[3] for p in _photo_problems(_pkg_with_photo(tmp_path / "c", src[: len(src) // 2]))] == ["photo-not-image"]
    w, h = 8000, 6000
    assert w * h > MAX_PIXELS
    assert _photo_problems(_pkg_with_photo(tmp_path / "d", png_header(w, h))) == [
        (
            "deputies.csv",
            2,
            "image",
            "photo-too-large",
            "error",
            f"照片文件 “photos/d01.jpg” 有 8000×6000 像素，超过 {MAX_PIXELS:,} 像素的上限，不会被打开",
            f"the photo file “photos/d01.jpg” has 8000×6000 pixels, more than the limit of {MAX_PIXELS:,}; it is not opened",
        )
    ]
    # far beyond Pillow's own bomb limit: still a Problem, never a traceback
    assert [p[3] for p in _photo_problems(_pkg_with_photo(tmp_path / "e", png_header(100_000, 100_000)))] == [
        "photo-too-large"
    ]
    # a path out of the package: refused by the pattern, never opened or looked up
    assert [p[3] for p in _photo_problems(_pkg_with_photo(tmp_path / "f", src, "../../etc/passwd.jpg"))] == [
        "pattern-mismatch"
    ]
