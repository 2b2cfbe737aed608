"""Review queue round trip: decisions in linkage.review_decisions change the crosswalk on the next run, and stay."""
from __future__ import annotations

import pandas as pd

from cs_pipeline.linkage.matching import LinkageSettings
from cs_pipeline.linkage.pipeline import run_linkage
from cs_pipeline_tests.linkage.conftest import resolved

STRICT = LinkageSettings(match_threshold=1 - 1e-12, review_threshold=0.5)


def _node_of(wh, kind, record_id):
    return wh.query_frame(
        "SELECT health_patient_key FROM linkage.health_record_link WHERE file_kind = :k AND record_id = :r",
        k=kind,
        r=record_id,
    ).iloc[0, 0]


def _decide(wh, person_id, node, decision, at):
    frame = pd.DataFrame(
        [{"person_id": person_id, "health_patient_key": node, "decision": decision, "decided_by": "reviewer-1",
          "decided_at": pd.Timestamp(at)}]
    )
    with wh.begin() as conn:
        wh.append_frame(conn, frame, "linkage", "review_decisions")


def _link(wh, node):
    frame = wh.query_frame("SELECT person_id, method FROM linkage.child_link WHERE health_patient_key = :h", h=node)
    return [tuple(r) for r in frame.itertuples(index=False)]


def test_review_round_trip(duckdb_warehouse):
    wh = duckdb_warehouse.wh
    run_linkage(wh, run_id="run-1", settings=STRICT)
    queue = wh.query_frame("SELECT * FROM linkage.review_queue")
    assert len(queue) > 0
    wanted = {"review_id", "person_id", "health_patient_key", "match_probability", "comparison_levels"}
    assert wanted <= set(queue.columns)
    assert wh.table_exists("linkage", "review_decisions") and wh.row_count("linkage", "review_decisions") == 0

    # 1. confirm a queued pair -> clerical link; it leaves the queue
    queued = queue.sort_values("match_weight").iloc[0]
    _decide(wh, queued.person_id, queued.health_patient_key, "confirm", "2026-10-01 09:00")
    # 2. confirm a pair the model would never link (Jones born 2009 is not P03) -> clerical link all the same
    stranger = _node_of(wh, "immunisations", "IMM-5")
    assert _link(wh, stranger) == []
    _decide(wh, "P03", stranger, "confirm", "2026-10-01 09:05")
    # 3. reject a deterministic (NHS number) link -> it never links again
    oliver = _node_of(wh, "lac_health_assessments", "LAC-1")
    assert _link(wh, oliver) == [("P01", "nhs_number")]
    _decide(wh, "P01", oliver, "reject", "2026-10-01 09:10")

    for run in ("run-2", "run-3"):  # the next run changes the crosswalk, and the one after keeps it
        run_linkage(wh, run_id=run, settings=STRICT)
        assert _link(wh, queued.health_patient_key) == [(queued.person_id, "clerical")]
        assert _link(wh, stranger) == [("P03", "clerical")]
        assert _link(wh, oliver) == []
        assert resolved(wh)[("lac_health_assessments", "LAC-1")] is None
        queue = wh.query_frame("SELECT person_id, health_patient_key FROM linkage.review_queue")
        pairs = set(zip(queue.person_id, queue.health_patient_key))
        assert (queued.person_id, queued.health_patient_key) not in pairs
        assert ("P01", oliver) not in pairs  # a decided pair is not asked again
        clerical = wh.query_frame("SELECT * FROM linkage.child_link WHERE method = 'clerical'")
        assert (clerical["match_probability"] == 1.0).all()
    # decisions are human input: runs never replace them
    assert wh.row_count("linkage", "review_decisions") == 3


def test_latest_decision_wins(duckdb_warehouse):
    wh = duckdb_warehouse.wh
    run_linkage(wh, run_id="run-1")
    node = _node_of(wh, "lac_health_assessments", "LAC-2")
    assert _link(wh, node) == [("P03", "probabilistic")]
    _decide(wh, "P03", node, "reject", "2026-10-01 09:00")
    run_linkage(wh, run_id="run-2")
    assert _link(wh, node) == []
    _decide(wh, "P03", node, "confirm", "2026-10-02 09:00")  # changed their mind
    run_linkage(wh, run_id="run-3")
    assert _link(wh, node) == [("P03", "clerical")]


def test_confirming_another_child_moves_the_node(duckdb_warehouse):
    wh = duckdb_warehouse.wh
    run_linkage(wh, run_id="run-1")
    node = _node_of(wh, "lac_health_assessments", "LAC-5")  # Jack Wilson -> P09
    assert _link(wh, node) == [("P09", "probabilistic")]
    _decide(wh, "P10", node, "confirm", "2026-10-01 09:00")  # the reviewer knows better: the twin
    run_linkage(wh, run_id="run-2")
    assert _link(wh, node) == [("P10", "clerical")]
    frame = wh.query_frame(
        "SELECT health_patient_key, count(*) AS n FROM linkage.child_link GROUP BY health_patient_key"
    )
    assert (frame["n"] == 1).all()
