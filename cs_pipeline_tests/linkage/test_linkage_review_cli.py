"""The review command line (``python -m cs_pipeline.linkage.review``) on DuckDB and on the real PostgreSQL:
what a reviewer sees, and that what they decide changes the crosswalk on the next run."""
from __future__ import annotations

import datetime as dt

import pytest

from cs_pipeline.linkage import review
from cs_pipeline.linkage.pipeline import run_linkage
from cs_pipeline_tests.linkage.conftest import N1, N2, N6, N6_MISTYPED, N8, N8_MISTYPED, N9, N10, N11
from cs_pipeline_tests.linkage.test_linkage_review import STRICT, _link

NHS_NUMBERS = [N1, N2, N6, N8, N9, N10, N11, N6_MISTYPED, N8_MISTYPED]


@pytest.fixture(params=["duckdb_warehouse", pytest.param("postgres_warehouse", marks=pytest.mark.postgres)])
def warehouse(request):
    """The hand-built council's raw tables, no linkage yet."""
    return request.getfixturevalue(request.param)


@pytest.fixture
def queued(warehouse):
    """One strict run: nothing links probabilistically, so the queue holds five pairs (P04, P05, P08, P10, P12)."""
    run_linkage(warehouse.wh, run_id="run-1", settings=STRICT)
    return warehouse


def _cli(fixture, capsys, *args: str) -> tuple[int, str, str]:
    code = review.main([*args, "--warehouse-url", fixture.url])
    out, err = capsys.readouterr()
    return code, out, err


def _queued_id(wh, person_id: str) -> tuple[str, str]:
    row = wh.query_frame(
        "SELECT review_id, health_patient_key FROM linkage.review_queue WHERE person_id = :p", p=person_id
    ).iloc[0]
    return row.review_id, row.health_patient_key


def _queue_pairs(wh) -> set[tuple[str, str]]:
    frame = wh.query_frame("SELECT person_id, health_patient_key FROM linkage.review_queue")
    return set(zip(frame.person_id, frame.health_patient_key))


def test_list_shows_pending_pairs_with_nhs_numbers_masked(queued, capsys):
    queue = queued.wh.query_frame("SELECT * FROM linkage.review_queue ORDER BY match_weight DESC")
    assert len(queue) == 5
    # the tool's review id is the pipeline's: it can find a pair again once a run has taken it off the queue
    assert [review.review_id(p, h) for p, h in zip(queue.person_id, queue.health_patient_key)] == list(
        queue.review_id
    )

    code, out, _ = _cli(queued, capsys, "list")
    assert code == 0
    positions = [out.index(rid) for rid in queue.review_id]
    assert positions == sorted(positions)  # highest match weight first
    assert "robinsn" in out and "robinson" in out  # both identities side by side (health side as typed)
    assert "comparison  nhs_number=" in out
    # P08's health node carries N10: shown as its last 4 digits only, and no full NHS number anywhere
    assert "******" + N10[-4:] in out
    for number in NHS_NUMBERS:
        assert number not in out
        assert f"{number[:3]} {number[3:6]} {number[6:]}" not in out

    code, out, _ = _cli(queued, capsys, "list", "--limit", "1")
    assert code == 0 and queue.review_id[0] in out and queue.review_id[1] not in out
    code, out, _ = _cli(queued, capsys, "list", "--reason", "ambiguous")
    assert code == 0 and "No pairs waiting for review" in out and "rv_" not in out

    # the twin's pair stays listed, with a warning, once the node is confirmed to P09
    harry_id, harry = _queued_id(queued.wh, "P10")
    queued.wh.execute(
        "INSERT INTO linkage.review_decisions VALUES ('P09', :h, 'confirm', 'reviewer-1', TIMESTAMP '2026-10-01 09:00')",
        h=harry,
    )
    out = _cli(queued, capsys, "list")[1]
    assert harry_id in out and out.count("confirmed to another person") == 1


