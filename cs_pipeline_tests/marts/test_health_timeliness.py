"""IHA, IHA request and RHA marts against hand-worked answers (children.py explains each child)."""
from __future__ import annotations

import pytest

from cs_pipeline_tests.marts.helpers import d, one, rows

IHA_COLUMNS = ["due_date", "event_date", "working_days", "outcome", "exclusion_reason", "evidence_source"]

IHA_EXPECTED = {
    # person, period start: due, event, working days, outcome, exclusion, evidence
    ("C001", "2025-12-19"): ("2026-01-21", "2026-01-21", 20, "on_time", None, "health_provider"),  # Christmas
    ("C002", "2025-03-01"): ("2025-03-28", "2025-03-31", 21, "late", None, "case_management"),  # weekend start
    ("C003", "2022-09-12"): ("2022-10-11", "2022-10-11", 20, "on_time", None, "health_provider"),  # 19 Sep 2022
    ("C004", "2023-05-02"): ("2023-06-01", None, None, "overdue", None, None),  # 8 May 2023 coronation
    ("C005", "2026-01-07"): ("2026-02-04", "2026-01-07", 0, "on_time", None, "health_provider"),  # same day
    ("C006", "2026-02-02"): ("2026-03-02", None, None, "excluded", "ceased_care_before_due", None),
    ("C007", "2026-01-05"): ("2026-02-02", None, None, "overdue", None, None),  # left after due, no IHA
    ("C019", "2026-01-05"): ("2026-02-02", "2026-01-09", 4, "excluded", "ceased_care_before_due", "health_provider"),
    ("C008", "2026-02-02"): ("2026-03-02", None, None, "excluded", "short_break", None),
    ("C009", "2026-01-12"): ("2026-02-09", None, None, "excluded", "assessment_in_3_months_before_entry", None),
    ("C010", "2025-10-01"): ("2025-10-29", None, None, "excluded", "refused", None),
    ("C011", "2024-06-03"): ("2024-07-01", "2024-06-20", 13, "on_time", None, "health_provider"),
    ("C011", "2025-09-01"): ("2025-09-29", "2025-10-06", 25, "late", None, "case_management"),  # re-entry
    ("C012", "2025-06-02"): ("2025-06-30", "2025-07-15", 31, "late", None, "health_provider"),  # not brought
    ("C013", "2026-03-03"): ("2026-03-31", None, None, "not_yet_due", None, None),  # due on the as-at date
    ("C014", "2025-04-14"): ("2025-05-15", "2025-05-16", 21, "late", None, "health_provider"),  # Easter
    ("C016", "2023-08-07"): ("2023-09-05", "2023-08-31", 17, "on_time", None, "health_provider"),
    ("C017", "2025-01-06"): ("2025-02-03", None, None, "overdue", None, None),
    ("C018", "2024-01-08"): ("2024-02-05", None, None, "overdue", None, None),
}


def _expected(values):
    due, event, wd, outcome, reason, source = values
    return (d(due), d(event), wd, outcome, reason, source)


def test_iha_has_one_item_per_period_started_with_rne_s(mart):
    got = rows(mart("iha_timeliness"), ["person_id", "period_of_care_start"])
    iha_children = {p for p, _ in IHA_EXPECTED}
    assert [r for r in got if r[0] in iha_children] == sorted(
        ((p, d(s)) for p, s in IHA_EXPECTED), key=lambda t: (t[0], str(t[1])))
    # the PEP children (C1xx, and C308 in add_history_children) entered with RNE S too, except C112 (first episode
    # RNE P: no IHA item); the review's CLA children (RCxx, children_review_cla.py) have their own tests
    assert {r[0] for r in got if not r[0].startswith("RC")} - iha_children == (
        {f"C{n}" for n in range(101, 112)} | {"C308"})
    assert len(got) == len(set(got))


