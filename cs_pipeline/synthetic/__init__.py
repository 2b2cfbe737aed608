"""The synthetic council generator: a Standard Safeguarding Dataset database, the health provider's CSV
deliveries and the ground truth, for one or many simulated councils.

    from cs_pipeline.synthetic import generate
    manifest = generate("data/demo", scale=1, seed=7)           # SQLite at data/demo/ssd.sqlite
    generate(tmp, scale=0.05, seed=1, cms_url="postgresql://...")  # a tiny council in ~a second

CLI: ``python -m cs_pipeline.synthetic --scale 1 --seed 7 --out DIR [--cms-url URL] [--as-at 2026-09-30]
[--iha-on-time-rate 0.22]``.

Scale and streaming
-------------------
``scale`` 1 is one average English council (about 530 looked after and 2,600 children in need at a time, 4,100
referrals and 20,000 contacts a year); ``scale`` N simulates N independent "council units" (area teams with their
own ids) one after another, each written before the next is simulated, so memory stays at one unit. A fraction
(0.05) is one small unit. Unit ``i`` is seeded by ``SeedSequence([seed, i])``: the same seed gives the same bytes.

Calibration (national figures, TIMELINESS.md; measured by cs_pipeline_tests/synthetic)
-------------------------------------------------------------------------------------
Entry to care ages 16/14/15/27/28% (under 1, 1-4, 5-9, 10-15, 16+); about 56% of looked-after children male;
legal status at a time C2 ~78%, V2 ~15%, E1 ~5% (interim orders C1 are kept short so C2 alone carries DfE's
"care order" share; V3 short-break series and J1 remands are small); about 67% in foster care (U1-U6);
re-referrals within 12 months ~22.6%; referral NFA 6.5%; assessments 85.7% within 45 working days (median 33);
ICPCs 81.4% within 15 working days of the S47 start; CP plans end at the 1st (3 months) to 6th review;
UASC ~8% of looked-after children (older boys, immigration status rows, nationality); about 12% of starts are
re-entries (a new period of care, RNE 'S', after an earlier one ended: never overlapping); ~3% of placements are
temporary (T0-T4: hospital, holiday, ... in the middle of a placement, then back to the same carers, RNE 'T').
The IHA on-time rate (``iha_on_time_rate``, demo 0.22) is the share of initial health assessments within 20
working days of the start of a period of care (TIMELINESS.md counting, excluding short breaks, refusals and
children who leave first) over EVERY period of care in the extract, also those that started before the window:
each period has its IHA and RHA chain in ssd_cla_health and in the health provider's history (first delivery).
IHAs not done by the as-at date although due are few and mostly recent.
Extension tables (``extension_tables()``, not in the SSD specification): ``ssd_cp_core_groups`` holds every CP plan's
core group meetings, the first within 10 working days of the ICPC for 72% of plans (CORE_GROUP_ON_TIME, else days
to weeks late), then every 4-8 weeks until the plan ends; ``ssd_cla_pep`` holds the PEPs of children aged 3-17 at
entry (not short breaks): an initial PEP within 20 working days for 65% (PEP_INITIAL_ON_TIME, else late; none if the
child leaves first), then one in 88% of the school terms (starting 09-01, 01-01, 04-15) that start on or after its
due date (PEP_TERM_DONE). Like visits and reviews they are written from the window start. They draw from their
own random stream, so every other table of a seed is as it was before they existed. manifest.json
``rates.timeliness`` records the settings and the outcomes generated (plans / periods started in the window).
``ssd_cla_dolo`` holds deprivation of liberty orders (SSDA903 DoLO table, from 2026-27): a child aged 10 or over
placed in a children's home, residential care home, residential school or other setting (K2, R1, S1, Z11) gets an
order with chance 0.15 per such placement, lasting 30-420 days within the placement (DOLO_* in council.py); drawn
from a stream of its own, like the other extension tables.
``ssd_cla_substance_misuse_offers`` (SSDA903 OC2 INTERVENTION_OFFERED) holds an offer, within three weeks, for 70%
of the substance misuse problems without an intervention received (SUBSTANCE_OFFERED); ``ssd_cla_health`` also holds
'Health Surveillance Check' rows for children who entered care under 5: the development reviews at 6-8 weeks,
9-12 months and 2-2.5 years held while in care, 88% of them (DEVELOPMENT_*). Both draw from a stream of their own
(spawn key 2), so every other row of a seed is as it was. Adopters' sex, legal status and number
(ssd_permanence) agree with each other as DfE's AD1 rules want (the sex from the main stream, the status from the
returns' stream), and the adopted-by-carer flag follows the last placement where it is an adoption placement (A3/A5
with the current foster carers, A4/A6 not).

SSDA903 as DfE's rules want it: placement types of the 2025-26 list (K3 registered supported accommodation, not
the withdrawn H5; Z11, not Z1); an Ofsted URN for every placement type but P1, P3, R1, R2, R5, T0-T4, Z11-Z14 (the
council's fostering service, an agency's, the adoption agency's: a stream of its own, spawn key 8); no PR3 for
foster, adoption, parent or children's home placements; no placement with parents under section 20 (U3 instead);
police protection (L1) for at most 3 days and PACE detention (J2) for at most 3; the return from a temporary
placement a new placement (RNE P); a looked-after child's UPN always recorded; one allocated social worker at a
time (handovers end the previous allocation); one missing episode at a time. The main stream's draws are unchanged
(a few legal-status dates and end dates move). Quarantinable SSD defects on episodes, placements and legal
statuses go to children not looked after in the latest collection year; that year's return carries the deliberate
SSDA903 defects of ``ssda903_defects.py`` instead (ground_truth/ssda903_defects.csv: person_id, rule_code,
description; a stream of its own, spawn key 9).

Nothing is dated after the as-at date except injected defects (a deadline column of a meeting held early, such as
``clar_cla_review_due_date``, may fall shortly after it); health files hold no date after their delivery date.

Untidiness (rates; every case is listed in ground_truth/defects.csv except where marked "not a defect")
-------------------------------------------------------------------------------------------------------
Case-management side (ssd_*):
- ``pers_common_child_id``: missing 10% (nhs_missing), one digit mistyped 2% (nhs_mistyped, fails Modulus 11),
  all-same-digit placeholder 1% (nhs_placeholder). NHS numbers are 999 test-range numbers only.
- Flags: 'Y'/'N' 95%, '1'/'0' 3%, 'true'/'false' 2% (not a defect; the pipeline must read all three).
- Rule-breaking rows, ~0.2% per kind of the rows of the tables touched and at least one per unit:
  overlapping_cla_episodes, end_before_start (episodes, placements, CP plans), code_not_in_list (placement type,
  ceased reason, legal status, primary need, contact source), cp_plan_start_not_icpc, review_before_care,
  duplicate_key (contacts, assessments, CLA visits), orphan_foreign_key (contact person, assessment referral,
  CP review plan, core group plan, PEP person).
- Case-management health checks (ssd_cla_health) carry the provider's date for most checks, are missing for
  ~7% and recorded 3-30 days late for ~8% (not defects: the health files hold the truth).
Health side (per record): NHS number blank 5% (nhs_missing) or mistyped 2% (nhs_mistyped), name typo 5%
(name_typo), nickname 5% (nickname), DOB slip 2% (dob_slip: day/month swapped or one day out), another
postcode 15% (postcode_changed), children unknown to the council 3% of records (health_unknown_child),
impossible dates 0.2% of rows per kind (invalid_date); ``la_child_id`` on ~30% of assessment requests. NHS
numbers with spaces or dashes, postcodes without a space or in lower case, sex as words (not defects).
Health files (12 monthly deliveries per kind; the first carries the history): ~25% DD/MM/YYYY (dmy_dates_file),
~25% UTF-8 with BOM (bom_file), one Windows-1252 file (cp1252_file), ~25% with shuffled column order and one
with an extra column ``local_clinic_ref`` (not defects; listed per file in manifest.json), one file delivered
twice under another date (health_file_duplicate).

Column notes: ``perm_person_id`` holds the person id (the SSD spec's reference to an episode id is a slip);
JSON columns hold JSON text (outcome objects with *_FLAG members, factor arrays, address objects).
"""
from __future__ import annotations

from .generator import DEFAULT_AS_AT, Manifest, generate

__all__ = ["generate", "Manifest", "DEFAULT_AS_AT"]
