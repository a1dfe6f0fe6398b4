"""`python -m bench` (`make bench`): measure validation, build, memory, sizes, first-search bytes
and incremental rebuild at county, city and province scale, and the naive build of the county
package; write bench/results/results.md and results.json.

Every measurement runs the project's own commands in a subprocess (see bench/measure.py).
Demo packages are generated once into the cache folder and reused while seed, scale and the
demo generator's source are the same. Results are merged per scale into results.json, so a
province run can be done on its own (`--scales province`) without losing the other figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from . import first_paint, measure, sitestats

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-20"  # the demo packages' data date: validation and builds are pinned to it
SCALES = ("county", "city", "province")
PY = sys.executable


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def machine() -> dict:
    mem = ""
    cpu = ""
    try:
        with open("/proc/meminfo") as f:
            mem = f.readline().split(":", 1)[1].strip()
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "")
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": commit,
    }


def _demo_version() -> str:
    h = hashlib.sha256()
    for p in ("generator/staff/demo.py", "generator/staff/demo_text.py", "data/datapackage.yaml", "data/rules.yaml"):
        h.update((ROOT / p).read_bytes())
    return h.hexdigest()[:16]


def ensure_package(cache: Path, scale: str, seed: int) -> tuple[Path, dict | None]:
    """The demo package for (scale, seed), generated unless a matching one is cached."""
    pkg = cache / "packages" / f"{scale}-seed{seed}"
    stamp = {"scale": scale, "seed": seed, "demo_version": _demo_version()}
    stamp_file = pkg / ".bench-stamp.json"
    if stamp_file.is_file() and json.loads(stamp_file.read_text()) == stamp:
        log(f"{scale}: reusing {pkg}")
        return pkg, None
    tmp = pkg.with_name(pkg.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(pkg, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    log(f"{scale}: generating demo package (seed {seed})")
    r = measure.run([PY, "-m", "generator", "demo", "--scale", scale, "--seed", str(seed), "--out", str(tmp)], cwd=ROOT)
    if r.returncode != 0:
        raise SystemExit(f"demo failed: {r.stderr[-2000:]}")
    (tmp / ".bench-stamp.json").write_text(json.dumps(stamp))
    tmp.rename(pkg)
    return pkg, {"seconds": r.seconds, "tree_rss_mb": r.tree_rss_mb}


def _env(build_cache: Path | None) -> dict:
    env = dict(os.environ)
    env.pop("SOURCE_DATE_EPOCH", None)
    if build_cache is None:
        env["DEPUTY_SITE_CACHE"] = "off"
    else:
        env["DEPUTY_SITE_CACHE"] = str(build_cache)
    return env


def _check(r: measure.Run, what: str) -> None:
    if r.returncode != 0:
        raise SystemExit(f"{what} failed ({r.returncode}):\n{r.stderr[-3000:]}")


def validate(pkg: Path) -> dict:
    load = loadavg()
    r = measure.run([PY, "-m", "generator", "validate", str(pkg), "--as-of", AS_OF], cwd=ROOT, env=_env(None))
    _check(r, "validate")
    return {
        "seconds": r.seconds,
        "cpu_seconds": r.cpu_seconds,
        "tree_rss_mb": r.tree_rss_mb,
        "max_rss_mb": r.max_rss_mb,
        "load_before": load,
    }


def build(pkg: Path, out: Path, *, jobs: str = "auto", build_cache: Path | None = None) -> dict:
    load = loadavg()
    cmd = [PY, "-m", "generator", "build", "--data", str(pkg), "--out", str(out), "--as-of", AS_OF, "--jobs", jobs]
    r = measure.run(cmd, cwd=ROOT, env=_env(build_cache))
    _check(r, "build")
    return {
        "seconds": r.seconds,
        "cpu_seconds": r.cpu_seconds,
        "tree_rss_mb": r.tree_rss_mb,
        "max_rss_mb": r.max_rss_mb,
        "load_before": load,
        "jobs": jobs,
        "log": r.stdout.strip().splitlines()[-1:],
    }


def same_tree(a: Path, b: Path) -> list[str]:
    """Relative paths that differ between two folders (missing on one side or different bytes)."""

    def files(root: Path) -> dict[str, Path]:
        return {str(p.relative_to(root)): p for p in root.rglob("*") if p.is_file()}

    fa, fb = files(a), files(b)
    diff = sorted(set(fa) ^ set(fb))
    for rel in sorted(set(fa) & set(fb)):
        pa, pb = fa[rel], fb[rel]
        if pa.stat().st_size != pb.stat().st_size or pa.read_bytes() != pb.read_bytes():
            diff.append(rel)
    return diff


def incremental(pkg: Path, work: Path, edits: int = 3) -> dict:
    """Build, then edit one report body and rebuild with the store, `edits` times (a different
    body each time; the median is reported: one run on a shared machine can be an outlier);
    compare the last rebuild with a clean build of the same data."""
    data = work / "data"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(pkg, data)
    cache = work / "cache"
    site = work / "site"
    first = build(data, site, build_cache=cache)
    unchanged = build(data, site, build_cache=cache)
    bodies = sorted((data / "reports").glob("*.md"))
    runs = []
    for i in range(edits):
        body = bodies[(i + 1) * len(bodies) // (edits + 1)]
        with open(body, "a", encoding="utf-8") as f:
            f.write("\n\n（基准测试修改：补充一段履职情况说明。）\n")
        runs.append((body.name, build(data, site, build_cache=cache)))
    clean = build(data, work / "clean", build_cache=None)
    diff = same_tree(site, work / "clean")
    seconds = sorted(r["seconds"] for _, r in runs)
    name, edited = sorted(runs, key=lambda x: x[1]["seconds"])[len(runs) // 2]  # the median run
    return {
        "first_build_seconds": first["seconds"],
        "unchanged_rebuild_seconds": unchanged["seconds"],
        "edited_report": name,
        "edit_rebuild_seconds": edited["seconds"],
        "edit_rebuild_runs_seconds": [r["seconds"] for _, r in runs],
        "edit_rebuild_cpu_seconds": edited.get("cpu_seconds"),
        "clean_build_cpu_seconds": clean.get("cpu_seconds"),
        "edit_rebuild_tree_rss_mb": edited["tree_rss_mb"],
        "clean_build_seconds": clean["seconds"],
        "identical_to_clean": not diff,
        "differences": diff[:20],
        "load_before": edited["load_before"],
        "median_of": len(seconds),
    }


def naive(pkg: Path, work: Path) -> dict:
    project = work / "naive"
    r = measure.run([PY, "-m", "bench.naive", str(pkg), str(project)], cwd=ROOT, env=_env(None))
    _check(r, "naive project")
    load = loadavg()
    r = measure.run(
        [PY, "-m", "mkdocs", "build", "-q", "-f", str(project / "mkdocs.yml"), "-d", str(project / "site")],
        cwd=project,
        env=_env(None),
    )
    _check(r, "naive mkdocs build")
    stats = sitestats.site_stats(project / "site")
    idx = project / "site" / "search" / "search_index.json"
    out = {
        "seconds": r.seconds,
        "cpu_seconds": r.cpu_seconds,
        "tree_rss_mb": r.tree_rss_mb,
        "max_rss_mb": r.max_rss_mb,
        "load_before": load,
        **stats,
    }
    if idx.is_file():
        raw = idx.read_bytes()
        import gzip

        out["search_index_mb"] = round(len(raw) / 2**20, 1)
        out["first_search_gzip_bytes"] = (
            len(gzip.compress(raw, 9, mtime=0)) + sitestats.page_weight(project / "site", "index.html")["gzip_bytes"]
        )
    return out


def measure_scale(scale: str, args, cache: Path) -> dict:
    pkg, generated = ensure_package(cache, scale, args.seed)
    result: dict = {
        "scale": scale,
        "seed": args.seed,
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine_load_at_start": loadavg(),
    }
    if generated:
        result["demo"] = generated
    with open(pkg / "deputies.csv", encoding="utf-8") as f:
        result["deputies"] = sum(1 for _ in f) - 1
    log(f"{scale}: validate")
    result["validate"] = validate(pkg)
    log(f"{scale}: validate {result['validate']['seconds']} s")
    site = cache / "sites" / scale
    log(f"{scale}: build (jobs {args.jobs})")
    result["build"] = build(pkg, site, jobs=args.jobs)
    log(f"{scale}: build {result['build']['seconds']} s, {result['build']['tree_rss_mb']} MB")
    result.update(sitestats.site_stats(site))
    result["per_page_ms"] = round(1000 * result["build"]["seconds"] / max(1, result["pages"]), 2)
    result["per_page_cpu_ms"] = round(1000 * result["build"]["cpu_seconds"] / max(1, result["pages"]), 2)
    fs = sitestats.first_search(site, sitestats.sample_queries(pkg))
    result["search"] = fs
    result["first_search_gzip_bytes"] = fs.get("first_search_gzip_bytes")
    if scale == "county" and not getattr(args, "skip_first_paint", False):
        log(f"{scale}: first contentful paint on Slow 3G")
        result["first_paint"] = first_paint.measure(site, runs=3)
        log(
            f"{scale}: first paint "
            + ", ".join(f"{k} {v['fcp_s']} s" for k, v in result["first_paint"]["pages"].items())
        )
    if scale == "county" and not args.skip_incremental:
        log("county: incremental rebuild")
        result["incremental"] = incremental(pkg, cache / "work" / "incremental")
        log(
            f"county: edit rebuild {result['incremental']['edit_rebuild_seconds']} s, identical {result['incremental']['identical_to_clean']}"
        )
    if scale == "county" and not args.skip_naive:
        log("county: naive mkdocs-material build")
        result["naive"] = naive(pkg, cache / "work")
        result["naive_ratio"] = round(result["naive"]["seconds"] / result["build"]["seconds"], 2)
        result["naive_cpu_ratio"] = round(result["naive"]["cpu_seconds"] / result["build"]["cpu_seconds"], 2)
        log(f"county: naive {result['naive']['seconds']} s, ratio naive/ours {result['naive_ratio']}")
    if not args.keep_sites:
        shutil.rmtree(site, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description="benchmark the generator (see docs/scale.md)")
    p.add_argument("--scales", default=",".join(SCALES), help="comma list of county,city,province")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--jobs", default="auto", help="build processes (auto: 2 for big sites)")
    p.add_argument("--skip-naive", action="store_true")
    p.add_argument("--skip-incremental", action="store_true")
    p.add_argument("--skip-first-paint", action="store_true", help="no Slow 3G first-paint measurement")
    p.add_argument("--quick", action="store_true", help="county only, no naive build")
    p.add_argument("--keep-sites", action="store_true", help="keep the built sites in the cache folder")
    p.add_argument("--cache", default=str(ROOT / ".cache" / "bench"))
    p.add_argument("--results", default=str(ROOT / "bench" / "results"))
    p.add_argument(
        "--merge",
        nargs="+",
        metavar="RESULTS_JSON",
        help="only merge the scales of other runs' results.json files into --results and re-render",
    )
    p.add_argument("--note", action="append", default=[], help="a line for the Notes section (with --merge)")
    args = p.parse_args(argv)
    if args.merge:
        return merge(args.merge, Path(args.results), args.note)
    scales = ["county"] if args.quick else [s.strip() for s in args.scales.split(",") if s.strip()]
    if args.quick:
        args.skip_naive = True
    bad = [s for s in scales if s not in SCALES + ("tiny",)]
    if bad:
        p.error(f"unknown scale(s): {bad}")
    cache = Path(args.cache).resolve()
    results_dir = Path(args.results)
    results_dir.mkdir(parents=True, exist_ok=True)
    json_path = results_dir / "results.json"
    doc = json.loads(json_path.read_text()) if json_path.is_file() else {}
    doc.setdefault("scales", {})
    doc["machine"] = machine()
    for scale in scales:
        result = measure_scale(scale, args, cache)
        # re-read before writing: another bench run (e.g. a long province run) may have written
        if json_path.is_file():
            doc["scales"] = json.loads(json_path.read_text()).get("scales", {})
        doc["scales"][scale] = result
        doc["updated"] = dt.datetime.now().isoformat(timespec="seconds")
        # written after every scale, so a long run leaves what it measured so far
        json_path.write_text(json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        (results_dir / "results.md").write_text(render_md(doc), encoding="utf-8")
    print(render_md(doc))
    return 0


def merge(sources: list[str], results_dir: Path, notes: list[str]) -> int:
    """Merge scales measured by separate runs (e.g. a long province run) into one result."""
    results_dir.mkdir(parents=True, exist_ok=True)
    json_path = results_dir / "results.json"
    doc = json.loads(json_path.read_text()) if json_path.is_file() else {"scales": {}}
    doc.setdefault("scales", {})
    for src in sources:
        other = json.loads(Path(src).read_text())
        doc["scales"].update(other.get("scales", {}))
        doc["machine"] = other.get("machine", doc.get("machine"))
    if notes:
        doc["notes"] = notes
    doc["updated"] = dt.datetime.now().isoformat(timespec="seconds")
    json_path.write_text(json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    (results_dir / "results.md").write_text(render_md(doc), encoding="utf-8")
    print(render_md(doc))
    return 0


def _processes(b: dict) -> str:
    """How many processes rendered pages, from the build's own log line ("…, 2 processes")."""
    import re

    m = re.search(r", (\d+) processes", " ".join(b.get("log") or []))
    return f"{m.group(1) if m else 1} (--jobs {b.get('jobs')})"


