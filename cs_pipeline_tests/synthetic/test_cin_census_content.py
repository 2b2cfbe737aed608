"""What the CIN census is built from, as the generator writes it (scale 1, seed 7): histories DfE's CIN rules find
nothing wrong with, so the demo's census raises no flag (test_ssda903_demo_clean). Rows carrying an injected defect
(ground_truth/defects.csv) are left out; those defects go to children with no episode open in the census year."""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import sqlalchemy as sa

from cs_pipeline.lib.working_days import working_days_between


def _read(out, sql: str, dates=()) -> pd.DataFrame:
    eng = sa.create_engine(f"sqlite:///{out / 'ssd.sqlite'}")
    try:
        frame = pd.read_sql(sql, eng)
    finally:
        eng.dispose()
    for column in dates:
        frame[column] = pd.to_datetime(frame[column].str[:10]).dt.date
    return frame


def _defective(out) -> pd.DataFrame:
    return pd.read_csv(out / "ground_truth" / "defects.csv", dtype=str, keep_default_na=False)


def _without_defects(out, frame: pd.DataFrame, table: str, key: str) -> pd.DataFrame:
    d = _defective(out)
    return frame[~frame[key].astype(str).isin(set(d.loc[d["location"] == table, "row_key"]))]


def _episodes(out) -> pd.DataFrame:
    e = _read(out, "select cine_referral_id, cine_person_id, cine_referral_date, cine_close_date, cine_close_reason "
                   "from ssd_cin_episodes", ["cine_referral_date", "cine_close_date"])
    return _without_defects(out, e, "ssd_cin_episodes", "cine_referral_id")


def test_upns_are_unique_and_every_child_without_one_says_why(council_scale1):
    """CIN rules 1520 (one UPN a pupil) and 8770Q (a child of school age has a UPN or a reason)."""
    links = _read(council_scale1, "select link_person_id, link_identifier_value from ssd_linked_identifiers "
                                  "where link_identifier_type = 'Unique Pupil Number'")
    assert len(links) > 1000
    assert links.groupby("link_identifier_value")["link_person_id"].nunique().max() == 1
    people = _read(council_scale1, "select pers_person_id, pers_upn_unknown from ssd_person")
    children = people[people["pers_person_id"].isin(set(_episodes(council_scale1)["cine_person_id"]))]
    without = children[~children["pers_person_id"].isin(set(links["link_person_id"]))]
    assert len(without) > 100
    assert without["pers_upn_unknown"].notna().all()


def test_no_factors_identified_stands_alone_and_closes_the_case(council_scale1):
    """CIN rules 8869 (21 is the only factor) and 8873Q (an episode whose one assessment found no factors is closed
    after assessment, RC8 or RC9): the case closes the day the assessment is authorised."""
    f = _read(council_scale1, "select cinf_assessment_id, cinf_assessment_factors_json from ssd_assessment_factors")
    f["factors"] = f["cinf_assessment_factors_json"].map(json.loads)
    with_21 = f[f["factors"].map(lambda codes: "21" in codes)]
    assert len(with_21) > 50
    assert (with_21["factors"].map(len) == 1).all()
    a = _read(council_scale1, "select cina_assessment_id, cina_referral_id, cina_assessment_auth_date "
                              "from ssd_cin_assessments", ["cina_assessment_auth_date"])
    a = _without_defects(council_scale1, a, "ssd_cin_assessments", "cina_assessment_id")
    j = with_21.merge(a, left_on="cinf_assessment_id", right_on="cina_assessment_id").merge(
        _episodes(council_scale1), left_on="cina_referral_id", right_on="cine_referral_id")
    closed = j[j["cine_close_date"].notna()]
    assert len(closed) > 50
    assert closed["cine_close_reason"].isin(["RC8", "RC9"]).all()
    assert (closed["cine_close_date"] == closed["cina_assessment_auth_date"]).all()


