"""The demo command end to end, on a tiny synthetic council: DuckDB (the default) and the real PostgreSQL."""
from __future__ import annotations

import json
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


def run_demo(data_dir, warehouse_url=None, scale=0.05):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CS_PIPELINE_")}
    env |= {"CS_PIPELINE_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(data_dir / "dagster_home")}
    if warehouse_url:
        env["CS_PIPELINE_WAREHOUSE_URL"] = warehouse_url
    proc = subprocess.run(
        [sys.executable, "-m", "cs_pipeline.demo", "--scale", str(scale), "--seed", "7"],
        env=env, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return proc.stdout


@pytest.fixture(scope="module")
def duckdb_demo(tmp_path_factory):
    """The README's demo as a council runs it: scale 1 on the default DuckDB warehouse."""
    data_dir = tmp_path_factory.mktemp("demo_duckdb")
    stdout = run_demo(data_dir, scale=1)
    return stdout, Warehouse(f"duckdb:///{data_dir / 'warehouse.duckdb'}"), data_dir


@pytest.fixture(scope="module")
def postgres_demo(tmp_path_factory):
    """The same pipeline publishing to the real PostgreSQL, on a small council."""
    data_dir = tmp_path_factory.mktemp("demo_postgres")
    url = fresh_postgres_database("cs_end_to_end_test")
    stdout = run_demo(data_dir, url, scale=0.05)
    return stdout, Warehouse(url), data_dir


@pytest.fixture(params=["duckdb_demo", "postgres_demo"])
def demo(request):
    return request.getfixturevalue(request.param)


def test_raw_holds_every_ssd_and_health_table(demo):
    _, warehouse, _ = demo
    raw = set(warehouse.tables("raw"))
    assert set(ssd_tables()) <= raw
    assert HEALTH_TABLES <= raw
    assert warehouse.row_count("raw", "ssd_person") > 0


def test_staging_linkage_and_marts_are_built(demo):
    _, warehouse, _ = demo
    staging = set(warehouse.tables("staging"))
    assert {f"stg_ssd__{t.removeprefix('ssd_')}" for t in ssd_tables()} <= staging
    assert {"stg_health__lac_health_assessments", "dim_calendar"} <= staging
    assert "child_link" in warehouse.tables("linkage")
    assert MARTS <= set(warehouse.tables("marts"))
    assert warehouse.row_count("marts", "iha_timeliness") > 0


def test_every_row_is_in_staging_or_quarantine(demo):
    _, warehouse, _ = demo
    for table in ssd_tables():
        raw = warehouse.row_count("raw", table)
        quarantined = warehouse.scalar(f"SELECT count(DISTINCT _row_key) FROM quarantine.{table}")
        staged = warehouse.row_count("staging", f"stg_ssd__{table.removeprefix('ssd_')}")
        assert staged + quarantined == raw, table


def test_summary_names_the_warehouse_and_the_ui(demo):
    stdout, _, _ = demo
    assert "materialised every asset" in stdout and "success" in stdout
    assert ", 0 errors" in stdout  # the synthetic council's defects are row-level: quarantined, never structural
    assert "dagster dev" in stdout
    assert "raw" in stdout and "marts" in stdout


def test_iha_on_time_rate_matches_the_generators_setting(duckdb_demo):
    """Issue 6: on demo data the IHA on-time rate (on time / due items) is the configured rate within a point."""
    _, warehouse, data_dir = duckdb_demo
    manifest = json.loads((data_dir / "demo" / "ground_truth" / "manifest.json").read_text())
    configured = manifest["settings"]["iha_on_time_rate"]
    on_time, due = warehouse.query_frame(
        "SELECT sum(CASE WHEN outcome = 'on_time' THEN 1 ELSE 0 END) AS on_time, count(*) AS due "
        "FROM marts.iha_timeliness WHERE outcome IN ('on_time', 'late', 'overdue')"
    ).iloc[0]
    rate = on_time / due
    print(f"IHA on time {rate:.4f} of {due} due items; configured {configured}")
    assert due > 1000
    assert abs(rate - configured) <= 0.01


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


def test_cin_census_message_is_valid_against_its_years_schema(demo):
    from lxml import etree

    from cs_pipeline.returns.collection_year import CollectionYear
    from cs_pipeline_tests.returns.test_cin_census_xml import schema_for

    _, warehouse, data_dir = demo
    year = CollectionYear.parse("2025-26")   # the latest ended by the demo's as-at date, 30 September 2026
    doc = etree.parse(str(data_dir / "output" / "returns" / "cin" / str(year) / "cin_census.xml"))
    schema = schema_for(year)
    assert schema.validate(doc), schema.error_log
    children = warehouse.scalar(f"select count(*) from returns.cin_child_identifiers where collection_year = '{year}'")
    episodes = warehouse.scalar(f"select count(*) from returns.cin_details where collection_year = '{year}'")
    assert children > 0 and len(doc.findall("Children/Child")) == children
    assert len(doc.findall("Children/Child/CINdetails")) == episodes


def test_cin_rules_ran_beside_the_903s(demo):
    _, warehouse, _ = demo
    runs = warehouse.query_frame("select return_name, status, count(*) as n from returns.dfe_rule_runs "
                                 "where collection_year = '2025-26' group by return_name, status")
    ran = {r: n for r, s, n in runs.itertuples(index=False) if s == "ran"}
    assert ran.get("cin", 0) > 0 and ran.get("ssda903", 0) > 0
    assert not (runs["status"] == "failed").any(), runs


def test_annex_a_workbook_has_ofsteds_lists_with_the_tables_rows(demo):
    """Annex A as an inspection lead sends it: Ofsted's eleven sheets and headers, one row per table row."""
    import openpyxl

    from cs_pipeline.returns.annex_a.spec import annex_a_lists

    _, warehouse, data_dir = demo
    path = data_dir / "output" / "returns" / "annex_a" / "2026-09-30" / "annex_a.xlsx"  # the demo's as-at date
    book = openpyxl.load_workbook(path, read_only=True)
    lists = annex_a_lists()
    assert book.sheetnames == [annex_list.sheet for annex_list in lists]
    for annex_list in lists:
        sheet_rows = list(book[annex_list.sheet].iter_rows(values_only=True))
        assert list(sheet_rows[0]) == [column.header for column in annex_list.columns], annex_list.sheet
        assert len(sheet_rows) - 1 == warehouse.row_count("returns", annex_list.table), annex_list.sheet
    assert all(warehouse.row_count("returns", f"annex_a_list_{n}") > 0 for n in (1, 3, 4, 6, 7, 8))


def test_the_marts_bi_reads_are_the_ones_built_and_the_report_is_written(demo):
    _, warehouse, data_dir = demo
    for mart in sorted(MARTS):
        assert warehouse.row_count("marts", mart) == warehouse.row_count("marts_build", mart), mart
    report = data_dir / "output" / "reports" / "timeliness_2026-09-30.html"
    text = report.read_text(encoding="utf-8")
    assert "<svg" in text and "http://" not in text and "https://" not in text


def test_on_postgres_the_bi_role_reads_the_published_marts_and_nothing_else(postgres_demo):
    """README's PostgreSQL path: after a whole run, the roles command; a BI login reads the marts publishing
    copied in, and is refused raw and the build area."""
    import uuid

    import sqlalchemy as sa

    from cs_pipeline.publish.roles import apply_roles

    _, warehouse, _ = postgres_demo
    apply_roles(warehouse.url)
    user = f"cs_e2e_bi_{uuid.uuid4().hex[:8]}"
    warehouse.execute(f'CREATE ROLE "{user}" LOGIN IN ROLE cs_bi_reader')
    reader = sa.create_engine(sa.engine.make_url(warehouse.url).set(username=user, password=None))
    try:
        with reader.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM marts.iha_timeliness")).scalar() == \
                warehouse.row_count("marts", "iha_timeliness")
        for table in ("raw.ssd_person", "marts_build.iha_timeliness", "returns.ssda903_episodes"):
            with reader.connect() as conn, pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                conn.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1"))
    finally:
        reader.dispose()
        warehouse.execute(f'DROP OWNED BY "{user}"; DROP ROLE "{user}"')
