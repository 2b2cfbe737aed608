"""First core group and PEP marts (sources ssd_cp_core_groups / ssd_cla_pep, cs_pipeline extensions to the SSD),
against hand-worked answers (children.py: add_core_group_children, add_pep_children)."""
from __future__ import annotations

import pytest

from cs_pipeline_tests.marts.helpers import d, one, rows
from cs_pipeline_tests.marts.warehouse_fixture import read_table

CORE_GROUP_COLUMNS = ["icpc_id", "icpc_date", "due_date", "event_date", "working_days", "outcome", "exclusion_reason"]

CORE_GROUP_EXPECTED = {
    # plan: icpc id, ICPC date, due, event, working days, outcome, exclusion
    "CP201": ("IC201", "2026-01-12", "2026-01-26", "2026-01-26", 10, "on_time", None),  # 10th working day
    "CP202": ("IC202", "2026-01-12", "2026-01-26", "2026-01-27", 11, "late", None),  # 11th; ICPC found by plan id
    "CP203": ("IC203", "2026-02-02", "2026-02-16", "2026-02-12", 8, "on_time", None),  # 30 Jan meeting ignored
    "CP204": ("IC204", "2025-08-22", "2025-09-08", "2025-09-08", 10, "on_time", None),  # Friday, holiday Monday
    "CP205": ("IC205", "2026-01-12", "2026-01-26", None, None, "excluded", "plan_ended_before_due"),
    "CP206": ("IC206", "2026-03-02", "2026-03-16", None, None, "overdue", None),
    "CP207": ("IC207", "2026-03-23", "2026-04-08", None, None, "not_yet_due", None),  # Easter 2026
    "CP208": ("IC208", "2026-02-10", "2026-02-24", "2026-02-10", 0, "on_time", None),  # same day
    "CP209": ("IC209", "2026-01-12", "2026-01-26", "2026-01-21", 7, "on_time", None),  # meeting names no plan
    "CP23": ("IC23", "2025-05-08", "2025-05-22", None, None, "overdue", None),
    "CP24": (None, None, None, None, None, "excluded", "no_icpc_date"),  # plan without a conference
    # extract history (add_history_children): due the day before the history start (1 Apr 2020) -> excluded, the
    # meeting still shown (late without the rule); due on it -> judged
    "CP304": ("IC304", "2020-03-17", "2020-03-31", "2020-04-01", 11, "excluded", "due_before_extract_history"),
    "CP305": ("IC305", "2020-03-18", "2020-04-01", "2020-04-01", 10, "on_time", None),
    "CP306": (None, None, None, None, None, "excluded", "no_icpc_date"),  # ICPC before the history: not in it
    "CP307": (None, None, None, None, None, "excluded", "no_icpc_date"),
    # the CP review children (children_review_cp.py, team T9) hold no core group meetings
    "CP911": ("IC911", "2025-05-08", "2025-05-22", None, None, "overdue", None),
    "CP912": ("IC912", "2025-05-08", "2025-05-22", None, None, "overdue", None),
    "CP913": ("IC913", "2025-05-08", "2025-05-22", None, None, "overdue", None),  # plan ended 20 Jun, after due
    "CP921": ("IC921", "2026-01-05", "2026-01-19", None, None, "overdue", None),
    "CP922": ("IC922", "2025-12-31", "2026-01-15", None, None, "overdue", None),  # 1 Jan 2026 holiday
    "CP931": (None, None, None, None, None, "excluded", "no_icpc_date"),
}


def _dates(values):
    return tuple(d(v) if isinstance(v, str) and v[:2] == "20" and len(v) == 10 else v for v in values)


def test_core_group_one_item_per_plan(mart):
    got = rows(mart("core_group_timeliness"), ["cp_plan_id"])
    assert got == sorted((p,) for p in CORE_GROUP_EXPECTED)


@pytest.mark.parametrize("plan", sorted(CORE_GROUP_EXPECTED))
def test_core_group_item(mart, plan):
    assert one(mart("core_group_timeliness"), CORE_GROUP_COLUMNS, cp_plan_id=plan) == _dates(
        CORE_GROUP_EXPECTED[plan])


def test_core_group_team(mart):
    cg = mart("core_group_timeliness")
    assert one(cg, ["person_id", "team"], cp_plan_id="CP201") == ("C201", "T3")
    assert one(cg, ["team"], cp_plan_id="CP23") == ("UNALLOCATED",)


PEP_COLUMNS = ["pep_item", "term_start", "due_date", "event_date", "working_days", "outcome", "exclusion_reason"]

