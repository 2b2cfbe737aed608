"""Benchmark: `dbt build` (all staging, intermediate and mart models with their tests) on a synthetic council.

    python benchmarks/bench_dbt.py --scale 1 [--seed 7] [--work DIR] [--engine duckdb|postgres] [--repeat 2]
                                   [--reuse] [--memory-limit 4GB]

Runs the whole pipeline once per (scale, seed, engine) under --work (the demo: generate, extract, validate, link,
dbt; --reuse skips this when that folder already holds a built warehouse), then times `dbt build` again as the
pipeline runs it (a subprocess with dbt_env). Prints wall time per run (the first run parses the project; later runs use partial parsing), dbt's
own execution time, peak memory of the dbt process and mart row counts. Targets: scale 1 <= 20 s, scale 150 <= 5 min.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cs_pipeline.lib.warehouse import Warehouse  # noqa: E402
from cs_pipeline_tests.conftest import fresh_postgres_database  # noqa: E402
from cs_pipeline_tests.marts.warehouse_fixture import run_dbt  # noqa: E402


def run_pipeline(data_dir: Path, scale: float, seed: int, warehouse_url: str | None) -> dict:
    """The demo command on this data folder: sources generated once, every asset materialised."""
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("CS_PIPELINE_")}
    env |= {"CS_PIPELINE_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(data_dir / "dagster_home")}
    if warehouse_url:
        env["CS_PIPELINE_WAREHOUSE_URL"] = warehouse_url
    subprocess.run([sys.executable, "-m", "cs_pipeline.demo", "--scale", f"{scale:g}", "--seed", str(seed)],
                   env=env, check=True, capture_output=True)
    return json.loads((data_dir / "demo" / "ground_truth" / "manifest.json").read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=Path("/tmp/cs_pipeline_bench"))
    parser.add_argument("--engine", choices=["duckdb", "postgres"], default="duckdb")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None, help="override the profile's dbt threads")
    parser.add_argument("--reuse", action="store_true", help="time dbt on the warehouse a previous run left")
    parser.add_argument("--memory-limit", help="DuckDB memory_limit for the timed builds (e.g. 4GB), as a council "
                        "sets it on CS_PIPELINE_WAREHOUSE_URL")
    args = parser.parse_args(argv)

    data_dir = args.work / f"{args.engine}_s{args.scale:g}_seed{args.seed}"
    if args.engine == "duckdb":
        url = f"duckdb:///{data_dir / 'warehouse.duckdb'}"
        pipeline_url = None
    else:
        url = pipeline_url = fresh_postgres_database(f"cs_bench_s{int(args.scale)}")
    build_url = f"{url}?memory_limit={args.memory_limit}" if args.memory_limit and args.engine == "duckdb" else url
    if args.reuse:
        if args.engine != "duckdb":
            parser.error("--reuse needs --engine duckdb (a PostgreSQL bench database is made fresh)")
        manifest = json.loads((data_dir / "demo" / "ground_truth" / "manifest.json").read_text())
    else:
        t0 = time.perf_counter()
        manifest = run_pipeline(data_dir, args.scale, args.seed, pipeline_url)
        print(f"whole pipeline (generate once, then every asset) at scale {args.scale:g}: "
              f"{time.perf_counter() - t0:.1f} s")

    as_at = dt.date.fromisoformat(manifest["as_at"])
    results = []
    for run in range(1, args.repeat + 1):
        t0 = time.perf_counter()
        extra = ["--threads", str(args.threads)] if args.threads else []
        result = run_dbt(build_url, as_at, "build", *extra)
        wall = time.perf_counter() - t0
        if result.returncode != 0:
            print(result.stdout[-4000:])
            return 1
        found = re.search(r"in 0 hours (\d+) minutes and ([\d.]+) seconds", result.stdout)
        dbt_seconds = int(found.group(1)) * 60 + float(found.group(2)) if found else float("nan")
        summary = re.search(r"Done\. (.*)", result.stdout)
        results.append(wall)
        print(f"dbt build run {run}: wall {wall:.1f} s, dbt execution {dbt_seconds:.1f} s"
              f" ({summary.group(1).strip() if summary else ''})")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory of a dbt process: {peak_mb:.0f} MB")
    wh = Warehouse(url)
    counts = {t: wh.row_count("marts", t) for t in wh.tables("marts")}
    print("mart rows:", json.dumps(counts))
    iha = wh.query_frame("select outcome from marts.iha_timeliness")
    due = iha[iha["outcome"].isin(["on_time", "late", "overdue"])]
    print(f"IHA on time (all due items): {(due['outcome'] == 'on_time').mean():.3f} of {len(due)}"
          f" (configured {manifest['settings']['iha_on_time_rate']})")
    target = 20 if args.scale <= 1 else 300
    best = min(results)
    print(f"best wall {best:.1f} s vs target {target} s: {'OK' if best <= target else 'OVER'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
