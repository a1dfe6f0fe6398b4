"""The stack's own commands on the project's mkdocs.yml give the same site as
`python -m generator build` (`make site`), or stop loudly with the site untouched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from site_tree import tree

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"
MKDOCS = Path(sys.executable).parent / "mkdocs"

pytestmark = pytest.mark.slow


def _env(tmp_path: Path, data: Path) -> dict:
    env = dict(os.environ)
    env.update(DEPUTY_SITE_DATA=str(data), DEPUTY_SITE_CACHE=str(tmp_path / "store"), NO_MKDOCS_2_WARNING="1")
    env.pop("SOURCE_DATE_EPOCH", None)
    return env


def _run(args: list[str], env: dict, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("ref") / "site"
    r = _run([sys.executable, "-m", "generator", "build", "--data", str(TINY), "--out", str(out)], dict(os.environ))
    assert r.returncode == 0, r.stderr
    return tree(out)


def test_mkdocs_build_gives_the_same_files_as_the_build_command(tmp_path, reference):
    out = tmp_path / "site"
    r = _run([str(MKDOCS), "build", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)], _env(tmp_path, TINY))
    assert r.returncode == 0, r.stderr
    got = tree(out)
    assert sorted(got) == sorted(reference)
    assert [p for p in reference if got[p] != reference[p]] == []
    for must in ("feed.xml", "data/datapackage.json", "data/datapackage.zip", "data/popolo.json", "sitemap.xml"):
        assert must in got
    assert "Page skipped" not in r.stderr
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".site-")] == []  # no leftovers


def test_mkdocs_build_on_invalid_data_stops_and_leaves_the_site(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    deputies = data / "deputies.csv"
    lines = deputies.read_text(encoding="utf-8").splitlines()
    deputies.write_text("\n".join(lines + [lines[1]]) + "\n", encoding="utf-8")  # a duplicated id
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("old site", encoding="utf-8")
    r = _run([str(MKDOCS), "build", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)], _env(tmp_path, data))
    assert r.returncode != 0
    assert "网站未改动" in r.stderr and "site left untouched" in r.stderr
    assert "Traceback" not in r.stderr
    assert tree(out) == {"index.html": b"old site"}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site-")] == []


def test_mkdocs_gh_deploy_publishes_the_whole_site(tmp_path, reference):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo, remote = tmp_path / "repo", tmp_path / "remote.git"
    git = ["git", "-c", "user.email=ci@example.invalid", "-c", "user.name=ci"]
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "-C", str(repo), "remote", "add", "origin", str(remote)], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-q", "--allow-empty", "-m", "init"], check=True)
    env = _env(tmp_path, TINY)
    env.update(GIT_AUTHOR_NAME="ci", GIT_AUTHOR_EMAIL="ci@example.invalid", GIT_COMMITTER_NAME="ci")
    env.update(GIT_COMMITTER_EMAIL="ci@example.invalid")
    cmd = [str(MKDOCS), "gh-deploy", "-f", str(ROOT / "mkdocs.yml"), "-d", str(tmp_path / "site"), "--force"]
    r = _run(cmd, env, cwd=repo)
    assert r.returncode == 0, r.stderr
    listed = subprocess.run(
        ["git", "--git-dir", str(remote), "ls-tree", "-r", "--name-only", "gh-pages"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    # ghp-import adds .nojekyll; everything else is the site as the build command makes it
    assert sorted(p for p in listed if p != ".nojekyll") == sorted(reference)
