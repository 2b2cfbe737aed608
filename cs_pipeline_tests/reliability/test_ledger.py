"""The ledger itself: it refuses a case that lost rows or hid its message, and prints the counts."""
import pytest

from cs_pipeline_tests.reliability.outcomes import (
    FAILED_CLEANLY, LOADED, QUARANTINED, REJECTED, CaseResult, format_ledger, read_ledger, record)


def test_a_case_that_lost_a_row_fails(monkeypatch, tmp_path):
    monkeypatch.setenv("CS_PIPELINE_RELIABILITY_LEDGER", str(tmp_path / "l.jsonl"))
    with pytest.raises(AssertionError, match="1 row"):
        record(CaseResult("health files", "probe", QUARANTINED, QUARANTINED, rows_in=10, staged=8, quarantined=1))
    assert read_ledger(tmp_path / "l.jsonl")[0]["lost"] == 1  # written before it was judged


@pytest.mark.parametrize("message", ["", "Traceback (most recent call last):\n  ..."])
def test_a_rejection_needs_a_message_that_is_not_only_a_traceback(monkeypatch, message):
    monkeypatch.delenv("CS_PIPELINE_RELIABILITY_LEDGER", raising=False)
    with pytest.raises(AssertionError):
        record(CaseResult("health files", "probe", REJECTED, REJECTED, rows_in=3, staged=0, message=message))


def test_a_different_outcome_fails(monkeypatch):
    monkeypatch.delenv("CS_PIPELINE_RELIABILITY_LEDGER", raising=False)
    with pytest.raises(AssertionError, match="expected loaded, saw failed cleanly"):
        record(CaseResult("warehouse", "probe", LOADED, FAILED_CLEANLY, message="x"))


def test_the_table_counts_cases_and_lost_rows():
    rows = [{"area": "a", "case": "c1", "expected": LOADED, "observed": LOADED, "rows_in": 5, "staged": 5,
             "quarantined": 0, "lost": 0},
            {"area": "a", "case": "c2", "expected": LOADED, "observed": QUARANTINED, "rows_in": 5, "staged": 3,
             "quarantined": 1, "lost": 1}]
    text = format_ledger(rows)
    assert text.splitlines()[0].split() == ["area", "case", "expected", "observed", "rows", "in", "staged",
                                            "quarantined", "lost"]
    assert text.splitlines()[-1] == "cases tried: 2, passing: 1, rows lost: 1"
