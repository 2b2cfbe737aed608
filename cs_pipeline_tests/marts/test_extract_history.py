"""The extract's history: the council's extract holds events only from history_start(), the day after the as-at date
minus var extract_history_years (6) years: as-at 2026-03-31 -> 1 Apr 2020. An item due before it is excluded as
due_before_extract_history (its event would not be in the extract); an item due on it is judged normally; chains that
began before it have their early items excluded and their later items judged. Hand-worked answers in children.py
(add_history_children)."""
from __future__ import annotations

import pytest

from cs_pipeline_tests.marts.children import HISTORY_START
from cs_pipeline_tests.marts.helpers import d, one, rows, value

REASON = "due_before_extract_history"


def test_history_start_is_the_day_after_six_years_before_as_at():
    assert HISTORY_START == d("2020-04-01")


def test_icpc_due_the_day_before_history_start_is_excluded_due_on_it_is_judged(mart):
    icpc = mart("icpc_timeliness")
    cols = ["due_date", "event_date", "working_days", "outcome", "exclusion_reason"]
    # due Tue 31 Mar 2020: the ICPC of 1 Apr would be late (16 wd); excluded, the date and count still shown
    assert one(icpc, cols, s47_id="S301") == (d("2020-03-31"), d("2020-04-01"), 16, "excluded", REASON)
    # due Wed 1 Apr 2020 = the history start: judged
    assert one(icpc, cols, s47_id="S302") == (d("2020-04-01"), d("2020-04-01"), 15, "on_time", None)


def test_assessment_clocks_each_judged_on_their_own_due_date(mart):
    cols = ["due_date_wt", "due_date_dfe", "event_date", "working_days_wt", "working_days_dfe", "outcome_wt",
            "outcome_dfe", "exclusion_reason_wt", "exclusion_reason_dfe"]
    assert one(mart("assessment_timeliness"), cols, assessment_id="A303") == (
        d("2020-03-31"), d("2020-04-01"), d("2020-04-01"), 46, 45, "excluded", "on_time", REASON, None)


def test_cp_visit_chain_starting_before_history_start(mart):
    visits = mart("cp_visit_timeliness")
    cols = ["visit_number", "previous_visit_date", "due_date", "event_date", "working_days", "outcome",
            "exclusion_reason"]
    assert rows(visits, cols, cp_plan_id="CP306") == [
        # the visits before 1 Apr 2020 are not in the extract: the first one in it would make item 1 late
        (1, d("2020-03-02"), d("2020-03-16"), d("2020-04-02"), 23, "excluded", REASON),
        (2, d("2020-04-02"), d("2020-04-20"), d("2020-04-16"), 8, "on_time", None),  # Easter 2020
        (3, d("2020-04-16"), d("2020-04-30"), d("2020-05-05"), 13, "late", None),
        (4, d("2020-05-05"), d("2020-05-20"), d("2020-05-19"), 9, "on_time", None),  # VE Day, Fri 8 May 2020
        (5, d("2020-05-19"), d("2020-06-03"), None, None, "excluded", "plan_ended_before_due"),  # spring holiday
    ]
    # no visit in the extract: overdue without the rule (the plan ended after the due date)
    assert rows(visits, cols, cp_plan_id="CP307") == [
        (1, d("2019-06-03"), d("2019-06-17"), None, None, "excluded", REASON)]
    # first visit due the day before / on the history start, none held, plan ended 3 Apr 2020 (after both dates)
    assert one(visits, ["due_date", "outcome", "exclusion_reason"], cp_plan_id="CP304") == (
        d("2020-03-31"), "excluded", REASON)
    assert one(visits, ["due_date", "outcome", "exclusion_reason"], cp_plan_id="CP305") == (
        d("2020-04-01"), "overdue", None)


