"""Hand-built looked-after children for the review's CLA defects (test_review_cla.py holds the answers).

As-at Tue 31 Mar 2026, working days as in children.py (start day = day 0). Every child is in team T8 (its own team,
so the other tests' per-team monthly counts do not move) and has a person id starting "RC". Mon 5 Jan 2026 is the
usual entry date: IHA due Mon 2 Feb (Jan 6-9 = 4, 12-16 = 9, 19-23 = 14, 26-30 = 19, Feb 2 = 20); IHA request
(5 wd) due Mon 12 Jan; first review due Mon 2 Feb; first visit due Mon 12 Jan.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cs_pipeline_tests.marts.children import Council

TEAM = "T8"


def _in_care(c: Council, pid: str, start: str, dob: str = "2012-01-01", ceased: str | None = None,
             cla_id: str | None = None, new_person: bool = True) -> None:
    """A period of care starting with RNE S (legal status C2), the child allocated to team T8 from its start."""
    if new_person:
        c.person(pid, dob)
        c.involvement(pid, TEAM, start)
    c.episode(pid, start, "S", ceased=ceased, cla_id=cla_id)
    c.legal_status(pid, "C2", start, ceased)


def add_review_cla_children(c: Council) -> None:
    c.tables["ssd_department"].append({"dept_team_id": TEAM, "dept_team_name": "Children in Care 8"})

    # --- Defect 1: episodes starting the same day belong to one period of care ----------------------------------
    # RC01 entered care (RNE S, episode RCE9) and moved placement (RNE P, episode RCE10) the same day, Mon 5 Jan
    # 2026. As text 'RCE10' < 'RCE9', so the P episode sorts first by id: the S episode must still lead the period.
    # One period (started with RNE S, 2 episodes). IHA (provider) Tue 20 Jan: 11 wd (Jan 19 = 10, 20 = 11) ->
    # on time; request received Tue 6 Jan -> 1 wd, on time (due 12 Jan). RHA: aged 14 at the IHA -> 12 months ->
    # due 20 Jan 2027. Review Fri 30 Jan: 19 wd, on time; 2nd due 30 Apr 2026. Visits Fri 9 Jan (due 12 Jan, on
    # time), Fri 20 Feb (9 Jan + 42 = 20 Feb, on time); 3rd due 20 Feb + 42 = Fri 3 Apr (not yet due). No PEP:
    # initial PEP due 2 Feb -> overdue. One snapshot row, everything but the PEP in date.
    c.person("RC01", "2012-01-01")
    c.involvement("RC01", TEAM, "2026-01-05")
    for episode_id, rne in (("RCE9", "S"), ("RCE10", "P")):
        c.tables["ssd_cla_episodes"].append(
            {"clae_cla_episode_id": episode_id, "clae_person_id": "RC01", "clae_cla_episode_start_date": "2026-01-05",
             "clae_cla_episode_start_reason": rne, "clae_cla_id": "CLA-RC01", "clae_entered_care_date": "2026-01-05"})
    c.legal_status("RC01", "C2", "2026-01-05")
    c.placement("RC01", "2026-01-05", "U3", urn="URN-RC01")
    c.provider_assessment("RC01", "IHA", "COMPLETED", assessment="2026-01-20", request="2026-01-06")
    c.review("RC01", "2026-01-30")
    c.cla_visit("RC01", "2026-01-09")
    c.cla_visit("RC01", "2026-02-20")

    # RC02: two RNE S episodes the same day (Mon 5 Jan 2026, same cla_id): one period. No IHA, review or visit:
    # IHA due 2 Feb, first review due 2 Feb, first visit due 12 Jan -> one overdue item each.
    _in_care(c, "RC02", "2026-01-05")
    c.episode("RC02", "2026-01-05", "S")
    c.placement("RC02", "2026-01-05", "U3", urn="URN-RC02")

    # --- Defect 2: the IHA request is judged on its own date ----------------------------------------------------
    # RC03 entered Mon 5 Jan 2026. The provider received the IHA request Wed 7 Jan and booked the appointment for
    # Thu 2 Apr 2026, after the as-at date. IHA_REQ: 2 wd -> on time. IHA: none by 2 Feb -> overdue.
    _in_care(c, "RC03", "2026-01-05")
    c.provider_assessment("RC03", "IHA", "BOOKED", appointment="2026-04-02", request="2026-01-07")

    # RC04 entered Mon 5 Jan 2026, left care Fri 30 Jan. Request received Thu 8 Jan (3 wd, on time); the appointment
    # (20 Feb, cancelled) fell after care ended. IHA (due 2 Feb) -> excluded, ceased care before due.
    _in_care(c, "RC04", "2026-01-05", ceased="2026-01-30")
    c.provider_assessment("RC04", "IHA", "CANCELLED", appointment="2026-02-20", request="2026-01-08")

    # --- Defect 3: snapshot visit_in_date looks at the current placement chain only -------------------------------
    # RC05 entered Mon 5 Jan 2026, placement URN-A 5-20 Jan (never visited: first visit due 12 Jan -> overdue), then
    # URN-B from Tue 20 Jan: visits Thu 22 Jan (due 27 Jan, on time), Mon 2 Mar (22 Jan + 42 = 5 Mar, on time);
    # next due 2 Mar + 42 = Mon 13 Apr. Snapshot: visit due 13 Apr -> in date (the old chain's miss does not count).
    _in_care(c, "RC05", "2026-01-05")
    c.placement("RC05", "2026-01-05", "U3", end="2026-01-20", urn="URN-A")
    c.placement("RC05", "2026-01-20", "U3", urn="URN-B")
    c.cla_visit("RC05", "2026-01-22")
    c.cla_visit("RC05", "2026-03-02")

    # --- Defect 4: snapshot health assessment in date, per period of care ---------------------------------------
    # RC06: period 1 Wed 1 Mar - Fri 30 Jun 2023, IHA 15 Mar 2023. Re-entered Mon 16 Mar 2026 (RNE S): no
    # assessment since, IHA due Wed 15 Apr 2026 (Mar 17-20 = 4, 23-27 = 9, 30-31 = 11, Apr 1-2 = 13, Good Friday
    # and Easter Monday, 7-10 = 17, 13-15 = 20) -> snapshot: no last assessment this period, due 15 Apr, in date.
    _in_care(c, "RC06", "2023-03-01", ceased="2023-06-30", cla_id="CLA-RC06-1")
    c.provider_assessment("RC06", "IHA", "COMPLETED", assessment="2023-03-15")
    _in_care(c, "RC06", "2026-03-16", cla_id="CLA-RC06-2", new_person=False)

    # RC07: period 1 Mon 2 Jun - Tue 30 Sep 2025, IHA 20 Jun 2025. Re-entered Mon 5 Jan 2026, more than 3 months
    # after that assessment, and no IHA since: IHA due 2 Feb 2026 -> overdue; snapshot due 2 Feb, not in date (the
    # last-ever assessment, 20 Jun 2025 + 12 months, would have said in date).
    _in_care(c, "RC07", "2025-06-02", ceased="2025-09-30", cla_id="CLA-RC07-1")
    c.provider_assessment("RC07", "IHA", "COMPLETED", assessment="2025-06-20")
    _in_care(c, "RC07", "2026-01-05", cla_id="CLA-RC07-2", new_person=False)

    # RC08: period 1 Mon 1 Sep - Fri 31 Oct 2025, IHA Mon 15 Sep 2025 (10 wd, on time). Re-entered Mon 1 Dec 2025:
    # the 15 Sep assessment is within the 3 months before entry (from 1 Sep) -> the new period's IHA (due Wed
    # 31 Dec 2025) is excluded and it stands in: snapshot last assessment 15 Sep 2025, due 15 Sep 2026, in date;
    # the new period's RHA chain starts there too (due 15 Sep 2026, not yet due).
    _in_care(c, "RC08", "2025-09-01", ceased="2025-10-31", cla_id="CLA-RC08-1")
    c.provider_assessment("RC08", "IHA", "COMPLETED", assessment="2025-09-15")
    _in_care(c, "RC08", "2025-12-01", cla_id="CLA-RC08-2", new_person=False)

    # --- Defect 5: earliest qualifying IHA --------------------------------------------------------------------
    # RC09 entered Mon 5 Jan 2026. Case-management IHA Fri 9 Jan (4 wd); the provider's IHA record is dated Tue
    # 10 Mar, 60 days later (more than var health_duplicate_window_days, 28): a different event, so the earliest
    # counts -> on time, 4 wd, evidence case_management. RHA chain from 9 Jan: 1st due 9 Jan 2027, the 10 Mar
    # assessment closes it early (on time); 2nd due 10 Mar 2027.
    _in_care(c, "RC09", "2026-01-05")
    c.cla_health("RC09", "Initial Health Assessment", "2026-01-09")
    c.provider_assessment("RC09", "IHA", "COMPLETED", assessment="2026-03-10")

    # RC10 entered Mon 5 Jan 2026. Case-management IHA Fri 9 Jan, provider IHA Tue 20 Jan: 11 days apart, within the
    # window -> the same assessment, the provider's date used: 11 wd, on time, health_provider. RHA due 20 Jan 2027.
    _in_care(c, "RC10", "2026-01-05")
    c.cla_health("RC10", "Initial Health Assessment", "2026-01-09")
    c.provider_assessment("RC10", "IHA", "COMPLETED", assessment="2026-01-20")

    # --- Defect 6: only a refusal on or before the due date excludes ------------------------------------------
    # RC11 (aged 17) entered Mon 5 Jan 2026; declined the IHA at an appointment on Tue 10 Mar, long after it was due
    # (2 Feb) -> overdue, refusal still flagged. No request recorded: IHA_REQ (due 12 Jan) overdue.
    _in_care(c, "RC11", "2026-01-05", dob="2009-01-01")
    c.provider_assessment("RC11", "IHA", "DECLINED", appointment="2026-03-10")

    # RC12 (aged 17) entered Mon 5 Jan 2026; refused the IHA on Wed 7 Jan (case-management record), before both the
    # IHA (2 Feb) and the request (12 Jan) were due, and no request was sent -> both excluded, refused.
    _in_care(c, "RC12", "2026-01-05", dob="2009-01-01")
    c.cla_health("RC12", "Initial Health Assessment", "2026-01-07", status="Refused")

    # --- Defect 7: CL_PATHWAY null ordering ---------------------------------------------------------------------
    # RC13 care leaver: a row with pathway plan review 1 Jun 2025 (Former Relevant) and a later-keyed row with no
    # review date (No Current Eligibility). The latest row is the latest dated one (an undated row ranks last):
    # Former Relevant, review due 1 Dec 2025 -> overdue, on both engines.
    c.person("RC13", "2007-01-01")
    c.involvement("RC13", TEAM, "2024-01-01")
    c.care_leaver("RC13", "2025-06-01", eligibility="Former Relevant")
    c.care_leaver("RC13", None, eligibility="No Current Eligibility")

    # --- Review numbers when the entry is not in the extract's history (team T7) ------------------------------
    # History starts Wed 1 Apr 2020 (as-at 31 Mar 2026, 6 years). RC20 entered (RNE S) Mon 4 Nov 2019: 1st review
    # due Mon 2 Dec 2019 (Nov 5-8 = 4, 11-15 = 9, 18-22 = 14, 25-29 = 19, Dec 2 = 20), before the history, so reviews
    # held before 1 Apr 2020 are not in the extract and the first review seen (Fri 14 Aug 2020) may be the 2nd or a
    # later one: the next is due 6 months on, Sun 14 Feb 2021 (not 3 months, 14 Nov 2020, which would make the
    # Wed 10 Feb 2021 review a false "late"). Next due 10 Aug 2021; care ceased Wed 1 Sep 2021 without it -> overdue.
    c.tables["ssd_department"].append({"dept_team_id": "T7", "dept_team_name": "Children in Care 7"})
    for pid, start, rne, ceased in (("RC20", "2019-11-04", "S", "2021-09-01"), ("RC21", "2024-09-02", "P", "2025-07-31")):
        c.person(pid, "2012-01-01")
        c.involvement(pid, "T7", start)
        c.episode(pid, start, rne, ceased=ceased)
        c.legal_status(pid, "C2", start, ceased)
    c.review("RC20", "2020-08-14")
    c.review("RC20", "2021-02-10")
    # RC21: the first episode in the extract is RNE P, Mon 2 Sep 2024 (SSDA903 C112 pattern): the entry is older
    # than the extract. Item 1 (due 30 Sep 2024 from the P episode) -> excluded, entry_not_in_extract; the Thu 10 Oct
    # 2024 review opens a 6-month interval, due Thu 10 Apr 2025 -> the Wed 5 Mar 2025 review is on time. Next due
    # Fri 5 Sep 2025; care ceased Thu 31 Jul 2025 -> excluded, ceased care before due.
    c.review("RC21", "2024-10-10")
    c.review("RC21", "2025-03-05")
