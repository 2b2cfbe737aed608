"""The same dbt models build the same marts on Apache Spark as on DuckDB (docs/scaling.md).

The hand-built council's DuckDB build (cs_pipeline_tests/marts) gives the staging tables, the calendar and the
linkage tables; they are loaded, as Parquet, into a local SparkSession, and dbt-spark (method session, in this
process) builds the intermediate models and marts over them (selector spark_marts). Every mart must hold the same
rows as DuckDB's.
"""
from __future__ import annotations

import time

import pytest

from cs_pipeline_tests.marts.children import AS_AT
from cs_pipeline_tests.marts.conftest import duckdb_url  # noqa: F401  (a second copy of the marts' build)
from cs_pipeline_tests.marts.helpers import comparable_rows
from cs_pipeline_tests.marts.warehouse_fixture import DBT_PROJECT_DIR, Warehouse, read_table

pytestmark = pytest.mark.slow

# What the Spark build reads and does not build: staging models (refs), the calendar and linkage (sources).
LOADED_SCHEMAS = ("staging", "linkage")


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    from pyspark.sql import SparkSession

    folder = tmp_path_factory.mktemp("spark")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("cs_pipeline_marts")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        # tables of tens of rows: adaptive re-planning only adds stages (the 32 models took 129 s without, 157 s with)
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.warehouse.dir", str(folder / "warehouse"))
        # the catalog lives in this process (no Derby metastore_db in the working directory); dbt-spark's session
        # method asks for Hive support, but getOrCreate hands it this session
        .config("spark.sql.catalogImplementation", "in-memory")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    yield session
    session.stop()


def load_into_spark(spark, duckdb_url: str, folder) -> dict[str, int]:
    """Copy DuckDB's staging and linkage tables into Spark databases of the same names (Parquet keeps the types)."""
    warehouse = Warehouse(duckdb_url)
    loaded = {}
    for schema in LOADED_SCHEMAS:
        spark.sql(f"create database if not exists {schema}")
        for table in warehouse.tables(schema):
            path = folder / schema / f"{table}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            warehouse.execute(f"copy (select * from {schema}.{table}) to '{path}' (format parquet)")
            spark.sql(f"create table {schema}.{table} using parquet location '{path}'")
            loaded[f"{schema}.{table}"] = warehouse.row_count(schema, table)
    return loaded


def run_dbt_on_spark(folder, *args: str):
    """dbt in this process with the profile's spark target, so dbt-spark's session is the fixture's SparkSession."""
    from dbt.cli.main import dbtRunner

    env = {"CS_PIPELINE_DBT_TARGET": "spark", "CS_PIPELINE_AS_AT": AS_AT.isoformat(), "DO_NOT_TRACK": "1"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        return dbtRunner().invoke([
            *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(folder / "target"), "--log-path", str(folder / "logs"),
        ])


@pytest.fixture(scope="module")
def spark_build(spark, duckdb_url, tmp_path_factory):  # noqa: F811
    folder = tmp_path_factory.mktemp("spark_dbt")
    started = time.monotonic()
    loaded = load_into_spark(spark, duckdb_url, folder / "parquet")
    result = run_dbt_on_spark(folder, "run", "--selector", "spark_marts")
    failures = [f"{r.node.name}: {r.message}" for r in (result.result or []) if r.status not in ("success", "pass")]
    if not result.success:
        pytest.fail(f"dbt run on Spark failed: {result.exception}\n" + "\n".join(failures))
    print(f"\nSpark: loaded {len(loaded)} tables and built {len(result.result)} models in "
          f"{time.monotonic() - started:.1f} s")
    return loaded, result


def test_spark_builds_every_mart_with_duckdbs_rows(spark, spark_build, duckdb_url):  # noqa: F811
    loaded, result = spark_build
    assert loaded["staging.dim_calendar"] > 0 and loaded["linkage.health_record_link"] > 0
    built = {r.node.name for r in result.result}
    assert not {name for name in built if name.startswith("stg_")}, "staging is loaded, not rebuilt"
    duck_marts = set(Warehouse(duckdb_url).tables("marts"))
    spark_marts = {row.tableName for row in spark.sql("show tables in marts").collect()}
    assert duck_marts == spark_marts
    assert {"iha_timeliness", "timeliness_monthly", "cla_snapshot", "cp_snapshot", "pep_timeliness"} <= spark_marts
    differing = {}
    for table in sorted(duck_marts):
        duck = read_table(duckdb_url, "marts", table)
        on_spark = spark.table(f"marts.{table}").toPandas()
        assert len(duck) > 0, table
        assert sorted(on_spark.columns) == sorted(duck.columns), table
        spark_rows, duck_rows = comparable_rows(on_spark), comparable_rows(duck)
        if spark_rows != duck_rows:  # every differing mart at once, with a row of each side (ids, codes, dates)
            only_spark, only_duck = set(spark_rows) - set(duck_rows), set(duck_rows) - set(spark_rows)
            differing[table] = (len(spark_rows), len(duck_rows), min(only_spark, key=str, default=None),
                                min(only_duck, key=str, default=None))
    assert not differing, "\n".join(
        f"{table}: {n_spark} rows on Spark, {n_duck} on DuckDB; Spark only {s}; DuckDB only {d}"
        for table, (n_spark, n_duck, s, d) in differing.items())
