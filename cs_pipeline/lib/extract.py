"""Copy SSD tables from the case-management database (any SQLAlchemy URL) into ``raw.ssd_<table>``, as text.

No Dagster here: the asset factory in ``cs_pipeline/defs/sources/ssd.py`` and the benchmark call
:func:`extract_ssd_table`.

How a table is read (INTERFACE.md section 1: read-only, streamed, never locking the source for long):

- The table and its contract columns are looked up with the SQLAlchemy inspector (tables and views; exact name
  first, then case-insensitively, so ``PERS_PERSON_ID`` on a SQL Server or an upper-case PostgreSQL source is
  found). A missing table or column is a :class:`SourceSchemaError` naming them, before anything is written.
- ``SELECT <contract columns> FROM <table>`` is built with SQLAlchemy Core (identifiers quoted by the source's
  dialect; no ORDER BY, so no sort on the source) and streamed with ``yield_per`` (``stream_results=True``:
  a server-side cursor on PostgreSQL; plain ``fetchmany`` where the driver has none, e.g. SQLite, pyodbc).
- Each chunk (``DEFAULT_CHUNK_ROWS`` = 50,000 rows) becomes a frame of Arrow-backed text columns plus the load
  metadata columns and is loaded into a side table that is then swapped in (``Warehouse.replace_table``): a failure
  at any point leaves the previously published raw table untouched. The source is read one chunk
  ahead in a worker thread (:func:`prefetched`), so reading overlaps writing; memory stays at about three
  chunks whatever the table's size.

Readers (``CS_PIPELINE_EXTRACT_READER``: ``auto`` by default, ``arrow``, ``sqlalchemy``):

- ``arrow``: on SQLite (a file) and PostgreSQL sources the rows are read by the source's ADBC driver
  (``adbc-driver-sqlite`` opening the file read-only; ``adbc-driver-postgresql``, binary COPY) as Arrow record
  batches and converted to text column by column with pyarrow.compute / numpy (:func:`iter_arrow_chunks`): read
  and converted 3-6 times faster than as Python rows on SQLite, about twice on PostgreSQL (``bench_extract.py
  --warehouses none``). The table is resolved by the inspector and the SELECT built exactly as above, and the
  frames are the same, text for text (cs_pipeline_tests/lib/test_extract_arrow.py). Columns of a type with
  no exact conversion (PostgreSQL json, money, enums, arrays, ...) are refused before any row is read.
- ``sqlalchemy``: the path above, for every dialect (SQL Server, MySQL, Oracle, ... have no ADBC driver on PyPI).
- ``auto``: ``arrow`` where the source has such a reader, else ``sqlalchemy``; a table the Arrow reader refuses,
  or on which it fails part-way (the side table is then dropped), is read again through SQLAlchemy, and
  :attr:`ExtractResult.reader_fallback` says why (a type or an error class, never a value).

Text conversion (every value; ``None`` stays NULL):

- strings: unchanged (no trimming), except in the contract's ``datetime`` columns, see below;
- datetimes (driver objects, and ISO-looking strings in ``datetime`` columns such as SQLite's
  ``2024-01-05 00:00:00.000000``): ``YYYY-MM-DD`` when the time is midnight (the usual case: the SSD's
  "datetime" columns hold dates), else ``YYYY-MM-DD HH:MM:SS`` (fractions of a second dropped). Timezone-aware
  values are first converted to Europe/London (TIMELINESS.md: dates in Europe/London). Both forms cast with
  ``CAST(x AS DATE)`` / ``CAST(x AS TIMESTAMP)`` on DuckDB and PostgreSQL. ISO strings without an offset are
  reformatted as text, so an impossible one (``2024-02-30 00:00:00``) stays visibly impossible
  (``2024-02-30``); a string that is not ISO at all (``31/02/2024``, ``unknown``) is kept verbatim. Either way
  validation quarantines the row;
- dates: ``YYYY-MM-DD``; booleans (SQL Server ``bit``): ``true``/``false``; integers: decimal digits;
  floats: Python ``repr`` (``2.5``; NaN becomes NULL); decimals: fixed-point text; bytes: UTF-8 text, or hex.

A source that cannot be reached, or drops the connection part-way, is read again from the start with backoff
(``CS_PIPELINE_EXTRACT_ATTEMPTS``, default 4; ``CS_PIPELINE_EXTRACT_BACKOFF_SECONDS``, default 2, doubled each
time); after the last attempt :class:`SourceUnavailable` names the table and the source (password masked) and the
published raw table is untouched. Other errors (a missing table or column) are not tried again.

Load metadata columns (architecture.md): ``_row_key`` = the row's number within this extract (``1``, ``2``,
...; unique within the table, not stable across extracts), ``_source`` (the URL with the password hidden),
``_extracted_at`` (UTC, ISO 8601, seconds), ``_load_id`` (the Dagster run id).

Every extraction also records its table's latest load in ``raw.ssd_table_log`` (table, supplied, rows, load id,
time). An optional extension table (``ssd_extension_tables.csv``) absent from the source is loaded empty and
logged as not supplied, so the measures built on it report ``source_not_supplied`` rather than failures.
"""
from __future__ import annotations

import datetime as dt
import decimal
import math
import os
import queue
import re
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from cs_pipeline.config import redact_text, redact_url
from cs_pipeline.lib.ssd_schema import extension_tables, ssd_tables
from cs_pipeline.lib.warehouse import Warehouse

RAW_SCHEMA = "raw"
DEFAULT_CHUNK_ROWS = 50_000
LOAD_COLUMNS = ("_row_key", "_source", "_extracted_at", "_load_id")
TABLE_LOG = "ssd_table_log"
LONDON = ZoneInfo("Europe/London")


class SourceSchemaError(Exception):
    """The source lacks a contract table or column: that table's extraction fails, naming what is missing."""


class SourceTableAbsent(SourceSchemaError):
    """The source has no such table (for an optional extension table this is allowed: it loads empty)."""


@dataclass
class ExtractResult:
    table: str
    rows: int = 0
    chunks: int = 0
    seconds: float = 0.0
    source_table: str = ""
    renamed_columns: dict[str, str] = field(default_factory=dict)  # contract name -> source spelling, if different
    supplied: bool = True  # False: an optional extension table the source does not have, loaded empty
    reader: str = "sqlalchemy"  # "arrow": read through the source's ADBC driver (see "Readers" above)
    reader_fallback: str = ""  # why the Arrow reader was not used, when the setting allowed it (no values in it)

    @property
    def rows_per_second(self) -> float:
        return round(self.rows / self.seconds, 1) if self.seconds > 0 else 0.0


