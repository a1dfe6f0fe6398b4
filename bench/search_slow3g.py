"""Search on a slow phone: seconds from Enter to the first results on DevTools' Slow 3G
(50 KB/s down and up, 2,000 ms latency, cache disabled, gzip served), in Chromium at 360 px,
for a few queries of each kind people type. Issue 15's budget: at most 5 s.

    python -m bench.search_slow3g [SITE] [--data PKG] [--http2] [--paste] [--kind WORD] [-v]
        SITE     a built site (default: builds data/ into a temp folder)
        --data   the package SITE was built from, whose names the queries take (default data/)
        --http2  serve it with nginx over HTTPS and HTTP/2 (as hosting services do), else
                 HTTP/1.1 from a small local gzip server (at most 6 connections: the worst case)
        --paste  the query appears at once and Enter follows (nothing can be fetched while it is
                 typed); default: typed one character every TYPE_MS, Enter TYPE_MS after the last
                 (a fast typist: a character typed through an IME takes longer)
        --kind   only the queries whose kind contains WORD (--kind pinyin)
        -v       list the files fetched for each query

The search page is opened and left to load (it fetches the manifest), then the query is typed.

Both servers gzip text files, as any real server does.
"""

from __future__ import annotations

import argparse
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
TYPE_MS = 200  # between two characters typed, and from the last one to Enter
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


def _homophone(name: str, taken: set[str]) -> str:
    """`name` with its last character replaced by the first common character of the same
    (main) reading that makes no other deputy's name: a typo people make with a pinyin IME."""
    from generator.search import pinyin

    pp = pinyin._pypinyin()

    def sound(c: str) -> str:
        return pp.pinyin(c, style=pp.Style.NORMAL)[0][0]

    last = name[-1]
    for c in pinyin.common_chars():
        if c != last and sound(c) == sound(last) and name[:-1] + c not in taken:
            return name[:-1] + c
    raise ValueError(f"no homophone for {name}")


def _lookalike(names: list[str]) -> tuple[str, str]:
    """(a two-character name, it with its last character replaced by a common character that
    looks like it and does not sound like it, generator/search/shapes.py), the first such pair
    in the data's order whose typo stands for no other two-character name."""
    from generator.search import pinyin, shapes

    common = pinyin.common_chars()
    look, homo = shapes.lookalikes(names, common), pinyin.homophones(names)
    two = [n for n in names if len(n) == 2]
    for n in two:
        for c in common:
            if n[1] in look.get(c, "") and n[1] not in homo.get(c, "") and n[0] + c not in names:
                like = look.get(c, "") + homo.get(c, "")
                if not any(m != n and m[0] == n[0] and m[1] in like for m in two):
                    return n, n[0] + c
    raise ValueError("no two-character name with a look-alike")


def queries(data: Path) -> list[tuple[str, str, str]]:
    """(kind, query, expected first result's title start), all taken from the data: a deputy's
    name, a village + topic typed without spaces, an everyday word (a synonym), pinyin (a
    village without its suffix; a deputy's initials), a deputy's name in traditional
    characters, 3- and 2-character names with one homophone typo, and a 2-character name with
    one look-alike typo."""
    import opencc

    from generator.search import pinyin

    with (data / "deputies.csv").open(encoding="utf-8-sig") as f:
        deputies = [d["name"] for d in csv.DictReader(f)]
    with (data / "areas.csv").open(encoding="utf-8-sig") as f:
        areas = list(csv.DictReader(f))
    village = next(a["name"] for a in areas if a["name"].endswith("村"))
    three = next(n for n in deputies[1:] if len(n) == 3)
    two = next(n for n in deputies if len(n) == 2)
    taken = set(deputies)
    bare = village[:-1]
    look = _lookalike(deputies)
    return [
        ("name", deputies[0], deputies[0]),
        ("place+topic", village + "饮水", ""),
        ("everyday word", "述职", ""),
        ("pinyin full", "".join(pinyin.readings(bare)[0]), bare),
        ("pinyin initials", "".join(s[0] for s in pinyin.readings(three)[0]), ""),
        ("pinyin full, name", "".join(pinyin.readings(three)[0]), three),
        ("traditional", opencc.OpenCC("s2t").convert(three), three),
        ("typo, 3 characters", _homophone(three, taken), three),
        ("typo, 2 characters", _homophone(two, taken), two),
        ("typo, 2 characters, look-alike", look[1], look[0]),
        # the queries whose index files weigh most (bench/sitestats.py measures them per scale)
        ("common topic", "乡村振兴", ""),
        ("common words", "报告履职情况", ""),
    ]


