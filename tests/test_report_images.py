"""Report body images (issue 17): one convention (`![说明](images/<file>)`, the file in the
package's reports/images/), checked by the validator with located errors, shown by the report
page, published without metadata; a draft's image is not published."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import zipfile
from pathlib import Path
from urllib.parse import urljoin

import pytest
from PIL import Image, ImageOps

from generator.pages import urls
from generator.pipeline.prepare import without_own_title
from generator.sanitize import markdown_to_safe_html, report_image_name, report_images_in
from generator.validate import validate_package
from tests.browser_support import build_site
from tests.fixtures.make_bad import materialize

AS_OF = dt.date(2026, 11, 20)
TINY = Path(__file__).parent / "fixtures" / "tiny"
IMAGE_CODES = {"body-image-path", "body-image-missing", "body-image-invalid", "body-unsafe-link"}
MARKERS = (b"Exif", b"DEMO-", b"xmpmeta", b"ICC_PROFILE")  # as in tests/test_deputy_page.py


@pytest.mark.parametrize(
    "src, name",
    [
        ("images/visit.jpg", "visit.jpg"),
        ("images/a-1_b.webp", "a-1_b.webp"),
        ("images/x.PNG", None),  # the suffix in lower case, as photos
        ("images/sub/x.jpg", None),
        ("images/../x.jpg", None),
        ("reports/images/x.jpg", None),
        ("./images/x.jpg", None),
        ("images/.x.jpg", None),
        ("images/x.gif", None),
        ("https://example.org/images/x.jpg", None),
    ],
)
def test_convention(src, name):
    assert report_image_name(src) == name
    assert urls.report_body_image(src) == (f"../../report-images/{name}" if name else None)


def test_images_named_in_a_text():
    text = "![a](images/b.png) [链接](images/c.jpg)\n![x](otherimages/d.jpg) images/e.webp。"
    assert report_images_in(text) == ["b.png", "c.jpg", "e.webp"]


def _append(body: Path, text: str) -> int:
    """Append `text` (one line) to a body; its line number."""
    old = body.read_text(encoding="utf-8")
    body.write_text(old.rstrip("\n") + "\n\n" + text + "\n", encoding="utf-8")
    return len(old.rstrip("\n").split("\n")) + 2


def _package(tmp_path: Path) -> Path:
    root = materialize("control-character", tmp_path / "pkg")
    # the control-character fixture's one defect repaired: a package the validator accepts
    shutil.copyfile(TINY / "deputies.csv", root / "deputies.csv")
    (root / "reports" / "images").mkdir()
    shutil.copyfile(TINY / "photos" / "d01.jpg", root / "reports" / "images" / "visit.jpg")  # EXIF, GPS, XMP, ICC
    return root


def test_validator_locates_every_bad_image(tmp_path):
    root = _package(tmp_path)
    (root / "reports" / "images" / "notes.png").write_text("not a picture", encoding="utf-8")
    Image.new("L", (1, 1)).save(root / "reports" / "images" / "tiny.png")
    body = root / "reports" / "r02.md"
    ok = _append(body, "![走访](images/visit.jpg)")
    missing = _append(body, "![图](images/nothere.jpg)")
    wrong = _append(body, "![图](photos/d01.jpg)")
    deep = _append(body, "![图](images/sub/x.jpg)")
    broken = _append(body, "![图](images/notes.png) ![图](images/tiny.png)")
    fenced = _append(body, "```\n![图](images/in-code.jpg)\n```")
    problems = validate_package(root, as_of=AS_OF)
    got = [(p.file, p.row, p.code) for p in problems if p.code in IMAGE_CODES]
    assert ok and fenced
    assert got == [
        ("reports/r02.md", missing, "body-image-missing"),
        ("reports/r02.md", wrong, "body-image-path"),
        ("reports/r02.md", deep, "body-image-path"),
        ("reports/r02.md", broken, "body-image-invalid"),
    ]
    by_code = {}
    for p in problems:
        by_code.setdefault(p.code, p)  # the first of each code
    assert by_code["body-image-missing"].message_zh == "找不到报告中的图片文件 reports/images/nothere.jpg"
    assert by_code["body-image-invalid"].message_en == (
        "the image reports/images/notes.png is not a readable JPEG, PNG or WebP image"
    )
    assert by_code["body-image-path"].message_zh.startswith("图片 “photos/d01.jpg” 不会显示：")


@pytest.fixture(scope="module")
def image_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report-images")
    root = _package(tmp)
    _append(root / "reports" / "r02.md", "![走访选民](images/visit.jpg)")
    # a draft's body mentions another image: never published
    rows = list(csv.reader(io.StringIO((root / "reports.csv").read_text(encoding="utf-8"))))
    drafts = [r for r in rows[1:] if r[rows[0].index("state")] != "published"]
    assert drafts, "tiny has a draft report"
    draft_body = root / drafts[0][rows[0].index("body")]
    shutil.copyfile(TINY / "photos" / "d01.jpg", root / "reports" / "images" / "draft.jpg")
    _append(draft_body, "![草稿](images/draft.jpg)")
    assert [p for p in validate_package(root, as_of=AS_OF) if p.severity == "error"] == []
    return root, build_site(root, tmp / "site")


def test_report_page_shows_the_image(image_site):
    root, site = image_site
    html = (site / "reports" / "r02" / "index.html").read_text(encoding="utf-8")
    img = '<img alt="走访选民" src="../../report-images/visit.jpg">'
    assert img in html
    # the page's URL reports/r02/ and that src lead to the published file
    assert urljoin("https://x.test/reports/r02/", "../../report-images/visit.jpg") == (
        "https://x.test/report-images/visit.jpg"
    )
    assert (site / "report-images" / "visit.jpg").is_file()
    # what the page would make itself is what the worker made ahead (pipeline/prepare.make_bodies)
    text = without_own_title((root / "reports" / "r02.md").read_text(encoding="utf-8"), "")
    assert img in markdown_to_safe_html(text, image_url=urls.report_body_image)


def test_published_image_has_no_metadata_and_drafts_stay_out(image_site):
    root, site = image_site
    src = (root / "reports" / "images" / "visit.jpg").read_bytes()
    assert all(m in src for m in MARKERS), "the source carries the metadata that must go"
    with Image.open(io.BytesIO(src)) as im:
        assert im.getexif().get_ifd(0x8825), "the source has a GPS position"
        assert {"exif", "xmp", "icc_profile", "comment"} <= set(im.info)
    out = (site / "report-images" / "visit.jpg").read_bytes()
    assert [m for m in MARKERS if m in out] == []
    with Image.open(site / "report-images" / "visit.jpg") as im, Image.open(root / "reports/images/visit.jpg") as orig:
        assert im.format == "JPEG"
        assert im.size == ImageOps.exif_transpose(orig).size  # upright, full size
    assert sorted(p.name for p in (site / "report-images").iterdir()) == ["visit.jpg"]


def test_open_data_carries_the_images_of_published_bodies(image_site):
    """The open data's reports/<id>.md keep images/<file>, which resolves to reports/images/<file>
    there too; stripped like the photos; a draft's image stays out."""
    root, site = image_site
    folder = site / "data" / "reports" / "images"
    assert sorted(p.name for p in folder.iterdir()) == ["visit.jpg"]
    out = (folder / "visit.jpg").read_bytes()
    assert [m for m in MARKERS if m in out] == []
    with zipfile.ZipFile(site / "data" / "datapackage.zip") as zf:
        names = zf.namelist()
        assert "reports/images/visit.jpg" in names and "reports/images/draft.jpg" not in names
        assert zf.read("reports/images/visit.jpg") == out
