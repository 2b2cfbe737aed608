"""Runs a rule's cases (tables of DfE text rows) on DuckDB or PostgreSQL and returns what it flagged."""
from __future__ import annotations

import duckdb
import sqlalchemy as sa

from cs_pipeline.returns.collection_year import CollectionYear, return_tables
from cs_pipeline.returns.rules import Rule, SqlAlchemyRunner, run_rules
from cs_pipeline.returns.ssda903.files import DuckDBRunner, typed_frames

CASE_YEAR_DEFAULT = "2025-26"


def case_year(rule: Rule, case: dict) -> CollectionYear:
    year = CollectionYear.parse(case.get("collection_year", CASE_YEAR_DEFAULT))
    return year if rule.applies_to(year) else rule.first_year


def case_frames(rule: Rule, case: dict, year: CollectionYear) -> dict:
    return typed_frames(year, case["tables"])


def flagged(run) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for table, row in zip(run.flags["table_name"], run.flags["row_id"]):
        out.setdefault(table, []).append(int(row))
    return {t: sorted(rows) for t, rows in sorted(out.items())}


def run_case_duckdb(rule: Rule, case: dict) -> dict[str, list[int]]:
    year = case_year(rule, case)
    con = duckdb.connect()
    for name, frame in case_frames(rule, case, year).items():
        con.register(f"{name}_frame", frame)
        con.execute(f"create table {name} as select * from {name}_frame")
    run = run_rules(DuckDBRunner(con), [rule], year, set(case["tables"]))
    assert not run.failed, run.failed
    return flagged(run)


def run_case_postgres(engine: sa.Engine, rule: Rule, case: dict) -> dict[str, list[int]]:
    year = case_year(rule, case)
    with engine.connect() as conn:
        conn.execute(sa.text("drop schema if exists rule_case cascade; create schema rule_case"))
        conn.execute(sa.text("set search_path to rule_case"))
        for name, frame in case_frames(rule, case, year).items():
            dtypes = {c: sa.Date() for c in frame.columns if c in {col.name for col in return_tables("ssda903", year)[name.removesuffix("_last")].columns if col.type == "date"}}
            frame.to_sql(name, conn, schema="rule_case", index=False, dtype=dtypes)
        run = run_rules(SqlAlchemyRunner(conn, "postgresql"), [rule], year, set(case["tables"]))
        conn.rollback()
    assert not run.failed, run.failed
    return flagged(run)


def expected(case: dict) -> dict[str, list[int]]:
    return {t: sorted(rows) for t, rows in sorted((case.get("flags") or {}).items()) if rows}
