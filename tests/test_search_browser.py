"""Search and the directory filters (find-your-deputy: tests/test_finder_browser.py), driven
as a person would in headless Chromium at phone size (360×740) on the built tiny fixture site.
Every test also checks that the page asked no other host for anything and logged no console
error."""

from __future__ import annotations

import re

import pytest
from browser_support import assert_clean, browser, built_tiny_site, open_page, site_url  # noqa: F401

pytestmark = pytest.mark.browser

RESULTS = "#search-app [data-search-results] > li"


def result_titles(page) -> list[str]:
    return page.locator(f"{RESULTS} h3").all_inner_texts()


def test_query_from_url_shows_kind_person_date_and_highlight(browser, site_url):
    page, log = open_page(browser, site_url + "search/?q=加装电梯")
    page.wait_for_selector(RESULTS)
    # the suggestion by title; the group whose plan has the theme after it
    assert result_titles(page) == ["关于加快老旧小区加装电梯的建议", "城关五级人大代表联合小组"]
    meta = page.locator(f"{RESULTS} .ds-result__meta").first.inner_text()
    assert re.split(r"\s+", meta.strip()) == ["议案建议", "刘芳", "2025-01-10"]
    assert page.locator(f"{RESULTS} h3 mark").all_inner_texts() == ["加装电梯"]
    # the suggestion's facts, labelled (its topic is 加装电梯); the group's excerpt
    facts = page.locator(f"{RESULTS} .ds-result__facts").first.locator("li").all_inner_texts()
    assert facts == ["类别：建议", "主题：加装电梯", "承办单位：县住建局", "办理状态：已解决"]
    assert page.locator(f"{RESULTS} .ds-result__facts mark").all_inner_texts() == ["加装电梯"]
    assert page.locator(f"{RESULTS} .ds-result__excerpt mark").all_inner_texts() == ["加装电梯"]
    assert page.locator("[data-search-status]").inner_text() == "找到 2 条结果。"
    assert page.locator("#ds-sq").input_value() == "加装电梯"
    assert_clean(log)


def test_typing_searches_live_and_updates_the_address(browser, site_url):
    page, log = open_page(browser, site_url + "search/")
    page.locator("#ds-sq").press_sequentially("刘芳", delay=30)
    page.wait_for_function("document.querySelector('[data-search-status]').textContent.startsWith('找到')")
    titles = result_titles(page)
    assert titles[0] == "刘芳"
    assert page.locator(f"{RESULTS} .ds-result__kind").first.inner_text() == "代表"
    assert "q=%E5%88%98%E8%8A%B3" in page.url
    # a query with no match says so in the live region
    page.locator("#ds-sq").fill("不存在的词语")
    page.wait_for_function("document.querySelector('[data-search-status]').textContent.startsWith('没有找到')")
    assert page.locator(RESULTS).count() == 0
    assert_clean(log)


def test_middle_dot_names_and_keyboard_only_use(browser, site_url):
    page, log = open_page(browser, site_url + "search/")
    page.locator("#ds-sq").focus()
    page.keyboard.type("城关社区联络站")  # the station is 城关社区人大代表联络站: near match
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('[data-search-status]').textContent.includes('部分匹配')")
    assert result_titles(page)[0] == "城关社区人大代表联络站"
    page.keyboard.press("Tab")  # the search button, the kind filter, then the first result link
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "ds-sk"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('li') !== null")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/stations/s02/$"))
    assert_clean(log)


def test_kind_filter_and_deputy_level_and_report_status(browser, site_url):
    page, log = open_page(browser, site_url + "search/?q=城关")
    page.wait_for_function("document.querySelector('[data-search-status]').textContent.startsWith('找到')")
    options = page.locator("#ds-sk option").all_inner_texts()
    assert options[0] == "全部类别" and len(options) >= 3
    dep = next(o for o in options if o.startswith("代表（"))
    page.locator("#ds-sk").select_option(label=dep)
    page.wait_for_function("document.querySelector('[data-search-status]').textContent.includes('（代表）')")
    kinds = page.locator(f"{RESULTS} .ds-result__kind").all_inner_texts()
    assert kinds and set(kinds) == {"代表"}
    meta = page.locator(f"{RESULTS} .ds-result__meta").first.inner_text()
    assert "层级：" in meta and "报告状态：" in meta
    assert_clean(log)


