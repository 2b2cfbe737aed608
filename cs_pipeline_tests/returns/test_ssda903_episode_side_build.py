"""SSDA903 episode-side return tables (header, episodes, reviews, uasc, missing, sw_episodes, dolo) built by the real
dbt project over hand-built children, on DuckDB and on PostgreSQL, for 2025-26 and then 2026-27 (the second build
keeps the first year's rows). Each child's 903 rows were worked out by hand from its SSD rows (comments below).

As-at date 2026-06-30. Collection year 2025-26: 1 April 2025 to 31 March 2026.
"""
from __future__ import annotations

import datetime as dt
import json

import pytest

from cs_pipeline_tests.conftest import fresh_postgres_database
from cs_pipeline_tests.marts.children import Council
from cs_pipeline_tests.marts.helpers import d, value
from cs_pipeline_tests.marts.warehouse_fixture import load_warehouse, read_table, run_dbt

AS_AT = dt.date(2026, 6, 30)
MODELS = ["ssda903_header", "ssda903_episodes", "ssda903_reviews", "ssda903_uasc", "ssda903_missing",
          "ssda903_sw_episodes", "ssda903_dolo"]


def _episode(c: Council, pid: str, start: str, rne: str, ceased: str | None, reason: str | None, need: str = "N1"):
    c.tables["ssd_cla_episodes"].append(
        {"clae_cla_episode_id": c._id("E"), "clae_person_id": pid, "clae_cla_episode_start_date": start,
         "clae_cla_episode_start_reason": rne, "clae_cla_episode_ceased_date": ceased,
         "clae_cla_episode_ceased_reason": reason, "clae_cla_id": f"CLA-{pid}", "clae_cla_primary_need_code": need,
         "clae_entered_care_date": start})


def _placement(c: Council, pid: str, start: str, ptype: str, end: str | None, provider: str | None,
               postcode: str | None, urn: str | None = None, change_reason: str | None = None):
    c.tables["ssd_cla_placement"].append(
        {"clap_cla_placement_id": c._id("P"), "clap_person_id": pid, "clap_cla_id": f"CLA-{pid}",
         "clap_cla_placement_start_date": start, "clap_cla_placement_end_date": end,
         "clap_cla_placement_type": ptype, "clap_cla_placement_provider": provider,
         "clap_cla_placement_postcode": postcode, "clap_cla_placement_urn": urn,
         "clap_cla_placement_change_reason": change_reason})


def _review(c: Council, pid: str, date: str, code: str, cancelled: str = "N"):
    c.tables["ssd_cla_reviews"].append(
        {"clar_cla_review_id": c._id("R"), "clar_cla_id": f"CLA-{pid}", "clar_cla_review_date": date,
         "clar_cla_review_cancelled": cancelled, "clar_cla_review_participation": code})


def _missing(c: Council, pid: str, start: str, kind: str, end: str | None):
    c.tables["ssd_missing"].append(
        {"miss_table_id": c._id("M"), "miss_person_id": pid, "miss_missing_episode_start_date": start,
         "miss_missing_episode_type": kind, "miss_missing_episode_end_date": end})


def _worker(c: Council, pid: str, worker: str, role: str, start: str, end: str | None, reason: str | None):
    c.tables["ssd_involvements"].append(
        {"invo_involvements_id": c._id("INV"), "invo_person_id": pid, "invo_professional_id": worker,
         "invo_professional_role_id": role, "invo_involvement_start_date": start, "invo_involvement_end_date": end,
         "invo_worker_change_reason": reason})


def _address(c: Council, pid: str, postcode: str, start: str, end: str | None = None):
    c.tables["ssd_address"].append(
        {"addr_table_id": c._id("A"), "addr_person_id": pid, "addr_address_postcode": postcode,
         "addr_address_start_date": start, "addr_address_end_date": end, "addr_address_type": "Primary Address"})


def _dolo(c: Council, pid: str, start: str, end: str | None):
    c.tables["ssd_cla_dolo"].append(
        {"cldl_dolo_id": c._id("DOLO"), "cldl_person_id": pid, "cldl_dolo_start_date": f"{start} 00:00:00",
         "cldl_dolo_end_date": end})


