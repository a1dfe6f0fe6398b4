"""Readable by everyone (issue 8), checked in headless Chromium on the built tiny fixture site:

- axe-core (npm, pinned in tests/package.json, installed by the `axe_js` fixture) finds no
  serious or critical violation on any page type, at phone (360x740) and desktop size;
- no page type scrolls sideways at 360 px, normal and 大字模式 (screenshots of each page type
  go to test-artifacts/screenshots/);
- line-height >= 1.3 x font-size for all text; tap targets >= 24 px (>= 44 px in 大字模式);
- the reading mode switch is on every page, persists, and is applied before first paint;
- keyboard: Tab reaches the search box, the finder and the reading-mode switch, focus is visible;
- charts have role=img + title/desc + a data table; statuses carry words; images have alt;
- a report prints on A4 with its print header and without nav, search or footer;
- every page type weighs under 200 KB transferred on first load (gzip, as any web server sends).

A11Y_SITE=/path/to/built/site runs the same checks against another build (e.g. the county demo).
"""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from browser_support import ROOT, browser, built_tiny_site, open_page, serve  # noqa: F401

pytestmark = pytest.mark.browser

TESTS = ROOT / "tests"
AXE = TESTS / "node_modules/axe-core/axe.min.js"
SHOTS = ROOT / "test-artifacts/screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
BUDGET = 200 * 1000  # bytes transferred on first load, per page
ORDER = [
    "home",
    "directory",
    "area",
    "deputy",
    "report",
    "report_index",
    "group",
    "group_index",
    "station",
    "poster",
    "suggestion",
    "suggestion_index",
    "coverage",
    "opendata",
    "methodology",
    "search",
    "dictionary",
    "guide",
    "404",
]


def _ci() -> bool:
    return os.environ.get("CI") == "true"


def _unavailable(msg: str):
    if _ci():
        pytest.fail(msg)
    pytest.skip(msg)


