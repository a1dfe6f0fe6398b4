"""`python -m generator serve` (`make serve`): live preview for staff.

mkdocs serve on the project's mkdocs.yml; its deputy-site plugin (generator/plugin.py) runs
the pipeline on every rebuild, re-reading and re-validating the data, with the store making
a rebuild after a one-report edit take seconds. The data folder reaches the plugin through
DEPUTY_SITE_DATA (the plugin's documented override).

When the data is refused (a validation error, a broken descriptor), the preview does not stop
or keep showing the old pages: the plugin builds one page instead (`error_page`), served for
every address, that lists the problems in Chinese (code, file, row, field, what to fix) and
reloads itself once the data is fixed and the next rebuild succeeds. DEPUTY_SITE_PREVIEW=1 (set
here; also for plain `mkdocs serve`) turns that on: `mkdocs build` and `make site` still refuse.
"""

from __future__ import annotations

import html
import logging
import os
import sys
from pathlib import Path

from ..errors import GeneratorError
from ..options import DATA_ENV, Options
from .prepare import InvalidData
from .run import on_sigterm_exit

PREVIEW_ENV = "DEPUTY_SITE_PREVIEW"
ERROR_MARK = "data-preview-error"  # the page's reload script looks for it
MAX_ROWS = 300  # a page a browser opens at once; `make validate` lists them all

_STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;color:#1a1a1a;background:#fff;line-height:1.6}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;color:#8b0000;margin:.5rem 0}
.note{background:#fff4e5;border-left:4px solid #b35900;padding:.5rem .75rem}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{border:1px solid #ccc;padding:.35rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f2f2f2}
code{font-family:ui-monospace,monospace;font-size:.9em}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f6f6;padding:.75rem}
@media (max-width:40rem){thead{display:none}tr{display:block;border:1px solid #ccc;margin:.5rem 0}
td{display:block;border:0;border-bottom:1px solid #eee}td::before{content:attr(data-label)"：";font-weight:bold}}
"""
# Ask for this address every 2 s; once the answer is no longer this page (the rebuild after a
# fix succeeded) reload. Same host only; the 404 answers mkdocs gives for other addresses carry
# no livereload script of their own.
_SCRIPT = """
(function(){var t=setInterval(function(){fetch(location.href,{cache:"no-store"}).then(function(r){return r.text()})
.then(function(x){if(x.indexOf("MARK")<0){clearInterval(t);location.reload()}}).catch(function(){})},2000)})();
""".replace("MARK", ERROR_MARK)


def error_page(error: GeneratorError) -> str:
    """The page the preview shows while the data is refused. Everything from the data is
    escaped; the problems' messages are built from the validator's templates, which never
    quote a private value."""
    e = html.escape
    rows: list[str] = []
    if isinstance(error, InvalidData) and error.problems:
        problems = list(error.problems)
        heading = f"数据有 {len(problems)} 个错误，预览暂停 / {len(problems)} errors: preview paused"
        rows.append(
            "<table><thead><tr><th>代码 code</th><th>文件 file</th><th>行 row</th><th>字段 field</th>"
            "<th>问题 problem</th><th>怎么改 how to fix</th></tr></thead><tbody>"
        )
        for p in problems[:MAX_ROWS]:
            rows.append(
                "<tr>"
                f'<td data-label="代码"><code>{e(p.code)}</code></td>'
                f'<td data-label="文件">{e(p.file or "-")}</td>'
                f'<td data-label="行">{p.row or ""}</td>'
                f'<td data-label="字段">{e(p.field)}</td>'
                f'<td data-label="问题">{e(p.message_zh)}<br><span lang="en">{e(p.message_en)}</span></td>'
                f'<td data-label="怎么改">{e(p.hint_zh)}</td>'
                "</tr>"
            )
        rows.append("</tbody></table>")
        if len(problems) > MAX_ROWS:
            rows.append(
                f"<p>另有 {len(problems) - MAX_ROWS} 个错误未列出，运行 <code>make validate</code> 查看全部 / "
                f"{len(problems) - MAX_ROWS} more: run <code>make validate</code> to see all.</p>"
            )
    else:
        heading = "数据无法读取，预览暂停 / the data cannot be read: preview paused"
        rows.append(f"<pre>{e(str(error))}</pre>")
    return (
        '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{e(heading)}</title><style>{_STYLE}</style></head>\n"
        f"<body {ERROR_MARK}><main><h1>{e(heading)}</h1>\n"
        '<p class="note">网站没有更新。请按下表改正数据文件并保存，本页会自动刷新，显示改好后的网站。'
        "也可以在终端运行 <code>make validate</code> 查看同样的内容。<br>"
        '<span lang="en">The site was not rebuilt. Fix the data files as listed and save: this page reloads by '
        "itself once the data passes.</span></p>\n"
        + "\n".join(rows)
        + f"\n</main><script>{_SCRIPT}</script></body></html>\n"
    )


def _show_mkdocs_messages() -> None:
    """Print mkdocs' log as its own CLI does (the plugin's refusal of the data among it):
    called as a function, mkdocs configures no output of its own."""
    log = logging.getLogger("mkdocs")
    if not any(getattr(h, "_deputy_site", False) for h in log.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        handler._deputy_site = True  # type: ignore[attr-defined]
        log.addHandler(handler)
    log.setLevel(logging.INFO)


def command(opts: Options, addr: str) -> int:
    # only here: the preview server is for this command
    from mkdocs.commands.serve import serve
    from mkdocs.exceptions import MkDocsException

    data = Path(opts.data_dir)
    if not data.is_dir():
        print(f"错误 error: 数据目录不存在 / no data folder: {data}", file=sys.stderr)
        return 1
    os.environ[DATA_ENV] = str(data.resolve())
    os.environ[PREVIEW_ENV] = "1"  # refused data: a page listing the problems, not a stop
    # SIGTERM (a stopped service, `timeout`) unwinds like Ctrl-C, so mkdocs removes its
    # throwaway build folder instead of leaving it behind.
    restore = on_sigterm_exit()
    _show_mkdocs_messages()
    print(f"预览地址 preview at http://{addr}/ （按 Ctrl+C 结束 / Ctrl+C stops it）", file=sys.stderr, flush=True)
    try:
        serve(
            str(opts.config_file),
            dev_addr=addr,
            livereload=True,
            watch=[str(data.resolve()), str(Path(opts.config_file).resolve().parent / "generator" / "templates")],
        )
    except MkDocsException as e:  # the first build failed: the data was refused, or mkdocs.yml
        print(f"错误 error: 预览未启动 / preview not started:\n{e}", file=sys.stderr)
        return 1
    except OSError as e:  # e.g. the port is taken
        print(f"错误 error: 无法在 {addr} 启动预览 / cannot serve on {addr}: {e.strerror or e}", file=sys.stderr)
        return 1
    except SystemExit as e:
        return int(e.code or 0)
    finally:
        restore()
    return 0
