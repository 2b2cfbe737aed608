"""The same dbt models give identical marts on DuckDB and PostgreSQL for the same data."""
from __future__ import annotations

import pytest

from cs_pipeline_tests.marts.helpers import comparable_rows as _normalise
from cs_pipeline_tests.marts.warehouse_fixture import Warehouse, read_table

pytestmark = pytest.mark.postgres


def test_same_marts_on_both_engines(duckdb_url, postgres_url):
    duck_tables = set(Warehouse(duckdb_url).tables("marts"))
    pg_tables = set(Warehouse(postgres_url).tables("marts"))
    assert duck_tables == pg_tables
    assert {"iha_timeliness", "timeliness_monthly", "cla_snapshot", "cp_snapshot", "dim_child", "core_group_timeliness",
            "pep_timeliness"} <= duck_tables
    for table in sorted(duck_tables):
        duck = read_table(duckdb_url, "marts", table)
        pg = read_table(postgres_url, "marts", table)
        assert sorted(duck.columns) == sorted(pg.columns), table
        assert len(duck) == len(pg), table
        assert _normalise(duck) == _normalise(pg), table
    assert {"int_pep__terms", "int_cp__core_group_meetings"} <= set(Warehouse(duckdb_url).tables("intermediate"))
    for table in Warehouse(duckdb_url).tables("intermediate"):
        assert _normalise(read_table(duckdb_url, "intermediate", table)) == _normalise(
            read_table(postgres_url, "intermediate", table)), table
    # the extension tables' staging and the table log the marts read for source_not_supplied
    for table in ("stg_ssd__cp_core_groups", "stg_ssd__cla_pep"):
        assert _normalise(read_table(duckdb_url, "staging", table)) == _normalise(
            read_table(postgres_url, "staging", table)), table
    log_columns = ["table_name", "supplied", "row_count", "load_id"]
    assert _normalise(read_table(duckdb_url, "staging", "stg_pipeline__ssd_table_log")[log_columns]) == _normalise(
        read_table(postgres_url, "staging", "stg_pipeline__ssd_table_log")[log_columns])
