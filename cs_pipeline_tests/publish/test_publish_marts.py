"""Publishing the marts in one transaction (cs_pipeline/publish/marts.py), on DuckDB and the real PostgreSQL.

The kill tests run the publisher as its own process (``python -m cs_pipeline.publish.marts``), stop it half-way
through the swap (fault point ``publish.marts.mid_swap``), kill it with SIGKILL, and check what a concurrent reader
saw the whole time: every observation is the complete old set or the complete new set of marts.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import duckdb
import pytest
import sqlalchemy as sa

from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.publish.marts import BUILD_SCHEMA, PUBLISHED_SCHEMA, PublishError, publish_marts
from cs_pipeline_tests.conftest import drop_postgres_database, fresh_postgres_database

TABLES = [f"mart_{i}" for i in range(6)]


def rows(version: int, i: int) -> int:
    return 10 * version + i  # each table's row count says which version it is


def fill(wh: Warehouse, schema: str, version: int, extra_column: bool = False) -> None:
    with wh.begin() as conn:
        wh.ensure_schema(schema, conn)
        for i, table in enumerate(TABLES):
            extra = ", 'x' as note" if extra_column else ""
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {schema}.{table}"))
            conn.execute(sa.text(f"CREATE TABLE {schema}.{table} AS SELECT g AS person_id, {version} AS version{extra} "
                                 f"FROM generate_series(1, {rows(version, i)}) AS s(g)"))


def observe(conn) -> tuple:
    """Every mart's (rows, version) in one statement: one snapshot of the published set."""
    parts = ", ".join(f"(SELECT count(*) FROM {PUBLISHED_SCHEMA}.{t}), (SELECT max(version) FROM {PUBLISHED_SCHEMA}.{t})"
                      for t in TABLES)
    return tuple(int(v) for v in conn.execute(sa.text(f"SELECT {parts}")).fetchone())


def complete(version: int) -> tuple:
    return tuple(v for i in range(len(TABLES)) for v in (rows(version, i), version))


@pytest.fixture(params=["duckdb", "postgresql"])
def warehouse(request, tmp_path):
    if request.param == "duckdb":
        yield Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
        return
    url = fresh_postgres_database("cs_publish_marts")
    yield Warehouse(url)
    drop_postgres_database(url)


def test_publish_replaces_every_built_table_and_leaves_the_rest(warehouse):
    fill(warehouse, PUBLISHED_SCHEMA, 1)
    fill(warehouse, BUILD_SCHEMA, 2)
    warehouse.execute(f"CREATE TABLE {PUBLISHED_SCHEMA}.kept AS SELECT 1 AS x")  # a mart this run did not build
    published = publish_marts(warehouse, TABLES[:4])
    assert published.rows == {t: rows(2, i) for i, t in enumerate(TABLES[:4])}
    assert published.created == published.recreated == []
    assert [warehouse.row_count(PUBLISHED_SCHEMA, t) for t in TABLES] == [rows(2, i) for i in range(4)] + \
        [rows(1, 4), rows(1, 5)]
    assert warehouse.row_count(PUBLISHED_SCHEMA, "kept") == 1


def test_changed_columns_recreate_the_table(warehouse):
    fill(warehouse, PUBLISHED_SCHEMA, 1)
    fill(warehouse, BUILD_SCHEMA, 2, extra_column=True)
    published = publish_marts(warehouse)
    assert published.recreated == TABLES and published.created == []
    assert warehouse.columns(PUBLISHED_SCHEMA, TABLES[0]) == ["person_id", "version", "note"]


def test_a_table_not_built_publishes_nothing(warehouse):
    fill(warehouse, PUBLISHED_SCHEMA, 1)
    fill(warehouse, BUILD_SCHEMA, 2)
    with pytest.raises(PublishError, match="no table missing_mart: no mart published"):
        publish_marts(warehouse, [*TABLES, "missing_mart"])
    with warehouse.engine.connect() as conn:
        assert observe(conn) == complete(1)


def test_a_failure_mid_swap_rolls_everything_back(warehouse, monkeypatch):
    fill(warehouse, PUBLISHED_SCHEMA, 1)
    fill(warehouse, BUILD_SCHEMA, 2)
    monkeypatch.setenv("CS_PIPELINE_FAULT", "publish.marts.mid_swap:fail")
    with pytest.raises(RuntimeError, match="fault injected at publish.marts.mid_swap"):
        publish_marts(warehouse)
    with warehouse.engine.connect() as conn:
        assert observe(conn) == complete(1)


def test_postgres_keeps_a_councils_view_and_refuses_to_drop_it(tmp_path):
    url = fresh_postgres_database("cs_publish_view")
    wh = Warehouse(url)
    try:
        fill(wh, PUBLISHED_SCHEMA, 1)
        wh.execute("CREATE SCHEMA bi; CREATE VIEW bi.first_mart AS SELECT * FROM marts.mart_0")
        fill(wh, BUILD_SCHEMA, 2)
        publish_marts(wh)  # same columns: rows copied, the view stays and shows the new rows
        assert wh.scalar("SELECT count(*) FROM bi.first_mart") == rows(2, 0)
        fill(wh, BUILD_SCHEMA, 3, extra_column=True)
        with pytest.raises(PublishError, match="at table 'mart_0', nothing published"):
            publish_marts(wh)
        with wh.engine.connect() as conn:
            assert observe(conn) == complete(2)
    finally:
        wh.engine.dispose()
        drop_postgres_database(url)


