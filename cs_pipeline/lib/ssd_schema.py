"""The SSD tables and columns the pipeline reads, as the package ships them.

``ssd_tables.csv`` is the 35-table contract (contracts/ssd_source_tables.csv). ``ssd_extension_tables.csv`` adds
tables the SSD specification does not have but statutory clocks need (first core group, PEP). They are optional:
a council whose extract lacks one still runs, and the measures built on it say ``source_not_supplied``.
"""
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


def _read(file_name: str) -> tuple[SsdColumn, ...]:
    text = resources.files("cs_pipeline.reference").joinpath(file_name).read_text(encoding="utf-8")
    return tuple(
        SsdColumn(r["table"], r["column"], r["ssd_type"], r["is_key"] == "Y", r["references"])
        for r in csv.DictReader(text.splitlines())
    )


@lru_cache(maxsize=1)
def ssd_columns() -> tuple[SsdColumn, ...]:
    """Contract columns first, then the extension tables' columns."""
    return _read("ssd_tables.csv") + _read("ssd_extension_tables.csv")


@lru_cache(maxsize=1)
def extension_tables() -> frozenset[str]:
    """Optional tables beyond the SSD specification; absent from a source, they load empty and say so."""
    return frozenset(c.table for c in _read("ssd_extension_tables.csv"))


def ssd_tables() -> dict[str, list[SsdColumn]]:
    """Table name -> its columns, in contract order (the 35 SSD tables, then the extension tables)."""
    tables: dict[str, list[SsdColumn]] = {}
    for col in ssd_columns():
        tables.setdefault(col.table, []).append(col)
    return tables


def key_column(table: str) -> str | None:
    """The table's own id column (first key column), or None where the SSD names none."""
    keys = [c.name for c in ssd_tables()[table] if c.is_key]
    return keys[0] if keys else None
