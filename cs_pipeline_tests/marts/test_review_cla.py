"""The review's CLA defects against hand-worked answers (children_review_cla.py explains each child)."""
from __future__ import annotations

import pytest

from cs_pipeline_tests.marts.helpers import d, one, rows
from cs_pipeline_tests.marts.warehouse_fixture import read_table

IHA_COLUMNS = ["period_of_care_start", "due_date", "event_date", "working_days", "outcome", "exclusion_reason",
               "evidence_source"]
REQ_COLUMNS = ["period_of_care_start", "due_date", "event_date", "working_days", "outcome", "exclusion_reason"]
RHA_COLUMNS = ["period_of_care_start", "review_number", "previous_assessment_date", "due_date", "event_date",
               "outcome", "exclusion_reason"]
REVIEW_COLUMNS = ["review_number", "previous_review_date", "due_date", "event_date", "outcome", "exclusion_reason"]
VISIT_COLUMNS = ["placement_start", "visit_number", "previous_visit_date", "due_date", "event_date", "outcome",
                 "exclusion_reason"]
SNAPSHOT_HEALTH = ["period_of_care_start", "last_health_assessment_date", "health_assessment_due_date",
                   "health_assessment_in_date"]


def _dates(values: tuple) -> tuple:
    return tuple(d(v) if isinstance(v, str) and len(v) == 10 and v[:2] == "20" else v for v in values)


# --- Defect 1: same-day episodes ---------------------------------------------------------------------------------

def test_same_day_episodes_make_one_period(mart, duckdb_url):
    periods = read_table(duckdb_url, "intermediate", "int_cla__periods_of_care")
    assert not periods["period_of_care_key"].duplicated().any()
    # the RNE S episode leads the period although 'RCE10' (RNE P) sorts before 'RCE9' as text
    assert rows(periods, ["period_start", "first_cla_episode_id", "started_with_rne_s", "episode_count"],
                person_id="RC01") == [(d("2026-01-05"), "RCE9", True, 2)]
    assert rows(periods, ["period_start", "started_with_rne_s", "episode_count"], person_id="RC02") == [
        (d("2026-01-05"), True, 2)]
    assert rows(mart("iha_timeliness"), IHA_COLUMNS, person_id="RC01") == [
        _dates(("2026-01-05", "2026-02-02", "2026-01-20", 11, "on_time", None, "health_provider"))]
    assert rows(mart("iha_request_timeliness"), REQ_COLUMNS, person_id="RC01") == [
        _dates(("2026-01-05", "2026-01-12", "2026-01-06", 1, "on_time", None))]
    assert rows(mart("rha_timeliness"), RHA_COLUMNS, person_id="RC01") == [
        _dates(("2026-01-05", 1, "2026-01-20", "2027-01-20", None, "not_yet_due", None))]
    assert rows(mart("cla_review_timeliness"), REVIEW_COLUMNS, person_id="RC01") == [
        _dates((1, "2026-01-05", "2026-02-02", "2026-01-30", "on_time", None)),
        _dates((2, "2026-01-30", "2026-04-30", None, "not_yet_due", None)),
    ]
    assert rows(mart("cla_visit_timeliness"), VISIT_COLUMNS, person_id="RC01") == [
        _dates(("2026-01-05", 1, "2026-01-05", "2026-01-12", "2026-01-09", "on_time", None)),
        _dates(("2026-01-05", 2, "2026-01-09", "2026-02-20", "2026-02-20", "on_time", None)),
        _dates(("2026-01-05", 3, "2026-02-20", "2026-04-03", None, "not_yet_due", None)),
    ]
    assert rows(mart("pep_timeliness"), ["pep_item", "due_date", "outcome"], person_id="RC01") == [
        ("initial", d("2026-02-02"), "overdue")]
    assert one(mart("cla_snapshot"), ["period_of_care_start", "last_health_assessment_date",
                                      "health_assessment_in_date", "visit_due_date", "visit_in_date",
                                      "last_review_date", "review_due_date", "review_in_date", "team"],
               person_id="RC01") == _dates(("2026-01-05", "2026-01-20", True, "2026-04-03", True, "2026-01-30",
                                            "2026-04-30", True, "T8"))


def test_two_rne_s_episodes_the_same_day(mart):
    assert rows(mart("iha_timeliness"), ["due_date", "outcome"], person_id="RC02") == [(d("2026-02-02"), "overdue")]
    assert rows(mart("iha_request_timeliness"), ["due_date", "outcome"], person_id="RC02") == [
        (d("2026-01-12"), "overdue")]
    assert rows(mart("cla_review_timeliness"), ["due_date", "outcome"], person_id="RC02") == [
        (d("2026-02-02"), "overdue")]
    assert rows(mart("cla_visit_timeliness"), ["due_date", "outcome"], person_id="RC02") == [
        (d("2026-01-12"), "overdue")]
    assert rows(mart("cla_snapshot"), ["period_of_care_start"], person_id="RC02") == [(d("2026-01-05"),)]
    assert rows(mart("dim_child"), ["is_looked_after"], person_id="RC02") == [(True,)]


