"""Environment for the dbt subprocess: which profile target, and how to reach the warehouse."""
from __future__ import annotations

import getpass
import os

from sqlalchemy.engine import make_url

from cs_pipeline.config import Settings
from cs_pipeline.lib.warehouse import duckdb_settings


def dbt_env(settings: Settings) -> dict[str, str]:
    url = make_url(settings.warehouse_url)
    start, end = settings.annex_a_window
    env = {
        # the run's dates reach dbt as environment, not --vars, so a new day keeps dbt's partial parse
        # (dbt_style_sql/macros/run_dates.sql reads them only while dbt executes)
        "CS_PIPELINE_AS_AT": settings.as_at.isoformat(),
        "CS_PIPELINE_DBT_COLLECTION_YEAR": str(settings.collection_year),
        "CS_PIPELINE_DBT_ANNEX_A_START": start.isoformat(),
        "CS_PIPELINE_DBT_ANNEX_A_END": end.isoformat(),
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    if url.drivername.startswith("duckdb"):
        # the profile sets both, so DuckDB's own defaults (80% of RAM, every core) are spelt out here
        tuning = duckdb_settings(settings.warehouse_url)
        env |= {
            "CS_PIPELINE_DBT_TARGET": "duckdb",
            "CS_PIPELINE_DUCKDB_PATH": str(url.database),
            "CS_PIPELINE_DUCKDB_MEMORY_LIMIT": tuning.get("memory_limit", "80%"),
            "CS_PIPELINE_DUCKDB_THREADS": tuning.get("threads", str(os.cpu_count() or 1)),
        }
    else:
        # a URL without a user or database means libpq's defaults (as for our own connections): PGUSER or the login
        # name, and a database of the user's name; dbt must own what the pipeline's own connections own
        user = url.username or os.environ.get("PGUSER") or getpass.getuser()
        env |= {
            "CS_PIPELINE_DBT_TARGET": "postgres",
            "CS_PIPELINE_PG_HOST": url.host or "127.0.0.1",
            "CS_PIPELINE_PG_PORT": str(url.port or 5432),
            "CS_PIPELINE_PG_USER": user,
            "CS_PIPELINE_PG_PASSWORD": url.password or "",
            "CS_PIPELINE_PG_DBNAME": url.database or os.environ.get("PGDATABASE") or user,
        }
    return env


def manifest_is_stale(project_dir) -> bool:
    """True when target/manifest.json is missing or older than any model, macro, test or project file."""
    from pathlib import Path

    project = Path(project_dir)
    manifest = project / "target" / "manifest.json"
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [project / "dbt_project.yml", project / "profiles.yml"]
    for folder in ("models", "macros", "tests"):
        sources += [p for p in (project / folder).rglob("*") if p.is_file()]
    return any(p.stat().st_mtime > built for p in sources if p.exists())


def prepare_manifest(project_dir, *, force: bool = False) -> None:
    """Parse the dbt project so an up-to-date target/manifest.json exists before Dagster loads the dbt assets."""
    if not force and not manifest_is_stale(project_dir):
        return
    import os

    from dbt.cli.main import dbtRunner

    os.environ.setdefault("DO_NOT_TRACK", "1")
    cwd = os.getcwd()
    try:
        os.chdir(project_dir)
        result = dbtRunner().invoke(["parse", "--quiet", "--profiles-dir", "."])
    finally:
        os.chdir(cwd)
    if not result.success:
        raise RuntimeError(f"dbt parse failed for {project_dir}: {result.exception}")