def source_engine(url: str) -> sa.Engine:
    """An engine for the case-management database. NullPool: one connection per table, closed straight after."""
    return sa.create_engine(url, poolclass=NullPool)


# -- text conversion -------------------------------------------------------------------------------------------
def format_datetime(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(LONDON).replace(tzinfo=None)
    if value.hour == 0 and value.minute == 0 and value.second == 0:
        return value.strftime("%Y-%m-%d")
    return value.strftime("%Y-%m-%d %H:%M:%S")


def value_to_text(value) -> str | None:
    """Any driver value as text (see the module docstring); strings unchanged."""
    if value is None:
        return None
    kind = type(value)
    if kind is str:
        return value
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        return None if math.isnan(value) else repr(value)
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return None if value.is_nan() else format(value, "f")
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, np.generic):  # numpy scalars from some drivers
        return value_to_text(value.item())
    if isinstance(value, float):
        return None if math.isnan(value) else repr(float(value))
    return str(value)


_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_ISO_NAIVE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")


def datetime_text(value) -> str | None:
    """A value of a contract ``datetime`` column as text: ISO strings normalised like driver datetimes."""
    if type(value) is str:
        if len(value) == 10 or not _ISO_DATETIME.match(value):
            return value  # a plain date, or not ISO at all: as extracted
        if _ISO_NAIVE.match(value):  # no offset: reformat the text itself (fast; keeps an impossible date visible)
            clock = value[11:19] if len(value) >= 19 else value[11:16] + ":00"
            return value[:10] if clock == "00:00:00" else f"{value[:10]} {clock}"
        try:
            return format_datetime(dt.datetime.fromisoformat(value))  # with an offset: to Europe/London
        except ValueError:
            return value  # ISO-looking but impossible (e.g. 2024-02-30 10:00+01:00): validation rejects it
    return value_to_text(value)


_CACHE_MAX = 200_000  # distinct datetime values remembered per table (dates repeat: ~2,200 days in six years)


def text_column(values, is_datetime: bool, cache: dict | None = None) -> list[str | None]:
    """A column of driver values as text. ``cache`` memoises datetime conversions across the chunks of a table."""
    if not is_datetime:
        return [v if type(v) is str else value_to_text(v) for v in values]
    if cache is None:
        return [datetime_text(v) for v in values]
    out: list[str | None] = []
    append = out.append
    for v in values:
        try:
            append(cache[v])
        except KeyError:
            text = datetime_text(v)
            if len(cache) < _CACHE_MAX:
                cache[v] = text
            append(text)
        except TypeError:  # an unhashable driver value
            append(datetime_text(v))
    return out


def text_array(values, is_datetime: bool, cache: dict | None = None) -> pa.Array:
    """:func:`text_column` as an Arrow string array; a column that is already all text/NULL skips Python."""
    values = values if isinstance(values, list) else list(values)  # pyarrow reads a list ~10x faster than a tuple
    if not is_datetime:
        try:
            return pa.array(values, type=pa.string())
        except (pa.ArrowException, TypeError, ValueError):
            pass  # numbers, dates, NaN, non-UTF-8 bytes...: convert value by value
    return pa.array(text_column(values, is_datetime, cache), type=pa.string())


# -- reading the source ----------------------------------------------------------------------------------------
def _find(name: str, available: list[str]) -> str | None:
    if name in available:
        return name
    folded = [a for a in available if a.lower() == name.lower()]
    return folded[0] if len(folded) == 1 else None


def resolve_source(
    conn: sa.Connection, table: str, columns: list[str], schema: str | None = None
) -> tuple[str, dict[str, str]]:
    """The source's spelling of the table and of each contract column; SourceSchemaError when any is missing."""
    inspector = sa.inspect(conn)
    available = list(inspector.get_table_names(schema=schema)) + list(inspector.get_view_names(schema=schema))
    source_table = _find(table, available)
    if source_table is None:
        raise SourceTableAbsent(f"source table {table} not found in the case-management database")
    source_cols = [c["name"] for c in inspector.get_columns(source_table, schema=schema)]
    mapping: dict[str, str] = {}
    missing: list[str] = []
    for col in columns:
        found = _find(col, source_cols)
        if found is None:
            missing.append(col)
        else:
            mapping[col] = found
    if missing:
        raise SourceSchemaError(
            f"source table {table} is missing contract column(s): {', '.join(missing)}"
        )
    return source_table, mapping


def select_statement(source_table: str, mapping: dict[str, str], schema: str | None = None) -> sa.Select:
    """``SELECT <source columns AS contract names> FROM <table>``, quoted by whichever dialect compiles it."""
    return _select_with_source(source_table, mapping, schema)[0]


def _select_with_source(
    source_table: str, mapping: dict[str, str], schema: str | None = None
) -> tuple[sa.Select, sa.TableClause]:
    source = sa.table(source_table, *(sa.column(name) for name in mapping.values()), schema=schema)
    stmt = sa.select(*(source.c[src] if src == col else source.c[src].label(col) for col, src in mapping.items()))
    return stmt, source


def contract_columns(table: str) -> tuple[list[str], set[str]]:
    """The table's contract columns, and those of them the SSD types ``datetime``."""
    contract = ssd_tables()[table]
    return [c.name for c in contract], {c.name for c in contract if c.ssd_type.lower() == "datetime"}


def resolve_into(result: ExtractResult, conn: sa.Connection, table: str, columns: list[str],
                 schema: str | None) -> tuple[str, dict[str, str]]:
    """:func:`resolve_source`, recording the source table and any renamed columns in ``result``."""
    source_table, mapping = resolve_source(conn, table, columns, schema)
    result.source_table = source_table
    result.renamed_columns = {c: s for c, s in mapping.items() if c != s}
    return source_table, mapping


