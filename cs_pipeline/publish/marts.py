"""Publishing the marts BI tools read: dbt builds them aside in ``marts_build``, then one transaction replaces the
published tables in ``marts`` with this run's. A reader sees the last complete set or the new complete set, never a
mix or a half-written table, and a run that fails before or during publishing leaves the last good marts in place.

A table whose columns are unchanged is replaced by copying rows (DELETE, then INSERT ... SELECT): on PostgreSQL that
is MVCC-safe (a reader's snapshot sees every old row or every new one, where DROP or TRUNCATE would show an older
snapshot an empty table) and it keeps the BI roles' grants and any view a council built on the mart. A table whose
columns changed is dropped and created again in the same transaction; on PostgreSQL that fails while a council's
view depends on it, and the error names the table. ``marts_build`` is kept between runs, so a run building a few
models still finds the others' last builds to read.

    python -m cs_pipeline.publish.marts [TABLE ...]     # publish what marts_build holds (default: every table)
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from cs_pipeline.lib.faults import fault_point
from cs_pipeline.lib.warehouse import Warehouse, quote_ident

BUILD_SCHEMA = "marts_build"
PUBLISHED_SCHEMA = "marts"


class PublishError(RuntimeError):
    """The marts were not published; the previously published marts are untouched."""


@dataclass
class Published:
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows now published
    created: list[str] = field(default_factory=list)  # tables not published before
    recreated: list[str] = field(default_factory=list)  # tables whose columns changed
    seconds: float = 0.0


def _columns(conn: sa.Connection, schema: str, table: str) -> list[tuple[str, str]]:
    rows = conn.execute(sa.text(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = :s AND table_name = :t "
        "ORDER BY ordinal_position"), {"s": schema, "t": table}).fetchall()
    return [(str(name), str(kind)) for name, kind in rows]


def _replace(conn: sa.Connection, table: str) -> str:
    """Replaces marts.<table> by marts_build.<table>: 'copied' (rows), 'created' (new) or 'recreated'."""
    source = f"{quote_ident(BUILD_SCHEMA)}.{quote_ident(table)}"
    target = f"{quote_ident(PUBLISHED_SCHEMA)}.{quote_ident(table)}"
    columns, published = _columns(conn, BUILD_SCHEMA, table), _columns(conn, PUBLISHED_SCHEMA, table)
    if columns == published:
        names = ", ".join(quote_ident(name) for name, _ in columns)
        conn.execute(sa.text(f"DELETE FROM {target}"))
        conn.execute(sa.text(f"INSERT INTO {target} ({names}) SELECT {names} FROM {source}"))
        return "copied"
    conn.execute(sa.text(f"DROP TABLE IF EXISTS {target}"))
    conn.execute(sa.text(f"CREATE TABLE {target} AS SELECT * FROM {source}"))
    return "recreated" if published else "created"


def one_line(error: BaseException) -> str:
    """A driver's error as one line (PostgreSQL's run over several, indented), without SQLAlchemy's link."""
    return " ".join(str(error).split("(Background on this error at:")[0].split())


LOCK_WAIT_SECONDS = 30  # DuckDB: how long a reader holding the file open may delay publishing


def _is_duckdb_lock(exc: BaseException) -> bool:
    return "Could not set lock" in str(exc)


def publish_marts(warehouse: Warehouse, tables: Iterable[str] | None = None) -> Published:
    """Publishes ``tables`` (default: every table of marts_build) into marts in one transaction.

    On DuckDB a reader with the file open (read-only) blocks every writer: publishing waits up to LOCK_WAIT_SECONDS
    for it to close, then fails naming the lock, leaving the published marts as they were."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            return _publish(warehouse, tables)
        except (sa.exc.SQLAlchemyError, PublishError) as exc:
            locked = warehouse.dialect == "duckdb" and _is_duckdb_lock(exc)
            if locked and time.monotonic() <= deadline:
                time.sleep(0.1)
                continue
            if isinstance(exc, PublishError) and not locked:
                raise
            # the warehouse unreachable, or still locked by another process: say so, not only the driver's trace
            from cs_pipeline.config import redact_text, redact_url

            error = getattr(exc, "orig", None) or exc.__cause__ or exc
            first = redact_text(one_line(getattr(error, "orig", None) or error))
            waited = f" (waited {LOCK_WAIT_SECONDS} s for the lock)" if locked else ""
            raise PublishError(f"publishing {PUBLISHED_SCHEMA} to {redact_url(warehouse.url)} failed{waited}, nothing "
                               f"published (the previous marts are still published): {first[:500]}") from exc


def _publish(warehouse: Warehouse, tables: Iterable[str] | None) -> Published:
    started = time.perf_counter()
    built = set(warehouse.tables(BUILD_SCHEMA))
    names = sorted(built if tables is None else set(tables))
    missing = [t for t in names if t not in built]
    if missing:
        raise PublishError(f"{BUILD_SCHEMA} has no table {', '.join(missing)}: no mart published, "
                           f"the previous {PUBLISHED_SCHEMA} are still published")
    published, table = Published(), None
    try:
        with warehouse.begin() as conn:
            warehouse.ensure_schema(PUBLISHED_SCHEMA, conn)
            for i, table in enumerate(names):
                if i == len(names) // 2:
                    fault_point("publish.marts.mid_swap")
                how = _replace(conn, table)
                if how != "copied":
                    getattr(published, how).append(table)
                published.rows[table] = int(conn.execute(sa.text(
                    f"SELECT count(*) FROM {quote_ident(PUBLISHED_SCHEMA)}.{quote_ident(table)}")).scalar())
            if warehouse.dialect == "postgresql" and (published.created or published.recreated):
                from cs_pipeline.publish.roles import grant_readers  # a recreated table gets the readers' grants

                grant_readers(conn, PUBLISHED_SCHEMA)
    except sa.exc.SQLAlchemyError as exc:
        raise PublishError(f"publishing {PUBLISHED_SCHEMA} failed at table {table!r}, nothing published (the "
                           f"previous marts are still published): {one_line(exc.orig if hasattr(exc, 'orig') else exc)}"
                           ) from exc
    published.seconds = time.perf_counter() - started
    return published


def main(argv: list[str] | None = None) -> int:
    from cs_pipeline.config import Settings, redact_url

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tables", nargs="*", help="tables of marts_build to publish (default: all)")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    try:
        published = publish_marts(Warehouse(settings.warehouse_url), args.tables or None)
    except PublishError as exc:
        print(f"{redact_url(settings.warehouse_url)}: {exc}", file=sys.stderr)
        return 1
    print(f"published {len(published.rows)} marts ({sum(published.rows.values()):,} rows) in "
          f"{published.seconds:.2f} s; new: {', '.join(published.created) or 'none'}; "
          f"created again (columns changed): {', '.join(published.recreated) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
