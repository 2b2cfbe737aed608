"""Runs a rule's cases (tables of DfE text rows) on DuckDB or PostgreSQL and returns what it flagged.

A 903 case gives the files' text (dates DD/MM/YYYY); a CIN case the XML's (dates YYYY-MM-DD), with the message
header only where the rule reads it (the census period is then the header's); ``working_days`` is always there.
"""
from __future__ import annotations

import duckdb
import pandas as pd
import sqlalchemy as sa

from cs_pipeline.returns.cin import rule_tables as cin_tables
from cs_pipeline.returns.collection_year import CollectionYear, return_tables
from cs_pipeline.returns.loading import DuckDBRunner
from cs_pipeline.returns.rules import Rule, SqlAlchemyRunner, run_rules
from cs_pipeline.returns.ssda903.files import typed_frames
from cs_pipeline.returns.ssda903.providers import local_authority_frame, provider_info_frame

# tables that are not 903 files (Ofsted's provider lists, the council's code): built by their own loaders
REFERENCE_FRAMES = {"provider_info": provider_info_frame, "local_authority": local_authority_frame}
REFERENCE_DATES = {"provider_info": {"REG_END"}}

CASE_YEAR_DEFAULT = "2025-26"


def case_year(rule: Rule, case: dict) -> CollectionYear:
    if "collection_year" in case:
        year = CollectionYear.parse(case["collection_year"])
        assert rule.applies_to(year), f"{rule.source}: case {case.get('name')!r} is for {year}, outside {rule.years_text}"
        return year
    year = CollectionYear.parse(CASE_YEAR_DEFAULT)
    return year if rule.applies_to(year) else rule.first_year


def case_frames(rule: Rule, case: dict, year: CollectionYear, return_name: str = "ssda903") -> dict:
    if return_name == "cin":
        frames = {n: cin_tables.typed_frame(n, pd.DataFrame(rows or [])) for n, rows in case["tables"].items()}
        return frames | {"working_days": cin_tables.working_days_frame(year.end)}
    tables = {n: rows for n, rows in case["tables"].items() if n not in REFERENCE_FRAMES}
    references = {n: REFERENCE_FRAMES[n](rows or []) for n, rows in case["tables"].items() if n in REFERENCE_FRAMES}
    return {**typed_frames(year, tables), **references}


def _date_columns(name: str, year: CollectionYear, return_name: str = "ssda903") -> set[str]:
    if return_name == "cin":
        if name == "working_days":
            return {"calendar_date"}
        return {c for c, kind in cin_tables.column_types(name).items() if kind == "date"}
    if name in REFERENCE_FRAMES:
        return REFERENCE_DATES.get(name, set())
    return {col.name for col in return_tables("ssda903", year)[name.removesuffix("_last")].columns if col.type == "date"}


def _column_types(name: str, year: CollectionYear, return_name: str) -> dict[str, str]:
    return {"row_id": "bigint", "PL_DISTANCE": "double", "working_day_index": "bigint",
            **{c: "date" for c in _date_columns(name, year, return_name)}}


def _run_options(return_name: str, frames: dict, year: CollectionYear) -> dict:
    """How the return's runner calls run_rules: the tables supplied, CIN's child column, period and references."""
    if return_name != "cin":
        return {}
    header = frames.get("header", pd.DataFrame(columns=["ReferenceDate"]))
    return {"child_column": cin_tables.CHILD_COLUMN, "period": cin_tables.census_period(header, year),
            "reference_tables": cin_tables.REFERENCE_TABLES}


def flagged(run) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for table, row in zip(run.flags["table_name"], run.flags["row_id"]):
        out.setdefault(table, []).append(int(row))
    return {t: sorted(rows) for t, rows in sorted(out.items())}


def run_case_duckdb(rule: Rule, case: dict, return_name: str = "ssda903") -> dict[str, list[int]]:
    year = case_year(rule, case)
    con = duckdb.connect()
    frames = case_frames(rule, case, year, return_name)
    for name, frame in frames.items():
        con.register(f"{name}_frame", frame)
        # typed as the file loader types them, so an all-blank date column is still a DATE
        types = _column_types(name, year, return_name)
        cols = ", ".join(f'cast("{c}" as {types.get(c, "varchar")}) as "{c}"' for c in frame.columns)
        con.execute(f"create table {name} as select {cols} from {name}_frame")
    run = run_rules(DuckDBRunner(con), [rule], year, set(frames), **_run_options(return_name, frames, year))
    assert not run.failed, run.failed
    return flagged(run)


def run_case_postgres(engine: sa.Engine, rule: Rule, case: dict, return_name: str = "ssda903") -> dict[str, list[int]]:
    year = case_year(rule, case)
    with engine.connect() as conn:
        conn.execute(sa.text("drop schema if exists rule_case cascade; create schema rule_case"))
        conn.execute(sa.text("set search_path to rule_case"))
        frames = case_frames(rule, case, year, return_name)
        for name, frame in frames.items():
            dtypes = {c: sa.Date() for c in frame.columns if c in _date_columns(name, year, return_name)}
            dtypes |= {c: sa.Text() for c in frame.columns if c not in dtypes and frame[c].dtype == object}
            frame.to_sql(name, conn, schema="rule_case", index=False, dtype=dtypes)
        run = run_rules(SqlAlchemyRunner(conn, "postgresql"), [rule], year, set(frames),
                        **_run_options(return_name, frames, year))
        conn.rollback()
    assert not run.failed, run.failed
    return flagged(run)


def expected(case: dict) -> dict[str, list[int]]:
    return {t: sorted(rows) for t, rows in sorted((case.get("flags") or {}).items()) if rows}
