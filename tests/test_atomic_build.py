"""Nothing lost (issue 5): a build that fails at any stage — bad data, a crash in a page
function, a crash in an output module, a full disk, a failed swap, an interrupt — leaves the
published folder byte-identical and no temporary folder behind; two builds of the same data
are byte-identical.
"""

from __future__ import annotations

import builtins
import errno
import hashlib
import io
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from generator import build as build_mod
from generator.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"

pytestmark = pytest.mark.slow


def tree_hash(root: Path) -> dict[str, str]:
    """{relative path: sha256} of every file (and "<dir>" for every folder) under root."""
    out: dict[str, str] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        out[rel] = "<dir>" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(".site-"))


def run_build(data: Path, out: Path) -> int:
    args = build_parser().parse_args(["build", "--data", str(data), "--out", str(out)])
    return build_mod.command(args)


@pytest.fixture(autouse=True)
def cold_cache(tmp_path, monkeypatch):
    """Each test gets its own empty build cache (generator/cache.py), so mkdocs renders every
    page and the failure points below are reached the same way on every run."""
    monkeypatch.setenv("DEPUTY_SITE_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A good site, built once; each test copies it and checks the copy stays as it was."""
    base = tmp_path_factory.mktemp("published")
    out = base / "site"
    saved = os.environ.get("DEPUTY_SITE_CACHE")
    os.environ["DEPUTY_SITE_CACHE"] = "off"
    try:
        assert run_build(TINY, out) == 0
    finally:
        if saved is None:
            os.environ.pop("DEPUTY_SITE_CACHE", None)
        else:
            os.environ["DEPUTY_SITE_CACHE"] = saved
    return out, tree_hash(out)


@pytest.fixture
def site(published, tmp_path):
    src, hashes = published
    out = tmp_path / "pub" / "site"
    shutil.copytree(src, out)
    assert tree_hash(out) == hashes
    return out, hashes


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
    assert leftovers(out.parent) == []


def test_bad_data_is_refused_and_site_kept(site, tmp_path, capsys):
    out, hashes = site
    data = tmp_path / "bad"
    shutil.copytree(TINY, data)
    with (data / "deputies.csv").open("a", encoding="utf-8") as fh:
        fh.write("d01,重复编号,male,,,,,,,,\n")  # duplicate primary key
    assert run_build(data, out) == 1
    assert "未发布" in capsys.readouterr().err
    assert_untouched(out, hashes)


def test_crash_in_a_page_function_keeps_site(site, changed_data, monkeypatch):
    out, hashes = site
    from generator.pages import reports

    def boom(site_ctx):
        yield from ()
        raise RuntimeError("page function crashed")

    monkeypatch.setattr(reports, "pages", boom)
    with pytest.raises(RuntimeError, match="page function crashed"):
        run_build(changed_data, out)
    assert_untouched(out, hashes)


def test_crash_in_an_output_module_keeps_site(site, changed_data, monkeypatch):
    out, hashes = site
    from generator import outputs

    names = list(outputs.OUTPUT_MODULES)
    assert names, "no output modules registered"
    mod = __import__(f"generator.outputs.{names[-1]}", fromlist=["write"])

    def boom(*a, **k):
        raise ValueError("output module crashed")

    monkeypatch.setattr(mod, "write", boom)
    with pytest.raises(ValueError, match="output module crashed"):
        run_build(changed_data, out)
    assert_untouched(out, hashes)


class DiskFull:
    """Make every open-for-writing of a file inside the build's temp folder (".site-tmp-…")
    fail with ENOSPC after `after` such files — whoever writes it: mkdocs, the adapter, output
    modules, cache copies."""

    def __init__(self, after: int | None) -> None:
        self.after = after
        self.count = 0
        self.real = builtins.open

    def __call__(self, file, mode="r", *a, **k):
        if isinstance(file, (str, os.PathLike)) and any(c in mode for c in "wax+") and ".site-tmp-" in os.fspath(file):
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
    """How many files a clean build writes into its temp folder."""
    mp = pytest.MonkeyPatch()
    try:
        mp.setenv("DEPUTY_SITE_CACHE", "off")
        counter = DiskFull(None).install(mp)
        assert run_build(TINY, tmp_path_factory.mktemp("count") / "site") == 0
    finally:
        mp.undo()
    assert counter.count > 20
    return counter.count


@pytest.mark.parametrize("fraction", [0, 0.3, 0.6, 0.95])
def test_disk_full_at_any_point_keeps_site(site, changed_data, monkeypatch, capsys, files_written, fraction):
    out, hashes = site
    disk = DiskFull(int(files_written * fraction)).install(monkeypatch)
    assert run_build(changed_data, out) == 1
    monkeypatch.undo()
    assert disk.count > disk.after  # the failure was hit (parallel writers may try a few more)
    err = capsys.readouterr().err
    assert "原网站未改动" in err and "No space left on device" in err and "Traceback" not in err
    assert_untouched(out, hashes)


def test_disk_full_while_copying_cached_pages_keeps_site(site, changed_data, tmp_path, monkeypatch, capsys):
    """Warm page cache: most pages are copied from .cache/ instead of rendered; the disk fills
    during those copies."""
    out, hashes = site
    assert run_build(changed_data, tmp_path / "warm" / "site") == 0  # fills this test's cache
    capsys.readouterr()
    real = shutil.copyfile
    calls = {"n": 0}

    def full(src, dst, *a, **k):
        calls["n"] += 1
        if calls["n"] > 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
        return real(src, dst, *a, **k)

    monkeypatch.setattr(shutil, "copyfile", full)
    assert run_build(changed_data, out) == 1
    assert calls["n"] == 4
    assert "No space left on device" in capsys.readouterr().err
    assert_untouched(out, hashes)


def test_failed_swap_restores_site(site, changed_data, monkeypatch, capsys):
    """The new folder cannot be renamed into place (after the old one was moved aside)."""
    out, hashes = site
    real = Path.rename

    def rename(self, target):
        if Path(target) == out.resolve() and self.name.startswith(".site-tmp-"):
            raise OSError(errno.EIO, "simulated failure during swap")
        return real(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    assert run_build(changed_data, out) == 1
    assert "simulated failure" in capsys.readouterr().err
    assert_untouched(out, hashes)


def test_keyboard_interrupt_inside_build_keeps_site(site, changed_data, monkeypatch):
    out, hashes = site
    from generator import outputs

    def interrupt(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(outputs, "write_all", interrupt)
    with pytest.raises(KeyboardInterrupt):
        run_build(changed_data, out)
    assert_untouched(out, hashes)


# A real process, really interrupted: it signals READY once mkdocs has written the new site
# into the temporary folder, then waits; the test sends the signal there.
_SLOW_BUILD = textwrap.dedent(
    """
    import sys, time
    from generator import outputs
    from generator.cli import main
    real = outputs.write_all
    def slow(site, pages, out_dir):
        print("READY", out_dir, flush=True)
        time.sleep(60)
        return real(site, pages, out_dir)
    outputs.write_all = slow
    sys.exit(main(["build", "--data", sys.argv[1], "--out", sys.argv[2]]))
    """
)


def _default_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_mid_build_keeps_site(site, changed_data, sig):
    out, hashes = site
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_BUILD, str(changed_data), str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a test run started in the background by a shell (`.ci/run &`) ignores SIGINT, and a
        # child inherits that: the build would then rightly ignore the signal this test sends
        preexec_fn=_default_signals,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("READY"), (line, proc.stderr.read() if proc.poll() is not None else "")
        tmp = Path(line.split(" ", 1)[1].strip())
        assert tmp.is_dir() and tmp.name.startswith(".site-tmp-")
        proc.send_signal(sig)
        rc = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert rc == (130 if sig == signal.SIGINT else 143)
    assert_untouched(out, hashes)


def test_two_builds_are_byte_identical(published, tmp_path):
    _src, hashes = published
    out_a, out_b = tmp_path / "a" / "site", tmp_path / "elsewhere" / "public"
    assert run_build(TINY, out_a) == 0
    assert run_build(TINY, out_b) == 0
    assert tree_hash(out_a) == hashes
    assert tree_hash(out_b) == hashes


def test_rebuild_over_a_published_site_replaces_it_whole(site, changed_data):
    out, hashes = site
    (out / "stale.html").write_text("old", encoding="utf-8")
    assert run_build(changed_data, out) == 0
    new = tree_hash(out)
    assert "stale.html" not in new and new != hashes
    assert leftovers(out.parent) == []
