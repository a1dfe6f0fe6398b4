"""Turn `python -m generator validate --json` output into CI annotations.

    python -m generator validate data --json > validation.json
    python -m generator.staff.ci_annotations github --data-dir data validation.json
    python -m generator.staff.ci_annotations gitlab --data-dir data validation.json > gl-code-quality-report.json

(the JSON file may come before or after the options, or on standard input.)

github: one workflow command per problem (`::error file=data/x.csv,line=14,title=code::message`),
        which GitHub Actions shows on the file and line of the commit or pull request. GitHub
        shows only the first 10 of each kind per step, so when $GITHUB_STEP_SUMMARY is set (it
        is in every Actions step) every problem is also listed in the job summary, errors first.
gitlab: a Code Quality report (JSON list) for `artifacts: reports: codequality`.

Messages come from the validator, which never quotes a private value. Always exits 0 unless
the input is not the validator's JSON (exit 2): the validate step itself sets the job status.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import posixpath
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from ..validate import text_context

GITLAB_SEVERITY = {"error": "major", "warning": "minor"}


def _path(data_dir: str, file: str) -> str:
    if not file:
        return ""
    file = file.replace("\\", "/")
    if not data_dir or data_dir == "." or file.startswith(data_dir.rstrip("/") + "/"):
        return file
    return posixpath.join(data_dir.rstrip("/"), file)


def _message(p: dict[str, Any]) -> str:
    msg = f"{p.get('message_zh', '')} / {p.get('message_en', '')}".strip(" /")
    if p.get("field"):
        msg = f"[{p['field']}] {msg}"
    if p.get("hint_zh") or p.get("hint_en"):
        msg += f"\n处理 fix: {p.get('hint_zh', '')} / {p.get('hint_en', '')}".rstrip(" /")
    return msg


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def github_lines(problems: Iterable[dict[str, Any]], data_dir: str = "data") -> list[str]:
    out = []
    for p in problems:
        kind = "error" if p.get("severity") == "error" else "warning"
        props = []
        path = _path(data_dir, p.get("file", ""))
        if path:
            props.append(f"file={_escape_prop(path)}")
            if p.get("row"):
                props.append(f"line={int(p['row'])}")
        props.append(f"title={_escape_prop(str(p.get('code', '')))}")
        out.append(f"::{kind} {','.join(props)}::{_escape_data(_message(p))}")
    return out


def gitlab_report(problems: Iterable[dict[str, Any]], data_dir: str = "data") -> list[dict[str, Any]]:
    out = []
    seen: set[str] = set()
    for p in problems:
        path = _path(data_dir, p.get("file", "")) or posixpath.join(data_dir or ".", "datapackage.yaml")
        line = int(p.get("row") or 1)
        desc = _message(p).replace("\n", " ")
        key = "\x1f".join([str(p.get("code", "")), path, str(line), str(p.get("field", "")), desc])
        fp = hashlib.sha256(key.encode("utf-8")).hexdigest()
        if fp in seen:  # GitLab drops duplicate fingerprints; keep the first
            continue
        seen.add(fp)
        out.append(
            {
                "description": desc,
                "check_name": str(p.get("code", "")),
                "fingerprint": fp,
                "severity": GITLAB_SEVERITY.get(p.get("severity", ""), "info"),
                "location": {"path": path, "lines": {"begin": line}},
            }
        )
    return out


GITHUB_CAP = 10  # annotations GitHub shows per kind and step


def _cell(s: str) -> str:
    return " ".join(str(s).split()).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def github_summary(problems: list[dict[str, Any]], data_dir: str = "data") -> str:
    """Markdown for the job summary: every problem, errors first, in a table."""
    errors = [p for p in problems if p.get("severity") == "error"]
    warnings = [p for p in problems if p.get("severity") != "error"]
    lines = [f"## 数据校验 / data validation: {len(errors)} 个错误 errors, {len(warnings)} 个警告 warnings", ""]
    if len(errors) > GITHUB_CAP or len(warnings) > GITHUB_CAP:
        lines += [
            f"GitHub 在文件上最多标注 {GITHUB_CAP} 个错误和 {GITHUB_CAP} 个警告；下表列出全部问题。"
            f" / GitHub annotates at most {GITHUB_CAP} errors and {GITHUB_CAP} warnings; every problem is listed below.",
            "",
        ]
    if not problems:
        return "\n".join(lines)
    lines += ["| 级别 severity | 位置 where | 代码 code | 说明 message |", "| --- | --- | --- | --- |"]
    for p in errors + warnings:
        where = _path(data_dir, p.get("file", "")) or "-"
        if p.get("row"):
            where += f":{int(p['row'])}"
        sev = "错误 error" if p.get("severity") == "error" else "警告 warning"
        lines.append(f"| {sev} | {_cell(where)} | {_cell(p.get('code', ''))} | {_cell(_message(p))} |")
    return "\n".join(lines) + "\n"


def root_causes_first(problems: list[dict[str, Any]], data_dir: str) -> list[dict[str, Any]]:
    """Errors first, the tables others refer to before the tables referring to them (the order
    of `make validate`), so the annotations GitHub does show are the ones to fix first."""
    order = text_context.file_order(text_context.package_or_none(Path(data_dir or ".")))
    return sorted(
        problems,
        key=lambda p: (
            p.get("severity") != "error",
            order.get(str(p.get("file", "")), len(order) + 1),
            str(p.get("file", "")),
            int(p.get("row") or 0),
        ),
    )


def read_problems(fh: TextIO) -> list[dict[str, Any]]:
    data = json.load(fh)
    if not isinstance(data, dict) or not isinstance(data.get("problems"), list):
        raise ValueError("not the output of `python -m generator validate --json`")
    return data["problems"]


def main(argv: list[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m generator.staff.ci_annotations",
        description="校验结果 → CI 注释 / validation JSON → CI annotations",
    )
    ap.add_argument("format", choices=["github", "gitlab"])
    ap.add_argument("input", nargs="?", help="JSON file (default: standard input)")
    ap.add_argument("--data-dir", default="data", help="the data folder, relative to the repository root")
    # intermixed: `github --data-dir data validation.json` (the CI templates' order) parses too
    a = ap.parse_intermixed_args(argv)
    stdout = stdout or sys.stdout
    try:
        if a.input:
            with open(a.input, encoding="utf-8-sig") as fh:
                problems = read_problems(fh)
        else:
            problems = read_problems(stdin or sys.stdin)
    except (OSError, ValueError) as e:  # json.JSONDecodeError is a ValueError
        print(f"ci_annotations: 无法读取校验结果 / cannot read validation output: {type(e).__name__}", file=sys.stderr)
        return 2
    problems = root_causes_first(problems, a.data_dir)
    if a.format == "github":
        for line in github_lines(problems, a.data_dir):
            print(line, file=stdout)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            try:
                with open(summary, "a", encoding="utf-8") as fh:
                    fh.write(github_summary(problems, a.data_dir))
            except OSError:
                print("ci_annotations: 无法写入作业摘要 / cannot write the job summary", file=sys.stderr)
    else:
        json.dump(gitlab_report(problems, a.data_dir), stdout, ensure_ascii=False, indent=2)
        stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
