"""DfE's SSDA903 upload CSVs, read into DuckDB as the tables the 903 rules query.

A file is recognised by its columns (as the public validator does), not its name. Text is upper-cased on reading,
as the public validator's upload does, so codes compare the same whatever their case. A file that cannot be read
(not UTF-8, columns of no 903 table) stops the load with a message naming the file, and for encoding errors the
line; an unreadable date is reported by file, row and column and left NULL, so the date rules flag it.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from cs_pipeline.returns.loading import DuckDBRunner, LoadedReturn, LoadIssue, ReturnFileError  # noqa: F401 (re-exported)
from cs_pipeline.returns.rules import failure_text
from cs_pipeline.returns.collection_year import CollectionYear, Table, return_tables, supported_years

DATE_FORMAT = "%d/%m/%Y"
# Derived from postcodes by the public validator (a postcode lookup we do not ship): present, always NULL.
POSTCODE_DERIVED = {"episodes": {"PL_LA": "varchar", "PL_LOCATION": "varchar", "PL_DISTANCE": "double"}}


def _check_utf8(path: Path) -> None:
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ReturnFileError(
            f"{path}: line {line} is not UTF-8 (byte {data[exc.start]:#04x} at offset {exc.start}); "
            "save the file as UTF-8 (CSV UTF-8 in Excel) and try again"
        ) from None


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first = handle.readline().strip("\r\n")
    if not first:
        raise ReturnFileError(f"{path}: the file is empty (no header row)")
    return [c.strip().strip('"') for c in first.split(",")]


def recognise(path: Path, tables: dict[str, Table]) -> Table:
    columns = _header(path)
    for table in tables.values():
        if set(columns) == set(table.column_names):
            return table
    known = {c for t in tables.values() for c in t.column_names}
    if not set(columns) & known:  # the first line is data: say so without echoing a child's values
        raise ReturnFileError(f"{path}: no 903 header row (the first line names none of DfE's columns)")
    closest = max(tables.values(), key=lambda t: len(set(columns) & set(t.column_names)))
    missing = sorted(set(closest.column_names) - set(columns))
    unknown = sorted(set(columns) - set(closest.column_names))
    raise ReturnFileError(
        f"{path}: columns match no 903 table of this year; nearest is {closest.name} "
        f"(missing: {', '.join(missing) or 'none'}; unknown: {', '.join(unknown) or 'none'})"
    )


def _typed_select(table: Table, raw: str) -> str:
    parts = ["cast(rowid as bigint) as row_id"]
    for column in table.columns:
        q = f'"{column.name}"'
        if column.type == "date":
            # pandas' strict reading, as DfE's tools: no leading spaces, no two-digit years (strptime takes both)
            parts.append(
                f"(case when regexp_full_match({q}, '[0-9]{{1,2}}/[0-9]{{1,2}}/[0-9]{{4}}') "
                f"then try_strptime({q}, '{DATE_FORMAT}')::date end) as {q}"
            )
            parts.append(f'upper({q}) as "{column.name}_raw"')
        else:
            parts.append(f"upper({q}) as {q}")
    for name, sql_type in POSTCODE_DERIVED.get(table.name, {}).items():
        parts.append(f'cast(null as {sql_type}) as "{name}"')
    return f"select {', '.join(parts)} from {raw}"


def add_header_uasc(con: duckdb.DuckDBPyConnection, loaded: "LoadedReturn", suffix: str) -> None:
    """Header gains UASC ('1' when the child has a UASC row, else '0') when both tables were supplied, as DfE's
    XML return carries it and the public validator derives it for CSVs; without UASC it stays NULL."""
    header, uasc = f"header{suffix}", f"uasc{suffix}"
    if header in loaded.tables:
        if uasc in loaded.tables:
            value = f'(case when "CHILD" in (select "CHILD" from {uasc} where "CHILD" is not null) then \'1\' else \'0\' end)'
        else:
            value = "cast(null as varchar)"
        con.execute(f'create or replace table {header} as select *, {value} as "UASC" from {header}')


def load_file(con: duckdb.DuckDBPyConnection, path: Path, table: Table, as_name: str, loaded: LoadedReturn) -> None:
    raw = f"raw_{as_name}"
    columns = {c: "VARCHAR" for c in _header(path)}
    try:  # strict: an unterminated quote or a row with too many fields is refused, never shifted or swallowed
        con.execute(
            f"create or replace table {raw} as select * from read_csv(?, header = true, columns = {columns!r}, "
            "quote = '\"', escape = '\"', strict_mode = true, auto_detect = false)",
            [str(path)],
        )
    except duckdb.Error as exc:
        raise ReturnFileError(f"{path}: not a well-formed CSV of {table.name} ({failure_text(exc)})") from None
    # DuckDB drops a row's extra fields silently: a stray comma would shift values into the next columns. Rows
    # without quotes (nearly all) must hold exactly one comma fewer than the columns.
    shifted = con.execute(
        "select n from (select row_number() over () - 1 as n, line from read_csv(?, header = true, "
        "columns = {'line': 'VARCHAR'}, delim = '\x01', quote = '', escape = '', auto_detect = false)) "
        "where strpos(line, '\"') = 0 and length(line) - length(replace(line, ',', '')) <> ? limit 1",
        [str(path), len(columns) - 1],
    ).fetchall()
    if shifted:
        raise ReturnFileError(
            f"{path}: not a well-formed CSV of {table.name} (row {shifted[0][0]} has a different number of fields "
            f"from the header's {len(columns)})"
        )
    con.execute(f"create or replace table {as_name} as {_typed_select(table, raw)}")
    for column in table.date_columns():
        bad = con.execute(
            f'select row_id from {as_name} where "{column}" is null and nullif(trim("{column}_raw"), \'\') is not null '
            "order by row_id limit 1000"
        ).fetchall()
        loaded.issues += [LoadIssue(path.name, r, column, "not a date in DD/MM/YYYY") for (r,) in bad]
    con.execute(f"drop table {raw}")
    loaded.tables[as_name] = path.name
    loaded.rows[as_name] = con.execute(f"select count(*) from {as_name}").fetchone()[0]


def load_folder(
    con: duckdb.DuckDBPyConnection, folder: Path, year: CollectionYear, suffix: str = "", loaded=None
) -> LoadedReturn:
    """Load every CSV in the folder as the 903 table its columns match; ``suffix='_last'`` for last year's."""
    loaded = loaded or LoadedReturn()
    tables = return_tables("ssda903", year)
    files = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() == ".csv")
    if not files:
        raise ReturnFileError(f"{folder}: no .csv files")
    later = {
        name: table for y in supported_years("ssda903") if y > year for name, table in return_tables("ssda903", y).items()
    }
    seen: dict[str, Path] = {}
    for path in files:
        _check_utf8(path)
        table = recognise(path, {**later, **tables})
        if table.name not in tables:  # e.g. a DoLo file before 2026-27: not part of this year's return
            loaded.ignored[path.name] = f"{table.name} is not collected in {year}"
            continue
        if table.name in seen:
            raise ReturnFileError(f"{path}: a second {table.name} table (the first was {seen[table.name].name})")
        seen[table.name] = path
        load_file(con, path, table, table.name + suffix, loaded)
    add_header_uasc(con, loaded, suffix)
    return loaded


