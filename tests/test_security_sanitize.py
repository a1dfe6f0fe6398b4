"""generator/sanitize.py: what report Markdown keeps, what it loses, and bounded time."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import nh3
import pytest

from generator.sanitize import (
    csv_cell,
    html_to_text,
    json_for_html,
    markdown_too_complex,
    safe_image_path,
    text,
)
from generator.sanitize import (
    markdown_to_safe_html as md,
)

ROOT = Path(__file__).resolve().parent.parent
REL = 'rel="noopener noreferrer nofollow"'
DEAD = f"<p><a {REL}>x</a></p>"  # an unsafe link keeps its words and loses its target


def test_the_real_cleaner_runs_on_every_call(monkeypatch):
    """These tests check the sanitizer only if it runs: no memo (in memory or in a cache
    folder) may answer `markdown_to_safe_html`. A payload no run has seen before goes through
    it twice; nh3's cleaner must see it both times, and it is what removes the dangerous parts."""
    real_clean = nh3.clean
    calls: list[tuple[str, str]] = []

    def counting_clean(html, *args, **kwargs):
        out = real_clean(html, *args, **kwargs)
        calls.append((html, out))
        return out

    monkeypatch.setattr(nh3, "clean", counting_clean)
    nonce = uuid.uuid4().hex
    src = f"[{nonce}](javascript:alert(1)) ![{nonce}](https://evil.example/{nonce}.png) <script>alert(1)</script>"
    clean = f'<p><a {REL}>{nonce}</a> <img alt="{nonce}"> &lt;script&gt;alert(1)&lt;/script&gt;</p>'
    first = md(src)
    second = md(src)
    assert first == clean
    assert second == clean
    assert len(calls) == 2, (
        f"nh3.clean ran {len(calls)} times for 2 calls of markdown_to_safe_html: "
        "something memoises the sanitizer (generator/sanitize.py)"
    )
    for fed, out in calls:  # the cleaner, not only the Markdown step, did the work
        assert 'href="javascript:' in fed and "https://evil.example/" in fed
        assert "javascript:" not in out and "evil.example" not in out and "<script" not in out


def test_the_session_cache_is_not_the_checkouts():
    """tests/conftest.py gives the session its own empty build cache, outside the checkout."""
    folder = Path(os.environ.get("DEPUTY_SITE_CACHE", ""))
    assert folder.is_absolute() and folder.is_dir()
    assert not folder.resolve().is_relative_to(ROOT)


@pytest.mark.parametrize(
    "src",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](jav&#x09;ascript:alert(1))",
        "[x](jav&#9;ascript:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](\x01javascript:alert(1))",
        "[x]( javascript:alert(1))",
        "[x](<javascript:alert(1)>)",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](vbscript:msgbox(1))",
        "[x](//evil.example/x)",
        "[x](/etc/passwd)",
        "[x](../secret.md)",
        "[x](file:///etc/passwd)",
        "[x](https:/evil)",
        "[x][r]\n\n[r]: javascript:alert(1)",
        "[x]\n\n[x]: data:text/html,<script>alert(1)</script>",
    ],
)
def test_unsafe_link_targets_are_dropped(src):
    assert md(src) == DEAD


@pytest.mark.parametrize(
    "src, out",
    [
        ("[x](https://example.org/a?b=1&c=2)", f'<p><a href="https://example.org/a?b=1&amp;c=2" {REL}>x</a></p>'),
        ("[x](http://example.org)", f'<p><a href="http://example.org" {REL}>x</a></p>'),
        ("[x](mailto:rd@example.org)", f'<p><a href="mailto:rd@example.org" {REL}>x</a></p>'),
        ("[x](#part-2)", f'<p><a href="#part-2" {REL}>x</a></p>'),
        ("[x]( https://ok.example )", f'<p><a href="https://ok.example" {REL}>x</a></p>'),
        ("[x][r]\n\n[r]: https://example.org", f'<p><a href="https://example.org" {REL}>x</a></p>'),
        ("<https://example.org>", f'<p><a href="https://example.org" {REL}>https://example.org</a></p>'),
        ("<rd@example.org>", f'<p><a href="mailto:rd@example.org" {REL}>rd@example.org</a></p>'),
        (
            '[x](https://a.example "t\\" onclick=x")',
            f'<p><a href="https://a.example" title="t\\&quot; onclick=x" {REL}>x</a></p>',
        ),
    ],
)
def test_safe_links_keep_target_and_get_rel(src, out):
    assert md(src) == out