@pytest.mark.parametrize("name, key", [
    ("iha_timeliness", "iha_item_key"), ("iha_request_timeliness", "iha_item_key"), ("rha_timeliness", "rha_item_key"),
    ("cla_review_timeliness", "review_item_key"), ("cla_visit_timeliness", "visit_item_key"),
    ("pep_timeliness", "pep_item_key"), ("cla_snapshot", "person_id")])
def test_item_keys_unique(mart, name, key):
    frame = mart(name)
    assert not frame[key].duplicated().any(), name


# --- Defect 2: the IHA request on its own date -------------------------------------------------------------------

def test_iha_request_with_appointment_after_as_at(mart):
    assert one(mart("iha_request_timeliness"), REQ_COLUMNS, person_id="RC03") == _dates(
        ("2026-01-05", "2026-01-12", "2026-01-07", 2, "on_time", None))
    # the IHA itself sees nothing new: no assessment by its due date
    assert one(mart("iha_timeliness"), IHA_COLUMNS, person_id="RC03") == _dates(
        ("2026-01-05", "2026-02-02", None, None, "overdue", None, None))


def test_iha_request_with_appointment_after_care_ended(mart):
    assert one(mart("iha_request_timeliness"), REQ_COLUMNS, person_id="RC04") == _dates(
        ("2026-01-05", "2026-01-12", "2026-01-08", 3, "on_time", None))
    assert one(mart("iha_timeliness"), ["outcome", "exclusion_reason"], person_id="RC04") == (
        "excluded", "ceased_care_before_due")


# --- Defect 3: snapshot visit in date on the current placement chain ------------------------------------------

def test_snapshot_visit_uses_the_current_placement_chain(mart):
    assert rows(mart("cla_visit_timeliness"), VISIT_COLUMNS, person_id="RC05") == [
        _dates(("2026-01-05", 1, "2026-01-05", "2026-01-12", None, "overdue", None)),  # old chain: still a failure
        _dates(("2026-01-20", 1, "2026-01-20", "2026-01-27", "2026-01-22", "on_time", None)),
        _dates(("2026-01-20", 2, "2026-01-22", "2026-03-05", "2026-03-02", "on_time", None)),
        _dates(("2026-01-20", 3, "2026-03-02", "2026-04-13", None, "not_yet_due", None)),
    ]
    assert one(mart("cla_snapshot"), ["last_visit_date", "visit_due_date", "visit_in_date"], person_id="RC05") == (
        d("2026-03-02"), d("2026-04-13"), True)


# --- Defect 4: snapshot health assessment in date on re-entry ---------------------------------------------------

def test_snapshot_health_assessment_on_re_entry(mart):
    snap = mart("cla_snapshot")
    # re-entered, nothing since: judged against the new period's IHA due date
    assert one(snap, SNAPSHOT_HEALTH, person_id="RC06") == _dates(("2026-03-16", None, "2026-04-15", True))
    assert one(snap, SNAPSHOT_HEALTH, person_id="RC07") == _dates(("2026-01-05", None, "2026-02-02", False))
    # the assessment in the 3 months before entry stands in for the IHA
    assert one(snap, SNAPSHOT_HEALTH, person_id="RC08") == _dates(
        ("2025-12-01", "2025-09-15", "2026-09-15", True))
    iha = mart("iha_timeliness")
    assert one(iha, ["due_date", "outcome"], person_id="RC06", period_of_care_start=d("2026-03-16")) == (
        d("2026-04-15"), "not_yet_due")
    assert one(iha, ["due_date", "outcome"], person_id="RC07", period_of_care_start=d("2026-01-05")) == (
        d("2026-02-02"), "overdue")
    assert one(iha, ["due_date", "outcome", "exclusion_reason"], person_id="RC08",
               period_of_care_start=d("2025-12-01")) == (
        d("2025-12-31"), "excluded", "assessment_in_3_months_before_entry")
    assert rows(mart("rha_timeliness"), RHA_COLUMNS, person_id="RC08") == [
        _dates(("2025-09-01", 1, "2025-09-15", "2026-09-15", None, "excluded", "ceased_care_before_due")),
        _dates(("2025-12-01", 1, "2025-09-15", "2026-09-15", None, "not_yet_due", None)),
    ]


# --- Defect 5: the earliest qualifying IHA ---------------------------------------------------------------------

