"""Linkage reads from and publishes to PostgreSQL (a dedicated database, ``cs_linkage_test``, created fresh).

These tests need the real server; they fail (never skip) when it is unreachable.
"""
from __future__ import annotations

import dagster as dg
import pytest

from cs_pipeline.linkage.pipeline import run_linkage
from cs_pipeline_tests.linkage.conftest import EXPECTED, resolved
from cs_pipeline_tests.linkage.test_linkage_dagster import _defs, _run

pytestmark = pytest.mark.postgres

TABLES = {
    "child_link",
    "health_record_link",
    "review_queue",
    "person_nodes",
    "health_patient_nodes",
    "match_weight_history",
    "match_model",
    "review_decisions",
}


def test_links_and_publishes_on_postgres(postgres_warehouse):
    wh = postgres_warehouse.wh
    assert wh.dialect == "postgresql"
    summary = run_linkage(wh, run_id="pg-1")
    assert summary.values["quarantined_rows_excluded"] == 1
    assert TABLES - {"match_model"} <= set(wh.tables("linkage"))
    assert resolved(wh) == EXPECTED
    types = wh.query_frame(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'linkage' AND table_name = 'child_link'"
    ).set_index("column_name")["data_type"]
    assert types["match_probability"] == "double precision" and types["linked_at"].startswith("timestamp")
    nodes = wh.query_frame("SELECT dob FROM linkage.person_nodes WHERE person_id = 'P01'")
    assert str(nodes.iloc[0, 0]) == "2015-03-12"


def test_review_decision_round_trip_on_postgres(postgres_warehouse):
    wh = postgres_warehouse.wh
    run_linkage(wh, run_id="pg-1")
    node = wh.query_frame(
        "SELECT health_patient_key FROM linkage.health_record_link WHERE record_id = 'LAC-2'"
    ).iloc[0, 0]
    wh.execute(
        "INSERT INTO linkage.review_decisions VALUES ('P03', :h, 'reject', 'reviewer-1', TIMESTAMP '2026-10-01 09:00')",
        h=node,
    )
    run_linkage(wh, run_id="pg-2")
    assert resolved(wh)[("lac_health_assessments", "LAC-2")] is None
    run_linkage(wh, run_id="pg-3")
    assert resolved(wh)[("lac_health_assessments", "LAC-2")] is None


def test_dagster_assets_and_checks_on_postgres(postgres_warehouse, tmp_path):
    defs = _defs(postgres_warehouse.url, tmp_path)
    with dg.instance_for_test() as instance:
        result = _run(defs, instance)
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    assert TABLES <= set(postgres_warehouse.wh.tables("linkage"))
    models = postgres_warehouse.wh.query_frame("SELECT model_version, source FROM linkage.match_model")
    assert list(models["source"]) == ["default"]
