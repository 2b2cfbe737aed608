"""Ofsted's Annex A lists (returns.annex_a_list_1 .. _11) built by the real dbt project over hand-built children, on
DuckDB and on PostgreSQL. As-at 31 March 2026, so the default window is the six months 1 October 2025 to 31 March
2026 (both days included); a second run of the lists with vars annex_a_start 2025-07-01 / annex_a_end 2025-12-31
checks a chosen window. Each child's rows were worked out by hand from its SSD rows (comments below): the child ids'
first letter names the list they were made for (A: Lists 1-2, B: 3-4, C: 5, D: 6, E: 7, F: 8, G: 9, H: 10)."""
from __future__ import annotations

import datetime as dt
import json
import re

import openpyxl
import pytest

from cs_pipeline.config import PROJECT_ROOT, Settings
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.returns.annex_a.spec import annex_a_lists
from cs_pipeline.returns.annex_a.workbook import write_annex_a
from cs_pipeline_tests.conftest import fresh_postgres_database
from cs_pipeline_tests.marts.children import Council
from cs_pipeline_tests.marts.helpers import d, value
from cs_pipeline_tests.marts.warehouse_fixture import load_warehouse, read_table, run_dbt

AS_AT = dt.date(2026, 3, 31)
WINDOW_END = AS_AT                       # default: the as-at date ...
WINDOW_START = dt.date(2025, 10, 1)      # ... and the day after the same date six months before (30 Sep 2025)
CUSTOM = {"annex_a_start": "2025-07-01", "annex_a_end": "2025-12-31"}
LISTS = [f"annex_a_list_{n}" for n in range(1, 12)]


def _add(c: Council, table: str, **row) -> dict:
    c.tables[table].append(row)
    return row


def _involvement(c: Council, pid: str, team: str, worker: str, start: str, end: str | None = None) -> None:
    _add(c, "ssd_involvements", invo_involvements_id=f"INV-{pid}-{start}", invo_person_id=pid,
         invo_professional_id=worker, invo_professional_team=team, invo_involvement_start_date=start,
         invo_involvement_end_date=end)


def _referral(c: Council, pid: str, rid: str, date: str, close: str | None = None, reason: str | None = None,
              nfa: str = "N", source: str | None = None, need: str | None = None, team: str | None = None,
              worker: str | None = None) -> None:
    _add(c, "ssd_cin_episodes", cine_referral_id=rid, cine_person_id=pid, cine_referral_date=date,
         cine_close_date=close, cine_close_reason=reason, cine_referral_nfa=nfa, cine_referral_source_code=source,
         cine_cin_primary_need_code=need, cine_referral_team=team, cine_referral_worker_id=worker)


def _contact(c: Council, pid: str, cid: str, date: str, source: str | None) -> None:
    _add(c, "ssd_contacts", cont_contact_id=cid, cont_person_id=pid, cont_contact_date=date,
         cont_contact_source_code=source)


def _disability(c: Council, pid: str, code: str) -> None:
    _add(c, "ssd_disability", disa_person_id=pid, disa_table_id=f"D-{pid}-{code}", disa_disability_code=code)


