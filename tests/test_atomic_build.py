"""Nothing lost (issue 5): a build that fails at any stage — bad data, a crash in a page
function, a crash in an output module, a full disk, a failed swap, an interrupt, SIGTERM,
SIGKILL — leaves the published folder byte-identical and, once a build has run again, no work
folder (`.site-work-<pid>-…`, generator/pipeline/publish.py) behind; two builds of the same
data are byte-identical.
"""

from __future__ import annotations

import builtins
import datetime as dt
import errno
import hashlib
import io
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from generator.options import Options
from generator.pipeline import publish
from generator.pipeline.run import command

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"
AS_OF = dt.date(2026, 11, 20)

pytestmark = pytest.mark.slow

# generator/workers.py Pool.close(cancel=True) can hang for ever after a failed or interrupted
# build (it kills workers that may hold the task queue's lock, then waits for the others).
POOL_HANG = "an interrupted build hung (the pool must never wait for a killed worker)"


def tree_hash(root: Path) -> dict[str, str]:
    """{relative path: sha256} of every file (and "<dir>" for every folder) under root."""
    out: dict[str, str] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        out[rel] = "<dir>" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def run_build(data: Path, out: Path, store: Path | None = None) -> int:
    """One process (no worker pool), so what a test patches here is what the build runs."""
    return command(Options(data_dir=data, out=out, as_of=AS_OF, jobs=1, cache_dir=store))


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A good site, built once; each test copies it and checks the copy stays as it was."""
    out = tmp_path_factory.mktemp("published") / "site"
    assert run_build(TINY, out) == 0
    return out, tree_hash(out)


@pytest.fixture
def site(published, tmp_path):
    src, hashes = published
    out = tmp_path / "pub" / "site"
    shutil.copytree(src, out)
    assert tree_hash(out) == hashes
    return out, hashes


@pytest.fixture
def store(tmp_path) -> Path:
    """This test's own store, empty: every page is rendered, so the failure points below are
    reached the same way on every run."""
    return tmp_path / "store"


@pytest.fixture
def changed_data(tmp_path):
    """Valid data that differs from the fixture, so a build that wrongly completed would show."""
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    p = data / "deputies.csv"
    text = p.read_text(encoding="utf-8").replace("王明华", "王明华改")
    p.write_text(text, encoding="utf-8")
    return data


def assert_untouched(out: Path, hashes: dict[str, str]) -> None:
    assert tree_hash(out) == hashes
    assert sorted(p.name for p in out.parent.iterdir()) == ["site"]  # no work folder beside it


def failed(out: Path, reason: str) -> str:
    return f"构建失败，原网站未改动 / build failed, {out} left untouched: {reason}\n"


def test_bad_data_is_refused_and_site_kept(site, store, tmp_path, capsys):
    out, hashes = site
    data = tmp_path / "bad"
    shutil.copytree(TINY, data)
    with (data / "deputies.csv").open("a", encoding="utf-8") as fh:
        fh.write("d01,重复编号,male,,,,,,,,\n")  # duplicate primary key
    assert run_build(data, out, store) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        f"构建失败，原网站未改动 / build failed, {out} left untouched:\n"
        "数据包有 1 个错误，未发布 / 1 errors, not published\ndeputies.csv:"
    )
    assert_untouched(out, hashes)


def test_crash_in_a_page_function_keeps_site(site, store, changed_data, monkeypatch):
    out, hashes = site
    from generator.pages import reports

    def boom(site_ctx):
        yield from ()
        raise RuntimeError("page function crashed")

    monkeypatch.setattr(reports, "pages", boom)
    with pytest.raises(RuntimeError, match="page function crashed"):
        run_build(changed_data, out, store)
    assert_untouched(out, hashes)


def test_crash_in_an_output_module_keeps_site(site, store, changed_data, monkeypatch):
    out, hashes = site
    from generator.outputs import registry

    names = list(registry.OUTPUT_MODULES)
    assert names, "no output modules registered"

    def boom(*a, **k):
        raise ValueError("output module crashed")

    monkeypatch.setattr(registry.OUTPUT_MODULES[names[-1]], "write", boom)
    with pytest.raises(ValueError, match="output module crashed"):
        run_build(changed_data, out, store)
    assert_untouched(out, hashes)


def _in_work_folder(path) -> bool:
    return publish.PREFIX in os.fspath(path)


class DiskFull:
    """Make every open-for-writing of a file inside the build's work folder (".site-work-…")
    fail with ENOSPC after `after` such files — whoever writes it: mkdocs, the adapter, the
    open-data stager, output modules."""

    def __init__(self, after: int | None) -> None:
        self.after = after
        self.count = 0
        self.real = builtins.open

    def __call__(self, file, mode="r", *a, **k):
        if isinstance(file, (str, os.PathLike)) and any(c in mode for c in "wax+") and _in_work_folder(file):
            self.count += 1
            if self.after is not None and self.count > self.after:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.fspath(file))
        return self.real(file, mode, *a, **k)

    def install(self, monkeypatch) -> DiskFull:
        monkeypatch.setattr(builtins, "open", self)
        monkeypatch.setattr(io, "open", self)
        return self


@pytest.fixture(scope="module")
def files_written(tmp_path_factory):
    """How many files a clean build writes into its work folder."""
    mp = pytest.MonkeyPatch()
    try:
        counter = DiskFull(None).install(mp)
        assert run_build(TINY, tmp_path_factory.mktemp("count") / "site") == 0
    finally:
        mp.undo()
    assert counter.count > 20
    return counter.count


@pytest.mark.parametrize("fraction", [0, 0.3, 0.6, 0.95])
def test_disk_full_at_any_point_keeps_site(site, store, changed_data, monkeypatch, capsys, files_written, fraction):
    out, hashes = site
    disk = DiskFull(int(files_written * fraction)).install(monkeypatch)
    assert run_build(changed_data, out, store) == 1
    monkeypatch.undo()
    assert disk.count == disk.after + 1  # the failure was hit, and stopped the build
    assert capsys.readouterr().err == failed(out, "No space left on device")
    assert_untouched(out, hashes)


def _fill_disk_while_linking(monkeypatch, after: int) -> dict:
    """os.link into the work folder (pages linked from the store) and the copy it falls back
    to fail with ENOSPC after `after` links."""
    real_link, real_copy = os.link, shutil.copyfile
    calls = {"links": 0}

    def link(src, dst, *a, **k):
        if _in_work_folder(dst):
            calls["links"] += 1
            if calls["links"] > after:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.fspath(dst))
        return real_link(src, dst, *a, **k)

    def copyfile(src, dst, *a, **k):
        if _in_work_folder(dst) and calls["links"] > after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.fspath(dst))
        return real_copy(src, dst, *a, **k)

    monkeypatch.setattr(os, "link", link)
    monkeypatch.setattr(shutil, "copyfile", copyfile)
    return calls


def test_disk_full_while_linking_stored_pages_keeps_site(site, store, changed_data, tmp_path, monkeypatch, capsys):
    """Warm store: every page is linked from the store instead of rendered; the disk fills
    while they are linked."""
    out, hashes = site
    assert run_build(changed_data, tmp_path / "warm" / "site", store) == 0  # fills this test's store
    shutil.rmtree(tmp_path / "warm")
    capsys.readouterr()
    calls = _fill_disk_while_linking(monkeypatch, 3)
    assert run_build(changed_data, out, store) == 1
    monkeypatch.undo()
    assert calls["links"] > 3  # the failure was hit
    assert capsys.readouterr().err.startswith(f"构建失败，原网站未改动 / build failed, {out} left untouched: ")
    assert_untouched(out, hashes)


def test_disk_full_while_linking_stored_pages_says_so(site, store, changed_data, tmp_path, monkeypatch, capsys):
    out, _hashes = site
    assert run_build(changed_data, tmp_path / "warm" / "site", store) == 0
    shutil.rmtree(tmp_path / "warm")
    capsys.readouterr()
    _fill_disk_while_linking(monkeypatch, 3)
    assert run_build(changed_data, out, store) == 1
    assert capsys.readouterr().err == failed(out, "No space left on device")


def test_failed_swap_restores_site(site, store, changed_data, monkeypatch, capsys):
    """The new folder cannot be renamed into place (after the old one was moved aside)."""
    out, hashes = site
    real = os.rename
    tried = []

    def rename(src, dst, *a, **k):
        if Path(dst) == out.resolve() and Path(src).parent.name.startswith(publish.PREFIX):  # new site only
            tried.append(src)
            raise OSError(errno.EIO, "simulated failure during swap")
        return real(src, dst, *a, **k)

    monkeypatch.setattr(os, "rename", rename)
    assert run_build(changed_data, out, store) == 1
    assert len(tried) == 1
    assert capsys.readouterr().err == failed(out, "simulated failure during swap")
    assert_untouched(out, hashes)


def test_keyboard_interrupt_inside_build_keeps_site(site, store, changed_data, monkeypatch):
    out, hashes = site

    def interrupt(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr("generator.pipeline.run.write_all", interrupt)
    with pytest.raises(KeyboardInterrupt):
        run_build(changed_data, out, store)
    assert_untouched(out, hashes)


# A real process, really interrupted: it signals READY once mkdocs has written the new site
# into the work folder, then waits; the test sends the signal there.
_SLOW_BUILD = textwrap.dedent(
    """
    import sys, time
    from generator.cli import main
    from generator.pipeline import run
    real = run.write_all
    def slow(site, pages, out_dir, *a, **k):
        print("READY", out_dir, flush=True)
        time.sleep(120)
        return real(site, pages, out_dir, *a, **k)
    run.write_all = slow
    sys.exit(main(["build", "--data", sys.argv[1], "--out", sys.argv[2], "--as-of", "2026-11-20", *sys.argv[3:]]))
    """
)


def _default_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _start_slow_build(data: Path, out: Path, store: Path, *args: str) -> tuple[subprocess.Popen, Path]:
    """Start the slow build; returns it and its work folder once READY."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_BUILD, str(data), str(out), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "DEPUTY_SITE_CACHE": str(store)},
        # a test run started in the background by a shell (`.ci/run &`) ignores SIGINT, and a
        # child inherits that: the build would then rightly ignore the signal this test sends
        preexec_fn=_default_signals,
        start_new_session=True,  # its own process group: the build and its workers
    )
    line = proc.stdout.readline()
    if not line.startswith("READY"):
        proc.kill()
        pytest.fail(f"no READY: {line!r} {proc.communicate(timeout=60)[1]}")
    tmp = Path(line.split(" ", 1)[1].strip())
    assert tmp.is_dir() and tmp.name == "site"
    work = tmp.parent
    assert work.parent == out.parent.resolve() and work.name.startswith(f"{publish.PREFIX}{proc.pid}-")
    return proc, work


