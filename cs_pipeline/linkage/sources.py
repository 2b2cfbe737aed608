"""Read the raw tables linkage needs from the warehouse into an in-memory DuckDB connection.

Rows present in ``quarantine.<table>`` (by ``_row_key``) are left out, as staging does. Each engine's fast path:
a DuckDB warehouse is read over its own connection and streamed across as Arrow record batches (not attached:
the run may already hold the file open in this process, and DuckDB attaches a file once); PostgreSQL is read with
``COPY ... TO STDOUT`` into a temporary CSV that DuckDB reads. Everything arrives as text.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

import duckdb

from cs_pipeline.lib.warehouse import Warehouse, quote_ident

HEALTH_KINDS = ("lac_health_assessments", "immunisations", "dental_checks")
HEALTH_IDENTITY_COLUMNS = (
    "record_id",
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "postcode",
    "la_child_id",
)
HEALTH_LOAD_COLUMNS = ("_row_key", "_file", "_file_date", "_row_number")


@dataclass(frozen=True)
class RawTable:
    """A raw table read into DuckDB as ``local_name`` with exactly ``columns`` (absent ones as NULL)."""

    table: str
    local_name: str
    columns: tuple[str, ...]


SSD_TABLES = (
    RawTable(
        "ssd_person",
        "src_person",
        (
            "_row_key",
            "pers_person_id",
            "pers_forename",
            "pers_surname",
            "pers_sex",
            "pers_dob",
            "pers_common_child_id",
        ),
    ),
    RawTable(
        "ssd_linked_identifiers",
        "src_linked_identifiers",
        (
            "_row_key",
            "link_person_id",
            "link_identifier_type",
            "link_identifier_value",
            "link_valid_from_date",
            "link_valid_to_date",
        ),
    ),
    RawTable(
        "ssd_address",
        "src_address",
        (
            "_row_key",
            "addr_person_id",
            "addr_address_postcode",
            "addr_address_json",
            "addr_address_start_date",
            "addr_address_end_date",
        ),
    ),
)
CARE_TABLE = RawTable(
    "ssd_cla_episodes", "src_cla_episodes", ("_row_key", "clae_person_id", "clae_cla_episode_start_date")
)
HEALTH_TABLES = tuple(
    RawTable(f"health_{kind}", f"src_health_{kind}", HEALTH_LOAD_COLUMNS + HEALTH_IDENTITY_COLUMNS)
    for kind in HEALTH_KINDS
)
ALL_TABLES = SSD_TABLES + (CARE_TABLE,) + HEALTH_TABLES


@dataclass
class LoadReport:
    rows: dict[str, int]
    quarantined_excluded: dict[str, int]
    missing_tables: list[str]


def _select_sql(wh: Warehouse, spec: RawTable) -> tuple[str, bool]:
    """SELECT of the wanted columns from raw (NULL for absent ones), minus quarantined rows."""
    present = set(wh.columns("raw", spec.table))
    cols = ", ".join(
        f"CAST({'t.' + quote_ident(c) if c in present else 'NULL'} AS TEXT) AS {quote_ident(c)}" for c in spec.columns
    )
    source = f"{quote_ident('raw')}.{quote_ident(spec.table)} AS t"
    has_quarantine = wh.table_exists("quarantine", spec.table) and "_row_key" in present
    where = ""
    if has_quarantine:
        q = f"{quote_ident('quarantine')}.{quote_ident(spec.table)}"
        where = f" WHERE NOT EXISTS (SELECT 1 FROM {q} AS q WHERE q._row_key = t._row_key)"
    return f"SELECT {cols} FROM {source}{where}", has_quarantine


def _empty_table(con: duckdb.DuckDBPyConnection, spec: RawTable) -> None:
    cols = ", ".join(f"{quote_ident(c)} TEXT" for c in spec.columns)
    con.execute(f"CREATE OR REPLACE TABLE {quote_ident(spec.local_name)} ({cols})")


def load_raw(wh: Warehouse, con: duckdb.DuckDBPyConnection) -> LoadReport:
    """Copy the raw tables linkage reads into ``con`` (tables ``src_*``). Missing tables load empty."""
    rows: dict[str, int] = {}
    excluded: dict[str, int] = {}
    missing: list[str] = []
    plans: list[tuple[RawTable, str | None, bool]] = []
    for spec in ALL_TABLES:
        if not wh.table_exists("raw", spec.table):
            missing.append(spec.table)
            plans.append((spec, None, False))
            continue
        sql, has_q = _select_sql(wh, spec)
        plans.append((spec, sql, has_q))
        if has_q:
            excluded[spec.table] = int(
                wh.scalar(
                    f"SELECT count(*) FROM raw.{quote_ident(spec.table)} AS t WHERE EXISTS "
                    f"(SELECT 1 FROM quarantine.{quote_ident(spec.table)} AS q WHERE q._row_key = t._row_key)"
                )
            )

    for spec, sql, _ in plans:
        if sql is None:
            _empty_table(con, spec)
        elif wh.dialect == "duckdb":
            _copy_from_duckdb(wh, con, spec, sql)
        else:
            _copy_from_postgres(wh, con, spec, sql)

    for spec in ALL_TABLES:
        rows[spec.table] = con.execute(f"SELECT count(*) FROM {quote_ident(spec.local_name)}").fetchall()[0][0]
    return LoadReport(rows=rows, quarantined_excluded=excluded, missing_tables=missing)


BATCH_ROWS = 100_000


def _copy_from_duckdb(wh: Warehouse, con: duckdb.DuckDBPyConnection, spec: RawTable, sql: str) -> None:
    with wh.engine.connect() as conn:
        batches = conn.connection.driver_connection.sql(sql).to_arrow_reader(BATCH_ROWS)
        # DuckDB finds `batches` by name (a replacement scan) and reads it batch by batch
        con.execute(f"CREATE OR REPLACE TABLE {quote_ident(spec.local_name)} AS SELECT * FROM batches")


def _copy_from_postgres(wh: Warehouse, con: duckdb.DuckDBPyConnection, spec: RawTable, sql: str) -> None:
    fd, path = tempfile.mkstemp(prefix="cs_linkage_", suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out, wh.engine.connect() as conn:
            driver = conn.connection.driver_connection
            with driver.cursor() as cur:
                cur.copy_expert(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)", out)
        types = ", ".join(f"'{c}': 'VARCHAR'" for c in spec.columns)
        con.execute(
            f"CREATE OR REPLACE TABLE {quote_ident(spec.local_name)} AS SELECT * FROM read_csv('{path}', header = true, "
            f"columns = {{{types}}}, quote = '\"', escape = '\"', allow_quoted_nulls = false)"
        )
    finally:
        os.unlink(path)
