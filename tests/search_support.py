"""Helpers for the search tests: run the real theme/assets/js/search.js in node."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEARCH_JS = ROOT / "theme/assets/js/search.js"
NODE_RUNNER = ROOT / "tests/search_node.js"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)")


def run_js(expr_lines: str) -> object:
    code = f"const S = require({json.dumps(str(SEARCH_JS))});\nconsole.log(JSON.stringify({expr_lines}));"
    out = subprocess.run([NODE, "-e", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def run_queries(
    index_dir: Path,
    queries: list[str],
    limit: int = 10,
    kind: str = "",
    all_pages: bool = False,
    typed: list[str] | None = None,
    eager: bool = False,
) -> list[dict]:
    """Each query as a fresh visitor; `typed`: texts prefetched before Enter, `eager`: as over
    HTTP/2 (search_node.js)."""
    out = subprocess.run(
        [NODE, str(NODE_RUNNER), str(SEARCH_JS), str(index_dir)],
        input=json.dumps(
            {"queries": queries, "limit": limit, "kind": kind, "allPages": all_pages, "typed": typed, "eager": eager}
        ),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)
