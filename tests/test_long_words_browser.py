"""Long unbroken text from the data wraps on a phone (issue 17): a copy of tiny with a
300-character run without a break (or the longest the field allows) in names, occupation,
biography, station address, suggestion title and body, activity title and summary, group name.
At 360 px no page scrolls sideways and the long values are on the page."""

from __future__ import annotations

import csv
import io
import shutil

import pytest
from browser_support import TINY, browser, build_site, open_page, serve  # noqa: F401

pytestmark = pytest.mark.browser

LONG = "Wide" + "x" * 296  # 300 characters, no place to break
# (table, id, field, length): the field's maxLength in the descriptor when below 300
CELLS = [
    ("deputies", "d01", "name", 50),
    ("deputies", "d01", "occupation", 100),
    ("deputies", "d01", "biography", 300),
    ("stations", "s01", "name", 100),
    ("stations", "s01", "address", 200),
    ("suggestions", "sg01", "title", 200),
    ("suggestions", "sg01", "body", 300),
    ("activities", "a01", "title", 200),
    ("activities", "a01", "summary", 300),
    ("groups", "g01", "name", 100),
]
PAGES = [  # every page of the build that shows one of the long values (checked: it is there)
    "",
    "deputies/d01/",
    "deputies/levels/national/",
    "areas/a-town/",
    "stations/s01/",
    "stations/",
    "suggestions/sg01/",
    "suggestions/",
    "suggestions/list/2025/all/",
    "groups/g01/",
    "groups/",
    "reports/",
    "reports/r01/",
    "coverage/congress/cy09/",
    "posters/deputies/d01/",
    "posters/stations/s01/",
]


@pytest.fixture(scope="module")
def long_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("long-words") / "data"
    shutil.copytree(TINY, root)
    for table, key, column, n in CELLS:
        path = root / f"{table}.csv"
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        row = next(r for r in rows if r[0] == key)
        row[rows[0].index(column)] = LONG[:n]
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        path.write_text(buf.getvalue(), encoding="utf-8")
    site = build_site(root, root.parent / "site")
    return serve(site)


@pytest.mark.parametrize("path", PAGES)
def test_no_sideways_scroll_at_360(browser, long_site, path):  # noqa: F811
    page, log = open_page(browser, long_site + path)
    try:
        page.wait_for_load_state("load")
        assert "Widexxxxxxxxxx" in page.content()  # the long values are on the page
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        # every element stays inside the screen (a box may not hang off the right edge)
        wide = page.evaluate(
            "() => [...document.querySelectorAll('.md-content *')]"
            ".filter(e => e.getBoundingClientRect().right > 361 && !e.closest('.md-typeset__scrollwrap'))"
            ".map(e => e.tagName + '.' + e.className)"
        )
        assert wide == []
    finally:
        page.context.close()
