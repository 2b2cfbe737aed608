"""The linkage assets, checks and retrain job run through Dagster; nothing identifying reaches logs or metadata."""
from __future__ import annotations

import datetime as dt
import json
import logging

import dagster as dg

from cs_pipeline.config import Settings
from cs_pipeline.defs import linkage as linkage_defs
from cs_pipeline.defs.linkage.assets import (
    CHILD_LINK,
    INTEGRITY_CHECK_SPECS,
    MATCH_MODEL,
    REVIEW_QUEUE,
    integrity_check_results,
)
from cs_pipeline.defs.transform.dbt import blocked_dbt_selectors
from cs_pipeline.defs.resources import PipelineSettings
from cs_pipeline.linkage import model as lm
from cs_pipeline_tests.linkage.conftest import EXPECTED, SENSITIVE, resolved

RAW_KEYS = {
    "raw/ssd_person",
    "raw/ssd_linked_identifiers",
    "raw/ssd_address",
    "raw/health_lac_health_assessments",
    "raw/health_immunisations",
    "raw/health_dental_checks",
}


def _defs(url: str, tmp_path) -> dg.Definitions:
    settings = Settings(
        cms_url="sqlite:///unused.sqlite",
        health_dir=tmp_path / "health",
        warehouse_url=url,
        output_dir=tmp_path / "output",
        as_at=dt.date(2026, 9, 30),
        la_code="211",
    )
    return dg.Definitions.merge(
        linkage_defs.defs, dg.Definitions(resources={"pipeline": PipelineSettings.from_settings(settings)})
    )


def _run(defs: dg.Definitions, instance: dg.DagsterInstance, job_name: str | None = None, **kwargs):
    job = defs.resolve_job_def(job_name) if job_name else defs.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(instance=instance, **kwargs)


def test_asset_graph(tmp_path):
    defs = _defs(f"duckdb:///{tmp_path / 'w.duckdb'}", tmp_path)
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {"linkage/match_model", "linkage/child_link", "linkage/review_queue"} <= keys
    for key in (MATCH_MODEL, CHILD_LINK, REVIEW_QUEUE):
        node = graph.get(key)
        assert node.group_name == "linkage"
        assert RAW_KEYS <= {p.to_user_string() for p in node.parent_keys}
    assert MATCH_MODEL in graph.get(CHILD_LINK).parent_keys
    checks = {c.name for c in graph.asset_check_keys}
    assert {
        "linked_share_of_children_in_care",
        "health_records_unlinked_share",
        "no_health_patient_linked_to_two_children",
        "one_child_per_health_record",
        "match_weight_drift",
    } <= checks
    assert defs.resolve_job_def("retrain_linkage_model") is not None


def _event_text(result) -> str:
    """Every event message and every bit of materialisation / check metadata of a run, as text."""
    parts = []
    for event in result.all_events:
        parts.append(event.message or "")
        data = event.event_specific_data
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            parts.append(json.dumps({k: str(v.value) for k, v in data.materialization.metadata.items()}))
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            parts.append(json.dumps({k: str(v.value) for k, v in data.metadata.items()}))
    return "\n".join(parts)


def _leaks(text: str) -> list[str]:
    low = text.lower()
    return [s for s in SENSITIVE if s.lower() in low]