# ---- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def axe_js() -> str:
    """axe-core from the npm registry, installed once into tests/node_modules (npm ci)."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if not npm:
            _unavailable("npm not found: install Node.js (apt-get install npm) to run the axe-core audit")
        cmd = [npm, "ci" if (TESTS / "package-lock.json").exists() else "install", "--no-audit", "--no-fund"]
        r = subprocess.run(cmd, cwd=TESTS, capture_output=True, text=True, timeout=300)
        if r.returncode != 0 or not AXE.exists():
            _unavailable(f"`{' '.join(cmd)}` in tests/ failed: {r.stderr[-500:]}")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def a11y_site(built_tiny_site) -> Path:
    other = os.environ.get("A11Y_SITE")
    return Path(other) if other else built_tiny_site


@pytest.fixture(scope="session")
def a11y_url(a11y_site) -> str:
    return serve(a11y_site)


ID = r"[a-z]+\d+"  # a record page (d01, st001, …), not a year or a list folder


def _first(site: Path, folder: str, pattern: str) -> str:
    for p in sorted((site / folder).iterdir()):
        if p.is_dir() and re.fullmatch(pattern, p.name) and (p / "index.html").exists():
            return f"{folder}/{p.name}/"
    raise AssertionError(f"no page {folder}/{pattern} in {site}")


@pytest.fixture(scope="session")
def pages(a11y_site) -> dict[str, str]:
    """One page of each type (the first by id), as URLs relative to the site root."""
    s = a11y_site
    return {
        "home": "",
        "directory": "deputies/",
        "area": _first(s, "areas", r".+"),
        "deputy": _first(s, "deputies", ID),
        "report": _first(s, "reports", ID),
        "report_index": "reports/",
        "group": _first(s, "groups", ID),
        "group_index": "groups/",
        "station": _first(s, "stations", ID),
        "poster": _first(s, "posters/deputies", ID),
        "suggestion": _first(s, "suggestions", ID),
        "suggestion_index": "suggestions/",
        "coverage": "coverage/",
        "opendata": "data/",
        "methodology": "methodology/",
        "search": "search/",
        "dictionary": "data-dictionary/",
        "guide": "guide/",
        "404": "404.html",
    }


def _ready(page) -> None:
    # reading-mode.js marks <html> once Material has wrapped tables and scroll regions are named
    page.wait_for_selector("html[data-ds-a11y-ready]", state="attached")
    # and the page is at rest: axe measures colours as they are drawn, and Material fades the
    # tabs in (opacity transitions); measured mid-fade on a busy machine a tab read 4.19:1
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")


def _open(browser, url: str, viewport: dict, *, large: bool = False):
    ctx = browser.new_context(viewport=viewport, service_workers="block")
    if large:
        ctx.add_init_script("try{localStorage.setItem('ds-reading-mode','large')}catch(e){}")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # no pop-ups: no alert/confirm dialog, no new window
    page.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
    ctx.on("page", lambda p: errors.append(f"popup: {p.url}"))
    page.goto(url)
    _ready(page)
    return ctx, page, errors


# ---- axe-core ------------------------------------------------------------------------------

AXE_RESULTS: dict[tuple[str, str], list[tuple[str, str, int]]] = {}


def _axe(page, axe_js: str) -> list[dict]:
    page.add_script_tag(content=axe_js)
    res = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return res["violations"]


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("kind", ORDER)
def test_axe_no_serious_or_critical_violations(browser, a11y_url, pages, axe_js, kind, size):
    ctx, page, errors = _open(browser, a11y_url + pages[kind], PHONE if size == "phone" else DESKTOP)
    try:
        violations = _axe(page, axe_js)
    finally:
        ctx.close()
    found = [(v["id"], v["impact"], len(v["nodes"])) for v in violations]
    AXE_RESULTS[(kind, size)] = found
    print(f"axe {kind:17} {size:7} {found or 'no violations'}")
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5], v["nodes"][0]["failureSummary"])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == []
    assert errors == []


@pytest.mark.parametrize(
    "kind,size",
    [
        ("home", "phone"),
        ("deputy", "phone"),
        ("report", "phone"),
        ("coverage", "phone"),
        ("dictionary", "phone"),
        ("home", "desktop"),
        ("directory", "desktop"),
        ("coverage", "desktop"),
    ],
)
def test_axe_reading_mode(browser, a11y_url, pages, axe_js, kind, size):
    ctx, page, _ = _open(browser, a11y_url + pages[kind], PHONE if size == "phone" else DESKTOP, large=True)
    try:
        assert page.get_attribute("html", "data-reading-mode") == "large"
        violations = _axe(page, axe_js)
    finally:
        ctx.close()
    print(f"axe 大字模式 {kind:12} {size:7} {[(v['id'], v['impact'], len(v['nodes'])) for v in violations]}")
    assert [(v["id"], v["impact"]) for v in violations if v["impact"] in ("serious", "critical")] == []


# ---- phone layout and screenshots ----------------------------------------------------------


@pytest.mark.parametrize("mode", ["normal", "large"])
def test_no_sideways_scroll_at_360_and_screenshots(browser, a11y_url, pages, mode):
    SHOTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport=PHONE, service_workers="block")
    if mode == "large":
        ctx.add_init_script("try{localStorage.setItem('ds-reading-mode','large')}catch(e){}")
    widths = {}
    try:
        for kind in ORDER:
            page = ctx.new_page()
            page.goto(a11y_url + pages[kind])
            _ready(page)
            widths[kind] = page.evaluate("document.documentElement.scrollWidth")
            suffix = "" if mode == "normal" else "-large"
            page.screenshot(path=str(SHOTS / f"{ORDER.index(kind):02d}-{kind}{suffix}.png"), full_page=True)
            page.close()
    finally:
        ctx.close()
    print(f"scrollWidth at 360 px ({mode}):", widths)
    assert {k: w for k, w in widths.items() if w > 360} == {}
    suffix = "" if mode == "normal" else "-large"
    assert [k for i, k in enumerate(ORDER) if not (SHOTS / f"{i:02d}-{k}{suffix}.png").stat().st_size] == []


# ---- line spacing, tap targets, reading mode ----------------------------------------------

LINE_HEIGHT_JS = """() => {
  const bad = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim()) continue;
    const el = n.parentElement;
    if (!el || seen.has(el) || el.closest('svg, script, style, noscript, template')) continue;
    seen.add(el);
    if (!el.getClientRects().length) continue;          // not rendered
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden') continue;
    const fs = parseFloat(cs.fontSize), lh = cs.lineHeight === 'normal' ? NaN : parseFloat(cs.lineHeight);
    if (!(lh >= 1.3 * fs - 0.05)) bad.push(`${el.tagName.toLowerCase()}.${el.className} ${cs.lineHeight}/${cs.fontSize} "${n.textContent.trim().slice(0, 20)}"`);
  }
  return bad;
}"""

TARGETS_JS = """(min) => {
  const sel = 'nav a, .md-nav__link, .md-tabs__link, button, select, textarea, label.md-header__button[for="__drawer"], '
            + 'input:not([type=hidden]):not(.md-toggle)';
  const bad = [];
  let n = 0;
  for (const el of document.querySelectorAll(sel)) {
    if (!el.getClientRects().length) continue;           // not rendered (display: none)
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden') continue;
    const r = el.getBoundingClientRect();
    n++;
    if (r.width < min - 0.01 || r.height < min - 0.01)
      bad.push(`${el.tagName.toLowerCase()}.${el.className} "${(el.textContent || el.id).trim().slice(0, 16)}" ${r.width.toFixed(1)}x${r.height.toFixed(1)}`);
  }
  return {n, bad};
}"""


@pytest.mark.parametrize("mode", ["normal", "large"])
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_line_spacing_and_tap_targets(browser, a11y_url, pages, mode, size):
    ctx = browser.new_context(viewport=PHONE if size == "phone" else DESKTOP, service_workers="block")
    if mode == "large":
        ctx.add_init_script("try{localStorage.setItem('ds-reading-mode','large')}catch(e){}")
    short_lines, small_targets, counted = {}, {}, 0
    try:
        page = ctx.new_page()
        for kind in ORDER:
            page.goto(a11y_url + pages[kind])
            _ready(page)
            if bad := page.evaluate(LINE_HEIGHT_JS):
                short_lines[kind] = bad
            t = page.evaluate(TARGETS_JS, 44 if mode == "large" else 24)
            counted += t["n"]
            if t["bad"]:
                small_targets[kind] = t["bad"]
    finally:
        ctx.close()
    assert short_lines == {}
    assert small_targets == {}
    assert counted > 5 * len(ORDER)  # the selector did find the controls


def test_reading_mode_switch_persists_and_applies_before_first_paint(browser, a11y_url, pages):
    ctx = browser.new_context(viewport=PHONE, service_workers="block")
    # Record <html data-reading-mode> at the moment <body> is created, i.e. before any paint.
    ctx.add_init_script("""
      new MutationObserver((_, obs) => {
        if (document.body) {
          window.__modeAtBody = document.documentElement.getAttribute('data-reading-mode');
          obs.disconnect();
        }
      }).observe(document, {childList: true, subtree: true});""")
    try:
        page = ctx.new_page()
        page.goto(a11y_url)
        _ready(page)
        button = page.locator("button.ds-rm")
        assert button.count() == 1
        assert button.inner_text().strip() == "大字模式"
        assert button.get_attribute("aria-pressed") == "false"
        assert page.get_by_role("button", name="大字模式").is_visible()
        size_normal = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.md-typeset')).fontSize)")
        button.click()
        assert page.get_attribute("html", "data-reading-mode") == "large"
        assert button.get_attribute("aria-pressed") == "true"
        size_large = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.md-typeset')).fontSize)")
        assert size_large >= 1.25 * size_normal
        assert page.evaluate("localStorage.getItem('ds-reading-mode')") == "large"
        # high contrast: body text black on white, header white on a dark red (>= 7:1)
        colours = page.evaluate("""() => [getComputedStyle(document.querySelector('.md-typeset')).color,
                                            getComputedStyle(document.querySelector('.md-header')).backgroundColor]""")
        assert colours == ["rgb(0, 0, 0)", "rgb(122, 0, 0)"]
        # every other page type opens in reading mode, set before <body> exists, with the switch on
        for kind in ORDER[1:]:
            page.goto(a11y_url + pages[kind])
            _ready(page)
            assert page.evaluate("window.__modeAtBody") == "large", kind
            assert page.locator("button.ds-rm").get_attribute("aria-pressed") == "true", kind
        # and off again
        page.locator("button.ds-rm").click()
        assert page.get_attribute("html", "data-reading-mode") is None
        page.goto(a11y_url + pages["deputy"])
        _ready(page)
        assert page.evaluate("window.__modeAtBody") is None
        assert page.locator("button.ds-rm").get_attribute("aria-pressed") == "false"
    finally:
        ctx.close()


def test_reading_mode_switch_hidden_without_javascript(browser, a11y_url):
    page, _ = open_page(browser, a11y_url, javascript=False)
    try:
        assert page.locator("button.ds-rm").count() == 1
        assert page.locator("button.ds-rm").is_hidden()  # it would do nothing without its script
    finally:
        page.context.close()


# ---- keyboard ------------------------------------------------------------------------------

FOCUS_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const cs = getComputedStyle(el);
  let label = el.id ? '#' + el.id : el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ')[0] : '');
  return {label, outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2,
          text: (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 20)};
}"""


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_keyboard_reaches_search_finder_and_switch_with_visible_focus(browser, a11y_url, size):
    ctx, page, errors = _open(browser, a11y_url, PHONE if size == "phone" else DESKTOP)
    try:
        page.wait_for_selector("button.ds-finder__browse")  # shown by finder.js
        stops = []
        for _ in range(80):
            page.keyboard.press("Tab")
            f = page.evaluate(FOCUS_JS)
            if f is None or (stops and f["label"] == stops[0]["label"]):
                break
            stops.append(f)
        labels = [s["label"] for s in stops]
        for want in ["#ds-q", "#ds-finder-q", "button.ds-finder__browse", "button.ds-rm"]:
            assert want in labels, (want, labels)
        if size == "desktop":
            assert "#ds-hq" in labels  # the header search box is shown from 60em
        else:
            assert "#__drawer" in labels  # the menu opens from the keyboard on a phone
        assert [s for s in stops if not s["outline"]] == []
        # the switch works from the keyboard
        page.locator("button.ds-rm").focus()
        page.keyboard.press("Enter")
        assert page.get_attribute("html", "data-reading-mode") == "large"
        assert errors == []
    finally:
        ctx.close()


