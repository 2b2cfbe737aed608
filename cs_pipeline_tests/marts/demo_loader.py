"""Load a synthetic council (cs_pipeline.synthetic) into a DuckDB warehouse for the marts, without Dagster.

A stand-in for the pipeline's own stages until the lead wires the full run into these tests and the benchmark:
- raw: the extraction stage's library (`extract_ssd_table`, `ingest_health_folder`);
- staging.dim_calendar: `cs_pipeline.lib.working_days.calendar_frame`;
- quarantine: a minimal rule set that keeps staging buildable (dates that do not parse, later duplicate keys);
- linkage.health_record_link: the generator's ground truth (a perfect linkage), not the linkage stage.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pandas as pd

from cs_pipeline.lib.extract import extract_ssd_table
from cs_pipeline.lib.health_files import ingest_health_folder
from cs_pipeline.lib.ssd_schema import key_column, ssd_tables
from cs_pipeline.lib.warehouse import Warehouse, quote_ident
from cs_pipeline.lib.working_days import CALENDAR_COLUMN_TYPES, CALENDAR_START, calendar_end, calendar_frame

HEALTH_KINDS = ("lac_health_assessments", "immunisations", "dental_checks")
HEALTH_DATE_COLUMNS = {
    "health_lac_health_assessments": ["date_of_birth", "request_received_date", "appointment_date",
                                      "assessment_date", "report_sent_date"],
    "health_immunisations": ["date_of_birth", "status_date"],
    "health_dental_checks": ["date_of_birth", "check_date"],
}


def generate_council(out_dir: Path, scale: float, seed: int = 7) -> dict:
    """Generate once per (out_dir): reuse the files if the manifest is already there."""
    manifest = out_dir / "ground_truth" / "manifest.json"
    if not manifest.exists():
        from cs_pipeline.synthetic import generate

        generate(out_dir, scale=scale, seed=seed)
    return json.loads(manifest.read_text())


def _quarantine_minimal(wh: Warehouse) -> None:
    """Empty quarantine.<table> for every raw table, then the rows staging cannot type or would duplicate."""
    tables: dict[str, tuple[list[str], list[str], str | None]] = {}
    for table, columns in ssd_tables().items():
        dates = [c.name for c in columns if c.ssd_type == "datetime"]
        numbers = [c.name for c in columns if c.ssd_type in ("int", "float")]
        tables[table] = (dates, numbers, key_column(table))
    for table, dates in HEALTH_DATE_COLUMNS.items():
        tables[table] = (dates, [], None)
    for table, (dates, numbers, key) in tables.items():
        raw = f"raw.{quote_ident(table)}"
        q = f"quarantine.{quote_ident(table)}"
        wh.execute("CREATE SCHEMA IF NOT EXISTS quarantine")
        wh.execute(f"DROP TABLE IF EXISTS {q}")
        wh.execute(
            f"CREATE TABLE {q} AS SELECT _row_key, cast(null as text) AS rule_id, cast(null as text) AS message, "
            f"'demo' AS run_id, cast(null as text) AS quarantined_at, * EXCLUDE (_row_key) FROM {raw} WHERE false"
        )
        bad = [f"(nullif(trim({quote_ident(c)}), '') IS NOT NULL AND try_cast(trim({quote_ident(c)}) AS timestamp) "
               f"IS NULL)" for c in dates]
        bad += [f"(nullif(trim({quote_ident(c)}), '') IS NOT NULL AND try_cast(trim({quote_ident(c)}) AS double) "
                f"IS NULL)" for c in numbers]
        if bad:
            wh.execute(
                f"INSERT INTO {q} SELECT _row_key, 'value_typed', 'unreadable value', 'demo', null, "
                f"* EXCLUDE (_row_key) FROM {raw} WHERE {' OR '.join(bad)}"
            )
        if key:
            wh.execute(
                f"INSERT INTO {q} SELECT _row_key, 'key_unique', 'duplicate key', 'demo', null, "
                f"* EXCLUDE (_row_key, _dup) FROM (SELECT *, row_number() OVER (PARTITION BY {quote_ident(key)} "
                f"ORDER BY _row_key) AS _dup FROM {raw}) WHERE _dup > 1"
            )


def load_council(out_dir: Path, warehouse_url: str) -> dict:
    """Fill raw, quarantine, staging.dim_calendar and linkage from a generated council; return its manifest."""
    manifest = json.loads((out_dir / "ground_truth" / "manifest.json").read_text())
    as_at = dt.date.fromisoformat(manifest["as_at"])
    wh = Warehouse(warehouse_url)
    cms_url = f"sqlite:///{out_dir / 'ssd.sqlite'}"
    for table in ssd_tables():
        extract_ssd_table(cms_url, wh, table, load_id="demo")
    for kind in HEALTH_KINDS:
        ingest_health_folder(wh, out_dir / "health", kind, load_id="demo")
    wh.replace_table("staging", "dim_calendar", [calendar_frame(CALENDAR_START, calendar_end(as_at))],
                     CALENDAR_COLUMN_TYPES)
    _quarantine_minimal(wh)
    with open(out_dir / "ground_truth" / "health_record_truth.csv", encoding="utf-8") as f:
        truth = [r for r in csv.DictReader(f)]
    link = pd.DataFrame(
        {
            "file_kind": [r["file_kind"] for r in truth],
            "record_id": [r["record_id"] for r in truth],
            "health_patient_key": [r["record_id"] for r in truth],
            "person_id": [r["person_id"] or None for r in truth],
        }
    )
    wh.replace_table("linkage", "health_record_link", [link], {c: "TEXT" for c in link.columns})
    child = pd.DataFrame(columns=["person_id", "nhs_number", "method", "match_probability", "model_version"])
    wh.replace_table("linkage", "child_link", [child], {c: "TEXT" for c in child.columns})
    return manifest
