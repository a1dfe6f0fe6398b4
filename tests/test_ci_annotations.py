"""CI converters: validator JSON → GitHub workflow commands (and a job summary) and a GitLab
Code Quality report; the two CI files' own commands, parsed from the YAML, run against a
package with an error and produce the annotations."""

from __future__ import annotations

import io
import json
from pathlib import Path

import yaml

from generator.problems import Problem, to_json
from generator.staff import ci_annotations

ROOT = Path(__file__).resolve().parent.parent

PROBLEMS = [
    Problem(
        "deputies.csv",
        14,
        "gender",
        "not-in-enum",
        "error",
        "性别的值不在允许范围",
        "gender: value not allowed",
        "改为以下之一：male, female",
        "use one of: male, female",
    ),
    Problem("reports.csv", 3, "", "report-overdue", "warning", "逾期未报告: 100%, a,b", "Report overdue"),
    Problem("", 0, "", "descriptor-missing", "error", "缺少数据包描述文件", "Descriptor missing"),
]


def _run(fmt: str, text: str) -> tuple[int, str]:
    out = io.StringIO()
    rc = ci_annotations.main([fmt, "--data-dir", "data"], stdin=io.StringIO(text), stdout=out)
    return rc, out.getvalue()


def test_github_workflow_commands():
    rc, out = _run("github", to_json(PROBLEMS))
    assert rc == 0
    assert out.splitlines() == [  # errors first, the package's own before its tables'
        "::error title=descriptor-missing::缺少数据包描述文件 / Descriptor missing",
        "::error file=data/deputies.csv,line=14,title=not-in-enum::[gender] 性别的值不在允许范围 / gender: value not allowed"
        "%0A处理 fix: 改为以下之一：male, female / use one of: male, female",
        "::warning file=data/reports.csv,line=3,title=report-overdue::逾期未报告: 100%25, a,b / Report overdue",
    ]


def test_gitlab_code_quality_report():
    rc, out = _run("gitlab", to_json(PROBLEMS))
    assert rc == 0
    report = json.loads(out)
    assert [(r["check_name"], r["severity"], r["location"]) for r in report] == [
        ("descriptor-missing", "major", {"path": "data/datapackage.yaml", "lines": {"begin": 1}}),
        ("not-in-enum", "major", {"path": "data/deputies.csv", "lines": {"begin": 14}}),
        ("report-overdue", "minor", {"path": "data/reports.csv", "lines": {"begin": 3}}),
    ]
    assert report[1]["description"].startswith("[gender] 性别的值不在允许范围 / gender: value not allowed 处理 fix:")
    fps = [r["fingerprint"] for r in report]
    assert len(set(fps)) == 3 and all(len(f) == 64 for f in fps)
    # same input, same fingerprints: GitLab compares them between pipelines
    assert [r["fingerprint"] for r in json.loads(_run("gitlab", to_json(PROBLEMS))[1])] == fps


def test_empty_and_bad_input():
    assert _run("github", to_json([])) == (0, "")
    assert _run("gitlab", to_json([])) == (0, "[]\n")
    assert _run("github", "not json")[0] == 2
    assert _run("gitlab", '{"errors": 0}')[0] == 2


