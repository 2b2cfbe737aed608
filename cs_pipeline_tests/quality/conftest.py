"""Quality fixtures: raw tables built by hand (the raw contract: TEXT columns + load metadata), real DuckDB files and
a real PostgreSQL database (``cs_quality_test``; fails, never skips, when the server is down)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from cs_pipeline.lib.health_files import HEALTH_KINDS
from cs_pipeline.lib.ssd_schema import ssd_tables
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline_tests.conftest import fresh_postgres_database

AS_AT = dt.date(2026, 9, 30)
PG_DATABASE = "cs_quality_test"


def contract_columns(table: str) -> list[str]:
    if table.startswith("health_"):
        return list(HEALTH_KINDS[table[len("health_"):]].columns)
    return [c.name for c in ssd_tables()[table]]


def write_raw(wh: Warehouse, table: str, rows: list[dict], *, drop: tuple[str, ...] = (), file: str | None = None):
    """Write raw.<table> as extraction would: contract columns as text (None = NULL) plus load metadata."""
    cols = [c for c in contract_columns(table) if c not in drop]
    frame = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols).astype(object)
    n = len(frame)
    if table.startswith("health_"):
        name = file or f"{table[len('health_'):]}_20260301.csv"
        frame["_row_key"] = [f"{name}#{i + 1}" for i in range(n)]
        frame["_file"] = name
        frame["_file_date"] = "2026-03-01"
        frame["_row_number"] = [str(i + 1) for i in range(n)]
    else:
        frame["_row_key"] = [str(i + 1) for i in range(n)]
        frame["_source"] = "sqlite:///test.sqlite"
    frame["_extracted_at"] = "2026-09-30T06:00:00+00:00"
    frame["_load_id"] = "test-load"
    wh.replace_table("raw", table, [frame], {c: "TEXT" for c in frame.columns})


@pytest.fixture
def duck(tmp_path: Path) -> Warehouse:
    return Warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")


@pytest.fixture(scope="session")
def pg_url() -> str:
    return fresh_postgres_database(PG_DATABASE)


@pytest.fixture
def pg(pg_url: str) -> Warehouse:
    wh = Warehouse(pg_url)
    for schema in ("raw", "quarantine", "staging"):
        wh.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    return wh


@pytest.fixture(params=["duckdb", "postgresql"])
def wh(request) -> Warehouse:
    """Both engines: the same rules must find the same rows on each."""
    return request.getfixturevalue("duck" if request.param == "duckdb" else "pg")


def findings_by_rule(v) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in v.findings.to_dict("records"):
        out.setdefault(f["check_name"], set()).add(f["_row_key"])
    return out