def build_children() -> Council:
    c = Council()
    c.tables["ssd_department"] += [{"dept_team_id": f"T{n}", "dept_team_name": f"Team {n}"} for n in range(1, 11)]

    # --- List 1: contacts dated 1 Oct 2025 - 31 Mar 2026. A01's contact the day before the window (30 Sep) is out,
    # the one on its first day in. Ages on the window's end: A01 (born 1 Mar 2015) 11; A02 is born 1 May 2026, after
    # it (unborn): blank; A03 (born 1 Apr 2010) turns 16 the day after: 15.
    c.person("A01", "2015-03-01", sex="F", ethnicity="WBRI")
    _contact(c, "A01", "K01", "2025-09-30", "6")         # out (custom window: in, g) Police)
    _contact(c, "A01", "K02", "2025-10-01", "2A")        # in: b) Schools
    c.person("A02", "2026-05-01", sex="M", ethnicity="NOBT")
    _contact(c, "A02", "K03", "2026-03-31", "3B")        # the window's last day: in, d) Health Services
    _contact(c, "A02", "K04", "2026-01-15", "11B")       # not a source code: k) Unknown
    c.person("A03", "2010-04-01", sex="U", ethnicity="MWBA")
    c.tables["ssd_person"][-1]["pers_gender"] = "09"     # sex unknown, gender self-described: d) Neither
    _contact(c, "A03", "K05", "2025-12-01", None)        # no source: k) Unknown

    # --- List 2: early help episodes open in the window. A04's first ended the day before it (out), the second on
    # its first day (in, completed 1 Oct). A05's is open, no organisation recorded; A05's second ends after the window
    # (and the as-at date): no completion date yet.
    c.person("A04", "2012-06-06")
    _add(c, "ssd_early_help_episodes", earl_episode_id="EH1", earl_person_id="A04", earl_episode_start_date="2025-06-01",
         earl_episode_end_date="2025-09-30", earl_episode_organisation="Family Hub North")
    _add(c, "ssd_early_help_episodes", earl_episode_id="EH2", earl_person_id="A04", earl_episode_start_date="2025-09-01",
         earl_episode_end_date="2025-10-01", earl_episode_organisation="Family Hub North")
    c.person("A05", "2013-07-07")
    _add(c, "ssd_early_help_episodes", earl_episode_id="EH3", earl_person_id="A05", earl_episode_start_date="2026-02-01")
    _add(c, "ssd_early_help_episodes", earl_episode_id="EH4", earl_person_id="A05", earl_episode_start_date="2026-01-10",
         earl_episode_end_date="2026-05-01", earl_episode_organisation="School")

    # --- List 3: referrals dated in the window. B01: 30 Sep 2024, 1 Mar 2025, 1 Oct 2025 and 1 Mar 2026.
    #   1 Oct 2025 (source 6, team T2, worker W02): referrals from 1 Oct 2024 to 1 Oct 2025 = 1 Mar 2025 and itself
    #     -> 2 (30 Sep 2024 is a day too early);
    #   1 Mar 2026 (NFA, no team on the referral): from 1 Mar 2025 (exactly a year before: counted) -> 1 Mar 2025,
    #     1 Oct 2025, itself -> 3; team and worker from B01's involvement since 1 Feb 2026: T5 / W05.
    # B02's referral of 30 Sep 2025 is out of List 3 (but open in the window for List 6, not NFA).
    c.person("B01", "2014-01-01")
    _disability(c, "B01", "AUT")                          # a disability: True
    _referral(c, "B01", "RB0", "2024-09-30", close="2024-10-10", reason="RC8", source="1A")
    _referral(c, "B01", "RB1", "2025-03-01", close="2025-03-20", reason="RC8", source="1A")
    _referral(c, "B01", "RB2", "2025-10-01", close="2025-12-01", reason="RC7", source="6", team="T2", worker="W02")
    _referral(c, "B01", "RB3", "2026-03-01", close="2026-03-02", reason="RC7", nfa="Y", source="5D")
    _involvement(c, "B01", "T5", "W05", "2026-02-01")
    c.person("B02", "2014-02-02")
    _disability(c, "B02", "NONE")                         # NONE: False
    _referral(c, "B02", "RB4", "2025-09-30", source="8")
    # --- List 4: assessments started in the window or open at its start (not authorised before 1 Oct 2025).
    #   AB1 (B01) 2 Oct 2025, seen, authorised 10 Nov, not NFA -> requires support True; its own team T2 / W02;
    #   AB2 (B02) 1 - 30 Sep 2025: authorised the day before the window -> out;
    #   AB3 (B02) 15 Sep - 1 Oct 2025: authorised on its first day -> in; not seen; NFA -> False;
    #   AB4 (B03) 20 Mar 2026, open, seen not recorded -> Unknown, no authorisation, support blank; UNALLOCATED;
    #   AB5 (B04) 5 Jan 2026, authorised 15 Apr 2026 (after the window): still open in the list.
    c.tables["ssd_cin_assessments"] += [
        {"cina_assessment_id": "AB1", "cina_person_id": "B01", "cina_referral_id": "RB2",
         "cina_assessment_start_date": "2025-10-02", "cina_assessment_child_seen": "Y",
         "cina_assessment_auth_date": "2025-11-10", "cina_assessment_outcome_nfa": "N", "cina_assessment_team": "T2",
         "cina_assessment_worker_id": "W02"},
        {"cina_assessment_id": "AB2", "cina_person_id": "B02", "cina_referral_id": "RB4",
         "cina_assessment_start_date": "2025-09-01", "cina_assessment_auth_date": "2025-09-30"},
        {"cina_assessment_id": "AB3", "cina_person_id": "B02", "cina_referral_id": "RB4",
         "cina_assessment_start_date": "2025-09-15", "cina_assessment_child_seen": "N",
         "cina_assessment_auth_date": "2025-10-01", "cina_assessment_outcome_json": '{"OUTCOME_NFA_FLAG": "Y"}'},
        {"cina_assessment_id": "AB4", "cina_person_id": "B03", "cina_assessment_start_date": "2026-03-20"},
        {"cina_assessment_id": "AB5", "cina_person_id": "B04", "cina_assessment_start_date": "2026-01-05",
         "cina_assessment_auth_date": "2026-04-15"},
    ]
    c.person("B03", "2016-03-03")
    _disability(c, "B03", "NOBT")                         # only "not obtained": Unknown
    c.person("B04", "2016-04-04")                         # nothing recorded: False, as the CIN census's NONE

    # --- List 5: section 47 enquiries open in the window.
    #   C01: S47 10 Oct - 30 Oct 2025 (team T3 / W03), conference 30 Oct with a plan (outcome flag Y); an earlier
    #     enquiry 15 Jan 2025 with a conference on 1 Feb 2025 (no plan) ended before the window (not listed) ->
    #     enquiries in the 12 months to 10 Oct 2025: 2; conferences in the 12 months to 30 Oct 2025: 2;
    #   C02: S47 20 Sep - 5 Oct 2025, no conference called (flag N) or held -> not required True; counts 1 and 0;
    #   C03: S47 25 Mar 2026, open, undecided -> not required blank;
    #   C04: S47 1 - 20 Feb 2026 calling a conference (OUTCOME_CP_CONFERENCE_FLAG Y) not yet held -> False, no date;
    #   C05: conference 20 Dec 2025, no outcome flag, but plan CP-C05 names it -> resulted in a plan True;
    #   C06: conference 30 Jan 2026, no outcome flag, no plan -> Unknown; team from the conference (T4 / W04).
    for pid in ("C01", "C02", "C03", "C04", "C05", "C06"):
        c.person(pid, "2012-05-05")
    c.s47("C01", "S01a", "2025-01-15", end="2025-02-01")
    c.icpc("C01", "IC01a", "S01a", "2025-02-01")
    c.tables["ssd_initial_cp_conference"][-1]["icpc_icpc_outcome_cp_flag"] = "N"
    c.s47("C01", "S01", "2025-10-10", end="2025-10-30")
    c.tables["ssd_s47_enquiry"][-1] |= {"s47e_s47_completed_by_team": "T3", "s47e_s47_completed_by_worker_id": "W03"}
    c.icpc("C01", "IC01", "S01", "2025-10-30", plan_id="CP-C01")
    c.tables["ssd_initial_cp_conference"][-1]["icpc_icpc_outcome_cp_flag"] = "Y"
    c.cp_plan("C01", "CP-C01", "2025-10-30", icpc_id="IC01")
    c.s47("C02", "S02", "2025-09-20", end="2025-10-05")
    c.tables["ssd_s47_enquiry"][-1]["s47e_s47_outcome_json"] = '{"OUTCOME_CP_CONFERENCE_FLAG": "N"}'
    c.s47("C03", "S03", "2026-03-25")
    c.s47("C04", "S04", "2026-02-01", end="2026-02-20")
    c.tables["ssd_s47_enquiry"][-1]["s47e_s47_outcome_json"] = '{"OUTCOME_CP_CONFERENCE_FLAG": "Y"}'
    c.s47("C05", "S05", "2025-12-01", end="2025-12-20")
    c.icpc("C05", "IC05", "S05", "2025-12-20")
    c.cp_plan("C05", "CP-C05", "2025-12-20", icpc_id="IC05")
    c.s47("C06", "S06", "2026-01-10", end="2026-01-30")
    c.icpc("C06", "IC06", "S06", "2026-01-30")
    c.tables["ssd_initial_cp_conference"][-1] |= {"icpc_icpc_team": "T4", "icpc_icpc_worker_id": "W04"}

    # --- List 6: children-in-need episodes open in the window, not NFA. Allocation on the window's end (or closure).
    #   D01: referred 1 May 2025 (need N5), open, on a CIN plan since 1 Jun 2025 -> c) Child in need plan; CIN visits
    #     10 Mar 2026 (seen) and 20 Mar (not seen) -> last seen 10 Mar; involvement T6 / W06;
    #   D02: closed 30 Sep 2025, the day before the window -> out;
    #   D03: closed on 1 Oct 2025, RC8 -> h) Child not in need after assessment, e) Closed episode;
    #   D04: NFA referral in the window -> not a CIN episode (List 3 only);
    #   D05: referred 1 Nov 2025 (N1), on a CP plan from 1 Dec 2025 -> b); CP visit seen 15 Mar 2026 -> last seen;
    #   D06: referred 1 Nov 2025, in care from 1 Feb 2026 (after a CP plan 1 Dec 2025 - 1 Feb 2026) -> a);
    #   D07: referred 1 Mar 2026, assessment open since 5 Mar (no need code) -> d) Open assessment, j) Not stated;
    #   D08: referred 1 Jul 2025, assessment authorised 1 Aug 2025, no plan, still open -> c) Child in need plan;
    #   D09: closed 1 Feb 2026 with a reason outside DfE's codes -> i) Not Stated.
    for pid in ("D01", "D02", "D03", "D04", "D05", "D06", "D07", "D08", "D09"):
        c.person(pid, "2011-06-06")
    _referral(c, "D01", "RD1", "2025-05-01", need="N5")
    _add(c, "ssd_cin_plans", cinp_cin_plan_id="CIN-D01", cinp_referral_id="RD1", cinp_person_id="D01",
         cinp_cin_plan_start_date="2025-06-01")
    _add(c, "ssd_cin_visits", cinv_cin_visit_id="CV1", cinv_person_id="D01", cinv_cin_visit_date="2026-03-10",
         cinv_cin_visit_seen="Y")
    _add(c, "ssd_cin_visits", cinv_cin_visit_id="CV2", cinv_person_id="D01", cinv_cin_visit_date="2026-03-20",
         cinv_cin_visit_seen="N")
    _involvement(c, "D01", "T6", "W06", "2025-05-01")
    _referral(c, "D02", "RD2", "2025-08-01", close="2025-09-30", reason="RC7", need="N1")
    _referral(c, "D03", "RD3", "2025-08-01", close="2025-10-01", reason="RC8", need="N4")
    _referral(c, "D04", "RD4", "2026-01-10", close="2026-01-12", reason="RC7", nfa="Y")
    _referral(c, "D05", "RD5", "2025-11-01", need="N1")
    c.cp_plan("D05", "CP-D05", "2025-12-01")
    c.cp_visit("D05", "CP-D05", "2026-03-15")
    _referral(c, "D06", "RD6", "2025-11-01", need="N1")
    c.cp_plan("D06", "CP-D06", "2025-12-01", end="2026-02-01")
    c.episode("D06", "2026-02-01", "S")
    c.legal_status("D06", "C1", "2026-02-01")
    _referral(c, "D07", "RD7", "2026-03-01")
    c.assessment("D07", "AD7", "RD7", "2026-03-05")
    _referral(c, "D08", "RD8", "2025-07-01", need="N3")
    c.assessment("D08", "AD8", "RD8", "2025-07-02", auth="2025-08-01")
    _referral(c, "D09", "RD9", "2025-11-01", close="2026-02-01", reason="XX", need="N9")

    # --- List 7: CP plans open in the window.
    #   E01: plan 2 Jun 2025, open, PHY then EMO; an earlier plan (2024) -> 1 previous plan. Visits (seen) 2 Mar 2026
    #     alone and 16 Mar 2026 not alone -> last visit 16 Mar, seen alone False. Review conferences 1 Sep 2025 and
    #     1 Mar 2026 -> latest 1 Mar 2026. An EPO (L2) ended 1 Oct 2025, the first day of the six months -> True.
    #   E02: plan 1 Mar 2025 - 1 Oct 2025 (ended on the window's first day: in), 'Neglect' in words, latest not
    #     recorded -> a) Neglect twice; police protection (L1) ended 30 Sep 2025 -> False; no visit: blank.
    #   E03: plan ended 30 Sep 2025 -> out.  E04: plan started 31 Mar 2026 (the last day), MUL then SAB.
    for pid in ("E01", "E02", "E03", "E04"):
        c.person(pid, "2015-07-07")
    c.cp_plan("E01", "CP-E01a", "2024-01-01", end="2024-06-01")
    c.cp_plan("E01", "CP-E01", "2025-06-02")
    c.tables["ssd_cp_plans"][-1] |= {"cppl_cp_plan_initial_category": "PHY", "cppl_cp_plan_latest_category": "EMO"}
    c.cp_visit("E01", "CP-E01", "2026-03-02")
    c.tables["ssd_cp_visits"][-1]["cppv_cp_visit_seen_alone"] = "Y"
    c.cp_visit("E01", "CP-E01", "2026-03-16")
    c.tables["ssd_cp_visits"][-1]["cppv_cp_visit_seen_alone"] = "N"
    c.cp_review("E01", "CP-E01", "2025-09-01")
    c.cp_review("E01", "CP-E01", "2026-03-01")
    c.legal_status("E01", "L2", "2025-09-25", end="2025-10-01")
    _involvement(c, "E01", "T7", "W07", "2025-06-02")
    c.cp_plan("E02", "CP-E02", "2025-03-01", end="2025-10-01")
    c.tables["ssd_cp_plans"][-1]["cppl_cp_plan_initial_category"] = "Neglect"
    c.legal_status("E02", "L1", "2025-09-28", end="2025-09-30")
    c.cp_plan("E03", "CP-E03", "2025-01-01", end="2025-09-30")
    c.cp_plan("E04", "CP-E04", "2026-03-31")
    c.tables["ssd_cp_plans"][-1] |= {"cppl_cp_plan_initial_category": "MUL", "cppl_cp_plan_latest_category": "SAB"}

    # --- List 8: children looked after in the window, one row per child (latest period), short breaks left out.
    # F01 in care since 2 Jun 2025 (category of need N2, UASC, disability HEAR). C1 from 2 Jun, C2 from 1 Sep 2025.
    # Placements U3 2 Jun - 1 Dec 2025, then K2 from 1 Dec (PR4, 'e16an', URN SC123456, 25 miles: out of area) ->
    # 2 placements in the 12 months (1 Apr 2025 - 31 Mar 2026). Reviews 30 Jun, 25 Sep 2025; visit (seen) 20 Mar
    # 2026; IHA 20 Jun 2025, RHA 10 Jan 2026; dental 11 Nov 2025; IRO contact 1 Mar 2026. Missing: M 31 Mar 2025 (a day
    # before the 12 months), M 1 Nov 2025 (offered, declined), A 1 Jan 2026, M 1 Feb 2026 (offered, accepted) -> 2
    # missing, 1 absent, the last offered and accepted. Team T8 / W08.
    c.person("F01", "2011-05-05")
    _disability(c, "F01", "HEAR")
    c.episode("F01", "2025-06-02", "S")
    c.tables["ssd_cla_episodes"][-1] |= {"clae_cla_primary_need_code": "N2",
                                         "clae_cla_last_iro_contact_date": "2026-03-01"}
    c.legal_status("F01", "C1", "2025-06-02", end="2025-08-31")
    c.legal_status("F01", "C2", "2025-09-01")
    c.placement("F01", "2025-06-02", "U3", end="2025-12-01")
    c.placement("F01", "2025-12-01", "K2", urn="SC123456", distance="25.0")
    c.tables["ssd_cla_placement"][-1] |= {"clap_cla_placement_provider": "PR4", "clap_cla_placement_postcode": "e16an"}
    c.review("F01", "2025-06-30")
    c.review("F01", "2025-09-25")
    c.cla_visit("F01", "2026-03-20")
    c.cla_health("F01", "Initial Health Assessment", "2025-06-20")
    c.cla_health("F01", "Review Health Assessment", "2026-01-10")
    c.cla_health("F01", "Dental Check", "2025-11-11")
    c.immigration("F01", "Unaccompanied Asylum Seeking Child", "2025-06-02")
    for n, (start, kind, offered, accepted) in enumerate((("2025-03-31", "M", "Y", "Y"), ("2025-11-01", "M", "Y", "N"),
                                                          ("2026-01-01", "A", None, None),
                                                          ("2026-02-01", "M", "Y", "Y"))):
        _add(c, "ssd_missing", miss_table_id=f"MS{n}", miss_person_id="F01", miss_missing_episode_start_date=start,
             miss_missing_episode_type=kind, miss_missing_episode_end_date=start, miss_missing_rhi_offered=offered,
             miss_missing_rhi_accepted=accepted)
    _involvement(c, "F01", "T8", "W08", "2025-06-02")
    # F02 in care 6 Jan - 15 Oct 2025 (E13), V2, one U1 placement (PR1, distance 999.9: unknown -> location blank);
    # reviews 1 Feb and 1 Aug 2025; visits 10 Sep (seen) and 1 Oct 2025 (not seen); IHA 20 Jan 2025. An earlier
    # period (3 Jun - 1 Jul 2024) ended before the 12 months -> not a second period. T8 / W08 until 15 Oct.
    c.person("F02", "2012-08-08")
    c.episode("F02", "2024-06-03", "S", ceased="2024-07-01", cla_id="CLA-F02-1")
    c.legal_status("F02", "C2", "2024-06-03", end="2024-07-01")
    c.episode("F02", "2025-01-06", "S", ceased="2025-10-15")
    c.tables["ssd_cla_episodes"][-1]["clae_cla_episode_ceased_reason"] = "E13"
    c.legal_status("F02", "V2", "2025-01-06", end="2025-10-15")
    c.placement("F02", "2025-01-06", "U1", end="2025-10-15", distance="999.9")
    c.tables["ssd_cla_placement"][-1]["clap_cla_placement_provider"] = "PR1"
    c.review("F02", "2025-02-01")
    c.review("F02", "2025-08-01")
    c.cla_visit("F02", "2025-09-10")
    c.cla_visit("F02", "2025-10-01", seen="N")
    c.cla_health("F02", "Initial Health Assessment", "2025-01-20")
    _involvement(c, "F02", "T8", "W08", "2025-01-06", "2025-10-15")
    # F03: a period 1 May - 30 Jun 2025 (U2), then a new one from 3 Nov 2025 (P1, PR0 -> c) Other) -> a second period
    # within the 12 months; 2 placements in them.
    c.person("F03", "2013-09-09")
    c.episode("F03", "2025-05-01", "S", ceased="2025-06-30", cla_id="CLA-F03-1")
    c.legal_status("F03", "C2", "2025-05-01", end="2025-06-30")
    c.placement("F03", "2025-05-01", "U2", end="2025-06-30", cla_id="CLA-F03-1")
    c.episode("F03", "2025-11-03", "S", cla_id="CLA-F03-2")
    c.legal_status("F03", "C2", "2025-11-03")
    c.placement("F03", "2025-11-03", "P1", cla_id="CLA-F03-2")
    c.tables["ssd_cla_placement"][-1]["clap_cla_placement_provider"] = "PR0"
    # F04 a short break (V3) in the window -> out. F05 left care 30 Sep 2025 -> out (in the custom window).
    # F06 entered care on 31 Mar 2026, the last day (C1), no placement recorded yet.
    c.person("F04", "2014-10-10")
    c.episode("F04", "2026-01-05", "S")
    c.legal_status("F04", "V3", "2026-01-05")
    c.person("F05", "2014-11-11")
    c.episode("F05", "2025-03-03", "S", ceased="2025-09-30")
    c.legal_status("F05", "C2", "2025-03-03")
    c.person("F06", "2015-12-12")
    c.episode("F06", "2026-03-31", "S")
    c.legal_status("F06", "C1", "2026-03-31")

    # --- List 9: care leavers, latest record, some eligibility, aged 16-25 on the window's end.
    #   G01 (20): records reviewed 15 Jan 2025 and 1 Aug 2025; the latest: Former Relevant, not in touch, U2 ->
    #     k) Independent living, unsuitable (its digit 2), G5; latest contact 1 Dec 2025 (of the latest record);
    #     team T9 / W09, PA 'PA01';
    #   G02 no current eligibility -> out; G03 aged 26 -> out;
    #   G04 (17) Eligible, nothing else recorded; UASC until 1 Jan 2025 (former UASC) -> True; team from G04's
    #     involvement T10 / W10; no PA -> UNALLOCATED;
    #   G05 (19) Relevant, RHOM -> d) Exclude (in touch and suitability); activity X9 (not a code) -> blank.
    c.person("G01", "2006-01-20")
    _add(c, "ssd_care_leavers", clea_table_id="L1", clea_person_id="G01", clea_care_leaver_eligibility="Former relevant",
         clea_care_leaver_in_touch="YES", clea_care_leaver_latest_contact="2025-02-01",
         clea_care_leaver_accommodation="D", clea_care_leaver_accom_suitable="1", clea_care_leaver_activity="F2",
         clea_pathway_plan_review_date="2025-01-15", clea_care_leaver_personal_advisor="PA01",
         clea_care_leaver_allocated_team="T9", clea_care_leaver_worker_id="W09")
    _add(c, "ssd_care_leavers", clea_table_id="L2", clea_person_id="G01", clea_care_leaver_eligibility="Former Relevant",
         clea_care_leaver_in_touch="NO", clea_care_leaver_latest_contact="2025-12-01",
         clea_care_leaver_accommodation="U2", clea_care_leaver_activity="G5",
         clea_pathway_plan_review_date="2025-08-01", clea_care_leaver_personal_advisor="PA01",
         clea_care_leaver_allocated_team="T9", clea_care_leaver_worker_id="W09")
    c.person("G02", "2006-02-20")
    _add(c, "ssd_care_leavers", clea_table_id="L3", clea_person_id="G02",
         clea_care_leaver_eligibility="No Current Eligibility", clea_pathway_plan_review_date="2025-08-01")
    c.person("G03", "1999-06-01")
    _add(c, "ssd_care_leavers", clea_table_id="L4", clea_person_id="G03", clea_care_leaver_eligibility="Former Relevant")
    c.person("G04", "2009-02-01")
    _add(c, "ssd_care_leavers", clea_table_id="L5", clea_person_id="G04", clea_care_leaver_eligibility="Eligible")
    c.immigration("G04", "UASC", "2024-01-01")
    c.tables["ssd_immigration_status"][-1]["immi_immigration_status_end_date"] = "2025-01-01"
    _involvement(c, "G04", "T10", "W10", "2025-01-01")
    c.person("G05", "2006-09-09")
    _add(c, "ssd_care_leavers", clea_table_id="L6", clea_person_id="G05", clea_care_leaver_eligibility="relevant",
         clea_care_leaver_in_touch="RHOM", clea_care_leaver_activity="X9")

    # --- List 10: adoption decisions standing in the window.
    #   H01: in care since 1 Mar 2024; decision 1 Feb 2025, placement order 1 May, FFA placement 1 Mar, matched
    #     1 Nov, placed 1 Dec 2025;
    #   H02: adopted (E11) 30 Sep 2025, the day before the window -> out (in the custom window, with that date);
    #   H03: adopted (E12) on 1 Oct 2025 -> in, adoption order 1 Oct 2025;
    #   H04: decision 10 Jan 2025 reversed 1 Dec 2025, RD3 -> in;
    #   H05: decision 10 Apr 2026, after the window -> out;  H06: reversed 30 Sep 2025 -> out.
    def adoption_child(pid: str, entered: str, ceased: str | None = None, reason: str | None = None) -> None:
        c.person(pid, "2021-01-01")
        c.episode(pid, entered, "S", ceased=ceased)
        if reason:
            c.tables["ssd_cla_episodes"][-1]["clae_cla_episode_ceased_reason"] = reason
        c.legal_status(pid, "E1", entered, end=ceased)

    def permanence(pid: str, decision: str, **dates) -> None:
        _add(c, "ssd_permanence", perm_table_id=f"PM-{pid}", perm_person_id=pid, perm_cla_id=f"CLA-{pid}",
             perm_adm_decision_date=decision, **{f"perm_{k}": v for k, v in dates.items()})

    adoption_child("H01", "2024-03-01")
    permanence("H01", "2025-02-01", placement_order_date="2025-05-01", placed_ffa_cp_date="2025-03-01",
               matched_date="2025-11-01", placed_for_adoption_date="2025-12-01")
    adoption_child("H02", "2023-01-09", ceased="2025-09-30", reason="E11")
    permanence("H02", "2024-06-01")
    adoption_child("H03", "2023-01-09", ceased="2025-10-01", reason="E12")
    permanence("H03", "2024-06-01")
    adoption_child("H04", "2024-09-02")
    permanence("H04", "2025-01-10", decision_reversed_date="2025-12-01", decision_reversed_reason="RD3")
    adoption_child("H05", "2025-05-05")
    permanence("H05", "2026-04-10")
    adoption_child("H06", "2024-09-02")
    permanence("H06", "2024-01-01", decision_reversed_date="2025-09-30", decision_reversed_reason="RD1")
    return c


