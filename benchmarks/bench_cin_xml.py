"""Benchmark: the CIN census XML at national size, written, validated against DfE's schema, and read back.

    python benchmarks/bench_cin_xml.py --warehouse data/warehouse.duckdb [--children 650000] [--collection-year 2025-26]

Reads the census tables a pipeline run built (returns.cin_*), copies them under new child and link ids until there
are --children children (England's census holds about 650,000), writes the message as the pipeline does
(``write_message``: streaming, one child at a time) and validates it against DfE's schema of the year from
../shared/reference (lxml), then reads it back (``read_message``) and checks it with every DfE rule of the year as ``validate cin`` does
(``validate_cin_file``: read, load into DuckDB, run the rules). Prints wall time and peak memory (RSS) of each step,
children per second and file size.
"""
from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cs_pipeline.lib.warehouse import Warehouse  # noqa: E402
from cs_pipeline.returns.cin.xml_message import LINKS, read_tables, write_message  # noqa: E402
from cs_pipeline.returns.cin.xml_reader import read_message  # noqa: E402
from cs_pipeline.returns.collection_year import CollectionYear  # noqa: E402
from cs_pipeline.returns.validate import validate_cin_file  # noqa: E402

SPEC = (Path(__file__).resolve().parent.parent.parent / "shared" / "reference" / "liia-tools-pipeline" / "liiatools"
        / "cin_census_pipeline" / "spec")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scaled(frames: dict[str, pd.DataFrame], children: int) -> dict[str, pd.DataFrame]:
    base = len(frames["child_identifiers"])
    copies = -(-children // base)
    out = {}
    for name, frame in frames.items():
        parts = []
        for k in range(copies):
            part = frame.copy()
            for column in LINKS:
                if column in part.columns:
                    part[column] = f"{k:03d}" + part[column].astype(str)
            parts.append(part)
        out[name] = pd.concat(parts, ignore_index=True)
    keep = set(out["child_identifiers"]["LAchildID"].iloc[:children])
    return {name: frame[frame["LAchildID"].isin(keep)].reset_index(drop=True) for name, frame in out.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--children", type=int, default=650_000)
    parser.add_argument("--collection-year", default="2025-26")
    args = parser.parse_args(argv)
    year = CollectionYear.parse(args.collection_year)

    t0 = time.perf_counter()
    frames = scaled(read_tables(Warehouse(f"duckdb:///{args.warehouse}"), year), args.children)
    rows = sum(len(f) for f in frames.values())
    t1 = time.perf_counter()
    print(f"tables: {rows:,} rows for {len(frames['child_identifiers']):,} children in {t1 - t0:.1f} s")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cin_census.xml"
        written = write_message(frames, year, "211", dt.date(2026, 9, 30), path)
        t2 = time.perf_counter()
        print(f"write:    {t2 - t1:6.1f} s  {written / (t2 - t1):,.0f} children/s  {path.stat().st_size / 1e6:,.0f} MB"
              f"  peak {peak_mb():,.0f} MB")
        schema = etree.XMLSchema(etree.parse(str(SPEC / f"CIN_schema_{year.end.year}.xsd")))
        valid = schema.validate(etree.parse(str(path)))
        t3 = time.perf_counter()
        print(f"validate: {t3 - t2:6.1f} s  valid={valid}  peak {peak_mb():,.0f} MB")
        read = read_message(path, year)
        t4 = time.perf_counter()
        print(f"read:     {t4 - t3:6.1f} s  {sum(len(f) for f in read.values()):,} rows  {written / (t4 - t3):,.0f} children/s")
        del read
        checked = validate_cin_file(path, year)
        t5 = time.perf_counter()
        run = checked.run
        print(f"rules:    {t5 - t4:6.1f} s  {len(run.ran)} rules, {len(run.flags):,} flags, {len(run.failed)} failed  "
              f"{written / (t5 - t4):,.0f} children/s  peak {peak_mb():,.0f} MB")
    print(f"write + validate: {t3 - t1:.1f} s for {written:,} children")
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main())
