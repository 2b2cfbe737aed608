"""Benchmark: a regional hub's night: k synthetic councils run, each in its own process, then combined.

    python benchmarks/bench_regional.py --councils 3 --scale 0.02 [--seed 7] [--parallel 1]
                                        [--out /tmp/cs_pipeline_bench_regional] [--json PATH]

Generates k councils (LA codes 201.., seeds seed..seed+k-1) with ``cs_pipeline.hub.synthetic`` (kept when their
scale and seed match), then removes each council's warehouse, outputs and Dagster instance so every run starts
fresh, and runs each council's whole pipeline as the hub does (``cs_pipeline.hub.run.run_council``: its own
process and environment), --parallel at once. Then the combination, ``python -m cs_pipeline.publish.regional_set``,
in a process of its own. Prints per council and for the combination: wall time and peak memory (RSS of the whole
process tree, sampled every 0.2 s: the council's process and dbt's), and the rows of its regional copy / the set.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pipeline import TreeSampler  # noqa: E402  (the same process-tree sampler as the whole-pipeline bench)


def measured(start) -> tuple[object, float, float]:
    """Run start(on_start) where on_start(pid) begins sampling that process tree; (result, wall s, peak MB)."""
    holder = {}

    def on_start(pid: int) -> None:
        holder["sampler"] = TreeSampler(pid)
        holder["sampler"].start()

    t0 = time.time()
    result = start(on_start)
    wall = time.time() - t0
    sampler = holder.get("sampler")
    peak = 0.0
    if sampler:
        sampler.stop()
        peak = max((rss for _, rss in sampler.samples), default=0) / 2**20
    return result, wall, peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--councils", type=int, default=3)
    parser.add_argument("--scale", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--parallel", type=int, default=1, help="councils run at once")
    parser.add_argument("--out", type=Path, default=Path("/tmp/cs_pipeline_bench_regional"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    from cs_pipeline.hub.councils import load_councils
    from cs_pipeline.hub.run import run_council
    from cs_pipeline.hub.synthetic import KEY_REFERENCE_VARIABLE, generate_councils

    out = args.out.resolve()
    t0 = time.time()
    path = generate_councils(out, args.councils, scale=args.scale, seed=args.seed)
    generate_s = time.time() - t0
    hub = load_councils(path)
    for council in hub.councils:  # every run from scratch: no warehouse, outputs or run history left from before
        for name in ("warehouse.duckdb", "warehouse.duckdb.wal"):
            (out / council.la_code / name).unlink(missing_ok=True)
        for folder in ("output", "dagster_home"):
            shutil.rmtree(out / council.la_code / folder, ignore_errors=True)
    shutil.rmtree(out / "regional", ignore_errors=True)
    os.environ.setdefault(KEY_REFERENCE_VARIABLE, secrets.token_urlsafe(32))  # this session's shared key only

    def one(council):
        result, wall, peak = measured(lambda on_start: run_council(hub, council, on_start=on_start))
        print(f"  council {council.la_code}: {'ok' if result.success else 'FAILED'} {wall:.1f} s, "
              f"peak {peak:.0f} MB, copy {result.shared_tables} tables {result.shared_rows} rows", flush=True)
        return {"la_code": council.la_code, "success": result.success, "wall_s": round(wall, 1),
                "peak_rss_mb": round(peak), "shared_tables": result.shared_tables, "shared_rows": result.shared_rows,
                "message": result.message}

    started = time.time()
    with ThreadPoolExecutor(max_workers=max(1, args.parallel)) as pool:
        councils = list(pool.map(one, hub.councils))
    councils_wall = time.time() - started

    def combine(on_start):
        process = subprocess.Popen([sys.executable, "-m", "cs_pipeline.publish.regional_set", "--councils", str(path)],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        on_start(process.pid)
        output, _ = process.communicate()
        return process.returncode, output

    (code, output), combine_wall, combine_peak = measured(combine)
    summary_line = next((line for line in output.splitlines() if line.startswith("regional set:")), "")
    figures = {"councils": args.councils, "scale": args.scale, "seed": args.seed, "parallel": args.parallel,
               "generate_s": round(generate_s, 1), "per_council": councils, "councils_wall_s": round(councils_wall, 1),
               "combine": {"exit_status": code, "wall_s": round(combine_wall, 1), "peak_rss_mb": round(combine_peak),
                           "summary": summary_line}}

    print(f"\n{args.councils} councils at scale {args.scale:g}, {args.parallel} at a time "
          f"(sources generated or reused in {generate_s:.1f} s)")
    print(f"{'council':<10} {'wall s':>8} {'peak RSS MB':>12} {'copy rows':>10}  status")
    for c in councils:
        print(f"{c['la_code']:<10} {c['wall_s']:>8.1f} {c['peak_rss_mb']:>12} {c['shared_rows']:>10}  "
              f"{'ok' if c['success'] else 'FAILED ' + c['message']}")
    print(f"{'all':<10} {councils_wall:>8.1f}")
    print(f"{'combine':<10} {combine_wall:>8.1f} {round(combine_peak):>12}  exit {code}: {summary_line}")
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0 if code == 0 and all(c["success"] for c in councils) else 1


if __name__ == "__main__":
    raise SystemExit(main())
