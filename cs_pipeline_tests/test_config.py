import datetime as dt

from cs_pipeline.config import Settings, redact_url
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


def test_passwords_never_reach_logs():
    assert "secret" not in redact_url("postgresql://u:secret@db:5433/wh")
