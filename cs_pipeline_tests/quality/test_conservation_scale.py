"""Row conservation on a synthetic council on DuckDB and on PostgreSQL: for every raw table, staging-eligible rows
(raw minus distinct quarantined keys) + distinct quarantined rows = raw rows, and both engines reject the same rows.

Scale from ``CS_QUALITY_SCALE`` (default 0.25: two engines on a shared 2-core machine; set 1 for the full check)."""
from __future__ import annotations

import datetime as dt
import os

import pytest

from cs_pipeline.lib.extract import extract_ssd_table
from cs_pipeline.lib.health_files import HEALTH_KINDS, ingest_health_folder
from cs_pipeline.lib.ssd_schema import ssd_tables
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.quality.engine import conservation_counts, validate_all
from cs_pipeline_tests.conftest import fresh_postgres_database

SCALE = float(os.environ.get("CS_QUALITY_SCALE", "0.25"))


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    from cs_pipeline.synthetic import generate

    out = tmp_path_factory.mktemp("council_conservation")
    generate(out, scale=SCALE, seed=5)
    return out


def load(wh: Warehouse, src) -> None:
    for table in ssd_tables():
        extract_ssd_table(f"sqlite:///{src / 'ssd.sqlite'}", wh, table, load_id="test")
    for kind in HEALTH_KINDS:
        ingest_health_folder(wh, src / "health", kind, load_id="test")


@pytest.mark.slow
def test_rows_conserved_on_duckdb_and_postgresql_alike(source, tmp_path):
    quarantined = {}
    for name, url in (("duckdb", f"duckdb:///{tmp_path / 'w.duckdb'}"),
                      ("postgresql", fresh_postgres_database("cs_quality_test_conservation"))):
        wh = Warehouse(url)
        load(wh, source)
        results = validate_all(wh, as_at=dt.date(2026, 9, 30), run_id=f"conservation-{name}")
        assert len(results) == 42  # 35 SSD + 4 extension + 3 health tables
        for table, v in results.items():
            counts = conservation_counts(wh, table)
            assert counts["eligible"] + counts["quarantined"] == counts["raw"] == v.raw_rows, (name, table, counts)
            assert counts["orphan_quarantine_keys"] == 0
            assert v.result("rows_conserved").passed, (name, table)
        assert not [t for t, v in results.items() if v.blocked], name
        quarantined[name] = {
            t: set(wh.query_frame(f'SELECT DISTINCT _row_key FROM quarantine."{t}"')["_row_key"]) for t in results
        }
    assert quarantined["duckdb"] == quarantined["postgresql"]