def test_materialise_checks_and_no_identifiers_in_logs_or_metadata(duckdb_warehouse, tmp_path, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    defs = _defs(duckdb_warehouse.url, tmp_path)
    with dg.instance_for_test() as instance:
        first = _run(defs, instance)
        second = _run(defs, instance)
    assert first.success and second.success
    assert resolved(duckdb_warehouse.wh) == EXPECTED

    # checks: all pass on the fixture
    evaluations = {e.check_name: e for e in second.get_asset_check_evaluations()}
    assert set(evaluations) == {
        "linked_share_of_children_in_care",
        "health_records_unlinked_share",
        "no_health_patient_linked_to_two_children",
        "one_child_per_health_record",
        "match_weight_drift",
    }
    assert all(e.passed for e in evaluations.values()), {k: e.passed for k, e in evaluations.items()}
    in_care = evaluations["linked_share_of_children_in_care"].metadata
    # P11 is in care with no health record yet: 4 of 5
    assert in_care["children_in_care"].value == 5 and in_care["children_in_care_linked"].value == 4
    assert evaluations["match_weight_drift"].metadata["runs"].value == 2

    model_md = second.asset_materializations_for_node("linkage__match_model")[0].metadata
    assert model_md["model_version"].value == lm.default_model().model_version
    link_md = {m.asset_key: m.metadata for m in (e.materialization for e in second.get_asset_materialization_events())}
    assert link_md[CHILD_LINK]["links_probabilistic"].value > 0

    text = "\n".join([_event_text(first), _event_text(second), caplog.text, *capfd.readouterr()])
    assert "links_probabilistic" in text  # the capture did see the metadata
    assert _leaks(text) == []


def test_privacy_check_can_fail():
    assert _leaks("linked 9990079196") == ["9990079196"]
    assert "Oliver" in _leaks("name oliver")


def test_routine_run_registers_the_default_model_once(duckdb_warehouse, tmp_path):
    defs = _defs(duckdb_warehouse.url, tmp_path)
    with dg.instance_for_test() as instance:
        first = _run(defs, instance)
        second = _run(defs, instance)
    md1 = first.asset_materializations_for_node("linkage__match_model")[0].metadata
    md2 = second.asset_materializations_for_node("linkage__match_model")[0].metadata
    assert md1["registered_now"].value is True and md2["registered_now"].value is False
    assert duckdb_warehouse.wh.row_count("linkage", "match_model") == 1
    stored = duckdb_warehouse.wh.query_frame("SELECT model_version, model_json FROM linkage.match_model").iloc[0]
    assert lm.ModelBundle.from_json(stored.model_json).model_version == stored.model_version


def test_retrain_refuses_a_council_too_small_to_train_on(duckdb_warehouse, tmp_path):
    defs = _defs(duckdb_warehouse.url, tmp_path)
    with dg.instance_for_test() as instance:
        _run(defs, instance)
        result = _run(defs, instance, "retrain_linkage_model", raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert "at least" in failure.event_specific_data.error.message
    assert _leaks(_event_text(result)) == []
    # the model in force is unchanged and the crosswalk still there
    assert duckdb_warehouse.wh.row_count("linkage", "match_model") == 1
    assert resolved(duckdb_warehouse.wh) == EXPECTED


def test_cluster_check_fails_when_a_node_links_two_children(duckdb_warehouse, tmp_path):
    defs = _defs(duckdb_warehouse.url, tmp_path)
    with dg.instance_for_test() as instance:
        _run(defs, instance)
    wh = duckdb_warehouse.wh
    wh.execute(
        "INSERT INTO linkage.child_link (person_id, health_patient_key, method) "
        "SELECT 'P11', health_patient_key, 'probabilistic' FROM linkage.child_link WHERE person_id = 'P09'"
    )
    cluster, record = integrity_check_results(wh)
    assert cluster.passed is False
    assert cluster.severity == dg.AssetCheckSeverity.ERROR
    assert cluster.metadata["health_patient_nodes_linked_to_several_children"].value == 1
    assert record.passed is True
    # Not Dagster-blocking: the dbt step leaves out the models reading the crosswalk instead, so social care
    # marts are still built.
    assert not any(spec.blocking for spec in INTEGRITY_CHECK_SPECS)
    assert blocked_dbt_selectors([cluster, record]) == {
        "source:linkage": ["linkage/child_link:no_health_patient_linked_to_two_children"]
    }

    wh.execute(
        "INSERT INTO linkage.health_record_link (file_kind, record_id, person_id) "
        "SELECT file_kind, record_id, 'P11' FROM linkage.health_record_link WHERE record_id = 'LAC-5'"
    )
    _, duplicated = integrity_check_results(wh)
    assert duplicated.passed is False and duplicated.severity == dg.AssetCheckSeverity.ERROR
