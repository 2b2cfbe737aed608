"""Fixtures every test package shares: a real PostgreSQL database per test package, DuckDB files in tmp."""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

PG_SERVER = os.environ.get("CS_PIPELINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432")


def fresh_postgres_database(name: str) -> str:
    """Drop and create a dedicated database on the real server; returns its URL.

    PostgreSQL paths are tested against the real server: if it is down this fails, it never skips. Under
    pytest-xdist each worker gets its own copy, so parallel workers never drop each other's database.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        name = f"{name}_{worker}"
    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:  # pragma: no cover - environment failure
        pytest.fail(f"PostgreSQL at {PG_SERVER} is not reachable (start it; see README): {exc}")
    finally:
        admin.dispose()
    return f"{PG_SERVER}/{name}"


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


# The reliability suite's ledger (cs_pipeline_tests/reliability/outcomes.py): one file the xdist workers append to,
# set by the controller before the workers start, printed by the controller at the end.
def pytest_configure(config):
    if hasattr(config, "workerinput"):
        return
    import tempfile
    from pathlib import Path

    from cs_pipeline_tests.reliability.outcomes import LEDGER_ENV

    path = Path(tempfile.mkdtemp(prefix="cs_reliability_")) / "ledger.jsonl"
    os.environ[LEDGER_ENV] = str(path)
    config._cs_reliability_ledger = path


def pytest_terminal_summary(terminalreporter, config):
    path = getattr(config, "_cs_reliability_ledger", None)
    if path is None:
        return
    from cs_pipeline_tests.reliability.outcomes import format_ledger, read_ledger

    rows = read_ledger(path)
    if rows:
        terminalreporter.section("reliability suite: cases")
        terminalreporter.write_line(format_ledger(rows))
