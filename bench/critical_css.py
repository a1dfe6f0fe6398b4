"""Regenerate theme/partials/critical-css.html: the CSS rules the first screen needs, inlined in
every page's <head> so a phone paints without waiting for a stylesheet (issue 14: on Slow 3G
every request costs 2 s of latency, so any render-blocking stylesheet alone pushes first paint
past 4 s). The full stylesheets still load, at the end of <body> (theme/main.html).

`python -m bench.critical_css --site DIR` opens sample pages of a built site in Chromium at
360×740 and 1280×800, in normal and large-text (大字模式) mode, and keeps, from every
stylesheet the page links, each rule with a selector that matches an element on the first
screen (its top above the fold), in the stylesheets' order, inside the same @media. Custom
properties on :root / body (Material's palette) come along, as html and body are on the first
screen. Run it again after changing Material's version or the site's CSS; `make bench` checks
the first paint it buys (bench/first_paint.py).
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import sys
from pathlib import Path

from .first_paint import pick_pages, serve

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "theme" / "partials" / "critical-css.html"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
VIEWPORTS = ((360, 740), (1280, 800))
# Selectors for states a first paint never shows (hover, focus, scrollbars, targets): skipped.
STATE = re.compile(r":(hover|focus|focus-visible|focus-within|active|target|checked)\b|::-webkit-scrollbar")
VAR = re.compile(r"var\(\s*(--[\w-]+)")

# In the browser: every style rule of the page's same-site stylesheets whose selector matches an
# element that starts above the fold, as [sheet, rule path, media chain, selectors, declarations].
EXTRACT = r"""
() => {
  const vh = innerHeight;
  const vw = innerWidth;
  // An element not shown (display: none, off-canvas like the phone menu drawer) needs the
  // rules that hide it, but what is inside it does not paint.
  const gone = (el) => {
    if (!el.checkVisibility({ visibilityProperty: true })) return true;
    const r = el.getBoundingClientRect();
    return r.right <= 0 || r.left >= vw;
  };
  const above = new Set();
  for (const el of document.querySelectorAll("*")) {
    let a = el.parentElement, hidden = false;
    for (; a; a = a.parentElement) if (gone(a)) { hidden = true; break; }
    if (hidden) continue;
    const r = el.getBoundingClientRect();
    if (r.top < vh || el === document.documentElement || el === document.body) above.add(el);
  }
  // Interactive states and pseudo-elements cannot be matched by querySelectorAll: match the
  // element they belong to.
  const strip = (s) => s
    .replace(/::?(before|after|placeholder|selection|marker|first-line|first-letter|-webkit-[\w-]+|-moz-[\w-]+)\b(\([^)]*\))?/g, "")
    .replace(/:(hover|focus|focus-visible|focus-within|active|visited|link|target|checked|disabled|indeterminate)\b/g, "")
    .trim() || "*";
  const out = [];
  const walk = (rules, sheet, path, media) => {
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      const p = path.concat(i);
      if (rule instanceof CSSMediaRule) {
        // only what applies at this viewport (the other viewport's pass collects the rest)
        if (!matchMedia(rule.conditionText || rule.media.mediaText).matches) continue;
        walk(rule.cssRules, sheet, p, media.concat(rule.conditionText || rule.media.mediaText));
      } else if (rule instanceof CSSSupportsRule) {
        walk(rule.cssRules, sheet, p, media.concat("@supports " + rule.conditionText));
      } else if (rule instanceof CSSStyleRule) {
        const keep = [];
        for (const sel of rule.selectorText.split(/,(?![^(]*\))/)) {
          let hit = false;
          try {
            for (const el of document.querySelectorAll(strip(sel))) { if (above.has(el)) { hit = true; break; } }
          } catch (e) { hit = false; }
          if (hit) keep.push(sel.trim());
        }
        if (keep.length) out.push([sheet, p, media, keep, rule.style.cssText]);
      } else if (rule instanceof CSSKeyframesRule || rule instanceof CSSFontFaceRule) {
        // animations and fonts are not needed for a first paint
      }
    }
  };
  const sheets = [...document.styleSheets];
  sheets.forEach((s, n) => {
    if (!s.href || new URL(s.href).origin !== location.origin) return;
    walk(s.cssRules, new URL(s.href).pathname.split("/").pop(), [], []);
  });
  return out;
}
"""


def collect(site: Path, extra_pages: list[str]) -> list:
    from playwright.sync_api import sync_playwright

    pages = list(pick_pages(site).values()) + extra_pages
    httpd = serve(site)
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    found: dict[tuple, list] = {}
    order: dict[str, int] = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
            for w, h in VIEWPORTS:
                for large in (False, True):
                    ctx = browser.new_context(viewport={"width": w, "height": h})
                    if large:
                        ctx.add_init_script("try{localStorage.setItem('ds-reading-mode','large')}catch(e){}")
                    page = ctx.new_page()
                    for path in pages:
                        page.goto(base + path, wait_until="load")
                        page.wait_for_timeout(300)
                        # the stylesheet order as the page links them (Material's first)
                        for n, href in enumerate(
                            page.evaluate("[...document.styleSheets].map(s => s.href ? s.href.split('/').pop() : '')")
                        ):
                            order.setdefault(href, n)
                        for sheet, rule_path, media, sels, decl in page.evaluate(EXTRACT):
                            key = (sheet, tuple(rule_path))
                            entry = found.setdefault(key, [tuple(media), [], declarations(decl)])
                            entry[1].extend(s for s in sels if s not in entry[1])
                    ctx.close()
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    return [
        (media, sels, decl)
        for (sheet, path), (media, sels, decl) in sorted(
            found.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1])
        )
    ]


def declarations(css_text: str) -> list[tuple[str, str]]:
    """`a: b; --c: url("x;y")` → [("a", "b"), ("--c", 'url("x;y")')]: split on ; outside quotes
    and brackets."""
    out, buf, depth, quote = [], [], 0, ""
    for ch in css_text + ";":
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == ";" and depth == 0:
            d = "".join(buf).strip()
            if d:
                prop, _, value = d.partition(":")
                out.append((prop.strip(), " ".join(value.split())))
            buf = []
            continue
        buf.append(ch)
    return out


FONT_LONGHANDS = {
    "font-style",
    "font-variant",
    "font-weight",
    "font-stretch",
    "font-size",
    "line-height",
    "font-family",
    "font-optical-sizing",
    "font-size-adjust",
    "font-kerning",
    "font-feature-settings",
    "font-variation-settings",
    "font-variant-ligatures",
    "font-variant-caps",
    "font-variant-alternates",
    "font-variant-numeric",
    "font-variant-east-asian",
    "font-variant-position",
    "font-variant-emoji",
    "font-palette",
    "font-language-override",
    "font-synthesis-weight",
    "font-synthesis-style",
    "font-synthesis-small-caps",
}
# Motion and pointer behaviour: the full stylesheets bring them a moment later.
NOT_FOR_FIRST_PAINT = ("transition", "animation", "cursor", "will-change", "scroll-snap", "touch-action")


def shorten(decl: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Undo the browser's expansion of `font: inherit` into every font longhand, and write
    the commonest values short."""
    inherit = [p for p, v in decl if p in FONT_LONGHANDS and v == "inherit"]
    out = []
    if len(inherit) > 5:  # `font: inherit`, maybe followed by e.g. `font-size: .75rem`
        first = next(i for i, (p, _v) in enumerate(decl) if p in inherit)
        rest = [(p, v) for p, v in decl if p not in inherit]
        decl = rest[:first] + [("font", "inherit")] + rest[first:]
    for prop, value in decl:
        value = re.sub(r"(?<![\w.])0\.(\d)", r".\1", re.sub(r"\b0px\b", "0", value))
        value = value.replace("rgb(255, 255, 255)", "#fff").replace("rgb(0, 0, 0)", "#000")
        out.append((prop, re.sub(r",\s+", ",", value)))
    return out


