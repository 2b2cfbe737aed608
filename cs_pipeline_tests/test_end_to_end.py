"""The demo command end to end, on a tiny synthetic council: DuckDB (the default) and the real PostgreSQL."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cs_pipeline.lib.ssd_schema import ssd_tables
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline_tests.conftest import fresh_postgres_database

HEALTH_TABLES = {"health_lac_health_assessments", "health_immunisations", "health_dental_checks"}
MARTS = {
    "iha_timeliness", "rha_timeliness", "cla_review_timeliness", "cla_visit_timeliness", "assessment_timeliness",
    "icpc_timeliness", "cp_review_timeliness", "cp_visit_timeliness", "timeliness_monthly",
}


def run_demo(data_dir, warehouse_url=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CS_PIPELINE_")}
    env |= {"CS_PIPELINE_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(data_dir / "dagster_home")}
    if warehouse_url:
        env["CS_PIPELINE_WAREHOUSE_URL"] = warehouse_url
    proc = subprocess.run(
        [sys.executable, "-m", "cs_pipeline.demo", "--scale", "0.05", "--seed", "11"],
        env=env, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return proc.stdout


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def demo(request, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp(f"demo_{request.param}")
    url = fresh_postgres_database("cs_end_to_end_test") if request.param == "postgresql" else None
    stdout = run_demo(data_dir, url)
    warehouse = Warehouse(url or f"duckdb:///{data_dir / 'warehouse.duckdb'}")
    return stdout, warehouse


def test_raw_holds_every_ssd_and_health_table(demo):
    _, warehouse = demo
    raw = set(warehouse.tables("raw"))
    assert set(ssd_tables()) <= raw
    assert HEALTH_TABLES <= raw
    assert warehouse.row_count("raw", "ssd_person") > 0


def test_staging_linkage_and_marts_are_built(demo):
    _, warehouse = demo
    staging = set(warehouse.tables("staging"))
    assert {f"stg_ssd__{t.removeprefix('ssd_')}" for t in ssd_tables()} <= staging
    assert {"stg_health__lac_health_assessments", "dim_calendar"} <= staging
    assert "child_link" in warehouse.tables("linkage")
    assert MARTS <= set(warehouse.tables("marts"))
    assert warehouse.row_count("marts", "iha_timeliness") > 0


def test_every_row_is_in_staging_or_quarantine(demo):
    _, warehouse = demo
    for table in ssd_tables():
        raw = warehouse.row_count("raw", table)
        quarantined = warehouse.scalar(f"SELECT count(DISTINCT _row_key) FROM quarantine.{table}")
        staged = warehouse.row_count("staging", f"stg_ssd__{table.removeprefix('ssd_')}")
        assert staged + quarantined == raw, table


def test_summary_names_the_warehouse_and_the_ui(demo):
    stdout, _ = demo
    assert "materialised every asset" in stdout and "success" in stdout
    assert ", 0 errors" in stdout  # the synthetic council's defects are row-level: quarantined, never structural
    assert "dagster dev" in stdout
    assert "raw" in stdout and "marts" in stdout


def test_a_broken_source_table_blocks_only_its_own_lineage(tmp_path_factory):
    """The council's extract loses a column overnight: that table's staging keeps its previous rows, every other
    model (and the marts) is rebuilt, and the run names the table and column."""
    import sqlalchemy as sa

    data_dir = tmp_path_factory.mktemp("demo_broken")
    run_demo(data_dir)
    warehouse = Warehouse(f"duckdb:///{data_dir / 'warehouse.duckdb'}")
    stamp = "SELECT max(_extracted_at) FROM staging.{}"
    before = {m: warehouse.scalar(stamp.format(m)) for m in ("stg_ssd__missing", "stg_ssd__person")}
    built_before = warehouse.scalar("SELECT count(*) FROM marts.iha_timeliness")

    source = sa.create_engine(f"sqlite:///{data_dir / 'demo' / 'ssd.sqlite'}")
    with source.begin() as conn:
        conn.execute(sa.text("ALTER TABLE ssd_missing DROP COLUMN miss_missing_rhi_offered"))
    source.dispose()
    stdout = run_demo(data_dir)

    assert "ERROR raw/ssd_missing:source_readable" in stdout
    assert warehouse.scalar(stamp.format("stg_ssd__missing")) == before["stg_ssd__missing"]
    assert warehouse.scalar(stamp.format("stg_ssd__person")) > before["stg_ssd__person"]
    assert warehouse.scalar("SELECT count(*) FROM marts.iha_timeliness") == built_before
