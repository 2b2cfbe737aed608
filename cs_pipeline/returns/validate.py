"""Check a return built elsewhere with DfE's rules.

    python -m cs_pipeline.returns.validate ssda903 --collection-year 2025-26 FOLDER
        [--previous-year FOLDER] [--ofsted-providers XLSX [XLSX]] [--flags-csv PATH] [--report-dir DIR]
        [--list-rules]
    python -m cs_pipeline.returns.validate cin --collection-year 2025-26 FILE.xml
        [--flags-csv PATH] [--report-dir DIR] [--list-rules]

Loads DfE's 903 CSVs from FOLDER (tables recognised by their columns), or a CIN census XML message (read in one
pass), runs every rule of the year whose tables were supplied, prints a summary (counts and ids only), and writes
the flags and the report if asked.
Exit status: 0 when no rule flagged anything, 1 when some did, 2 when the files could not be read, 3 when a rule
failed to run (the summary names it).
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from cs_pipeline.returns.cin import rule_tables as cin_tables
from cs_pipeline.returns.collection_year import CollectionYear, return_tables, supported_years
from cs_pipeline.returns.loading import DuckDBRunner, LoadedReturn, ReturnFileError
from cs_pipeline.returns.report import TITLES, write_report
from cs_pipeline.returns.rules import RuleRun, rules_for_year, run_rules
from cs_pipeline.returns.ssda903.files import load_folder
from cs_pipeline.returns.ssda903.providers import load_provider_lists


@dataclass
class Validation:
    return_name: str
    year: CollectionYear
    loaded: LoadedReturn
    run: RuleRun
    seconds: float


def spec_year_before(year: CollectionYear) -> CollectionYear:
    """The specification last year's files are read with: that year's, or the earliest we hold (2022-23 files
    are read as 2023-24's, whose tables are the same)."""
    before = CollectionYear(year.start_year - 1)
    years = supported_years("ssda903")
    return before if before in years else years[0]


def _connect(threads: int | None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB the return's files are loaded into (``threads``: DuckDB's own default when None)."""
    con = duckdb.connect()
    if threads:
        con.execute(f"set threads = {int(threads)}")
    return con


def validate_ssda903_folder(
    folder: Path,
    year: CollectionYear,
    previous_year: Path | None = None,
    threads: int | None = None,
    ofsted_providers: list[Path] | None = None,
) -> Validation:
    started = time.perf_counter()
    con = _connect(threads)
    loaded = load_folder(con, folder, year)
    if previous_year:
        load_folder(con, previous_year, spec_year_before(year), suffix="_last", loaded=loaded)
    if ofsted_providers:
        loaded.rows["provider_info"] = load_provider_lists(con, ofsted_providers)
        loaded.tables["provider_info"] = ", ".join(p.name for p in ofsted_providers)
    run = run_rules(DuckDBRunner(con), rules_for_year("ssda903", year), year, set(loaded.tables))
    con.close()
    return Validation("ssda903", year, loaded, run, time.perf_counter() - started)


def validate_cin_file(path: Path, year: CollectionYear, threads: int | None = None) -> Validation:
    started = time.perf_counter()
    con = _connect(threads)
    census = cin_tables.load_census_file(con, path, year)
    run = run_rules(DuckDBRunner(con), rules_for_year("cin", year), year,
                    set(census.loaded.tables) | cin_tables.REFERENCE_TABLES, child_column=cin_tables.CHILD_COLUMN,
                    period=census.period, reference_tables=cin_tables.REFERENCE_TABLES)
    con.close()
    return Validation("cin", year, census.loaded, run, time.perf_counter() - started)


def flags_for_csv(validation: Validation) -> pd.DataFrame:
    """Flags with the public validators' table names: the 903's as `rule_code, table, row, CHILD` (Episodes,
    PrevPerm, ...), CIN's as `rule_code, child_id, table, row` (ChildIdentifiers, CINdetails, ..., Header)."""
    names = {t.name: t.validator_name for t in return_tables(validation.return_name, validation.year).values()}
    names.update({f"{k}_last": f"{v}_last" for k, v in names.items()})
    names["header"] = names.get("header", "Header")
    flags = validation.run.flags
    out = pd.DataFrame(
        {
            "rule_code": flags["rule_code"],
            "table": flags["table_name"].map(names),
            "row": flags["row_id"].astype("int64"),
            "CHILD": flags["child_id"],
        }
    )
    out = out.sort_values(["rule_code", "table", "row"], kind="stable").reset_index(drop=True)
    if validation.return_name == "cin":
        out = out.rename(columns={"CHILD": "child_id"})[["rule_code", "child_id", "table", "row"]]
    return out


def summary(validation: Validation) -> str:
    run, loaded = validation.run, validation.loaded
    lines = [
        f"{TITLES[validation.return_name]} {validation.year}: {sum(loaded.rows.values()):,} rows in "
        f"{len(loaded.tables)} tables "
        f"({', '.join(f'{t} {n:,}' for t, n in sorted(loaded.rows.items()))})",
        f"rules: {len(run.ran)} run, {len(run.skipped)} skipped (tables not supplied), {len(run.failed)} failed",
        f"flags: {len(run.flags):,} from {run.flags['rule_code'].nunique()} rules, "
        f"{run.flags['child_id'].nunique():,} children; {validation.seconds:.1f} s",
    ]
    for name, why in sorted(loaded.ignored.items()):
        lines.append(f"ignored {name}: {why}")
    if loaded.issues:
        lines.append(f"unreadable values: {len(loaded.issues)} (first: {loaded.issues[0]})")
    for code, error in sorted(run.failed.items()):
        lines.append(f"rule {code} FAILED: {error}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cs_pipeline.returns.validate", description=__doc__.split("\n")[0])
    parser.add_argument("return_name", choices=["ssda903", "cin"])
    parser.add_argument("folder", type=Path, nargs="?", metavar="FOLDER|FILE",
                        help="the 903's folder of CSVs, or the CIN census XML file")
    parser.add_argument("--collection-year", required=True)
    parser.add_argument("--previous-year", type=Path, help="folder of the previous year's 903 CSVs")
    parser.add_argument(
        "--ofsted-providers", type=Path, nargs="+", action="extend",
        help="Ofsted's children's homes and social care providers lists (XLSX), or one combined list",
    )
    parser.add_argument("--flags-csv", type=Path)
    parser.add_argument("--report-dir", type=Path, help="write the XLSX and HTML report here")
    parser.add_argument("--list-rules", action="store_true", help="print the rule codes of the year and stop")
    args = parser.parse_intermixed_args(argv)
    try:
        year = CollectionYear.parse(args.collection_year)
        return_tables(args.return_name, year)  # refuses a year with no specification, naming the known ones
        rules = rules_for_year(args.return_name, year)
    except ValueError as exc:
        parser.error(str(exc))
    if args.list_rules:
        print("\n".join(r.code for r in rules))
        return 0
    if args.folder is None:
        parser.error(f"{'FILE' if args.return_name == 'cin' else 'FOLDER'} is required unless --list-rules")
    if args.return_name == "cin" and (args.previous_year or args.ofsted_providers):
        parser.error("--previous-year and --ofsted-providers are the 903's")
    try:
        if args.return_name == "cin":
            validation = validate_cin_file(args.folder, year)
        else:
            validation = validate_ssda903_folder(args.folder, year, args.previous_year,
                                                 ofsted_providers=args.ofsted_providers)
    except (ReturnFileError, FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary(validation))
    if args.flags_csv:
        flags_for_csv(validation).to_csv(args.flags_csv, index=False)
        print(f"flags: {args.flags_csv}")
    if args.report_dir:
        for path in write_report(validation, args.report_dir):
            print(f"report: {path}")
    if validation.run.failed:
        return 3
    return 1 if len(validation.run.flags) else 0


if __name__ == "__main__":
    sys.exit(main())