def load_frame(data: dict[str, pa.Array | list], first_row: int, n: int, *, source_label: str, extracted_at: str,
               load_id: str) -> pd.DataFrame:
    """A chunk's text columns plus the load metadata columns (``_row_key`` numbered on from ``first_row``)."""
    data["_row_key"] = pc.cast(pa.array(np.arange(first_row + 1, first_row + n + 1)), pa.string())
    data["_source"] = pa.repeat(pa.scalar(source_label, pa.string()), n)
    data["_extracted_at"] = pa.repeat(pa.scalar(extracted_at, pa.string()), n)
    data["_load_id"] = pa.repeat(pa.scalar(load_id, pa.string()), n)
    return text_frame(data)


def iter_text_chunks(
    engine: sa.Engine,
    table: str,
    *,
    load_id: str,
    source_label: str,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    schema: str | None = None,
    result: ExtractResult | None = None,
    extracted_at: str | None = None,
) -> Iterator[pd.DataFrame]:
    """Frames of at most ``chunk_rows`` rows: the contract columns as text plus the load metadata columns.

    The source connection is opened on the first ``next()`` and closed when the generator finishes or is closed.
    """
    columns, datetime_cols = contract_columns(table)
    extracted_at = extracted_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    result = result if result is not None else ExtractResult(table)
    with engine.connect() as conn:
        source_table, mapping = resolve_into(result, conn, table, columns, schema)
        stmt = select_statement(source_table, mapping, schema)
        rows_seen = 0
        cache: dict = {}
        cursor = conn.execution_options(stream_results=True, yield_per=chunk_rows).execute(stmt)
        for rows in cursor.partitions(chunk_rows):
            n = len(rows)
            by_column = list(zip(*rows))
            data = {col: text_array(by_column[i], col in datetime_cols, cache) for i, col in enumerate(columns)}
            frame = load_frame(data, rows_seen, n, source_label=source_label, extracted_at=extracted_at,
                               load_id=load_id)
            rows_seen += n
            result.rows = rows_seen
            result.chunks += 1
            yield frame


def text_frame(data: dict[str, pa.Array | list]) -> pd.DataFrame:
    """Text columns as Arrow-backed strings: DuckDB scans them without the GIL (so the next chunk can be read
    meanwhile), PostgreSQL's COPY gets the same CSV as from object columns, and None stays NULL."""
    return pd.DataFrame(
        {
            c: pd.arrays.ArrowExtensionArray(v if isinstance(v, pa.Array) else pa.array(v, type=pa.string()))
            for c, v in data.items()
        }
    )


# -- the Arrow-native reader (ADBC) ----------------------------------------------------------------------------
READER_ENV = "CS_PIPELINE_EXTRACT_READER"
READERS = ("auto", "arrow", "sqlalchemy")
ARROW_DIALECTS = ("sqlite", "postgresql")


class ArrowReaderUnavailable(Exception):
    """No Arrow reader for this source or table (no ADBC driver for the dialect, an in-memory SQLite, a column type
    without an exact text conversion). Raised before anything is written: ``auto`` reads through SQLAlchemy."""


class ArrowReadError(Exception):
    """The Arrow reader failed part-way (driver or conversion). ``replace_table`` has dropped the side table, so
    ``auto`` extracts the table again through SQLAlchemy. Never carries a value from the source."""


def reader_setting(value: str | None = None) -> str:
    """``auto`` (default), ``arrow`` or ``sqlalchemy``: the argument, else ``CS_PIPELINE_EXTRACT_READER``."""
    text = (value if value is not None else os.environ.get(READER_ENV, "")).strip().lower() or "auto"
    if text not in READERS:
        raise ValueError(f"{READER_ENV} must be one of {', '.join(READERS)}, not {text!r}")
    return text


def arrow_unavailable_reason(engine: sa.Engine) -> str | None:
    """Why this source has no Arrow reader, or None when it has one."""
    url = engine.url
    dialect = url.get_backend_name()
    if dialect not in ARROW_DIALECTS:
        return f"no Arrow reader for {dialect} sources"
    if dialect == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or url.query.get("uri"):
            return "an in-memory or URI-named SQLite database is read through SQLAlchemy"
    try:
        _adbc_module(dialect)
    except ImportError:
        return f"the ADBC driver for {dialect} is not installed"
    return None


def _adbc_module(dialect: str):
    if dialect == "sqlite":
        import adbc_driver_sqlite.dbapi as module
    else:
        import adbc_driver_postgresql.dbapi as module
    return module


def _adbc_connect(url: sa.URL):
    dialect = url.get_backend_name()
    module = _adbc_module(dialect)
    if dialect == "sqlite":
        # read-only: the extract never writes to the case-management database
        return module.connect(f"file:{urllib.parse.quote(url.database)}?mode=ro")
    return module.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))


_SQLITE_FIRST = "_cs_first_row"


def _sqlite_text_affinity(declared: str) -> bool:
    """SQLite's affinity rules (datatype3.html section 3.1): TEXT affinity stores only text, blobs and NULL."""
    declared = declared.upper()
    return "INT" not in declared and any(k in declared for k in ("CHAR", "CLOB", "TEXT"))


