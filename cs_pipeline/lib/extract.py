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
import queue
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from cs_pipeline.config import redact_url
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
    source = sa.table(source_table, *(sa.column(name) for name in mapping.values()), schema=schema)
    return sa.select(
        *(source.c[src] if src == col else source.c[src].label(col) for col, src in mapping.items())
    )


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
    contract = ssd_tables()[table]
    columns = [c.name for c in contract]
    datetime_cols = {c.name for c in contract if c.ssd_type.lower() == "datetime"}
    extracted_at = extracted_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    result = result if result is not None else ExtractResult(table)
    with engine.connect() as conn:
        source_table, mapping = resolve_source(conn, table, columns, schema)
        result.source_table = source_table
        result.renamed_columns = {c: s for c, s in mapping.items() if c != s}
        stmt = select_statement(source_table, mapping, schema)
        rows_seen = 0
        cache: dict = {}
        cursor = conn.execution_options(stream_results=True, yield_per=chunk_rows).execute(stmt)
        for rows in cursor.partitions(chunk_rows):
            n = len(rows)
            by_column = list(zip(*rows))
            data = {col: text_array(by_column[i], col in datetime_cols, cache) for i, col in enumerate(columns)}
            data["_row_key"] = pc.cast(pa.array(np.arange(rows_seen + 1, rows_seen + n + 1)), pa.string())
            data["_source"] = pa.repeat(pa.scalar(source_label, pa.string()), n)
            data["_extracted_at"] = pa.repeat(pa.scalar(extracted_at, pa.string()), n)
            data["_load_id"] = pa.repeat(pa.scalar(load_id, pa.string()), n)
            rows_seen += n
            result.rows = rows_seen
            result.chunks += 1
            yield text_frame(data)


def text_frame(data: dict[str, pa.Array | list]) -> pd.DataFrame:
    """Text columns as Arrow-backed strings: DuckDB scans them without the GIL (so the next chunk can be read
    meanwhile), PostgreSQL's COPY gets the same CSV as from object columns, and None stays NULL."""
    return pd.DataFrame(
        {
            c: pd.arrays.ArrowExtensionArray(v if isinstance(v, pa.Array) else pa.array(v, type=pa.string()))
            for c, v in data.items()
        }
    )


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
) -> ExtractResult:
    """Replace ``raw.<table>`` with the source table's contract columns as text. Returns counts and timings.

    ``chunk_hook`` (tests, benchmarks) sees each frame before it is written.
    """
    if table not in ssd_tables():
        raise KeyError(f"{table} is not an SSD contract table")
    engine = engine or source_engine(cms_url)
    result = ExtractResult(table)
    started = time.perf_counter()
    chunks = prefetched(
        lambda: iter_text_chunks(
            engine, table, load_id=load_id, source_label=redact_url(cms_url), chunk_rows=chunk_rows, schema=schema,
            result=result,
        )
    )
    if chunk_hook is not None:
        chunks = (chunk_hook(c) for c in chunks)
    try:
        warehouse.replace_table(RAW_SCHEMA, table, chunks, raw_column_types(table))
    except SourceTableAbsent:
        if table not in extension_tables():
            raise
        warehouse.replace_table(RAW_SCHEMA, table, [], raw_column_types(table))
        result.supplied = False
    finally:
        chunks.close()
    result.seconds = time.perf_counter() - started
    record_table_load(warehouse, table, supplied=result.supplied, rows=result.rows, load_id=load_id)
    return result


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
