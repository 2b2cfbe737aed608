"""timeliness_monthly, the Annex A snapshots, the BI dimensions and the calendar convention."""
from __future__ import annotations

import datetime as dt

from cs_pipeline_tests.marts.helpers import d, one, rows


def test_calendar_worked_examples(mart):
    """TIMELINESS.md examples: due = first working day with index(start) + N."""
    cal = mart("dim_date")
    days = [v if isinstance(v, dt.date) else v.date() for v in cal["calendar_date"]]
    index = {day: int(i) for day, i in zip(days, cal["working_day_index"])}
    working = {int(i): day for day, i, w in zip(days, cal["working_day_index"], cal["is_working_day"]) if w}
    for start, n, due in [("2025-12-19", 20, "2026-01-21"), ("2025-04-14", 15, "2025-05-08"),
                          ("2025-05-01", 45, "2025-07-07"), ("2025-08-22", 1, "2025-08-26"),
                          ("2025-03-01", 1, "2025-03-03")]:
        assert working[index[d(start)] + n] == d(due), (start, n)
    holidays = set(cal.loc[cal["bank_holiday_name"].notna(), "calendar_date"].map(
        lambda v: v if isinstance(v, dt.date) else v.date()))
    assert {d("2022-09-19"), d("2023-05-08"), d("2025-12-25"), d("2025-04-18"), d("2025-04-21")} <= holidays


def test_monthly_counts(mart):
    monthly = mart("timeliness_monthly")
    cols = ["due_items", "on_time", "late", "overdue", "not_yet_due", "excluded", "pct_on_time"]
    # IHA due in Feb 2026: C005 on time (4 Feb), C007 overdue (2 Feb, left after due), C009 excluded (9 Feb),
    # C019 excluded (2 Feb, left before due)
    assert one(monthly, cols, measure="IHA", due_month=d("2026-02-01"), team="UNALLOCATED") == (2, 1, 0, 1, 0, 2, 50.0)
    assert one(monthly, cols, measure="IHA", due_month=d("2026-01-01"), team="T1") == (1, 1, 0, 0, 0, 0, 100.0)
    # IHA due in March 2026: C013 due on the as-at date (not yet due); C006 (left) and C008 (short break) excluded
    assert one(monthly, cols, measure="IHA", due_month=d("2026-03-01"), team="UNALLOCATED") == (0, 0, 0, 0, 1, 2, None)
    # every measure appears
    assert set(monthly["measure"]) == {"IHA", "IHA_REQ", "RHA", "CLA_REVIEW", "CLA_VISIT", "ASSESS_WT", "ASSESS_DFE",
                                       "ICPC", "CP_REVIEW", "CP_VISIT", "CL_PATHWAY", "CORE_GROUP", "PEP", "PEP_TERM"}
    totals = monthly.groupby("measure")[["due_items", "on_time", "late", "overdue"]].sum()
    assert (totals["due_items"] == totals["on_time"] + totals["late"] + totals["overdue"]).all()
    iha = mart("iha_timeliness")
    assert totals.loc["IHA", "on_time"] == (iha["outcome"] == "on_time").sum()


def test_cla_snapshot(mart):
    snap = mart("cla_snapshot")
    # in care at 31 Mar 2026: not C003 (left 2023), C006, C007 (left); C011 in its second period
    assert "C003" not in set(snap["person_id"]) and "C007" not in set(snap["person_id"])
    assert one(snap, ["period_of_care_start"], person_id="C011") == (d("2025-09-01"),)
    cols = ["last_health_assessment_date", "health_assessment_in_date", "last_dental_check_date",
            "dental_check_in_date", "visit_in_date", "last_review_date", "review_in_date"]
    assert one(snap, cols, person_id="C001") == (
        d("2026-01-21"), True, d("2025-06-01"), True, False, None, False)
    assert one(snap, cols, person_id="C016") == (
        d("2025-08-01"), True, d("2024-12-01"), False, None, d("2025-03-20"), False)
    assert one(snap, ["last_visit_date", "visit_due_date", "visit_in_date"], person_id="C018") == (
        d("2025-05-07"), d("2025-08-07"), False)
    assert one(snap, ["health_assessment_in_date"], person_id="C004") == (False,)
    assert one(snap, ["health_assessment_in_date"], person_id="C013") == (True,)  # IHA due today


def test_cp_snapshot(mart):
    snap = mart("cp_snapshot")
    assert "CP23" in set(snap["cp_plan_id"]) and "CP24" not in set(snap["cp_plan_id"])  # CP24 ended
    assert "CP205" not in set(snap["cp_plan_id"])  # ended 23 Jan 2026 (a core group child)
    assert one(snap, ["last_review_date", "review_due_date", "review_in_date", "visit_in_date"], cp_plan_id="CP23") == (
        d("2026-02-03"), d("2026-08-03"), True, False)


def test_dimensions_hold_no_names_or_birth_dates(mart):
    child = mart("dim_child")
    for frame in (child, mart("dim_worker")):
        banned = {"forename", "surname", "dob", "date_of_birth", "professional_name", "nhs_number",
                  "common_child_id", "social_worker_registration_no"}
        assert not banned & set(frame.columns)
    assert one(child, ["age_at_as_at", "age_band", "is_looked_after", "is_uasc"], person_id="C001") == (
        4, "1-4", True, False)
    assert one(child, ["age_band", "is_uasc"], person_id="C013") == ("16-17", True)
    assert one(child, ["is_on_cp_plan"], person_id="C023") == (True,)
    assert "UNALLOCATED" in set(mart("dim_team")["team_id"])
    assert rows(mart("dim_worker"), ["worker_id", "job_title", "team_id"]) == [("W01", "Social Worker", "T1")]
