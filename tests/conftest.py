"""Session-wide isolation: the tests neither use nor change the checkout's own state.

- Build store: the commands (`python -m generator build`, mkdocs through generator/plugin.py)
  keep their store (generator/store.py) in `<repo>/.cache/` unless DEPUTY_SITE_CACHE names another
  folder (or `off`). A test answered from the developer's store tests nothing (the sanitizer's
  security tests were once answered 73 of 73 times by a memo there), and a test run must not
  rewrite it. So the whole session gets a fresh, empty folder, set in os.environ before any test
  module is imported (subprocesses inherit it) and removed at the end. A test that wants its own
  store, or none, still sets DEPUTY_SITE_CACHE itself (monkeypatch restores the session folder).
  Library calls (`Options(...)` without `from_env`) use no store at all.
- Guard: no test may change the checkout's `data/` (the demo package the site is built from)
  or `.cache/`. After every test (fixture teardown included) both are compared with how they
  were; a change fails that test's teardown with the paths that changed, and fails the session.
  At the end `data/` is also compared byte for byte. Tests that need to change a package copy
  it into tmp_path first.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
CACHE = ROOT / ".cache"

_state: dict = {"violations": []}


# -- the session's own cache folder --------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    if "cache_dir" in _state:
        return
    folder = tempfile.mkdtemp(prefix="deputy-site-test-cache-")
    _state["cache_dir"] = folder
    _state["previous"] = os.environ.get("DEPUTY_SITE_CACHE")
    os.environ["DEPUTY_SITE_CACHE"] = folder
    # atexit runs last-registered first: registered now, before anything the tests import can
    # register an exit-time write into the folder, this removal runs after it.
    atexit.register(shutil.rmtree, folder, True)


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = _state.pop("cache_dir", None)
    if folder is None:
        return
    shutil.rmtree(folder, ignore_errors=True)
    previous = _state.pop("previous", None)
    if previous is None:
        os.environ.pop("DEPUTY_SITE_CACHE", None)
    else:
        os.environ["DEPUTY_SITE_CACHE"] = previous


@pytest.fixture(scope="session")
def session_cache_dir() -> Path:
    """The session's DEPUTY_SITE_CACHE folder."""
    return Path(_state["cache_dir"])


# -- guard: data/ and .cache/ stay as they were --------------------------------------------------


# The benchmark's own folder (demo packages of up to ~150,000 files): no test writes there, and
# walking it after every test made a developer's `make test` after `make bench` take an hour.
SKIP = {CACHE / "bench"}


def _stat_tree(root: Path) -> dict[str, tuple]:
    """Every file and folder under `root` (relative to the checkout) with its type, size and mtime."""
    out: dict[str, tuple] = {}
    if not root.exists():
        return out
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if Path(dirpath, d) not in SKIP]
        for name in dirs + files:
            p = os.path.join(dirpath, name)
            try:
                st = os.lstat(p)
            except FileNotFoundError:
                continue
            rel = os.path.relpath(p, ROOT).replace(os.sep, "/")
            out[rel] = (st.st_mode >> 12, st.st_size, st.st_mtime_ns)
    return out


def _hash_tree(root: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            p = os.path.join(dirpath, name)
            h = hashlib.sha256()
            try:
                with open(p, "rb") as f:
                    for block in iter(lambda f=f: f.read(1 << 20), b""):
                        h.update(block)
            except OSError as e:
                h.update(f"unreadable:{type(e).__name__}".encode())
            out[os.path.relpath(p, ROOT).replace(os.sep, "/")] = h.hexdigest()
    return out


def _fingerprint() -> dict[str, tuple]:
    return {**_stat_tree(DATA), **_stat_tree(CACHE)}


def _diff(before: dict, after: dict) -> list[str]:
    lines = []
    for path in sorted(before.keys() | after.keys()):
        if path not in after:
            lines.append(f"removed  {path}")
        elif path not in before:
            lines.append(f"added    {path}")
        elif before[path] != after[path]:
            lines.append(f"changed  {path}")
    return lines


def pytest_sessionstart(session: pytest.Session) -> None:
    _state["baseline"] = _fingerprint()
    _state["data_hashes"] = _hash_tree(DATA)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem):
    """After the test and the fixtures it ends (module fixtures too): did data/ or .cache change?"""
    try:
        return (yield)
    finally:
        after = _fingerprint()
        changes = _diff(_state["baseline"], after)
        _state["baseline"] = after  # the next test is judged on its own changes
        if changes:
            _state["violations"].append((item.nodeid, changes))
            shown = "\n  ".join(changes[:20]) + (f"\n  … and {len(changes) - 20} more" if len(changes) > 20 else "")
            pytest.fail(
                f"this test (or a fixture it ended) changed the checkout's data/ or .cache/:\n  {shown}\n"
                "copy the package into tmp_path before changing it; the build store is DEPUTY_SITE_CACHE "
                "(tests/conftest.py). Restore data/ with `git checkout -- data/` (or `make demo`). "
                "(Or something outside this test run changed them meanwhile.)",
                pytrace=False,
            )


def pytest_sessionfinish(session: pytest.Session, exitstatus) -> None:
    if "data_hashes" not in _state:
        return
    changed = _diff(_state["data_hashes"], _hash_tree(DATA))
    reported = {line for _node, lines in _state["violations"] for line in lines}
    late = [line for line in changed if line not in reported]
    if late:
        _state["violations"].append(("(session: data/ bytes)", late))
    if _state["violations"] and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    tr = terminalreporter
    if _state["violations"]:
        tr.section("checkout changed by tests", sep="!", red=True, bold=True)
        for node, lines in _state["violations"]:
            tr.write_line(f"{node}:", red=True)
            for line in lines[:50]:
                tr.write_line(f"  {line}")
        tr.write_line("data/ and .cache/ must stay as they were (tests/conftest.py); the run is failed.", red=True)


# -- the county demo, generated for the session ------------------------------------------------


@pytest.fixture(scope="session")
def county_demo(tmp_path_factory) -> Path:
    """A fresh county demo package (seed 1, what `make demo` writes to data/): tests that need
    county-scale data use this, never the checkout's data/, which an adopter replaces with
    their own (then the suite still passes). `make check-demo` compares data/ with it."""
    from generator.staff.demo import generate  # the staff tools, only for the tests that need them

    out = tmp_path_factory.mktemp("county-demo") / "data"
    generate("county", 1, out)
    return out
