import datetime as dt
import json
import re

import pytest

from cs_pipeline.config import Settings, redact_url
from cs_pipeline.defs.resources import PipelineSettings
from cs_pipeline.defs.transform.dbt import dbt_build_args
from cs_pipeline.lib.dbt_env import dbt_env


def test_defaults_point_at_the_demo_under_the_data_dir(tmp_path):
    s = Settings.from_env({"CS_PIPELINE_DATA_DIR": str(tmp_path), "CS_PIPELINE_AS_AT": "2026-03-31"})
    assert s.cms_url == f"sqlite:///{tmp_path}/demo/ssd.sqlite"
    assert s.warehouse_url == f"duckdb:///{tmp_path}/warehouse.duckdb"
    assert s.health_dir == tmp_path / "demo" / "health"
    assert s.as_at == dt.date(2026, 3, 31)
    assert s.la_code == "211"


def test_every_contract_variable_is_honoured():
    s = Settings.from_env(
        {
            "CS_PIPELINE_CMS_URL": "mssql+pyodbc://u:p@cms/ssd",
            "CS_PIPELINE_HEALTH_DIR": "/drops",
            "CS_PIPELINE_WAREHOUSE_URL": "postgresql://u:secret@db:5433/wh",
            "CS_PIPELINE_OUTPUT_DIR": "/out",
            "CS_PIPELINE_LA_CODE": "318",
        }
    )
    assert (s.cms_url, str(s.health_dir), str(s.output_dir), s.la_code) == (
        "mssql+pyodbc://u:p@cms/ssd", "/drops", "/out", "318")
    assert s.as_at == dt.date.today()
    env = dbt_env(s)
    assert env["CS_PIPELINE_DBT_TARGET"] == "postgres"
    assert (env["CS_PIPELINE_PG_HOST"], env["CS_PIPELINE_PG_PORT"], env["CS_PIPELINE_PG_DBNAME"]) == ("db", "5433", "wh")


def test_a_postgres_url_without_user_gives_dbt_libpqs_defaults(monkeypatch):
    """dbt must connect as the role our own connections use, or the tables it builds have another owner."""
    monkeypatch.setenv("PGUSER", "cs_pipeline_owner")
    monkeypatch.delenv("PGDATABASE", raising=False)
    env = dbt_env(Settings.from_env({"CS_PIPELINE_WAREHOUSE_URL": "postgresql://127.0.0.1"}))
    assert (env["CS_PIPELINE_PG_USER"], env["CS_PIPELINE_PG_DBNAME"]) == ("cs_pipeline_owner", "cs_pipeline_owner")


def test_duckdb_settings_in_the_warehouse_url_are_passed_to_dbt():
    tuned = dbt_env(Settings.from_env({"CS_PIPELINE_WAREHOUSE_URL": "duckdb:////data/w.duckdb?memory_limit=6GB&threads=1"}))
    assert (tuned["CS_PIPELINE_DUCKDB_PATH"], tuned["CS_PIPELINE_DUCKDB_MEMORY_LIMIT"],
            tuned["CS_PIPELINE_DUCKDB_THREADS"]) == ("/data/w.duckdb", "6GB", "1")
    default = dbt_env(Settings.from_env({"CS_PIPELINE_WAREHOUSE_URL": "duckdb:////data/w.duckdb"}))
    assert default["CS_PIPELINE_DUCKDB_MEMORY_LIMIT"] == "80%"  # DuckDB's own default, spelt out
    assert int(default["CS_PIPELINE_DUCKDB_THREADS"]) >= 1


def test_passwords_never_reach_logs():
    assert "secret" not in redact_url("postgresql://u:secret@db:5433/wh")


def test_local_standards_are_validated_and_passed_to_dbt_as_vars():
    s = Settings.from_env(
        {"CS_PIPELINE_LOCAL_STANDARDS": '{"cp_visit_working_days": 15, "pep_terms": ["09-04", "01-06", "04-22"]}'}
    )
    assert s.local_standards == {"cp_visit_working_days": 15, "pep_terms": ["09-04", "01-06", "04-22"]}
    resource = PipelineSettings.from_settings(s)
    assert resource.settings().local_standards == s.local_standards  # survives the Dagster resource round trip
    args = dbt_build_args(s, {"stg_ssd__person": ["raw/ssd_person:source_readable"]})
    assert args[:2] == ["build", "--vars"]
    assert json.loads(args[2]) == {**s.local_standards, "marts_schema": "marts_build"}
    assert args[3:] == ["--exclude", "stg_ssd__person+"]


