"""Looked-after reviews and visits, against hand-worked answers (children.py explains each child)."""
from __future__ import annotations

from cs_pipeline_tests.marts.helpers import d, one, rows

REVIEW_COLUMNS = ["review_number", "previous_review_date", "due_date", "event_date", "outcome", "exclusion_reason"]


def test_cla_review_chain_month_end_and_early_reset(mart):
    got = rows(mart("cla_review_timeliness"), REVIEW_COLUMNS, person_id="C016")
    assert got == [
        (1, d("2023-08-07"), d("2023-09-05"), d("2023-08-31"), "on_time", None),  # 20 wd, 28 Aug 2023 holiday
        (2, d("2023-08-31"), d("2023-11-30"), d("2023-11-30"), "on_time", None),  # 31 Aug + 3 months = 30 Nov
        (3, d("2023-11-30"), d("2024-05-30"), d("2024-03-15"), "on_time", None),  # early
        (4, d("2024-03-15"), d("2024-09-15"), d("2024-09-20"), "late", None),  # due from the early review
        (5, d("2024-09-20"), d("2025-03-20"), d("2025-03-20"), "on_time", None),
        (6, d("2025-03-20"), d("2025-09-20"), None, "overdue", None),  # the cancelled review does not count
    ]
    assert one(mart("cla_review_timeliness"), ["working_days"], person_id="C016", review_number=1) == (17,)


def test_cla_review_scope(mart):
    reviews = mart("cla_review_timeliness")
    assert rows(reviews, ["outcome", "exclusion_reason"], person_id="C008") == [("excluded", "short_break")]
    assert rows(reviews, ["outcome", "exclusion_reason"], person_id="C006") == [
        ("excluded", "ceased_care_before_due")]
    # re-entry restarts the chain: one first review per period of care
    assert rows(reviews, ["period_of_care_start", "review_number", "due_date"], person_id="C011") == [
        (d("2024-06-03"), 1, d("2024-07-01")),
        (d("2025-09-01"), 1, d("2025-09-29")),
    ]
    assert rows(reviews, ["due_date", "outcome"], person_id="C013") == [(d("2026-03-31"), "not_yet_due")]


VISIT_COLUMNS = ["placement_start", "visit_number", "previous_visit_date", "due_date", "event_date", "outcome",
                 "exclusion_reason"]


def test_cla_visits_new_placement_restarts_temporary_does_not(mart):
    got = rows(mart("cla_visit_timeliness"), VISIT_COLUMNS, person_id="C017")
    assert got == [
        (d("2025-01-06"), 1, d("2025-01-06"), d("2025-01-13"), d("2025-01-10"), "on_time", None),  # 7 days
        (d("2025-01-06"), 2, d("2025-01-10"), d("2025-02-21"), d("2025-02-21"), "on_time", None),  # 6 weeks
        (d("2025-01-06"), 3, d("2025-02-21"), d("2025-04-04"), d("2025-04-10"), "late", None),  # unseen 1 Mar
        # hospital (T1) 20-25 Apr and the return to the same carer do not restart the chain
        (d("2025-01-06"), 4, d("2025-04-10"), d("2025-05-22"), d("2025-05-20"), "on_time", None),
        (d("2025-01-06"), 5, d("2025-05-20"), d("2025-07-01"), None, "excluded", "left_placement_before_due"),
        (d("2025-06-02"), 1, d("2025-06-02"), d("2025-06-09"), d("2025-06-09"), "on_time", None),  # new placement
        (d("2025-06-02"), 2, d("2025-06-09"), d("2025-07-21"), d("2025-07-15"), "on_time", None),
        (d("2025-06-02"), 3, d("2025-07-15"), d("2025-08-26"), None, "overdue", None),
    ]


def test_cla_visits_long_term_after_first_year(mart):
    got = rows(mart("cla_visit_timeliness"), ["visit_number", "due_date", "event_date", "outcome"], person_id="C018")
    assert got == [
        (1, d("2024-01-15"), d("2024-01-12"), "on_time"),
        (2, d("2024-02-23"), d("2024-12-30"), "late"),
        (3, d("2025-02-10"), d("2025-02-07"), "on_time"),  # previous visit in the first year: 6 weeks
        (4, d("2025-05-07"), d("2025-05-07"), "on_time"),  # after the first year, long-term: 3 months
        (5, d("2025-08-07"), None, "overdue"),
    ]


def test_cla_visits_short_break_excluded(mart):
    assert rows(mart("cla_visit_timeliness"), ["outcome", "exclusion_reason"], person_id="C008") == [
        ("excluded", "short_break")]