def _fmt(v, unit: str = "") -> str:
    if v is None or v == "":
        return "–"
    return f"{v}{unit}"


def render_md(doc: dict) -> str:
    m = doc.get("machine", {})
    order = [s for s in ("tiny",) + SCALES if s in doc.get("scales", {})]
    rows = [
        ("deputies", lambda r: f"{r['deputies']:,}"),
        ("pages (HTML files)", lambda r: f"{r['pages']:,}"),
        (
            "validation time (wall / CPU)",
            lambda r: f"{r['validate']['seconds']} s / {r['validate'].get('cpu_seconds', '–')} s",
        ),
        ("validation peak memory", lambda r: _fmt(r["validate"]["tree_rss_mb"], " MB")),
        ("build time, wall (validate + pages + outputs)", lambda r: _fmt(r["build"]["seconds"], " s")),
        ("build CPU time (all processes)", lambda r: _fmt(r["build"].get("cpu_seconds"), " s")),
        ("build processes", lambda r: _processes(r["build"])),
        ("build peak memory (all processes)", lambda r: _fmt(r["build"]["tree_rss_mb"], " MB")),
        ("build peak memory (largest process)", lambda r: _fmt(r["build"]["max_rss_mb"], " MB")),
        ("time per page (wall / CPU)", lambda r: f"{r['per_page_ms']} ms / {r.get('per_page_cpu_ms', '–')} ms"),
        ("site size", lambda r: _fmt(r["site_mb"], " MB")),
        ("largest page", lambda r: f"{r['largest_page_kb']} KB ({r['largest_page']})"),
        (
            "first search download (gzip)",
            lambda r: _fmt(
                round(r["first_search_gzip_bytes"] / 1024, 1) if r.get("first_search_gzip_bytes") else None, " KB"
            ),
        ),
        ("  of which search page + CSS/JS", lambda r: _fmt(round(r["search"]["page_gzip_bytes"] / 1024, 1), " KB")),
        (
            "  of which index files (worst query)",
            lambda r: f"{round(r['search']['max_index_gzip_bytes'] / 1024, 1)} KB ({r['search']['max_query']})",
        ),
        (
            "first contentful paint, Slow 3G (home / deputy / report)",
            lambda r: " / ".join(f"{p['fcp_s']} s" for p in r["first_paint"]["pages"].values()),
        ),
        ("load average at start (1/5/15 min)", lambda r: " / ".join(map(str, r.get("machine_load_at_start", [])))),
        ("measured", lambda r: r.get("date", "")),
    ]
    out = [
        "# Benchmark results",
        "",
        f"Machine: {m.get('nproc')} cores ({m.get('cpu')}), {m.get('memory')} memory, Python {m.get('python')}, "
        f"commit {m.get('commit')}; updated {doc.get('updated', '')}.",
        "The machine is shared with other work: the load average is recorded with each measurement.",
        "Regenerate with `make bench` (options: `BENCH_ARGS='--scales county,city --skip-naive'`); see docs/scale.md.",
        "",
        "| | " + " | ".join(order) + " |",
        "|---|" + "---|" * len(order),
    ]
    for label, f in rows:
        cells = []
        for s in order:
            try:
                cells.append(str(f(doc["scales"][s])))
            except (KeyError, TypeError):
                cells.append("–")
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    c = doc.get("scales", {}).get("county", {})
    if "naive" in c:
        n = c["naive"]
        out += [
            "",
            "## County: ours vs the naive mkdocs-material build (same run)",
            "",
            "| | ours | naive |",
            "|---|---|---|",
            f"| build time (wall) | {c['build']['seconds']} s | {n['seconds']} s (mkdocs build only) |",
            f"| build CPU time | {c['build'].get('cpu_seconds', '–')} s | {n.get('cpu_seconds', '–')} s |",
            f"| peak memory | {c['build']['tree_rss_mb']} MB | {n['tree_rss_mb']} MB |",
            f"| site size | {c['site_mb']} MB | {n['site_mb']} MB |",
            f"| largest page | {c['largest_page_kb']} KB | {n['largest_page_kb']} KB |",
            f"| first search download (gzip) | {round(c['first_search_gzip_bytes'] / 1024, 1)} KB | "
            f"{round(n.get('first_search_gzip_bytes', 0) / 1024, 1)} KB (whole index, {n.get('search_index_mb')} MB raw) |",
            "",
            f"**Ratio naive / ours: {c['naive_ratio']}× wall time, {c.get('naive_cpu_ratio', '–')}× CPU time** "
            f"(load average at the start of our build: {c['build']['load_before']}, of the naive build: {n['load_before']}).",
        ]
    if "incremental" in c:
        i = c["incremental"]
        out += [
            "",
            "## County: incremental rebuild",
            "",
            f"- first build with an empty cache: {i['first_build_seconds']} s",
            f"- rebuild with nothing changed: {i['unchanged_rebuild_seconds']} s",
            f"- rebuild after editing one report body, median of {i.get('median_of', 1)} edits of different bodies "
            f"({i.get('edit_rebuild_runs_seconds', [i['edit_rebuild_seconds']])} s): **{i['edit_rebuild_seconds']} s** "
            f"({i['edited_report']}: {i.get('edit_rebuild_cpu_seconds', '–')} s CPU; load average before: {i.get('load_before')})",
            f"- clean build of the same edited data: {i['clean_build_seconds']} s",
            f"- incremental output byte-identical to the clean build: **{i['identical_to_clean']}**",
        ]
    if doc.get("notes"):
        out += ["", "## Notes", ""] + [f"- {n}" for n in doc["notes"]]
    out.append("")
    return "\n".join(out)