def _read_lists(url: str) -> dict[str, object]:
    return {m: read_table(url, "returns", m) for m in LISTS}


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def built(request, tmp_path_factory):
    """The lists for the default window, the workbook written from them, and the lists again for CUSTOM."""
    engine = request.param
    url = (f"duckdb:///{tmp_path_factory.mktemp('annex_a') / 'w.duckdb'}" if engine == "duckdb"
           else fresh_postgres_database("cs_annex_a"))
    council = build_children()
    load_warehouse(url, council.tables, council.links)
    result = run_dbt(url, AS_AT, "build", "--indirect-selection", "cautious", "--select",
                     *[f"+{m}" for m in LISTS], work="annex_a")
    if result.returncode != 0:
        pytest.fail(f"dbt build failed:\n{result.stdout[-8000:]}\n{result.stderr[-2000:]}")
    lists = _read_lists(url)
    marts = {m: read_table(url, "marts", m) for m in ("cla_snapshot",)}
    output = tmp_path_factory.mktemp(f"annex_a_out_{engine}")
    path, counts = write_annex_a(Warehouse(url), output, WINDOW_END)
    # the same lists for a chosen window: only the list models run again (their upstream tables are built)
    result = run_dbt(url, AS_AT, "run", "--select", *LISTS, "--vars", json.dumps(CUSTOM), work="annex_a")
    if result.returncode != 0:
        pytest.fail(f"dbt run (custom window) failed:\n{result.stdout[-8000:]}\n{result.stderr[-2000:]}")
    custom = _read_lists(url)
    return {"lists": lists, "marts": marts, "workbook": path, "counts": counts, "custom": custom}


