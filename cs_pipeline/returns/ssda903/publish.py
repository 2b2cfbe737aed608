"""The 903 built in the warehouse (``returns.ssda903_*``, dbt): DfE's rules run on it, and DfE's upload files.

The return tables hold every collection year built so far (``collection_year``, ``row_id`` and DfE's columns).
Rules see one year's rows under the file names they use (``episodes``, ...), and the year before as
``episodes_last`` ... when it was built too, so DfE's year-on-year rules run without uploading last year's files.
"""
from __future__ import annotations

import csv
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from cs_pipeline.lib.warehouse import Warehouse, date_text_sql
from cs_pipeline.returns.collection_year import CollectionYear, Table, return_tables
from cs_pipeline.returns.rule_results import store_rule_results
from cs_pipeline.returns.rules import Rule, RuleRun, SqlAlchemyRunner, rules_for_year, run_rules
from cs_pipeline.returns.ssda903.files import DATE_FORMAT, POSTCODE_DERIVED

RETURN_NAME = "ssda903"


def model_name(table: str) -> str:
    return f"ssda903_{table}"


def _view_sql(table: Table, dialect: str, year: CollectionYear, built: set[str]) -> str:
    """The table as the rules read it: the file loader's shape (files.py), from the year's rows."""
    parts = ["cast(row_id as bigint) as row_id"]
    for column in table.columns:
        q = f'"{column.name}"'
        if column.type == "date":
            parts += [f"cast({q} as date) as {q}", f'{date_text_sql(dialect, q, "DD/MM/YYYY")} as "{column.name}_raw"']
        elif column.name == "CHILD":  # the SSD's person id, kept as it is so flags lead back to the child
            parts.append(f"cast({q} as varchar) as {q}")
        else:
            parts.append(f"upper(cast({q} as varchar)) as {q}")
    for name, sql_type in POSTCODE_DERIVED.get(table.name, {}).items():
        parts.append(f'cast(null as {"double precision" if sql_type == "double" else sql_type}) as "{name}"')
    if table.name == "header":
        uasc = model_name("uasc")
        parts.append(
            f"(case when \"CHILD\" in (select \"CHILD\" from returns.{uasc} where collection_year = '{year}') "
            "then '1' else '0' end) as \"UASC\""
            if uasc in built
            else 'cast(null as varchar) as "UASC"'
        )
    return (
        f"select {', '.join(parts)} from returns.{model_name(table.name)} where collection_year = '{year}'"
    )


def create_year_views(warehouse: Warehouse, conn: sa.Connection, year: CollectionYear) -> set[str]:
    """Temporary views of the year's tables (and last year's, where built); returns the names supplied."""
    built = set(warehouse.tables("returns"))
    supplied: set[str] = set()
    for suffix, which in (("", year), ("_last", CollectionYear(year.start_year - 1))):
        try:
            tables = return_tables(RETURN_NAME, which)
        except ValueError:  # no specification for the year before the first supported one
            continue
        for table in tables.values():
            if model_name(table.name) not in built:
                continue
            sql = _view_sql(table, warehouse.dialect, which, built)
            if suffix:  # last year's tables count as supplied only when that year was built
                exists = conn.execute(sa.text(f"select count(*) from ({sql}) t")).scalar()
                if not exists:
                    continue
            conn.execute(sa.text(f"create or replace temporary view {table.name}{suffix} as {sql}"))
            supplied.add(table.name + suffix)
    return supplied


def require_built(warehouse: Warehouse, year: CollectionYear) -> None:
    """A year whose header has no rows was not built (every child looked after is in it): refuse to validate or
    publish it, rather than report it clean or replace good files with empty ones."""
    header = model_name("header")
    built = warehouse.table_exists("returns", header) and warehouse.scalar(
        f"select count(*) from returns.{header} where collection_year = :y", y=str(year)
    )
    if not built:
        raise ValueError(f"SSDA903 {year} has not been built: returns.{header} has no rows for it")


def validate_in_warehouse(warehouse: Warehouse, year: CollectionYear) -> tuple[RuleRun, list[Rule]]:
    """Run the year's rules on the built return and replace that year's rows of returns.dfe_rule_results and
    returns.dfe_rule_runs, in one transaction: a failure leaves the previous results as they were."""
    rules = rules_for_year(RETURN_NAME, year)
    require_built(warehouse, year)
    with warehouse.engine.connect() as conn:
        supplied = create_year_views(warehouse, conn, year)
        conn.commit()
        run = run_rules(SqlAlchemyRunner(conn, warehouse.dialect), rules, year, supplied)
        store_rule_results(warehouse, conn, RETURN_NAME, year, run, rules)
        with conn.begin():
            for name in supplied:
                conn.execute(sa.text(f"drop view if exists {name}"))
    return run, rules


def _csv_value(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if hasattr(value, "strftime"):
        return value.strftime(DATE_FORMAT)
    return str(value)


def write_upload_files(warehouse: Warehouse, year: CollectionYear, output_dir: Path) -> dict[str, int]:
    """DfE's upload CSVs for the year, under <output_dir>/returns/ssda903/<year>/: DfE's headers, dates
    DD/MM/YYYY, UTF-8, rows in row_id order (the same inputs give byte-identical files). The folder is written
    beside the old one and swapped in, so a failure leaves the previous files intact. Returns rows per file."""
    target = Path(output_dir) / "returns" / RETURN_NAME / str(year)
    target.parent.mkdir(parents=True, exist_ok=True)
    require_built(warehouse, year)
    staging = Path(tempfile.mkdtemp(prefix=f".{year}.", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)  # mkdtemp makes it 0700: the published folder gets the usual permissions
    written: dict[str, int] = {}
    try:
        for table in return_tables(RETURN_NAME, year).values():
            # non-date columns as text, so an integer column with blanks never comes back as 1.0
            cols = ", ".join(
                f'"{c.name}"' if c.type == "date" else f'cast("{c.name}" as varchar) as "{c.name}"' for c in table.columns
            )
            frame = warehouse.query_frame(
                f"select {cols} from returns.{model_name(table.name)} where collection_year = :y order by row_id",
                y=str(year),
            )
            with (staging / f"{table.name}.csv").open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, lineterminator="\r\n")
                writer.writerow(table.column_names)
                for row in frame.itertuples(index=False, name=None):
                    writer.writerow([_csv_value(v) for v in row])
            written[f"{table.name}.csv"] = len(frame)
        previous = target.with_name(f".{year}.previous")
        if target.exists():
            shutil.rmtree(previous, ignore_errors=True)
            os.replace(target, previous)
        os.replace(staging, target)
        shutil.rmtree(previous, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written
