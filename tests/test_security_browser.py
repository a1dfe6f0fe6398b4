"""Chromium loads every page of the attack build and the search page with payload queries:
no payload may run (window.__pwned stays undefined), request the pwned URL, or open a dialog.

Marked `browser`: skipped with an install hint when Chromium or Playwright is missing,
except under CI=true, where that is a failure.
"""

from __future__ import annotations

import urllib.parse

import pytest
from attacks.attack_package import PWNED_URL_PART, build_attack_site, load_payloads
from browser_support import _require_chromium, browser, serve  # noqa: F401  (browser is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Fire the events inline handlers would listen to, on every element, so an injected
# onmouseover/onfocus/ontoggle/onanimationstart would run if it existed.
POKE = """() => {
  const evs = ['mouseover','mouseenter','focus','focusin','toggle','animationstart','pointerover','error','load'];
  for (const el of document.querySelectorAll('*')) {
    for (const e of evs) { try { el.dispatchEvent(new Event(e)); } catch (x) {} }
  }
  return document.querySelectorAll('*').length;
}"""


@pytest.fixture(scope="module")
def served_attack_site(tmp_path_factory):
    _require_chromium()  # before the build: skip (or fail in CI) early
    _pkg, out, placed, _docs = build_attack_site(tmp_path_factory.mktemp("attack-browser"))
    return out, serve(out), placed


class Watch:
    """Everything a page did that an attack would do."""

    def __init__(self, page, base: str) -> None:
        self.pwned_requests: list[str] = []
        self.offsite: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.navigations: list[str] = []
        origin = base.rstrip("/")

        def on_request(req):
            u = req.url
            same = u.startswith(origin + "/")
            path = urllib.parse.urlsplit(u).path
            # the search page's own URL carries payload queries; "pwned" in a path is not ours
            if PWNED_URL_PART in u or "pwned" in path.lower() or (not same and "pwned" in u.lower()):
                self.pwned_requests.append(u)
            elif not (same or u.startswith("data:") or u == "about:blank"):
                self.offsite.append(u)

        def on_dialog(d):
            self.dialogs.append(d.message)
            d.dismiss()

        page.on("request", on_request)
        page.on("dialog", on_dialog)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        # nothing may leave the test server: abort every other request
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(origin) else route.abort())


def _visit(page, url: str) -> dict:
    page.goto(url, wait_until="load")
    page.evaluate(POKE)
    page.wait_for_timeout(50)
    return {"pwned": page.evaluate("() => typeof window.__pwned"), "url": page.url}


def test_no_payload_runs_on_any_page(served_attack_site, browser):
    out, base, _placed = served_attack_site
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("index.html"))
    assert len(pages) > 20
    ctx = browser.new_context()
    page = ctx.new_page()
    w = Watch(page, base)
    results = {}
    try:
        for rel in pages:
            results[rel] = _visit(page, base + rel[: -len("index.html")])
    finally:
        ctx.close()
    ran = {rel: r for rel, r in results.items() if r["pwned"] != "undefined"}
    moved = {rel: r["url"] for rel, r in results.items() if not r["url"].startswith(base)}
    assert ran == {}
    assert moved == {}  # no meta refresh / location change to another host
    assert w.pwned_requests == []
    assert w.dialogs == []
    assert w.offsite == []


QUERY_PAYLOADS = {
    "script-tag",
    "img-onerror",
    "svg-onload",
    "attr-double-quote",
    "attr-single-quote",
    "attr-close-tag",
    "title-break",
    "script-close",
    "js-string-break",
    "template-literal",
    "double-escaped",
    "url-javascript",
    "mxss-noscript",
    "comment-break",
    "rtl-override",
}


def test_search_page_with_payload_queries(served_attack_site, browser):
    out, base, placed = served_attack_site
    if not (out / "search" / "index.html").exists():
        pytest.fail("the site has no search page (search/index.html)")
    # payload texts as queries (reflected in the status line, the input and the URL), then
    # tokens, which match indexed titles and bodies that carry payloads, so results show them
    queries = [p.with_token("zq") for p in load_payloads() if p.id in QUERY_PAYLOADS]
    assert len(queries) == len(QUERY_PAYLOADS)
    queries += ["zq00x00", "zq01x06", "zq21x10", "zq22x20", "zq25x25", "代表"]
    ctx = browser.new_context()
    page = ctx.new_page()
    w = Watch(page, base)
    rendered = 0
    try:
        for q in queries:
            page.goto(base + "search/?q=" + urllib.parse.quote(q), wait_until="load")
            page.wait_for_function(
                "() => { const s = document.querySelector('[role=status], .ds-search-status, #search-status');"
                " return !s || !/正在搜索/.test(s.textContent); }",
                timeout=5000,
            )
            page.wait_for_timeout(30)
            rendered += page.evaluate("() => document.querySelectorAll('#search-app li, #search-app article').length")
            page.evaluate(POKE)
            assert page.evaluate("() => typeof window.__pwned") == "undefined", q
    finally:
        ctx.close()
    assert rendered >= 5, "search results were not rendered: the test would prove nothing"
    assert w.pwned_requests == []
    assert w.dialogs == []
    assert w.offsite == []


def test_the_watch_would_see_an_attack(served_attack_site, browser):
    """Control: the same checks do fire on a page that is actually vulnerable."""
    _out, base, _placed = served_attack_site
    ctx = browser.new_context()
    page = ctx.new_page()
    w = Watch(page, base)
    try:
        page.goto(base + "index.html", wait_until="load")
        page.evaluate(
            """() => { document.body.insertAdjacentHTML('beforeend',
                 '<img src=x onerror="window.__pwned=1"><div onmouseover="window.__pwned2=1">x</div>' +
                 '<img src="http://127.0.0.1:9/pwned.png">'); }"""
        )
        page.wait_for_timeout(200)
        page.evaluate(POKE)
        assert page.evaluate("() => [typeof window.__pwned, typeof window.__pwned2]") == ["number", "number"]
    finally:
        ctx.close()
    assert w.pwned_requests == ["http://127.0.0.1:9/pwned.png"]