# ---- text alternatives and status words ----------------------------------------------------

CHARTS_JS = """() => [...document.querySelectorAll('.md-content svg')].filter(s => !s.closest('a, button, .md-icon'))
  .map(s => {
    const ids = (s.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
    const named = ids.map(id => document.getElementById(id)).filter(Boolean).map(e => e.tagName.toLowerCase());
    const fig = s.closest('figure');
    const next = fig && fig.nextElementSibling;  // or the table right after the figure
    const table = !!(fig && (fig.querySelector('table th') || (next && (next.matches('table') ? next : next.querySelector('table'))
                                                                         ?.querySelector('th'))));
    return {id: s.id, role: s.getAttribute('role'), title: !!s.querySelector(':scope > title'),
            desc: !!s.querySelector(':scope > desc'), labelledby: named,
            table};
  })"""


@pytest.mark.parametrize("kind", ["coverage", "group", "station"])
def test_charts_have_text_alternatives_and_data_tables(browser, a11y_url, pages, kind):
    ctx, page, _ = _open(browser, a11y_url + pages[kind], PHONE)
    try:
        charts = page.evaluate(CHARTS_JS)
    finally:
        ctx.close()
    assert charts, f"no chart on {kind}"
    assert [
        c
        for c in charts
        if c != {**c, "role": "img", "title": True, "desc": True, "labelledby": ["title", "desc"], "table": True}
    ] == []