def test_iha_earliest_event_when_sources_disagree(mart):
    iha = mart("iha_timeliness")
    assert one(iha, IHA_COLUMNS + ["health_provider_iha_date", "case_management_iha_date"], person_id="RC09") == (
        _dates(("2026-01-05", "2026-02-02", "2026-01-09", 4, "on_time", None, "case_management", "2026-03-10",
                "2026-01-09")))
    assert rows(mart("rha_timeliness"), RHA_COLUMNS + ["evidence_source"], person_id="RC09") == [
        _dates(("2026-01-05", 1, "2026-01-09", "2027-01-09", "2026-03-10", "on_time", None, "health_provider")),
        _dates(("2026-01-05", 2, "2026-03-10", "2027-03-10", None, "not_yet_due", None, None)),
    ]


def test_iha_same_event_recorded_twice_uses_the_provider(mart):
    assert one(mart("iha_timeliness"), IHA_COLUMNS, person_id="RC10") == _dates(
        ("2026-01-05", "2026-02-02", "2026-01-20", 11, "on_time", None, "health_provider"))
    assert rows(mart("rha_timeliness"), ["previous_assessment_date", "due_date", "outcome"], person_id="RC10") == [
        (d("2026-01-20"), d("2027-01-20"), "not_yet_due")]


# --- Defect 6: refusals ------------------------------------------------------------------------------------------

def test_refusal_after_the_due_date_does_not_exclude(mart):
    assert one(mart("iha_timeliness"), IHA_COLUMNS + ["is_refusal"], person_id="RC11") == _dates(
        ("2026-01-05", "2026-02-02", None, None, "overdue", None, None, True))
    assert one(mart("iha_request_timeliness"), ["outcome", "exclusion_reason"], person_id="RC11") == (
        "overdue", None)


def test_refusal_before_the_due_dates_excludes_iha_and_request(mart):
    assert one(mart("iha_timeliness"), ["outcome", "exclusion_reason", "is_refusal"], person_id="RC12") == (
        "excluded", "refused", True)
    assert one(mart("iha_request_timeliness"), ["outcome", "exclusion_reason"], person_id="RC12") == (
        "excluded", "refused")


# --- Defect 7: care leaver's latest row -------------------------------------------------------------------------

def test_care_leaver_latest_row_is_the_latest_dated(mart):
    got = rows(mart("care_leaver_pathway_timeliness"),
               ["review_number", "previous_review_date", "due_date", "event_date", "outcome", "exclusion_reason",
                "care_leaver_eligibility", "team"], person_id="RC13")
    assert got == [_dates((1, "2025-06-01", "2025-12-01", None, "overdue", None, "Former Relevant", "T8"))]


def test_monthly_counts_for_team_t8(mart):
    monthly = mart("timeliness_monthly")
    cols = ["due_items", "on_time", "late", "overdue", "not_yet_due", "excluded"]
    # IHA due Feb 2026 in T8: RC01, RC09, RC10 on time; RC02, RC03, RC05, RC07, RC11 overdue; RC04 (left care) and
    # RC12 (refused) excluded
    assert one(monthly, cols, measure="IHA", due_month=d("2026-02-01"), team="T8") == (8, 3, 0, 5, 0, 2)
    # IHA requests due 12 Jan 2026 in T8: RC01, RC03, RC04 on time; RC02, RC05, RC07, RC09, RC10, RC11 overdue (no
    # request recorded); RC12 excluded (refused)
    assert one(monthly, cols, measure="IHA_REQ", due_month=d("2026-01-01"), team="T8") == (9, 3, 0, 6, 0, 1)


def test_review_numbers_unknown_when_the_entry_is_before_the_history(mart):
    assert rows(mart("cla_review_timeliness"), REVIEW_COLUMNS, person_id="RC20") == sorted([_dates(r) for r in [
        (1, "2019-11-04", "2019-12-02", "2020-08-14", "excluded", "due_before_extract_history"),
        (2, "2020-08-14", "2021-02-14", "2021-02-10", "on_time", None),
        (3, "2021-02-10", "2021-08-10", None, "overdue", None),
    ]], key=lambda t: tuple(str(x) for x in t))


def test_review_chain_of_a_period_not_starting_with_rne_s(mart):
    assert rows(mart("cla_review_timeliness"), REVIEW_COLUMNS, person_id="RC21") == sorted([_dates(r) for r in [
        (1, "2024-09-02", "2024-09-30", "2024-10-10", "excluded", "entry_not_in_extract"),
        (2, "2024-10-10", "2025-04-10", "2025-03-05", "on_time", None),
        (3, "2025-03-05", "2025-09-05", None, "excluded", "ceased_care_before_due"),
    ]], key=lambda t: tuple(str(x) for x in t))