def _rows(frame, columns: list[str], prefix: str | None = None) -> list[tuple]:
    """The columns of the rows (in row_id order; row_id must be 0..n-1) whose child id starts with prefix."""
    ordered = frame.sort_values("row_id")
    assert [value(v) for v in ordered["row_id"]] == list(range(len(ordered)))
    if prefix is not None:
        ordered = ordered[ordered["child_id"].astype(str).str.startswith(prefix)]
    return [tuple(value(v) for v in r) for r in ordered[columns].itertuples(index=False)]


def test_every_list_has_the_specs_columns_in_order(built):
    # row_id first (the workbook reads `order by row_id`), then exactly lists.yaml's columns in Ofsted's order
    for annex_list in annex_a_lists():
        for frames in (built["lists"], built["custom"]):
            frame = frames[annex_list.table]
            assert list(frame.columns) == ["row_id"] + [c.name for c in annex_list.columns], annex_list.table


# Coded cells Ofsted expects that stay blank only where the SSD holds nothing for that child (never a guessed code;
# the models' not_null warnings name them): F06 has no placement yet, F02's placement distance is unknown (999.9).
DATA_GAPS = {("annex_a_list_8", "placement_type"), ("annex_a_list_8", "placement_location")}


def test_every_coded_cell_is_one_of_ofsteds_values(built):
    for annex_list in annex_a_lists():
        for frames in (built["lists"], built["custom"]):
            frame = frames[annex_list.table]
            for column in annex_list.columns:
                cells = [value(v) for v in frame[column.name]]
                if column.allowed:
                    assert {v for v in cells if v is not None} <= set(column.allowed), (annex_list.table, column.name)
                if column.type in ("code", "flag") and not column.blank and (annex_list.table, column.name) not in DATA_GAPS:
                    assert None not in cells, (annex_list.table, column.name)


