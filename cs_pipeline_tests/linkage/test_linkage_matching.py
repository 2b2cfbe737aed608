"""Deterministic and probabilistic passes on the hand-built council (real DuckDB warehouse)."""
from __future__ import annotations

import pytest

from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.linkage import model as lm
from cs_pipeline.linkage.matching import LinkageSettings, population_stability_index
from cs_pipeline.linkage.pipeline import run_linkage, weight_drift
from cs_pipeline_tests.linkage.conftest import EXPECTED, resolved, write_fixture

DETERMINISTIC = {
    ("lac_health_assessments", "LAC-1"): "nhs_number",
    ("immunisations", "IMM-1"): "nhs_number",  # nickname, but valid NHS number and date of birth agree
    ("dental_checks", "DEN-1"): "nhs_number",  # the child's number is only in ssd_linked_identifiers
    ("lac_health_assessments", "LAC-4"): "la_id",
}
PROBABILISTIC = {
    ("lac_health_assessments", "LAC-2"): "nickname (Bill / William)",
    ("immunisations", "IMM-2"): "apostrophe dropped, day and month swapped",
    ("dental_checks", "DEN-2"): "nickname, hyphen missing, date of birth one day out",
    ("lac_health_assessments", "LAC-3"): "accents, NHS number mistyped on the health side",
    ("immunisations", "IMM-3"): "SSD holds a placeholder NHS number",
    ("lac_health_assessments", "LAC-5"): "twin: must find Jack, not Harry",
    ("immunisations", "IMM-4"): "twin with a typo: Hary is Harry",
    ("lac_health_assessments", "LAC-6"): "surname typo, previous address",
    ("dental_checks", "DEN-4"): "NHS number mistyped on the SSD side",
}


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    """The fixture council after one run with default settings (read-only for the tests that use it)."""
    wh = Warehouse(f"duckdb:///{tmp_path_factory.mktemp('linked') / 'warehouse.duckdb'}")
    write_fixture(wh)
    summary = run_linkage(wh, run_id="run-1")
    return wh, summary


def _methods(wh):
    frame = wh.query_frame("SELECT file_kind, record_id, method FROM linkage.health_record_link")
    return {(r.file_kind, r.record_id): r.method for r in frame.itertuples()}


def test_every_record_resolves_as_expected(linked):
    wh, summary = linked
    got = resolved(wh)
    assert got == EXPECTED
    assert summary.values["nodes_linked_to_several_children"] == 0
    assert summary.values["children_with_several_nodes"] >= 2  # P01 and P03 appear under two identities


def test_deterministic_pass(linked):
    wh, _ = linked
    methods = _methods(wh)
    for key, method in DETERMINISTIC.items():
        assert methods[key] == method, key
    links = wh.query_frame("SELECT * FROM linkage.child_link WHERE method IN ('nhs_number', 'la_id')")
    assert (links["match_probability"] == 1.0).all()


@pytest.mark.parametrize("key", sorted(PROBABILISTIC))
def test_probabilistic_pass(linked, key):
    wh, _ = linked
    assert _methods(wh)[key] == "probabilistic", PROBABILISTIC[key]
    assert resolved(wh)[key] == EXPECTED[key]


def test_unknown_children_stay_unlinked(linked):
    wh, _ = linked
    got = resolved(wh)
    unknown = [k for k, v in EXPECTED.items() if v is None]
    assert unknown and all(got[k] is None for k in unknown)


def test_nhs_number_with_another_date_of_birth_is_not_deterministic(duckdb_warehouse):
    wh = duckdb_warehouse.wh
    # the NHS number of Oliver Smith (P01) on a record with another date of birth and another name
    wh.execute(
        "UPDATE raw.health_dental_checks SET date_of_birth = '2015-03-21', given_name = 'Noah', family_name = 'Hall', "
        "nhs_number = '9990079196' WHERE record_id = 'DEN-3'"
    )
    run_linkage(wh, run_id="run-1")
    assert _methods(wh)[("dental_checks", "DEN-3")] != "nhs_number"