def test_nothing_of_an_episode_after_it_closed(council_scale1):
    """CIN rules 8565 and 8867: an episode's assessment, enquiries, conferences and plans within it; and rule
    2991Q: the assessment begins no later than the referral's first section 47 enquiry."""
    out = council_scale1
    e = _episodes(out)
    closed = e[e["cine_close_date"].notna()].set_index("cine_referral_id")["cine_close_date"]
    checks = [("ssd_cin_assessments", "cina_assessment_id", "cina_referral_id",
               ["cina_assessment_start_date", "cina_assessment_auth_date"], []),
              ("ssd_s47_enquiry", "s47e_s47_enquiry_id", "s47e_referral_id", ["s47e_s47_start_date"], []),
              ("ssd_initial_cp_conference", "icpc_icpc_id", "icpc_referral_id", [], ["icpc_icpc_date"]),
              ("ssd_cp_plans", "cppl_cp_plan_id", "cppl_referral_id", ["cppl_cp_plan_end_date"],
               ["cppl_cp_plan_start_date"]),
              ("ssd_cin_plans", "cinp_cin_plan_id", "cinp_referral_id", ["cinp_cin_plan_end_date"],
               ["cinp_cin_plan_start_date"])]
    for table, key, referral, by_close, before_close in checks:
        rows = _without_defects(out, _read(out, f"select * from {table}", by_close + before_close), table, key)
        rows = rows[rows[referral].isin(closed.index)]
        close = rows[referral].map(closed)
        for column in by_close:
            assert (rows[column].isna() | (rows[column] <= close)).all(), (table, column)
        for column in before_close:
            assert (rows[column].isna() | (rows[column] < close)).all(), (table, column)
    a = _without_defects(out, _read(out, "select * from ssd_cin_assessments", ["cina_assessment_start_date"]),
                         "ssd_cin_assessments", "cina_assessment_id")
    s = _read(out, "select s47e_referral_id, s47e_s47_start_date from ssd_s47_enquiry", ["s47e_s47_start_date"])
    first = s.groupby("s47e_referral_id")["s47e_s47_start_date"].min()
    j = a[a["cina_referral_id"].isin(first.index)]
    assert len(j) > 1000
    assert (j["cina_assessment_start_date"] <= j["cina_referral_id"].map(first)).all()


def test_no_work_is_left_overdue_at_a_census_year_end(council_scale1):
    """CIN rules 8670Q (an assessment open at 31 March more than 45 working days after it began) and 8675Q (an
    enquiry more than 15 working days old at 31 March still waiting for its conference): such work is finished by
    the last working day of the year."""
    out = council_scale1
    a = _read(out, "select cina_assessment_id, cina_assessment_start_date, cina_assessment_auth_date "
                   "from ssd_cin_assessments", ["cina_assessment_start_date", "cina_assessment_auth_date"])
    s = _read(out, "select s.s47e_s47_enquiry_id, s.s47e_s47_start_date, i.icpc_icpc_date from ssd_s47_enquiry s "
                   "join ssd_initial_cp_conference i on i.icpc_s47_enquiry_id = s.s47e_s47_enquiry_id",
              ["s47e_s47_start_date", "icpc_icpc_date"])
    as_at = dt.date(2026, 9, 30)
    for frame, start, end, limit in ((a, "cina_assessment_start_date", "cina_assessment_auth_date", 45),
                                     (s, "s47e_s47_start_date", "icpc_icpc_date", 15)):
        frame = frame[frame[end].notna()]
        year_end = frame[start].map(lambda d: dt.date(d.year if (d.month, d.day) <= (3, 31) else d.year + 1, 3, 31))
        spans = frame[(frame[end] > year_end) & (year_end <= as_at)]
        assert len(spans) > 100
        days = [working_days_between(d, y) for d, y in zip(spans[start], year_end[spans.index])]
        assert max(days) <= limit, (end, max(days))
