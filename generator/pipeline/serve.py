"""`python -m generator serve` (`make serve`): live preview for staff.

mkdocs serve on the project's mkdocs.yml; its deputy-site plugin (generator/plugin.py) runs
the pipeline on every rebuild, re-reading and re-validating the data, with the store making
a rebuild after a one-report edit take seconds. The data folder reaches the plugin through
DEPUTY_SITE_DATA (the plugin's documented override).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from ..options import DATA_ENV, Options
from .run import on_sigterm_exit


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
