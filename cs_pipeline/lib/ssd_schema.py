"""The SSD tables and columns the pipeline reads (contracts/ssd_source_tables.csv), as the package ships them."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class SsdColumn:
    table: str
    name: str
    ssd_type: str  # nvarchar, nchar, datetime, int, float
    is_key: bool
    references: str  # "table.column" or ""


@lru_cache(maxsize=1)
def ssd_columns() -> tuple[SsdColumn, ...]:
    text = resources.files("cs_pipeline.reference").joinpath("ssd_tables.csv").read_text(encoding="utf-8")
    return tuple(
        SsdColumn(r["table"], r["column"], r["ssd_type"], r["is_key"] == "Y", r["references"])
        for r in csv.DictReader(text.splitlines())
    )


def ssd_tables() -> dict[str, list[SsdColumn]]:
    """Table name -> its columns, in contract order."""
    tables: dict[str, list[SsdColumn]] = {}
    for col in ssd_columns():
        tables.setdefault(col.table, []).append(col)
    return tables


def key_column(table: str) -> str | None:
    """The table's own id column (first key column), or None where the SSD names none."""
    keys = [c.name for c in ssd_tables()[table] if c.is_key]
    return keys[0] if keys else None
