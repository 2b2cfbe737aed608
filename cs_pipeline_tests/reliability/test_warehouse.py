"""Reliability suite, warehouse: publishing the marts (cs_pipeline.publish.marts) when the warehouse fails.

Each case publishes a good set of marts first (version 1), builds the next set (version 2) in ``marts_build``, makes
the next publish fail (PostgreSQL unreachable or its connection killed mid-publish, the DuckDB file locked by
another process, the disk refusing writes part-way), then reads the published marts back through a fresh
connection: still version 1, every table, every row. The publisher runs as its own process where the fault is the
process's (``python -m cs_pipeline.publish.marts``, as an operator runs it; its stderr is the message).
"""
from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

import cs_pipeline.publish.marts as marts
from cs_pipeline.config import PROJECT_ROOT
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.publish.marts import BUILD_SCHEMA, PUBLISHED_SCHEMA, PublishError, publish_marts
from cs_pipeline_tests.conftest import PG_SERVER, drop_postgres_database, fresh_postgres_database
from cs_pipeline_tests.publish.test_publish_marts import TABLES, complete, observe
from cs_pipeline_tests.reliability.outcomes import FAILED_CLEANLY, LOADED, CaseResult, record

AREA = "warehouse"
ROWS = 300  # rows per mart of version 2 (version 1: 10 + i)


def build(wh: Warehouse, version: int, rows: int | None = None, width: int = 0) -> int:
    """marts_build.<mart_i> of ``version`` (``rows`` each, else 10 * version + i); returns the rows built."""
    total = 0
    with wh.begin() as conn:
        wh.ensure_schema(BUILD_SCHEMA, conn)
        for i, table in enumerate(TABLES):
            n = rows or 10 * version + i
            note = f", repeat('x', {width}) AS note" if width else ""
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {BUILD_SCHEMA}.{table}"))
            conn.execute(sa.text(f"CREATE TABLE {BUILD_SCHEMA}.{table} AS SELECT g AS person_id, {version} AS version"
                                 f"{note} FROM generate_series(1, {n}) AS s(g)"))
            total += n
    return total


def good_marts(wh: Warehouse) -> None:
    build(wh, 1)
    publish_marts(wh)
    assert published(wh) == complete(1)


def published(wh: Warehouse) -> tuple:
    """Every published mart's (rows, version), read in one statement through a new connection."""
    with wh.engine.connect() as conn:
        return observe(conn)


def new_rows_published(wh: Warehouse) -> int:
    return sum(int(wh.scalar(f"SELECT count(*) FROM {PUBLISHED_SCHEMA}.{t} WHERE version = 2")) for t in TABLES)


