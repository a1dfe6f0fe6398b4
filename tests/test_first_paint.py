"""Speed on a slow phone (issue 14): the first screen paints from the HTML alone. On Slow 3G each
request waits 2 s, so nothing in <head> may hold the paint back: no stylesheet link, no script
that is not deferred; the rules the first screen needs are inlined and the full stylesheets load
at the end of <body>. The paint time itself is measured by `python -m bench.first_paint`
(`make bench`), not here: it takes minutes under throttling."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from browser_support import built_tiny_site  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["", "deputies/d01/", "reports/r01/", "deputies/", "reports/", "search/", "about/"]


def _config() -> dict:
    class Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml may carry !!python/name tags: read them as plain strings
    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)


def _split(site: Path, url: str) -> tuple[str, str]:
    html = (site / url / "index.html").read_text(encoding="utf-8")
    head, _, body = html.partition("</head>")
    return head, body


def test_tiny_pages_exist(built_tiny_site):  # noqa: F811
    assert [u for u in PAGES if not (built_tiny_site / u / "index.html").is_file()] == []


@pytest.mark.parametrize("url", PAGES)
def test_nothing_in_head_blocks_the_first_paint(built_tiny_site, url):  # noqa: F811
    head, body = _split(built_tiny_site, url)
    assert re.findall(r"<link[^>]*rel=\"?stylesheet[^>]*>", head) == []
    blocking = [
        t for t in re.findall(r"<script[^>]*\ssrc=[^>]*>", head + body) if not re.search(r"\s(defer|async)\b", t)
    ]
    assert blocking == []
    # the first screen's rules are inline: Material's header and our header search among them
    style = re.search(r"<style>(.*?)</style>", head, re.S)
    assert style is not None
    assert ".md-header{" in style.group(1) and ".ds-hsearch" in style.group(1)


@pytest.mark.parametrize("url", PAGES)
def test_full_stylesheets_load_at_the_end_of_body_in_order(built_tiny_site, url):  # noqa: F811
    sheets = _config()["extra"]["stylesheets"]
    _head, body = _split(built_tiny_site, url)
    depth = url.count("/")
    linked = re.findall(r'<link rel="stylesheet" href="([^"]+)">', body)
    assert linked == ["../" * depth + s for s in sheets]
    # after the article and footer, before the first script
    assert body.rfind("</footer>") < body.find('<link rel="stylesheet"') < body.find("<script defer src=")


def test_every_listed_stylesheet_is_in_the_site(built_tiny_site):  # noqa: F811
    """Material's file names carry a hash that changes with its version (mkdocs.yml lists them)."""
    assert [s for s in _config()["extra"]["stylesheets"] if not (built_tiny_site / s).is_file()] == []


def test_no_render_blocking_extra_css():
    """mkdocs' extra_css is printed as <link> in <head> by Material's base.html."""
    assert not _config().get("extra_css")


def test_critical_css_cannot_close_its_style_element():
    text = (ROOT / "theme" / "partials" / "critical-css.html").read_text(encoding="utf-8")
    css = text[text.index("{% raw %}") + 9 : text.index("{% endraw %}")]
    assert "</" not in css and "<!--" not in css
    assert 0 < len(css.encode()) < 20_000  # inlined in every page (budget: pages < 100 KB)