def measure(
    site: Path, qs: list[tuple[str, str, str]], http2: bool = False, paste: bool = False, verbose: bool = False
) -> list[tuple[str, str, float, int, str]]:
    server, url = serve_nginx(site) if http2 else serve(site)
    out = []
    try:
        with sync_playwright() as p:
            args = ["--no-sandbox"] + (["--ignore-certificate-errors"] if http2 else [])
            browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
            for kind, q, _want in qs:
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
                before = len(sizes)  # what is fetched while typing is counted with what follows Enter
                page.evaluate("() => { window.__tq = performance.now(); }")
                if paste:
                    page.fill("#search-app input[name=q]", q)
                else:
                    page.type("#search-app input[name=q]", q, delay=TYPE_MS)
                    page.wait_for_timeout(TYPE_MS)
                page.evaluate(
                    """() => { window.__t0 = performance.now(); const s = document.querySelector('[data-search-status]');
                    new MutationObserver(() => { if (/^(找到|没有|已核对|以下)/.test(s.textContent) && !window.__t1)
                    window.__t1 = performance.now(); }).observe(s, {childList: true, characterData: true, subtree: true}); }"""
                )
                page.press("#search-app input[name=q]", "Enter")
                page.wait_for_function("() => window.__t1", timeout=120_000)
                seconds = page.evaluate("() => (window.__t1 - window.__t0) / 1000")
                if verbose:  # each file fetched since typing began: when it ended, seconds after Enter
                    ends = page.evaluate(
                        """() => performance.getEntriesByType('resource').filter(e => e.startTime >= window.__tq)
                        .map(e => e.name.split('/idx/').pop().split('?')[0] + ' ' + ((e.responseEnd - window.__t0) / 1000).toFixed(2))"""
                    )
                    print(kind, q, f"{seconds:.2f} s:", ", ".join(ends), file=sys.stderr)
                first = page.evaluate(
                    "() => (document.querySelector('[data-search-results] li h3') || {}).textContent || ''"
                )
                out.append((kind, q, seconds, sum(n for _u, n in sizes[before:]), first))
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
    ap = argparse.ArgumentParser(
        prog="python -m bench.search_slow3g", description="Search on a slow phone (see the module's docstring)."
    )
    ap.add_argument("site", nargs="?", type=Path, help="a built site (default: builds --data into a temp folder)")
    ap.add_argument("--data", type=Path, default=ROOT / "data", help="the package SITE was built from")
    ap.add_argument("--http2", action="store_true", help="nginx over HTTPS and HTTP/2")
    ap.add_argument("--paste", action="store_true", help="the query appears at once, then Enter")
    ap.add_argument("--kind", default="", help="only the queries whose kind contains KIND")
    ap.add_argument("-v", dest="verbose", action="store_true", help="list the files fetched for each query")
    args = ap.parse_args(argv)
    http2, paste, kind, data, site = args.http2, args.paste, args.kind, args.data, args.site
    if site is None:
        from generator.cli import main as cli  # only when no site is given

        site = Path(tempfile.mkdtemp()) / "site"
        if cli(["build", "--data", str(data), "--out", str(site)]) != 0:
            return 1
    elif not (site / "search" / "index.html").is_file():
        ap.error(f"{site} is not a built site (no search/index.html)")
    qs = [q for q in queries(data) if kind in q[0]]
    rows = measure(site, qs, http2, paste, args.verbose)
    typing = "pasted" if paste else f"typed, {TYPE_MS} ms a character"
    print(
        f"Server: {'nginx, HTTPS, HTTP/2' if http2 else 'HTTP/1.1 (6 connections)'}; {os.cpu_count()} cores; {typing}"
    )
    print(
        "| query kind | query | seconds from Enter to first results (Slow 3G) | bytes for the query (gzip) | first result |"
    )
    print("|---|---|---|---|---|")
    for (kind, q, s, n, first), (_k, _q, want) in zip(rows, qs):
        ok = "" if not want else " ✓" if want in first else " ✗ (expected " + want + ")"
        print(f"| {kind} | {q} | {s:.2f} | {n / 1024:.1f} KB | {first}{ok} |")
    return 0 if all(s <= 5.0 for _k, _q, s, _n, _f in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
