"""The CIN census as DfE's rules read it, from a council's XML file or from the warehouse's ``returns.cin_*``.

Rules read the census's tables by their names in the year's specification (``child_identifiers``, ``cin_details``,
``assessments``, ...), each with ``row_id`` (0-based row in the file's order) and DfE's element names: every
element any year knows is a column (NULL where absent, so a rule reading ``Sex`` runs on a file that still has
``GenderCurrent``), values as the text given, dates as DATEs (NULL when blank or not a date) with the text in
``<column>_raw``. ``header`` is the message header's one row, and ``working_days`` England's working days. The
census period is the one DfE's rules state: the year to the header's ReferenceDate (1 April to 31 March when it is
not a date); rule 100 checks the ReferenceDate is the collection year's 31 March.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import sqlalchemy as sa

from cs_pipeline.lib.warehouse import Warehouse, date_text_sql
from cs_pipeline.lib.working_days import calendar_frame
from cs_pipeline.returns.cin.xml_message import RETURN_NAME, model_name
from cs_pipeline.returns.cin.xml_reader import HEADER_COLUMNS, read_message
from cs_pipeline.returns.collection_year import CollectionYear, return_tables, supported_years
from cs_pipeline.returns.loading import LoadedReturn, LoadIssue

CHILD_COLUMN = "LAchildID"
REFERENCE_TABLES = frozenset({"header", "working_days"})
HEADER_DATES = {"ReferenceDate"}
CALENDAR_FIRST = dt.date(1990, 1, 1)


def column_types(table: str) -> dict[str, str]:
    """Every column any year's census has in the table, with its type (``date`` or ``text``)."""
    if table == "header":
        return {c: "date" if c in HEADER_DATES else "text" for c in HEADER_COLUMNS}
    types: dict[str, str] = {}
    for year in supported_years(RETURN_NAME):
        for column in return_tables(RETURN_NAME, year)[table].columns:
            types.setdefault(column.name, "date" if column.type == "date" else "text")
    return types


def typed_frame(table: str, text: pd.DataFrame) -> pd.DataFrame:
    """Rows as DfE text (dates YYYY-MM-DD) -> the table the rules read."""
    types = column_types(table)
    columns = list(types) + [c for c in text.columns if c not in types]
    frame = pd.DataFrame({"row_id": pd.Series(range(len(text)), dtype="int64")})
    for name in columns:
        values = (text[name] if name in text.columns else pd.Series([None] * len(text), dtype=object))
        values = values.map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) or str(v) == ""
                            else str(v)).astype(object).reset_index(drop=True)
        if types.get(name) == "date":
            parsed = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce").dt.date.astype(object)
            frame[name] = parsed.where(parsed.notna(), None)
            frame[f"{name}_raw"] = values
        else:
            frame[name] = values
    return frame


def working_days_frame(last: dt.date) -> pd.DataFrame:
    return calendar_frame(CALENDAR_FIRST, dt.date(last.year + 3, 12, 31))[["calendar_date", "working_day_index"]]


def census_period(header: pd.DataFrame, year: CollectionYear) -> tuple[dt.date, dt.date]:
    """1 April to 31 March of the year, or the year to the header's ReferenceDate as DfE's rules state."""
    reference = header["ReferenceDate"].iloc[0] if len(header) and "ReferenceDate" in header else None
    if reference is None or pd.isna(reference):
        return year.start, year.end
    end = reference if isinstance(reference, dt.date) else reference.date()
    start = (pd.Timestamp(end) - pd.DateOffset(years=1) + pd.DateOffset(days=1)).date()
    return start, end


def create_duckdb_tables(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]) -> None:
    """The rules' tables on a DuckDB connection, typed as above (an all-blank date column is still a DATE)."""
    for name, frame in frames.items():
        types = {"row_id": "bigint", "working_day_index": "bigint", "calendar_date": "date"}
        if name != "working_days":
            types |= {c: "date" for c, t in column_types(name).items() if t == "date"}
        con.register(f"{name}_frame", frame)
        cols = ", ".join(f'cast("{c}" as {types.get(c, "varchar")}) as "{c}"' for c in frame.columns)
        con.execute(f"create or replace table {name} as select {cols} from {name}_frame")
        con.unregister(f"{name}_frame")


@dataclass
class LoadedCensus:
    loaded: LoadedReturn
    period: tuple[dt.date, dt.date]


def load_census_file(con: duckdb.DuckDBPyConnection, path: Path, year: CollectionYear) -> LoadedCensus:
    """A council's CIN XML as the rules' tables on the connection (one pass over the file)."""
    text = read_message(Path(path), year)
    frames = {name: typed_frame(name, frame) for name, frame in text.items()}
    frames["working_days"] = working_days_frame(year.end)
    create_duckdb_tables(con, frames)
    loaded = LoadedReturn()
    for name, frame in frames.items():
        if name != "working_days":
            loaded.tables[name] = Path(path).name
            loaded.rows[name] = len(frame)
    for column in HEADER_DATES:
        value = frames["header"][f"{column}_raw"].iloc[0] if len(frames["header"]) else None
        if value is not None and frames["header"][column].iloc[0] is None:
            loaded.issues.append(LoadIssue(Path(path).name, 0, column, "not a date (YYYY-MM-DD)"))
    return LoadedCensus(loaded, census_period(frames["header"], year))


# --- the warehouse ----------------------------------------------------------------------------------------------
def _view_sql(name: str, dialect: str, year: CollectionYear) -> str:
    present = set(return_tables(RETURN_NAME, year)[name].column_names)
    parts = ["cast(row_id as bigint) as row_id"]
    for column, kind in column_types(name).items():
        q = f'"{column}"'
        if kind == "date":
            value = f"cast({q} as date)" if column in present else "cast(null as date)"
            parts += [f"{value} as {q}", f'{date_text_sql(dialect, value, "YYYY-MM-DD")} as "{column}_raw"']
        else:
            parts.append(f"cast({q if column in present else 'null'} as varchar) as {q}")
    return f"select {', '.join(parts)} from returns.{model_name(name)} where collection_year = '{year}'"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _header_sql(dialect: str, year: CollectionYear, la_code: str) -> str:
    values = {"Collection": "CIN", "Year": str(year.end.year), "SourceLevel": "L", "LEA": la_code}
    reference = f"DATE '{year.end.isoformat()}'"
    parts = ["cast(0 as bigint) as row_id", f'{reference} as "ReferenceDate"',
             f"'{year.end.isoformat()}' as \"ReferenceDate_raw\""]
    parts += [f"cast({_quote(values[c]) if c in values else 'null'} as varchar) as \"{c}\""
              for c in HEADER_COLUMNS if c != "ReferenceDate"]
    return "select " + ", ".join(parts)


def create_year_views(warehouse: Warehouse, conn: sa.Connection, year: CollectionYear, la_code: str) -> set[str]:
    """Temporary views of the year's census tables for the rules; returns the names supplied."""
    built = set(warehouse.tables("returns"))
    supplied = set()
    for name in return_tables(RETURN_NAME, year):
        if model_name(name) in built:
            conn.execute(sa.text(f"create or replace temporary view {name} as "
                                 f"{_view_sql(name, warehouse.dialect, year)}"))
            supplied.add(name)
    conn.execute(sa.text(f"create or replace temporary view header as {_header_sql(warehouse.dialect, year, la_code)}"))
    conn.execute(sa.text("create or replace temporary view working_days as "
                         "select calendar_date, working_day_index from staging.dim_calendar"))
    return supplied | REFERENCE_TABLES
