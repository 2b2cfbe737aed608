"""Benchmark: building the SSDA903 from a synthetic council's warehouse, as the pipeline does it.

    python benchmarks/bench_903_build.py --scale 1 [--seed 7] [--work DIR] [--reuse] [--collection-year 2025-26]

Runs the whole pipeline once under --work (as bench_dbt.py; --reuse takes the warehouse a previous run left), then
times the three 903 steps on it: `dbt build --select path:models/returns` (the return tables and their tests, from
the staging and intermediate models already built), DfE's rules on the built return (`validate_in_warehouse`), and
DfE's upload files (`write_upload_files`). Prints wall time, peak memory and rows per table.
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

from bench_dbt import run_pipeline  # noqa: E402

from cs_pipeline.lib.warehouse import Warehouse  # noqa: E402
from cs_pipeline.returns.collection_year import CollectionYear  # noqa: E402
from cs_pipeline.returns.ssda903.publish import validate_in_warehouse, write_upload_files  # noqa: E402
from cs_pipeline_tests.marts.warehouse_fixture import run_dbt  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=Path("/tmp/cs_pipeline_bench"))
    parser.add_argument("--reuse", action="store_true", help="time the 903 on the warehouse a previous run left")
    parser.add_argument("--collection-year", default=None, help="default: the latest year ended by the as-at date")
    args = parser.parse_args(argv)

    data_dir = args.work / f"duckdb_s{args.scale:g}_seed{args.seed}"
    url = f"duckdb:///{data_dir / 'warehouse.duckdb'}"
    if args.reuse:
        manifest = json.loads((data_dir / "demo" / "ground_truth" / "manifest.json").read_text())
    else:
        t0 = time.perf_counter()
        manifest = run_pipeline(data_dir, args.scale, args.seed, None)
        print(f"whole pipeline at scale {args.scale:g}: {time.perf_counter() - t0:.1f} s")
    as_at = dt.date.fromisoformat(manifest["as_at"])
    year = (CollectionYear.parse(args.collection_year) if args.collection_year
            else CollectionYear.latest_ended_by(as_at))

    t0 = time.perf_counter()
    result = run_dbt(url, as_at, "build", "--select", "path:models/returns",
                     "--vars", json.dumps({"collection_year": str(year)}), work="bench_903")
    dbt_wall = time.perf_counter() - t0
    if result.returncode != 0:
        print(result.stdout[-4000:])
        return 1
    summary = re.search(r"Done\. (.*)", result.stdout)
    dbt_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"dbt build of the 903 tables ({year}): {dbt_wall:.1f} s, peak {dbt_peak:.0f} MB "
          f"({summary.group(1).strip() if summary else ''})")

    wh = Warehouse(url)
    rows = {t: int(wh.scalar(f"select count(*) from returns.{t} where collection_year = :y", y=str(year)))
            for t in wh.tables("returns") if t.startswith("ssda903_")}
    print("rows:", json.dumps(rows))

    t0 = time.perf_counter()
    run, _ = validate_in_warehouse(wh, year)
    rules_wall = time.perf_counter() - t0
    print(f"DfE rules on the warehouse: {rules_wall:.1f} s, {len(run.ran)} run, {len(run.skipped)} skipped, "
          f"{len(run.failed)} failed, {len(run.flags)} flags, {sum(rows.values()) / rules_wall:,.0f} rows/s")

    t0 = time.perf_counter()
    written = write_upload_files(wh, year, data_dir / "output")
    print(f"upload files: {time.perf_counter() - t0:.1f} s, {sum(written.values())} rows in {len(written)} files")
    print(f"peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
