"""The warehouse: a DuckDB file (default) or a PostgreSQL database, behind one small interface.

Connections are opened per operation and closed straight after (NullPool): DuckDB allows one writer process,
and dbt runs in a subprocess that must be able to open the same file between our steps. A step that makes many
small queries holds the file open for its length (:meth:`Warehouse.kept_open`).
Bulk writes take each engine's fast path (DuckDB: a registered frame; PostgreSQL: COPY).
"""
from __future__ import annotations

import contextlib
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def quote_ident(name: str) -> str:
    """Identifiers come from our own contracts; refuse anything else rather than escape it."""
    if not _IDENT.match(name):
        raise ValueError(f"not a safe SQL identifier: {name!r}")
    return f'"{name}"'


def sql_type(dtype) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "BOOLEAN"
    if pd.api.types.is_integer_dtype(dtype):
        return "BIGINT"
    if pd.api.types.is_float_dtype(dtype):
        return "DOUBLE PRECISION"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "TIMESTAMP"
    return "TEXT"


# a DATE written as text: DuckDB's strftime pattern and PostgreSQL's to_char pattern for the same format
_DATE_TEXT_FORMATS = {"YYYY-MM-DD": "%Y-%m-%d", "DD/MM/YYYY": "%d/%m/%Y"}


def date_text_sql(dialect: str, expression: str, date_format: str) -> str:
    """SQL giving ``expression`` (a DATE) as text in ``date_format`` (YYYY-MM-DD or DD/MM/YYYY) on either engine."""
    if dialect == "duckdb":
        return f"strftime({expression}, '{_DATE_TEXT_FORMATS[date_format]}')"
    return f"to_char({expression}, '{date_format}')"


def duckdb_settings(url: str) -> dict[str, str]:
    """DuckDB settings carried in a warehouse URL's query (``duckdb:///w.duckdb?memory_limit=8GB&threads=2``).

    duckdb_engine applies them to our own connections; dbt and the linkage's in-memory DuckDB take them from here.
    """
    parsed = make_url(url)
    if not parsed.drivername.startswith("duckdb"):
        return {}
    return {k: str(v) for k, v in parsed.query.items()}


def _arrow_column(values: pd.Series) -> pa.Array:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)  # the wall time, as a TIMESTAMP column holds it
    try:
        return pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # an object column of mixed types: each value's text
        return pa.array([None if v is None or (isinstance(v, float) and v != v) or v is pd.NaT or v is pd.NA
                         else str(v) for v in values], type=pa.string())


def copy_csv(frame: pd.DataFrame) -> io.BytesIO:
    """A frame as CSV for PostgreSQL's ``COPY ... (FORMAT csv)``: every text value quoted, NULL unquoted and empty.

    A quoted value is never NULL in CSV COPY, so any text arrives as it was: ``''``, ``\\N`` (which the former
    ``NULL '\\N'`` marker turned into NULL), quotes, backslashes, newlines. Arrow's writer quotes every string.
    """
    table = pa.Table.from_arrays([_arrow_column(frame[c]) for c in frame.columns],
                                 names=[str(c) for c in frame.columns])
    buf = io.BytesIO()
    pa_csv.write_csv(table, buf, pa_csv.WriteOptions(include_header=False, quoting_style="needed"))
    buf.seek(0)
    return buf