def test_ci_files_run_make_validate_on_push_and_pull_request():
    gh = yaml.safe_load((ROOT / ".github/workflows/validate.yml").read_text(encoding="utf-8"))
    on = gh.get("on", gh.get(True))  # YAML 1.1 reads the key `on` as true
    assert set(on) == {"push", "pull_request"}
    steps = gh["jobs"]["validate"]["steps"]
    runs = [s.get("run", "") for s in steps]
    assert any(r.startswith("make validate") for r in runs)
    assert any("generator.staff.ci_annotations github" in r for r in runs)
    gl = yaml.safe_load((ROOT / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    job = gl["validate"]
    assert job["script"][0] == 'make validate DATA="$DATA"'
    assert any("generator.staff.ci_annotations gitlab" in s for s in job["after_script"])
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert job["artifacts"]["when"] == "always"
    sources = [r["if"] for r in job["rules"]]
    assert '$CI_PIPELINE_SOURCE == "merge_request_event"' in sources and "$CI_COMMIT_BRANCH" in sources


# -- the templates' own commands, run against a package with an error ---------------------


def _ci_dir(tmp_path: Path) -> Path:
    """A checkout-like folder: data/ (tiny with d03's id cleared) and .venv/bin/python."""
    import shutil
    import sys

    work = tmp_path / "repo"
    shutil.copytree(ROOT / "tests" / "fixtures" / "tiny", work / "data")
    deputies = work / "data" / "deputies.csv"
    deputies.write_text(deputies.read_text(encoding="utf-8").replace("\nd03,", "\n,"), encoding="utf-8")
    (work / ".venv" / "bin").mkdir(parents=True)
    python = work / ".venv" / "bin" / "python"  # the interpreter running the tests, with its packages
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    python.chmod(0o755)
    return work


def _sh(script: str, cwd: Path, **env: str) -> int:
    import os
    import subprocess

    full = {**os.environ, "DATA": "data", "PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": "1795132800", **env}
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=full, timeout=300).returncode


# the errors of the package, root cause first (the table others refer to), as `make validate`
# orders them: GitHub shows only the first 10 annotations of a kind
ERRORS = [
    ("data/deputies.csv", 4, "required"),
    ("data/contacts.csv", 3, "foreign-key"),
    ("data/station_members.csv", 2, "foreign-key"),
    ("data/suggestions.csv", 4, "foreign-key"),
    ("data/group_members.csv", 3, "foreign-key"),
    ("data/mandates.csv", 5, "foreign-key"),
    ("data/suggestion_cosigners.csv", 3, "foreign-key"),
    ("data/attendance.csv", 4, "foreign-key"),
    ("data/attendance.csv", 10, "foreign-key"),
    ("data/attendance.csv", 15, "foreign-key"),
    ("data/reports.csv", 3, "foreign-key"),
]


def test_github_template_commands_annotate_and_summarise(tmp_path):
    import re

    gh = yaml.safe_load((ROOT / ".github/workflows/validate.yml").read_text(encoding="utf-8"))
    job = gh["jobs"]["validate"]
    steps = job["steps"]
    validate = next(s for s in steps if s.get("id") == "validate")
    assert validate["run"] == 'make validate DATA="$DATA"'
    annotate = next(s for s in steps if "ci_annotations" in s.get("run", ""))
    assert annotate["if"] == "failure() && steps.validate.outcome == 'failure'"
    work = _ci_dir(tmp_path)
    log = tmp_path / "log.txt"
    summary = tmp_path / "summary.md"
    rc = _sh(f"( {annotate['run']} ) > {log}", work, GITHUB_STEP_SUMMARY=str(summary), **job.get("env", {}))
    assert rc == 0
    cmds = [x for x in log.read_text(encoding="utf-8").splitlines() if x.startswith("::")]
    errors = [re.match(r"::error file=([^,]+),line=(\d+),title=([^:]+)::", x) for x in cmds if x.startswith("::error")]
    assert [(m.group(1), int(m.group(2)), m.group(3)) for m in errors] == ERRORS
    assert len(cmds) - len(errors) == len([x for x in cmds if x.startswith("::warning ")])
    # more than 10 errors: GitHub shows 10 annotations, the summary lists every problem
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## 数据校验 / data validation: 11 个错误 errors")
    assert "GitHub 在文件上最多标注 10 个错误" in text
    rows = [x for x in text.splitlines() if x.startswith("| 错误 error |")]
    assert [tuple(c.strip() for c in r.split("|")[2:4]) for r in rows] == [(f"{f}:{n}", c) for f, n, c in ERRORS]
    assert len([x for x in text.splitlines() if x.startswith("| 警告 warning |")]) == len(cmds) - len(errors)


def test_gitlab_template_commands_write_the_code_quality_report(tmp_path):
    gl = yaml.safe_load((ROOT / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    job = gl["validate"]
    work = _ci_dir(tmp_path)
    rc = _sh("\n".join(job["after_script"]), work, **{k: str(v) for k, v in job["variables"].items()})
    assert rc == 0
    report = json.loads((work / job["artifacts"]["reports"]["codequality"]).read_text(encoding="utf-8"))
    got = [(r["location"]["path"], r["location"]["lines"]["begin"], r["check_name"]) for r in report]
    assert [g for g, r in zip(got, report) if r["severity"] == "major"] == ERRORS
    assert all(r["severity"] in ("major", "minor") for r in report)
    assert (work / "validation.json").is_file() and "validation.json" in job["artifacts"]["paths"]


def test_the_validate_job_installs_only_the_runtime_packages():
    import subprocess

    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\nvalidate: $(RUN_STAMP)\n" in make
    recipe = make.split("$(RUN_STAMP): pyproject.toml\n", 1)[1].split("\n\n", 1)[0]
    assert "pip install --quiet -e .\n" in recipe + "\n" and "[test]" not in recipe
    dry = subprocess.run(
        ["make", "--no-print-directory", "-n", "-o", ".venv/.installed-run", "validate", "DATA=data"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert dry.stdout.strip().startswith(".venv/bin/python -m generator validate data")


def test_the_go_live_check_runs_on_the_default_branch_and_fails_unless_the_package_is_the_demo(tmp_path):
    import subprocess

    gh = yaml.safe_load((ROOT / ".github/workflows/validate.yml").read_text(encoding="utf-8"))
    step = next(s for s in gh["jobs"]["validate"]["steps"] if s.get("id") == "release")
    assert step["if"] == "github.ref_name == github.event.repository.default_branch"
    gl = yaml.safe_load((ROOT / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    gl_line = gl["validate"]["script"][1]
    calls = tmp_path / "calls"
    fake = f'make() {{ echo "$@" >> {calls}; return 1; }}\n'  # the check finds placeholders
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "datapackage.yaml").write_text("name: x\nx-fictional: true\n", encoding="utf-8")
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "datapackage.yaml").write_text("name: x\n", encoding="utf-8")
    # (data, branch): called?, job passes?  GitHub's `if:` keeps the step to the default branch
    cases = [("demo", "main", True, True), ("real", "main", True, False), ("real", "topic", False, True)]
    for data, branch, called, passes in cases:
        for script, on_branch in ((gl_line, True), (step["run"], branch == "main")):
            if not on_branch:
                continue
            calls.unlink(missing_ok=True)
            env = {"PATH": "/usr/bin:/bin", "DATA": str(tmp_path / data)}
            env |= {"CI_COMMIT_BRANCH": branch, "CI_DEFAULT_BRANCH": "main"}
            rc = subprocess.run(["bash", "-e", "-c", fake + script], env=env, cwd=tmp_path, timeout=30).returncode
            assert (rc == 0) == passes, (data, branch, script)
            assert calls.exists() == called
            if called:
                assert calls.read_text() == f"validate DATA={tmp_path / data} RELEASE=1 ERRORS_ONLY=1\n"
    dry = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-n",
            "-o",
            ".venv/.installed-run",
            "validate",
            "DATA=data",
            "RELEASE=1",
            "ERRORS_ONLY=1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert dry.stdout.split() == [
        ".venv/bin/python",
        "-m",
        "generator",
        "validate",
        "data",
        "--errors-only",
        "--release",
    ]
