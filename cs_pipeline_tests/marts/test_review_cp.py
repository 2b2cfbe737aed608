"""ICPC after an ended S47, CP reviews that end the plan, timeliness_monthly's cohort and rounding, against
hand-worked answers (children_review_cp.py, team T9)."""
from __future__ import annotations

import pytest

from cs_pipeline_tests.marts.helpers import d, one, rows, value
from cs_pipeline_tests.marts.warehouse_fixture import read_table

ICPC_COLUMNS = ["due_date", "event_date", "working_days", "outcome", "exclusion_reason", "team"]


def test_icpc_after_an_ended_s47_depends_on_the_conference_flag(mart):
    icpc = mart("icpc_timeliness")
    # ended with the flag Y (generator's OUTCOME_ key), no ICPC, past due -> overdue, not "not required"
    assert one(icpc, ICPC_COLUMNS, s47_id="S901") == (d("2026-03-23"), None, None, "overdue", None, "T9")
    # ended with the flag Y (SSD key), due after the as-at date (Easter 2026) -> not yet due
    assert one(icpc, ICPC_COLUMNS, s47_id="S902") == (d("2026-04-08"), None, None, "not_yet_due", None, "T9")
    # ended with the flag N -> not required; ended with no outcome JSON at all -> not required
    for s47 in ("S903", "S905"):
        assert one(icpc, ICPC_COLUMNS, s47_id=s47) == (
            d("2026-02-23"), None, None, "excluded", "icpc_not_required", "T9")
    # ended with the flag Y before its conference: judged by the ICPC
    assert one(icpc, ICPC_COLUMNS, s47_id="S904") == (d("2026-01-26"), d("2026-01-26"), 15, "on_time", None, "T9")


def test_s47_conference_flag_in_staging(duckdb_url):
    s47 = read_table(duckdb_url, "staging", "stg_ssd__s47_enquiry")
    # OUTCOME_ key Y, SSD key Y (other flags N), SSD key N (services Y), OUTCOME_ key Y, no JSON
    for sid, want in (("S901", True), ("S902", True), ("S903", False), ("S904", True), ("S905", None)):
        assert one(s47, ["s47_cp_conference_flag"], s47_enquiry_id=sid) == (want,), sid


def test_cp_review_that_ends_the_plan_is_judged(mart):
    reviews = mart("cp_review_timeliness")
    got = rows(reviews[reviews["cp_plan_id"].isin(["CP911", "CP912", "CP913"])],
               ["cp_plan_id", "review_number", "due_date", "event_date", "outcome", "exclusion_reason", "team"])
    assert got == [
        ("CP911", 1, d("2025-08-08"), d("2025-08-01"), "on_time", None, "T9"),  # the review ended the plan
        ("CP911", 2, d("2026-02-01"), None, "excluded", "plan_ended_before_due", "T9"),
        ("CP912", 1, d("2025-08-08"), d("2025-08-15"), "late", None, "T9"),  # ended the plan, after the due date
        ("CP912", 2, d("2026-02-15"), None, "excluded", "plan_ended_before_due", "T9"),
        ("CP913", 1, d("2025-08-08"), None, "excluded", "plan_ended_before_due", "T9"),  # no review by the plan end
    ]


def test_early_events_not_yet_due_stay_on_time_in_the_mart(mart):
    reviews = mart("cp_review_timeliness")
    cols = ["review_number", "due_date", "event_date", "outcome"]
    assert rows(reviews, cols, cp_plan_id="CP921") == [
        (1, d("2026-04-05"), d("2026-03-30"), "on_time"), (2, d("2026-09-30"), None, "not_yet_due")]
    assert rows(reviews, cols, cp_plan_id="CP922") == [
        (1, d("2026-03-31"), d("2026-03-27"), "on_time"), (2, d("2026-09-27"), None, "not_yet_due")]