def used_properties(rules: list) -> set[str]:
    """Custom properties the kept rules read, directly or through other custom properties
    (Material defines dozens of icons and colours on :root that a first screen never uses)."""
    defs: dict[str, list[str]] = {}
    used: set[str] = set()
    for _media, _sels, decl in rules:
        for prop, value in decl:
            refs = VAR.findall(value)
            if prop.startswith("--"):
                defs.setdefault(prop, []).extend(refs)
            else:
                used.update(refs)
    todo = list(used)
    while todo:
        for ref in defs.get(todo.pop(), []):
            if ref not in used:
                used.add(ref)
                todo.append(ref)
    return used


def render(rules: list) -> str:
    used = used_properties(rules)
    css: list[tuple[tuple, str]] = []
    for media, sels, decl in rules:
        sels = [s for s in sels if not STATE.search(s)]
        if not sels or any(m.strip() == "print" for m in media):
            continue
        kept = [
            f"{prop}:{value}"
            for prop, value in shorten(decl)
            if (not prop.startswith("--") or prop in used) and not prop.startswith(NOT_FOR_FIRST_PAINT)
        ]
        if not kept:
            continue
        css.append((tuple(media), ",".join(sels) + "{" + ";".join(kept) + "}"))
    # consecutive rules under the same @media share one block
    out = []
    for media, group in itertools.groupby(css, key=lambda mr: mr[0]):
        body = "".join(r for _m, r in group)
        for m in reversed(media):
            body = (f"{m}{{" if m.startswith("@supports") else f"@media {m}{{") + body + "}"
        out.append(body)
    # "</" appears only inside quoted data: URLs (SVG icons), where "<\\/" means the same
    text = "".join(out).replace("</", "<\\/")
    assert "</" not in text.lower(), "the CSS would close the <style> element"
    return (
        "{#- Generated by `python -m bench.critical_css --site DIR` (do not edit): the rules the first\n"
        "    screen needs, inlined in <head> by theme/main.html. -#}\n"
        "{% raw %}" + text + "{% endraw %}\n"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.critical_css", description=__doc__.split("\n\n")[0])
    ap.add_argument("--site", required=True, help="a built site (e.g. of data/)")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument(
        "--page",
        action="append",
        default=["deputies/", "reports/"],
        help="more pages to sample (site-relative URLs)",
    )
    args = ap.parse_args(argv)
    site = Path(args.site)
    rules = collect(site, [p for p in args.page if (site / p / "index.html").is_file()])
    text = render(rules)
    Path(args.out).write_text(text, encoding="utf-8")
    print(f"{args.out}: {len(rules)} rules, {len(text.encode())} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
