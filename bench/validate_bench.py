"""Benchmark: validation time and peak memory at county, city and province scale.

    .venv/bin/python -m bench.validate_bench [--scales county,city,province] [--workdir DIR]

Each scale's demo package is generated once into WORKDIR/<scale> (`python -m generator demo`),
then `python -m generator validate` runs on it as a child process. Peak memory is the largest
sum of resident memory over the validator and its worker processes, sampled every 50 ms from
/proc (Linux), plus the largest single process (getrusage). Not a test: machines are noisy.
`run()` returns the rows so a combined `make bench` can call it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-20"


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of pid and all its descendants (kB), 0 when gone."""
    total, stack, seen = 0, [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack.extend(int(x) for x in fh.read().split())
        except (OSError, ValueError):
            continue
    return total


def _count_rows(d: Path) -> int:
    n = 0
    for f in d.glob("*.csv"):
        with f.open("rb") as fh:
            n += sum(1 for _ in fh) - 1
    return n


def ensure_demo(scale: str, workdir: Path, seed: int) -> tuple[Path, float | None]:
    out = workdir / scale
    if (out / "datapackage.yaml").is_file():
        return out, None
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "generator", "demo", "--scale", scale, "--seed", str(seed), "--out", str(out)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return out, time.perf_counter() - t


def measure(data_dir: Path) -> dict:
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator", "validate", str(data_dir), "--as-of", AS_OF, "--json"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    peak = 0
    out_chunks = []
    # read output in a thread-free way: poll memory while the child runs, then collect
    import threading

    def reader():
        out_chunks.append(proc.stdout.read())

    th = threading.Thread(target=reader)
    th.start()
    while proc.poll() is None:
        peak = max(peak, _tree_rss_kb(proc.pid))
        time.sleep(0.05)
    th.join()
    wall = time.perf_counter() - t
    err = proc.stderr.read().decode("utf-8", "replace")
    try:
        summary = json.loads(out_chunks[0])
        errors, warnings = summary["errors"], summary["warnings"]
    except (ValueError, KeyError, IndexError):
        errors = warnings = None
    return {
        "exit": proc.returncode,
        "wall_s": round(wall, 1),
        "peak_tree_mb": round(peak / 1024),
        "peak_single_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "errors": errors,
        "warnings": warnings,
        "stderr": err.strip()[:200],
    }


def run(scales=("county", "city", "province"), workdir: Path | None = None, seed: int = 1) -> list[dict]:
    workdir = Path(workdir or Path(tempfile.gettempdir()) / "validate-bench")
    workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    for scale in scales:
        d, gen_s = ensure_demo(scale, workdir, seed)
        row = {"scale": scale, "rows": _count_rows(d), "generate_s": round(gen_s, 1) if gen_s else None}
        row.update(measure(d))
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.validate_bench")
    ap.add_argument("--scales", default="county,city,province")
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    rows = run(tuple(s for s in a.scales.split(",") if s), a.workdir, a.seed)
    print(
        f"{'scale':9} {'rows':>10} {'wall s':>8} {'peak MB (all procs)':>20} {'exit':>5} {'errors':>7} {'warnings':>9}"
    )
    for r in rows:
        print(
            f"{r['scale']:9} {r['rows']:>10,} {r['wall_s']:>8} {r['peak_tree_mb']:>20} {r['exit']:>5} {str(r['errors']):>7} {str(r['warnings']):>9}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