def test_list_1_contacts_in_the_window_with_their_sources(built):
    columns = ["child_id", "gender", "ethnicity", "date_of_birth", "age_years", "date_of_contact", "contact_source"]
    assert _rows(built["lists"]["annex_a_list_1"], columns) == [
        ("A01", "b) Female", "a) White", d("2015-03-01"), 11, d("2025-10-01"), "b) Schools"),
        ("A02", "a) Male", "f) Not stated", d("2026-05-01"), None, d("2026-01-15"), "k) Unknown"),
        ("A02", "a) Male", "f) Not stated", d("2026-05-01"), None, d("2026-03-31"), "d) Health Services"),
        ("A03", "d) Neither", "b) Mixed", d("2010-04-01"), 15, d("2025-12-01"), "k) Unknown"),
    ]


def test_a_chosen_window_moves_the_edges_and_the_ages(built):
    # 1 Jul - 31 Dec 2025: A01's contact of 30 Sep is in now, A02's (2026) are out; ages on 31 Dec 2025
    assert _rows(built["custom"]["annex_a_list_1"], ["child_id", "age_years", "date_of_contact", "contact_source"]) == [
        ("A01", 10, d("2025-09-30"), "g) Police"),
        ("A01", 10, d("2025-10-01"), "b) Schools"),
        ("A03", 15, d("2025-12-01"), "k) Unknown"),
    ]
    # F05 (left care 30 Sep 2025) is looked after in that window, F06 (from 31 Mar 2026) not; F01's RHA of 10 Jan
    # 2026 is after it: its last health assessment is the IHA, 20 Jun 2025
    assert _rows(built["custom"]["annex_a_list_8"], ["child_id", "date_of_last_health_assessment"], "F") == [
        ("F01", d("2025-06-20")), ("F02", d("2025-01-20")), ("F03", None), ("F05", None)]
    # H02's adoption (30 Sep 2025) and H06's reversed decision (30 Sep 2025) fall in it
    assert _rows(built["custom"]["annex_a_list_10"], ["child_id", "date_of_adoption_order",
                                                      "no_longer_adoption_decision_date"]) == [
        ("H01", None, None), ("H02", d("2025-09-30"), None), ("H03", d("2025-10-01"), None),
        ("H04", None, d("2025-12-01")), ("H06", None, d("2025-09-30"))]


