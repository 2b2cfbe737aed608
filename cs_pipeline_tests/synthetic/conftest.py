"""Session fixtures: one scale-1 council (seed 7), one tiny council, and a dedicated PostgreSQL database."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from cs_pipeline.synthetic import generate

PG_SERVER = os.environ.get("CS_PIPELINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
PG_DB = "cs_synth_test"


@pytest.fixture(scope="session")
def council_scale1(tmp_path_factory) -> Path:
    """Scale 1 (one average council), seed 7, generated once per session (~10 s)."""
    out = tmp_path_factory.mktemp("synthetic_scale1")
    generate(out, scale=1, seed=7)
    return out


@pytest.fixture(scope="session")
def tiny_council(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synthetic_tiny")
    generate(out, scale=0.05, seed=11)
    return out


@pytest.fixture(scope="session")
def pg_url() -> str:
    """A fresh database on the real server. Fails (never skips) when CI is set and the server is down."""
    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{PG_DB}"'))
    except sa.exc.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {PG_SERVER} is not reachable: {exc}")
        pytest.skip(f"PostgreSQL at {PG_SERVER} is not reachable (set CI to make this a failure)")
    finally:
        admin.dispose()
    return f"{PG_SERVER}/{PG_DB}"