@pytest.mark.parametrize(
    "src, out",
    [
        ("<script>window.__pwned=1</script>", "<p>&lt;script&gt;window.__pwned=1&lt;/script&gt;</p>"),
        ("<iframe src=https://evil></iframe>", "<p>&lt;iframe src=https://evil&gt;&lt;/iframe&gt;</p>"),
        ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>"),
        ("<svg onload=alert(1)>", "<p>&lt;svg onload=alert(1)&gt;</p>"),
        ("<style>body{display:none}</style>", "<p>&lt;style&gt;body{display:none}&lt;/style&gt;</p>"),
        (
            '<form action="https://evil"><input name=p></form>',
            '<p>&lt;form action="https://evil"&gt;&lt;input name=p&gt;&lt;/form&gt;</p>',
        ),
        (
            "<meta http-equiv=refresh content=0;url=https://evil>",
            "<p>&lt;meta http-equiv=refresh content=0;url=https://evil&gt;</p>",
        ),
        ("<div>\n<script>x</script>\n</div>", "<p>&lt;div&gt;\n&lt;script&gt;x&lt;/script&gt;\n&lt;/div&gt;</p>"),
        ("<!-- hidden --> shown", "<p>&lt;!-- hidden --&gt; shown</p>"),
        ("<javascript:alert(1)>", "<p>&lt;javascript:alert(1)&gt;</p>"),
        ("&#x3c;script&#x3e;alert(1)", "<p>&lt;script&gt;alert(1)</p>"),
        ("a < b > c & d", "<p>a &lt; b &gt; c &amp; d</p>"),
    ],
)
def test_raw_html_is_shown_as_text(src, out):
    assert md(src) == out


def test_attr_list_is_not_enabled():
    assert md("# 标题\n{: onmouseover=alert(1) }") == "<h2>标题</h2>\n<p>{: onmouseover=alert(1) }</p>"
    assert md("段落 {: .x onclick=alert(1) }") == "<p>段落 {: .x onclick=alert(1) }</p>"


def test_no_snippets_or_file_inclusion():
    assert md('--8<-- "/etc/passwd"') == '<p>--8&lt;-- "/etc/passwd"</p>'
    assert md("{!/etc/passwd!}") == "<p>{!/etc/passwd!}</p>"


def test_code_keeps_markdown_and_html_as_text():
    assert md("`a<b & [x](javascript:y)`") == "<p><code>a&lt;b &amp; [x](javascript:y)</code></p>"
    assert md("    <script>x</script>\n    **not bold**\n") == (
        "<pre><code>&lt;script&gt;x&lt;/script&gt;\n**not bold**\n</code></pre>"
    )


def test_what_reports_need_is_kept():
    src = (
        "# 报告\n\n## 一、学习\n\n### 小节\n\n- 甲\n- 乙\n\n1. 一\n2. 二\n\n"
        "**粗** *斜* ~~x~~\n\n> 引用\n\n---\n\n|项目|次数|\n|:-|-:|\n|走访|12|\n"
    )
    assert md(src) == (
        "<h2>报告</h2>\n<h2>一、学习</h2>\n<h3>小节</h3>\n<ul>\n<li>甲</li>\n<li>乙</li>\n</ul>\n"
        "<ol>\n<li>一</li>\n<li>二</li>\n</ol>\n<p><strong>粗</strong> <em>斜</em> ~~x~~</p>\n"
        "<blockquote>\n<p>引用</p>\n</blockquote>\n<hr>\n"
        '<table>\n<thead>\n<tr>\n<th align="left">项目</th>\n<th align="right">次数</th>\n</tr>\n</thead>\n'
        '<tbody>\n<tr>\n<td align="left">走访</td>\n<td align="right">12</td>\n</tr>\n</tbody>\n</table>'
    )
    assert md("标题\n===") == "<h2>标题</h2>"