def test_the_default_window_is_the_pipelines():
    # the macro's default (List 1's edges above: 1 Oct 2025 in, 30 Sep out) is the window Settings passes to dbt
    assert Settings.from_env({"CS_PIPELINE_AS_AT": AS_AT.isoformat()}).annex_a_window == (WINDOW_START, WINDOW_END)


def test_list_2_early_help_open_in_the_window(built):
    columns = ["child_id", "assessment_start_date", "assessment_completion_date", "organisation_completing_assessment"]
    assert _rows(built["lists"]["annex_a_list_2"], columns) == [
        ("A04", d("2025-09-01"), d("2025-10-01"), "Family Hub North"),
        ("A05", d("2026-01-10"), None, "School"),
        ("A05", d("2026-02-01"), None, "Not recorded"),
    ]


def test_list_3_referrals_nfa_and_the_12_month_count(built):
    columns = ["child_id", "date_of_referral", "referral_source", "referral_nfa",
               "number_of_referrals_in_last_12_months", "allocated_team", "allocated_worker"]
    assert _rows(built["lists"]["annex_a_list_3"], columns, "B") == [
        ("B01", d("2025-10-01"), "g) Police", "False", 2, "T2", "W02"),
        ("B01", d("2026-03-01"), "f) LA Services", "True", 3, "T5", "W05"),
    ]


