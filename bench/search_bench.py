"""Search benchmark: index build time and size, and the bytes a first-time visitor downloads
(gzip) before the first results, per query, at a demo scale.

    .venv/bin/python bench/search_bench.py --scale county [--data DIR] [--docs-cache F.pkl] [--json]

Pages are computed the way the build does (generator.pages), but only their SearchEntries are
kept, so city and province scales fit in memory. Queries run through the real search.js in
node (tests/search_node.js), one fresh engine per query, as a first-time visitor.
"""

from __future__ import annotations

import argparse
import gzip
import json
import pickle
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

QUERIES = [
    "王学学",
    "伊力·吐尔逊",
    "吐尔逊",
    "杨",
    "棠铺镇",
    "龙山村",
    "迎宾社区",
    "代表联络站",
    "棠铺镇人大代表联络站",
    "禾溪县人大代表联络中心站",
    "五级人大代表联合小组",
    "加装电梯",
    "医保基金",
    "老旧小区加装电梯",
    "加装电梯 石垸镇",
    "报告履职情况",
    "人大代表",
    "伊力吐尔逊报告履职情况",
    "关于加快石垸镇老旧小区加装电梯的建议",
    "人大代表 联络站 医保 基金 电梯 小区 棠铺镇 社区",
    # issue 15: run together, traditional, synonyms, pinyin, one wrong character
    "仁洲村饮水",
    "铜塘镇第三小组",
    "陳剛華",
    "醫保基金",
    "述职",
    "联系电话",
    "liaoxuexin",
    "lxx",
    "tangpu",
    "廖学欣",
    "棠浦镇",
    "陈刚花",
    "肖白",
    "cgh",
]


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def _sizes(paths: list[Path]) -> dict:
    gz = sorted(len(gzip.compress(p.read_bytes(), 6)) for p in paths)
    return {"files": len(gz), "gzip_median": int(statistics.median(gz)), "gzip_max": gz[-1]}


def measure(scale: str, data: Path | None, work: Path, queries: list[str], docs_cache: Path | None = None) -> dict:
    from generator.descriptor import read_package
    from generator.model import load_dataset
    from generator.outputs import open_data
    from generator.outputs.search_index import docs_from_pages
    from generator.pages import SiteContext, all_pages
    from generator.pipeline import resolve_as_of
    from generator.search import build
    from generator.search.finder import write_finder

    t_demo = t_pages = 0.0
    if docs_cache is not None and docs_cache.exists():
        # (page count, search docs) saved by an earlier run: skips the demo and the pages
        with open(docs_cache, "rb") as f:
            n_pages, docs = pickle.load(f)
        site = None
    else:
        t0 = time.perf_counter()
        if data is None:
            from generator.staff.demo import generate

            data = work / "data"
            generate(scale, 1, data)
        t_demo = time.perf_counter() - t0

        t0 = time.perf_counter()
        package = read_package(data)
        ds = load_dataset(data, package=package)
        site = SiteContext(ds=ds, as_of=resolve_as_of(None, package.raw))
        # the open-data page shows the staged files' sizes (the pipeline stages them first)
        site.open_data = open_data.stage(package, Path(data), site.as_of, work / "staged" / open_data.OUT)
        docs, n_pages = [], 0
        for chunk in _batched(all_pages(site), 2000):  # keep only what search needs
            n_pages += len(chunk)
            docs.extend(docs_from_pages(chunk))
        t_pages = time.perf_counter() - t0
        if docs_cache is not None:
            with open(docs_cache, "wb") as f:
                pickle.dump((n_pages, docs), f, protocol=5)

    out = work / "out"
    rss_before = _rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    written = build(docs, out)
    t_index, c_index = time.perf_counter() - t0, time.process_time() - c0
    peak_after = _maxrss_mb()
    t0 = time.perf_counter()
    finder_files = write_finder(site, out) if site is not None else []
    t_finder = time.perf_counter() - t0

    idx = out / "search/idx"
    raw = gz = 0
    for rel in written:
        b = (out / rel).read_bytes()
        raw += len(b)
        gz += len(gzip.compress(b, 6))
    parts = {k: _sizes([out / r for r in written if f"/{k}/" in r]) for k in ("s", "t")}
    manifest = json.loads((idx / "manifest.json").read_text())
    res = subprocess.run(
        ["node", str(ROOT / "tests/search_node.js"), str(ROOT / "theme/assets/js/search.js"), str(idx)],
        input=json.dumps({"queries": queries, "limit": 10}),
        capture_output=True,
        text=True,
        check=True,
    )
    per_query = [
        {
            "query": r["query"],
            "results": r["total"],
            "files": len(r["files"]),
            "shards": sum(1 for f in r["files"] if f["path"].startswith("s/")),
            "gzip_bytes": sum(f["gzip"] for f in r["files"]),
            "ms_node": round(r["ms"], 1),
        }
        for r in json.loads(res.stdout)
    ]
    q_bytes = [q["gzip_bytes"] for q in per_query]
    finder_sizes = [len(gzip.compress((out / f).read_bytes(), 6)) for f in finder_files] or [0]
    return {
        "scale": scale,
        "pages": n_pages,
        "search_docs": manifest["docs"],
        "seconds": {
            "demo": round(t_demo, 1),
            "pages": round(t_pages, 1),
            "index": round(t_index, 2),
            "index_cpu": round(c_index, 2),
            "finder": round(t_finder, 2),
        },
        "peak_rss_mb": round(_maxrss_mb()),
        # memory the index build added on top of the pages' search entries already held
        "index_rss_mb": {
            "before": round(rss_before),
            "peak_after_build": round(peak_after),
            "added": round(max(0.0, peak_after - rss_before)),
        },
        "index": {
            "files": len(written),
            "shards": manifest["shards"],
            "raw_bytes": raw,
            "gzip_bytes": gz,
            "shard": parts["s"],
            "text_chunk": parts["t"],
        },
        "finder": {
            "files": len(finder_files),
            "index_gzip": finder_sizes[finder_files.index("finder/index.json")] if finder_files else 0,
            "unit_gzip_max": max(finder_sizes),
        },
        "queries": per_query,
        "first_query_gzip_max": max(q_bytes),
        "first_query_gzip_median": int(statistics.median(q_bytes)),
    }


