"""Hand-built children for the timeliness marts, each with the answer worked out by hand (see the tests).

As-at date 2026-03-31 (a Tuesday). Working days are Monday-Friday less England bank holidays; the start day is
day 0. Comments give the hand count for each due date. The extract's history (var extract_history_years, 6) starts
on HISTORY_START, 2020-04-01: items due before it are excluded (add_history_children).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from cs_pipeline_tests.marts.children_review_cp import add_review_cp_children
from cs_pipeline_tests.marts.children_review_cla import add_review_cla_children

AS_AT = dt.date(2026, 3, 31)
HISTORY_START = dt.date(2020, 4, 1)  # the day after AS_AT minus 6 years: the extract holds events from here


class Council:
    """Collects raw rows per table, with simple ids."""

    def __init__(self) -> None:
        self.tables: dict[str, list[dict]] = defaultdict(list)
        self.links: dict[str, list[dict]] = defaultdict(list)
        self._ids: dict[str, int] = defaultdict(int)

    def _id(self, prefix: str) -> str:
        self._ids[prefix] += 1
        return f"{prefix}{self._ids[prefix]:03d}"

    def person(self, pid: str, dob: str, sex: str = "M", ethnicity: str = "WBRI") -> None:
        self.tables["ssd_person"].append(
            {"pers_person_id": pid, "pers_dob": dob, "pers_sex": sex, "pers_ethnicity": ethnicity,
             "pers_forename": "Test", "pers_surname": "Child", "pers_common_child_id": None}
        )

    def episode(self, pid: str, start: str, rne: str, ceased: str | None = None, cla_id: str | None = None,
                placement_id: str | None = None) -> None:
        self.tables["ssd_cla_episodes"].append(
            {"clae_cla_episode_id": self._id("E"), "clae_person_id": pid, "clae_cla_episode_start_date": start,
             "clae_cla_episode_start_reason": rne, "clae_cla_episode_ceased_date": ceased,
             "clae_cla_episode_ceased_reason": "E11" if ceased else None, "clae_cla_id": cla_id or f"CLA-{pid}",
             "clae_cla_placement_id": placement_id, "clae_entered_care_date": start}
        )

    def legal_status(self, pid: str, status: str, start: str, end: str | None = None) -> None:
        self.tables["ssd_legal_status"].append(
            {"lega_legal_status_id": self._id("L"), "lega_person_id": pid, "lega_legal_status": status,
             "lega_legal_status_start_date": start, "lega_legal_status_end_date": end}
        )

    def placement(self, pid: str, start: str, ptype: str, end: str | None = None, urn: str | None = None,
                  distance: str | None = "3.5", cla_id: str | None = None) -> None:
        self.tables["ssd_cla_placement"].append(
            {"clap_cla_placement_id": self._id("P"), "clap_person_id": pid, "clap_cla_placement_start_date": start,
             "clap_cla_placement_type": ptype, "clap_cla_placement_end_date": end, "clap_cla_placement_urn": urn,
             "clap_cla_placement_distance": distance, "clap_cla_id": cla_id or f"CLA-{pid}"}
        )

    def cla_health(self, pid: str, kind: str, date: str, status: str = "Completed") -> None:
        self.tables["ssd_cla_health"].append(
            {"clah_health_check_id": self._id("H"), "clah_person_id": pid, "clah_health_check_type": kind,
             "clah_health_check_date": date, "clah_health_check_status": status}
        )

    def provider_assessment(self, pid: str | None, kind: str, status: str, assessment: str | None = None,
                            appointment: str | None = None, request: str | None = None) -> None:
        record_id = self._id("HA")
        self.tables["health_lac_health_assessments"].append(
            {"record_id": record_id, "nhs_number": "9990000018", "assessment_type": kind, "status": status,
             "assessment_date": assessment, "appointment_date": appointment, "request_received_date": request,
             "given_name": "Test", "family_name": "Child", "date_of_birth": "2015-01-01"}
        )
        self.links["health_record_link"].append(
            {"file_kind": "lac_health_assessments", "record_id": record_id, "health_patient_key": f"HP-{pid}",
             "person_id": pid}
        )

    def provider_dental(self, pid: str, date: str) -> None:
        record_id = self._id("DC")
        self.tables["health_dental_checks"].append({"record_id": record_id, "check_date": date})
        self.links["health_record_link"].append(
            {"file_kind": "dental_checks", "record_id": record_id, "health_patient_key": f"HP-{pid}",
             "person_id": pid}
        )

    def review(self, pid: str, date: str, cancelled: str = "N", cla_id: str | None = None) -> None:
        self.tables["ssd_cla_reviews"].append(
            {"clar_cla_review_id": self._id("R"), "clar_cla_id": cla_id or f"CLA-{pid}", "clar_cla_review_date": date,
             "clar_cla_review_cancelled": cancelled}
        )

    def cla_visit(self, pid: str, date: str, seen: str = "Y") -> None:
        self.tables["ssd_cla_visits"].append(
            {"clav_cla_visit_id": self._id("V"), "clav_person_id": pid, "clav_cla_id": f"CLA-{pid}",
             "clav_cla_visit_date": date, "clav_cla_visit_seen": seen}
        )

    def immigration(self, pid: str, status: str, start: str) -> None:
        self.tables["ssd_immigration_status"].append(
            {"immi_immigration_status_id": self._id("I"), "immi_person_id": pid, "immi_immigration_status": status,
             "immi_immigration_status_start_date": start}
        )

    def involvement(self, pid: str, team: str, start: str, end: str | None = None) -> None:
        self.tables["ssd_involvements"].append(
            {"invo_involvements_id": self._id("INV"), "invo_person_id": pid, "invo_professional_id": "W01",
             "invo_professional_team": team, "invo_involvement_start_date": start,
             "invo_involvement_end_date": end}
        )

    def referral(self, pid: str, rid: str, date: str, close: str | None = None, team: str | None = None) -> None:
        self.tables["ssd_cin_episodes"].append(
            {"cine_referral_id": rid, "cine_person_id": pid, "cine_referral_date": date, "cine_close_date": close,
             "cine_referral_nfa": "N", "cine_referral_team": team}
        )

    def assessment(self, pid: str, aid: str, rid: str, start: str, auth: str | None = None,
                   team: str | None = None) -> None:
        self.tables["ssd_cin_assessments"].append(
            {"cina_assessment_id": aid, "cina_person_id": pid, "cina_referral_id": rid,
             "cina_assessment_start_date": start, "cina_assessment_auth_date": auth, "cina_assessment_team": team}
        )

    def s47(self, pid: str, sid: str, start: str, end: str | None = None, nfa: str = "N") -> None:
        self.tables["ssd_s47_enquiry"].append(
            {"s47e_s47_enquiry_id": sid, "s47e_person_id": pid, "s47e_s47_start_date": start,
             "s47e_s47_end_date": end, "s47e_s47_nfa": nfa}
        )

    def icpc(self, pid: str, iid: str, sid: str, date: str, plan_id: str | None = None,
             transfer_in: str = "N") -> None:
        self.tables["ssd_initial_cp_conference"].append(
            {"icpc_icpc_id": iid, "icpc_person_id": pid, "icpc_s47_enquiry_id": sid, "icpc_icpc_date": date,
             "icpc_cp_plan_id": plan_id, "icpc_icpc_transfer_in": transfer_in}
        )

    def cp_plan(self, pid: str, plan_id: str, start: str, end: str | None = None, icpc_id: str | None = None) -> None:
        self.tables["ssd_cp_plans"].append(
            {"cppl_cp_plan_id": plan_id, "cppl_person_id": pid, "cppl_cp_plan_start_date": start,
             "cppl_cp_plan_end_date": end, "cppl_icpc_id": icpc_id, "cppl_cp_plan_initial_category": "NEG"}
        )

    def cp_review(self, pid: str, plan_id: str, date: str) -> None:
        self.tables["ssd_cp_reviews"].append(
            {"cppr_cp_review_id": self._id("CPR"), "cppr_person_id": pid, "cppr_cp_plan_id": plan_id,
             "cppr_cp_review_date": date}
        )

    def cp_visit(self, pid: str, plan_id: str, date: str, seen: str = "Y") -> None:
        self.tables["ssd_cp_visits"].append(
            {"cppv_cp_visit_id": self._id("CPV"), "cppv_person_id": pid, "cppv_cp_plan_id": plan_id,
             "cppv_cp_visit_date": date, "cppv_cp_visit_seen": seen}
        )

    def core_group(self, pid: str, plan_id: str | None, date: str) -> None:
        """A row of ssd_cp_core_groups (cs_pipeline extension table)."""
        self.tables["ssd_cp_core_groups"].append(
            {"cpcg_core_group_id": self._id("CG"), "cpcg_person_id": pid, "cpcg_cp_plan_id": plan_id,
             "cpcg_meeting_date": f"{date} 10:00:00"}
        )

    def pep(self, pid: str, date: str) -> None:
        """A row of ssd_cla_pep (cs_pipeline extension table)."""
        self.tables["ssd_cla_pep"].append(
            {"clpe_pep_id": self._id("PEP"), "clpe_person_id": pid, "clpe_pep_date": f"{date} 14:30:00"}
        )

    def care_leaver(self, pid: str, review: str, eligibility: str = "Former Relevant") -> None:
        self.tables["ssd_care_leavers"].append(
            {"clea_table_id": self._id("CL"), "clea_person_id": pid, "clea_pathway_plan_review_date": review,
             "clea_care_leaver_eligibility": eligibility}
        )


def build_council() -> Council:
    c = Council()
    c.tables["ssd_department"] += [
        {"dept_team_id": "T1", "dept_team_name": "Children in Care 1"},
        {"dept_team_id": "T2", "dept_team_name": "Assessment"},
        {"dept_team_id": "T3", "dept_team_name": "Safeguarding 3"},
    ]
    c.tables["ssd_professionals"].append(
        {"prof_professional_id": "W01", "prof_professional_name": "Not Exported", "prof_professional_job_title":
         "Social Worker", "prof_professional_department": "T1", "prof_professional_caseload": "14"}
    )

    # C001 entered care Fri 19 Dec 2025 (worked example): 20 wd -> Wed 21 Jan 2026 (25/26 Dec, 1 Jan are holidays).
    # Provider IHA on the due date (on time, 20 wd); the case-management record says 23 Jan: provider wins.
    # Under 5 at the IHA -> RHA due 6 months later, 21 Jul 2026 (not yet due).
    c.person("C001", "2022-03-01")
    c.episode("C001", "2025-12-19", "S")
    c.legal_status("C001", "C2", "2025-12-19")
    c.placement("C001", "2025-12-19", "U3")  # no visits: first visit due 26 Dec 2025 -> overdue
    c.provider_assessment("C001", "IHA", "COMPLETED", assessment="2026-01-21", request="2025-12-22")
    c.cla_health("C001", "Initial Health Assessment", "2026-01-23")
    c.provider_dental("C001", "2025-06-01")
    c.involvement("C001", "T1", "2025-12-01")

    # C002 entered care Sat 1 Mar 2025 (weekend): Mon 3 Mar is day 1 -> day 20 is Fri 28 Mar 2025.
    # Only a case-management IHA, Mon 31 Mar 2025 -> late, 21 wd, evidence case_management.
    c.person("C002", "2012-05-05")
    c.episode("C002", "2025-03-01", "S")
    c.legal_status("C002", "C2", "2025-03-01")
    c.cla_health("C002", "Initial Health Assessment", "2025-03-31")

    # C003 entered Mon 12 Sep 2022; Mon 19 Sep 2022 (the Queen's funeral) is a holiday -> due Tue 11 Oct 2022.
    # IHA on 11 Oct -> on time with 20 wd (without the holiday it would have been late).
    c.person("C003", "2010-01-10")
    c.episode("C003", "2022-09-12", "S", ceased="2023-01-31")
    c.legal_status("C003", "C2", "2022-09-12")
    c.provider_assessment("C003", "IHA", "COMPLETED", assessment="2022-10-11")

    # C004 entered Tue 2 May 2023; Mon 8 May (coronation) and Mon 29 May (spring) are holidays -> due Thu 1 Jun 2023.
    # No IHA, still in care -> overdue.
    c.person("C004", "2011-02-02")
    c.episode("C004", "2023-05-02", "S")
    c.legal_status("C004", "C2", "2023-05-02")

    # C005 entered Wed 7 Jan 2026, IHA the same day -> on time, 0 working days.
    c.person("C005", "2013-03-03")
    c.episode("C005", "2026-01-07", "S")
    c.legal_status("C005", "C2", "2026-01-07")
    c.provider_assessment("C005", "IHA", "COMPLETED", assessment="2026-01-07")

    # C006 entered Mon 2 Feb 2026 (due Mon 2 Mar 2026), left care Fri 13 Feb without an IHA -> excluded.
    c.person("C006", "2014-04-04")
    c.episode("C006", "2026-02-02", "S", ceased="2026-02-13")
    c.legal_status("C006", "V2", "2026-02-02")

    # C007 entered Mon 5 Jan 2026 (due Mon 2 Feb 2026), left care 27 Feb without an IHA -> overdue (a failure).
    c.person("C007", "2014-05-05")
    c.episode("C007", "2026-01-05", "S", ceased="2026-02-27")
    c.legal_status("C007", "V2", "2026-01-05")

    # C019 entered Mon 5 Jan 2026 (due Mon 2 Feb), IHA Fri 9 Jan (4 wd), left care Fri 23 Jan, before the due date:
    # excluded (ceased care before due) even though the IHA was done; the date is still shown.
    c.person("C019", "2013-01-19")
    c.episode("C019", "2026-01-05", "S", ceased="2026-01-23")
    c.legal_status("C019", "C2", "2026-01-05")
    c.provider_assessment("C019", "IHA", "COMPLETED", assessment="2026-01-09")

    # C008 short break (legal status V3) from Mon 2 Feb 2026 -> IHA, reviews and visits excluded (short_break).
    c.person("C008", "2012-06-06")
    c.episode("C008", "2026-02-02", "S")
    c.legal_status("C008", "V3", "2026-02-02")
    c.placement("C008", "2026-02-02", "U3")

    # C009 had a (review) health assessment on 10 Nov 2025, entered care Mon 12 Jan 2026 -> excluded
    # (assessment in the 3 months before entry); the RHA chain starts at 10 Nov 2025 -> 12 months -> 10 Nov 2026.
    c.person("C009", "2012-07-07")
    c.provider_assessment("C009", "RHA", "COMPLETED", assessment="2025-11-10")
    c.episode("C009", "2026-01-12", "S")
    c.legal_status("C009", "C2", "2026-01-12")

    # C010 entered Wed 1 Oct 2025, the young person declined the IHA (appointment 20 Oct) -> excluded (refused).
    c.person("C010", "2009-08-08")
    c.episode("C010", "2025-10-01", "S")
    c.legal_status("C010", "C2", "2025-10-01")
    c.provider_assessment("C010", "IHA", "DECLINED", appointment="2025-10-20")

    # C011 re-entry. Period 1: Mon 3 Jun 2024 -> due Mon 1 Jul 2024; IHA 20 Jun 2024 (13 wd) on time; left 31 Jul
    # 2024 -> the RHA due 20 Jun 2025 is excluded (ceased care before due).
    # Period 2 (RNE S again): Mon 1 Sep 2025 -> due Mon 29 Sep 2025; case-management IHA Mon 6 Oct 2025 -> late,
    # 25 wd. A placement change (RNE P) on 3 Nov 2025 does not start a new period. RHA due 6 Oct 2026.
    c.person("C011", "2012-09-09")
    c.episode("C011", "2024-06-03", "S", ceased="2024-07-31", cla_id="CLA-C011-1")
    c.legal_status("C011", "C2", "2024-06-03")
    c.provider_assessment("C011", "IHA", "COMPLETED", assessment="2024-06-20")
    c.episode("C011", "2025-09-01", "S", cla_id="CLA-C011-2")
    c.episode("C011", "2025-11-03", "P", cla_id="CLA-C011-2")
    c.cla_health("C011", "IHA", "2025-10-06")

    # C012 entered Mon 2 Jun 2025 -> due Mon 30 Jun 2025; not brought to the 20 Jun appointment; IHA Tue 15 Jul
    # 2025 -> late (31 wd) and was_not_brought.
    c.person("C012", "2015-10-10")
    c.episode("C012", "2025-06-02", "S")
    c.legal_status("C012", "C2", "2025-06-02")
    c.provider_assessment("C012", "IHA", "WAS_NOT_BROUGHT", appointment="2025-06-20")
    c.provider_assessment("C012", "IHA", "COMPLETED", assessment="2025-07-15")

    # C013 UASC, placed 45 miles away, entered Tue 3 Mar 2026 -> due Tue 31 Mar 2026 = the as-at date -> not yet
    # due. A completed IHA on an unlinked health record (person unknown) does not count.
    c.person("C013", "2009-11-11")
    c.episode("C013", "2026-03-03", "S")
    c.legal_status("C013", "V2", "2026-03-03")
    c.immigration("C013", "UASC", "2026-03-03")
    c.placement("C013", "2026-03-03", "K2", distance="45.0")
    c.provider_assessment(None, "IHA", "COMPLETED", assessment="2026-03-10")

    # C014 entered Mon 14 Apr 2025; Good Friday 18 Apr, Easter Monday 21 Apr and Mon 5 May are holidays -> due
    # Thu 15 May 2025. IHA Fri 16 May -> late, 21 wd.
    c.person("C014", "2013-12-12")
    c.episode("C014", "2025-04-14", "S")
    c.legal_status("C014", "C2", "2025-04-14")
    c.provider_assessment("C014", "IHA", "COMPLETED", assessment="2025-05-16")

    # C016 reviews, RHAs and month-end clamping. Entered Mon 7 Aug 2023 -> first review due Tue 5 Sep 2023
    # (Mon 28 Aug is a holiday). Reviews: Thu 31 Aug 2023 (on time, 17 wd); 2nd due 31 Aug + 3 months = 30 Nov 2023,
    # held 30 Nov (on time); 3rd due 30 May 2024, held early 15 Mar 2024 (on time, resets the chain); 4th due
    # 15 Sep 2024, held 20 Sep (late); 5th due 20 Mar 2025, held 20 Mar (on time); 6th due 20 Sep 2025: only a
    # cancelled review (1 Sep 2025) -> overdue.
    # Health: dob 31 Mar 2020 (5 on 31 Mar 2025). IHA 31 Aug 2023 (on time). RHA 1 due 31 Aug 2023 + 6 = 29 Feb 2024
    # (leap year clamp), held 29 Feb (on time); RHA 2 due 29 Aug 2024, held 2 Sep (late); RHA 3 due 2 Mar 2025
    # (still under 5 on 2 Sep 2024), case-management record 20 Feb 2025 (on time); RHA 4 due 20 Aug 2025 (under 5
    # on 20 Feb 2025), held early 1 Aug 2025 (on time); RHA 5: aged 5 on 1 Aug 2025 -> 12 months -> 1 Aug 2026.
    c.person("C016", "2020-03-31", sex="F")
    c.episode("C016", "2023-08-07", "S")
    c.legal_status("C016", "C2", "2023-08-07")
    for day in ("2023-08-31", "2023-11-30", "2024-03-15", "2024-09-20", "2025-03-20"):
        c.review("C016", day)
    c.review("C016", "2025-09-01", cancelled="Y")
    c.provider_assessment("C016", "IHA", "COMPLETED", assessment="2023-08-31")
    c.provider_assessment("C016", "RHA", "COMPLETED", assessment="2024-02-29")
    c.provider_assessment("C016", "RHA", "COMPLETED", assessment="2024-09-02")
    c.cla_health("C016", "Review Health Assessment", "2025-02-20")
    c.provider_assessment("C016", "RHA", "COMPLETED", assessment="2025-08-01")
    c.cla_health("C016", "Review Health Assessment", "2025-08-03")  # same assessment as the provider's 1 Aug
    c.cla_health("C016", "Dental Check", "2024-12-01")

    # C017 visits. Entered Mon 6 Jan 2025, placement U3 (URN1). Visits (seen): Fri 10 Jan (due 13 Jan, on time);
    # 21 Feb (due 10 Jan + 42 = 21 Feb, on time); 1 Mar not seen (does not count); 10 Apr (due 4 Apr, late).
    # Hospital T1 20-25 Apr, back with URN1 25 Apr: same chain. 20 May (due 22 May, on time).
    # Move to U1 placement (URN2) 2 Jun 2025: new chain; the old chain's next visit (due 1 Jul) -> excluded.
    # New chain: 9 Jun (due 9 Jun, on time); 15 Jul (due 21 Jul, on time); then due 26 Aug, none -> overdue.
    c.person("C017", "2016-01-15")
    c.episode("C017", "2025-01-06", "S")
    c.legal_status("C017", "C2", "2025-01-06")
    c.placement("C017", "2025-01-06", "U3", end="2025-04-20", urn="URN1")
    c.placement("C017", "2025-04-20", "T1", end="2025-04-25", urn="HOSP")
    c.placement("C017", "2025-04-25", "U3", end="2025-06-02", urn="URN1")
    c.placement("C017", "2025-06-02", "U1", urn="URN2")
    for day, seen in (("2025-01-10", "Y"), ("2025-02-21", "Y"), ("2025-03-01", "N"), ("2025-04-10", "Y"),
                      ("2025-05-20", "Y"), ("2025-06-09", "Y"), ("2025-07-15", "Y")):
        c.cla_visit("C017", day, seen)

    # C018 long-term placement (U1) from Mon 8 Jan 2024. Visits: 12 Jan 2024 (due 15 Jan, on time); 30 Dec 2024
    # (due 23 Feb 2024, late); 7 Feb 2025 (previous visit in the first year -> 6 weeks -> due 10 Feb, on time);
    # 7 May 2025 (after the first year, long-term -> 3 months -> due 7 May, on time); next due 7 Aug 2025 -> overdue.
    c.person("C018", "2012-02-20")
    c.episode("C018", "2024-01-08", "S")
    c.legal_status("C018", "C2", "2024-01-08")
    c.placement("C018", "2024-01-08", "U1", urn="URN3")
    for day in ("2024-01-12", "2024-12-30", "2025-02-07", "2025-05-07"):
        c.cla_visit("C018", day)

    # C020 referral Thu 1 May 2025, assessment started Tue 6 May, authorised Mon 7 Jul 2025.
    # WT clock: 1 May + 45 wd = Mon 7 Jul (worked example) -> on time, 45 wd.
    # DfE clock: 6 May + 45 wd = Wed 9 Jul -> on time, 43 wd.
    c.person("C020", "2018-01-01")
    c.referral("C020", "REF20", "2025-05-01", team="T2")
    c.assessment("C020", "A20", "REF20", "2025-05-06", auth="2025-07-07", team="T2")

    # C021 referral and assessment start Mon 3 Nov 2025, still open: 45 wd (Christmas, Boxing Day, New Year) ->
    # due Thu 8 Jan 2026 -> overdue on both clocks.
    c.person("C021", "2018-02-02")
    c.referral("C021", "REF21", "2025-11-03", team="T2")
    c.assessment("C021", "A21", "REF21", "2025-11-03", team="T2")

    # C022 referral 5 Jan 2026, assessment started 6 Jan, case closed 20 Jan with no authorisation -> excluded.
    c.person("C022", "2018-03-03")
    c.referral("C022", "REF22", "2026-01-05", close="2026-01-20", team="T2")
    c.assessment("C022", "A22", "REF22", "2026-01-06", team="T2")

    # C023 S47 started Mon 14 Apr 2025 -> 15 wd (Easter, early May) -> due Thu 8 May 2025 (worked example);
    # ICPC 8 May -> on time, 15 wd. Plan CP23 from 8 May 2025, open. Reviews: 1st due 8 Aug 2025, held early
    # 1 Aug (on time); 2nd due 1 Feb 2026 (from the actual date), held 3 Feb (late); 3rd due 3 Aug 2026 (not yet
    # due). No visits: first visit due 22 May 2025 -> overdue.
    c.person("C023", "2019-04-04")
    c.s47("C023", "S23", "2025-04-14", end="2025-05-08")
    c.icpc("C023", "IC23", "S23", "2025-05-08", plan_id="CP23")
    c.cp_plan("C023", "CP23", "2025-05-08", icpc_id="IC23")
    c.cp_review("C023", "CP23", "2025-08-01")
    c.cp_review("C023", "CP23", "2026-02-03")

    # C024 plan CP24 Thu 8 May 2025 - 20 Jun 2025. Visits: 22 May (due 22 May: 10 wd, on time); 10 Jun (due Fri
    # 6 Jun, spring holiday 26 May -> late); next due Tue 24 Jun, plan ended 20 Jun -> excluded. Review due 8 Aug
    # 2025 -> excluded (plan ended). Its S47 (2 Jun 2025) went to a transfer-in conference -> excluded.
    c.person("C024", "2019-05-05")
    c.cp_plan("C024", "CP24", "2025-05-08", end="2025-06-20")
    c.cp_visit("C024", "CP24", "2025-05-22")
    c.cp_visit("C024", "CP24", "2025-06-10")
    c.s47("C024", "S24", "2025-06-02", end="2025-06-10")
    c.icpc("C024", "IC24", "S24", "2025-06-10", transfer_in="Y")

    # C025 S47 Mon 2 Mar 2026, open, no ICPC: due Mon 23 Mar 2026 -> overdue.
    # C026 S47 5 Jan 2026 ended NFA 20 Jan with no ICPC -> excluded (not required).
    # C027 S47 15 Sep 2025 whose only ICPC is dated before it (10 Sep) -> excluded.
    c.person("C025", "2017-06-06")
    c.s47("C025", "S25", "2026-03-02")
    c.person("C026", "2017-07-07")
    c.s47("C026", "S26", "2026-01-05", end="2026-01-20", nfa="Y")
    c.person("C027", "2017-08-08")
    c.s47("C027", "S27", "2025-09-15", end="2025-10-01")
    c.icpc("C027", "IC27", "S27", "2025-09-10")

    # C030 care leaver: pathway plan reviews 15 Jan 2025 and 1 Aug 2025 -> 1st item due 15 Jul 2025, late;
    # 2nd due 1 Feb 2026, none -> overdue. C031: review Sun 31 Aug 2025 -> due 28 Feb 2026 (clamped) -> overdue.
    c.person("C030", "2006-01-20")
    c.care_leaver("C030", "2025-01-15")
    c.care_leaver("C030", "2025-08-01")
    c.person("C031", "2006-02-20")
    c.care_leaver("C031", "2025-08-31", eligibility="Relevant")

    add_pep_children(c)
    add_core_group_children(c)
    add_history_children(c)
    add_review_cp_children(c)
    add_review_cla_children(c)
    return c


def looked_after(c: Council, pid: str, dob: str, start: str, ceased: str | None = None, status: str = "C2") -> None:
    """A child entering care (RNE S) on start, in team T3 (kept apart from the other measures' team counts)."""
    c.person(pid, dob)
    c.episode(pid, start, "S", ceased=ceased)
    c.legal_status(pid, status, start)
    c.involvement(pid, "T3", start)


def add_pep_children(c: Council) -> None:
    """PEP (ssd_cla_pep). Initial: entry + 20 wd. Terms (var pep_terms 09-01, 01-01, 04-15): Summer 2025 = 15 Apr -
    31 Aug 2025, Autumn 2025 = 1 Sep - 31 Dec 2025, Spring 2026 = 1 Jan - 14 Apr 2026 (contains the as-at date)."""
    # C101 entered Mon 5 Jan 2026 -> due Mon 2 Feb (Jan 6-9 = 4, 12-16 = 9, 19-23 = 14, 26-30 = 19, 2 Feb = 20).
    # PEP on 2 Feb -> on time, 20 wd. Spring 2026 began before entry and the next term after the as-at date: no term.
    looked_after(c, "C101", "2015-01-01", "2026-01-05")
    c.pep("C101", "2026-02-02")
    # C102 entered Mon 1 Sep 2025 -> due Mon 29 Sep; PEP Tue 30 Sep -> late, 21 wd. Autumn 2025 starts on entry and
    # the initial PEP is not due before it -> no Autumn term item. Spring 2026: PEP 10 Feb -> on time (due 14 Apr).
    looked_after(c, "C102", "2012-03-15", "2025-09-01")
    c.pep("C102", "2025-09-30")
    c.pep("C102", "2026-02-10")
    # C103 entered Mon 2 Jun 2025 -> due Mon 30 Jun; PEP Fri 20 Jun -> on time, 14 wd. Summer 2025 began before
    # entry. Autumn 2025 (due 31 Dec): PEP 15 Oct -> on time. Spring 2026 (due 14 Apr, after the as-at date), no PEP
    # yet -> not yet due.
    looked_after(c, "C103", "2010-05-20", "2025-06-02")
    c.pep("C103", "2025-06-20")
    c.pep("C103", "2025-10-15")
    # C104 entered Mon 3 Mar 2025 -> due Mon 31 Mar; PEP Thu 27 Mar -> on time, 18 wd. Another PEP Thu 10 Apr 2025
    # falls in the previous (spring) term, so Summer 2025 (due 31 Aug) has none -> overdue. Autumn 2025: PEP 5 Nov ->
    # on time. Spring 2026: none yet -> not yet due.
    looked_after(c, "C104", "2011-07-01", "2025-03-03")
    c.pep("C104", "2025-03-27")
    c.pep("C104", "2025-04-10")
    c.pep("C104", "2025-11-05")
    # C105 entered Mon 2 Feb 2026 -> due Mon 2 Mar; a PEP on 20 Jan, before entry, does not count -> overdue.
    looked_after(c, "C105", "2016-09-09", "2026-02-02")
    c.pep("C105", "2026-01-20")
    # C106 entered Mon 16 Mar 2026 -> due Wed 15 Apr (Good Friday 3 Apr, Easter Monday 6 Apr) -> not yet due.
    looked_after(c, "C106", "2014-02-02", "2026-03-16")
    # C107 entered Mon 2 Feb 2026 (due 2 Mar), left care Fri 13 Feb without a PEP -> excluded.
    looked_after(c, "C107", "2013-04-04", "2026-02-02", ceased="2026-02-13")
    # C108 aged 2 on entry (Mon 5 Jan 2026) -> excluded, not school age.
    looked_after(c, "C108", "2023-06-01", "2026-01-05")
    # C109 short break (V3) from Mon 5 Jan 2026 -> excluded.
    looked_after(c, "C109", "2014-08-08", "2026-01-05", status="V3")
    # C110 entered Mon 2 Jun 2025 -> due Mon 30 Jun; PEP 30 Jun -> on time, 20 wd. In care on 1 Sep, so an Autumn
    # 2025 item (due 31 Dec); left care Fri 14 Nov without a PEP in the term -> excluded.
    looked_after(c, "C110", "2012-10-10", "2025-06-02", ceased="2025-11-14")
    c.pep("C110", "2025-06-30")
    # C111 entered Mon 6 Jan 2025 -> due Mon 3 Feb 2025; PEP Fri 31 Jan -> on time, 19 wd, and none since: Summer and
    # Autumn 2025 overdue, Spring 2026 not yet due; last PEP before 1 Sep 2025 (previous term start) -> not in date.
    looked_after(c, "C111", "2011-11-11", "2025-01-06")
    c.pep("C111", "2025-01-31")
    # C112's first episode in the extract (Mon 2 Sep 2024) is a placement move (RNE P): the entry date is unknown, so
    # the initial item (due 30 Sep 2024; its event, the first PEP, still shown) is excluded. Terms still run: Spring
    # 2025 PEP 3 Feb 2025 -> on time, Summer and Autumn 2025 overdue, Spring 2026 not yet due. No involvement.
    c.person("C112", "2012-12-12")
    c.episode("C112", "2024-09-02", "P")
    c.legal_status("C112", "C2", "2024-09-02")
    c.pep("C112", "2025-02-03")


def add_core_group_children(c: Council) -> None:
    """First core group (ssd_cp_core_groups): ICPC date (day 0) + 10 working days. Plans in team T3."""
    def plan(pid: str, icpc_date: str, end: str | None = None, plan_names_icpc: bool = True) -> str:
        number = pid.removeprefix("C")
        c.person(pid, "2018-01-01")
        c.involvement(pid, "T3", icpc_date)
        c.icpc(pid, f"IC{number}", f"S{number}", icpc_date, plan_id=f"CP{number}")
        c.cp_plan(pid, f"CP{number}", icpc_date, end=end, icpc_id=f"IC{number}" if plan_names_icpc else None)
        return f"CP{number}"

    # C201 ICPC Mon 12 Jan 2026 -> due Mon 26 Jan (Jan 13-16 = 4, 19-23 = 9, 26 = 10); meeting 26 Jan -> on time, 10.
    c.core_group("C201", plan("C201", "2026-01-12"), "2026-01-26")
    # C202 same ICPC date (the plan does not name its ICPC: found by the conference naming the plan); meeting Tue
    # 27 Jan -> late, 11 wd.
    c.core_group("C202", plan("C202", "2026-01-12", plan_names_icpc=False), "2026-01-27")
    # C203 ICPC Mon 2 Feb 2026 -> due Mon 16 Feb. A meeting on Fri 30 Jan, before the ICPC, is ignored; the first
    # after it is Thu 12 Feb -> on time, 8 wd.
    cp = plan("C203", "2026-02-02")
    c.core_group("C203", cp, "2026-01-30")
    c.core_group("C203", cp, "2026-02-12")
    # C204 ICPC Fri 22 Aug 2025; Mon 25 Aug is a bank holiday, so Tue 26 Aug is day 1 -> due Mon 8 Sep (10 wd).
    # Meeting 8 Sep -> on time, 10 wd (late if the holiday were counted).
    c.core_group("C204", plan("C204", "2025-08-22"), "2025-09-08")
    # C205 ICPC Mon 12 Jan 2026 (due 26 Jan); plan ended Fri 23 Jan without a meeting -> excluded.
    plan("C205", "2026-01-12", end="2026-01-23")
    # C206 ICPC Mon 2 Mar 2026 -> due Mon 16 Mar; no meeting by 31 Mar -> overdue.
    plan("C206", "2026-03-02")
    # C207 ICPC Mon 23 Mar 2026 -> due Wed 8 Apr (Mar 24-27 = 4, 30-31 = 6, Apr 1-2 = 8, Good Friday and Easter
    # Monday, Apr 7 = 9, Apr 8 = 10) -> not yet due.
    plan("C207", "2026-03-23")
    # C208 ICPC Tue 10 Feb 2026 (due Tue 24 Feb), meeting the same day -> on time, 0 wd.
    c.core_group("C208", plan("C208", "2026-02-10"), "2026-02-10")
    # C209 ICPC Mon 12 Jan 2026 (due 26 Jan); the meeting row names no plan: matched by child and date, Wed 21 Jan
    # -> on time, 7 wd.
    plan("C209", "2026-01-12")
    c.core_group("C209", None, "2026-01-21")


def add_history_children(c: Council) -> None:
    """Items due before the extract's history (HISTORY_START, Wed 1 Apr 2020) are excluded as
    due_before_extract_history; an item due on 1 Apr 2020 is judged normally. Only events from 1 Apr 2020 on are in
    the extract (as in a real SSD extract); a case or plan that started earlier is there. No involvements:
    UNALLOCATED, except the core group plans (team T3). No holidays in March 2020; Good Friday 10 Apr, Easter Monday
    13 Apr, VE Day Fri 8 May (moved) and spring bank holiday Mon 25 May 2020 are."""
    # C301 S47 Tue 10 Mar 2020 -> 15 wd (Mar 11-13 = 3, 16-20 = 8, 23-27 = 13, 30 = 14, 31 = 15) -> due Tue 31 Mar
    # 2020, the day before the history start: ICPC Wed 1 Apr (16 wd, late without the rule) -> excluded, the
    # conference date still shown. C302 S47 Wed 11 Mar 2020 -> due Wed 1 Apr 2020 = the history start: ICPC 1 Apr
    # -> judged: on time, 15 wd.
    for pid, start in (("C301", "2020-03-10"), ("C302", "2020-03-11")):
        number = pid.removeprefix("C")
        c.person(pid, "2016-01-01")
        c.s47(pid, f"S{number}", start, end="2020-04-01")
        c.icpc(pid, f"IC{number}", f"S{number}", "2020-04-01")

    # C303 referral Tue 28 Jan 2020, assessment started Wed 29 Jan, authorised Wed 1 Apr 2020. Working days Jan 29-31
    # = 3, Feb 20 (23), Mar 22 (45): WT clock due Tue 31 Mar 2020 -> excluded (46 wd, late without the rule); DfE
    # clock due Wed 1 Apr 2020 -> on time, 45 wd. Each clock is judged on its own due date.
    c.person("C303", "2016-02-02")
    c.referral("C303", "REF303", "2020-01-28", close="2020-05-01")
    c.assessment("C303", "A303", "REF303", "2020-01-29", auth="2020-04-01")

    # Core group (ICPC + 10 wd), team T3. C304 ICPC Tue 17 Mar 2020 (Mar 18-20 = 3, 23-27 = 8, 30 = 9, 31 = 10) ->
    # due Tue 31 Mar 2020; meeting Wed 1 Apr (11 wd, late without the rule) -> excluded. C305 ICPC Wed 18 Mar 2020 ->
    # due Wed 1 Apr 2020; meeting 1 Apr -> on time, 10 wd. Both plans end Fri 3 Apr 2020, with no visits: the first
    # CP visit (plan start + 10 wd) is due 31 Mar (C304: excluded) and 1 Apr (C305: overdue, the plan ended after
    # the due date); the first reviews (17 / 18 Jun 2020) -> excluded, plan ended before due.
    for pid, icpc_date in (("C304", "2020-03-17"), ("C305", "2020-03-18")):
        number = pid.removeprefix("C")
        c.person(pid, "2018-01-01")
        c.involvement(pid, "T3", icpc_date)
        c.icpc(pid, f"IC{number}", f"S{number}", icpc_date, plan_id=f"CP{number}")
        c.cp_plan(pid, f"CP{number}", icpc_date, end="2020-04-03", icpc_id=f"IC{number}")
        c.core_group(pid, f"CP{number}", "2020-04-01")

    # C306 CP visit chain starting before the history start. Plan CP306 Mon 2 Mar 2020 - Fri 29 May 2020; its ICPC
    # (before 1 Apr 2020) is not in the extract, and visits only from April: Thu 2 Apr, Thu 16 Apr, Tue 5 May,
    # Tue 19 May 2020 (seen).
    #   visit 1: plan start 2 Mar -> due Mon 16 Mar 2020, first visit in the extract 2 Apr (23 wd) -> excluded;
    #   visit 2: 2 Apr -> due Mon 20 Apr (Apr 3 = 1, 6-9 = 5, Easter, 14-17 = 9, 20 = 10); 16 Apr -> on time, 8 wd;
    #   visit 3: 16 Apr -> due Thu 30 Apr (17 = 1, 20-24 = 6, 27-30 = 10); 5 May -> late, 13 wd;
    #   visit 4: 5 May -> due Wed 20 May (6, 7 = 2, VE Day 8 May, 11-15 = 7, 18-20 = 10); 19 May -> on time, 9 wd;
    #   visit 5: 19 May -> due Wed 3 Jun (20-22 = 3, 25 May holiday, 26-29 = 7, Jun 1-3 = 10); the plan ended 29 May
    #   -> excluded, plan ended before due.
    # Its first review (plan start + 3 months = 2 Jun 2020) -> excluded, plan ended before due. No ICPC date, so its
    # core group item is excluded (no_icpc_date).
    c.person("C306", "2017-03-03")
    c.cp_plan("C306", "CP306", "2020-03-02", end="2020-05-29")
    for day in ("2020-04-02", "2020-04-16", "2020-05-05", "2020-05-19"):
        c.cp_visit("C306", "CP306", day)

    # C307 CP review chain starting before the history start. Plan CP307 Mon 3 Jun 2019 - Mon 10 May 2021, ICPC not
    # in the extract (review clock from the plan start). Reviews in the extract: Thu 20 Aug 2020, Mon 15 Feb 2021.
    #   review 1: 3 Jun 2019 + 3 months = 3 Sep 2019, first review in the extract 20 Aug 2020 -> excluded;
    #   review 2: 20 Aug 2020 + 6 months = 20 Feb 2021; 15 Feb 2021 -> on time;
    #   review 3: 15 Feb 2021 + 6 months = 15 Aug 2021, after the plan ended -> excluded, plan ended before due.
    # No visits in the extract: visit 1 due Mon 17 Jun 2019 (Jun 4-7 = 4, 10-14 = 9, 17 = 10) -> excluded (overdue
    # without the rule). Core group: no ICPC date.
    c.person("C307", "2017-04-04")
    c.cp_plan("C307", "CP307", "2019-06-03", end="2021-05-10")
    c.cp_review("C307", "CP307", "2020-08-20")
    c.cp_review("C307", "CP307", "2021-02-15")

    # C308 (PEP) entered Mon 4 Nov 2019 aged 10 -> initial PEP due Mon 2 Dec 2019 (Nov 5-8 = 4, 11-15 = 9,
    # 18-22 = 14, 25-29 = 19, 2 Dec = 20): before the history start -> excluded. Spring 2020 (1 Jan - 14 Apr) is due
    # after the history start but began before it: its PEP may have been held before 1 Apr, out of the extract ->
    # excluded term_started_before_extract_history. Summer 2020 (15 Apr - 31 Aug): PEP Wed 20 May -> on time.
    # Autumn 2020: left care Thu 15 Oct 2020, before the term ended -> excluded.
    looked_after(c, "C308", "2009-06-01", "2019-11-04", ceased="2020-10-15")
    c.pep("C308", "2020-05-20")
