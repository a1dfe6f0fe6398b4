"""Search on a slow phone: seconds from Enter to results on DevTools' Slow 3G (50 KB/s down
and up, 2,000 ms latency, cache disabled, gzip served), in Chromium at 360 px, for a few
queries of each kind people type. Issue 15's budget: at most 5 s.

    python -m bench.search_slow3g [SITE]     # SITE: a built site (default: builds data/ into a temp folder)

The site is served by a small local server that gzips text files, as any real server does.
"""

from __future__ import annotations

import csv
import gzip
import http.server
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
SLOW_3G = {"offline": False, "latency": 2000, "downloadThroughput": 51200, "uploadThroughput": 51200}
TEXT = (".html", ".css", ".js", ".json", ".xml", ".svg", ".bin", ".txt")


class _Gzip(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if "gzip" not in self.headers.get("Accept-Encoding", "") or path.suffix not in TEXT or not path.is_file():
            return super().send_head()
        body = gzip.compress(path.read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return _Body(body)


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, *_a) -> bytes:
        data, self.data = self.data, b""
        return data

    def close(self) -> None:
        pass


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = lambda *a, **kw: _Gzip(*a, directory=str(site), **kw)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def queries(data: Path) -> list[tuple[str, str]]:
    """(kind, query) taken from the data: a deputy's name, a township + village + topic typed
    without spaces, an everyday word, pinyin initials of a name."""
    with (data / "deputies.csv").open(encoding="utf-8-sig") as f:
        name = next(csv.DictReader(f))["name"]
    with (data / "areas.csv").open(encoding="utf-8-sig") as f:
        areas = list(csv.DictReader(f))
    village = next(a for a in areas if a["name"].endswith("村"))
    return [("name", name), ("place+topic", village["name"] + "饮水"), ("everyday word", "述职"), ("pinyin", "renzhou")]


def measure(site: Path, qs: list[tuple[str, str]]) -> list[tuple[str, str, float, int]]:
    server, url = serve(site)
    out = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for kind, q in qs:
                ctx = browser.new_context(viewport={"width": 360, "height": 740})
                page = ctx.new_page()
                cdp = ctx.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
                cdp.send("Network.emulateNetworkConditions", SLOW_3G)
                sizes: list[int] = []
                names: dict[str, str] = {}
                cdp.on("Network.requestWillBeSent", lambda e, n=names: n.update({e["requestId"]: e["request"]["url"]}))
                cdp.on(
                    "Network.loadingFinished",
                    lambda e, s=sizes, n=names: s.append(
                        (n.get(e["requestId"], ""), int(e.get("encodedDataLength", 0)))
                    ),
                )
                page.goto(url + "search/", wait_until="load", timeout=120_000)
                # a person takes a few seconds to type: what the page fetches once it is up (the manifest) arrives
                page.wait_for_load_state("networkidle", timeout=120_000)
                before = len(sizes)
                page.fill("#search-app input[name=q]", q)
                page.evaluate(
                    """() => { window.__t0 = performance.now(); const s = document.querySelector('[data-search-status]');
                    new MutationObserver(() => { if (/^(找到|没有|已核对|以下)/.test(s.textContent) && !window.__t1)
                    window.__t1 = performance.now(); }).observe(s, {childList: true, characterData: true, subtree: true}); }"""
                )
                page.press("#search-app input[name=q]", "Enter")
                page.wait_for_function("() => window.__t1", timeout=120_000)
                seconds = page.evaluate("() => (window.__t1 - window.__t0) / 1000")
                if "-v" in sys.argv:
                    print(kind, q, [u.split("/idx/")[-1] for u, _n in sizes[before:]], file=sys.stderr)
                out.append((kind, q, seconds, sum(n for _u, n in sizes[before:])))
                ctx.close()
            browser.close()
    finally:
        server.shutdown()
    return out


def main(argv: list[str]) -> int:
    argv = [a for a in argv if a != "-v"]
    if argv:
        site = Path(argv[0])
    else:
        from generator.cli import main as cli  # only when no site is given

        site = Path(tempfile.mkdtemp()) / "site"
        if cli(["build", "--data", str(ROOT / "data"), "--out", str(site)]) != 0:
            return 1
    rows = measure(site, queries(ROOT / "data"))
    print("| query kind | query | seconds after Enter (Slow 3G) | bytes after Enter (gzip) |")
    print("|---|---|---|---|")
    for kind, q, s, n in rows:
        print(f"| {kind} | {q} | {s:.2f} | {n / 1024:.1f} KB |")
    return 0 if all(s <= 5.0 for _k, _q, s, _n in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