PEP_EXPECTED = {
    # child: (item, term start, due, event, working days, outcome, exclusion), one row per item
    "C101": [("initial", None, "2026-02-02", "2026-02-02", 20, "on_time", None)],  # on the 20th working day
    "C102": [
        ("initial", None, "2025-09-29", "2025-09-30", 21, "late", None),
        # no Autumn 2025 item: the initial PEP was due after the term started
        ("term", "2026-01-01", "2026-04-14", "2026-02-10", None, "on_time", None),
    ],
    "C103": [
        ("initial", None, "2025-06-30", "2025-06-20", 14, "on_time", None),
        ("term", "2025-09-01", "2025-12-31", "2025-10-15", None, "on_time", None),  # PEP within the term
        ("term", "2026-01-01", "2026-04-14", None, None, "not_yet_due", None),  # term containing the as-at date
    ],
    "C104": [
        ("initial", None, "2025-03-31", "2025-03-27", 18, "on_time", None),
        ("term", "2025-04-15", "2025-08-31", None, None, "overdue", None),  # the 10 Apr PEP is in the term before
        ("term", "2025-09-01", "2025-12-31", "2025-11-05", None, "on_time", None),
        ("term", "2026-01-01", "2026-04-14", None, None, "not_yet_due", None),
    ],
    "C105": [("initial", None, "2026-03-02", None, None, "overdue", None)],  # PEP before entry does not count
    "C106": [("initial", None, "2026-04-15", None, None, "not_yet_due", None)],  # Easter 2026
    "C107": [("initial", None, "2026-03-02", None, None, "excluded", "ceased_care_before_due")],
    "C108": [("initial", None, "2026-02-02", None, None, "excluded", "not_school_age")],  # aged 2
    "C109": [("initial", None, "2026-02-02", None, None, "excluded", "short_break")],
    "C110": [
        ("initial", None, "2025-06-30", "2025-06-30", 20, "on_time", None),
        ("term", "2025-09-01", "2025-12-31", None, None, "excluded", "ceased_care_before_due"),  # left mid-term
    ],
    "C308": [  # entered care before the history start (add_history_children); 136 wd from entry to the first PEP
        ("initial", None, "2019-12-02", "2020-05-20", 136, "excluded", "due_before_extract_history"),
        ("term", "2020-01-01", "2020-04-14", None, None, "excluded", "term_started_before_extract_history"),
        ("term", "2020-04-15", "2020-08-31", "2020-05-20", None, "on_time", None),
        ("term", "2020-09-01", "2020-12-31", None, None, "excluded", "ceased_care_before_due"),
    ],
    "C111": [
        ("initial", None, "2025-02-03", "2025-01-31", 19, "on_time", None),
        ("term", "2025-04-15", "2025-08-31", None, None, "overdue", None),
        ("term", "2025-09-01", "2025-12-31", None, None, "overdue", None),
        ("term", "2026-01-01", "2026-04-14", None, None, "not_yet_due", None),
    ],
}


@pytest.mark.parametrize("child", sorted(PEP_EXPECTED))
def test_pep_items(mart, child):
    got = rows(mart("pep_timeliness"), PEP_COLUMNS, person_id=child)
    want = sorted((_dates(r) for r in PEP_EXPECTED[child]), key=lambda t: tuple(str(x) for x in t))
    assert got == want


def test_pep_scope_columns(mart):
    pep = mart("pep_timeliness")
    assert one(pep, ["age_at_scope_date", "team"], person_id="C108") == (2, "T3")
    assert one(pep, ["term_end"], person_id="C103", term_start=d("2025-09-01")) == (d("2025-12-31"),)
    # an existing short-break child is excluded here too
    assert rows(pep, ["pep_item", "outcome", "exclusion_reason"], person_id="C008") == [
        ("initial", "excluded", "short_break")]
    # a period that did not start with RNE S has no known entry date: no initial PEP clock, but its terms count
    assert rows(pep, PEP_COLUMNS, person_id="C112") == [
        # the PEP is still shown (107 wd: Sep 20, Oct 23, Nov 21, Dec 20, Jan 22, 3 Feb 1), the item excluded
        ("initial", None, d("2024-09-30"), d("2025-02-03"), 107, "excluded", "entry_not_in_extract"),
        ("term", d("2025-01-01"), d("2025-04-14"), d("2025-02-03"), None, "on_time", None),
        ("term", d("2025-04-15"), d("2025-08-31"), None, None, "overdue", None),
        ("term", d("2025-09-01"), d("2025-12-31"), None, None, "overdue", None),
        ("term", d("2026-01-01"), d("2026-04-14"), None, None, "not_yet_due", None),
    ]