def test_header_search_box_submits_to_the_search_page(browser, site_url):
    # on a wide screen the header shows the box; on a phone, a link to the search page
    page, log = open_page(browser, site_url + "groups/", viewport={"width": 1280, "height": 800})
    page.locator("#ds-hq").fill("王明华")
    page.locator("#ds-hq").press("Enter")
    page.wait_for_selector(RESULTS)
    assert page.url.endswith("search/?q=%E7%8E%8B%E6%98%8E%E5%8D%8E")
    assert result_titles(page)[0] == "王明华"
    assert_clean(log)
    phone, log2 = open_page(browser, site_url + "groups/")
    assert phone.locator("#ds-hq").is_visible() is False
    phone.locator(".ds-hsearch__link").click()
    phone.wait_for_url(re.compile(r".*/search/$"))
    assert_clean(log2)


def test_search_page_without_javascript_says_what_to_do(browser, site_url):
    page, log = open_page(browser, site_url + "search/?q=刘芳", javascript=False)
    assert "搜索需要浏览器启用 JavaScript" in page.locator("#search-app").inner_text()
    assert log.foreign() == []


def test_directory_filters(browser, site_url):
    page, log = open_page(browser, site_url + "deputies/levels/county/")
    rows = page.locator("[data-filter-list] tbody tr:visible td:first-child")
    assert rows.all_inner_texts() == ["刘芳", "张建国", "赵磊", "陈志强"]
    page.locator("select[data-filter=station]").select_option("s02")
    assert rows.all_inner_texts() == ["刘芳", "陈志强"]
    page.locator("select[data-filter=station]").select_option("")
    page.locator("select[data-filter=status]").select_option("overdue")
    assert rows.all_inner_texts() == ["赵磊"]
    page.locator("select[data-filter=status]").select_option("")
    # 东湖村: 赵磊 is elected there; 张建国's district is the whole of 甲镇 above it
    page.locator("select[data-filter=area]").select_option("a-vil1")
    assert rows.all_inner_texts() == ["张建国", "赵磊"]
    assert_clean(log)


def test_two_character_name_with_a_homophone_and_pinyin_typed_letter_by_letter(browser, site_url):
    """刘方 (方 and 芳 are both fang) finds the deputy 刘芳, labelled 可能是; pinyin typed letter by
    letter fetches nothing while typed (a key's shard per letter would be wasted) and, after
    Enter, its key's shard (wangminghua + U+0001), then the results."""
    page, log = open_page(browser, site_url + "search/")
    page.locator("#ds-sq").fill("刘方")
    page.locator("#ds-sq").press("Enter")
    page.wait_for_function("document.querySelector('[data-search-status]').textContent.includes('找到')")
    assert result_titles(page)[0] == "刘芳"
    assert page.locator(f"{RESULTS} .ds-result__match").first.inner_text() == "可能是"
    page.locator("#ds-sq").fill("")
    before = len(log.requests)
    # typed faster than the 250 ms after which the page searches by itself: only the prefetch
    # on each keystroke could fetch anything
    page.locator("#ds-sq").press_sequentially("wangminghua", delay=20)
    assert log.requests[before:] == []
    page.locator("#ds-sq").press("Enter")
    page.wait_for_function("document.querySelector('[data-search-status]').textContent.startsWith('找到')")
    assert result_titles(page)[0] == "王明华"
    manifest = next(u for u in log.requests if "/search/idx/manifest.json" in u)
    key_shard = page.evaluate(
        "u => fetch(u).then(r => r.json()).then(m => DeputySearch.fnv1a('wangminghua\\u0001') % m.pshards)", manifest
    )
    shards = [
        u.split("?")[0].rsplit("/", 2)[-2:]
        for u in log.requests[before:]
        if "/search/idx/s/" in u or "/search/idx/p/" in u
    ]
    assert shards == [["p", f"{key_shard}.bin"]]
    assert not [u for u in log.requests if "/search/idx/py/" in u]
    assert_clean(log)
