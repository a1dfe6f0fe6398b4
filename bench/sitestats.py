"""Facts about a built site: pages, size, the largest page, and the bytes a first search downloads."""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEARCH_JS = ROOT / "theme" / "assets" / "js" / "search.js"
SEARCH_NODE = ROOT / "tests" / "search_node.js"
FIXED_QUERIES = ["代表联络站", "报告履职情况", "人大代表", "乡村振兴", "建议"]
_ASSET = re.compile(r'<(?:script src|link rel="stylesheet" href)="([^"?#]+)')


def site_stats(site: Path) -> dict:
    pages = files = size = 0
    largest, largest_path = 0, ""
    for root, _dirs, names in os.walk(site):
        for n in names:
            p = os.path.join(root, n)
            b = os.path.getsize(p)
            files += 1
            size += b
            if n.endswith(".html"):
                pages += 1
                if b > largest:
                    largest, largest_path = b, os.path.relpath(p, site)
    return {
        "pages": pages,
        "files": files,
        "site_mb": round(size / 2**20, 1),
        "largest_page_kb": round(largest / 1024, 1),
        "largest_page": largest_path,
    }


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, 9, mtime=0))


def page_weight(site: Path, page: str = "search/index.html") -> dict:
    """gzip bytes of a page and the same-site CSS/JS it loads (what precedes any query)."""
    html_path = site / page
    html = html_path.read_bytes()
    total = _gz(html)
    assets = []
    for ref in _ASSET.findall(html.decode("utf-8")):
        if "//" in ref:
            continue
        p = (html_path.parent / ref).resolve()
        if p.is_file():
            assets.append(ref)
            total += _gz(p.read_bytes())
    return {"page": page, "gzip_bytes": total, "assets": len(assets)}


def sample_queries(data_dir: Path) -> list[str]:
    """Fixed queries plus a deputy's name and a station's name from the package itself."""
    out = list(FIXED_QUERIES)
    for table, n in (("deputies.csv", 1), ("stations.csv", 1)):
        with open(data_dir / table, encoding="utf-8-sig", newline="") as f:
            for i, row in enumerate(csv.DictReader(f)):
                if i >= n:
                    break
                out.append(row["name"])
    return out


def first_search(site: Path, queries: list[str]) -> dict:
    """Run search.js's real engine in node as a fresh visitor per query; bytes are gzip (level 9)."""
    idx = site / "search" / "idx"
    if not idx.is_dir():
        return {"error": "no search/idx in the site"}
    proc = subprocess.run(
        ["node", str(SEARCH_NODE), str(SEARCH_JS), str(idx)],
        input=json.dumps({"queries": queries, "limit": 10}),
        capture_output=True,
        text=True,
        check=True,
    )
    per_query = []
    for r in json.loads(proc.stdout):
        per_query.append(
            {
                "query": r["query"],
                "total": r["total"],
                "files": len(r["files"]),
                "index_gzip_bytes": sum(f["gzip"] for f in r["files"]),
            }
        )
    page = page_weight(site)
    worst = max(per_query, key=lambda q: q["index_gzip_bytes"])
    return {
        "queries": per_query,
        "page_gzip_bytes": page["gzip_bytes"],
        "max_index_gzip_bytes": worst["index_gzip_bytes"],
        "max_query": worst["query"],
        # the search page with its CSS/JS, then the worst query's index files
        "first_search_gzip_bytes": page["gzip_bytes"] + worst["index_gzip_bytes"],
    }
