"""Live preview (`python -m generator serve`, generator/pipeline/serve.py): mkdocs serve with
the deputy-site plugin running the pipeline on every rebuild. A report body edited in the
data folder shows in the served page; the store named by DEPUTY_SITE_CACHE is the one used;
stopping the server (SIGTERM, as a service manager or `timeout` does) leaves nothing behind."""

from __future__ import annotations

import csv
import datetime as dt
import html
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
from browser_support import PHONE, browser, open_page  # noqa: F401

from generator.pages import PAGE_MODULES
from generator.pipeline.serve import ERROR_MARK, MAX_ROWS, error_page
from generator.problems import ERROR
from generator.store import Store
from generator.validate import validate_package

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
    # (images: the fixture's photo, made once for the site and the open data; outputs: those
    # that read only the tables, and the Popolo export)
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == ["images", "modules", "outputs", "validated"]
    assert len(Store(tmp_path / "store").keys("images")) == 2
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


SCRIPT_LINE = "<script>alert(1)</script>"


def break_data(data: Path) -> None:
    """Two errors a clerk could make: raw HTML in a report body, and a private column typed so
    its values (XPRIV-PHONE-…) fail — whose values must never reach the page."""
    with open(data / "reports" / "r03.md", "a", encoding="utf-8") as f:
        f.write(f"\n{SCRIPT_LINE}\n")
    desc = data / "datapackage.yaml"
    desc.write_text(
        desc.read_text(encoding="utf-8").replace(
            "{name: personal_phone, title: 个人电话（不公开）, type: string,",
            "{name: personal_phone, title: 个人电话（不公开）, type: integer,",
            1,
        ),
        encoding="utf-8",
    )


def fix_data(data: Path) -> None:
    for rel in ("reports/r03.md", "datapackage.yaml"):
        shutil.copyfile(TINY / rel, data / rel)


