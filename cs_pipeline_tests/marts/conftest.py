"""Fixtures: the hand-built council loaded into a fresh DuckDB file and a fresh PostgreSQL database, with the real
dbt project built over each once per session; and a second DuckDB build of the same council whose source lacks the
optional extension tables (core groups, PEPs)."""
from __future__ import annotations


import pytest

from cs_pipeline_tests.marts.children import AS_AT, build_council
from cs_pipeline_tests.conftest import fresh_postgres_database
from cs_pipeline_tests.marts.warehouse_fixture import load_warehouse, read_table, run_dbt

PG_TEST_DB = "cs_marts_test"


def _build(url: str, work: str = "main", **load) -> str:
    council = build_council()
    load_warehouse(url, council.tables, council.links, **load)
    result = run_dbt(url, AS_AT, "build", work=work)
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
def extensions_missing_url(tmp_path_factory) -> str:
    """The council's source has neither extension table: ssd_cla_pep is logged not supplied, ssd_cp_core_groups has
    no log row at all (both must read as not supplied)."""
    return _build(f"duckdb:///{tmp_path_factory.mktemp('marts_missing') / 'warehouse.duckdb'}", work="missing",
                  not_supplied={"ssd_cla_pep"}, unlogged={"ssd_cp_core_groups"})


@pytest.fixture(scope="session")
def mart(duckdb_url):
    """mart('iha_timeliness') -> its rows (DuckDB build) as a DataFrame."""
    cache: dict[str, object] = {}

    def read(name: str):
        if name not in cache:
            cache[name] = read_table(duckdb_url, "marts", name)
        return cache[name]

    return read
