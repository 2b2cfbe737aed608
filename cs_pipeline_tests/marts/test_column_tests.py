"""The one not_null and one unique test per model (tests/generic/not_null_columns.sql, unique_columns.sql) fail on
a null, or a repeated value, in any of their columns."""
from __future__ import annotations

import re
import shutil

from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline_tests.marts.children import AS_AT
from cs_pipeline_tests.marts.warehouse_fixture import run_dbt

TEST = "not_null_iha_timeliness"


def _with_nulls(duckdb_url: str, tmp_path, columns: list[str]) -> str:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(duckdb_url.removeprefix("duckdb:///"), copy)
    url = f"duckdb:///{copy}"
    wh = Warehouse(url)
    schemas = wh.query_frame("select table_schema from information_schema.tables where table_name = 'iha_timeliness'")
    for schema in schemas["table_schema"]:
        for column in columns:
            wh.execute(f'update "{schema}".iha_timeliness set {column} = null '
                       f'where iha_item_key = (select min(iha_item_key) from "{schema}".iha_timeliness)')
    return url


def test_it_passes_on_the_built_mart(duckdb_url):
    result = run_dbt(duckdb_url, AS_AT, "test", "--select", TEST, work="not_null_pass")
    assert result.returncode == 0, result.stdout[-3000:]
    assert re.search(rf"PASS {TEST}\b", result.stdout)


def test_it_fails_with_one_row_per_column_holding_nulls(duckdb_url, tmp_path):
    url = _with_nulls(duckdb_url, tmp_path, ["due_date", "person_id"])
    result = run_dbt(url, AS_AT, "test", "--select", TEST, work="not_null_fail")
    assert result.returncode == 1
    assert re.search(rf"FAIL 2 {TEST}\b", result.stdout), result.stdout[-3000:]   # two columns, not two rows


def test_the_unique_test_fails_with_one_row_per_column_repeating_a_value(duckdb_url, tmp_path):
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(duckdb_url.removeprefix("duckdb:///"), copy)
    wh = Warehouse(f"duckdb:///{copy}")
    for schema in wh.query_frame("select table_schema from information_schema.tables "
                                 "where table_name = 'iha_timeliness'")["table_schema"]:
        wh.execute(f'insert into "{schema}".iha_timeliness select * from "{schema}".iha_timeliness limit 2')
    result = run_dbt(f"duckdb:///{copy}", AS_AT, "test", "--select", "unique_iha_timeliness", work="unique_fail")
    assert result.returncode == 1
    assert re.search(r"FAIL 1 unique_iha_timeliness\b", result.stdout), result.stdout[-3000:]  # one column: the key