def test_confirm_and_reject_apply_on_the_next_run(queued, capsys):
    wh = queued.wh
    confirm_id, ethan = _queued_id(wh, "P12")  # Ethan Robinsn, moved house: the model is not sure
    reject_id, josh = _queued_id(wh, "P05")
    assert _link(wh, ethan) == [] and _link(wh, josh) == []

    assert _cli(queued, capsys, "confirm", confirm_id, "--by", "reviewer-1")[0] == 0
    code, out, _ = _cli(queued, capsys, "reject", reject_id, "--by", "reviewer-2")
    assert code == 0 and reject_id in out
    rows = wh.query_frame("SELECT person_id, health_patient_key, decision, decided_by FROM linkage.review_decisions")
    assert sorted(map(tuple, rows.itertuples(index=False))) == [
        ("P05", josh, "reject", "reviewer-2"),
        ("P12", ethan, "confirm", "reviewer-1"),
    ]
    # decided pairs leave the list at once, before any run
    out = _cli(queued, capsys, "list")[1]
    assert confirm_id not in out and reject_id not in out and out.count("rv_") == 3

    run_linkage(wh, run_id="run-2", settings=STRICT)
    assert _link(wh, ethan) == [("P12", "clerical")]
    assert _link(wh, josh) == []
    assert ("P05", josh) not in _queue_pairs(wh) and ("P12", ethan) not in _queue_pairs(wh)

    code, out, _ = _cli(queued, capsys, "decisions")
    assert code == 0
    assert out.index(reject_id) < out.index(confirm_id)  # newest first
    assert "reviewer-1" in out and "reviewer-2" in out
    assert not any(name in out.lower() for name in ("ethan", "robinson", "josh", "taylor"))


def test_latest_decision_wins_and_can_be_changed_after_a_run(queued, capsys):
    wh = queued.wh
    rid, harry = _queued_id(wh, "P10")  # "Hary Wilson": P10 or his twin P09
    assert _cli(queued, capsys, "reject", rid, "--by", "reviewer-1")[0] == 0
    code, out, _ = _cli(queued, capsys, "confirm", rid, "--by", "reviewer-2")
    assert code == 0 and "replaces an earlier reject" in out
    run_linkage(wh, run_id="run-2", settings=STRICT)
    assert _link(wh, harry) == [("P10", "clerical")]
    assert rid not in set(wh.query_frame("SELECT review_id FROM linkage.review_queue").review_id)

    # off the queue now, the id is still found through the decisions: the reviewer can change their mind
    code, out, _ = _cli(queued, capsys, "reject", rid, "--by", "reviewer-1")
    assert code == 0 and "replaces an earlier confirm" in out
    out = _cli(queued, capsys, "decisions")[1]
    assert out.count(rid) == 3 and out.count("(superseded)") == 2
    run_linkage(wh, run_id="run-3", settings=STRICT)
    assert _link(wh, harry) == []

    # a decision that would sort before one already recorded would never take effect: refused
    with pytest.raises(ValueError, match="would not take effect"):
        review.decide(wh, rid, "confirm", "reviewer-2", now=dt.datetime(2000, 1, 1))
    assert wh.row_count("linkage", "review_decisions") == 3


def test_unknown_review_id_fails_and_records_nothing(queued, capsys):
    code, out, err = _cli(queued, capsys, "confirm", "rv_0000000000000000", "--by", "reviewer-1")
    assert code != 0
    assert "rv_0000000000000000" in err and "Recorded" not in out
    assert queued.wh.row_count("linkage", "review_decisions") == 0


def test_by_is_required(warehouse, capsys):
    with pytest.raises(SystemExit) as exc:
        review.main(["confirm", "rv_0000000000000000", "--warehouse-url", warehouse.url])
    assert exc.value.code == 2
    assert "--by" in capsys.readouterr().err
    code, _, err = _cli(warehouse, capsys, "reject", "rv_0000000000000000", "--by", "  ")
    assert code != 0 and "--by" in err
    assert not warehouse.wh.table_exists("linkage", "review_decisions")


def test_list_before_linkage_ran_says_to_materialise_it(warehouse, capsys, monkeypatch):
    monkeypatch.setenv("CS_PIPELINE_WAREHOUSE_URL", warehouse.url)  # no override: the configured warehouse
    assert review.main(["list"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "materialise the linkage assets first" in err.lower()
    assert warehouse.wh.tables("linkage") == []  # looking creates nothing
