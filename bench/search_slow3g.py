"""Search on a slow phone: seconds from Enter to the first results on DevTools' Slow 3G
(50 KB/s down and up, 2,000 ms latency, cache disabled, gzip served), in Chromium at 360 px,
for a few queries of each kind people type. Issue 15's budget: at most 5 s.

    python -m bench.search_slow3g [SITE] [--http2] [-v]
        SITE     a built site (default: builds data/ into a temp folder)
        --http2  serve it with nginx over HTTPS and HTTP/2 (as hosting services do), else
                 HTTP/1.1 from a small local gzip server (at most 6 connections: the worst case)
        -v       list the files fetched after Enter

Both servers gzip text files, as any real server does.
"""

from __future__ import annotations

import csv
import gzip
import http.server
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
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


NGINX_CONF = """daemon off; pid {run}/nginx.pid; error_log {run}/error.log;
events {{}}
http {{
  include /etc/nginx/mime.types; access_log off;
  client_body_temp_path {run}; proxy_temp_path {run}; fastcgi_temp_path {run}; uwsgi_temp_path {run}; scgi_temp_path {run};
  gzip on; gzip_types text/css application/javascript application/json image/svg+xml application/octet-stream text/xml;
  server {{ listen 127.0.0.1:{port} ssl http2; ssl_certificate {run}/cert.pem; ssl_certificate_key {run}/key.pem;
           root {site}; }}
}}
"""


def serve_nginx(site: Path) -> tuple[subprocess.Popen, str]:
    """nginx over HTTPS and HTTP/2 with a throwaway self-signed certificate."""
    run = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
        + ["-keyout", str(run / "key.pem"), "-out", str(run / "cert.pem")],
        check=True,
        capture_output=True,
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (run / "nginx.conf").write_text(NGINX_CONF.format(run=run, port=port, site=site.resolve()))
    proc = subprocess.Popen(["nginx", "-c", str(run / "nginx.conf"), "-p", str(run)], stderr=subprocess.DEVNULL)
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    proc.run_dir = run  # type: ignore[attr-defined]
    return proc, f"https://127.0.0.1:{port}/"


def queries(data: Path) -> list[tuple[str, str]]:
    """(kind, query) taken from the data: a deputy's name, a township + village + topic typed
    without spaces, an everyday word, pinyin initials of a name."""
    with (data / "deputies.csv").open(encoding="utf-8-sig") as f:
        name = next(csv.DictReader(f))["name"]
    with (data / "areas.csv").open(encoding="utf-8-sig") as f:
        areas = list(csv.DictReader(f))
    village = next(a for a in areas if a["name"].endswith("村"))
    return [("name", name), ("place+topic", village["name"] + "饮水"), ("everyday word", "述职"), ("pinyin", "renzhou")]


def measure(site: Path, qs: list[tuple[str, str]], http2: bool = False) -> list[tuple[str, str, float, int]]:
    server, url = serve_nginx(site) if http2 else serve(site)
    out = []
    try:
        with sync_playwright() as p:
            args = ["--no-sandbox"] + (["--ignore-certificate-errors"] if http2 else [])
            browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
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
        if http2:
            server.terminate()
            server.wait()
            shutil.rmtree(server.run_dir, ignore_errors=True)
        else:
            server.shutdown()
    return out


def main(argv: list[str]) -> int:
    http2 = "--http2" in argv
    argv = [a for a in argv if a not in ("-v", "--http2")]
    if argv:
        site = Path(argv[0])
    else:
        from generator.cli import main as cli  # only when no site is given

        site = Path(tempfile.mkdtemp()) / "site"
        if cli(["build", "--data", str(ROOT / "data"), "--out", str(site)]) != 0:
            return 1
    rows = measure(site, queries(ROOT / "data"), http2)
    print(f"Server: {'nginx, HTTPS, HTTP/2' if http2 else 'HTTP/1.1 (6 connections)'}; {os.cpu_count()} cores")
    print("| query kind | query | seconds from Enter to first results (Slow 3G) | bytes after Enter (gzip) |")
    print("|---|---|---|---|")
    for kind, q, s, n in rows:
        print(f"| {kind} | {q} | {s:.2f} | {n / 1024:.1f} KB |")
    return 0 if all(s <= 5.0 for _k, _q, s, _n in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
