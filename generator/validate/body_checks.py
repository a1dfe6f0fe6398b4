"""Report bodies (Markdown files under reports/): present, UTF-8, no raw HTML, no unsafe links,
and the five parts a duty report covers (DESIGN.md section 1). A published report must not
still be the skeleton `new-report` writes: no 填写提示 left, no empty part, at least
MIN_BODY_CHARS characters of text, and a venue when it was given at a meeting (issue 16).

The site sanitizes bodies anyway (generator/sanitize.py); these checks exist so staff learn at
commit time that part of what they wrote would be dropped (issue 5).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from ..model import Dataset
from ..problems import Problem
from ..sanitize import REPORT_IMAGES, package_path, report_image_name, safe_image_path
from .codes import problem, show_value
from .photo_checks import PhotoError, open_photo
from .privacy_checks import scan_text

BODY_PATH = re.compile(r"reports/[A-Za-z0-9_-]{1,64}\.md")

FIVE_PARTS = (
    ("遵守宪法法律、执行决议、廉洁勤政", "law, resolutions and integrity", ("宪法", "法律", "廉洁", "遵纪守法")),
    ("参加代表大会会议", "congress sessions", ("代表大会会议", "会议期间", "大会期间", "参加大会", "出席大会", "审议")),
    ("闭会期间活动", "work between sessions", ("闭会期间", "闭会")),
    ("联系人民群众", "contact with the people", ("联系群众", "联系人民群众", "联系选民", "联络站", "公益")),
    ("其他", "anything else", ("其他", "其它")),
)
_HEADING = re.compile(
    r"^\s{0,3}(?:#{1,6}\s|[一二三四五六七八九十]+\s*[、.．]|[（(]\s*[一二三四五六七八九十]+\s*[）)]|\*\*)"
)
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_CODE_SPAN = re.compile(r"`[^`]*`")
_TAG = re.compile(r"<(/?[A-Za-z][A-Za-z0-9-]*)(?=[\s/>])|<(!--|!\[CDATA\[|![A-Za-z]|\?)")
_INLINE_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)")
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]*:[^>\s]*)>")
_HTML_URL = re.compile(r"""(?:href|src|action|formaction|xlink:href)\s*=\s*["']?([^"'\s>]+)""", re.I)
_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)")
_ATTR_LIST = re.compile(r"\{:?[^}\n]*?\b(on[a-z]+)\s*=", re.I)
_ATTR_URL = re.compile(r"\{:?[^}\n]*?\b(?:href|src)\s*=\s*[\"']?\s*([^\"'\s}]+)", re.I)
_STRIP = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
UNSAFE_SCHEMES = ("javascript", "data", "vbscript")
# Letters and digits of a published body outside headings and prompts. The shortest real report
# in the demo has ~450; a skeleton with "无" under each heading has 5.
MIN_BODY_CHARS = 80
# A report body file's limit (issue 17): about 87,000 Chinese characters (3 bytes each in
# UTF-8). A real report is a few thousand characters (the county demo's longest is 2.4 KB); the
# page budget of 100 KB is passed long before this, which bounds the work, not the style.
MAX_BODY_BYTES = 256 * 1024
PROMPT_MARK = "填写提示"  # new_report.PART_PROMPTS start with it (the validator never imports staff/)
_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_WORD = re.compile(r"\w")


def _scheme(url: str) -> str | None:
    u = _STRIP.sub("", html.unescape(html.unescape(url))).lower()
    m = re.match(r"([a-z][a-z0-9+.\-]*):", u)
    return m.group(1) if m else None


def find_parts(text: str) -> list[bool]:
    """Which of the five parts a body covers, judged from its headings (or, if it has none,
    from its text)."""
    heads = [ln for ln in text.splitlines() if _HEADING.match(ln)]
    hay = "\n".join(heads) if heads else text
    return [any(k in hay for k in keys) for _, _, keys in FIVE_PARTS]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # as schema_checks: not tab, LF, CR


def scan_body(relpath: str, text: str) -> Iterator[Problem]:
    """Raw HTML, unsafe links and attribute lists, line by line (fenced code is text); control
    characters (NUL …) on any line, fenced or not: they corrupt what is published (issue 17)."""
    lines: list[int] = []
    for m in _CONTROL.finditer(text):
        no = text.count("\n", 0, m.start()) + 1
        if not lines or lines[-1] != no:
            lines.append(no)
            if len(lines) > 100:
                break
    for no in lines[:100]:
        yield problem("body-control-character", relpath, no, "", line=no)
    in_fence = False
    for no, line in enumerate(text.splitlines(), 1):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        plain = _CODE_SPAN.sub("", line)
        m = _TAG.search(plain)
        if m:
            tag = (m.group(1) or m.group(2) or "").lstrip("/").lower()[:20]
            yield problem("body-raw-html", relpath, no, "", tag=tag)
        bad = None
        for rx in (_INLINE_LINK, _AUTOLINK, _HTML_URL, _ATTR_URL):
            for u in rx.findall(plain):
                s = _scheme(u)
                if s in UNSAFE_SCHEMES:
                    bad = ("链接", "link", f"{s}:")
                    break
            if bad:
                break
        if not bad:
            rm = _REF_DEF.match(plain)
            if rm and _scheme(rm.group(1)) in UNSAFE_SCHEMES:
                bad = ("链接", "link", f"{_scheme(rm.group(1))}:")
        if bad:
            yield problem("body-unsafe-link", relpath, no, "", what_zh=bad[0], what_en=bad[1], scheme=bad[2])
        for u in _IMAGE.findall(plain):
            # the site shows only images inside the package (generator/sanitize.py drops others)
            if not safe_image_path(u):
                s = _scheme(u)
                yield problem(
                    "body-unsafe-link",
                    relpath,
                    no,
                    "",
                    what_zh="图片地址（只显示数据包内的图片）",
                    what_en="image address (only images inside the package are shown)",
                    scheme=f"{s}:" if s else "//" if u.startswith("//") else u[:40],
                )
                break
        am = _ATTR_LIST.search(plain)
        if am:
            yield problem(
                "body-unsafe-link",
                relpath,
                no,
                "",
                what_zh="属性（事件处理）",
                what_en="attribute (event handler)",
                scheme=am.group(1).lower()[:20],
            )


