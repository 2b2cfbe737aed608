"""Benchmark the SSD extraction (raw/ssd_* assets' work): wall time, rows/s and peak memory (max RSS).

    python benchmarks/bench_extract.py [--scales 1 10] [--warehouses duckdb postgresql]
                                       [--source auto|generator|synthetic] [--chunk-rows 50000]
                                       [--readers arrow sqlalchemy] [--data-dir DIR]

Each (scale, warehouse) run is a fresh child process, so its max RSS is its own. The source is the synthetic
council from ``cs_pipeline.synthetic.generate`` (``--source generator``; cached under ``data/bench/``), or, where
the generator is not available, a SQLite database of all 35 SSD tables filled with realistic row counts for one
council over six years (``--source synthetic``, about 0.7 million rows at scale 1). ``auto`` picks the generator
when it can be imported. ``--data-dir`` caches the sources elsewhere (e.g. /tmp for large scales).

``--readers``: the extraction's reader (``CS_PIPELINE_EXTRACT_READER``): ``arrow`` (ADBC, the default ``auto`` on
SQLite and PostgreSQL sources), ``sqlalchemy`` (the driver's Python rows), ``auto``; several to compare them, each
in its own child process on the same source.

``--warehouses none`` measures the reader alone: chunks are read and converted, then dropped.

Targets (DuckDB): scale 1 <= 10 s, scale 10 <= 60 s, peak memory <= 2 GB and flat across scales.
PostgreSQL is reached at CS_PIPELINE_TEST_PG (default postgresql://postgres@127.0.0.1:5432); the benchmark
creates and drops the database ``cs_bench_extract``.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import resource
import sqlite3
import subprocess
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DIR = ROOT / "data" / "bench"
PG_SERVER = os.environ.get("CS_PIPELINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
PG_DB = "cs_bench_extract"

# Rows per table at scale 1 for the stand-in source: one council (~530 looked after, 2,600 in need,
# 4,100 referrals and 20,000 contacts a year; DESIGN/TIMELINESS national figures) over six years.
SYNTHETIC_ROWS = {
    "ssd_person": 60_000,
    "ssd_address": 60_000,
    "ssd_linked_identifiers": 80_000,
    "ssd_contacts": 120_000,
    "ssd_cin_episodes": 25_000,
    "ssd_cin_assessments": 25_000,
    "ssd_assessment_factors": 25_000,
    "ssd_cin_plans": 8_000,
    "ssd_cin_visits": 100_000,
    "ssd_s47_enquiry": 8_000,
    "ssd_initial_cp_conference": 3_000,
    "ssd_cp_plans": 3_000,
    "ssd_cp_visits": 40_000,
    "ssd_cp_reviews": 6_000,
    "ssd_cla_episodes": 6_000,
    "ssd_cla_placement": 5_000,
    "ssd_cla_reviews": 10_000,
    "ssd_cla_visits": 30_000,
    "ssd_involvements": 80_000,
    "ssd_legal_status": 6_000,
}
OTHER_TABLE_ROWS = 2_000


def build_synthetic_source(path: Path, scale: float) -> int:
    """A SQLite SSD database with every contract table (fixture only: the extraction never sees this code)."""
    from cs_pipeline.lib.extract import contract_metadata
    from cs_pipeline.lib.ssd_schema import ssd_tables

    import sqlalchemy as sa

    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    engine = sa.create_engine(f"sqlite:///{path}")
    contract_metadata().create_all(engine)
    engine.dispose()
    total = 0
    con = sqlite3.connect(path)
    base = dt.date(2020, 10, 1).toordinal()
    for table, columns in ssd_tables().items():
        n = int(SYNTHETIC_ROWS.get(table, OTHER_TABLE_ROWS) * scale)
        makers = []
        for c in columns:
            t = c.ssd_type.lower()
            if t == "datetime":
                makers.append(lambda i: dt.date.fromordinal(base + i % 2190).isoformat() + " 00:00:00.000000")
            elif t == "int":
                makers.append(lambda i: i % 7)
            elif t == "float":
                makers.append(lambda i: (i % 500) / 10)
            else:
                prefix = c.name.split("_", 1)[1][:6].upper()
                makers.append(lambda i, p=prefix: f"{p}{i}")
        cols = ", ".join(f'"{c.name}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        sql = f'INSERT INTO "{table}" ({cols}) VALUES ({marks})'
        for start in range(0, n, 100_000):
            rows = [tuple(m(i) for m in makers) for i in range(start, min(n, start + 100_000))]
            con.executemany(sql, rows)
        con.commit()
        total += n
    con.close()
    return total


def prepare_source(scale: float, kind: str, bench_dir: Path = BENCH_DIR) -> tuple[str, str]:
    """(cms_url, description) for the scale, generated once and cached under ``bench_dir`` (data/bench/)."""
    if kind == "auto":
        try:
            from cs_pipeline.synthetic import generate  # noqa: F401

            kind = "generator"
        except ImportError:
            kind = "synthetic"
    folder = bench_dir / f"{kind}_scale_{scale:g}"
    db = folder / "ssd.sqlite"
    marker = folder / "ready.json"
    if not marker.exists():
        started = time.perf_counter()
        if kind == "generator":
            from cs_pipeline.synthetic import generate

            generate(folder, scale=scale, seed=7)
        else:
            build_synthetic_source(db, scale)
        marker.write_text(json.dumps({"seconds": round(time.perf_counter() - started, 1)}))
    return f"sqlite:///{db}", kind


def fresh_pg() -> str:
    import sqlalchemy as sa

    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{PG_DB}"'))
    admin.dispose()
    return f"{PG_SERVER}/{PG_DB}"


def peak_rss_mb() -> int:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries the parent's peak over fork and exec
    into ru_maxrss, so a child started after the parent generated a large source would report the parent's."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


class NullWarehouse:
    """``--warehouses none``: takes every chunk and keeps nothing, so the figures are the reader's alone (the source
    read and the text conversion), without the warehouse's connections, commits and inserts."""

    dialect = "none"

    def replace_table(self, schema, table, chunks, column_types=None) -> int:
        return sum(len(c) for c in chunks)

    @contextlib.contextmanager
    def begin(self):
        yield types.SimpleNamespace(execute=lambda *a, **k: None)

    def create_table(self, *args, **kwargs) -> None:
        pass


