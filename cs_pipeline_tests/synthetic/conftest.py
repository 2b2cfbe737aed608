"""Session fixtures: one scale-1 council (seed 7), one tiny council, and a dedicated PostgreSQL database."""
from __future__ import annotations

from pathlib import Path

import pytest

from cs_pipeline.synthetic import generate
from cs_pipeline_tests.conftest import fresh_postgres_database

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
    """A fresh database on the real server (fails, never skips, when the server is down)."""
    return fresh_postgres_database(PG_DB)