_IMAGE_WHY = {
    "photo-not-image": ("不是可读的 JPEG、PNG 或 WebP 图片", "is not a readable JPEG, PNG or WebP image"),
    "photo-too-large": (
        "像素过多（超过 4,000 万），不会被打开",
        "has too many pixels (over 40 million); it is not opened",
    ),
}


def images(root, relpath: str, text: str, seen: dict[str, str | None]) -> Iterator[Problem]:
    """Every image a body shows follows the convention (images/<file>, sanitize.report_image_name)
    and is a readable image at reports/images/<file> inside the package, opened the way the build
    will open it. `seen`: file name → photo code (None when fine), shared across bodies."""
    in_fence = False
    for no, line in enumerate(text.splitlines(), 1):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        for u in _IMAGE.findall(_CODE_SPAN.sub("", line)):
            if not safe_image_path(u):
                continue  # a scheme, "//" or "..": body-unsafe-link
            name = report_image_name(u)
            if name is None:
                yield problem("body-image-path", relpath, no, "", path=show_value(u, limit=60))
                continue
            if name not in seen:
                p = package_path(root, f"{REPORT_IMAGES}/{name}")
                if p is None or not p.is_file():
                    seen[name] = "photo-missing"
                else:
                    try:
                        open_photo(p).close()
                        seen[name] = None
                    except PhotoError as e:
                        seen[name] = e.code
            code = seen[name]
            if code == "photo-missing":
                yield problem("body-image-missing", relpath, no, "", path=f"images/{name}")
            elif code is not None:
                why = _IMAGE_WHY.get(code, _IMAGE_WHY["photo-not-image"])
                yield problem(
                    "body-image-invalid", relpath, no, "", path=f"images/{name}", why_zh=why[0], why_en=why[1]
                )


def unfilled(relpath: str, text: str) -> Iterator[Problem]:
    """A published body still (partly) the skeleton: prompts left, parts without text, too short."""
    prompts: list[int] = []
    heads: list[tuple[int, int, str]] = []  # (line, level, text)
    content: list[int] = []  # lines with text of their own
    chars = 0
    in_fence = False
    for no, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if not s:
            continue
        m = None if in_fence else _ATX.match(line)
        if m:
            heads.append((no, len(m.group(1)), m.group(2)))
        elif not in_fence and s.startswith(">") and PROMPT_MARK in s:
            prompts.append(no)
        else:
            content.append(no)
            chars += len(_WORD.findall(s))
    if prompts:
        yield problem("report-prompt-left", relpath, prompts[0], "", count=len(prompts))
    empty = []
    for i, (no, level, title) in enumerate(heads):
        if level == 1:
            continue  # the report's own title
        end = next((n for n, lv, _ in heads[i + 1 :] if lv <= level), 10**9)
        if not any(no < c < end for c in content):
            empty.append((no, title))
    if empty:
        yield problem(
            "report-part-empty",
            relpath,
            empty[0][0],
            "",
            count=len(empty),
            parts="、".join(show_value(t, limit=20) for _, t in empty[:5]) + ("…" if len(empty) > 5 else ""),
        )
    if not prompts and not empty and chars < MIN_BODY_CHARS:
        yield problem("report-too-short", relpath, 0, "", chars=chars, minimum=MIN_BODY_CHARS)


def bodies(ds: Dataset, unreadable: set[str]) -> Iterator[Problem]:
    if "reports" in unreadable or "reports" not in ds.package.tables:
        return
    path = ds.package.tables["reports"].path
    checked: set[str] = set()
    seen_images: dict[str, str | None] = {}
    for r in ds.reports:
        if r.published and r.mode == "meeting" and not (r.venue or "").strip():
            yield problem("report-venue-missing", path, ds.line(r), "venue")
        if not r.body or not BODY_PATH.fullmatch(r.body):
            continue  # empty or unsafe path: tier 1 reported it
        f = ds.root / r.body
        if not f.is_file():
            yield problem("body-missing", path, ds.line(r), "body", path=r.body)
            continue
        if r.body in checked:
            continue
        checked.add(r.body)
        size = f.stat().st_size
        if size > MAX_BODY_BYTES:  # never read: a 10-million-character body became a 31 MB page
            yield problem(
                "report-body-too-large",
                path,
                ds.line(r),
                "body",
                path=r.body,
                size=f"{size:,}",
                limit=f"{MAX_BODY_BYTES:,}",
            )
            continue
        data = f.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            yield problem(
                "body-encoding", r.body, data.count(b"\n", 0, e.start) + 1, "", line=data.count(b"\n", 0, e.start) + 1
            )
            continue
        yield from scan_body(r.body, text)
        yield from images(ds.root, r.body, text, seen_images)
        found = find_parts(text)
        if not all(found):
            miss = [i for i, ok in enumerate(found) if not ok]
            yield problem(
                "body-parts-missing",
                r.body,
                0,
                "",
                parts="、".join(str(i + 1) for i in miss),
                names_zh="；".join(FIVE_PARTS[i][0] for i in miss),
                names_en="; ".join(FIVE_PARTS[i][1] for i in miss),
            )
        if r.published:
            yield from unfilled(r.body, text)
        yield from scan_text(r.body, text, ds.rules, "body")


CHECKS = (bodies,)
