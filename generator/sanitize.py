"""Untrusted text → safe output. Every value written by people passes through here.

- Report Markdown: rendered by one python-markdown converter with a fixed, small extension
  set (no raw-HTML-producing extensions, no attr_list, no snippets), then cleaned by nh3
  (ammonia) with an allow-list. Links keep http/https/mailto and in-page anchors only;
  images only from the package's own files (relative paths, no scheme, no "..").
- Plain text for search and feeds: tags stripped, entities decoded once.
- JSON embedded in HTML: `<`, `>`, `&`, U+2028/9 escaped so it can never close a script.
"""

from __future__ import annotations

import html
import json
import re
import threading
from typing import Any

import markdown
import nh3

ALLOWED_TAGS = {
    "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "pre", "code",
    "ul", "ol", "li", "strong", "em", "b", "i", "del", "sup", "sub",
    "table", "thead", "tbody", "tr", "th", "td", "a", "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
_SAFE_IMG = re.compile(r"^(?!.*\.\.)(?![a-zA-Z][a-zA-Z0-9+.-]*:)(?!/)[A-Za-z0-9_./-]+\.(?:jpg|jpeg|png|webp|gif)$")
_SAFE_HREF = re.compile(r"^(?:https?://|mailto:|#)", re.I)

_local = threading.local()


def _converter() -> markdown.Markdown:
    # One converter per thread, reset between documents: building a converter per page is
    # what makes naive mkdocs slow.
    md = getattr(_local, "md", None)
    if md is None:
        md = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
        _local.md = md
    return md


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src":
        return value if _SAFE_IMG.match(value) else None
    if tag == "a" and attr == "href":
        return value if _SAFE_HREF.match(value.strip()) else None
    return value


def clean_html(fragment: str) -> str:
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_attribute_filter,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def markdown_to_safe_html(text: str) -> str:
    """Report Markdown → sanitized HTML. Raw HTML in the source is escaped by markdown's
    own rules first and then whatever survives is cleaned; `<h1>` is reserved for the page."""
    md = _converter()
    md.reset()
    # Escape raw HTML before markdown sees it, so it is shown as text rather than dropped.
    rendered = md.convert(text.replace("\x00", "").replace("<", "&lt;"))
    rendered = rendered.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return clean_html(rendered)


_TAG = re.compile(r"<[^>]*>")


def html_to_text(fragment: str) -> str:
    """Visible text of an HTML fragment (for search and summaries)."""
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub(" ", fragment))).strip()


def json_for_html(value: Any) -> str:
    """JSON safe to put inside <script type="application/json"> or an attribute."""
    s = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (
        s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )


def text(value: Any) -> str:
    """Any value → HTML-escaped text (quotes too, so it is safe in attributes)."""
    return "" if value is None else html.escape(str(value), quote=True)
