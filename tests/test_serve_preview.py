"""Live preview (`python -m generator serve`, generator/pipeline/serve.py): mkdocs serve with
the deputy-site plugin running the pipeline on every rebuild. A report body edited in the
data folder shows in the served page; the store named by DEPUTY_SITE_CACHE is the one used;
stopping the server (SIGTERM, as a service manager or `timeout` does) leaves nothing behind."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from generator.pages import PAGE_MODULES
from generator.store import Store

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"
EPOCH_AS_OF = "1795132800"  # 2026-11-20, the fixture's as-of date (SOURCE_DATE_EPOCH)
ADDED = "新增一段：走访了三户居民，听取了关于道路维修的意见。"

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str | None:
    """The page's text, or None while the server is not answering (yet)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return None


def wait_for(condition, what: str, proc: subprocess.Popen, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if proc.poll() is not None:
            pytest.fail(f"the preview stopped (exit {proc.returncode}) while waiting for {what}")
        time.sleep(0.3)
    pytest.fail(f"no {what} within {timeout} s")


@pytest.fixture
def preview(tmp_path):
    """A copy of the tiny package, served on a free port, with the store, mkdocs' temp folder
    and the build's work folder all in tmp_path. Yields (data, url, process, env)."""
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    (tmp_path / "tmp").mkdir()
    url = f"http://127.0.0.1:{free_port()}/"
    env = {
        **os.environ,
        "DEPUTY_SITE_CACHE": str(tmp_path / "store"),
        "SOURCE_DATE_EPOCH": EPOCH_AS_OF,
        "TMPDIR": str(tmp_path / "tmp"),  # mkdocs serve builds into a temp folder
    }
    env.pop("DEPUTY_SITE_DATA", None)
    log = (tmp_path / "log").open("w", encoding="utf-8")  # a file: a full pipe would block the server
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--data", str(data), "--addr", url[7:-1]],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, ended below whatever happens
    )
    try:
        yield data, url, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        log.close()


def test_a_report_edit_shows_in_the_preview_and_stopping_leaves_nothing(preview, tmp_path):
    data, url, proc = preview
    page = url + "reports/r03/"
    first = wait_for(lambda: fetch(page), "first page", proc)
    assert "<title>" in first and ADDED not in first
    home = fetch(url)
    assert home is not None and "人大代表履职公开" in home

    # the store named by DEPUTY_SITE_CACHE holds what the first build kept; nothing else was written
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == ["modules", "validated"]
    assert len(Store(tmp_path / "store").keys("modules")) == len(PAGE_MODULES)  # one entry per page module

    with open(data / "reports" / "r03.md", "a", encoding="utf-8") as f:
        f.write(f"\n\n{ADDED}\n")
    edited = wait_for(lambda: (t := fetch(page)) and ADDED in t and t, "edited page", proc)
    assert f"<p>{ADDED}</p>" in edited
    assert fetch(url + "reports/r01/") is not None  # the other pages are still served
    assert len(Store(tmp_path / "store").keys("modules")) == len(PAGE_MODULES)  # still one per module

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    # mkdocs' temp folder and the build's work folder are gone; the data is as edited
    assert list((tmp_path / "tmp").iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "log", "store", "tmp"]
    assert ADDED in (data / "reports" / "r03.md").read_text(encoding="utf-8")


def test_serve_refuses_a_missing_data_folder(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "generator", "serve", "--data", str(tmp_path / "none"), "--addr", "127.0.0.1:1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "DEPUTY_SITE_CACHE": str(tmp_path / "store")},
        timeout=60,
    )
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == f"错误 error: 数据目录不存在 / no data folder: {tmp_path / 'none'}\n"
    assert list(tmp_path.iterdir()) == []


def test_serve_shows_why_a_package_is_refused(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    with open(data / "reports" / "r03.md", "a", encoding="utf-8") as f:
        f.write("\n<script>alert(1)</script>\n")
    (tmp_path / "tmp").mkdir()
    r = subprocess.run(
        [sys.executable, "-m", "generator", "serve", "--data", str(data), "--addr", f"127.0.0.1:{free_port()}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "DEPUTY_SITE_CACHE": str(tmp_path / "store"), "TMPDIR": str(tmp_path / "tmp")},
        timeout=120,
    )
    assert r.returncode == 1
    assert "报告正文含 HTML 标签 <script>" in r.stderr