def test_non_working_day_event_counts_to_the_working_day_before(mart):
    """timeliness_conventions: a Saturday has the Friday's working-day index; the outcome compares dates."""
    visits = mart("cp_visit_timeliness")
    assert rows(visits, ["visit_number", "due_date", "event_date", "working_days", "outcome"],
                cp_plan_id="CP931") == [
        (1, d("2026-03-20"), d("2026-03-06"), 0, "on_time"),
        (2, d("2026-03-20"), d("2026-03-21"), 10, "late"),  # Saturday after a Friday due date
        (3, d("2026-04-07"), None, None, "not_yet_due"),
    ]


MONTHLY_COLUMNS = ["due_items", "on_time", "late", "overdue", "not_yet_due", "excluded", "pct_on_time"]

MONTHLY_EXPECTED = [
    # measure, due month: due_items, on_time, late, overdue, not_yet_due, excluded, pct_on_time (team T9)
    ("ICPC", "2025-12-01", (107, 13, 0, 94, 0, 0, 12.1)),  # R990: 13 of 107, 12.1495...%
    ("ICPC", "2026-01-01", (1, 1, 0, 0, 0, 0, 100.0)),  # S904
    ("ICPC", "2026-02-01", (0, 0, 0, 0, 0, 2, None)),  # S903, S905 not required
    ("ICPC", "2026-03-01", (1, 0, 0, 1, 0, 0, 0.0)),  # S901 overdue (was excluded)
    ("ICPC", "2026-04-01", (0, 0, 0, 0, 1, 0, None)),  # S902
    # CP911 on time (was excluded), CP912 late, CP913 excluded: 50.0 (was 0 of 1)
    ("CP_REVIEW", "2025-08-01", (2, 1, 1, 0, 0, 1, 50.0)),
    ("CP_REVIEW", "2026-02-01", (0, 0, 0, 0, 0, 2, None)),
    # CP922 due on the as-at date, held early: not yet due (was counted on time)
    ("CP_REVIEW", "2026-03-01", (0, 0, 0, 0, 1, 0, None)),
    # CP921 due 5 Apr, held early: not yet due (was counted on time)
    ("CP_REVIEW", "2026-04-01", (0, 0, 0, 0, 1, 0, None)),
]


@pytest.mark.parametrize("measure,month,want", MONTHLY_EXPECTED, ids=[f"{m}-{mo}" for m, mo, _ in MONTHLY_EXPECTED])
def test_monthly(mart, measure, month, want):
    assert one(mart("timeliness_monthly"), MONTHLY_COLUMNS, measure=measure, due_month=d(month), team="T9") == want


def test_monthly_counts_only_items_due_before_the_as_at_date(mart):
    monthly = mart("timeliness_monthly")
    from_as_at = monthly[monthly["due_month"].map(value) >= d("2026-04-01")]
    assert len(from_as_at) > 0
    assert (from_as_at[["due_items", "on_time", "late", "overdue"]] == 0).all().all()
    assert from_as_at["pct_on_time"].isna().all()


@pytest.mark.postgres
def test_pct_on_time_rounds_the_same_on_postgresql(postgres_url):
    """13 of 107 rounded to 12.2 on DuckDB and 12.1 on PostgreSQL before the integer rounding."""
    monthly = read_table(postgres_url, "marts", "timeliness_monthly")
    assert one(monthly, ["pct_on_time"], measure="ICPC", due_month=d("2025-12-01"), team="T9") == (12.1,)


def test_conference_without_an_s47_id_closes_the_childs_latest_s47(mart):
    icpc = mart("icpc_timeliness")
    assert one(icpc, ICPC_COLUMNS, s47_id="S950A")[3:5] == ("excluded", "icpc_not_required")
    assert one(icpc, ICPC_COLUMNS, s47_id="S950B") == (d("2026-03-23"), d("2026-03-16"), 10, "on_time", None, "T6")
    assert one(icpc, ICPC_COLUMNS, s47_id="S951") == (d("2026-03-23"), None, None, "overdue", None, "T6")
    assert one(icpc, ICPC_COLUMNS, s47_id="S952") == (d("2026-03-23"), None, None, "overdue", None, "T6")