@pytest.mark.parametrize(
    "src, out",
    [
        ("![照片](photos/a.jpg)", '<p><img alt="照片" src="photos/a.jpg"></p>'),
        ("![照片](img/sub/a_b-1.PNG)", '<p><img alt="照片"></p>'),  # extension list is lower-case
        ("![x](../a.png)", '<p><img alt="x"></p>'),
        ("![x](photos/../../a.png)", '<p><img alt="x"></p>'),
        ("![x](//evil.example/a.png)", '<p><img alt="x"></p>'),
        ("![x](/a.png)", '<p><img alt="x"></p>'),
        ("![x](https://evil.example/a.png)", '<p><img alt="x"></p>'),
        ("![x](data:image/png;base64,AAAA)", '<p><img alt="x"></p>'),
        ("![x](javascript:alert(1)//a.png)", '<p><img alt="x"></p>'),
        ("![x](photos\\..\\a.png)", '<p><img alt="x"></p>'),
        ("![x](photos/%2e%2e/a.png)", '<p><img alt="x"></p>'),
        ("![x](photos/a.svg)", '<p><img alt="x"></p>'),
        ('![a> src="e.png](photos/b.png)', '<p><img alt="a&gt; src=&quot;e.png" src="photos/b.png"></p>'),
    ],
)
def test_images_only_from_the_package(src, out):
    assert md(src) == out


def test_image_url_mapper_sees_only_safe_paths():
    seen = []

    def mapper(p):
        seen.append(p)
        return "../../media/" + p if p != "photos/drop.png" else None

    out = md("![a](photos/a.png) ![b](../b.png) ![c](photos/drop.png)", image_url=mapper)
    assert out == '<p><img alt="a" src="../../media/photos/a.png"> <img alt="b"> <img alt="c"></p>'
    assert seen == ["photos/a.png", "photos/drop.png"]
    # the mapper is not left behind for later calls
    assert md("![a](photos/a.png)") == '<p><img alt="a" src="photos/a.png"></p>'


def test_control_characters_and_nul_are_removed():
    assert md("a\x00b\x02c\x03d\x1be\x7f") == "<p>abcde</p>"
    assert md("\x02klzzwxh:0\x03") == "<p>klzzwxh:0</p>"
    assert md("a\r\nb") == "<p>a\nb</p>"


def test_odd_unicode_passes_through():
    s = "𠀀 ＡＢＣ e\u0301 \u202eRTL\u202c 😀 مرحبا"
    assert md(s) == f"<p>{s}</p>"


@pytest.mark.parametrize(
    "src",
    [
        "[" * 20000,
        "![" * 5000,
        "``a`" * 20000,
        "[x\n" * 4000,
        "".join(" " * i + "* x\n" for i in range(0, 600)),
        "> - " * 3000 + "x",
        ">" * 5000 + " x",
        "x" * (2 * 10**6),
    ],
    ids=["brackets", "images", "backticks", "bracket-lines", "deep-list", "quote-list", "deep-quote", "huge"],
)
def test_pathological_markdown_is_plain_text_in_bounded_time(src):
    assert markdown_too_complex(src)
    start = time.process_time()
    out = md(src)
    # not a timing test of the machine: the fallback is linear, the normal path is 10–1000× slower
    assert time.process_time() - start < 5
    assert out.startswith("<p>") and "<a" not in out and "<code>" not in out


def test_fallback_escapes_and_keeps_paragraphs():
    src = "<script>x</script>\n第二行\n\n" + "[" * 3000
    assert md(src) == "<p>&lt;script&gt;x&lt;/script&gt;<br>\n第二行</p>\n<p>" + "[" * 3000 + "</p>"


def test_ordinary_reports_are_not_too_complex():
    body = ("段落 **粗** [链](https://a.example) `c`\n\n" * 500) + "".join("    " * i + "- x\n" for i in range(8))
    assert not markdown_too_complex(body)


def test_html_to_text_and_text():
    assert html_to_text("<p>a &lt;b&gt;</p>\n<p>c</p>") == "a <b> c"
    assert text('<a href="x">\'&') == "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;"
    assert text(None) == ""


def test_json_for_html_cannot_close_a_script():
    s = json_for_html({"t": "</script><script>alert(1)</script>&\u2028"})
    assert "<" not in s and ">" not in s and "&" not in s and "\u2028" not in s
    assert s == '{"t":"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e\\u0026\\u2028"}'


@pytest.mark.parametrize(
    "value, out",
    [
        ('=HYPERLINK("http://evil","点我")', '\'=HYPERLINK("http://evil","点我")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-3", "-3"),
        ("+86", "+86"),
        ("1.5", "1.5"),
        ("普通文字", "普通文字"),
        (None, ""),
        (12, "12"),
    ],
)
def test_csv_cell_neutralises_formulas(value, out):
    assert csv_cell(value) == out


def test_safe_image_path():
    assert safe_image_path("photos/d01.jpg")
    assert not safe_image_path("../d01.jpg")
    assert not safe_image_path("/d01.jpg")
    assert not safe_image_path("")
