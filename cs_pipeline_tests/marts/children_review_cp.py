"""Hand-built children for the ICPC, CP review and timeliness_monthly fixes (answers in test_review_cp.py).

All in team T9 (new, so the other teams' monthly expectations do not move). As-at date Tue 31 Mar 2026; the start
day is day 0; Good Friday 3 Apr and Easter Monday 6 Apr 2026, Christmas Day, Boxing Day and 1 Jan are holidays.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # children.py imports this module
    from cs_pipeline_tests.marts.children import Council

TEAM = "T9"

# S47 outcome JSON as the synthetic generator writes it (OUTCOME_ prefix) and as the SSD specification lays it out
GENERATOR_CONFERENCE = {"OUTCOME": "Initial CP Conference", "OUTCOME_CP_CONFERENCE_FLAG": "Y"}
SSD_FLAGS = {"NFA_FLAG": "N", "LEGAL_ACTION_FLAG": "N", "PROV_OF_SERVICES_FLAG": "N", "PROV_OF_SB_CARE_FLAG": "N",
             "CP_CONFERENCE_FLAG": "N", "NFA_CONTINUE_SINGLE_FLAG": "N", "MONITOR_FLAG": "N",
             "OTHER_OUTCOMES_EXIST_FLAG": "N", "TOTAL_NO_OF_OUTCOMES": 1, "OUTCOME_COMMENTS": ""}


def _child(c: Council, pid: str, start: str = "2025-01-01") -> None:
    c.person(pid, "2018-01-01")
    c.involvement(pid, TEAM, start)


def _s47(c: Council, pid: str, sid: str, start: str, end: str | None = None, outcome: dict | None = None) -> None:
    c.s47(pid, sid, start, end=end)
    if outcome is not None:
        c.tables["ssd_s47_enquiry"][-1]["s47e_s47_outcome_json"] = json.dumps(outcome, indent=1)


def add_review_cp_children(c: Council) -> None:
    c.tables["ssd_department"].append({"dept_team_id": TEAM, "dept_team_name": "Review CP 9"})

    # ICPC: an S47 that ended with its outcome calling a conference (CP conference flag Y) still needs the ICPC.
    # R901 S47 Mon 2 Mar 2026 (Mar 3-6 = 4, 9-13 = 9, 16-20 = 14, 23 = 15) -> due Mon 23 Mar; ended Fri 13 Mar with
    # the flag Y (generator's OUTCOME_ key), no ICPC by 31 Mar -> overdue.
    _child(c, "R901")
    _s47(c, "R901", "S901", "2026-03-02", end="2026-03-13", outcome=GENERATOR_CONFERENCE)
    # R902 S47 Mon 16 Mar 2026 (Mar 17-20 = 4, 23-27 = 9, 30-31 = 11, Apr 1-2 = 13, Easter, Apr 7 = 14, 8 = 15) ->
    # due Wed 8 Apr; ended Fri 20 Mar with the flag Y (SSD key CP_CONFERENCE_FLAG) -> not yet due.
    _child(c, "R902")
    _s47(c, "R902", "S902", "2026-03-16", end="2026-03-20", outcome=SSD_FLAGS | {"CP_CONFERENCE_FLAG": "Y"})
    # R903 S47 Mon 2 Feb 2026 (Feb 3-6 = 4, 9-13 = 9, 16-20 = 14, 23 = 15) -> due Mon 23 Feb; ended Fri 13 Feb with
    # services, flag N -> excluded, icpc_not_required.
    _child(c, "R903")
    _s47(c, "R903", "S903", "2026-02-02", end="2026-02-13",
         outcome=SSD_FLAGS | {"PROV_OF_SERVICES_FLAG": "Y"})
    # R904 S47 Mon 5 Jan 2026 (Jan 6-9 = 4, 12-16 = 9, 19-23 = 14, 26 = 15) -> due Mon 26 Jan; ended Fri 16 Jan with
    # the flag Y, ICPC Mon 26 Jan -> on time, 15 wd (judged by the conference, as an open S47 would be).
    _child(c, "R904")
    _s47(c, "R904", "S904", "2026-01-05", end="2026-01-16", outcome=GENERATOR_CONFERENCE)
    c.icpc("R904", "IC904", "S904", "2026-01-26")
    # R905 S47 Mon 2 Feb 2026 (due Mon 23 Feb) ended Fri 6 Feb with no outcome JSON: no flag Y -> excluded,
    # icpc_not_required (as before the fix).
    _child(c, "R905")
    _s47(c, "R905", "S905", "2026-02-02", end="2026-02-06")

    # CP_REVIEW: a review held on or before the plan end is judged; only a plan ending before the due date with no
    # review by its end is excluded. ICPC Thu 8 May 2025 -> first review due 8 Aug 2025.
    # R911 review Fri 1 Aug 2025 ends the plan (plan end 1 Aug) -> on time; review 2 (due 1 Feb 2026) -> excluded.
    # R912 review Fri 15 Aug 2025 ends the plan -> late; review 2 (due 15 Feb 2026) -> excluded.
    # R913 plan ended Fri 20 Jun 2025 with no review -> review 1 excluded, plan_ended_before_due.
    for pid, end, review in (("R911", "2025-08-01", "2025-08-01"), ("R912", "2025-08-15", "2025-08-15"),
                             ("R913", "2025-06-20", None)):
        number = pid.removeprefix("R")
        _child(c, pid)
        c.icpc(pid, f"IC{number}", f"S{number}", "2025-05-08", plan_id=f"CP{number}")
        c.cp_plan(pid, f"CP{number}", "2025-05-08", end=end, icpc_id=f"IC{number}")
        if review:
            c.cp_review(pid, f"CP{number}", review)

    # timeliness_monthly counts only items due before the as-at date; an item done early but not yet due is not yet
    # due there (its mart outcome stays on_time).
    # R921 ICPC Mon 5 Jan 2026, open plan, review Mon 30 Mar 2026 -> review 1 due 5 Apr 2026: on time in the mart,
    # not yet due in the month; review 2 due 30 Sep 2026, not yet due.
    # R922 ICPC Wed 31 Dec 2025, open plan -> review 1 due 31 Mar 2026 = the as-at date, held Fri 27 Mar: on time
    # in the mart, not yet due in the month; review 2 due 27 Sep 2026.
    for pid, icpc_date, review in (("R921", "2026-01-05", "2026-03-30"), ("R922", "2025-12-31", "2026-03-27")):
        number = pid.removeprefix("R")
        _child(c, pid)
        c.icpc(pid, f"IC{number}", f"S{number}", icpc_date, plan_id=f"CP{number}")
        c.cp_plan(pid, f"CP{number}", icpc_date, icpc_id=f"IC{number}")
        c.cp_review(pid, f"CP{number}", review)

    # Working days of an event on a non-working day (timeliness_conventions): a Saturday's index is the Friday's.
    # R931 plan Fri 6 Mar 2026 (no ICPC), visits Fri 6 Mar (0 wd, on time) and Sat 21 Mar: due Fri 20 Mar
    # (Mar 9-13 = 5, 16-20 = 10) -> late, shown as 10 working days. Visit 3 from Sat 21 Mar (Mon 23 = 1, Mar 27 = 5,
    # Apr 2 = 9, Easter, Apr 7 = 10) -> due Tue 7 Apr, not yet due.
    _child(c, "R931")
    c.cp_plan("R931", "CP931", "2026-03-06")
    c.cp_visit("R931", "CP931", "2026-03-06")
    c.cp_visit("R931", "CP931", "2026-03-21")

    # pct_on_time rounding, the same on both engines: one child, 107 S47 enquiries all started Mon 1 Dec 2025
    # (Dec 2-5 = 4, 8-12 = 9, 15-19 = 14, 22 = 15) -> due Mon 22 Dec 2025; 13 have an ICPC on 22 Dec (on time), 94
    # are still open (overdue). 13 / 107 = 12.1495...% -> 12.1 (DuckDB's DECIMAL(18,3) cast made it 12.2).
    _child(c, "R990")
    for n in range(1, 108):
        sid = f"S990-{n:03d}"
        c.s47("R990", sid, "2025-12-01")
        if n <= 13:
            c.icpc("R990", f"IC990-{n:03d}", sid, "2025-12-22")

    # ICPCs recorded without icpc_s47_enquiry_id (optional in the SSD), team T6. R950: an NFA S47 Mon 5 Jan 2026
    # (excluded) and an S47 Mon 2 Mar 2026 (due Mon 23 Mar); a conference with no S47 id on Mon 16 Mar belongs to the
    # latest S47 started by then -> 10 working days (Mar 3-6 = 4, 9-13 = 9, 16 = 10), on time. R951: S47 Mon 2 Mar
    # 2026 on referral REF-951A; the only conference (Mon 16 Mar, no S47 id) names referral REF-951B -> not this
    # S47's: overdue (due 23 Mar). R952: a transfer-in conference without an S47 id does not close the local S47.
    c.tables["ssd_department"].append({"dept_team_id": "T6", "dept_team_name": "Review CP 6"})
    for pid in ("R950", "R951", "R952"):
        c.person(pid, "2018-01-01")
        c.involvement(pid, "T6", "2025-01-01")
    c.s47("R950", "S950A", "2026-01-05", end="2026-01-09", nfa="Y")
    c.s47("R950", "S950B", "2026-03-02")
    c.icpc("R950", "IC950", None, "2026-03-16")
    c.s47("R951", "S951", "2026-03-02")
    c.tables["ssd_s47_enquiry"][-1]["s47e_referral_id"] = "REF-951A"
    c.icpc("R951", "IC951", None, "2026-03-16")
    c.tables["ssd_initial_cp_conference"][-1]["icpc_referral_id"] = "REF-951B"
    c.s47("R952", "S952", "2026-03-02")
    c.icpc("R952", "IC952", None, "2026-03-16", transfer_in="Y")
