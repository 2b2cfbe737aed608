"""Validation wall time: the 38 quarantine suites (GX on pandas + SQL rules) over a synthetic council.

    python benchmarks/bench_validation.py --scale 1 [--scale 10] [--warehouse duckdb|postgresql] [--workdir DIR]

For each scale: generate the council (cached in the work dir), extract it into a fresh warehouse (not timed), then
time ``validate_all`` exactly as one in-process run of the ``quarantine/*`` assets does it (read the raw rows,
run the GX suite, run the SQL rules, write quarantine tables and findings, check conservation). The GX import
(~3 s) is timed separately and included in the total. Targets: scale 1 <= 15 s, scale 10 <= 90 s.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cs_pipeline.lib.extract import extract_ssd_table  # noqa: E402
from cs_pipeline.lib.health_files import HEALTH_KINDS, ingest_health_folder  # noqa: E402
from cs_pipeline.lib.ssd_schema import ssd_tables  # noqa: E402
from cs_pipeline.lib.warehouse import Warehouse  # noqa: E402

TARGETS = {1: 15.0, 10: 90.0}
PG_SERVER = os.environ.get("CS_PIPELINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432")


def prepare(scale: float, workdir: Path, engine: str, seed: int = 7, reuse: bool = False) -> tuple[Warehouse, dt.date]:
    from cs_pipeline.synthetic import generate

    src = workdir / f"council_s{scale:g}"
    if not (src / "ssd.sqlite").exists():
        t = time.perf_counter()
        generate(src, scale=scale, seed=seed)
        print(f"  generated scale {scale:g} in {time.perf_counter() - t:.1f}s", flush=True)
    if engine == "duckdb":
        path = workdir / f"warehouse_s{scale:g}.duckdb"
        if reuse and path.exists():
            print("  reusing the extracted warehouse", flush=True)
            return Warehouse(f"duckdb:///{path}"), dt.date(2026, 9, 30)
        path.unlink(missing_ok=True)
        wh = Warehouse(f"duckdb:///{path}")
    else:
        import sqlalchemy as sa

        name = f"cs_quality_bench_s{str(scale).replace('.', '_')}"
        admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        wh = Warehouse(f"{PG_SERVER}/{name}")
    t = time.perf_counter()
    for table in ssd_tables():
        extract_ssd_table(f"sqlite:///{src / 'ssd.sqlite'}", wh, table, load_id="bench")
    for kind in HEALTH_KINDS:
        ingest_health_folder(wh, src / "health", kind, load_id="bench")
    rows = sum(wh.row_count("raw", t) for t in wh.tables("raw"))
    print(f"  extracted {rows:,} raw rows in {time.perf_counter() - t:.1f}s (not timed)", flush=True)
    return wh, dt.date(2026, 9, 30)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def bench(scale: float, workdir: Path, engine: str, reuse: bool = False) -> dict:
    wh, as_at = prepare(scale, workdir, engine, reuse=reuse)
    cpu0 = _cpu()
    t0 = time.perf_counter()
    import great_expectations  # noqa: F401  (the import every validating process pays once)

    t_import = time.perf_counter() - t0
    from cs_pipeline.quality.engine import validate_all

    t1 = time.perf_counter()
    results = validate_all(wh, as_at=as_at, run_id=f"bench-{scale:g}")
    t_validate = time.perf_counter() - t1
    total = t_import + t_validate
    cpu = _cpu() - cpu0
    raw_rows = sum(v.raw_rows for v in results.values())
    parts = {k: round(sum(v.seconds.get(k, 0.0) for v in results.values()), 1) for k in ("read", "gx", "sql", "write")}
    blocked = [t for t, v in results.items() if v.blocked]
    target = TARGETS.get(int(scale)) if float(scale).is_integer() else None
    print(f"scale {scale:g} [{engine}]: {raw_rows:,} raw rows, validation {total:.1f}s "
          f"(GX import {t_import:.1f}s + {t_validate:.1f}s: {parts}), CPU {cpu:.1f}s in this process, "
          f"{raw_rows / total:,.0f} rows/s, load average {os.getloadavg()[0]:.1f}, "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, "
          f"quarantined {sum(v.quarantined_rows for v in results.values()):,}, blocked tables {blocked or 'none'}"
          + (f"; target <= {target:.0f}s: {'met' if total <= target else 'MISSED'}" if target else ""), flush=True)
    slowest = sorted(results.values(), key=lambda v: -v.seconds["total"])[:5]
    print("  slowest: " + ", ".join(f"{v.table} {v.seconds['total']:.1f}s ({v.raw_rows:,} rows)" for v in slowest))
    return {"scale": scale, "seconds": total, "rows": raw_rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, action="append", help="scale(s) to run (default 1 and 10)")
    parser.add_argument("--warehouse", choices=["duckdb", "postgresql"], default="duckdb")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--reuse-warehouse", action="store_true", help="DuckDB: skip extraction if already done")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.gettempdir()) / "cs_pipeline_bench_validation"
    workdir.mkdir(parents=True, exist_ok=True)
    for scale in args.scale or [1, 10]:
        bench(scale, workdir, args.warehouse, reuse=args.reuse_warehouse)


if __name__ == "__main__":
    main()
