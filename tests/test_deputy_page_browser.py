"""A deputy page in Chromium (issue 14), on the tiny fixture's d01 (who has a photo) and d07
(two stations' worth of contact box, no photo): at 360 and 1280 px nothing scrolls sideways,
the photo is drawn from the published file, the 怎样联系 box starts on the first screen, the
tel: link is there, and axe-core finds nothing serious or critical in the article."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_support import assert_clean, browser, built_tiny_site, open_page, site_url  # noqa: F401

AXE = Path(__file__).parent / "node_modules/axe-core/axe.min.js"
SIZES = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("deputy", ["d01", "d07"])
def test_deputy_page_in_the_browser(browser, site_url, deputy, size):  # noqa: F811
    vp = SIZES[size]
    page, log = open_page(browser, f"{site_url}deputies/{deputy}/", viewport=vp)
    try:
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.scrollWidth") <= vp["width"]
        img = page.query_selector("img.ds-photo")
        if deputy == "d01":
            assert img is not None
            assert page.evaluate("(i) => i.complete && i.naturalWidth", img) == 480
            assert img.get_attribute("alt") == "王明华的照片"
        else:
            assert img is None
        top = page.evaluate("document.getElementById('contact').getBoundingClientRect().top")
        assert 0 < top < vp["height"], top
        tels = page.eval_on_selector_all(".ds-contact a[href^='tel:']", "els => els.map(e => e.getAttribute('href'))")
        assert tels == ([] if deputy == "d01" else ["tel:0730-1234567"])
        crumbs = page.eval_on_selector_all("nav[aria-label='面包屑'] li", "els => els.map(e => e.textContent.trim())")
        assert crumbs[:2] == ["首页", "代表"] and crumbs[-1] == ("王明华" if deputy == "d01" else "赵磊")
        if AXE.is_file():
            page.add_script_tag(path=str(AXE))
            found = page.evaluate(
                # the page's own content (the theme's chrome is audited by tests/test_a11y.py)
                "async () => (await axe.run({include: [['article']]}, {resultTypes: ['violations']})).violations"
                ".filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id)"
            )
            assert found == []
        assert_clean(log)
    finally:
        page.context.close()