def publisher(url: str, env: dict | None = None, preexec_fn=None, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cs_pipeline.publish.marts"], cwd=PROJECT_ROOT,
                            env={**os.environ, "CS_PIPELINE_WAREHOUSE_URL": url, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=preexec_fn, **popen)


def the_error(stderr: str) -> str:
    """The publisher's message: its last non-empty line of stderr (a traceback would end in the exception)."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else ""


@pytest.fixture
def pg_warehouse():
    url = fresh_postgres_database("cs_reliability_warehouse")
    yield Warehouse(url)
    drop_postgres_database(url)


@pytest.mark.postgres
def test_postgresql_unreachable_at_publish_time(pg_warehouse, unused_port):
    good_marts(pg_warehouse)
    rows_in = build(pg_warehouse, 2, ROWS)
    database = pg_warehouse.url.rsplit("/", 1)[1]
    down = Warehouse(f"postgresql://publisher:wh-s3cret@127.0.0.1:{unused_port}/{database}")
    with pytest.raises(PublishError) as caught:
        publish_marts(down)
    message = str(caught.value)
    assert "wh-s3cret" not in message and "publisher:***@127.0.0.1" in message
    assert "could not" in message.lower() or "refused" in message.lower()
    assert published(pg_warehouse) == complete(1)
    record(CaseResult(AREA, "PostgreSQL unreachable at publish time", FAILED_CLEANLY, FAILED_CLEANLY, rows_in,
                      new_rows_published(pg_warehouse), 0, message))


@pytest.mark.postgres
def test_postgresql_connection_lost_mid_publish(pg_warehouse):
    good_marts(pg_warehouse)
    rows_in = build(pg_warehouse, 2, ROWS)
    # the publisher stops half-way through the swap; meanwhile the server drops its connection
    proc = publisher(pg_warehouse.url, {"CS_PIPELINE_FAULT": "publish.marts.mid_swap:sleep=2"})
    try:
        assert "sleeping" in proc.stderr.readline()
        admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            killed = conn.execute(sa.text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                                          "datname = :d AND pid <> pg_backend_pid()"),
                                  {"d": pg_warehouse.url.rsplit("/", 1)[1]}).scalar()
        admin.dispose()
        _, stderr = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert killed >= 1 and proc.returncode == 1, stderr
    message = the_error(stderr)
    assert "nothing published" in message and "Traceback" not in stderr
    assert published(pg_warehouse) == complete(1)
    record(CaseResult(AREA, "PostgreSQL connection lost mid-publish", FAILED_CLEANLY, FAILED_CLEANLY, rows_in,
                      new_rows_published(pg_warehouse), 0, message))


def hold_file(path: str, read_only: bool) -> subprocess.Popen:
    """Another process with the DuckDB file open (read-write: it holds the write lock) until killed."""
    code = (f"import duckdb, time; c = duckdb.connect({path!r}, read_only={read_only}); print('open', flush=True); "
            "time.sleep(300)")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "open"
    return proc


@pytest.mark.parametrize("read_only", [False, True], ids=["writer", "reader"])
def test_duckdb_file_locked_by_another_process(tmp_path, monkeypatch, read_only):
    wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    good_marts(wh)
    rows_in = build(wh, 2, ROWS)
    monkeypatch.setattr(marts, "LOCK_WAIT_SECONDS", 1.0)
    holder = hold_file(wh.duckdb_path, read_only)
    started = time.monotonic()
    try:
        with pytest.raises(PublishError) as caught:
            publish_marts(wh)
    finally:
        holder.kill()
        holder.wait()
    message = str(caught.value)
    assert time.monotonic() - started >= 1.0  # it waited for the lock first
    assert "waited 1.0 s for the lock" in message and "Could not set lock" in message
    assert str(tmp_path / "w.duckdb") in message
    assert published(wh) == complete(1)
    record(CaseResult(AREA, f"DuckDB file locked by another process ({'reader' if read_only else 'writer'})",
                      FAILED_CLEANLY, FAILED_CLEANLY, rows_in, new_rows_published(wh), 0, message))
    publish_marts(wh)  # the lock gone, the next publish goes through
    assert new_rows_published(wh) == rows_in


def test_duckdb_disk_refusing_writes_mid_publish(tmp_path):
    """The publisher's files may not grow past their size now (RLIMIT_FSIZE; SIGXFSZ ignored, so a write fails with
    EFBIG as on a full disk): the commit's write-ahead log cannot be written."""
    path = tmp_path / "w.duckdb"
    wh = Warehouse(f"duckdb:///{path}")
    good_marts(wh)
    rows_in = build(wh, 2, 20_000, width=200)  # enough that the commit must write well past the file's size
    limit = os.path.getsize(path)

    def no_growth():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = publisher(f"duckdb:///{path}", preexec_fn=no_growth)
    _, stderr = proc.communicate(timeout=300)
    message = the_error(stderr)
    assert proc.returncode == 1 and "Traceback" not in stderr, stderr
    assert "File too large" in message and "nothing published" in message
    assert published(wh) == complete(1)  # also after the next open replays what the log holds
    assert published(Warehouse(f"duckdb:///{path}")) == complete(1)
    record(CaseResult(AREA, "DuckDB disk refusing writes mid-publish (RLIMIT_FSIZE)", FAILED_CLEANLY, FAILED_CLEANLY,
                      rows_in, new_rows_published(wh), 0, message))
    publish_marts(wh)  # room again: the same build publishes whole
    assert new_rows_published(wh) == rows_in


@pytest.mark.postgres
def test_a_publish_after_the_failures_succeeds(pg_warehouse):
    """The baseline: the same build published with the warehouse healthy goes through whole."""
    good_marts(pg_warehouse)
    rows_in = build(pg_warehouse, 2, ROWS)
    proc = publisher(pg_warehouse.url)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    staged = new_rows_published(pg_warehouse)
    record(CaseResult(AREA, "PostgreSQL healthy (baseline publish)", LOADED, LOADED if staged == rows_in else
                      FAILED_CLEANLY, rows_in, staged, 0, stdout.strip()))


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
