"""`python -m generator serve` (`make serve`): live preview for staff.

mkdocs serve with the deputy-site plugin; it rebuilds, re-reading and re-validating the data,
whenever a data file, a report, a hand-written page, a template or the theme changes.
"""

from __future__ import annotations

import sys
from pathlib import Path


def command(args) -> int:
    from . import site_adapter

    data = Path(args.data)
    if not data.is_dir():
        print(f"错误 error: 数据目录不存在 / no data folder: {data}", file=sys.stderr)
        return 1
    from .build import _on_sigterm_exit

    # SIGTERM (a stopped service, `timeout`) unwinds like Ctrl-C, so mkdocs removes its
    # throwaway build folder (in memory under `make serve`) instead of leaving it behind.
    restore = _on_sigterm_exit()
    try:
        site_adapter.serve(data, args.addr)
    except OSError as e:  # e.g. the port is taken
        print(
            f"错误 error: 无法在 {args.addr} 启动预览 / cannot serve on {args.addr}: {e.strerror or e}", file=sys.stderr
        )
        return 1
    except SystemExit as e:
        return int(e.code or 0)
    finally:
        restore()
    return 0
