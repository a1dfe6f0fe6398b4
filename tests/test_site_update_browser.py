"""A site update seen by a visitor whose browser kept the old files: search and find-your-deputy
must show the new data, never the old index's numbering read against new files (or the
reverse). Hosts let browsers keep files for a while (GitHub Pages: 10 minutes; a server
without cache headers: a share of the file's age, often days), so the test serves the site
with `Cache-Control: max-age=3600`, searches and looks up a place, rebuilds the site with one
deputy's name corrected, and asks again in the same browser (the same cache)."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import http.server
import re
import shutil
import threading
from pathlib import Path

import pytest
from browser_support import TINY, assert_clean, browser, build_site, open_page  # noqa: F401

from generator.model import load_dataset
from generator.pages import SiteContext
from generator.search.finder import build_finder

pytestmark = pytest.mark.browser

OLD, NEW = "张建国", "张建军"  # a name corrected between two builds
RESULTS = "#search-app [data-search-results] > li"
FINDER_DIRECT = ".ds-finder__direct > .ds-finder__list > .ds-finder__dep .ds-finder__who > a"


class _Cached(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "max-age=3600")
        super().end_headers()


def _serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Cached, directory=str(site)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def _rename(data: Path, old: str, new: str) -> None:
    path = data / "deputies.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sum(r["name"] == old for r in rows) == 1
    for r in rows:
        if r["name"] == old:
            r["name"] = new
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def _place_listing(data: Path, name: str) -> str:
    """A township or village whose directly elected deputies include `name` (from the data)."""
    text = (data / "datapackage.yaml").read_text(encoding="utf-8")
    as_of = dt.date.fromisoformat(re.search(r'^x-data-date:\s*"?(\d{4}-\d\d-\d\d)', text, re.M).group(1))
    index, shards = build_finder(SiteContext(load_dataset(data), as_of))
    for row in index["areas"]:
        if row[3] and row[4] >= 0:
            shard = shards[row[3]]
            deps = shard["deputies"]
            if any(deps[k]["name"] == name and deps[k]["direct"] for k in shard["places"][row[4]][2]):
                return row[0]
    raise AssertionError(f"no place lists {name}")


def _search_titles(page, url: str, q: str) -> list[str]:
    page.goto(url + "search/?q=" + q)
    # done: found, or not (没有找到), or unavailable (搜索暂时不可用)
    page.wait_for_function("/^(找到|没有|搜索暂时)/.test(document.querySelector('[data-search-status]').textContent)")
    return page.locator(f"{RESULTS} h3").all_inner_texts() or [page.locator("[data-search-status]").inner_text()]


def _finder_names(page, url: str, place: str) -> list[str]:
    page.goto(url + "find/?q=" + place)
    page.wait_for_function("document.querySelector('.ds-finder__status').textContent.includes('直接选举')")
    return page.locator(FINDER_DIRECT).all_inner_texts()


def test_after_an_update_a_browser_that_kept_the_old_files_shows_the_new_data(browser, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    site = build_site(data, tmp_path / "site")
    place = _place_listing(data, OLD)
    server, url = _serve(site)
    try:
        page, log = open_page(browser, url + "search/")
        assert _search_titles(page, url, OLD)[0] == OLD
        assert OLD in _finder_names(page, url, place)

        _rename(data, OLD, NEW)
        build_site(data, site)
        assert _place_listing(data, NEW) == place

        # the same browser, its cache holding the first build's files
        assert _search_titles(page, url, NEW)[0] == NEW
        names = _finder_names(page, url, place)
        assert NEW in names and OLD not in names
        assert_clean(log)
    finally:
        server.shutdown()