def fetch_any(url: str) -> tuple[int, str] | None:
    """(status, text) also for error answers; None while nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return None


@pytest.fixture
def refused_preview(tmp_path):
    """The preview started on a copy of the tiny package that the validator refuses."""
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    break_data(data)
    errors = [p for p in validate_package(data, dt.date(2026, 11, 20)) if p.severity == ERROR]
    (tmp_path / "tmp").mkdir()
    url = f"http://127.0.0.1:{free_port()}/"
    env = {
        **os.environ,
        "DEPUTY_SITE_CACHE": str(tmp_path / "store"),
        "SOURCE_DATE_EPOCH": EPOCH_AS_OF,
        "TMPDIR": str(tmp_path / "tmp"),
    }
    env.pop("DEPUTY_SITE_DATA", None)
    env.pop("DEPUTY_SITE_PREVIEW", None)
    log_path = tmp_path / "log"
    log = log_path.open("w", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--data", str(data), "--addr", url[7:-1]],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield data, url, proc, errors, ERROR_MARK, log_path
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        log.close()


def test_refused_data_is_listed_in_the_browser_and_the_preview_recovers(refused_preview):
    data, url, proc, errors, mark, log_path = refused_preview
    page = url + "reports/r03/"
    # the body's <script>, and every private phone number now "not an integer"
    with (TINY / "deputies.csv").open(encoding="utf-8", newline="") as fh:
        phones = [r["personal_phone"] for r in csv.DictReader(fh) if r["personal_phone"]]
    assert {p.code for p in errors} == {"body-raw-html", "type-error"} and len(errors) == 1 + len(phones)

    status, text = wait_for(lambda: (r := fetch_any(page)) and mark in r[1] and r, "error page", proc)
    assert status == 404  # every address answers with the list, none with an old page
    assert f"<h1>数据有 {len(errors)} 个错误，预览暂停 / {len(errors)} errors: preview paused</h1>" in text
    body = text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert body.count("<tr>") == len(errors)
    for p in errors:  # code, file, row, field, message and hint, escaped
        assert (
            f'<td data-label="代码"><code>{p.code}</code></td><td data-label="文件">{p.file}</td>'
            f'<td data-label="行">{p.row or ""}</td><td data-label="字段">{html.escape(p.field)}</td>'
            f'<td data-label="问题">{html.escape(p.message_zh)}<br>'
        ) in body
        assert html.escape(p.hint_zh) in body
    assert "报告正文含 HTML 标签 &lt;script&gt;" in body and "<script>alert" not in text
    assert "XPRIV" not in text  # no private value, although the errors are in that column
    home = fetch_any(url)
    assert home is not None and home[0] == 200 and mark in home[1]
    assert "数据包未通过" in log_path.read_text(encoding="utf-8")  # and the terminal says so
    assert proc.poll() is None

    fix_data(data)
    fixed = wait_for(lambda: (r := fetch_any(page)) and r[0] == 200 and r[1], "the rebuilt page", proc)
    assert mark not in fixed and "刘芳报告履职情况" in fixed

    with open(data / "reports" / "r03.md", "a", encoding="utf-8") as f:  # wrong again after a good build
        f.write(f"\n{SCRIPT_LINE}\n")
    again = wait_for(lambda: (r := fetch_any(page)) and mark in r[1] and r[1], "error page again", proc)
    assert "<h1>数据有 1 个错误，预览暂停" in again


@pytest.mark.browser
def test_the_error_page_reloads_itself_once_the_data_is_fixed(refused_preview, browser):
    data, url, proc, errors, mark, _ = refused_preview
    page_url = url + "reports/r03/"
    wait_for(lambda: (r := fetch_any(page_url)) and mark in r[1], "error page", proc)
    page, log = open_page(browser, page_url)
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # readable at 360 px
        assert page.locator("tbody tr").count() == len(errors)
        fix_data(data)
        # nobody presses reload: the page notices the rebuild and loads the report
        deadline = time.monotonic() + 300  # a rebuild on a loaded 2-core machine can take a minute
        shown = ""
        while time.monotonic() < deadline and not shown.startswith("刘芳报告履职情况"):
            try:
                shown = page.title()
                if page.locator(f"body[{mark}]").count():
                    shown = ""
            except Exception:  # noqa: BLE001 - the page is reloading right now
                shown = ""
            time.sleep(0.5)
        assert shown.startswith("刘芳报告履职情况"), "the error page did not reload itself"
        assert log.foreign() == []
    finally:
        page.context.close()


def test_builds_still_refuse_refused_data(tmp_path):
    """Outside the preview refused data stops the build, also with DEPUTY_SITE_PREVIEW exported:
    `make site` and plain `mkdocs build` write nothing, never the error page."""
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    break_data(data)
    env = {**os.environ, "DEPUTY_SITE_CACHE": "off", "DEPUTY_SITE_PREVIEW": "1", "DEPUTY_SITE_DATA": str(data)}
    mkdocs = Path(sys.executable).parent / "mkdocs"
    for args in (
        [sys.executable, "-m", "generator", "build", "--data", str(data), "--out", str(tmp_path / "site")],
        [str(mkdocs), "build", "-f", str(ROOT / "mkdocs.yml"), "-d", str(tmp_path / "site")],
    ):
        r = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
        assert r.returncode == 1 and "报告正文含 HTML 标签 <script>" in r.stderr, args
        assert not (tmp_path / "site").exists()


def test_error_page_escapes_everything():
    from generator.errors import GeneratorError
    from generator.pipeline.prepare import InvalidData
    from generator.problems import Problem

    page = error_page(GeneratorError('datapackage.yaml: 无法读取 <img src=x onerror="alert(1)">'))
    assert "<h1>数据无法读取，预览暂停 / the data cannot be read: preview paused</h1>" in page
    assert "<pre>datapackage.yaml: 无法读取 &lt;img src=x onerror=&quot;alert(1)&quot;&gt;</pre>" in page
    assert "<img" not in page
    bad = Problem('reports/"a".md', 3, "<b>", "body-raw-html", "error", "<i>中</i>", "<i>en</i>", "<u>改</u>")
    page = error_page(InvalidData([bad] * (MAX_ROWS + 2)))
    assert page.count("<tr>") == MAX_ROWS + 1  # header + the first MAX_ROWS problems
    assert (
        '<td data-label="文件">reports/&quot;a&quot;.md</td><td data-label="行">3</td>'
        '<td data-label="字段">&lt;b&gt;</td><td data-label="问题">&lt;i&gt;中&lt;/i&gt;<br>'
    ) in page
    assert "<b>" not in page and "<i>" not in page and "<u>" not in page
    assert "另有 2 个错误未列出" in page