def test_monthly_counts_for_new_measures(mart):
    monthly = mart("timeliness_monthly")
    cols = ["due_items", "on_time", "late", "overdue", "not_yet_due", "excluded", "pct_on_time"]
    # core groups due Jan 2026, team T3: C201, C209 on time, C202 late, C205 excluded
    assert one(monthly, cols, measure="CORE_GROUP", due_month=d("2026-01-01"), team="T3") == (3, 2, 1, 0, 0, 1, 66.7)
    # initial PEPs due Feb 2026, team T3: C101 on time; C108 (aged 2) and C109 (short break) excluded
    assert one(monthly, cols, measure="PEP", due_month=d("2026-02-01"), team="T3") == (1, 1, 0, 0, 0, 2, 100.0)
    # term PEPs due 31 Dec 2025, team T3: C103, C104 on time, C111 overdue, C110 excluded (left mid-term)
    assert one(monthly, cols, measure="PEP_TERM", due_month=d("2025-12-01"), team="T3") == (3, 2, 0, 1, 0, 1, 66.7)
    # term PEPs due 14 Apr 2026 (term containing the as-at date), all not yet due: C103, C104, C111 without a PEP, and
    # C102, whose PEP (10 Feb) makes the item on_time in pep_timeliness, but the month counts only items due before
    # the as-at date (TIMELINESS.md cohort by due date), so it is not counted on time yet
    assert one(monthly, cols, measure="PEP_TERM", due_month=d("2026-04-01"), team="T3") == (0, 0, 0, 0, 4, 0, None)


def test_snapshots_carry_last_pep_and_core_group(mart):
    cla = mart("cla_snapshot")
    cols = ["last_pep_date", "pep_in_date"]
    # previous term relative to 31 Mar 2026 (Spring 2026) starts 1 Sep 2025
    assert one(cla, cols, person_id="C103") == (d("2025-10-15"), True)
    assert one(cla, cols, person_id="C111") == (d("2025-01-31"), False)  # last PEP before 1 Sep 2025
    assert one(cla, cols, person_id="C105") == (None, False)  # initial PEP overdue; the pre-entry PEP does not count
    assert one(cla, cols, person_id="C106") == (None, True)  # initial PEP not yet due
    assert one(cla, cols, person_id="C108") == (None, None)  # aged 2: no PEP expected
    assert one(cla, cols, person_id="C109") == (None, None)  # short break
    cp = mart("cp_snapshot")
    assert one(cp, ["last_core_group_date"], cp_plan_id="CP203") == (d("2026-02-12"),)
    assert one(cp, ["last_core_group_date"], cp_plan_id="CP209") == (d("2026-01-21"),)
    assert one(cp, ["last_core_group_date"], cp_plan_id="CP206") == (None,)


def test_source_not_supplied_excludes_every_item(extensions_missing_url, mart):
    """A council whose source lacks the extension tables sees every item excluded, never a failure."""
    def read(table, schema="marts"):
        return read_table(extensions_missing_url, schema, table)

    log = read("stg_pipeline__ssd_table_log", "staging")
    assert "ssd_cp_core_groups" not in set(log["table_name"])  # no log row counts as not supplied
    assert one(log, ["supplied", "row_count"], table_name="ssd_cla_pep") == (False, 0)
    assert one(log, ["supplied"], table_name="ssd_person") == (True,)
    for table in ("core_group_timeliness", "pep_timeliness"):
        frame = read(table)
        assert len(frame) == len(mart(table)) > 0, table  # the same items as where the source is supplied
        assert set(frame["outcome"]) == {"excluded"}, table
        # source_not_supplied comes first, even before due_before_extract_history (CP304, due 31 Mar 2020)
        assert set(frame["exclusion_reason"]) == {"source_not_supplied"}, table
    assert one(read("core_group_timeliness"), ["due_date", "exclusion_reason"], cp_plan_id="CP304") == (
        d("2020-03-31"), "source_not_supplied")
    monthly = read("timeliness_monthly")
    new = monthly[monthly["measure"].isin(["CORE_GROUP", "PEP", "PEP_TERM"])]
    assert len(new) > 0 and (new["due_items"] == 0).all() and new["pct_on_time"].isna().all()
    assert read("cla_snapshot")["pep_in_date"].isna().all()
    assert read("cp_snapshot")["last_core_group_date"].isna().all()
    # the other measures are untouched
    assert len(read("iha_timeliness")) == len(mart("iha_timeliness"))
