"""Untrusted text → safe output. Every value written by people passes through here.

- Report Markdown: rendered by one python-markdown converter with a fixed, small extension
  set (tables, sane_lists; never attr_list, md_in_html, snippets or anything that reads
  files), with python-markdown's raw-HTML handling switched off, so `<tag>` in the source is
  text, then cleaned by nh3 (ammonia) with an allow-list as a second, independent layer.
  Links keep http/https/mailto and in-page anchors only (rel="noopener noreferrer nofollow");
  images only from the package's own files (relative path, no scheme, no "..", no "//").
- Markdown that would make python-markdown slow (quadratic link/code-span scanning) or
  recurse too deep (deeply nested lists/quotes), or that is simply enormous, is shown as
  plain paragraphs instead: bounded time, never a crash, never lost text.
- Plain text for search and feeds: tags stripped, entities decoded once.
- JSON embedded in HTML: `<`, `>`, `&`, U+2028/9 escaped so it can never close a script.
"""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import markdown
import nh3

ALLOWED_TAGS = {
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "br",
    "hr",
    "blockquote",
    "pre",
    "code",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "b",
    "i",
    "del",
    "sup",
    "sub",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# A package image: relative, plain characters only (no "%", "\\", ":", "?", "#"), no "..",
# not starting with "/" (so neither absolute nor protocol-relative "//host").
_SAFE_IMG = re.compile(r"^(?!.*\.\.)(?!/)[A-Za-z0-9_./-]+\.(?:jpg|jpeg|png|webp|gif)$")
_SAFE_HREF = re.compile(r"^(?:https?://[^\s/]|mailto:[^\s]|#)", re.I)
_ALIGN = {"left", "right", "center"}
_DIGITS = re.compile(r"^[0-9]{1,4}$")

# Limits past which Markdown is shown as plain text (see module doc). A real report is a
# few thousand characters with a handful of links; these are far above that.
MAX_MARKDOWN_CHARS = 100_000
_MAX_BRACKETS_COST = 2_000_000  # characters python-markdown scans looking for each '['s ']'
_MAX_BACKTICK_COST = 20_000_000  # backtick runs × block length: the code-span regex rescans
_MAX_NESTING = 12  # list/quote markers or 4-space indents in front of one line

# C0 controls (except tab, newline, carriage return) and DEL are never meaningful in a
# report and NUL/STX/ETX collide with python-markdown's placeholders.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BACKTICK_RUN = re.compile(r"`+")
_LEADING_MARKERS = re.compile(r"^(?:[ \t]*(?:>|[-*+](?=[ \t])|[0-9]{1,9}[.)](?=[ \t])))+")
_BLANK_LINES = re.compile(r"\n[ \t]*\n")

_local = threading.local()


def _converter() -> markdown.Markdown:
    # One converter per thread, reset between documents: building a converter per page is
    # what makes naive mkdocs slow.
    md = getattr(_local, "md", None)
    if md is None:
        md = markdown.Markdown(
            extensions=["tables", "sane_lists"],
            extension_configs={"tables": {"use_align_attribute": True}},
            output_format="html",
        )
        # No raw HTML at all: block-level HTML and inline tags/comments become text (the
        # serializer escapes them). Autolinks (<https://…>, <a@b.cn>) keep working because
        # they are separate, higher-priority patterns.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        _local.md = md
    return md


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src":
        if not _SAFE_IMG.match(value):
            return None
        mapper = getattr(_local, "image_url", None)
        return mapper(value) if mapper is not None else value
    if tag == "a" and attr == "href":
        v = value.strip()
        return v if _SAFE_HREF.match(v) else None
    if attr == "align":
        return value if value in _ALIGN else None
    if attr in ("width", "height", "start"):
        return value if _DIGITS.match(value) else None
    return value


def clean_html(fragment: str) -> str:
    """Allow-list cleaning of an HTML fragment (nh3/ammonia): unknown tags are dropped with
    their markup (script/style with their content), unknown attributes and unsafe URLs go."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_attribute_filter,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def _normalize(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def _bracket_cost(block: str) -> int:
    """How far python-markdown scans from each '[' to find its ']' (to the block's end when
    there is none): the sum of those spans. Balanced, short links cost little."""
    stack: list[int] = []
    cost = 0
    for i, ch in enumerate(block):
        if ch == "[":
            stack.append(i)
        elif ch == "]" and stack:
            cost += i - stack.pop()
    end = len(block)
    return cost + sum(end - i for i in stack)


def markdown_too_complex(text: str) -> bool:
    """True when `markdown_to_safe_html` would show this text as plain paragraphs rather
    than render it (too long, too many unmatched-looking brackets/backticks in one block,
    or nesting too deep). The validator can warn about it."""
    text = _normalize(text)
    if len(text) > MAX_MARKDOWN_CHARS:
        return True
    for block in _BLANK_LINES.split(text):
        n = len(block)
        if "[" in block and _bracket_cost(block) > _MAX_BRACKETS_COST:
            return True
        if len(_BACKTICK_RUN.findall(block)) * n > _MAX_BACKTICK_COST:
            return True
    for line in text.split("\n"):
        m = _LEADING_MARKERS.match(line)
        prefix = m.group(0) if m else ""
        markers = len(re.findall(r">|[-*+]|[0-9]+[.)]", prefix))
        rest = line[len(prefix) :]
        indent = len(rest) - len(rest.lstrip(" \t"))
        indent += prefix.count("\t") * 3 + prefix.count(" ")
        if markers > _MAX_NESTING or indent > 4 * _MAX_NESTING:
            return True
    return False


def _plain_paragraphs(text: str) -> str:
    paras = [p.strip("\n") for p in _BLANK_LINES.split(text)]
    return "\n".join("<p>" + html.escape(p, quote=True).replace("\n", "<br>\n") + "</p>" for p in paras if p.strip())


def markdown_to_safe_html(text: str, image_url: Callable[[str], str | None] | None = None) -> str:
    """Report Markdown → sanitized HTML. `<h1>` is reserved for the page, so `#` becomes `<h2>`.

    Raw HTML in the source is shown as text (not dropped, so a reader sees what was written;
    the validator flags it as an error anyway). `image_url`, if given, maps a package image
    path (already checked: relative, no "..") to the URL the page should use, or None to drop.
    """
    text = _normalize(text or "")
    if markdown_too_complex(text):
        return clean_html(_plain_paragraphs(text))
    md = _converter()
    md.reset()
    try:
        rendered = md.convert(text)
    except RecursionError:  # belt and braces: nesting the pre-check did not foresee
        md.reset()
        return clean_html(_plain_paragraphs(text))
    finally:
        md.reset()
    rendered = rendered.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    # The mapper runs inside the cleaner, on src values that already passed the check.
    _local.image_url = image_url
    try:
        return clean_html(rendered)
    finally:
        _local.image_url = None


_PAGE_PATH = re.compile(r"^(?:[A-Za-z0-9_][A-Za-z0-9_.-]*/)*[A-Za-z0-9_][A-Za-z0-9_.-]*\.md$")


def safe_page_path(path: str) -> bool:
    """Is `path` a page source URI that stays inside the site folder ("deputies/d01.md")?
    No "..", no absolute path, no backslash, no NUL, no spaces."""
    return bool(_PAGE_PATH.match(path or "")) and ".." not in path.split("/")


def package_path(root: Path, rel: str | None) -> Path | None:
    """The file `rel` names inside the data package `root`, or None when it would lie outside
    (absolute, "..", a symlink out, NUL). Used wherever a value from the data becomes a path."""
    if not rel or "\x00" in rel or rel.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", rel):
        return None
    try:
        base = Path(root).resolve()
        p = (base / rel).resolve()
    except (OSError, ValueError, RuntimeError):
        return None
    return p if p != base and p.is_relative_to(base) else None


def safe_image_path(path: str) -> bool:
    """Is `path` a plain relative image path inside the package (no scheme, no "..")?"""
    return bool(_SAFE_IMG.match(path or ""))


# Report body images (issue 17): one convention. `![说明](images/<file>)` in a body under
# reports/ names the package file reports/images/<file>: relative to the body file, as Markdown
# editors preview it. The site publishes the file (metadata stripped) as report-images/<file>
# (pages/urls.report_image); the validator checks it exists and is an image (body-image-*).
REPORT_IMAGES = "reports/images"
_REPORT_IMAGE = re.compile(r"images/([A-Za-z0-9_][A-Za-z0-9_-]{0,99}\.(?:jpg|jpeg|png|webp))")
_REPORT_IMAGE_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9_./-])images/([A-Za-z0-9_][A-Za-z0-9_-]{0,99}\.(?:jpg|jpeg|png|webp))\b"
)


def report_image_name(src: str) -> str | None:
    """The file name when `src` follows the convention (images/<name>.jpg|jpeg|png|webp, one
    plain segment), else None."""
    m = _REPORT_IMAGE.fullmatch(src or "")
    return m.group(1) if m else None


def report_images_in(text: str) -> list[str]:
    """Names of every images/<name> a body's text mentions (a superset of the images it shows:
    what the build publishes for it), sorted, each once. Linear: one fixed-length pattern."""
    return sorted(set(_REPORT_IMAGE_IN_TEXT.findall(text or "")))


# -- the one path rule for values from the data (issue 17) -------------------------------
# Every value that becomes part of a file or page path (ids, resource names, resource
# paths, report body and photo paths) and every link from the descriptor goes through
# name_problem / relpath_problem / safe_link: the validator reports what they refuse, and
# the build refuses it again before writing anything.

# Names the site uses for its own pages and folders beside the records' pages
# (generator/pages/*.py, pages/urls.py): section index pages (deputies/index.md), list,
# level, kind and area sub-folders (deputies/levels/, groups/kind/, stations/area/,
# suggestions/list/<year>/all/, coverage/congress/), per-year pages (reports/2024/,
# <record>/activities/2024/). A record with such an id would overwrite or shadow them.
RESERVED_NAMES = frozenset({"index", "list", "all", "levels", "level", "kind", "area", "congress", "activities"})
_YEAR = re.compile(r"^[0-9]{4}$")  # reports/2024/, suggestions/list/2024/…
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_REL_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def name_problem(value: Any) -> str | None:
    """Why `value` cannot be one path segment taken from the data (an id, a resource name):
    "empty", "unsafe" (anything but letters, digits, - and _, at most 64, starting with a
    letter or digit: no "/", "..", space, NUL, fullwidth or absolute) or "reserved" (a name
    the site uses for its own pages, any case, or a 4-digit year); None when it is fine."""
    if value is None or not isinstance(value, str) or value == "":
        return "empty"
    if not _SEGMENT.match(value):
        return "unsafe"
    if value.lower() in RESERVED_NAMES or _YEAR.match(value):
        return "reserved"
    return None


def relpath_problem(value: Any, suffixes: tuple[str, ...] = ()) -> str | None:
    """Why `value` cannot be a relative file path inside the package or the site ("reports/r1.md"):
    "empty" or "unsafe" (absolute, "..", ".", empty segment, backslash, drive letter,
    characters other than letters, digits, _ . -, or not ending with one of `suffixes`)."""
    if value is None or not isinstance(value, str) or value == "":
        return "empty"
    parts = value.split("/")
    if any(p in (".", "..") or not _REL_SEGMENT.match(p) for p in parts) or len(value) > 512:
        return "unsafe"
    if suffixes and not value.lower().endswith(suffixes):
        return "unsafe"
    return None


_LINK = re.compile(
    r"^(?:https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#][^\s\"'<>\\`]*)?|[A-Za-z0-9_#][^\s:\"'<>\\`]*)$"
)


def safe_link(url: Any) -> str:
    """A link taken from the descriptor (licence, source): `url` when it is http(s) or a
    relative path inside the site (no scheme, no "//", no ".." segment), else "" (shown as
    text). `javascript:`, `data:`, `vbscript:` and every other scheme are refused."""
    if not isinstance(url, str):
        return ""
    u = url.strip()
    if not u or any(ord(c) < 0x20 or c == "\x7f" for c in u) or not _LINK.match(u):
        return ""
    if not u.lower().startswith(("http://", "https://")) and ".." in u.split("/"):
        return ""
    return u


_TAG = re.compile(r"<[^>]*>")


def html_to_text(fragment: str) -> str:
    """Visible text of an HTML fragment (for search and summaries). The result is plain
    text: it may contain "<" and must be escaped again wherever it is written."""
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub(" ", fragment or ""))).strip()


def json_for_html(value: Any) -> str:
    """JSON safe inside <script type="application/json"> (it can never close the element).
    In an attribute, escape it once more with `text()`: it contains double quotes."""
    s = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (
        s.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def text(value: Any) -> str:
    """Any value → HTML-escaped text (quotes too, so it is safe in attributes)."""
    return "" if value is None else html.escape(str(value), quote=True)


def csv_cell(value: Any) -> str:
    """A value for a published CSV cell, safe to open in a spreadsheet: text starting with
    =, +, -, @, tab or CR is prefixed with an apostrophe so Excel/WPS show it instead of
    evaluating it (=HYPERLINK(…) phishing, DDE). Numbers (e.g. "-3") are left alone.
    Spreadsheets skip leading blanks and read fullwidth signs as formula signs too, so
    whitespace or line breaks before the sign, and ＝ ＋ － ＠, are guarded the same way."""
    if value is None:
        return ""
    s = str(value)
    if s and s[0] in CSV_GUARD_START:
        head = s.lstrip(_BLANKS)
        if (s[0] in "\t\r" or (head and head[0] in _FORMULA_SIGNS)) and not _NUMBER.match(s):
            return "'" + s
    return s


_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_FORMULA_SIGNS = "=+-@＝＋－＠"
_BLANKS = " \t\r\n\x0b\x0c\xa0\u3000"
# First characters of a cell worth a closer look (open_data's fast path tests only this)
CSV_GUARD_START = frozenset(_FORMULA_SIGNS + _BLANKS)
