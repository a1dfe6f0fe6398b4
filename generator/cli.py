"""`python -m generator …`: one entry point, each command in its own module.

It only parses: the arguments become one Options object (generator/options.py) for the
pipeline, or the arguments of a staff tool.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from .options import DEFAULT_CACHE, BadDate, Options, check_date, from_env


def _date(s: str) -> dt.date:
    try:
        return check_date(dt.date.fromisoformat(s))
    except BadDate as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {s!r}") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m generator", description="人大代表履职公开网站生成器 / deputy transparency site generator"
    )
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="校验数据包 / validate the data package")
    v.add_argument("data_dir", nargs="?", default="data")
    v.add_argument("--as-of", type=_date, default=None, help="today for due/overdue (default: the real date)")
    v.add_argument("--json", action="store_true", help="print problems as JSON")
    v.add_argument(
        "--engine",
        choices=["auto", "fast", "frictionless"],
        default="auto",
        help="row checks: frictionless, or the fast equivalent (auto: fast for big packages; docs/validation.md)",
    )
    v.add_argument("--details", action="store_true", help="列出每一条警告 / list every warning, not a summary by code")
    v.add_argument("--errors-only", action="store_true", help="只显示错误 / show errors only")
    v.add_argument(
        "--release", action="store_true", help="上线检查：演示内容是否已替换 / going live: no demo placeholder left"
    )

    b = sub.add_parser("build", help="校验并生成网站 / validate and build the site")
    b.add_argument("--data", default="data")
    b.add_argument("--out", default="site")
    b.add_argument("--as-of", type=_date, default=None)
    b.add_argument("--jobs", type=_jobs, default="auto", help="build processes (auto: 2 for large sites) / 进程数")
    b.add_argument(
        "--partition",
        type=_partition,
        default=None,
        metavar="K/N",
        help="build only partition K of N (stitch the parts with `stitch`) / 只构建第 K 个分区",
    )

    st = sub.add_parser("stitch", help="拼接分区构建结果 / merge partition outputs into one site")
    st.add_argument("parts", nargs="+", help="partition output folders")
    st.add_argument("--out", required=True)
    st.add_argument("--copy", action="store_true", help="copy instead of moving files")

    s = sub.add_parser("serve", help="本地预览 / live preview")
    s.add_argument("--data", default="data")
    s.add_argument("--addr", default="127.0.0.1:8000")

    d = sub.add_parser("demo", help="生成虚构演示数据 / write a fictional demo package")
    d.add_argument("--scale", choices=["tiny", "county", "city", "province"], default="county")
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--out", required=True)

    i = sub.add_parser("import", help="从 Excel 导入 / import an .xlsx workbook")
    i.add_argument("file")
    i.add_argument("--out", default="data")
    i.add_argument("--as-of", type=_date, default=None, help="today for due/overdue checks (default: the real date)")
    i.add_argument(
        "--update", action="store_true", help="只新增或修改记录（按编号）/ add or change rows by id, remove none"
    )
    i.add_argument(
        "--yes", action="store_true", help="确认删除记录或大量修改 / go ahead although rows are removed or >10%% change"
    )

    x = sub.add_parser("export", help="把整个数据包导出为 Excel 工作簿 / write the package as an .xlsx workbook")
    x.add_argument("file")
    x.add_argument("--data", default="data")
    x.add_argument("--force", action="store_true", help="覆盖已有文件 / overwrite an existing file")

    n = sub.add_parser("new-report", help="新建报告草稿 / create a report skeleton")
    n.add_argument("deputy_id")
    n.add_argument("--data", default="data")
    n.add_argument("--date", type=_date, default=None, help="report date (default: today)")
    n.add_argument("--mandate", default=None, help="mandate id when the deputy has several")

    w = sub.add_parser("import-report", help="把 Word 报告（.docx）导入为报告正文 / a Word report as a report's body")
    w.add_argument("file", help="the .docx file")
    which = w.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--id", help="报告编号（reports.csv 的 id）：替换该报告的正文 / the report whose body to replace"
    )
    which.add_argument("--deputy", help="代表编号：新建该代表的报告草稿 / make a new draft report for this deputy")
    w.add_argument("--date", type=_date, default=None, help="with --deputy: the report date (default: today)")
    w.add_argument("--mandate", default=None, help="with --deputy: mandate id when the deputy has several")
    w.add_argument("--data", default="data")
    w.add_argument("--as-of", type=_date, default=None, help="today for due/overdue checks (default: the real date)")
    w.add_argument("--yes", action="store_true", help="替换已有正文 / replace a body that already holds text")
    return p


def _partition(text: str | None) -> tuple[int, int] | None:
    """ "K/N" (1-based K, as CI matrices count) → (k, n) with 0-based k."""
    if text is None:
        return None
    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"partition must be K/N, e.g. 1/4: {text!r}") from None
    if not 1 <= k <= n:
        raise argparse.ArgumentTypeError(f"partition K/N needs 1 <= K <= N: {text!r}")
    return k - 1, n


def _jobs(text: str) -> int | str:
    if text == "auto":
        return text
    try:
        return max(1, int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs takes a number or auto: {text!r}") from None


def options(args: argparse.Namespace) -> Options:
    """The one Options object of a build or preview, from the arguments and the documented
    environment overrides."""
    kw = {"data_dir": Path(args.data), "cache_dir": DEFAULT_CACHE}
    if getattr(args, "out", None):
        kw["out"] = Path(args.out)
    for name in ("as_of", "jobs", "partition"):
        if getattr(args, name, None) is not None:
            kw[name] = getattr(args, name)
    return from_env(Options(**kw))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Each command's module is imported only when it runs: `validate` does not pay for mkdocs,
    # and a missing optional piece fails only its own command.
    try:
        if args.command == "validate":
            from .validate import command

            return int(command(args) or 0)
        if args.command == "build":
            from .pipeline.run import command

            return command(options(args))
        if args.command == "stitch":
            from .pipeline.parallel import stitch_command

            return stitch_command([Path(p) for p in args.parts], Path(args.out), args.copy)
        if args.command == "serve":
            from .pipeline.serve import command

            return command(options(args), args.addr)
        if args.command == "demo":
            from .staff.demo import command
        elif args.command == "import":
            from .staff.xlsx_import import command
        elif args.command == "export":
            from .staff.xlsx_export import command
        elif args.command == "new-report":
            from .staff.new_report import command
        elif args.command == "import-report":
            from .staff.word_import import command
        else:  # pragma: no cover - argparse rejects it first
            return 2
        return int(command(args) or 0)
    except KeyboardInterrupt:
        print("已中断 / interrupted", file=sys.stderr)
        return 130