def test_the_run_dates_reach_dbt_as_environment_not_vars():
    """A new day must not change dbt's vars (that would make dbt parse the whole project again each night)."""
    day_one = Settings.from_env({"CS_PIPELINE_AS_AT": "2026-05-01"})
    day_two = Settings.from_env({"CS_PIPELINE_AS_AT": "2026-05-02"})
    assert dbt_build_args(day_one, {}) == dbt_build_args(day_two, {}) == [
        "build", "--vars", '{"marts_schema": "marts_build"}']
    env = dbt_env(day_one)
    assert (env["CS_PIPELINE_AS_AT"], env["CS_PIPELINE_DBT_COLLECTION_YEAR"], env["CS_PIPELINE_DBT_ANNEX_A_START"],
            env["CS_PIPELINE_DBT_ANNEX_A_END"]) == ("2026-05-01", "2025-26", "2025-11-02", "2026-05-01")
    assert dbt_env(day_two)["CS_PIPELINE_DBT_ANNEX_A_START"] == "2025-11-03"


@pytest.mark.parametrize(
    "as_at,start,end,expected",
    [
        ("2026-09-30", "", "", ("2026-03-31", "2026-09-30")),   # six months: 31 March to 30 September
        ("2026-03-31", "", "", ("2025-10-01", "2026-03-31")),
        ("2026-08-31", "", "", ("2026-03-01", "2026-08-31")),   # 31 Feb does not exist: the window starts 1 March
        ("2026-09-30", "2026-01-01", "2026-06-30", ("2026-01-01", "2026-06-30")),   # a chosen window
        ("2026-09-30", "", "2026-06-30", ("2025-12-31", "2026-06-30")),
    ],
)
def test_annex_a_window(as_at, start, end, expected):
    s = Settings.from_env({"CS_PIPELINE_AS_AT": as_at, "CS_PIPELINE_ANNEX_A_START": start,
                           "CS_PIPELINE_ANNEX_A_END": end})
    assert tuple(d.isoformat() for d in s.annex_a_window) == expected
    assert PipelineSettings.from_settings(s).settings().annex_a_window == s.annex_a_window


def test_an_annex_a_window_that_ends_before_it_starts_is_refused():
    s = Settings.from_env({"CS_PIPELINE_AS_AT": "2026-09-30", "CS_PIPELINE_ANNEX_A_START": "2026-10-01"})
    with pytest.raises(ValueError, match="CS_PIPELINE_ANNEX_A_START"):
        s.annex_a_window


@pytest.mark.parametrize(
    "as_at,env_year,expected",
    [
        ("2026-03-30", "", "2024-25"),  # 2025-26 has not ended yet
        ("2026-03-31", "", "2025-26"),  # it ends that day
        ("2026-12-02", "", "2025-26"),
        ("2026-12-02", "2023-24", "2023-24"),  # CS_PIPELINE_COLLECTION_YEAR picks a past year
    ],
)
def test_collection_year_defaults_to_the_latest_year_ended_by_the_as_at_date(as_at, env_year, expected):
    s = Settings.from_env({"CS_PIPELINE_AS_AT": as_at, "CS_PIPELINE_COLLECTION_YEAR": env_year})
    assert str(s.collection_year) == expected
    assert str(PipelineSettings.from_settings(s).settings().collection_year) == expected


def test_a_malformed_collection_year_is_refused_by_name():
    with pytest.raises(ValueError, match="not a collection year: '2025-27'"):
        Settings.from_env({"CS_PIPELINE_COLLECTION_YEAR": "2025-27"}).collection_year


@pytest.mark.parametrize(
    "text,message",
    [
        ('{"cp_visit_days": 15}', "unknown setting(s) cp_visit_days"),
        ('{"cp_visit_working_days": "15"}', "cp_visit_working_days has the wrong type"),
        ('{"pep_min_age": true}', "pep_min_age has the wrong type"),
        ("[15]", "must be a JSON object"),
        ("cp_visit_working_days=15", "is not JSON"),
    ],
)
def test_a_mistyped_local_standard_is_refused_by_name(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Settings.from_env({"CS_PIPELINE_LOCAL_STANDARDS": text})


def test_every_local_standard_is_a_dbt_var_with_a_default():
    """The names CS_PIPELINE_LOCAL_STANDARDS accepts are the dbt project's vars, so a setting can never be ignored."""
    import yaml

    from cs_pipeline.config import LOCAL_STANDARDS, PROJECT_ROOT

    project = yaml.safe_load((PROJECT_ROOT / "dbt_style_sql" / "dbt_project.yml").read_text())
    assert set(LOCAL_STANDARDS) <= set(project["vars"])
