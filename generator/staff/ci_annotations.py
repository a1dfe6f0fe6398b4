"""Turn `python -m generator validate --json` output into CI annotations.

    python -m generator validate data --json > validation.json
    python -m generator.staff.ci_annotations github --data-dir data < validation.json
    python -m generator.staff.ci_annotations gitlab --data-dir data < validation.json > gl-code-quality-report.json

github: one workflow command per problem (`::error file=data/x.csv,line=14,title=code::message`),
        which GitHub Actions shows on the file and line of the commit or pull request.
gitlab: a Code Quality report (JSON list) for `artifacts: reports: codequality`.

Messages come from the validator, which never quotes a private value. Always exits 0 unless
the input is not the validator's JSON (exit 2): the validate step itself sets the job status.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import posixpath
import sys
from collections.abc import Iterable
from typing import Any, TextIO

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
    a = ap.parse_args(argv)
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
    if a.format == "github":
        for line in github_lines(problems, a.data_dir):
            print(line, file=stdout)
    else:
        json.dump(gitlab_report(problems, a.data_dir), stdout, ensure_ascii=False, indent=2)
        stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