def build_children() -> Council:
    c = Council()
    c.tables["ssd_professionals"] += [
        {"prof_professional_id": "W10", "prof_staff_id": "S0010", "prof_social_worker_registration_no": "SW123456"},
        {"prof_professional_id": "W11", "prof_staff_id": "S0011", "prof_social_worker_registration_no": None},
    ]

    # A01: girl in care since 10 Jan 2024 (C1, C2 from 20 Feb 2024). Foster care (U3) to 1 Jun 2025, children's home
    # (K2, SC123456) to 1 Nov 2025, hospital (T1) to 20 Nov 2025, back to the same home (SSD says T), still there.
    # 903 episodes 2025-26: the one open on 1 April (DECOM 20 Feb 2024, L) and the three after it. Reason for change
    # on the ending episode (not on the temporary one); no provider for T1. Home: her address when care began
    # ('e16an' -> 'E1 6AN'). A mother (child born 1 Sep 2025).
    c.person("A01", "2010-05-10", sex="F", ethnicity="WBRI")
    _address(c, "A01", "e16an", "2020-01-01", "2024-03-01")
    _address(c, "A01", "ME4 4TB", "2024-03-01")
    c.tables["ssd_linked_identifiers"].append(
        {"link_table_id": c._id("LI"), "link_person_id": "A01", "link_identifier_type": "Unique Pupil Number",
         "link_identifier_value": "A123456789012", "link_valid_from_date": "2014-09-01"})
    c.tables["ssd_mother"].append(
        {"moth_table_id": "MO1", "moth_person_id": "A01", "moth_childs_person_id": "A01B",
         "moth_childs_dob": "2025-09-01"})
    c.legal_status("A01", "C1", "2024-01-10", "2024-02-20")
    c.legal_status("A01", "C2", "2024-02-20")
    c.legal_status("A01", "S8", "2024-03-01")  # not a looked-after legal status: no episode
    _placement(c, "A01", "2024-01-10", "U3", "2025-06-01", "PR1", "N1 9GU", change_reason="CARPL")
    _placement(c, "A01", "2025-06-01", "K2", "2025-11-01", "PR4", "me44tb", "SC123456", change_reason="OTHER")
    _placement(c, "A01", "2025-11-01", "T1", "2025-11-20", "PR4", "SE1 7EH", change_reason="CARPL")
    _placement(c, "A01", "2025-11-20", "K2", None, "PR4", "ME4 4TB", "SC123456")
    _episode(c, "A01", "2024-01-10", "S", "2024-02-20", "X1")
    _episode(c, "A01", "2024-02-20", "L", "2025-06-01", "X1")
    _episode(c, "A01", "2025-06-01", "P", "2025-11-01", "X1")
    _episode(c, "A01", "2025-11-01", "P", "2025-11-20", "X1")
    _episode(c, "A01", "2025-11-20", "T", None, None)
    _review(c, "A01", "2025-03-15", "PN1")   # before the year
    _review(c, "A01", "2025-05-20", "PN1")
    _review(c, "A01", "2025-11-10", "pn3")
    _review(c, "A01", "2025-12-01", "PN1", cancelled="Y")
    _missing(c, "A01", "2025-03-30", "M", "2025-03-31")   # before the year
    _missing(c, "A01", "2025-07-04", "Missing", "2025-07-05")
    _missing(c, "A01", "2026-03-30", "Away", "2026-04-02")  # open at 31 March
    _worker(c, "A01", "W10", "Allocated Social Worker", "2023-01-01", "2024-01-09", "FCONTA")  # before the year
    _worker(c, "A01", "W10", "Allocated Social Worker", "2024-01-10", "2025-08-31", "TSPROC")
    _worker(c, "A01", "W11", "Allocated Social Worker", "2025-09-01", None, "LEFTRL")
    _worker(c, "A01", "W10", "Personal Advisor", "2025-09-01", None, None)   # not a social worker
    _dolo(c, "A01", "2025-06-10", "2025-09-30")   # 2025-26 only (no DoLO table that year)
    _dolo(c, "A01", "2026-02-01", None)           # in force through 2026-27
    _dolo(c, "A01", "2026-04-05", "2026-05-01")   # 2026-27

    # B02: UASC boy, in care 1 May 2025 (V2, U6); 10 Sep 2025 a care order (C2) and a move to a children's home on
    # the same day, with no SSD episode row for it: derived RNE B (new carer: another URN). Left care at 18 on
    # 1 Feb 2026 (E8). DUC: his 18th birthday (status still open). Missing before care: not returned.
    c.person("B02", "2008-02-01", sex="M", ethnicity="AOTH")
    c.tables["ssd_person"][-1]["pers_upn_unknown"] = "UN2"
    _address(c, "B02", "SW1A1AA", "2025-01-01")
    c.immigration("B02", "Unaccompanied Asylum Seeking Child", "2025-05-01")
    c.legal_status("B02", "V2", "2025-05-01", "2025-09-10")
    c.legal_status("B02", "C2", "2025-09-10")
    _placement(c, "B02", "2025-05-01", "U6", "2025-09-10", "PR4", "N1 9GU", change_reason="STAND")
    _placement(c, "B02", "2025-09-10", "K2", None, "PR4", "B1 1AA", "SC654321")
    _episode(c, "B02", "2025-05-01", "S", "2026-02-01", "E8", need="N8")
    _review(c, "B02", "2025-06-01", "PN4")
    _missing(c, "B02", "2025-04-15", "M", "2025-04-16")
    _worker(c, "B02", "W11", "Allocated Social Worker", "2025-03-01", "2025-04-30", "MANAGE")
    _worker(c, "B02", "W10", "Allocated Social Worker", "2025-05-01", None, "FCONTA")

    # C03: left care (adopted) on 31 March 2025: not in 2025-26.
    c.person("C03", "2019-01-01")
    c.legal_status("C03", "E1", "2023-01-01")
    _placement(c, "C03", "2023-01-01", "A6", "2025-03-31", "PR1", "N1 9GU")
    _episode(c, "C03", "2023-01-01", "S", "2025-03-31", "E11")
    _review(c, "C03", "2025-04-02", "PN0")
    _worker(c, "C03", "W10", "Allocated Social Worker", "2023-01-01", None, "TSPROC")

    # D04: in care from 10 April 2026: 2026-27 only.
    c.person("D04", "2015-06-01")
    c.legal_status("D04", "V2", "2026-04-10")
    _placement(c, "D04", "2026-04-10", "U3", None, "PR1", "N1 9GU")
    _episode(c, "D04", "2026-04-10", "S", None, None)

    # E05: a short break (V3) of 1-3 July 2025: an episode (no postcodes) and a header row; its review is not
    # returned.
    c.person("E05", "2012-01-01", sex="F")
    c.legal_status("E05", "V3", "2025-07-01", "2025-07-03")
    _placement(c, "E05", "2025-07-01", "R1", "2025-07-03", "PR1", "N1 9GU")
    _episode(c, "E05", "2025-07-01", "S", "2025-07-03", "E13", need="N2")
    _review(c, "E05", "2025-07-02", "PN1")

    # F06: in care 1 Oct 2025 (C2, U4) to 15 May 2026 (E11): open at 31 March 2026. The C2 re-recorded on 5 Jan 2026,
    # and an SSD episode row that day, change nothing: one episode.
    c.person("F06", "2016-03-03", sex="F")
    c.legal_status("F06", "C2", "2025-10-01", "2026-01-05")
    c.legal_status("F06", "C2", "2026-01-05")
    _placement(c, "F06", "2025-10-01", "U4", None, "PR1", "N1 9GU")
    _episode(c, "F06", "2025-10-01", "S", "2026-01-05", "X1")
    _episode(c, "F06", "2026-01-05", "L", "2026-05-15", "E11")
    return c


