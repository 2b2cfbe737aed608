"""Fixtures: the hand-built council loaded into a fresh DuckDB file and a fresh PostgreSQL database, with the real
dbt project built over each once per session."""
from __future__ import annotations


import pytest

from cs_pipeline_tests.marts.children import AS_AT, build_council
from cs_pipeline_tests.conftest import fresh_postgres_database
from cs_pipeline_tests.marts.warehouse_fixture import load_warehouse, read_table, run_dbt

PG_TEST_DB = "cs_marts_test"


def _build(url: str) -> str:
    council = build_council()
    load_warehouse(url, council.tables, council.links)
    result = run_dbt(url, AS_AT, "build")
    if result.returncode != 0:
        pytest.fail(f"dbt build failed on {url.split(':')[0]}:\n{result.stdout[-8000:]}\n{result.stderr[-2000:]}")
    return url


@pytest.fixture(scope="session")
def duckdb_url(tmp_path_factory) -> str:
    return _build(f"duckdb:///{tmp_path_factory.mktemp('marts') / 'warehouse.duckdb'}")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return _build(fresh_postgres_database(PG_TEST_DB))


@pytest.fixture(scope="session")
def mart(duckdb_url):
    """mart('iha_timeliness') -> its rows (DuckDB build) as a DataFrame."""
    cache: dict[str, object] = {}

    def read(name: str):
        if name not in cache:
            cache[name] = read_table(duckdb_url, "marts", name)
        return cache[name]

    return read