def run_one(cms_url: str, warehouse: str, chunk_rows: int, reader: str = "auto", bench_dir: Path = BENCH_DIR) -> dict:
    """In the child: extract every SSD table once, the way the assets do, and report."""
    from cs_pipeline.lib.extract import extract_ssd_table
    from cs_pipeline.lib.ssd_schema import ssd_tables
    from cs_pipeline.lib.warehouse import Warehouse
    from sqlalchemy.engine import make_url

    if warehouse == "none":
        url = None
    elif warehouse == "duckdb":
        path = bench_dir / "bench_warehouse.duckdb"
        for p in (path, path.with_suffix(".duckdb.wal")):
            p.unlink(missing_ok=True)
        url = f"duckdb:///{path}"
    else:
        url = fresh_pg()
    wh = Warehouse(url) if url else NullWarehouse()
    cpu_started = time.process_time()
    started = time.perf_counter()
    results = [extract_ssd_table(cms_url, wh, t, load_id="bench", chunk_rows=chunk_rows, reader=reader)
               for t in ssd_tables()]
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    rows = sum(r.rows for r in results)
    health_rows, health_s = 0, 0.0
    # the generator's CSV drops beside its SQLite file: ingest them too, reported on their own
    database = make_url(cms_url).database if cms_url.startswith("sqlite") else None
    health_dir = Path(database).parent / "health" if database else None
    if url and health_dir is not None and health_dir.is_dir():
        from cs_pipeline.lib.health_files import HEALTH_KINDS, ingest_health_folder

        t0 = time.perf_counter()
        for kind in HEALTH_KINDS:
            health_rows += ingest_health_folder(wh, health_dir, kind, load_id="bench").rows_loaded
        health_s = time.perf_counter() - t0
    slowest = sorted(results, key=lambda r: r.seconds, reverse=True)[:3]
    return {
        "rows": rows,
        "tables": len(results),
        "chunks": sum(r.chunks for r in results),
        "largest_table_rows": max(r.rows for r in results),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "health_rows": health_rows,
        "health_s": round(health_s, 2),
        "rows_per_s": round(rows / wall),
        "max_rss_mb": peak_rss_mb(),
        "slowest": [f"{r.table} {r.rows} rows {r.seconds:.2f}s" for r in slowest],
        "arrow_tables": sum(r.reader == "arrow" for r in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 10])
    parser.add_argument("--warehouses", nargs="+", default=["duckdb", "postgresql"],
                        choices=["duckdb", "postgresql", "none"])
    parser.add_argument("--source", default="auto", choices=["auto", "generator", "synthetic"])
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--readers", "--reader", nargs="+", default=["arrow"], choices=["auto", "arrow", "sqlalchemy"],
                        help="extraction reader(s) to measure (default: arrow)")
    parser.add_argument("--data-dir", type=Path, default=BENCH_DIR, help="where sources and warehouses are cached")
    parser.add_argument("--cms-url", help="extract this source (e.g. a PostgreSQL copy of a council) instead of "
                        "generating one; --scales then only labels the rows")
    parser.add_argument("--child", nargs=3, metavar=("CMS_URL", "WAREHOUSE", "READER"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(run_one(args.child[0], args.child[1], args.chunk_rows, args.child[2], args.data_dir)))
        return

    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'scale':>5} {'source':>9} {'warehouse':>10} {'reader':>10} {'rows':>10} {'chunks':>6} {'wall s':>7} "
          f"{'cpu s':>6} {'rows/s':>9} {'max RSS MB':>10}  slowest tables")
    for scale in args.scales:
        cms_url, kind = (args.cms_url, "given") if args.cms_url else prepare_source(scale, args.source, args.data_dir)
        for warehouse in args.warehouses:
            for reader in args.readers:
                out = subprocess.run(
                    [sys.executable, __file__, "--chunk-rows", str(args.chunk_rows), "--data-dir", str(args.data_dir),
                     "--child", cms_url, warehouse, reader],
                    check=True, capture_output=True, text=True,
                )
                r = json.loads(out.stdout.strip().splitlines()[-1])
                used = f"{reader}" if reader != "auto" else f"auto:{r['arrow_tables']}a"
                print(f"{scale:>5g} {kind:>9} {warehouse:>10} {used:>10} {r['rows']:>10} {r['chunks']:>6} "
                      f"{r['wall_s']:>7} {r['cpu_s']:>6} {r['rows_per_s']:>9} {r['max_rss_mb']:>10}  "
                      f"{'; '.join(r['slowest'])}", flush=True)
                if r["health_rows"]:
                    print(f"{'':>5} {'':>9} {'':>10} {'':>10} health CSV drops: {r['health_rows']} rows in "
                          f"{r['health_s']} s (after the SSD tables, not in the figures above)", flush=True)


if __name__ == "__main__":
    main()
