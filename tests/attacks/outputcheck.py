"""Static check of a built site: is there anything a browser, a feed reader or a spreadsheet
would execute that the site did not put there itself?

`check_site(dir)` returns a sorted list of human-readable findings (empty: clean):
- HTML (parsed with html.parser): no <script> except the site's own (src under assets/ or
  inline with no data in it), no on* attributes, no javascript:/data:/vbscript: URL in any
  URL attribute, no <iframe>/<object>/<embed>/<base>/<frame>, no meta refresh, no form posting
  elsewhere, no resource (src, link href, CSS url()) loaded from another host, nothing
  unescaped inside <title> or <textarea>.
- XML (feed, sitemap, SVG): parses; Atom/RSS HTML content is checked as HTML; SVG has no
  script, no on*, no javascript: links.
- JSON: parses.
- CSV: no cell a spreadsheet would evaluate (=, +, -, @, tab, CR first, unless a number).
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

URL_ATTRS = {
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "poster",
    "background",
    "xlink:href",
    "cite",
    "srcset",
    "ping",
    "manifest",
    "codebase",
    "longdesc",
    "usemap",
    "icon",
    "lowsrc",
    "dynsrc",
}
FORBIDDEN_TAGS = {"iframe", "object", "embed", "base", "frame", "frameset", "applet", "portal", "foreignobject"}
_BAD_SCHEME = re.compile(r"^(?:javascript|vbscript|data|file|blob|filesystem):", re.I)
_STRIP = re.compile(r"[\x00-\x20\x7f]+")
_CSS_URL = re.compile(r"url\(|@import|expression\(", re.I)
DATA_MARKERS = ("__pwned", "pwned", "zq")  # never in the site's own inline scripts/styles


def _url_value(v: str) -> str:
    # browsers drop ASCII whitespace/control characters anywhere in a URL scheme
    return _STRIP.sub("", v or "")


def _is_remote(v: str) -> bool:
    u = _url_value(v).lower()
    return u.startswith("//") or u.startswith("\\\\") or bool(re.match(r"^[a-z][a-z0-9+.-]*:", u))


class _Checker(HTMLParser):
    def __init__(self, name: str, asset_prefix_ok) -> None:
        super().__init__(convert_charrefs=True)
        self.name = name
        self.findings: list[str] = []
        self.stack: list[str] = []
        self._script: dict | None = None
        self._style = False
        self._style_text: list[str] = []
        self.asset_ok = asset_prefix_ok

    def bad(self, what: str) -> None:
        self.findings.append(f"{self.name}: {what}")

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        for k, v in attrs:
            k = k.lower()
            if k.startswith("on"):
                self.bad(f"<{tag}> has event attribute {k}={v!r}")
            if k in URL_ATTRS or k.endswith(":href"):
                u = _url_value(v or "")
                if _BAD_SCHEME.match(u) and not (
                    tag == "img" and k == "src" and u.startswith("data:image/") and "svg" not in u[:20]
                ):
                    self.bad(f"<{tag} {k}={v!r}> uses a script/data URL")
                if "pwned" in u.lower() and not (tag == "a" and k == "href"):
                    self.bad(f"<{tag} {k}={v!r}> loads the pwned URL")
                if k in ("src", "data", "poster", "srcset", "background", "codebase") and _is_remote(v or ""):
                    self.bad(f"<{tag} {k}={v!r}> loads from another host")
            if k == "srcdoc":
                self.bad(f"<{tag}> has srcdoc")
            if k == "style" and (_CSS_URL.search(v or "") or "pwned" in (v or "")):
                self.bad(f"<{tag}> style loads something: {v!r}")
        if tag in FORBIDDEN_TAGS:
            self.bad(f"forbidden element <{tag}>")
        if tag == "link" and "stylesheet" in a.get("rel", "") and _is_remote(a.get("href", "")):
            self.bad(f"<link> stylesheet from another host: {a.get('href')!r}")
        if (
            tag == "link"
            and a.get("rel", "").lower() in ("import", "preload", "prefetch", "modulepreload")
            and _is_remote(a.get("href", ""))
        ):
            self.bad(f"<link rel={a.get('rel')}> from another host")
        if tag == "meta" and a.get("http-equiv", "").lower() in ("refresh", "set-cookie", "content-security-policy"):
            self.bad(f"<meta http-equiv={a.get('http-equiv')!r}>")
        if tag == "form" and (a.get("action") and _is_remote(a["action"])):
            self.bad(f"<form action={a['action']!r}> posts elsewhere")
        if tag == "script":
            self._script = {"attrs": a, "text": []}
        if tag == "style":
            self._style = True
            self._style_text = []
        if tag not in (
            "br",
            "img",
            "hr",
            "meta",
            "link",
            "input",
            "source",
            "wbr",
            "area",
            "col",
            "embed",
            "param",
            "track",
        ):
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self._end_script()
        if tag == "style" and self._style:
            css = "".join(self._style_text)
            if any(m in css for m in DATA_MARKERS) or re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", css, re.I):
                self.bad(f"<style> carries data or loads from elsewhere: {css[:80]!r}")
            self._style = False
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if self._script is not None:
            self._script["text"].append(data)
        if self._style:
            self._style_text.append(data)

    def _end_script(self):
        a = self._script["attrs"]
        body = "".join(self._script["text"])
        self._script = None
        src = a.get("src")
        typ = a.get("type", "").lower()
        if src is not None:
            if not self.asset_ok(src):
                self.bad(f"<script src={src!r}> is not one of the site's assets")
            if body.strip():
                self.bad("<script src> with a body")
            return
        if typ in ("application/json", "application/ld+json"):
            try:
                json.loads(body)
            except ValueError:
                self.bad(f"<script type={typ}> is not JSON: {body[:80]!r}")
            if "</" in body.lower() or "<!--" in body:
                self.bad("<script type=json> contains '</' or '<!--'")
            return
        if any(m in body for m in DATA_MARKERS):
            self.bad(f"inline <script> carries data: {body[:120]!r}")


def check_html(name: str, text: str, site_root_rel: str = "") -> list[str]:
    def asset_ok(src: str) -> bool:
        s = _url_value(src)
        if _is_remote(s):  # "//host/…" and "scheme:" (404.html uses absolute "/assets/…" paths)
            return False
        parts = [p for p in s.split("?")[0].split("/") if p not in ("", ".")]
        while parts and parts[0] == "..":
            parts.pop(0)
        return bool(parts) and parts[0] == "assets" and s.split("?")[0].endswith(".js")

    c = _Checker(name, asset_ok)
    c.feed(text)
    c.close()
    findings = c.findings
    # RCDATA elements: the raw source between the tags must hold no markup at all
    for tag in ("title", "textarea"):
        for m in re.finditer(rf"<{tag}\b[^>]*>(.*?)</{tag}\s*>", text, re.S | re.I):
            if "<" in m.group(1):
                findings.append(f"{name}: unescaped '<' inside <{tag}>: {m.group(1)[:80]!r}")
    return findings


def check_svg(name: str, data: bytes) -> list[str]:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        return [f"{name}: SVG does not parse ({e})"]
    return _check_svg_tree(name, root)


def _check_svg_tree(name: str, root: ET.Element) -> list[str]:
    out = []
    for el in root.iter():
        tag = el.tag.split("}")[-1].lower() if isinstance(el.tag, str) else ""
        if tag in ("script", "foreignobject", "iframe", "handler", "listener"):
            out.append(f"{name}: SVG element <{tag}>")
        for k, v in el.attrib.items():
            k2 = k.split("}")[-1].lower()
            if k2.startswith("on"):
                out.append(f"{name}: SVG event attribute {k2}")
            if k2 in ("href",) and _BAD_SCHEME.match(_url_value(v)):
                out.append(f"{name}: SVG link {v!r}")
    return out


def check_xml(name: str, data: bytes) -> list[str]:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return [f"{name}: XML has a DOCTYPE/ENTITY declaration"]
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        return [f"{name}: XML does not parse ({e})"]
    out: list[str] = []
    for el in root.iter():
        tag = el.tag.split("}")[-1] if isinstance(el.tag, str) else ""
        # Atom text constructs with type="html" are rendered as HTML by feed readers
        if tag in ("content", "summary", "title", "subtitle", "rights", "description") and (
            el.get("type") == "html" or tag == "description"
        ):
            out += check_html(f"{name}<{tag}>", el.text or "")
        if tag in ("content", "summary", "title") and el.get("type") == "xhtml":
            out.append(f"{name}: xhtml content in feed")
        for k, v in el.attrib.items():
            if k.split("}")[-1] in ("href", "src", "uri") and _BAD_SCHEME.match(_url_value(v)):
                out.append(f"{name}: <{tag} {k}={v!r}>")
        if tag == "uri" and _BAD_SCHEME.match(_url_value(el.text or "")):
            out.append(f"{name}: <uri>{el.text!r}")
    if root.tag.split("}")[-1] == "svg":
        out += _check_svg_tree(name, root)
    return out


_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")


def check_csv(name: str, text: str) -> list[str]:
    out = []
    for rown, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        for coln, cell in enumerate(row, start=1):
            head = cell.lstrip(" \t\r\n\x0b\x0c\xa0\u3000")  # spreadsheets skip these (issue 17)
            if cell and (cell[0] in "\t\r" or head[:1] in tuple("=+-@＝＋－＠")) and not _NUMBER.match(cell):
                out.append(f"{name}:{rown}:{coln}: spreadsheet formula {cell[:40]!r}")
    return out


def check_json(name: str, text: str) -> list[str]:
    try:
        json.loads(text)
    except ValueError as e:
        return [f"{name}: JSON does not parse ({e})"]
    return []


def check_file(name: str, data: bytes, kind_from: str | None = None) -> list[str]:
    """Findings for one file; `kind_from` is the name whose extension decides the format."""
    low = (kind_from or name).lower()
    if low.endswith((".html", ".htm")):
        return check_html(name, data.decode("utf-8"))
    if low.endswith(".svg"):
        return check_svg(name, data)
    if low.endswith((".xml", ".atom", ".rss")):
        return check_xml(name, data)
    if low.endswith((".json", ".geojson")):
        return check_json(name, data.decode("utf-8"))
    if low.endswith(".csv"):
        return check_csv(name, data.decode("utf-8-sig"))
    return []


def _kind_name(name: str) -> str:
    """ "a.xml.gz!gunzip" → "a.xml"; "d.zip!x.csv" → "x.csv"."""
    if name.endswith("!gunzip"):
        base = name[: -len("!gunzip")].split("!")[-1]
        return base[:-3] if base.endswith(".gz") else base
    return name.split("!")[-1]


def check_site(root: Path) -> list[str]:
    """All findings for every file under `root`, including .gz and .zip members."""
    from leakscan import iter_files  # tests/ is on sys.path under pytest

    findings: list[str] = []
    for name, data in iter_files(root):
        try:
            findings += check_file(name, data, _kind_name(name))
        except UnicodeDecodeError:
            findings.append(f"{name}: not UTF-8")
    return sorted(findings)