def _build(url: str, year: str, work: str) -> None:
    # cautious: only tests whose every parent is selected (not e.g. relationships tests of unselected models)
    result = run_dbt(url, AS_AT, "build", "--indirect-selection", "cautious",
                     "--select", *[f"+{m}" for m in MODELS],
                     "--vars", json.dumps({"collection_year": year}), work=work)
    if result.returncode != 0:
        engine = url.split(":")[0]
        pytest.fail(f"dbt build {year} failed on {engine}:\n{result.stdout[-8000:]}\n{result.stderr[-2000:]}")


def _tables(url: str) -> dict:
    return {m: read_table(url, "returns", m) for m in MODELS}


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def built(request, tmp_path_factory):
    """{year: {model: frame}} after building 2025-26 and then 2026-27 into the same warehouse."""
    engine = request.param
    url = (f"duckdb:///{tmp_path_factory.mktemp('ssda903_episode_side') / 'w.duckdb'}" if engine == "duckdb"
           else fresh_postgres_database("cs_903_episode_side"))
    council = build_children()
    load_warehouse(url, council.tables, council.links)
    _build(url, "2025-26", work="ssda903_episode_side")
    first = _tables(url)
    _build(url, "2026-27", work="ssda903_episode_side")
    both = _tables(url)
    return {"first": first, "both": both}


def _rows(frame, year: str, columns: list[str]) -> list[tuple]:
    part = frame[frame["collection_year"] == year].sort_values("row_id")
    assert list(part["row_id"].map(value)) == list(range(len(part)))
    return [tuple(value(v) for v in r) for r in part[columns].itertuples(index=False)]


EPISODE_COLUMNS = ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                   "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"]


