"""The run's dates (as-at, collection year, Annex A's window) reach dbt as environment read while dbt executes: a new
day must keep dbt's partial parse (a whole parse costs 4 to 5 s every night) and still build with the new dates."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest

from cs_pipeline.config import Settings
from cs_pipeline_tests.marts.children import build_council
from cs_pipeline_tests.marts.warehouse_fixture import dbt_work_folder, load_warehouse, run_dbt

MODELS = {"cla_snapshot": "marts", "cin_assessments": "returns", "annex_a_list_1": "returns/annex_a"}
WORK = "run_dates"


def _compiled(model: str) -> str:
    return (dbt_work_folder("duckdb", WORK) / "target" / "compiled" / "cs_pipeline" / "models" / MODELS[model]
            / f"{model}.sql").read_text()


def _compile(url: str, as_at: dt.date, *extra: str):
    result = run_dbt(url, as_at, "compile", "--select", *MODELS, *extra, work=WORK)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return result


@pytest.fixture(scope="module")
def warehouse_url(tmp_path_factory) -> str:
    url = f"duckdb:///{tmp_path_factory.mktemp('run_dates') / 'warehouse.duckdb'}"
    council = build_council()
    load_warehouse(url, council.tables, council.links)
    shutil.rmtree(dbt_work_folder("duckdb", WORK), ignore_errors=True)   # the first compile parses from nothing
    return url


def test_a_new_day_keeps_the_parse_and_builds_with_its_own_dates(warehouse_url):
    first, next_year = dt.date(2026, 3, 31), dt.date(2027, 4, 1)
    _compile(warehouse_url, first)
    assert "cast('2026-03-31' as date)" in _compiled("cla_snapshot")

    result = _compile(warehouse_url, next_year)
    assert "Unable to do partial parsing" not in result.stdout, result.stdout[-2000:]
    settings = Settings.from_env({"CS_PIPELINE_AS_AT": next_year.isoformat()})
    start, end = settings.annex_a_window
    assert str(settings.collection_year) == "2026-27"
    assert "cast('2027-04-01' as date)" in _compiled("cla_snapshot")
    assert "cast('2026-03-31' as date)" not in _compiled("cla_snapshot")
    assert f"cast('{settings.collection_year}' as" in _compiled("cin_assessments")
    annex = _compiled("annex_a_list_1")
    assert f"cast('{start.isoformat()}' as date)" in annex and f"cast('{end.isoformat()}' as date)" in annex


def test_a_var_on_the_command_line_still_wins(warehouse_url):
    _compile(warehouse_url, dt.date(2026, 3, 31), "--vars", '{"collection_year": "2023-24", "as_at": "2024-01-15"}')
    assert "cast('2023-24' as" in _compiled("cin_assessments")
    assert "cast('2024-01-15' as date)" in _compiled("cla_snapshot")