def _stop_group(proc: subprocess.Popen) -> None:
    """End what is left of the build's process group (its workers, if the build was killed)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate()


@pytest.mark.parametrize("jobs", [["--jobs", "1"], []], ids=["one-process", "pool"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_mid_build_keeps_site(site, store, changed_data, sig, jobs):
    out, hashes = site
    proc, _work = _start_slow_build(changed_data, out, store, *jobs)
    try:
        proc.send_signal(sig)
        try:
            rc = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(POOL_HANG if jobs == [] else "the build did not stop")
        err = proc.stderr.read()
    finally:
        _stop_group(proc)
    assert rc == (130 if sig == signal.SIGINT else 143), err
    if sig == signal.SIGINT:
        assert err == "已中断 / interrupted\n"
    assert_untouched(out, hashes)


def test_a_killed_build_keeps_site_and_the_next_build_removes_its_work_folder(site, store, changed_data):
    out, hashes = site
    proc, work = _start_slow_build(changed_data, out, store, "--jobs", "1")
    try:
        proc.kill()
        assert proc.wait(timeout=60) == -signal.SIGKILL
    finally:
        _stop_group(proc)
    assert tree_hash(out) == hashes
    assert sorted(p.name for p in out.parent.iterdir()) == sorted([work.name, "site"])  # left by the killed build
    assert (work / "site" / "index.html").is_file()
    assert run_build(changed_data, out, store) == 0
    assert sorted(p.name for p in out.parent.iterdir()) == ["site"]
    assert tree_hash(out) != hashes and "王明华改" in (out / "deputies" / "d01" / "index.html").read_text("utf-8")


def test_only_work_folders_of_builds_no_longer_running_are_removed(site, store, changed_data):
    out, _hashes = site
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        live = out.parent / f"{publish.PREFIX}{sleeper.pid}-live"
        foreign = out.parent / f"{publish.PREFIX}notapid"
        for folder in (live, foreign):
            (folder / "site").mkdir(parents=True)
        assert run_build(changed_data, out, store) == 0
        assert sorted(p.name for p in out.parent.iterdir()) == sorted([live.name, foreign.name, "site"])
    finally:
        sleeper.kill()
        sleeper.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the pid is gone once reaped
        try:
            os.kill(sleeper.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    assert publish.remove_leftovers(out.parent) == [live.name]
    assert sorted(p.name for p in out.parent.iterdir()) == sorted([foreign.name, "site"])


def test_two_builds_are_byte_identical(published, tmp_path):
    _src, hashes = published
    out_a, out_b = tmp_path / "a" / "site", tmp_path / "elsewhere" / "public"
    assert run_build(TINY, out_a, tmp_path / "store") == 0
    assert run_build(TINY, out_b, tmp_path / "store") == 0  # the second from the store
    assert tree_hash(out_a) == hashes
    assert tree_hash(out_b) == hashes


def test_rebuild_over_a_published_site_replaces_it_whole(site, store, changed_data):
    out, hashes = site
    (out / "stale.html").write_text("old", encoding="utf-8")
    assert run_build(changed_data, out, store) == 0
    new = tree_hash(out)
    assert "stale.html" not in new and new != hashes
    assert sorted(p.name for p in out.parent.iterdir()) == ["site"]