def test_episodes_open_in_the_year(built):
    assert _rows(built["both"]["ssda903_episodes"], "2025-26", EPISODE_COLUMNS) == [
        ("A01", d("2024-02-20"), "L", "C2", "N1", "U3", "PR1", d("2025-06-01"), "X1", "CARPL", "E1 6AN", "N1 9GU",
         None),
        ("A01", d("2025-06-01"), "P", "C2", "N1", "K2", "PR4", d("2025-11-01"), "X1", "OTHER", "E1 6AN", "ME4 4TB",
         "SC123456"),
        ("A01", d("2025-11-01"), "P", "C2", "N1", "T1", None, d("2025-11-20"), "X1", None, "E1 6AN", "SE1 7EH", None),
        ("A01", d("2025-11-20"), "T", "C2", "N1", "K2", "PR4", None, None, None, "E1 6AN", "ME4 4TB", "SC123456"),
        ("B02", d("2025-05-01"), "S", "V2", "N8", "U6", "PR4", d("2025-09-10"), "X1", "STAND", "SW1A 1AA", "N1 9GU",
         None),
        ("B02", d("2025-09-10"), "B", "C2", "N8", "K2", "PR4", d("2026-02-01"), "E8", None, "SW1A 1AA", "B1 1AA",
         "SC654321"),
        # a short break: no postcodes or URN (DfE rules 214, 398)
        ("E05", d("2025-07-01"), "S", "V3", "N2", "R1", "PR1", d("2025-07-03"), "E13", None, None, None, None),
        ("F06", d("2025-10-01"), "S", "C2", "N1", "U4", "PR1", None, None, None, None, "N1 9GU", None),
    ]


def test_episodes_of_the_next_year_and_the_first_year_kept(built):
    assert _rows(built["both"]["ssda903_episodes"], "2026-27", ["CHILD", "DECOM", "RNE", "DEC", "REC"]) == [
        ("A01", d("2025-11-20"), "T", None, None),
        ("D04", d("2026-04-10"), "S", None, None),
        ("F06", d("2025-10-01"), "S", d("2026-05-15"), "E11"),
    ]
    for model in MODELS:
        first = _rows(built["first"][model], "2025-26", list(built["first"][model].columns))
        assert _rows(built["both"][model], "2025-26", list(built["both"][model].columns)) == first, model


def test_header(built):
    assert _rows(built["both"]["ssda903_header"], "2025-26",
                 ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]) == [
        ("A01", "F", d("2010-05-10"), "WBRI", "A123456789012", "1", d("2025-09-01")),
        ("B02", "M", d("2008-02-01"), "AOTH", "UN2", None, None),
        ("E05", "F", d("2012-01-01"), "WBRI", None, None, None),   # short breaks only: no MOTHER (rule 399)
        ("F06", "F", d("2016-03-03"), "WBRI", None, "0", None),
    ]
    assert [r[0] for r in _rows(built["both"]["ssda903_header"], "2026-27", ["CHILD"])] == ["A01", "D04", "F06"]


def test_reviews_uasc_missing(built):
    t = built["both"]
    assert _rows(t["ssda903_reviews"], "2025-26", ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"]) == [
        ("A01", d("2010-05-10"), d("2025-05-20"), "PN1"),
        ("A01", d("2010-05-10"), d("2025-11-10"), "PN3"),
        ("B02", d("2008-02-01"), d("2025-06-01"), "PN4"),
    ]
    assert _rows(t["ssda903_uasc"], "2025-26", ["CHILD", "SEX", "DOB", "DUC"]) == [
        ("B02", "M", d("2008-02-01"), d("2026-02-01")),
    ]
    assert _rows(t["ssda903_missing"], "2025-26", ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"]) == [
        ("A01", d("2010-05-10"), "M", d("2025-07-04"), d("2025-07-05")),
        ("A01", d("2010-05-10"), "A", d("2026-03-30"), None),
    ]


def test_social_worker_episodes(built):
    assert _rows(built["both"]["ssda903_sw_episodes"], "2025-26",
                 ["CHILD", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"]) == [
        ("A01", "SW123456", d("2024-01-10"), d("2025-08-31"), "TSPROC"),
        ("A01", "XXS0011", d("2025-09-01"), None, "LEFTRL"),
        ("B02", "XXS0011", d("2025-03-01"), d("2025-04-30"), "MANAGE"),
        ("B02", "SW123456", d("2025-05-01"), None, "FCONTA"),
    ]


def test_dolo_from_2026_27_only(built):
    t = built["both"]["ssda903_dolo"]
    assert _rows(t, "2025-26", ["CHILD"]) == []
    assert _rows(t, "2026-27", ["CHILD", "DOB", "DOLO_START", "DOLO_END"]) == [
        ("A01", d("2010-05-10"), d("2026-02-01"), None),
        ("A01", d("2010-05-10"), d("2026-04-05"), d("2026-05-01")),
    ]
