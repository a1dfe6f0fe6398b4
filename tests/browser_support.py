"""Shared browser fixtures: Debian's chromium driven by Playwright, and a built site served on
127.0.0.1 by a tiny threaded http.server. Reuse them from any test module with

    from browser_support import browser, built_tiny_site, site_url, open_page, assert_clean  # noqa: F401

Where /usr/bin/chromium is missing the browser tests skip with a message saying how to
install it, except when CI=true: then they fail.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests/fixtures/tiny"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}


def _require_chromium() -> None:
    missing = None
    if not (Path(CHROMIUM).exists() and os.access(CHROMIUM, os.X_OK)):
        missing = f"{CHROMIUM} not found: install it with `apt-get install chromium`"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "playwright is not installed: `.venv/bin/pip install -e '.[test]'`"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests must run in CI: {missing}")
        pytest.skip(missing)


# Each test module that imports these fixtures gets its own copy of them, and a second
# sync_playwright() in one process fails ("Sync API inside the asyncio loop"): so one
# Playwright and one Chromium are shared by all copies, closed when the last copy ends.
_SHARED: dict = {"users": 0}


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    if _SHARED["users"] == 0:
        from playwright.sync_api import sync_playwright

        _SHARED["pw"] = sync_playwright().start()
        _SHARED["browser"] = _SHARED["pw"].chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    _SHARED["users"] += 1
    try:
        yield _SHARED["browser"]
    finally:
        _SHARED["users"] -= 1
        if _SHARED["users"] == 0:
            _SHARED.pop("browser").close()
            _SHARED.pop("pw").stop()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass


@functools.cache
def _serve(directory: str) -> str:
    handler = functools.partial(_QuietHandler, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"


def serve(directory: Path) -> str:
    """Serve `directory` on 127.0.0.1 (one server per directory for the session); its URL."""
    return _serve(str(Path(directory).resolve()))


def build_site(data_dir: Path, out: Path) -> Path:
    from generator.options import Options
    from generator.pipeline import build

    build(Options(data_dir=Path(data_dir), out=Path(out)))
    return out


@pytest.fixture(scope="session")
def built_tiny_site(tmp_path_factory) -> Path:
    """The tiny fixture, built once per session (about two seconds), shared by all modules."""
    if "tiny" not in _SHARED:
        _SHARED["tiny"] = build_site(TINY, tmp_path_factory.mktemp("tiny-site") / "site")
    return _SHARED["tiny"]


@pytest.fixture(scope="session")
def site_url(built_tiny_site) -> str:
    return serve(built_tiny_site)


@dataclass
class PageLog:
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def foreign(self) -> list[str]:
        """Requests to any host other than 127.0.0.1 (data: and blob: URLs are local)."""
        out = []
        for u in self.requests:
            parts = urlsplit(u)
            if parts.scheme in ("data", "blob", "about"):
                continue
            if parts.hostname != "127.0.0.1":
                out.append(u)
        return out


def open_page(browser, url: str, *, viewport: dict | None = None, javascript: bool = True):
    """A fresh context at phone size that records every request and console error."""
    ctx = browser.new_context(viewport=viewport or PHONE, java_script_enabled=javascript, service_workers="block")
    page = ctx.new_page()
    log = PageLog()
    page.on("request", lambda r: log.requests.append(r.url))
    page.on("console", lambda m: log.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log.errors.append(str(e)))
    page.goto(url)
    return page, log


def assert_clean(log: PageLog) -> None:
    assert log.foreign() == []
    assert log.errors == []


__all__ = [
    "browser",
    "built_tiny_site",
    "site_url",
    "open_page",
    "assert_clean",
    "serve",
    "build_site",
    "PHONE",
    "PageLog",
]
