"""The directory filter script in headless Chromium, opened straight from disk (file://):
it must work without a server, match a place through the areas a constituency covers and
their ancestors, keep a live count, and leave the full list when JavaScript is off."""

from __future__ import annotations

import pytest
from browser_support import browser, built_tiny_site, open_page  # noqa: F401

pytestmark = pytest.mark.browser

ROWS = "[data-filter-list] tbody tr:visible td:first-child"


def _url(site, path: str) -> str:
    return (site / path / "index.html").resolve().as_uri()


def test_filters_on_a_level_page_from_disk(browser, built_tiny_site):
    page, log = open_page(browser, _url(built_tiny_site, "deputies/levels/county"))
    count = page.locator("[data-filter-count]")
    assert page.locator(ROWS).all_inner_texts() == ["刘芳", "张建国", "赵磊", "陈志强"]
    assert count.get_attribute("aria-live") == "polite"
    page.locator("select[data-filter=area]").select_option("a-comm1")
    assert page.locator(ROWS).all_inner_texts() == ["刘芳", "陈志强"]
    assert count.inner_text() == "显示 2 人（共 4 人）"
    # 东湖村 is in 甲镇: 张建国's district covers all of 甲镇, 赵磊's township district covers 东湖村
    page.locator("select[data-filter=area]").select_option("a-vil1")
    assert page.locator(ROWS).all_inner_texts() == ["张建国", "赵磊"]
    page.locator("select[data-filter=status]").select_option("overdue")
    assert page.locator(ROWS).all_inner_texts() == ["赵磊"]
    assert count.inner_text() == "显示 1 人（共 4 人）"
    page.locator("button[type=reset]").click()
    page.wait_for_function("document.querySelector('[data-filter-count]').textContent === '共 4 人'")
    assert len(page.locator(ROWS).all_inner_texts()) == 4
    assert log.errors == []


def test_without_javascript_the_whole_list_shows_and_the_form_stays_hidden(browser, built_tiny_site):
    page, _log = open_page(browser, _url(built_tiny_site, "areas/a-town"), javascript=False)
    assert len(page.locator(ROWS).all_inner_texts()) == 7
    assert not page.locator("form[data-filters]").is_visible()
