"""Small hand-built sources for the extract assets: an SSD database from the contract, and health CSV drops."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from cs_pipeline.defs.resources import PipelineSettings
from cs_pipeline.lib.extract import contract_metadata
from cs_pipeline.lib.ssd_schema import key_column, ssd_tables

AS_AT = "2026-09-30"
EMPTY_TABLE = "ssd_cla_convictions"  # a small council may have none


def fixture_rows(table: str, n: int = 3) -> list[dict]:
    """``n`` rows for a contract table: text ids, dates at midnight and with a time, ints and floats."""
    rows = []
    for i in range(n):
        row = {}
        for col in ssd_tables()[table]:
            t = col.ssd_type.lower()
            if t == "datetime":
                row[col.name] = dt.datetime(2024, 1, i + 1) if i % 2 == 0 else dt.datetime(2024, 1, i + 1, 9, 30)
            elif t == "int":
                row[col.name] = i
            elif t == "float":
                row[col.name] = i + 0.5
            elif col.name == key_column(table) or col.references:
                row[col.name] = f"{col.name[:4].upper()}{i + 1}"
            else:
                row[col.name] = None if i == 2 else "" if i == 3 else f"v{i}"  # NULL and '' stay apart
        rows.append(row)
    return rows


def build_ssd_source(url: str, rows_per_table: int = 3) -> dict[str, int]:
    """All 39 SSD and extension tables with a few rows each (one table empty); returns table -> row count."""
    engine = sa.create_engine(url)
    metadata = contract_metadata()
    counts = {}
    try:
        metadata.drop_all(engine)
        metadata.create_all(engine)
        with engine.begin() as conn:
            for table in ssd_tables():
                rows = [] if table == EMPTY_TABLE else fixture_rows(table, rows_per_table + len(table) % 3)
                if rows:
                    conn.execute(metadata.tables[table].insert(), rows)
                counts[table] = len(rows)
    finally:
        engine.dispose()
    return counts


def pipeline_settings(cms_url: str, warehouse_url: str, health_dir: Path, output_dir: Path) -> PipelineSettings:
    return PipelineSettings(
        cms_url=cms_url,
        health_dir=str(health_dir),
        warehouse_url=warehouse_url,
        output_dir=str(output_dir),
        as_at=AS_AT,
        la_code="211",
    )


@pytest.fixture
def make_settings(tmp_path):
    def make(cms_url: str, warehouse_url: str, health_dir: Path | None = None) -> PipelineSettings:
        health = health_dir or tmp_path / "health"
        health.mkdir(exist_ok=True)
        return pipeline_settings(cms_url, warehouse_url, health, tmp_path / "output")

    return make
