"""CI converters: validator JSON → GitHub workflow commands and a GitLab Code Quality report,
and the two CI files both run `make validate`."""

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
    assert out.splitlines() == [
        "::error file=data/deputies.csv,line=14,title=not-in-enum::[gender] 性别的值不在允许范围 / gender: value not allowed"
        "%0A处理 fix: 改为以下之一：male, female / use one of: male, female",
        "::warning file=data/reports.csv,line=3,title=report-overdue::逾期未报告: 100%25, a,b / Report overdue",
        "::error title=descriptor-missing::缺少数据包描述文件 / Descriptor missing",
    ]


def test_gitlab_code_quality_report():
    rc, out = _run("gitlab", to_json(PROBLEMS))
    assert rc == 0
    report = json.loads(out)
    assert [(r["check_name"], r["severity"], r["location"]) for r in report] == [
        ("not-in-enum", "major", {"path": "data/deputies.csv", "lines": {"begin": 14}}),
        ("report-overdue", "minor", {"path": "data/reports.csv", "lines": {"begin": 3}}),
        ("descriptor-missing", "major", {"path": "data/datapackage.yaml", "lines": {"begin": 1}}),
    ]
    assert report[0]["description"].startswith("[gender] 性别的值不在允许范围 / gender: value not allowed 处理 fix:")
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
    assert job["script"] == ['make validate DATA="$DATA"']
    assert any("generator.staff.ci_annotations gitlab" in s for s in job["after_script"])
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert job["artifacts"]["when"] == "always"
    sources = [r["if"] for r in job["rules"]]
    assert '$CI_PIPELINE_SOURCE == "merge_request_event"' in sources and "$CI_COMMIT_BRANCH" in sources