def test_list_4_assessments_started_or_open(built):
    columns = ["child_id", "has_disability", "continuous_assessment_start_date",
               "child_seen_during_continuous_assessment", "assessment_authorised_date", "requires_csc_support",
               "allocated_team", "allocated_worker"]
    assert _rows(built["lists"]["annex_a_list_4"], columns, "B") == [
        ("B01", "True", d("2025-10-02"), "True", d("2025-11-10"), "True", "T2", "W02"),
        ("B02", "False", d("2025-09-15"), "False", d("2025-10-01"), "False", "UNALLOCATED", "UNALLOCATED"),
        ("B03", "Unknown", d("2026-03-20"), "Unknown", None, None, "UNALLOCATED", "UNALLOCATED"),
        ("B04", "False", d("2026-01-05"), "Unknown", None, None, "UNALLOCATED", "UNALLOCATED"),
    ]


def test_list_5_section_47s_and_conferences(built):
    columns = ["child_id", "s47_start_date", "icpc_not_required", "icpc_date", "icpc_resulted_in_plan",
               "s47_in_last_12_months", "icpcs_in_last_12_months", "allocated_team", "allocated_worker"]
    assert _rows(built["lists"]["annex_a_list_5"], columns, "C") == [
        ("C01", d("2025-10-10"), "False", d("2025-10-30"), "True", 2, 2, "T3", "W03"),
        ("C02", d("2025-09-20"), "True", None, None, 1, 0, "UNALLOCATED", "UNALLOCATED"),
        ("C03", d("2026-03-25"), None, None, None, 1, 0, "UNALLOCATED", "UNALLOCATED"),
        ("C04", d("2026-02-01"), "False", None, None, 1, 0, "UNALLOCATED", "UNALLOCATED"),
        ("C05", d("2025-12-01"), "False", d("2025-12-20"), "True", 1, 1, "UNALLOCATED", "UNALLOCATED"),
        ("C06", d("2026-01-10"), "False", d("2026-01-30"), "Unknown", 1, 1, "T4", "W04"),
    ]


def test_list_6_children_in_need_and_case_status(built):
    columns = ["child_id", "cin_start_date", "primary_need_code", "date_child_was_last_seen", "cin_closure_date",
               "reason_for_closure", "case_status", "allocated_team", "allocated_worker"]
    assert _rows(built["lists"]["annex_a_list_6"], columns, "D") == [
        ("D01", d("2025-05-01"), "e) Family dysfunction", d("2026-03-10"), None, None, "c) Child in need plan",
         "T6", "W06"),
        ("D03", d("2025-08-01"), "d) Family in acute stress", None, d("2025-10-01"),
         "h) Child not in need after assessment", "e) Closed episode", "UNALLOCATED", "UNALLOCATED"),
        ("D05", d("2025-11-01"), "a) Abuse or neglect", d("2026-03-15"), None, None, "b) Child Protection plan",
         "UNALLOCATED", "UNALLOCATED"),
        ("D06", d("2025-11-01"), "a) Abuse or neglect", None, None, None, "a) Looked after child",
         "UNALLOCATED", "UNALLOCATED"),
        ("D07", d("2026-03-01"), "j) Not stated", None, None, None, "d) Open assessment", "UNALLOCATED", "UNALLOCATED"),
        ("D08", d("2025-07-01"), "c) Parents illness or disability", None, None, None, "c) Child in need plan",
         "UNALLOCATED", "UNALLOCATED"),
        ("D09", d("2025-11-01"), "i) Not CIN", None, d("2026-02-01"), "i) Not Stated", "e) Closed episode",
         "UNALLOCATED", "UNALLOCATED"),
    ]
    # B02's referral of 30 Sep 2025 (open, not NFA) is an episode of the window; B01's NFA referral is not
    assert [r[1] for r in _rows(built["lists"]["annex_a_list_6"], ["child_id", "cin_start_date"], "B")] == [
        d("2025-10-01"), d("2025-09-30")]


def test_list_7_child_protection_plans(built):
    columns = ["child_id", "child_protection_plan_start_date", "initial_category_of_abuse", "latest_category_of_abuse",
               "date_of_the_last_statutory_visit", "was_the_child_seen_alone", "date_of_latest_review_conference",
               "child_protection_plan_end_date", "epo_or_police_protection_6_months", "previous_cp_plans",
               "allocated_team", "allocated_worker"]
    assert _rows(built["lists"]["annex_a_list_7"], columns, "E") == [
        ("E01", d("2025-06-02"), "b) Physical Abuse", "d) Emotional Abuse", d("2026-03-16"), "False", d("2026-03-01"),
         None, "True", 1, "T7", "W07"),
        ("E02", d("2025-03-01"), "a) Neglect", "a) Neglect", None, None, None, d("2025-10-01"), "False", 0,
         "UNALLOCATED", "UNALLOCATED"),
        ("E04", d("2026-03-31"), "e) Multiple", "c) Sexual Abuse", None, None, None, None, "False", 0,
         "UNALLOCATED", "UNALLOCATED"),
    ]


LIST_8_COLUMNS = [
    "child_id", "age_years", "uasc_last_12_months", "has_disability", "date_started_to_be_looked_after",
    "child_s_category_of_need", "second_period_in_12_months", "start_date_of_current_legal_status",
    "child_s_legal_status", "date_of_latest_statutory_review", "date_of_last_social_work_visit", "permanence_plan",
    "last_iro_contact_date", "date_of_last_health_assessment", "date_of_last_dental_check",
    "placements_in_last_12_months", "date_ceased_to_be_looked_after", "reason_ceased_to_be_looked_after",
    "start_date_of_most_recent_placement", "placement_type", "placement_provider", "placement_postcode",
    "urn_of_placement", "placement_location", "la_of_placement", "missing_episodes_12_months",
    "absent_episodes_12_months", "return_interview_offered", "return_interview_accepted", "allocated_team",
    "allocated_worker"]


