import pandas as pd
import pytest

from cs_pipeline.lib.warehouse import Warehouse, quote_ident
from cs_pipeline_tests.conftest import fresh_postgres_database


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def warehouse(request, tmp_path_factory):
    if request.param == "duckdb":
        return Warehouse(f"duckdb:///{tmp_path_factory.mktemp('wh') / 'w.duckdb'}")
    return Warehouse(fresh_postgres_database("cs_lib_warehouse_test"))


def test_replace_table_streams_chunks_and_keeps_nulls_apart_from_empty_strings(warehouse):
    chunk = pd.DataFrame({"code": ["A", None, ""], "n": [1, 2, 3]})
    rows = warehouse.replace_table("raw", "chunks", [chunk, chunk], {"code": "TEXT", "n": "BIGINT"})
    assert rows == 6
    assert warehouse.row_count("raw", "chunks") == 6
    assert warehouse.scalar("SELECT count(*) FROM raw.chunks WHERE code IS NULL") == 2
    assert warehouse.scalar("SELECT count(*) FROM raw.chunks WHERE code = ''") == 2


def test_failed_load_leaves_the_published_table_intact(warehouse):
    warehouse.write_frame(pd.DataFrame({"x": ["kept"]}), "raw", "published")

    def chunks():
        yield pd.DataFrame({"x": ["new"]})
        raise RuntimeError("source went away mid-extract")

    with pytest.raises(RuntimeError):
        warehouse.replace_table("raw", "published", chunks(), {"x": "TEXT"})
    assert warehouse.query_frame("SELECT x FROM raw.published")["x"].tolist() == ["kept"]


def test_append_and_introspection(warehouse):
    warehouse.write_frame(pd.DataFrame({"a": ["1"]}), "raw", "appended", replace=True)
    warehouse.write_frame(pd.DataFrame({"a": ["2"]}), "raw", "appended", replace=False)
    assert warehouse.row_count("raw", "appended") == 2
    assert "appended" in warehouse.tables("raw")
    assert warehouse.columns("raw", "appended") == ["a"]
    assert warehouse.table_exists("raw", "appended") and not warehouse.table_exists("raw", "nope")


def test_identifiers_outside_the_contract_are_refused():
    with pytest.raises(ValueError):
        quote_ident('x"; drop table y; --')


def test_duckdb_settings_in_the_url_reach_every_connection(tmp_path):
    """A small warehouse machine caps DuckDB with ``?memory_limit=..&threads=..`` on CS_PIPELINE_WAREHOUSE_URL."""
    wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}?memory_limit=1GB&threads=1")
    assert wh.duckdb_settings == {"memory_limit": "1GB", "threads": "1"}
    assert wh.duckdb_path == str(tmp_path / "w.duckdb")
    assert wh.scalar("SELECT current_setting('threads')") == 1
    assert wh.scalar("SELECT current_setting('memory_limit')") == "953.6 MiB"  # DuckDB shows 1GB in MiB
    assert Warehouse("postgresql://u@h/db?sslmode=require").duckdb_settings == {}