def _sqlite_select(
    conn: sa.Connection, source_table: str, mapping: dict[str, str], schema: str | None, datetime_cols: set[str]
) -> tuple[str, dict[int, int], int]:
    """The SELECT for ADBC's SQLite driver, the companion column of each contract column that has one, and the
    index of the first-row marker.

    ADBC's SQLite driver types each column from its first batch, and fails on a later value of another type
    (SQLite columns hold any type). So the query starts with one row of empty strings, dropped again: every contract
    column is then a string column, into which the driver writes later integers as their digits (as Python's str
    does) and text as it is. REAL values and blobs would come as SQLite's text (15 digits) and raw bytes, so every
    column that may hold one (a view's, a contract datetime column's, any column without TEXT affinity) has a
    companion: ``r`` + the REAL with 17 significant digits (exact: it round-trips), or ``b`` + the blob's hex.
    """
    prep = conn.dialect.identifier_preparer
    prefix = f"{prep.quote_identifier(schema)}." if schema else ""
    declared = {row[1]: row[2] or "" for row in conn.exec_driver_sql(
        f"PRAGMA {prefix}table_info({prep.quote_identifier(source_table)})")}
    kind = conn.exec_driver_sql(
        f"SELECT type FROM {prefix}sqlite_master WHERE name = ?", (source_table,)).scalar()
    stmt, source = _select_with_source(source_table, mapping, schema)
    columns = list(mapping)
    odd = [i for i, (col, src) in enumerate(mapping.items())
           if kind != "table" or col in datetime_cols or not _sqlite_text_affinity(declared.get(src, ""))]
    companions = []
    for n, i in enumerate(odd):
        value = source.c[mapping[columns[i]]]
        companions.append(sa.case(
            (sa.func.typeof(value) == "real", sa.literal("r").concat(sa.func.printf("%!.17g", value, type_=sa.String))),
            (sa.func.typeof(value) == "blob", sa.literal("b").concat(sa.func.hex(value, type_=sa.String))),
        ).label(f"_cs_odd_{n}"))
    first = sa.select(
        *(sa.literal("").label(col) for col in columns),
        *(sa.literal("").label(f"_cs_odd_{n}") for n in range(len(odd))),
        sa.literal(1).label(_SQLITE_FIRST),
    )
    data = stmt.add_columns(*companions, sa.null().label(_SQLITE_FIRST))
    sql = str(sa.union_all(first, data).compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    return sql, {i: len(columns) + n for n, i in enumerate(odd)}, len(columns) + len(odd)


def _without_first_row(batches: Iterator[pa.RecordBatch], marker: int) -> Iterator[pa.RecordBatch]:
    """Drop the typing row, checking that it did come first (SQLite runs UNION ALL in order; never assumed)."""
    first = True
    for batch in batches:
        flags = batch.column(marker)
        if first and batch.num_rows:
            if not flags[0].is_valid or flags.null_count != batch.num_rows - 1:
                raise ArrowReadError("the SQLite typing row did not come first")
            batch, first = batch.slice(1), False
        elif flags.null_count != batch.num_rows:
            raise ArrowReadError("the SQLite typing row did not come first")
        yield batch


def _rebatched(batches: Iterator[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """Batches of exactly ``rows`` rows (the last may be short), as the SQLAlchemy path's chunks."""
    pending: list[pa.RecordBatch] = []
    have = 0
    for batch in batches:
        start = 0
        while start < batch.num_rows:
            take = min(rows - have, batch.num_rows - start)
            pending.append(batch.slice(start, take))
            have += take
            start += take
            if have == rows:
                yield _concat_batches(pending)
                pending, have = [], 0
    if have:
        yield _concat_batches(pending)


def _concat_batches(batches: list[pa.RecordBatch]) -> pa.RecordBatch:
    if len(batches) == 1:
        return batches[0]
    return pa.Table.from_batches(batches).combine_chunks().to_batches()[0]


def _checked(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The driver's batches; a driver error becomes ArrowReadError (its message is not kept: it may quote data)."""
    it = iter(batches)
    while True:
        try:
            batch = next(it)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - any driver failure: auto mode falls back to SQLAlchemy
            raise ArrowReadError(f"{type(exc).__name__} from the ADBC driver while reading") from exc
        yield batch


# -- Arrow columns as text: the module docstring's contract, vectorised (pyarrow.compute) where that is exact --------
_TEXT_ISO_PREFIX = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"
_TEXT_ISO_SECONDS = _TEXT_ISO_PREFIX + r":\d{2}(\.\d+)?$"
_TEXT_ISO_MINUTES = _TEXT_ISO_PREFIX + "$"


def _python_text(values: pa.Array, convert: Callable) -> pa.Array:
    return pa.array([convert(v) for v in values.to_pylist()], type=pa.string())


def _patched(out: pa.Array, mask: pa.Array, source: pa.Array, convert: Callable) -> pa.Array:
    """``out`` with the rows in ``mask`` converted value by value from ``source`` (the rare shapes)."""
    if not pc.any(mask).as_py():
        return out
    return pc.replace_with_mask(out, mask, _python_text(pc.filter(source, mask), convert))


def _utf8(values: pa.Array, blobs: bool) -> pa.Array:
    """``values`` checked to be valid UTF-8. Where they may be SQLite blobs (``blobs``) invalid UTF-8 becomes hex,
    as value_to_text does for bytes; elsewhere it is an error (auto: that table is read through SQLAlchemy)."""
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return values
    try:
        values.validate(full=True)
        return values
    except pa.ArrowInvalid:
        if not blobs:
            raise ValueError("text that is not UTF-8") from None
        raw = values.view(pa.binary()) if values.type == pa.string() else values.view(pa.large_binary())
        return _python_text(raw, value_to_text)


def datetime_text_array(values: pa.Array) -> pa.Array:
    """:func:`datetime_text` over a string array, by the same rules.

    ISO values without an offset (``2024-01-05 00:00:00.000000``, ``2024-01-05T10:15``) are cut and joined as text,
    so an impossible date stays as it was written; non-ISO text is kept. The usual case, a column of one fixed ISO
    width (SQLite's ``YYYY-MM-DD HH:MM:SS.ffffff``), is done on the bytes with numpy; the other rows by regexes, and
    those the regexes cannot decide exactly as Python's ``re`` does (non-ASCII, an offset or anything after the
    time) by datetime_text itself.
    """
    if len(values) == 0 or values.null_count == len(values):
        return values
    if values.offset:
        values = pa.concat_arrays([values])  # buffers from 0, for the byte arithmetic below
    out, done = _iso_fixed_width(values)
    rest = pc.and_(pc.is_valid(values), pc.invert(pa.array(done)))
    if not pc.any(rest).as_py():
        return out
    return pc.replace_with_mask(out, rest, _datetime_text_regex(pc.filter(values, rest)))


_DIGITS_19 = np.array([0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18])
_SEPARATORS = np.array([4, 7, 13, 16])
_MIDNIGHT = np.frombuffer(b"00:00:00", dtype=np.uint8)


def _iso_fixed_width(values: pa.StringArray) -> tuple[pa.Array, np.ndarray]:
    """(text, done): the rows shorter than 16 characters (never ISO date-times: kept) and those of the column's most
    common width of at least 19 bytes that are ``YYYY-MM-DD[T ]HH:MM:SS[.f+]`` in ASCII digits, converted on the
    bytes; ``done`` marks them. Every other row is left as it is, for the regexes."""
    n = len(values)
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32, count=n + 1)
    buffer = values.buffers()[2]
    data = np.frombuffer(buffer, dtype=np.uint8) if buffer is not None else np.zeros(0, np.uint8)
    lengths = np.diff(offsets)
    valid = values.is_valid().to_numpy(zero_copy_only=False)
    done = valid & (lengths < 16)  # fewer bytes, fewer characters: can't match the ISO prefix, kept as extracted
    long_lengths = lengths[valid & (lengths >= 19)]
    if len(long_lengths) == 0:
        return values, done
    width = int(np.bincount(long_lengths).argmax())
    if width == 20:  # "...SS." is not ISO for Python's regex: the regexes decide
        return values, done
    rows = np.flatnonzero(valid & (lengths == width))
    uniform = len(rows) == int(valid.sum()) and not lengths[~valid].any()
    if uniform:  # every value has this width: the bytes are a matrix as they are
        chars = data[offsets[0]:offsets[0] + len(rows) * width].reshape(-1, width)
    else:
        chars = data[offsets[rows][:, None] + np.arange(width)]
    ok = ((chars[:, _DIGITS_19] - 48) <= 9).all(axis=1)  # ASCII digits (uint8: anything below '0' wraps)
    ok &= (chars[:, _SEPARATORS] == np.array([45, 45, 58, 58], dtype=np.uint8)).all(axis=1)  # - - : :
    ok &= (chars[:, 10] == 32) | (chars[:, 10] == 84)  # space or T
    if width > 19:
        ok &= (chars[:, 19] == 46) & ((chars[:, 20:] - 48) <= 9).all(axis=1)  # .fraction
    if not ok.all():
        uniform = False
        rows, chars = rows[ok], chars[ok]
    if len(rows) == 0:
        return values, done
    done[rows] = True
    # each converted row: the date, or the date, a space and the clock when it is not midnight
    new = np.empty((len(rows), 19), dtype=np.uint8)
    new[:, :10] = chars[:, :10]
    new[:, 10] = 32
    new[:, 11:] = chars[:, 11:19]
    midnight = (chars[:, 11:19] == _MIDNIGHT).all(axis=1)
    out_lengths = lengths.copy()
    out_lengths[rows] = np.where(midnight, 10, 19)
    out_offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(out_lengths, out=out_offsets[1:])
    if out_offsets[-1] >= 2**31:
        return values, np.zeros(n, dtype=bool)  # not at 50,000 rows a chunk; the regexes would cope
    if uniform:  # every value converted: the output is the new rows, cut to 10 or 19 bytes
        if midnight.all():
            out_data = np.ascontiguousarray(new[:, :10]).ravel()
        elif not midnight.any():
            out_data = new.ravel()
        else:
            out_data = new[np.arange(19) < out_lengths[rows][:, None]]
    else:  # gather from the old bytes (kept rows) and the new (converted rows)
        starts = offsets[:-1].astype(np.int64)
        starts[rows] = len(data) + np.arange(len(rows), dtype=np.int64) * 19
        source = np.concatenate([data, new.ravel()])
        total = int(out_offsets[-1])
        out_data = source[np.repeat(starts - out_offsets[:-1], out_lengths) + np.arange(total, dtype=np.int64)]
    out = pa.StringArray.from_buffers(
        n, pa.py_buffer(out_offsets.astype(np.int32)), pa.py_buffer(out_data), values.buffers()[0], values.null_count,
    )
    return out, done


def _datetime_text_regex(values: pa.Array) -> pa.Array:
    prefix = pc.fill_null(pc.match_substring_regex(values, _TEXT_ISO_PREFIX), False)
    if not pc.any(prefix).as_py() and pc.all(pc.fill_null(pc.string_is_ascii(values), True)).as_py():
        return values  # nothing ISO-shaped (dates only, codes, ``unknown``): as extracted
    seconds = pc.fill_null(pc.match_substring_regex(values, _TEXT_ISO_SECONDS), False)
    minutes = pc.fill_null(pc.match_substring_regex(values, _TEXT_ISO_MINUTES), False)
    day = pc.utf8_slice_codeunits(values, 0, 10)
    clock = pc.if_else(
        seconds,
        pc.utf8_slice_codeunits(values, 11, 19),
        pc.binary_join_element_wise(pc.utf8_slice_codeunits(values, 11, 16), ":00", ""),
    )
    joined = pc.if_else(pc.equal(clock, "00:00:00"), day, pc.binary_join_element_wise(day, clock, " "))
    out = pc.if_else(pc.or_(seconds, minutes), joined, values)
    odd = pc.or_(
        pc.invert(pc.fill_null(pc.string_is_ascii(values), True)),
        pc.and_(prefix, pc.invert(pc.or_(seconds, minutes))),
    )
    return _patched(out, odd, values, datetime_text)


_PG_NUMERIC_SPECIAL = {"nan": None, "inf": "Infinity", "-inf": "-Infinity"}  # as Decimal formats them


def _numeric_text(values: pa.Array) -> pa.Array:
    """PostgreSQL numeric, which ADBC hands over as PostgreSQL's own text: that is format(Decimal, "f") already,
    except NaN (NULL here) and the infinities."""
    text = getattr(values, "storage", values)
    text = text.cast(pa.string())
    special = pc.is_in(text, value_set=pa.array(list(_PG_NUMERIC_SPECIAL)))
    return _patched(text, special, text, _PG_NUMERIC_SPECIAL.get)


def _float32_text(value) -> str | None:
    """A float4 as psycopg2 gives it: PostgreSQL's shortest float4 text read as a Python float."""
    if value is None or math.isnan(value):
        return None
    return repr(float(np.format_float_positional(np.float32(value), unique=True)))


_EPOCH = dt.datetime(1970, 1, 1)
_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
# ADBC's PostgreSQL driver moves PostgreSQL's +-infinity (int64 max/min microseconds since 2000) to the Unix epoch
# with wrap-around; psycopg2 reads them as datetime.max / datetime.min, so the text is theirs.
_PG_EPOCH_SHIFT_US = 946_684_800_000_000
_PG_TS_INFINITY = {2**63 - 1, 2**63 - 1 + _PG_EPOCH_SHIFT_US - 2**64}
_PG_TS_MINUS_INFINITY = {-(2**63), -(2**63) + _PG_EPOCH_SHIFT_US}
_PG_DATE_INFINITY = {2**31 - 1, 2**31 - 1 + 10_957 - 2**32}
_PG_DATE_MINUS_INFINITY = {-(2**31), -(2**31) + 10_957}


def _epoch_units(year: int, unit: str) -> int:
    """1 January of ``year`` (up to 10000) in ``unit`` since the Unix epoch."""
    days = (dt.date(year - 1, 12, 31) - dt.date(1970, 1, 1)).days + 1
    return min(max(days * 86_400 * _PER_SECOND[unit], -(2**63)), 2**63 - 1)  # nanoseconds span 1677-2262 only


def _timestamp_text(values: pa.Array) -> pa.Array:
    """Timestamps as format_datetime writes them; timezone-aware ones in Europe/London."""
    unit, tz = values.type.unit, values.type.tz
    ticks = values.cast(pa.int64())
    # Vectorised between 1000 and 9999 (Python writes earlier years unpadded); for timezone-aware values only
    # 1900-2036, as Arrow does not apply a zone's rule past the tz database's last transition (2037), zoneinfo does.
    lo, hi = (1900, 2037) if tz else (1000, 10000)
    odd = pc.fill_null(pc.or_(pc.less(ticks, _epoch_units(lo, unit)), pc.greater_equal(ticks, _epoch_units(hi, unit))),
                       False)
    safe = pc.if_else(odd, pa.scalar(0, pa.int64()), ticks).cast(values.type)
    local = pc.local_timestamp(safe.cast(pa.timestamp(unit, tz=str(LONDON)))) if tz else safe
    text = pc.cast(pc.floor_temporal(local, unit="second").cast(pa.timestamp("s")), pa.string())
    out = pc.if_else(pc.ends_with(text, " 00:00:00"), pc.utf8_slice_codeunits(text, 0, 10), text)

    def one(tick: int | None) -> str | None:
        if tick is None:
            return None
        if unit == "us" and tick in _PG_TS_INFINITY:
            return format_datetime(dt.datetime.max.replace(tzinfo=dt.timezone.utc) if tz else dt.datetime.max)
        if unit == "us" and tick in _PG_TS_MINUS_INFINITY:
            return format_datetime(dt.datetime.min.replace(tzinfo=dt.timezone.utc) if tz else dt.datetime.min)
        seconds, part = divmod(tick, _PER_SECOND[unit])
        value = _EPOCH + dt.timedelta(seconds=seconds, microseconds=part * 1_000_000 // _PER_SECOND[unit])
        return format_datetime(value.replace(tzinfo=dt.timezone.utc) if tz else value)

    return _patched(out, odd, ticks, one)


def _date_text(values: pa.Array) -> pa.Array:
    days = values.view(pa.int32())
    odd = pc.fill_null(pc.or_(pc.less(days, dt.date.min.toordinal() - 719_163),
                              pc.greater(days, dt.date.max.toordinal() - 719_163)), False)
    out = pc.cast(pc.if_else(odd, pa.scalar(0, pa.int32()), days).cast(pa.date32()), pa.string())

    def one(day: int | None) -> str | None:
        if day is None:
            return None
        if day in _PG_DATE_INFINITY:
            return dt.date.max.isoformat()
        if day in _PG_DATE_MINUS_INFINITY:
            return dt.date.min.isoformat()
        return dt.date.fromordinal(day + 719_163).isoformat()  # out of Python's range: fails, as psycopg2 does

    return _patched(out, odd, days, one)


# PostgreSQL types whose psycopg2 values the conversions below reproduce exactly; any other (json, money, enums,
# arrays, intervals, ...) sends the table through SQLAlchemy.
_PG_TYPES = {
    "int2", "int4", "int8", "oid", "float4", "float8", "numeric", "bool", "text", "varchar", "bpchar", "name",
    "date", "timestamp", "timestamptz", "time", "bytea", "uuid",
}


def arrow_converter(field_: pa.Field, is_datetime: bool, *, postgres: bool = False) -> Callable[[pa.Array], pa.Array]:
    """How one Arrow column becomes text, exactly as value_to_text / datetime_text would write the driver's values.

    ArrowReaderUnavailable for a type without such a conversion (checked on the schema, before any row is read).
    """
    t = field_.type
    if postgres:
        pg_type = (field_.metadata or {}).get(b"POSTGRESQL:type", b"").decode()
        if pg_type not in _PG_TYPES:
            raise ArrowReaderUnavailable(f"column {field_.name} has PostgreSQL type {pg_type or 'unknown'}")
        if pg_type == "numeric":
            storage = getattr(t, "storage_type", t)  # ADBC: an arrow.opaque extension over PostgreSQL's text
            if not pa.types.is_string(storage):
                raise ArrowReaderUnavailable(f"column {field_.name}: numeric arrives as {t}")
            return _numeric_text
        if pg_type == "uuid":
            return lambda a: _python_text(a, value_to_text)
    if pa.types.is_null(t):
        return lambda a: pa.nulls(len(a), pa.string())
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        if is_datetime:
            return lambda a: datetime_text_array(a.cast(pa.string()))
        return lambda a: a.cast(pa.string())
    if pa.types.is_boolean(t) or pa.types.is_integer(t):
        return lambda a: pc.cast(a, pa.string())  # true/false; decimal digits
    if pa.types.is_float64(t):
        return lambda a: _python_text(a, value_to_text)  # Python's repr (Arrow writes 1e-05 as 0.00001)
    if pa.types.is_float32(t):
        return lambda a: _python_text(a, _float32_text)
    if pa.types.is_date32(t):
        return _date_text
    if pa.types.is_timestamp(t):
        return _timestamp_text
    if pa.types.is_time(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return lambda a: _python_text(a, value_to_text)
    raise ArrowReaderUnavailable(f"column {field_.name} arrives as Arrow type {t}")


def _odd_sqlite_text(tagged: str) -> str | None:
    """A SQLite companion value: ``r`` + a REAL with 17 digits, or ``b`` + a blob's hex, as the driver value's text."""
    if tagged[0] == "r":
        return value_to_text(float(tagged[1:]))
    return value_to_text(bytes.fromhex(tagged[1:]))


def iter_arrow_chunks(
    engine: sa.Engine,
    table: str,
    *,
    load_id: str,
    source_label: str,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    schema: str | None = None,
    result: ExtractResult | None = None,
    extracted_at: str | None = None,
) -> Iterator[pd.DataFrame]:
    """:func:`iter_text_chunks` through the source's ADBC driver: the same frames, text for text.

    The table and its columns are resolved with the SQLAlchemy inspector as there (same errors), then the same
    SELECT (compiled by the source's dialect) is streamed as Arrow record batches, converted column by column with
    pyarrow.compute and cut into frames of ``chunk_rows``. Memory: about two driver batches and one frame.
    """
    columns, datetime_cols = contract_columns(table)
    extracted_at = extracted_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    result = result if result is not None else ExtractResult(table)
    dialect = engine.dialect.name
    reason = arrow_unavailable_reason(engine)
    if reason:
        raise ArrowReaderUnavailable(reason)
    sqlite = dialect == "sqlite"
    if sqlite and schema not in (None, "main"):
        raise ArrowReaderUnavailable("an attached SQLite schema is read through SQLAlchemy (ADBC opens the file alone)")
    with engine.connect() as conn:
        source_table, mapping = resolve_into(result, conn, table, columns, schema)
        if sqlite:
            sql, companions, marker = _sqlite_select(conn, source_table, mapping, schema, datetime_cols)
        else:
            sql = str(select_statement(source_table, mapping, schema).compile(dialect=conn.dialect))
            companions, marker = {}, -1
    try:
        connection = _adbc_connect(engine.url)
    except Exception as exc:  # noqa: BLE001 - e.g. credentials given to the engine other than in its URL
        raise ArrowReadError(f"{type(exc).__name__} while connecting through ADBC") from exc
    with closing(connection), closing(connection.cursor()) as cursor:
        try:
            if sqlite:  # one driver batch per frame
                cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(chunk_rows)})
            cursor.execute(sql)
            reader = cursor.fetch_record_batch()
        except Exception as exc:  # noqa: BLE001
            raise ArrowReadError(f"{type(exc).__name__} from the ADBC driver running the SELECT") from exc
        converters = [
            arrow_converter(reader.schema.field(i), col in datetime_cols, postgres=not sqlite)
            for i, col in enumerate(columns)
        ]
        batches = _checked(reader)
        if sqlite:
            batches = _without_first_row(batches, marker)
        rows_seen = 0
        for batch in _rebatched(batches, chunk_rows):
            n = batch.num_rows
            try:
                data = {}
                for i, col in enumerate(columns):
                    values = batch.column(i)
                    text = converters[i](_utf8(values, blobs=sqlite))
                    if i in companions:
                        tagged = batch.column(companions[i])
                        if tagged.null_count < n:
                            text = _patched(text, pc.is_valid(tagged), tagged, _odd_sqlite_text)
                    data[col] = text
            except Exception as exc:  # noqa: BLE001 - a conversion this code did not foresee: auto falls back
                raise ArrowReadError(f"{type(exc).__name__} converting a batch to text") from exc
            frame = load_frame(data, rows_seen, n, source_label=source_label, extracted_at=extracted_at,
                               load_id=load_id)
            rows_seen += n
            result.rows = rows_seen
            result.chunks += 1
            yield frame


class _Raised:
    def __init__(self, exc: BaseException):
        self.exc = exc


_DONE = object()


def prefetched(make_chunks: Callable[[], Iterator[pd.DataFrame]], depth: int = 1) -> Iterator[pd.DataFrame]:
    """Run a chunk generator in a worker thread, ``depth`` chunks ahead of the consumer.

    Reading and converting the next chunk (Python) overlaps writing the previous one (the warehouse's own
    threads), so memory is at most ``depth + 2`` chunks. The generator is created, run and closed inside the
    worker (a source connection stays on the thread that opened it). An error in the worker is raised to the
    consumer; closing the consumer early stops the worker, which closes its generator and connection.
    """
    handoff: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            chunks = make_chunks()
            try:
                for chunk in chunks:
                    if not put(chunk):
                        return
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
            put(_DONE)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which re-raises it
            put(_Raised(exc))

    worker = threading.Thread(target=work, name="cs-extract-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, _Raised):
                raise item.exc
            yield item
    finally:
        stop.set()
        worker.join(timeout=60)


def raw_column_types(table: str) -> dict[str, str]:
    """Every raw column is TEXT: the contract columns in contract order, then the load metadata columns."""
    return {c.name: "TEXT" for c in ssd_tables()[table]} | {c: "TEXT" for c in LOAD_COLUMNS}


ATTEMPTS_ENV = "CS_PIPELINE_EXTRACT_ATTEMPTS"
BACKOFF_ENV = "CS_PIPELINE_EXTRACT_BACKOFF_SECONDS"
DEFAULT_ATTEMPTS = 4  # the source unreachable or dropping the connection: 4 attempts, 2 + 4 + 8 s apart
DEFAULT_BACKOFF_SECONDS = 2.0


class SourceUnavailable(RuntimeError):
    """The case-management database was unreachable, or dropped the connection, on every attempt."""


def retry_setting(attempts: int | None = None, backoff: float | None = None) -> tuple[int, float]:
    """Attempts per table (at least 1) and the first wait in seconds (doubled after each failed attempt)."""
    try:
        attempts = int(attempts if attempts is not None else os.environ.get(ATTEMPTS_ENV) or DEFAULT_ATTEMPTS)
        backoff = float(backoff if backoff is not None else os.environ.get(BACKOFF_ENV) or DEFAULT_BACKOFF_SECONDS)
    except ValueError:
        raise ValueError(f"{ATTEMPTS_ENV} must be a whole number and {BACKOFF_ENV} a number of seconds") from None
    if attempts < 1 or backoff < 0:
        raise ValueError(f"{ATTEMPTS_ENV} must be at least 1 and {BACKOFF_ENV} not negative")
    return attempts, backoff


class _SourceConnectionLost(Exception):
    """Raised by the source's side of a load (never the warehouse's): the source unreachable or the connection
    dropped, worth another attempt; ``error`` is the driver's exception."""

    def __init__(self, error: BaseException):
        super().__init__(str(error))
        self.error = error


def _connection_lost(exc: BaseException) -> bool:
    if isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError))


def _from_source(make_chunks: Callable[[], Iterator[pd.DataFrame]]) -> Iterator[pd.DataFrame]:
    try:
        yield from make_chunks()
    except Exception as exc:
        if _connection_lost(exc):
            raise _SourceConnectionLost(exc) from exc
        raise


def extract_ssd_table(
    cms_url: str,
    warehouse: Warehouse,
    table: str,
    *,
    load_id: str,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    engine: sa.Engine | None = None,
    schema: str | None = None,
    chunk_hook: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    reader: str | None = None,
    attempts: int | None = None,
    backoff_seconds: float | None = None,
) -> ExtractResult:
    """Replace ``raw.<table>`` with the source table's contract columns as text. Returns counts and timings.

    ``reader``: ``auto``, ``arrow`` or ``sqlalchemy`` (default: ``CS_PIPELINE_EXTRACT_READER``, else ``auto``).
    ``chunk_hook`` (tests, benchmarks) sees each frame before it is written.
    A source that cannot be reached, or drops the connection part-way, is read again from the start (the side
    table of the failed attempt is dropped, the published raw table untouched) up to ``attempts`` times
    (``CS_PIPELINE_EXTRACT_ATTEMPTS``, default 4), waiting ``backoff_seconds`` (``CS_PIPELINE_EXTRACT_BACKOFF_SECONDS``,
    default 2), then twice as long each time; then :class:`SourceUnavailable` names the table and the source
    (password masked).
    """
    if table not in ssd_tables():
        raise KeyError(f"{table} is not an SSD contract table")
    mode = reader_setting(reader)
    attempts, backoff_seconds = retry_setting(attempts, backoff_seconds)
    engine = engine or source_engine(cms_url)
    started = time.perf_counter()
    for attempt in range(1, attempts + 1):
        try:
            result = _extract_once(cms_url, warehouse, table, mode, engine, load_id=load_id, chunk_rows=chunk_rows,
                                   schema=schema, chunk_hook=chunk_hook)
            break
        except _SourceConnectionLost as lost:
            if attempt == attempts:
                error = getattr(lost.error, "orig", None) or lost.error
                reason = redact_text(str(error)).strip().splitlines() or [""]
                raise SourceUnavailable(
                    f"SSD table {table}: the case-management database {redact_url(cms_url)} could not be read "
                    f"({attempts} attempt(s) over {time.perf_counter() - started:.1f} s; last error: "
                    f"{type(error).__name__}: {reason[0][:300]}); {RAW_SCHEMA}.{table} left as it was"
                ) from lost.error
            time.sleep(backoff_seconds * 2 ** (attempt - 1))
    result.seconds = time.perf_counter() - started
    record_table_load(warehouse, table, supplied=result.supplied, rows=result.rows, load_id=load_id)
    return result


def _extract_once(cms_url: str, warehouse: Warehouse, table: str, mode: str, engine: sa.Engine, *, load_id: str,
                  chunk_rows: int, schema: str | None,
                  chunk_hook: Callable[[pd.DataFrame], pd.DataFrame] | None) -> ExtractResult:
    """One attempt at the table, by the reader ``mode`` selects."""
    fallback = ""
    if mode != "sqlalchemy":
        fallback = arrow_unavailable_reason(engine) or ""
        if fallback and mode == "arrow":
            raise ArrowReaderUnavailable(fallback)
    result = None
    if mode != "sqlalchemy" and not fallback:
        result = ExtractResult(table, reader="arrow")
        try:
            _load_chunks(warehouse, table, chunk_hook, result, lambda: iter_arrow_chunks(
                engine, table, load_id=load_id, source_label=redact_url(cms_url), chunk_rows=chunk_rows,
                schema=schema, result=result,
            ))
        except (ArrowReaderUnavailable, ArrowReadError) as exc:
            if mode == "arrow":
                raise
            fallback, result = str(exc), None  # nothing of the attempt is kept: read it all again below
    if result is None:
        result = ExtractResult(table, reader="sqlalchemy", reader_fallback=fallback)
        _load_chunks(warehouse, table, chunk_hook, result, lambda: iter_text_chunks(
            engine, table, load_id=load_id, source_label=redact_url(cms_url), chunk_rows=chunk_rows, schema=schema,
            result=result,
        ))
    return result


def _load_chunks(
    warehouse: Warehouse,
    table: str,
    chunk_hook: Callable[[pd.DataFrame], pd.DataFrame] | None,
    result: ExtractResult,
    make_chunks: Callable[[], Iterator[pd.DataFrame]],
) -> None:
    chunks = prefetched(lambda: _from_source(make_chunks))
    stream = chunks if chunk_hook is None else (chunk_hook(c) for c in chunks)
    try:
        warehouse.replace_table(RAW_SCHEMA, table, stream, raw_column_types(table))
    except SourceTableAbsent:
        if table not in extension_tables():
            raise
        warehouse.replace_table(RAW_SCHEMA, table, [], raw_column_types(table))
        result.supplied = False
    finally:
        chunks.close()


def record_table_load(warehouse: Warehouse, table: str, *, supplied: bool, rows: int, load_id: str) -> None:
    """Replace ``table``'s row in ``raw.ssd_table_log`` with this load (one row per table: its latest load)."""
    log = f"{RAW_SCHEMA}.{TABLE_LOG}"
    with warehouse.begin() as conn:
        warehouse.create_table(
            conn, RAW_SCHEMA, TABLE_LOG,
            {"table_name": "TEXT", "supplied": "BOOLEAN", "row_count": "BIGINT", "load_id": "TEXT",
             "extracted_at": "TIMESTAMP"},
        )
        conn.execute(sa.text(f"DELETE FROM {log} WHERE table_name = :t"), {"t": table})
        conn.execute(
            sa.text(f"INSERT INTO {log} VALUES (:t, :s, :r, :l, :at)"),
            {"t": table, "s": supplied, "r": rows, "l": load_id,
             "at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)},
        )


_SA_TYPES = {"nvarchar": sa.Unicode, "nchar": sa.Unicode, "datetime": sa.DateTime, "int": sa.Integer, "float": sa.Float}


def contract_metadata(tables: list[str] | None = None) -> sa.MetaData:
    """SQLAlchemy tables shaped like the SSD contract (the types the SSD spec names), e.g. to build a test source.

    Not used by the extraction, which reads whatever the source holds.
    """
    metadata = sa.MetaData()
    for table, columns in ssd_tables().items():
        if tables is None or table in tables:
            columns_ = (sa.Column(c.name, _SA_TYPES.get(c.ssd_type.lower(), sa.Unicode)) for c in columns)
            sa.Table(table, metadata, *columns_)
    return metadata