def test_list_8_children_looked_after(built):
    assert _rows(built["lists"]["annex_a_list_8"], LIST_8_COLUMNS, "F") == [
        ("F01", 14, "True", "True", d("2025-06-02"), "b) Child's disability", "False", d("2025-09-01"),
         "b) Full care orders", d("2025-09-25"), d("2026-03-20"), None, d("2026-03-01"), d("2026-01-10"),
         d("2025-11-11"), 2, None, None, d("2025-12-01"), "h) Children’s Homes", "b) Private", "E1 6AN", "SC123456",
         "b) Out", "Not recorded", 2, 1, "True", "True", "T8", "W08"),
        ("F02", 13, "False", "False", d("2025-01-06"), "j) Not stated", "False", d("2025-01-06"),
         "e) Accommodated under S20", d("2025-08-01"), d("2025-09-10"), None, None, d("2025-01-20"), None, 1,
         d("2025-10-15"),
         "e) Left care to live with parents, relatives or other person with no parental responsibility",
         d("2025-01-06"), "a) Foster Placement", "a) Own LA", None, None, None, "Not recorded", 0, 0, None, None,
         "T8", "W08"),
        ("F03", 12, "False", "False", d("2025-11-03"), "j) Not stated", "True", d("2025-11-03"),
         "b) Full care orders", None, None, None, None, None, None, 2, None, None, d("2025-11-03"),
         "c) Placed with parents", "c) Other", None, None, "a) In", "Not recorded", 0, 0, None, None,
         "UNALLOCATED", "UNALLOCATED"),
        # no placement recorded yet: its start, type, postcode and location blank; provider "c) Other" (none, as LIIA)
        ("F06", 10, "False", "False", d("2026-03-31"), "j) Not stated", "False", d("2026-03-31"),
         "a) Interim care orders", None, None, None, None, None, None, 0, None, None, None, None, "c) Other", None, None,
         None, "Not recorded", 0, 0, None, None, "UNALLOCATED", "UNALLOCATED"),
    ]


def test_list_8_health_and_visit_dates_are_the_marts(built):
    # a child in care on the as-at date shows exactly what cla_snapshot (BI's Annex A lens) shows
    snapshot = built["marts"]["cla_snapshot"]
    listed = built["lists"]["annex_a_list_8"]
    pairs = {"date_of_latest_statutory_review": "last_review_date", "date_of_last_social_work_visit": "last_visit_date",
             "date_of_last_health_assessment": "last_health_assessment_date",
             "date_of_last_dental_check": "last_dental_check_date"}
    in_care = snapshot.set_index("person_id")
    checked = 0
    for row in listed.itertuples(index=False):
        if row.child_id in in_care.index and row.date_ceased_to_be_looked_after is None:
            for ours, theirs in pairs.items():
                assert value(getattr(row, ours)) == value(in_care.loc[row.child_id, theirs]), (row.child_id, ours)
            checked += 1
    assert checked >= 3


def test_list_9_care_leavers(built):
    columns = ["child_id", "age_years", "uasc_or_former_uasc", "allocated_team", "allocated_worker",
               "allocated_personal_advisor", "eligibility_category", "latest_pathway_plan_review_date", "la_in_touch",
               "latest_date_of_contact", "type_of_accommodation", "suitability_of_accommodation", "activity_status"]
    assert _rows(built["lists"]["annex_a_list_9"], columns, "G") == [
        ("G01", 20, "False", "T9", "W09", "PA01", "b) Former relevant", d("2025-08-01"), "b) Not in touch",
         d("2025-12-01"), "k) Independent living", "b) Not suitable",
         "G5: Not in education, employment or training - other"),
        ("G04", 17, "True", "T10", "W10", "UNALLOCATED", "d) Eligible", None, "c) Not recorded", None, None,
         "c) Not in touch or not recorded", None),
        ("G05", 19, "False", "UNALLOCATED", "UNALLOCATED", "UNALLOCATED", "a) Relevant", None, "d) Exclude", None, None,
         "d) Exclude", None),
    ]


def test_list_10_adoption_decisions_standing_in_the_window(built):
    columns = ["child_id", "family_identifier", "date_the_child_entered_care", "adoption_decision_date",
               "date_of_placement_order", "matched_date", "date_placed_for_adoption", "date_of_adoption_order",
               "no_longer_adoption_decision_date", "no_longer_adoption_reason", "ffa_placement_date"]
    assert _rows(built["lists"]["annex_a_list_10"], columns) == [
        ("H01", None, d("2024-03-01"), d("2025-02-01"), d("2025-05-01"), d("2025-11-01"), d("2025-12-01"), None, None,
         None, d("2025-03-01")),
        ("H03", None, d("2023-01-09"), d("2024-06-01"), None, None, None, d("2025-10-01"), None, None, None),
        ("H04", None, d("2024-09-02"), d("2025-01-10"), None, None, None, None, d("2025-12-01"),
         "c) Prospective adopters cannot be found", None),
    ]


def test_list_11_adopters_is_empty_for_want_of_a_source(built):
    assert len(built["lists"]["annex_a_list_11"]) == 0


def test_the_workbook_is_written_from_the_built_lists(built):
    counts = built["counts"]
    assert counts == {n: len(built["lists"][f"annex_a_list_{n}"]) for n in range(1, 12)}
    book = openpyxl.load_workbook(built["workbook"])
    lists = annex_a_lists()
    assert book.sheetnames == [a.sheet for a in lists]
    for annex_list in lists:
        sheet = book[annex_list.sheet]
        assert [c.value for c in sheet[1]] == [c.header for c in annex_list.columns], annex_list.sheet
        assert sheet.max_row == counts[annex_list.number] + 1
    first = [c.value for c in book["List 1"][2]]
    assert first == ["A01", "b) Female", "a) White", dt.datetime(2015, 3, 1), 11, dt.datetime(2025, 10, 1),
                     "b) Schools"]
    assert book["List 1"]["F2"].is_date and book["List 1"]["F2"].number_format == "DD/MM/YYYY"


def test_the_code_macros_only_give_ofsteds_values():
    # every value a mapping macro can give (a quoted literal after then / else) is one of lists.yaml's codes
    text = (PROJECT_ROOT / "dbt_style_sql" / "macros" / "annex_a_codes.sql").read_text(encoding="utf-8")
    given = {m.replace("''", "'") for m in re.findall(r"\b(?:then|else)\s+'((?:[^']|'')*)'", text) if "{{" not in m}
    allowed = {v for a in annex_a_lists() for c in a.columns for v in c.allowed}
    assert given and given <= allowed, sorted(given - allowed)
