"""Assessments, ICPCs, CP reviews and visits, care leavers, against hand-worked answers (see children.py)."""
from __future__ import annotations

from cs_pipeline_tests.marts.helpers import d, one, rows

# plans of the review / visit children (the core group children's plans are tested in test_extension_timeliness)
CP_TEST_PLANS = ["CP23", "CP24"]

ASSESSMENT_COLUMNS = ["due_date_wt", "due_date_dfe", "event_date", "working_days_wt", "working_days_dfe",
                      "outcome_wt", "outcome_dfe", "exclusion_reason_wt"]


def test_assessment_two_clocks(mart):
    a = mart("assessment_timeliness")
    assert one(a, ASSESSMENT_COLUMNS, assessment_id="A20") == (
        d("2025-07-07"), d("2025-07-09"), d("2025-07-07"), 45, 43, "on_time", "on_time", None)
    assert one(a, ASSESSMENT_COLUMNS, assessment_id="A21") == (
        d("2026-01-08"), d("2026-01-08"), None, None, None, "overdue", "overdue", None)
    assert one(a, ASSESSMENT_COLUMNS, assessment_id="A22") == (
        d("2026-03-09"), d("2026-03-10"), None, None, None, "excluded", "excluded", "case_closed_before_due")
    assert one(a, ["team"], assessment_id="A20") == ("T2",)


ICPC_COLUMNS = ["due_date", "event_date", "working_days", "outcome", "exclusion_reason"]


def test_icpc(mart):
    icpc = mart("icpc_timeliness")
    assert one(icpc, ICPC_COLUMNS, s47_id="S23") == (d("2025-05-08"), d("2025-05-08"), 15, "on_time", None)
    assert one(icpc, ICPC_COLUMNS, s47_id="S24") == (
        d("2025-06-23"), None, None, "excluded", "transfer_in_conference")
    assert one(icpc, ICPC_COLUMNS, s47_id="S25") == (d("2026-03-23"), None, None, "overdue", None)
    assert one(icpc, ICPC_COLUMNS, s47_id="S26") == (d("2026-01-26"), None, None, "excluded", "icpc_not_required")
    assert one(icpc, ICPC_COLUMNS, s47_id="S27") == (
        d("2025-10-06"), None, None, "excluded", "icpc_before_s47_start")


def test_cp_reviews(mart):
    reviews = mart("cp_review_timeliness")
    got = rows(reviews[reviews["cp_plan_id"].isin(CP_TEST_PLANS)],
               ["cp_plan_id", "review_number", "due_date", "event_date", "outcome", "exclusion_reason"])
    assert got == [
        ("CP23", 1, d("2025-08-08"), d("2025-08-01"), "on_time", None),
        ("CP23", 2, d("2026-02-01"), d("2026-02-03"), "late", None),  # 6 months from the early review
        ("CP23", 3, d("2026-08-03"), None, "not_yet_due", None),
        ("CP24", 1, d("2025-08-08"), None, "excluded", "plan_ended_before_due"),
    ]


def test_cp_visits(mart):
    visits = mart("cp_visit_timeliness")
    got = rows(visits[visits["cp_plan_id"].isin(CP_TEST_PLANS)],
               ["cp_plan_id", "visit_number", "due_date", "event_date", "working_days", "outcome", "exclusion_reason"])
    assert got == [
        ("CP23", 1, d("2025-05-22"), None, None, "overdue", None),
        ("CP24", 1, d("2025-05-22"), d("2025-05-22"), 10, "on_time", None),
        ("CP24", 2, d("2025-06-06"), d("2025-06-10"), 12, "late", None),  # 26 May 2025 holiday
        ("CP24", 3, d("2025-06-24"), None, None, "excluded", "plan_ended_before_due"),
    ]


def test_care_leaver_pathway(mart):
    got = rows(mart("care_leaver_pathway_timeliness"), ["person_id", "review_number", "due_date", "event_date",
                                                        "outcome"])
    got = [r for r in got if not r[0].startswith("RC")]  # the review's CLA children: test_review_cla.py
    assert got == [
        ("C030", 1, d("2025-07-15"), d("2025-08-01"), "late"),
        ("C030", 2, d("2026-02-01"), None, "overdue"),
        ("C031", 1, d("2026-02-28"), None, "overdue"),  # 31 Aug + 6 months, clamped
    ]
