"""First contentful paint on a slow phone network, as DevTools' "Slow 3G" preset has it.

`python -m bench.first_paint [--site DIR | --data DIR]` serves a built site from a local server
that sends text files gzip-compressed (as a real host would), opens the home page, a deputy
page and a report page in Chromium (Playwright) with the network throttled over CDP
(`Network.emulateNetworkConditions`: 2,000 ms latency, 50 KB/s = 51,200 bytes/s each way) and
the cache disabled, each in a fresh browser context (cold cache), and reads
first-contentful-paint from `performance.getEntriesByType('paint')`.

Target (issue 14): at most 4.0 s for each of the three pages. `make bench` runs it on the
county site (bench/run.py); alone it builds data/ (or takes --site) and prints the figures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import mimetypes
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LATENCY_MS = 2000
THROUGHPUT = 51200  # bytes per second, down and up
TARGET_S = 4.0
GZIP_TYPES = ("text/", "application/javascript", "application/json", "application/xml", "image/svg+xml")


def pick_pages(site: Path) -> dict[str, str]:
    """Home, the first deputy page and the first report page (by folder name) of a built site."""

    def first(section: str) -> str:
        for d in sorted((site / section).iterdir()):
            # record pages only: section sub-lists (deputies/levels/, reports/2024/) have no
            # letter-led id with a digit, but records always do in the demo ("d0001", "r00001")
            if (d / "index.html").is_file() and d.name[:1].isalpha() and any(c.isdigit() for c in d.name):
                return f"{section}/{d.name}/"
        raise SystemExit(f"no record page under {site / section}")

    return {"home": "", "deputy": first("deputies"), "report": first("reports")}


def serve(site: Path) -> ThreadingHTTPServer:
    """A static server on a free local port that gzips text (when the browser accepts it)."""
    root = site.resolve()

    @lru_cache(maxsize=512)
    def compressed(path: str, mtime: float) -> bytes:
        return gzip.compress(Path(path).read_bytes(), 6, mtime=0)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            rel = unquote(urlsplit(self.path).path).lstrip("/")
            p = (root / rel).resolve()
            if p != root and root not in p.parents:
                return self._send(403, b"forbidden", "text/plain")
            if p.is_dir():
                if not self.path.split("?")[0].endswith("/"):
                    self.send_response(301)
                    self.send_header("Location", self.path.split("?")[0] + "/")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                p = p / "index.html"
            if not p.is_file():
                nf = root / "404.html"
                return self._send(404, nf.read_bytes() if nf.is_file() else b"not found", "text/html")
            ctype = mimetypes.guess_type(p.name)[0] or "application/octet-stream"
            if ctype.startswith("text/") or ctype.endswith(("javascript", "json", "xml")):
                ctype += "; charset=utf-8"
            if "gzip" in self.headers.get("Accept-Encoding", "") and ctype.startswith(GZIP_TYPES):
                return self._send(200, compressed(str(p), p.stat().st_mtime), ctype, gz=True)
            return self._send(200, p.read_bytes(), ctype)

        def _send(self, code: int, body: bytes, ctype: str, gz: bool = False) -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            if gz:
                self.send_header("Content-Encoding", "gzip")
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def fcp(browser, url: str, width: int = 360, height: int = 740) -> dict:
    """One cold load of `url` under Slow 3G: first contentful paint and what it transferred."""
    ctx = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=2, is_mobile=True)
    try:
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": LATENCY_MS,
                "downloadThroughput": THROUGHPUT,
                "uploadThroughput": THROUGHPUT,
            },
        )
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(url, wait_until="load", timeout=180_000)
        page.wait_for_function(
            "performance.getEntriesByType('paint').some(e => e.name === 'first-contentful-paint')", timeout=60_000
        )
        paint = page.evaluate(
            "performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint').startTime"
        )
        load = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
        return {"fcp_s": round(paint / 1000, 2), "load_s": round(load / 1000, 2), "requests": len(requests)}
    finally:
        ctx.close()


def measure(site: Path, runs: int = 3) -> dict:
    """Median FCP over `runs` cold loads of each page; `ok` when every median is within target."""
    from playwright.sync_api import sync_playwright

    pages = pick_pages(site)
    httpd = serve(site)
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    out: dict = {
        "conditions": f"latency {LATENCY_MS} ms, {THROUGHPUT} B/s down/up, cache disabled, gzip, 360x740",
        "target_s": TARGET_S,
        "runs": runs,
        "pages": {},
    }
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
            try:
                for name, path in pages.items():
                    samples = [fcp(browser, base + path) for _ in range(runs)]
                    fcps = [s["fcp_s"] for s in samples]
                    out["pages"][name] = {
                        "path": "/" + path,
                        "fcp_s": round(statistics.median(fcps), 2),
                        "fcp_all_s": fcps,
                        "load_s": round(statistics.median(s["load_s"] for s in samples), 2),
                        "requests": samples[0]["requests"],
                    }
            finally:
                browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    out["ok"] = all(p["fcp_s"] <= TARGET_S for p in out["pages"].values())
    return out


def render(result: dict) -> str:
    lines = [
        f"First contentful paint, DevTools Slow 3G ({result['conditions']}); median of {result['runs']} cold loads:",
        "",
        "| page | path | FCP | all runs | load event | requests |",
        "|---|---|---|---|---|---|",
    ]
    for name, p in result["pages"].items():
        lines.append(
            f"| {name} | {p['path']} | **{p['fcp_s']} s** | {', '.join(map(str, p['fcp_all_s']))} | "
            f"{p['load_s']} s | {p['requests']} |"
        )
    lines += ["", f"Target ≤ {result['target_s']} s: {'met' if result['ok'] else 'NOT met'}."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.first_paint", description=__doc__.split("\n\n")[0])
    ap.add_argument("--site", help="a built site (default: build --data into a temporary folder)")
    ap.add_argument("--data", default=str(ROOT / "data"), help="data package to build when --site is not given")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", help="also write the result here")
    ap.add_argument("--md", help="also write the table here (e.g. bench/results/first_paint.md)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="first-paint-") as tmp:
        site = Path(args.site) if args.site else Path(tmp) / "site"
        if not args.site:
            cmd = [sys.executable, "-m", "generator", "build", "--data", args.data, "--out", str(site)]
            subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        result = measure(site, args.runs)
    print(render(result))
    if args.md:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        head = f"# First paint on Slow 3G\n\nCommit {commit}; site: {args.site or args.data}. Rerun: `python -m bench.first_paint"
        head += f" --site DIR --md {args.md}` (or `make bench`, county).\n\n"
        Path(args.md).write_text(head + render(result) + "\n", encoding="utf-8")
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
