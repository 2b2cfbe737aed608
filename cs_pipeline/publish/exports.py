"""The published marts as Parquet files, for BI tools that read files (Power BI's folder connector, Tableau, a
notebook) rather than the warehouse.

``<output_dir>/exports/marts`` is a symbolic link to this run's folder of ``<table>.parquet`` files; it is switched
in one step (``os.replace`` of the link) once every file is written, so a tool reading the folder sees the last
complete export or the new one, never a mix. The previous export's folder is kept until the next export (a reader
still inside it is not cut off); older ones are removed. Rows are sorted, so the same marts give the same files.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from cs_pipeline.lib.warehouse import Warehouse, quote_ident
from cs_pipeline.publish.marts import PUBLISHED_SCHEMA


def export_folder(output_dir: Path) -> Path:
    return Path(output_dir) / "exports" / PUBLISHED_SCHEMA


def _write_table(warehouse: Warehouse, table: str, path: Path) -> int:
    source = f"{quote_ident(PUBLISHED_SCHEMA)}.{quote_ident(table)}"
    columns = warehouse.columns(PUBLISHED_SCHEMA, table)
    order = ", ".join(str(i) for i in range(1, len(columns) + 1))
    if warehouse.dialect == "duckdb":  # DuckDB writes Parquet itself, with its own types
        with warehouse.engine.connect() as conn:
            target = str(path).replace("'", "''")
            conn.connection.driver_connection.execute(
                f"COPY (SELECT * FROM {source} ORDER BY {order}) TO '{target}' (FORMAT parquet)")
        return warehouse.row_count(PUBLISHED_SCHEMA, table)
    frame = warehouse.query_frame(f"SELECT * FROM {source} ORDER BY {order}")
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return len(frame)


def export_marts(warehouse: Warehouse, output_dir: Path, version: str) -> dict[str, int]:
    """Writes every published mart to a new folder, then points exports/marts at it; returns rows by table."""
    link = export_folder(output_dir)
    folder = link.parent / f".{PUBLISHED_SCHEMA}-{version}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    rows = {table: _write_table(warehouse, table, folder / f"{table}.parquet")
            for table in warehouse.tables(PUBLISHED_SCHEMA)}
    previous = link.resolve() if link.is_symlink() else None
    if link.exists() and not link.is_symlink():
        raise FileExistsError(f"{link} is a folder, not the export's link: move it away and export again")
    staged_link = link.parent / f".{PUBLISHED_SCHEMA}-link-{version}"
    staged_link.unlink(missing_ok=True)
    staged_link.symlink_to(folder.name)
    os.replace(staged_link, link)
    for old in link.parent.glob(f".{PUBLISHED_SCHEMA}-*"):  # keep this export and the one before it
        if old.is_dir() and old.resolve() not in (folder.resolve(), previous):
            shutil.rmtree(old)
    return rows