def typed_frame(table: Table, rows: list[dict]) -> pd.DataFrame:
    """Rows given as DfE text (dates DD/MM/YYYY) -> the table the rules read, as a frame (rule cases, tests)."""
    text = pd.DataFrame([{c: row.get(c) for c in table.column_names} for row in rows], columns=table.column_names)
    frame = pd.DataFrame({"row_id": pd.Series(range(len(text)), dtype="int64")})
    for column in table.columns:
        values = text[column.name].map(lambda v: None if v is None or v == "" else str(v).upper()).astype(object)
        if column.type == "date":
            frame[column.name] = pd.to_datetime(values, format=DATE_FORMAT, errors="coerce").dt.date.astype(object)
            frame[column.name] = frame[column.name].where(frame[column.name].notna(), None)
            frame[f"{column.name}_raw"] = values
        else:
            frame[column.name] = values
    for name, sql_type in POSTCODE_DERIVED.get(table.name, {}).items():
        frame[name] = pd.Series([None] * len(frame), dtype="float64" if sql_type == "double" else object)
    return frame


def typed_frames(year: CollectionYear, rows_by_table: dict[str, list[dict]]) -> dict[str, pd.DataFrame]:
    """Tables of DfE text rows (``episodes``, ``episodes_last``, ...) -> the frames the rules read, with the header's
    derived UASC column as the file loader adds it."""
    tables = return_tables("ssda903", year)
    frames = {name: typed_frame(tables[name.removesuffix("_last")], rows or []) for name, rows in rows_by_table.items()}
    for suffix in ("", "_last"):
        header = frames.get(f"header{suffix}")
        if header is None:
            continue
        uasc = frames.get(f"uasc{suffix}")
        if uasc is None:
            header["UASC"] = pd.Series([None] * len(header), dtype=object)
        else:
            header["UASC"] = header["CHILD"].isin(set(uasc["CHILD"].dropna())).map({True: "1", False: "0"}).astype(object)
    return frames
