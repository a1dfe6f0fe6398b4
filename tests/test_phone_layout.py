"""Phones and wide screens (issue 14), in headless Chromium on a built site: one page of every
page type, the types taken from the built site itself (one page per path shape: ids and years
replaced, so deputies/d01/ and deputies/d07/ are one type, reports/2025/ another).

- at 360 px, normal and 大字模式: the page does not scroll sideways and no element reaches past
  the viewport, except inside Material's wrapper of a hand-written Markdown table or a code
  block, which scroll on purpose (data dictionary, guide); none of our own tables scrolls;
- below 600 px every table of ours (.ds-table, .sec-table) is a stack of cards: the header row
  is hidden, and every cell writes its column's name before its value — the name read from the
  table's own <thead> (two header rows joined by "·");
- at 1,280 px no table is clipped: its scroll container is as wide as its content;
- chart text is at least 12 CSS px at 360 px, and larger in 大字模式, and stays inside the chart.

PHONE_SITE=/path/to/built/site runs the same checks against another build (e.g. the county demo).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browser_support import browser, built_tiny_site, serve  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
LARGE = "try{localStorage.setItem('ds-reading-mode','large')}catch(e){}"


@pytest.fixture(scope="session")
def phone_site(built_tiny_site) -> Path:
    other = os.environ.get("PHONE_SITE")
    return Path(other) if other else built_tiny_site


@pytest.fixture(scope="session")
def phone_url(phone_site) -> str:
    return serve(phone_site)


def _shape(rel: str) -> str:
    return re.sub(r"\d+", "N", rel)


@pytest.fixture(scope="session")
def page_types(phone_site) -> dict[str, str]:
    """{path shape: first page of that shape}, for every HTML page of the built site."""
    out: dict[str, str] = {}
    for p in sorted(phone_site.rglob("*.html")):
        rel = p.relative_to(phone_site).as_posix()
        if rel.startswith("assets/"):
            continue
        url = rel[: -len("index.html")] if rel.endswith("index.html") else rel
        out.setdefault(_shape(rel), url)
    return out


def _ready(page) -> None:
    page.wait_for_selector("html[data-ds-a11y-ready]", state="attached")


# Elements wider than the viewport: skip the off-canvas drawer and search overlay of Material
# (hidden until opened); an element inside a container that scrolls is reported with it.
OVERFLOW_JS = r"""() => {
  const W = document.documentElement.clientWidth;
  const scroller = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return p;
    }
    return null;
  };
  const name = el => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
  const wide = new Set(), scrolls = new Set();
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.md-sidebar, .md-search, .ds-sr-only')) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    if (r.right <= W + 0.5 && r.left >= -0.5) continue;
    const s = scroller(el);
    if (s) continue;
    wide.add(name(el));
  }
  for (const el of document.querySelectorAll('.md-content *')) {
    const o = getComputedStyle(el).overflowX;
    if ((o === 'auto' || o === 'scroll') && el.scrollWidth > el.clientWidth + 1) scrolls.add(name(el));
  }
  return {sw: document.documentElement.scrollWidth, iw: innerWidth, wide: [...wide].sort(), scrolls: [...scrolls].sort()};
}"""

# Scroll on purpose: Material's wrapper of a Markdown table (no class), and code blocks (the
# staff guide's commands), whose lines must not be broken.
ALLOWED_SCROLLERS = {"div.md-typeset__scrollwrap", "code"}


@pytest.mark.parametrize("mode", ["normal", "large"])
def test_no_page_type_scrolls_sideways_at_360(browser, phone_url, page_types, mode):
    ctx = browser.new_context(viewport=PHONE, service_workers="block")
    if mode == "large":
        ctx.add_init_script(LARGE)
    bad: dict[str, object] = {}
    try:
        page = ctx.new_page()
        for url in page_types.values():
            page.goto(phone_url + url)
            _ready(page)
            r = page.evaluate(OVERFLOW_JS)
            problems = {}
            if r["sw"] > r["iw"]:
                problems["scrollWidth"] = r["sw"]
            if r["wide"]:
                problems["wider than the screen"] = r["wide"][:8]
            if set(r["scrolls"]) - ALLOWED_SCROLLERS:
                problems["scrolls sideways"] = sorted(set(r["scrolls"]) - ALLOWED_SCROLLERS)
            if problems:
                bad[url] = problems
    finally:
        ctx.close()
    assert len(page_types) >= 20  # every page type of the site, not a handful
    assert bad == {}


# For every table of ours: is it shown as cards, and does each cell's label (its ::before
# text) equal its column's header text in <thead> (colspan/rowspan resolved, levels joined
# by "·")? A row's first cell is the card's title and carries no label.
CARDS_JS = r"""() => {
  const W = document.documentElement.clientWidth;
  const out = [];
  for (const t of document.querySelectorAll('.md-content table.ds-table, .md-content table.sec-table')) {
    const res = {cls: t.className, cards: t.classList.contains('ds-cards'), problems: [], cells: 0};
    out.push(res);
    if (!res.cards) continue;
    const head = t.tHead;
    if (head && head.getBoundingClientRect().height > 1) res.problems.push('header row visible');
    // column -> header texts, top to bottom
    const cols = [];
    const grid = [];
    if (head) head.querySelectorAll('tr').forEach((tr, ri) => {
      grid[ri] = grid[ri] || [];
      let c = 0;
      for (const th of tr.children) {
        while (grid[ri][c]) c++;
        const cs = th.colSpan || 1, rs = th.rowSpan || 1;
        for (let i = 0; i < cs; i++) for (let j = 0; j < rs; j++) {
          grid[ri + j] = grid[ri + j] || [];
          grid[ri + j][c + i] = true;
          cols[c + i] = cols[c + i] || [];
          const txt = th.textContent.trim();
          if (!cols[c + i].includes(txt)) cols[c + i].push(txt);
        }
        c += cs;
      }
    });
    for (const tr of t.querySelectorAll(':scope > tbody > tr, :scope > tfoot > tr')) {
      if (tr.hidden) continue;
      let c = 0;
      for (const cell of tr.children) {
        const span = cell.colSpan || 1;
        const r = cell.getBoundingClientRect();
        if (r.width && (r.right > W + 0.5 || r.left < -0.5)) res.problems.push('cell off-screen: ' + cell.textContent.trim().slice(0, 20));
        if (c > 0 && span === 1 && cell.tagName === 'TD' && cell.textContent.trim() !== '') {
          res.cells++;
          let label = getComputedStyle(cell, '::before').content;
          label = label === 'none' || label === 'normal' ? '' : label.replace(/^"|"$/g, '');
          const want = (cols[c] || []).join('·');
          if (label !== want) res.problems.push(`column ${c + 1}: label ${JSON.stringify(label)}, header ${JSON.stringify(want)}`);
        }
        c += span;
      }
    }
  }
  return out;
}"""


def test_tables_are_labelled_cards_below_600(browser, phone_url, phone_site, page_types):
    ctx = browser.new_context(viewport=PHONE, service_workers="block")
    bad: dict[str, list] = {}
    checked: dict[str, int] = {}
    try:
        page = ctx.new_page()
        for url in page_types.values():
            page.goto(phone_url + url)
            _ready(page)
            for t in page.evaluate(CARDS_JS):
                if not t["cards"]:
                    bad.setdefault(url, []).append(f"table.{t['cls']} is not shown as cards")
                elif t["problems"]:
                    bad.setdefault(url, []).extend(t["problems"][:5])
                checked[url] = checked.get(url, 0) + t["cells"]
    finally:
        ctx.close()
    assert bad == {}
    # every page type whose HTML has a table of ours had its labelled cells checked
    with_tables = {
        url
        for url in page_types.values()
        if re.search(r'<table class="[^"]*\b(ds|sec)-table\b', _html(phone_site, url))
    }
    assert with_tables and {u for u in with_tables if not checked.get(u)} == set()


def _html(site: Path, url: str) -> str:
    p = site / url if url.endswith(".html") else site / url / "index.html"
    return p.read_text(encoding="utf-8")


CLIP_JS = r"""() => {
  const out = [];
  const content = document.querySelector('.md-content').getBoundingClientRect();
  for (const t of document.querySelectorAll('.md-content table')) {
    let box = t.parentElement;
    while (box && getComputedStyle(box).overflowX === 'visible' && box !== document.body) box = box.parentElement;
    if (box && box !== document.body && box.scrollWidth > box.clientWidth + 1)
      out.push(`${t.className || 'table'}: ${box.scrollWidth} px of table in a ${box.clientWidth} px box`);
    const r = t.getBoundingClientRect();
    if (r.right > content.right + 1) out.push(`${t.className || 'table'} reaches ${Math.round(r.right)} px, content ends at ${Math.round(content.right)} px`);
  }
  return out;
}"""


def test_no_table_clipped_at_1280(browser, phone_url, page_types):
    ctx = browser.new_context(viewport=DESKTOP, service_workers="block")
    bad: dict[str, list] = {}
    n = 0
    try:
        page = ctx.new_page()
        for url in page_types.values():
            page.goto(phone_url + url)
            _ready(page)
            n += page.evaluate("document.querySelectorAll('.md-content table').length")
            if found := page.evaluate(CLIP_JS):
                bad[url] = found
    finally:
        ctx.close()
    assert n > len(page_types)  # the site does have tables to check
    assert bad == {}


# Rendered size of every visible chart text: its font size in user units times the SVG's scale,
# and whether its box stays inside the chart.
CHART_JS = r"""() => {
  const out = [];
  for (const svg of document.querySelectorAll('svg.sec-chart')) {
    const box = svg.getBoundingClientRect();
    const scale = svg.getScreenCTM().a;
    for (const t of svg.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      if (!r.width) continue;
      const px = parseFloat(getComputedStyle(t).fontSize) * scale;
      const inside = r.left >= box.left - 0.5 && r.right <= box.right + 0.5;
      out.push([svg.id, t.textContent, Math.round(px * 10) / 10, inside]);
    }
  }
  return out;
}"""


def _chart_texts(browser, url: str, large: bool) -> list:
    ctx = browser.new_context(viewport=PHONE, service_workers="block")
    if large:
        ctx.add_init_script(LARGE)
    try:
        page = ctx.new_page()
        page.goto(url)
        _ready(page)
        return page.evaluate(CHART_JS)
    finally:
        ctx.close()


def test_chart_text_at_least_12px_on_a_phone_and_larger_in_reading_mode(browser, phone_url, phone_site, page_types):
    with_charts = [u for u in page_types.values() if 'class="sec-chart"' in _html(phone_site, u)]
    assert with_charts  # the site draws charts (coverage, groups, stations)
    for url in with_charts:
        normal = _chart_texts(browser, phone_url + url, large=False)
        large = _chart_texts(browser, phone_url + url, large=True)
        n_charts = _html(phone_site, url).count('class="sec-chart"')
        assert len({t[0] for t in normal}) == n_charts, url
        assert [t for t in normal if t[2] < 12] == [], url
        assert [t for t in normal + large if not t[3]] == [], url  # no text cut at the chart's edge
        assert [t[1] for t in large] == [t[1] for t in normal], url
        assert min(t[2] for t in large) >= min(t[2] for t in normal) + 2, url
