"""Pagers of split lists (pages/common.py pager_numbers): every page up to PAGER_ALL pages,
else the first, the last and two either side of the current page."""

from __future__ import annotations

import re

import pytest

from generator.pages import common
from generator.pages.common import PAGER_ALL, pager, pager_numbers


def test_a_short_listing_links_every_page():
    assert pager_numbers(1, 1) == [1]
    assert pager_numbers(PAGER_ALL, 7) == list(range(1, PAGER_ALL + 1))


@pytest.mark.parametrize(
    ("total", "current", "expected"),
    [
        (150, 1, [1, 2, 3, None, 150]),
        (150, 4, [1, 2, 3, 4, 5, 6, None, 150]),
        (150, 5, [1, None, 3, 4, 5, 6, 7, None, 150]),
        (150, 79, [1, None, 77, 78, 79, 80, 81, None, 150]),
        (150, 148, [1, None, 146, 147, 148, 149, 150]),
        (150, 150, [1, None, 148, 149, 150]),
        (PAGER_ALL + 1, 7, [1, None, 5, 6, 7, 8, 9, None, PAGER_ALL + 1]),
    ],
)
def test_a_long_listing_links_the_ends_and_the_neighbours(total, current, expected):
    assert pager_numbers(total, current) == expected


def test_the_list_pager_renders_the_numbers_it_shows():
    pages = [common.page_url("reports/2022/", i) for i in range(1, 151)]
    tpl = common.env().from_string('{% import "core_macros.html.j2" as m %}{{ m.pager(pages, current, link) }}')
    html = tpl.render(pages=pages, current=79, link=common.linker("reports/2022/79/"))
    links = re.findall(r'<a href="([^"]+)">第 (\d+) 页</a>', html)
    assert links == [
        ("../../../reports/2022/", "1"),
        ("../../../reports/2022/77/", "77"),
        ("../../../reports/2022/78/", "78"),
        ("../../../reports/2022/80/", "80"),
        ("../../../reports/2022/81/", "81"),
        ("../../../reports/2022/150/", "150"),
    ]
    assert re.findall(r'<span aria-current="page">第 (\d+) 页</span>', html) == ["79"]
    assert html.count('<span class="ds-pager__gap">…</span>') == 2


def test_the_section_pager_marks_the_gaps():
    links = pager("stations/", 1, 30, "stations/")
    assert [p.get("n") for p in links] == [1, 2, 3, None, 30]
    assert [p["gap"] for p in links] == [False, False, False, True, False]
    assert links[0]["current"] and links[1]["href"] == "2/"
    html = common.env().from_string('{% import "sec_macros.html" as s %}{{ s.pager(links) }}').render(links=links)
    assert re.findall(r">(\d+|…)<", html) == ["1", "2", "3", "…", "30"]