def _batched(it, n):
    batch = []
    for x in it:
        batch.append(x)
        if len(batch) == n:
            yield batch
            batch = []
    if batch:
        yield batch


def report(m: dict) -> str:
    lines = [
        f"search bench — scale {m['scale']}: {m['pages']:,} pages, {m['search_docs']:,} indexed",
        f"  time: pages {m['seconds']['pages']} s, index {m['seconds']['index']} s"
        f" ({m['seconds']['index_cpu']} s CPU), finder {m['seconds']['finder']} s;"
        f" peak RSS {m['peak_rss_mb']} MB (index build added {m['index_rss_mb']['added']} MB)",
        f"  index: {m['index']['files']:,} files, {m['index']['shards']:,} shards, {m['index']['raw_bytes'] / 1e6:.1f} MB raw,"
        f" {m['index']['gzip_bytes'] / 1e6:.1f} MB gzip",
        *(
            f"    {label}: {m['index'][k]['files']:,} files, gzip median {m['index'][k]['gzip_median'] / 1e3:.1f} KB,"
            f" max {m['index'][k]['gzip_max'] / 1e3:.1f} KB"
            for k, label in (("shard", "shards"), ("text_chunk", "result chunks (metadata and excerpt)"))
        ),
        f"  finder: {m['finder']['files']} files, index {m['finder']['index_gzip'] / 1e3:.1f} KB gzip,"
        f" largest unit {m['finder']['unit_gzip_max'] / 1e3:.1f} KB gzip",
        "  first query (fresh visitor), gzip bytes before results:",
    ]
    for q in m["queries"]:
        lines.append(
            f"    {q['query']:<16} {q['gzip_bytes'] / 1e3:7.1f} KB  {q['files']:3d} files ({q['shards']} shards)"
            f"  {q['results']:7,} results"
        )
    lines.append(
        f"  median {m['first_query_gzip_median'] / 1e3:.1f} KB, max {m['first_query_gzip_max'] / 1e3:.1f} KB"
        " (target < 300 KB)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="county", choices=["tiny", "county", "city", "province"])
    ap.add_argument("--data", type=Path, default=None, help="use this data package instead of a generated demo")
    ap.add_argument("--work", type=Path, default=None, help="keep outputs here (default: a temp folder)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--docs-cache",
        type=Path,
        default=None,
        help="pickle of (pages, search docs): written on the first run, reused after (no finder then)",
    )
    ap.add_argument("--query", action="append", help="queries to measure (default: a fixed set)")
    args = ap.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="search-bench-"))
    try:
        m = measure(args.scale, args.data, work, args.query or QUERIES, args.docs_cache)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(m, ensure_ascii=False, indent=1) if args.json else report(m))
    return 0


if __name__ == "__main__":
    sys.exit(main())
