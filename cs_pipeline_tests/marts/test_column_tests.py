"""The one not_null, one unique and one accepted-values test per model (tests/generic/not_null_columns.sql,
unique_columns.sql, accepted_values_columns.sql) fail on a null, a repeated value or a value outside its list, in any
of their columns."""
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


def test_the_accepted_values_test_fails_with_one_row_per_column_and_value_outside_its_list(duckdb_url, tmp_path):
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(duckdb_url.removeprefix("duckdb:///"), copy)
    wh = Warehouse(f"duckdb:///{copy}")
    for schema in wh.query_frame("select table_schema from information_schema.tables "
                                 "where table_name = 'iha_timeliness'")["table_schema"]:
        keys = wh.query_frame(f'select iha_item_key from "{schema}".iha_timeliness order by iha_item_key limit 3')
        for key, outcome, reason in zip(keys["iha_item_key"], ["done", "done", "on_time"], [None, None, "holiday"]):
            wh.execute(f'update "{schema}".iha_timeliness set outcome = :o, exclusion_reason = :r '
                       "where iha_item_key = :k", o=outcome, r=reason, k=key)
    test = "accepted_values_iha_timeliness"
    passed = run_dbt(duckdb_url, AS_AT, "test", "--select", test, work="accepted_pass")
    assert passed.returncode == 0 and re.search(rf"PASS {test}\b", passed.stdout), passed.stdout[-3000:]
    result = run_dbt(f"duckdb:///{copy}", AS_AT, "test", "--select", test, work="accepted_fail")
    assert result.returncode == 1
    # outcome 'done' (two rows) and exclusion_reason 'holiday': two failing rows, one per column and value
    assert re.search(rf"FAIL 2 {test}\b", result.stdout), result.stdout[-3000:]
