"""Build a small warehouse for the timeliness marts and run the real dbt project over it.

The fixture writes what the earlier stages would have written: `raw.*` (every SSD / health contract column as TEXT,
plus load metadata), `raw.ssd_table_log` (through the extraction's own `record_table_load`), empty `quarantine.*`
tables, `staging.dim_calendar` and `linkage.*`. Then `dbt build` runs as a subprocess with the environment
`cs_pipeline.lib.dbt_env.dbt_env` gives, exactly as the Dagster asset runs it.
"""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from cs_pipeline.config import PROJECT_ROOT, Settings
from cs_pipeline.lib.dbt_env import dbt_env
from cs_pipeline.lib.extract import record_table_load
from cs_pipeline.lib.health_files import HEALTH_KINDS
from cs_pipeline.lib.ssd_schema import ssd_tables
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.lib.working_days import CALENDAR_COLUMN_TYPES, calendar_frame

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_style_sql"

# The health contract columns, as the extraction library defines them.
HEALTH_COLUMNS = {kind.table: list(kind.columns) for kind in HEALTH_KINDS.values()}
SSD_META = ["_row_key", "_source", "_extracted_at", "_load_id"]
HEALTH_META = ["_row_key", "_file", "_file_date", "_row_number", "_extracted_at", "_load_id"]
QUARANTINE_META = ["_row_key", "rule_id", "message", "run_id", "quarantined_at"]
LINK_COLUMNS = {
    "child_link": ["person_id", "nhs_number", "method", "match_probability", "model_version"],
    "health_record_link": ["file_kind", "record_id", "health_patient_key", "person_id"],
}


def raw_columns() -> dict[str, list[str]]:
    """Raw table name -> its contract columns (without load metadata)."""
    cols = {name: [c.name for c in columns] for name, columns in ssd_tables().items()}
    cols.update(HEALTH_COLUMNS)
    return cols


def _text_frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], columns=columns)
    return frame.astype(object).where(frame.notna(), None)


def load_warehouse(
    url: str,
    tables: dict[str, list[dict]],
    links: dict[str, list[dict]] | None = None,
    calendar: tuple[dt.date, dt.date] = (dt.date(2015, 1, 1), dt.date(2030, 12, 31)),
    not_supplied: Iterable[str] = (),
    unlogged: Iterable[str] = (),
) -> None:
    """Write raw.* (rows given per table; every other table empty), quarantine.*, staging.dim_calendar, linkage.*.

    Every SSD table gets a raw.ssd_table_log row, supplied = true, except: tables in not_supplied are loaded empty
    and logged supplied = false (as extraction does when the source lacks an optional table); tables in unlogged
    are loaded empty with no log row (which the marts must also read as not supplied).
    """
    wh = Warehouse(url)
    extracted = "2026-04-01T02:00:00"
    unlogged = set(unlogged)
    missing = set(not_supplied) | unlogged
    unknown_tables = missing - set(ssd_tables())
    if unknown_tables:
        raise ValueError(f"not SSD tables: {sorted(unknown_tables)}")
    if wh.table_exists("raw", "ssd_table_log"):  # a reload starts a fresh log, so unlogged means no row
        wh.execute("DROP TABLE raw.ssd_table_log")
    for table, columns in raw_columns().items():
        is_health = table.startswith("health_")
        meta = HEALTH_META if is_health else SSD_META
        rows = []
        given = [] if table in missing else tables.get(table, [])
        for number, row in enumerate(given, start=1):
            row = {k: (None if v is None else str(v)) for k, v in row.items()}
            if is_health:
                row.setdefault("_file", f"{table.removeprefix('health_')}_20260401.csv")
                row.setdefault("_file_date", "2026-04-01")
                row.setdefault("_row_number", str(number))
                row.setdefault("_row_key", f"{row['_file']}#{number}")
            else:
                row.setdefault("_row_key", str(number))
                row.setdefault("_source", "fixture")
            row.setdefault("_extracted_at", extracted)
            row.setdefault("_load_id", "fixture")
            rows.append(row)
        unknown = {k for r in tables.get(table, []) for k in r} - set(columns) - set(meta)
        if unknown:
            raise ValueError(f"{table}: unknown columns {sorted(unknown)}")
        all_columns = columns + meta
        wh.replace_table("raw", table, [_text_frame(rows, all_columns)], {c: "TEXT" for c in all_columns})
        q_columns = QUARANTINE_META + columns
        wh.replace_table("quarantine", table, [_text_frame([], q_columns)], {c: "TEXT" for c in q_columns})
        if not is_health and table not in unlogged:
            record_table_load(wh, table, supplied=table not in missing, rows=len(rows), load_id="fixture")
    wh.replace_table("staging", "dim_calendar", [calendar_frame(*calendar)], CALENDAR_COLUMN_TYPES)
    links = links or {}
    for table, columns in LINK_COLUMNS.items():
        wh.replace_table("linkage", table, [_text_frame(links.get(table, []), columns)], {c: "TEXT" for c in columns})


def dbt_work_folder(target: str, work: str) -> Path:
    """Where run_dbt keeps compiled state and logs (target/, logs/): outside the project, one folder per engine
    (dbt target), xdist worker and warehouse, so builds never share them."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "single")
    return Path(tempfile.gettempdir()) / "cs_pipeline_marts_dbt" / target / worker / work


def run_dbt(url: str, as_at: dt.date, *args: str, work: str = "main") -> subprocess.CompletedProcess:
    """`dbt build` (or the given command) against the warehouse at url, as the pipeline runs it.

    work names the folder of compiled state and logs: one per warehouse built in the same session.
    """
    settings = Settings.from_env({"CS_PIPELINE_WAREHOUSE_URL": url, "CS_PIPELINE_AS_AT": as_at.isoformat()})
    env = {**os.environ, **dbt_env(settings)}
    dbt = Path(sys.executable).parent / "dbt"
    command = [str(dbt) if dbt.exists() else "dbt", *(args or ("build",)), "--profiles-dir", "."]
    folder = dbt_work_folder(env["CS_PIPELINE_DBT_TARGET"], work)
    command += ["--target-path", str(folder / "target"), "--log-path", str(folder / "logs")]
    return subprocess.run(command, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)


def read_table(url: str, schema: str, table: str, order_by: str | None = None) -> pd.DataFrame:
    wh = Warehouse(url)
    sql = f'select * from "{schema}"."{table}"' + (f" order by {order_by}" if order_by else "")
    return wh.query_frame(sql)