def test_child_link_columns(linked):
    frame = linked[0].query_frame("SELECT * FROM linkage.child_link")
    assert list(frame.columns)[:6] == [
        "person_id", "health_patient_key", "nhs_number", "method", "match_probability", "match_weight"
    ]
    assert set(frame["method"]) <= {"nhs_number", "la_id", "probabilistic", "clerical"}
    assert frame["model_version"].str.startswith("default-").all()
    prob = frame[frame.method == "probabilistic"]
    assert (prob["match_probability"] >= 0.99).all() and prob["match_weight"].notna().all()
    assert not frame.duplicated(["health_patient_key"]).any()


def test_match_threshold_is_a_setting(duckdb_warehouse):
    wh = duckdb_warehouse.wh
    normal = run_linkage(wh, run_id="run-1").values
    strict_settings = LinkageSettings(match_threshold=1 - 1e-12, review_threshold=0.5)
    strict = run_linkage(wh, run_id="run-2", settings=strict_settings).values
    assert strict["links_probabilistic"] < normal["links_probabilistic"]
    assert strict["review_queue_pairs"] > normal["review_queue_pairs"]
    # what strict no longer links waits in the queue; deterministic links do not move
    assert strict["links_nhs_number"] == normal["links_nhs_number"] and strict["links_la_id"] == normal["links_la_id"]
    queue = wh.query_frame("SELECT * FROM linkage.review_queue")
    assert set(queue["reason"]) <= {"below_match_threshold", "ambiguous", "nhs_number_conflict"}
    assert queue["comparison_levels"].str.contains("forename=").all()
    with pytest.raises(ValueError):
        LinkageSettings(match_threshold=0.4, review_threshold=0.5)


def test_weight_history_and_drift(duckdb_warehouse):
    wh = duckdb_warehouse.wh
    run_linkage(wh, run_id="run-1")
    run_linkage(wh, run_id="run-2")
    history = wh.query_frame("SELECT run_id, sum(pair_count) AS n FROM linkage.match_weight_history GROUP BY run_id")
    assert set(history["run_id"]) == {"run-1", "run-2"}
    drift = weight_drift(wh)
    assert drift["runs"] == 2 and drift["psi"] == pytest.approx(0.0, abs=1e-9)

    # another model: weights move by design, so no comparison across models
    other = lm.default_model()
    other.splink_model["comparisons"][0]["comparison_levels"][1]["m_probability"] *= 0.5
    run_linkage(wh, run_id="run-3", bundle=other)
    assert weight_drift(wh) == {"runs": 3, "psi": None, "model_changed": True}

    # the same model on data that changed (every NHS number dropped from the health side): drift
    run_linkage(wh, run_id="run-4")
    for kind in ("lac_health_assessments", "immunisations", "dental_checks"):
        wh.execute(f"UPDATE raw.health_{kind} SET nhs_number = NULL, postcode = NULL")
    run_linkage(wh, run_id="run-5")
    drift = weight_drift(wh)
    assert drift["psi"] > 0.25 and drift["current_pairs"] > drift["previous_pairs"]


def test_population_stability_index():
    assert population_stability_index([10, 10, 10], [10, 10, 10]) == pytest.approx(0.0)
    assert population_stability_index([100, 0, 0], [0, 0, 100]) > 1
    assert population_stability_index([], []) is None


def test_linkage_duckdb_takes_the_warehouse_urls_settings(tmp_path, monkeypatch):
    """A capped warehouse (``?memory_limit=..&threads=..``) caps the linkage's in-memory DuckDB too, same result."""
    from cs_pipeline.linkage import pipeline

    seen = []
    real = pipeline.new_connection

    def spy(threads, memory_limit):
        con = real(threads, memory_limit)
        seen.append(con.execute("SELECT current_setting('threads'), current_setting('memory_limit')").fetchone())
        return con

    monkeypatch.setattr(pipeline, "new_connection", spy)
    wh = Warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}?memory_limit=512MB&threads=1")
    write_fixture(wh)
    run_linkage(wh, run_id="run-1")
    assert seen == [(1, "488.2 MiB")]
    assert resolved(wh) == EXPECTED