def test_every_image_has_alt_text(a11y_site):
    missing = []
    for f in sorted(a11y_site.rglob("*.html")):
        for tag in re.findall(r"<img\b[^>]*>", f.read_text(encoding="utf-8")):
            if not re.search(r'\balt="[^"]*"', tag):
                missing.append((str(f.relative_to(a11y_site)), tag[:80]))
    assert missing == []


def test_images_in_report_bodies_keep_their_alt_text():
    from generator import sanitize

    html = sanitize.markdown_to_safe_html("![代表在村委会接待选民](images/jiedai.jpg)")
    assert html == '<p><img alt="代表在村委会接待选民" src="images/jiedai.jpg"></p>'


STATUS_JS = """() => [...document.querySelectorAll('.ds-status, .sec-badge, .sec-flag, .sec-ok, .ds-flag')]
  .map(el => {
    const c = el.cloneNode(true);
    c.querySelectorAll('[aria-hidden=true]').forEach(x => x.remove());
    return c.textContent.replace(/\\s+/g, ' ').trim();
  })"""


def test_status_in_words_and_tables_with_headers(browser, a11y_url, pages):
    ctx = browser.new_context(viewport=PHONE, service_workers="block")
    found, bare_tables = {}, {}
    try:
        page = ctx.new_page()
        for kind in ORDER:
            page.goto(a11y_url + pages[kind])
            _ready(page)
            found[kind] = page.evaluate(STATUS_JS)
            # data tables say what their cells are: header cells on every table
            bare_tables[kind] = page.evaluate(
                "[...document.querySelectorAll('.md-content table')].filter(t => !t.querySelector('th')).length"
            )
    finally:
        ctx.close()
    assert {k: n for k, n in bare_tables.items() if n} == {}
    assert {k: v for k, v in found.items() if any(not t for t in v)} == {}
    if "A11Y_SITE" not in os.environ:  # exact facts of the tiny fixture
        assert found["deputy"] == ["已报告", "本级无报告要求", "已报告"]
    assert sum(len(v) for v in found.values()) > 0