@pytest.mark.parametrize("key", sorted(IHA_EXPECTED), ids=lambda k: f"{k[0]}-{k[1]}")
def test_iha_item(mart, key):
    person, start = key
    got = one(mart("iha_timeliness"), IHA_COLUMNS, person_id=person, period_of_care_start=d(start))
    assert got == _expected(IHA_EXPECTED[key])


def test_iha_flags_and_splits(mart):
    iha = mart("iha_timeliness")
    assert one(iha, ["is_refusal"], person_id="C010") == (True,)
    assert one(iha, ["was_not_brought"], person_id="C012") == (True,)
    assert one(iha, ["is_uasc", "is_out_of_area"], person_id="C013") == (True, True)
    assert one(iha, ["is_uasc", "is_out_of_area"], person_id="C001") == (False, False)
    # the provider's date is used where both sources have one; the case-management date is kept beside it
    assert one(iha, ["health_provider_iha_date", "case_management_iha_date"], person_id="C001") == (
        d("2026-01-21"), d("2026-01-23"))
    # team on the due date from the child's involvement; none -> UNALLOCATED
    assert one(iha, ["team"], person_id="C001") == ("T1",)
    assert one(iha, ["team"], person_id="C002") == ("UNALLOCATED",)


def test_iha_request(mart):
    req = mart("iha_request_timeliness")
    # C001 entered Fri 19 Dec 2025: 22, 23, 24 Dec are days 1-3, 25/26 Dec holidays, 29, 30 Dec days 4, 5
    assert one(req, ["due_date", "event_date", "working_days", "outcome"], person_id="C001") == (
        d("2025-12-30"), d("2025-12-22"), 1, "on_time")
    assert one(req, ["outcome", "exclusion_reason"], person_id="C008") == ("excluded", "short_break")


RHA_COLUMNS = ["review_number", "previous_assessment_date", "due_date", "event_date", "outcome", "exclusion_reason"]


def test_rha_chain_with_month_end_clamp_age_switch_and_early_reset(mart):
    got = rows(mart("rha_timeliness"), RHA_COLUMNS, person_id="C016")
    assert got == [
        (1, d("2023-08-31"), d("2024-02-29"), d("2024-02-29"), "on_time", None),  # 31 Aug + 6 months, leap year
        (2, d("2024-02-29"), d("2024-08-29"), d("2024-09-02"), "late", None),
        (3, d("2024-09-02"), d("2025-03-02"), d("2025-02-20"), "on_time", None),  # case-management evidence
        (4, d("2025-02-20"), d("2025-08-20"), d("2025-08-01"), "on_time", None),  # early: resets the chain
        (5, d("2025-08-01"), d("2026-08-01"), None, "not_yet_due", None),  # aged 5 by then: 12 months
    ]
    # the case-management record of 3 Aug 2025 is the provider's 1 Aug assessment recorded twice: not an event
    sources = rows(mart("rha_timeliness"), ["review_number", "evidence_source"], person_id="C016")
    assert sources[2] == (3, "case_management") and sources[3] == (4, "health_provider")


def test_rha_other_chains(mart):
    rha = mart("rha_timeliness")
    assert rows(rha, RHA_COLUMNS, person_id="C011") == [
        (1, d("2024-06-20"), d("2025-06-20"), None, "excluded", "ceased_care_before_due"),
        (1, d("2025-10-06"), d("2026-10-06"), None, "not_yet_due", None),
    ]
    # under 5 at the IHA -> 6 months
    assert rows(rha, ["due_date", "outcome"], person_id="C001") == [(d("2026-07-21"), "not_yet_due")]
    # the pre-entry assessment starts the chain when it stood in for the IHA
    assert rows(rha, ["previous_assessment_date", "due_date"], person_id="C009") == [
        (d("2025-11-10"), d("2026-11-10"))]
    # no IHA yet -> no RHA chain
    assert rows(rha, ["due_date"], person_id="C004") == []
