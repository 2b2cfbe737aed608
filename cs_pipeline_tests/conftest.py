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