def test_cp_review_chain_starting_before_history_start(mart):
    reviews = mart("cp_review_timeliness")
    cols = ["review_number", "previous_review_date", "due_date", "event_date", "outcome", "exclusion_reason"]
    assert rows(reviews, cols, cp_plan_id="CP307") == [
        (1, d("2019-06-03"), d("2019-09-03"), d("2020-08-20"), "excluded", REASON),  # late without the rule
        (2, d("2020-08-20"), d("2021-02-20"), d("2021-02-15"), "on_time", None),
        (3, d("2021-02-15"), d("2021-08-15"), None, "excluded", "plan_ended_before_due"),
    ]
    # a plan that started before the history start, first review due after it: judged (here the plan ended first)
    assert rows(reviews, ["due_date", "exclusion_reason"], cp_plan_id="CP306") == [
        (d("2020-06-02"), "plan_ended_before_due")]


# every timeliness mart: (table, due date column, outcome column, exclusion reason column)
MARTS = [
    (table, "due_date", "outcome", "exclusion_reason")
    for table in ("iha_timeliness", "iha_request_timeliness", "rha_timeliness", "cla_review_timeliness",
                  "cla_visit_timeliness", "icpc_timeliness", "cp_review_timeliness", "cp_visit_timeliness",
                  "core_group_timeliness", "pep_timeliness", "care_leaver_pathway_timeliness")
] + [
    ("assessment_timeliness", "due_date_wt", "outcome_wt", "exclusion_reason_wt"),
    ("assessment_timeliness", "due_date_dfe", "outcome_dfe", "exclusion_reason_dfe"),
]


@pytest.mark.parametrize("table,due,outcome,reason", MARTS, ids=lambda v: v if isinstance(v, str) else None)
def test_due_before_extract_history_exactly_when_due_before_history_start(mart, table, due, outcome, reason):
    frame = mart(table)
    for row in frame[[due, outcome, reason]].itertuples(index=False):
        due_date, got_outcome, got_reason = (value(v) for v in row)
        if due_date is not None and due_date < HISTORY_START:
            assert (got_outcome, got_reason) == ("excluded", REASON), (table, row)
        else:
            assert got_reason != REASON, (table, row)


def test_monthly_counts_leave_out_items_due_before_history_start(mart):
    monthly = mart("timeliness_monthly")
    before = monthly[monthly["due_month"].map(value) < HISTORY_START]
    # ICPC, CP visits and reviews, core group, WT assessment items due before 1 Apr 2020: only counted as excluded
    assert {"ICPC", "CP_VISIT", "CP_REVIEW", "CORE_GROUP", "ASSESS_WT"} <= set(before["measure"])
    assert (before[["due_items", "on_time", "late", "overdue", "not_yet_due"]] == 0).all().all()
    assert before["pct_on_time"].isna().all()
    cols = ["due_items", "on_time", "late", "overdue", "not_yet_due", "excluded", "pct_on_time"]
    assert one(monthly, cols, measure="ICPC", due_month=d("2020-03-01"), team="UNALLOCATED") == (
        0, 0, 0, 0, 0, 1, None)  # C301
    assert one(monthly, cols, measure="ICPC", due_month=d("2020-04-01"), team="UNALLOCATED") == (
        1, 1, 0, 0, 0, 0, 100.0)  # C302
    assert one(monthly, cols, measure="ASSESS_WT", due_month=d("2020-03-01"), team="UNALLOCATED") == (
        0, 0, 0, 0, 0, 1, None)
    assert one(monthly, cols, measure="ASSESS_DFE", due_month=d("2020-04-01"), team="UNALLOCATED") == (
        1, 1, 0, 0, 0, 0, 100.0)
    # CP visits due Apr 2020: CP306 items 2 (on time) and 3 (late); CP305 (team T3) overdue
    assert one(monthly, cols, measure="CP_VISIT", due_month=d("2020-04-01"), team="UNALLOCATED") == (
        2, 1, 1, 0, 0, 0, 50.0)
    assert one(monthly, cols, measure="CP_VISIT", due_month=d("2020-04-01"), team="T3") == (1, 0, 0, 1, 0, 0, 0.0)
    assert one(monthly, cols, measure="CORE_GROUP", due_month=d("2020-03-01"), team="T3") == (
        0, 0, 0, 0, 0, 1, None)  # CP304
    assert one(monthly, cols, measure="CORE_GROUP", due_month=d("2020-04-01"), team="T3") == (
        1, 1, 0, 0, 0, 0, 100.0)  # CP305