# --- killed mid-publish, with a reader watching -----------------------------------------------------------------
def start_publisher(wh: Warehouse, fault: str | None) -> subprocess.Popen:
    env = {**os.environ, "CS_PIPELINE_WAREHOUSE_URL": wh.url}
    env.pop("CS_PIPELINE_FAULT", None)
    if fault:
        env["CS_PIPELINE_FAULT"] = fault
    return subprocess.Popen([sys.executable, "-m", "cs_pipeline.publish.marts"], env=env, stderr=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)


class Reader(threading.Thread):
    """Reads the published set every few milliseconds until stopped; DuckDB's file lock counts as 'locked out'."""

    def __init__(self, wh: Warehouse):
        super().__init__(daemon=True)
        self.wh, self.seen, self.locked_out, self.stop = wh, [], 0, threading.Event()

    def read_once(self):
        if self.wh.dialect == "duckdb":
            try:
                con = duckdb.connect(self.wh.duckdb_path, read_only=True)
            except duckdb.IOException:  # the publisher holds DuckDB's single-writer lock
                self.locked_out += 1
                return
            try:
                parts = ", ".join(f"(SELECT count(*) FROM marts.{t}), (SELECT max(version) FROM marts.{t})"
                                  for t in TABLES)
                self.seen.append(tuple(int(v) for v in con.execute(f"SELECT {parts}").fetchone()))
            finally:
                con.close()
        else:
            with self.wh.engine.connect() as conn:
                self.seen.append(observe(conn))

    def run(self):
        while not self.stop.is_set():
            self.read_once()
            time.sleep(0.05)  # DuckDB: the publisher, waiting for the file lock, gets its turn between reads


def wait_for_fault_point(proc: subprocess.Popen) -> None:
    line = proc.stderr.readline()
    assert "fault point publish.marts.mid_swap" in line, line + proc.stderr.read()


@pytest.mark.parametrize("columns_change", [False, True], ids=["rows_copied", "tables_recreated"])
def test_killed_mid_publish_a_reader_sees_only_complete_sets(warehouse, columns_change):
    fill(warehouse, PUBLISHED_SCHEMA, 1)
    fill(warehouse, BUILD_SCHEMA, 2, extra_column=columns_change)
    warehouse.engine.dispose()
    reader = Reader(warehouse)
    reader.start()
    proc = start_publisher(warehouse, "publish.marts.mid_swap:sleep=120")
    wait_for_fault_point(proc)  # half the tables are replaced inside the open transaction
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    time.sleep(0.3)
    reader.read_once()
    assert reader.seen[-1] == complete(1), "the killed run left the old marts published"

    proc = start_publisher(warehouse, None)  # the next run publishes the new set, the reader still watching
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, out + err
    time.sleep(0.3)
    reader.stop.set()
    reader.join(timeout=30)
    reader.read_once()
    assert reader.seen[-1][:2] == (rows(2, 0), 2)
    bad = [s for s in reader.seen if s not in (complete(1), complete(2))]
    assert not bad, f"a reader saw a mix of versions: {bad[:3]}"
    assert complete(1) in reader.seen and complete(2) in reader.seen
    if warehouse.dialect == "postgresql" and not columns_change:
        # rows copied under MVCC: the reader kept reading while the publisher sat mid-swap
        assert reader.seen.count(complete(1)) > 10


def hold_read_only(path: str, seconds: float) -> subprocess.Popen:
    code = (f"import duckdb, sys, time; c = duckdb.connect({path!r}, read_only=True); print('open', flush=True); "
            f"time.sleep({seconds})")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "open"
    return proc


def test_duckdb_publishing_waits_for_a_reader_to_close_the_file(tmp_path, monkeypatch):
    wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    fill(wh, PUBLISHED_SCHEMA, 1)
    fill(wh, BUILD_SCHEMA, 2)
    holder = hold_read_only(wh.duckdb_path, 1.5)
    started = time.monotonic()
    publish_marts(wh)
    assert time.monotonic() - started >= 1.0 and holder.wait(timeout=10) == 0
    with wh.engine.connect() as conn:
        assert observe(conn) == complete(2)

    import cs_pipeline.publish.marts as marts

    monkeypatch.setattr(marts, "LOCK_WAIT_SECONDS", 0.5)
    holder = hold_read_only(wh.duckdb_path, 5)
    try:
        with pytest.raises(PublishError, match="waited 0.5 s for the lock.*Could not set lock"):
            publish_marts(wh)
    finally:
        holder.kill()
        holder.wait()


def test_a_first_publish_creates_the_marts(warehouse):
    fill(warehouse, BUILD_SCHEMA, 1)
    published = publish_marts(warehouse)
    assert published.created == TABLES and published.recreated == []
    with warehouse.engine.connect() as conn:
        assert observe(conn) == complete(1)
