"""CIN census tables (returns.cin_*) built by the real dbt project over hand-built children, on DuckDB and on
PostgreSQL, for 2025-26 (1 April 2025 to 31 March 2026), as-at 30 June 2026. Each child's census rows were worked out
by hand from its SSD rows (comments below)."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from cs_pipeline_tests.conftest import fresh_postgres_database
from cs_pipeline_tests.marts.children import Council
from cs_pipeline_tests.marts.helpers import d, value
from cs_pipeline_tests.marts.warehouse_fixture import load_warehouse, read_table, run_dbt

AS_AT = dt.date(2026, 6, 30)
YEAR = "2025-26"
MODELS = ["cin_details", "cin_child_identifiers", "cin_child_characteristics", "cin_disabilities", "cin_assessments",
          "cin_assessment_factors", "cin_plan_dates", "cin_section47", "cin_child_protection_plans", "cin_reviews"]


def _referral(c: Council, pid: str, rid: str, date: str, close: str | None = None, reason: str | None = None,
              nfa: str = "N", source: str = "1A", need: str | None = "N1") -> None:
    c.tables["ssd_cin_episodes"].append(
        {"cine_referral_id": rid, "cine_person_id": pid, "cine_referral_date": date, "cine_close_date": close,
         "cine_close_reason": reason, "cine_referral_nfa": nfa, "cine_referral_source_code": source,
         "cine_cin_primary_need_code": need})


def build_children() -> Council:
    c = Council()
    # K1: open referral with the lot. Plan end and the second review fall after 31 March: blank / left out. A plan
    # of 2023 on an earlier, closed referral (not in the census) counts as a previous plan.
    c.person("K1", "2015-05-01", sex="F", ethnicity="XXXX")          # not a DfE ethnicity: NOBT
    c.tables["ssd_disability"] += [{"disa_person_id": "K1", "disa_table_id": "D1", "disa_disability_code": "AUT"},
                                   {"disa_person_id": "K1", "disa_table_id": "D2", "disa_disability_code": "AUT"}]
    _referral(c, "K1", "R0", "2023-01-01", "2023-07-01", "RC1")
    _referral(c, "K1", "R1", "2025-05-01")
    c.assessment("K1", "A1", "R1", "2025-05-02", "2025-06-01")
    c.tables["ssd_assessment_factors"].append(
        {"cinf_table_id": "F1", "cinf_assessment_id": "A1", "cinf_assessment_factors_json": '["2B", "21", "99Z"]'})
    c.tables["ssd_cin_plans"].append({"cinp_cin_plan_id": "CP1", "cinp_referral_id": "R1", "cinp_person_id": "K1",
                                      "cinp_cin_plan_start_date": "2025-06-02", "cinp_cin_plan_end_date": "2026-05-01"})
    c.s47("K1", "S1", "2025-06-01", "2025-06-19")
    c.tables["ssd_s47_enquiry"][-1]["s47e_referral_id"] = "R1"
    c.icpc("K1", "I1", "S1", "2025-06-20", plan_id="P1")
    c.tables["ssd_initial_cp_conference"][-1] |= {"icpc_referral_id": "R1", "icpc_icpc_target_date": "2025-06-22"}
    c.cp_plan("K1", "P0", "2023-01-01", "2023-06-01")
    c.tables["ssd_cp_plans"][-1]["cppl_referral_id"] = "R0"
    c.cp_plan("K1", "P1", "2025-06-20", icpc_id="I1")
    c.tables["ssd_cp_plans"][-1] |= {"cppl_referral_id": "R1", "cppl_cp_plan_latest_category": "EMO"}
    c.cp_review("K1", "P1", "2025-09-10")
    c.cp_review("K1", "P1", "2026-04-15")
    # K2: closed on 31 March 2025, before the year: not in the census
    c.person("K2", "2012-01-01")
    _referral(c, "K2", "R2", "2024-01-01", "2025-03-31", "RC7")
    # K3: closed after 31 March 2026: in the census, still open (no closure, no reason); an s47 with no conference
    c.person("K3", "2010-02-02", sex="M")
    _referral(c, "K3", "R3", "2025-02-01", "2026-04-10", "RC7", source="10", need="N10")   # N10: not a DfE code
    c.s47("K3", "S3", "2025-03-01", "2025-04-05")
    c.tables["ssd_s47_enquiry"][-1]["s47e_referral_id"] = "R3"
    # ... and a conference with no section 47 (transferred in): recorded at CIN details level, K1's (which followed
    # its section 47 of the year) only in Section47 (DfE rules 2884, 2885)
    c.icpc("K3", "I3", None, "2025-05-12", transfer_in="Y")
    c.tables["ssd_initial_cp_conference"][-1]["icpc_referral_id"] = "R3"
    # K4: referred after the year: not in 2025-26
    c.person("K4", "2011-03-03")
    _referral(c, "K4", "R4", "2026-04-02")
    # K5: referred and closed on 1 April 2025, no further action
    c.person("K5", "2013-04-04", sex="F")
    _referral(c, "K5", "R5", "2025-04-01", "2025-04-01", "RC8", nfa="Y")
    return c


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def built(request, tmp_path_factory):
    url = (f"duckdb:///{tmp_path_factory.mktemp('cin_census') / 'w.duckdb'}" if request.param == "duckdb"
           else fresh_postgres_database("cs_cin_census"))
    council = build_children()
    load_warehouse(url, council.tables, council.links)
    result = run_dbt(url, AS_AT, "build", "--indirect-selection", "cautious", "--select", *[f"+{m}" for m in MODELS],
                     "--vars", json.dumps({"collection_year": YEAR}), work="cin_census")
    if result.returncode != 0:
        pytest.fail(f"dbt build failed:\n{result.stdout[-8000:]}\n{result.stderr[-2000:]}")
    return {m: read_table(url, "returns", m) for m in MODELS}


def _rows(frame, columns: list[str]) -> list[tuple]:
    part = frame[frame["collection_year"] == YEAR].sort_values("row_id")
    assert list(part["row_id"].map(value)) == list(range(len(part)))
    return [tuple(value(v) for v in r) for r in part[columns].itertuples(index=False)]


def test_episodes_open_in_the_census_year(built):
    assert _rows(built["cin_details"], ["LAchildID", "CINdetailsID", "CINreferralDate", "ReferralSource",
                                        "PrimaryNeedCode", "CINclosureDate", "ReasonForClosure", "DateOfInitialCPC",
                                        "ReferralNFA"]) == [
        ("K1", "R1", d("2025-05-01"), "1A", "N1", None, None, None, "0"),
        ("K3", "R3", d("2025-02-01"), "10", None, None, None, d("2025-05-12"), "0"),
        ("K5", "R5", d("2025-04-01"), "1A", "N1", d("2025-04-01"), "RC8", None, "1"),
    ]


def test_children_and_characteristics(built):
    assert _rows(built["cin_child_identifiers"], ["LAchildID", "PersonBirthDate", "GenderCurrent", "Sex"]) == [
        ("K1", d("2015-05-01"), None, "F"), ("K3", d("2010-02-02"), None, "M"), ("K5", d("2013-04-04"), None, "F")]
    assert _rows(built["cin_child_characteristics"], ["LAchildID", "Ethnicity"]) == [
        ("K1", "NOBT"), ("K3", "WBRI"), ("K5", "WBRI")]
    # K3 and K5 have no disability recorded: NONE, as DfE asks of every child (rule 8540)
    assert _rows(built["cin_disabilities"], ["LAchildID", "Disability"]) == [
        ("K1", "AUT"), ("K3", "NONE"), ("K5", "NONE")]


def test_assessments_plans_and_enquiries(built):
    assert _rows(built["cin_assessments"], ["CINdetailsID", "AssessmentID", "AssessmentActualStartDate",
                                            "AssessmentAuthorisationDate"]) == [
        ("R1", "A1", d("2025-05-02"), d("2025-06-01"))]
    assert _rows(built["cin_assessment_factors"], ["AssessmentID", "AssessmentFactors"]) == [("A1", "2B"), ("A1", "21")]
    assert _rows(built["cin_plan_dates"], ["CINdetailsID", "CINPlanStartDate", "CINPlanEndDate"]) == [
        ("R1", d("2025-06-02"), None)]
    assert _rows(built["cin_section47"], ["LAchildID", "S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC",
                                          "ICPCnotRequired"]) == [
        ("K1", d("2025-06-01"), d("2025-06-22"), d("2025-06-20"), "0"),
        ("K3", d("2025-03-01"), None, None, "1"),
    ]


def test_child_protection_plans_and_reviews(built):
    assert _rows(built["cin_child_protection_plans"], ["CPPID", "CPPstartDate", "CPPendDate", "InitialCategoryOfAbuse",
                                                       "LatestCategoryOfAbuse", "NumberOfPreviousCPP"]) == [
        ("P1", d("2025-06-20"), None, "NEG", "EMO", 1)]
    assert _rows(built["cin_reviews"], ["CPPID", "CPPreviewDate"]) == [("P1", d("2025-09-10"))]