# ---- print ---------------------------------------------------------------------------------


def test_report_prints_on_a4_with_header_and_without_nav(browser, a11y_url, a11y_site, pages, tmp_path):
    ctx, page, _ = _open(browser, a11y_url + pages["report"], DESKTOP)
    try:
        pdf = page.pdf(format="A4", print_background=False)
        assert pdf[:5] == b"%PDF-"
        pages_in_pdf = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert 1 <= pages_in_pdf <= 4
        (SHOTS.parent / "report-a4.pdf").parent.mkdir(parents=True, exist_ok=True)
        (SHOTS.parent / "report-a4.pdf").write_bytes(pdf)

        def display(sel: str) -> list[str]:
            return page.eval_on_selector_all(sel, "els => els.map(e => getComputedStyle(e).display)")

        assert display(".ds-print-header") == ["none"]  # screen
        page.emulate_media(media="print")
        hidden = [".md-header", ".md-tabs", ".md-sidebar--primary", ".ds-hsearch", ".ds-rm", ".md-footer", ".ds-crumbs"]
        assert {s: display(s) for s in hidden} == {s: ["none"] for s in hidden}
        assert display(".ds-print-header") == ["block"]
        lines = page.locator(".ds-print-header p").all_inner_texts()
        url = page.evaluate("document.querySelector('link[rel=canonical]').href")
        if "A11Y_SITE" not in os.environ:
            assert pages["report"] == "reports/r01/"
            assert lines == [
                "人大代表履职公开",
                "代表：王明华　报告日期：2022年3月15日",
                "网址：https://deputies.example.org/reports/r01/",
            ]
        else:
            assert lines[1].startswith("代表：") and "报告日期：" in lines[1]
        assert lines[2] == "网址：" + url
    finally:
        ctx.close()


# ---- page weight ---------------------------------------------------------------------------

_COMPRESSIBLE = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map")


class _GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with gzip for text, as nginx/GitHub Pages/any CDN send them."""

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        gz = "gzip" in self.headers.get("Accept-Encoding", "") and path.suffix in _COMPRESSIBLE
        if gz:
            data = gzip.compress(data, compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        if gz:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@functools.cache
def _serve_gzip(directory: str) -> str:
    handler = functools.partial(_GzipHandler, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"


def test_every_page_type_is_under_200_kb_on_first_load(browser, a11y_site, pages):
    base = _serve_gzip(str(a11y_site.resolve()))
    weights, loaded = {}, {}
    for kind in ORDER:
        ctx = browser.new_context(viewport=PHONE, service_workers="block")  # empty cache
        page = ctx.new_page()
        responses = []
        page.on("requestfinished", lambda r, responses=responses: responses.append(r))
        page.goto(base + pages[kind], wait_until="networkidle")
        _ready(page)
        sent = raw = 0
        files = {}
        for r in responses:
            size = r.sizes()["responseBodySize"]
            sent += size
            resp = r.response()
            body = len(resp.body()) if resp and resp.status == 200 else 0
            raw += body
            files[r.url.removeprefix(base)] = size
        weights[kind] = (sent, raw, len(responses))
        loaded[kind] = sorted(u for u in files if u.endswith(("sitemap.xml", "search_index.json")))
        ctx.close()
    print("\npage weight on first load (transferred with gzip / uncompressed, requests):")
    for kind, (sent, raw, n) in weights.items():
        print(f"  {kind:17} {sent / 1000:7.1f} KB  {raw / 1000:7.1f} KB  {n:2d} requests")
    (SHOTS.parent).mkdir(parents=True, exist_ok=True)
    (SHOTS.parent / "page-weight.json").write_text(json.dumps(weights, indent=1), encoding="utf-8")
    assert {k: w[0] for k, w in weights.items() if w[0] >= BUDGET} == {}
    # Material fetches sitemap.xml for any <link rel="alternate"> (it grows with the site)
    assert {k: v for k, v in loaded.items() if v} == {}
    assert all(w[0] > 0 for w in weights.values())