class Warehouse:
    def __init__(self, url: str):
        self.url = url
        parsed = make_url(url)
        self.dialect = "duckdb" if parsed.drivername.startswith("duckdb") else "postgresql"
        if self.dialect == "duckdb" and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        if self.dialect == "postgresql" and parsed.drivername == "postgresql":
            url = parsed.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)
        self.engine = sa.create_engine(url, poolclass=NullPool)

    @property
    def duckdb_path(self) -> str | None:
        return make_url(self.url).database if self.dialect == "duckdb" else None

    @property
    def duckdb_settings(self) -> dict[str, str]:
        return duckdb_settings(self.url)

    @contextmanager
    def kept_open(self) -> Iterator["Warehouse"]:
        """Hold one connection for the block: on DuckDB every connection opened meanwhile reuses the open database
        (1.5 ms) instead of opening the file and checkpointing it on close (30-40 ms). Each operation still has its
        own connection and transaction. Released at the end, so a dbt subprocess or a reader can open the file.
        Nested blocks hold one connection each; PostgreSQL needs none."""
        if self.dialect != "duckdb":
            yield self
            return
        with self.engine.connect():
            yield self

    @contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        """A connection inside one transaction: committed on success, rolled back on error."""
        with self.engine.begin() as conn:
            yield conn

    def execute(self, sql: str, **params) -> None:
        with self.begin() as conn:
            conn.execute(sa.text(sql), params)

    def query_frame(self, sql: str, **params) -> pd.DataFrame:
        with self.engine.connect() as conn:
            result = conn.execute(sa.text(sql), params)
            return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    def fetch_frame(self, sql: str) -> pd.DataFrame:
        """A large query's rows by each engine's bulk path: DuckDB fetch_df (typed), PostgreSQL COPY (all text).

        The DuckDB result is drained in full: DuckDB 2.0 breaks the next query on a half-read one.
        """
        with self.engine.connect() as conn:
            driver = conn.connection.driver_connection
            if self.dialect == "duckdb":
                cursor = driver.cursor()
                cursor.execute(sql)
                return cursor.fetch_df()
            buf = io.StringIO()
            with driver.cursor() as cur:
                cur.copy_expert(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)", buf)
            buf.seek(0)
            return pd.read_csv(buf, dtype=str, keep_default_na=False, na_values=[""])

    def scalar(self, sql: str, **params):
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    def ensure_schema(self, schema: str, conn: sa.Connection | None = None) -> None:
        stmt = sa.text(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
        if conn is not None:
            conn.execute(stmt)
        else:
            self.execute(str(stmt))

    def table_exists(self, schema: str, table: str) -> bool:
        return bool(
            self.scalar(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = :s AND table_name = :t",
                s=schema,
                t=table,
            )
        )

    def tables(self, schema: str) -> list[str]:
        frame = self.query_frame(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = :s ORDER BY table_name", s=schema
        )
        return frame["table_name"].tolist()

    def columns(self, schema: str, table: str) -> list[str]:
        frame = self.query_frame(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = :s AND table_name = :t "
            "ORDER BY ordinal_position",
            s=schema,
            t=table,
        )
        return frame["column_name"].tolist()

    def row_count(self, schema: str, table: str) -> int:
        return int(self.scalar(f"SELECT count(*) FROM {quote_ident(schema)}.{quote_ident(table)}"))

    # -- writing ---------------------------------------------------------------------------------------------
    def create_table(
        self, conn: sa.Connection, schema: str, table: str, column_types: dict[str, str], *, replace: bool = False
    ) -> None:
        self.ensure_schema(schema, conn)
        target = f"{quote_ident(schema)}.{quote_ident(table)}"
        if replace:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {target}"))
        cols = ", ".join(f"{quote_ident(c)} {t}" for c, t in column_types.items())
        conn.execute(sa.text(f"CREATE TABLE IF NOT EXISTS {target} ({cols})"))

    def append_frame(self, conn: sa.Connection, frame: pd.DataFrame, schema: str, table: str) -> None:
        """Append a frame to an existing table whose columns include the frame's (matched by name)."""
        if frame.empty:
            return
        cols = ", ".join(quote_ident(c) for c in frame.columns)
        target = f"{quote_ident(schema)}.{quote_ident(table)}"
        driver = conn.connection.driver_connection
        if self.dialect == "duckdb":
            view = "_cs_pipeline_frame"
            driver.register(view, frame)
            try:
                driver.execute(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {view}")
            finally:
                driver.unregister(view)
        else:
            buf = copy_csv(frame)
            with driver.cursor() as cur:
                cur.copy_expert(f"COPY {target} ({cols}) FROM STDIN WITH (FORMAT csv)", buf)

    def replace_table(
        self,
        schema: str,
        table: str,
        chunks: Iterable[pd.DataFrame],
        column_types: dict[str, str] | None = None,
    ) -> int:
        """Load chunks into a side table, then swap it in.

        A failure at any point leaves the previously published table untouched and no side table behind.
        PostgreSQL loads in one transaction. DuckDB keeps a transaction's uncommitted rows in memory, so there
        each chunk is committed into the side table, keeping memory flat whatever the table's size.
        Returns rows written.
        """
        loading = f"{table}__loading"
        it = iter(chunks)
        first = next(it, None)
        types = column_types or ({c: sql_type(t) for c, t in first.dtypes.items()} if first is not None else {})
        if not types:
            raise ValueError(f"{schema}.{table}: no columns to create")
        all_chunks = itertools.chain([first] if first is not None else [], it)
        rows = 0
        if self.dialect == "duckdb":
            with self.engine.connect() as conn:
                try:
                    with conn.begin():
                        self.create_table(conn, schema, loading, types, replace=True)
                    for chunk in all_chunks:
                        with conn.begin():
                            self.append_frame(conn, chunk, schema, loading)
                        rows += len(chunk)
                except BaseException:
                    with contextlib.suppress(Exception), conn.begin():
                        conn.execute(sa.text(f"DROP TABLE IF EXISTS {quote_ident(schema)}.{quote_ident(loading)}"))
                    raise
        else:
            with self.begin() as conn:
                self.create_table(conn, schema, loading, types, replace=True)
                for chunk in all_chunks:
                    self.append_frame(conn, chunk, schema, loading)
                    rows += len(chunk)
        self.swap_in(schema, loading, table)
        return rows

    def swap_in(self, schema: str, loading: str, table: str) -> None:
        s = quote_ident(schema)
        with self.begin() as conn:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {s}.{quote_ident(table)}"))
            conn.execute(sa.text(f"ALTER TABLE {s}.{quote_ident(loading)} RENAME TO {quote_ident(table)}"))

    def write_frame(self, frame: pd.DataFrame, schema: str, table: str, *, replace: bool = True) -> int:
        """Write one frame: replace the table atomically (default) or append to it, creating it if needed."""
        if replace:
            return self.replace_table(schema, table, [frame], {c: sql_type(t) for c, t in frame.dtypes.items()})
        with self.begin() as conn:
            self.create_table(conn, schema, table, {c: sql_type(t) for c, t in frame.dtypes.items()})
            self.append_frame(conn, frame, schema, table)
        return len(frame)
