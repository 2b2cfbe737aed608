"""staging/dim_calendar on DuckDB and PostgreSQL: columns, range, and SQL index arithmetic = lib.working_days."""
from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest

from cs_pipeline.defs.sources.calendar import dim_calendar
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.lib.working_days import add_working_days, working_days_between
from cs_pipeline_tests.conftest import fresh_postgres_database
from cs_pipeline_tests.lib.test_working_days import WORKED_EXAMPLES

D = dt.date

DUE_SQL = """
SELECT min(due.calendar_date) AS due_date
FROM staging.dim_calendar AS start_day
JOIN staging.dim_calendar AS due
  ON due.working_day_index = start_day.working_day_index + :n AND due.is_working_day
WHERE start_day.calendar_date = :d
"""
BETWEEN_SQL = """
SELECT d2.working_day_index - d1.working_day_index AS n
FROM staging.dim_calendar AS d1, staging.dim_calendar AS d2
WHERE d1.calendar_date = :d1 AND d2.calendar_date = :d2
"""


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def calendar_warehouse(request, tmp_path_factory):
    from cs_pipeline_tests.sources.conftest import pipeline_settings

    tmp = tmp_path_factory.mktemp("calendar")
    if request.param == "duckdb":
        url = f"duckdb:///{tmp / 'warehouse.duckdb'}"
    else:
        url = fresh_postgres_database("cs_extract_test_calendar")
    settings = pipeline_settings("sqlite://", url, tmp, tmp / "out")
    result = dg.materialize([dim_calendar], resources={"pipeline": settings})
    assert result.success
    meta = result.get_asset_materialization_events()[0].step_materialization_data.materialization.metadata
    return Warehouse(url), meta


def test_columns_types_and_range(calendar_warehouse):
    wh, meta = calendar_warehouse
    cols = wh.query_frame(
        "SELECT column_name, upper(data_type) AS t FROM information_schema.columns "
        "WHERE table_schema = 'staging' AND table_name = 'dim_calendar' ORDER BY ordinal_position"
    )
    assert cols["column_name"].tolist() == [
        "calendar_date", "is_working_day", "working_day_index", "bank_holiday_name", "year", "month",
        "month_start", "iso_dow",
    ]
    t = dict(zip(cols["column_name"], cols["t"]))
    assert t["calendar_date"] == t["month_start"] == "DATE" and t["is_working_day"] == "BOOLEAN"
    assert t["working_day_index"] == "INTEGER" and t["bank_holiday_name"] in ("TEXT", "VARCHAR")
    span = wh.query_frame(
        "SELECT min(calendar_date) AS lo, max(calendar_date) AS hi, count(*) AS n FROM staging.dim_calendar"
    )
    assert str(span["lo"][0])[:10] == "1990-01-01" and str(span["hi"][0])[:10] == "2029-12-31"  # as-at 2026 + 3 years
    assert span["n"][0] == meta["row_count"].value == (D(2029, 12, 31) - D(1990, 1, 1)).days + 1
    assert wh.tables("staging") == ["dim_calendar"]
    row = wh.query_frame(
        "SELECT is_working_day, bank_holiday_name, iso_dow, month_start FROM staging.dim_calendar "
        "WHERE calendar_date = DATE '2022-09-19'"
    ).iloc[0]
    assert not row["is_working_day"] and "State Funeral" in row["bank_holiday_name"] and row["iso_dow"] == 1
    assert str(row["month_start"])[:10] == "2022-09-01"


@pytest.mark.parametrize(
    "start,n,due",
    WORKED_EXAMPLES + [(D(2022, 9, 16), 1, D(2022, 9, 20)), (D(2023, 5, 5), 1, D(2023, 5, 9))],
)
def test_sql_index_arithmetic_matches_the_python_calendar(calendar_warehouse, start, n, due):
    wh, _ = calendar_warehouse
    assert add_working_days(start, n) == due
    assert str(wh.scalar(DUE_SQL, n=n, d=start))[:10] == due.isoformat()
    assert wh.scalar(BETWEEN_SQL, d1=start, d2=due) == working_days_between(start, due) == n


def test_rematerialising_replaces_the_table(calendar_warehouse, tmp_path):
    from cs_pipeline_tests.sources.conftest import pipeline_settings

    wh, meta = calendar_warehouse
    settings = pipeline_settings("sqlite://", wh.url, tmp_path, tmp_path / "out")
    assert dg.materialize([dim_calendar], resources={"pipeline": settings}).success
    assert wh.row_count("staging", "dim_calendar") == meta["row_count"].value
