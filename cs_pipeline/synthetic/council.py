"""One simulated "council unit" (scale 1 = one average English council): life courses -> SSD rows + health records.

Everything is simulated on date ordinals and emitted as rows (tuples in contract column order). Events after the
as-at date do not exist yet: end dates after as-at are written blank (still open), meetings after as-at are not
written. Activity that finished before the six-year window is dropped; a period of care or referral still open
when the window starts keeps its full history (episodes, placements, legal statuses, and its health assessments:
IHA and RHA chain), while other repeating events (visits, reviews, dental checks, core groups, PEPs) are written
from the window start.

Randomness: the unit's numpy ``SeedSequence`` seeds a numpy Generator (counts, NHS number pools) and a
``FastRandom`` (a ``random.Random`` with cheap integer draws) for the per-child loops; the extension tables (core
groups, PEPs) use a second ``FastRandom`` from a child of that sequence. Nothing depends on set ordering or the wall
clock.
"""
from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import random
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import accumulate

from cs_pipeline.lib.ssd_schema import ssd_tables

from . import codes
from .identity import (AWAY_OUTWARDS, FEMALE_LIST, HOME_OUTWARDS, MALE_LIST, STREETS, SURNAMES, FastRandom, NhsPool,
                       new_upn, next_upn, postcode)
from .workdays import WorkCalendar, add_months

TABLES: dict[str, list[str]] = {t: [c.name for c in cols] for t, cols in ssd_tables().items()}
COL_INDEX: dict[str, dict[str, int]] = {t: {c: i for i, c in enumerate(cols)} for t, cols in TABLES.items()}

YEAR = 365.25

# ---- national calibration (per scale-1 council, per year) ------------------------------------------------
REFERRALS_PER_YEAR = 4100
CONTACTS_PER_YEAR = 20000
CLA_STARTS_PER_YEAR = 211
P_REREFERRAL = 0.37          # chance a closed referral is followed by another for the same child
REFERRALS_PER_CHAIN = 1.45   # measured: re-referrals stop at 18, on entry to care, or when still open
REREFERRAL_GAP_MEAN = 110    # days from close to the next referral (exponential)
# pathways of referrals that do not lead into care (shares of all referrals; renormalised)
PATHWAYS = {"nfa": 0.065, "cp": 0.094, "icpc_no_plan": 0.016, "s47_only": 0.235, "cin_plan": 0.20,
            "assess_close": 0.343}
# age at entry to care, DfE 2025: under 1, 1-4, 5-9, 10-15, 16+
ENTRY_AGE_BANDS = ((0, 1, 0.16), (1, 5, 0.14), (5, 10, 0.15), (10, 16, 0.27), (16, 18, 0.28))
UASC_SHARE_16PLUS = 0.66     # of 16+ entries
UASC_SHARE_14_15 = 0.10      # of 14-15 entries
# re-entry to care: a new period of care (RNE 'S') after one that ended, never overlapping it. Chance of coming back
# by the reason the previous period ceased; first entries are scaled down so that starts stay CLA_STARTS_PER_YEAR
# with about REENTRY_SHARE of them re-entries.
REENTRY_SHARE = 0.12
P_REENTRY = {"E4A": 0.38, "E4B": 0.38, "E13": 0.32, "E8": 0.2, "E14": 0.25, "E9": 0.2, "E41": 0.1,
             "E45": 0.06, "E46": 0.06, "E47": 0.06, "E48": 0.06}
REENTRY_GAP_MEDIAN = 200     # days from leaving care to the referral that brings the child back (lognormal)
# ages of re-entries (measured from the generator: older than first entries, no babies), per ENTRY_AGE_BANDS band;
# first entries are drawn from bands adjusted so that all starts follow the national age bands
REENTRY_AGE_MIX = (0.0, 0.11, 0.25, 0.46, 0.18)
# temporary placements (PLACE T0-T4) in the middle of a placement: chance per placement of 6 weeks or more
P_TEMPORARY = 0.04
# extension tables (TIMELINESS.md CORE_GROUP, PEP); no national statistic, so these are plausible local figures
CORE_GROUP_ON_TIME = 0.72    # first core group within 10 working days of the ICPC
CORE_GROUP_GAP = (28, 56)    # calendar days between later core group meetings
PEP_INITIAL_ON_TIME = 0.65   # initial PEP within 20 working days of entry to care
PEP_TERM_DONE = 0.88         # a PEP in each later school term
PEP_AGES = (3, 18)           # age at entry to care (years, upper bound excluded)
TERM_STARTS = ((9, 1), (1, 1), (4, 15))   # (month, day); a term ends the day before the next one starts
# SSDA903 OC2 content beyond the SSD (plausible local figures; no national statistic)
SUBSTANCE_OFFERED = 0.7      # an intervention offered where none was received (ssd_cla_substance_misuse_offers)
DEVELOPMENT_REVIEW_DAYS = ((42, 56), (270, 365), (730, 900))   # age in days of the development reviews
DEVELOPMENT_CHECK_DONE = 0.88  # share of those reviews held (and recorded) while the child is in care
# deprivation of liberty orders (ssd_cla_dolo, extension table; SSDA903 DoLO from 2026-27): no national statistic
DOLO_PLACEMENTS = ("K2", "R1", "S1", "Z11")
# SSDA903 placements with no Ofsted URN (rules 218, 222), and those other public provision (PR3) cannot provide (529)
URN_NOT_RECORDED = ("P1", "P3", "R1", "R2", "R5", "T0", "T1", "T2", "T3", "T4", "Z11", "Z12", "Z13", "Z14")
PR3_NOT_ALLOWED = ("P1", "A3", "A4", "A5", "A6", "K1", "K2", "U1", "U2", "U3", "U4", "U5", "U6")   # children's homes and other settings where courts authorise a DoLO
DOLO_MIN_AGE = 10            # age at the order's start
DOLO_CHANCE = 0.15           # per such placement of a child of that age
DOLO_DAYS = (30, 420)        # length of an order


class Chooser:
    """Weighted choice by bisect on cumulative weights (much faster than random.choices in a loop)."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, weights: dict):
        self.items = list(weights)
        self.cum = list(accumulate(float(w) for w in weights.values()))
        self.total = self.cum[-1]

    def __call__(self, r: random.Random):
        return self.items[bisect_right(self.cum, r.random() * self.total)]


CH_PATHWAY = Chooser(PATHWAYS)
CH_REF_SOURCE = Chooser(codes.REFERRAL_SOURCE_WEIGHTS)
CH_ETHNICITY = Chooser(codes.ETHNICITY)
CH_CP_CAT = Chooser(codes.CP_CATEGORY)
CH_FACTOR = Chooser(codes.ASSESSMENT_FACTOR_WEIGHTS)
CH_UASC_NAT = Chooser(codes.UASC_NATIONALITIES)
CH_NEED = Chooser({"N1": 55, "N2": 5, "N3": 4, "N4": 10, "N5": 16, "N6": 2, "N7": 1, "N8": 7})
CH_CONTACT_OUTCOME = Chooser({"No Further Action": 38, "Information and Advice": 42, "EH Referral": 20})
CH_REFERRAL_AGE = Chooser({(0, 1): 11, (1, 5): 20, (5, 10): 25, (10, 16): 34, (16, 18): 10})
CH_AT18 = Chooser({"E5": 45, "E6": 10, "E17": 22, "E8": 18, "E7": 5})
CH_COURT_EXIT = Chooser({"E4A": 33, "E45": 14, "E47": 11, "E46": 5, "E48": 4, "E41": 10, "E13": 9, "E4B": 3,
                         "E3": 4, "E9": 2, "E16": 1, "E2": 0.5, "E8": 3})
CH_S20_EXIT = Chooser({"E4A": 48, "E13": 24, "E4B": 10, "E8": 10, "E3": 4, "E16": 2, "E41": 2})
CH_CP_REVIEWS = Chooser({1: 22, 2: 42, 3: 17, 4: 11, 5: 5, 6: 3})
CH_MOVE_REASON = Chooser({"CARPL": 25, "CREQB": 15, "CREQO": 12, "LAREQ": 10, "CHILD": 8, "STAND": 5,
                          "ALLEG": 3, "CLOSE": 4, "APPRR": 2, "PLACE": 6, "OTHER": 10})
# no P4 (unknown): rule 630 asks an option other than Z1 for its LA and date, which an unknown one cannot give
CH_LAPP = Chooser({"Z1": 89, "P1": 2, "P2": 5, "P3": 4})
# T1 hospital (at most 6 weeks), T2 holiday, T3 while the foster carers are on holiday (at most 3 weeks),
# T4 seven days or less for another reason, T0 any other temporary move: (min days, max days)
CH_TEMPORARY = Chooser({"T1": 30, "T2": 20, "T3": 25, "T4": 20, "T0": 5})
TEMPORARY_DAYS = {"T1": (1, 20), "T2": (3, 14), "T3": (3, 21), "T4": (1, 7), "T0": (1, 14)}

PLACEMENT_MIX = {
    "under5": Chooser({"U6": 64, "U3": 15, "U4": 3, "U1": 2, "P1": 9, "R3": 4, "U5": 2}),
    "5to10": Chooser({"U6": 53, "U3": 13, "U4": 8, "U1": 5, "K2": 11, "P1": 8, "S1": 1, "Z11": 1}),
    "11to15": Chooser({"U6": 34, "U3": 9, "U4": 9, "U1": 4, "K2": 33, "K1": 1, "P1": 3, "S1": 2, "R1": 1,
                       "R2": 1, "Z11": 1}),
    "16plus": Chooser({"U6": 17, "U3": 6, "U4": 6, "U1": 3, "K3": 38, "K2": 22, "P1": 3, "R1": 1, "R5": 1,
                       "Z11": 3}),
    "uasc16": Chooser({"K3": 72, "U6": 22, "K2": 5, "U3": 1}),
    "uasc": Chooser({"U6": 82, "K2": 12, "U3": 6}),
}


@dataclass(eq=False)
class Person:
    pid: str
    sex: str
    dob: int
    first: str
    last: str
    nhs: str
    postcode: str
    ethnicity: str
    uasc: bool = False
    nationality: str | None = None
    upn: str | None = None
    used: bool = False         # referenced by a written row
    cin: bool = False          # has a referral
    cla: bool = False          # has been looked after
    prev_postcode: str | None = None
    move_date: int | None = None
    death: int | None = None
    is_mother: bool = False
    health: list = field(default_factory=list)
    days_in_care_since_14: int = 0     # over the periods of care so far (care leaver status)
    care_end: int | None = None        # end of the latest period of care (also one dropped before the window)
    care_end_reason: str | None = None

    def age(self, d: int) -> float:
        return (d - self.dob) / YEAR

    def birthday(self, years: int) -> int:
        b = dt.date.fromordinal(self.dob)
        try:
            return dt.date(b.year + years, b.month, b.day).toordinal()
        except ValueError:
            return dt.date(b.year + years, 3, 1).toordinal()


@dataclass
class HealthRecord:
    """One provider record; ``states`` are (change ordinal, values dict) in time order (latest state wins)."""
    kind: str                  # lac_health_assessments | immunisations | dental_checks
    record_id: str
    person: Person | None      # None: a child the council does not know
    identity: dict
    states: list
    defects: list = field(default_factory=list)   # (defect_type, column, detail)
    unknown: Person | None = None                 # identity of a child unknown to the council
    history: bool = False                         # delivered even when it ended before the window (assessments)

    def delivered(self, window_start: int, as_at: int) -> bool:
        """In the deliveries: something happened by as-at, and (unless history) on or after the window start."""
        first = self.states[0][0]
        if first > as_at:
            return False
        return self.history or max(t for t, _ in self.states if t <= as_at) >= window_start


@dataclass
class Period:
    cla_id: str
    person: Person
    start: int
    end: int | None            # None: open at as-at
    end_reason: str | None
    ctype: str
    legal: list                # [(date, code)]
    placements: list           # [(date, type, same_carer, pid)]
    referral_id: str


class CouncilUnit:
    def __init__(self, unit: int, fraction: float, seed_seq, as_at: dt.date, cal: WorkCalendar,
                 iha_on_time_rate: float, la_code: str = "211", n_units: int = 1):
        import numpy as np

        self.np_rng = np.random.default_rng(seed_seq)
        self.r = FastRandom(int(self.np_rng.integers(0, 2**63 - 1)))
        self.nhs_pool = NhsPool(unit, np.random.default_rng(self.np_rng.integers(0, 2**63 - 1)))
        self.unit = unit
        self.f = fraction
        self.cal = cal
        self.D = cal.dts
        self.as_at = as_at.toordinal()
        # six years to as-at
        ws = as_at.replace(year=as_at.year - 6) + dt.timedelta(days=1)
        self.window_start = ws.toordinal()
        self.sim_start = self.window_start - int(3 * YEAR)
        self.legacy_start = self.window_start - int(18 * YEAR)
        self.iha_rate = iha_on_time_rate
        self.la_code = la_code
        self.area = f" (Area {unit + 1})" if n_units > 1 else ""
        self.base = (unit + 1) * 10_000_000
        self.counters: dict[str, itertools.count] = {}
        self.rows: dict[str, list[tuple]] = {t: [] for t in TABLES}
        self.persons: list[Person] = []
        self.health: list[HealthRecord] = []
        self.periods: list[Period] = []
        self.flag_variants = 0
        self._phantom = False
        # IHA on time or not: a randomly started golden-ratio sequence (low discrepancy), so the share of on-time
        # IHAs over any large set of periods of care is the configured rate up to a few items, not +/- a binomial
        # error of about a point at scale 1
        self._iha_u = self.r.random()
        # IHAs the marts do not measure (due before the window, i.e. before the extract's history; child left care
        # first; refused) run on a sequence of their own
        self._iha_u_unmeasured = (self._iha_u + 0.5) % 1.0
        # the extension tables (core groups, PEPs) draw from their own stream: adding them left every other table
        # of a seed as it was
        side = np.random.SeedSequence(seed_seq.entropy, spawn_key=(*seed_seq.spawn_key, 1))
        self.rx = FastRandom(int(side.generate_state(1, np.uint64)[0]))
        # the returns' content beyond the SSD (substance misuse interventions offered; health surveillance checks of
        # under-5s) draws from a third stream, so adding it left every earlier table of a seed as it was
        returns_side = np.random.SeedSequence(seed_seq.entropy, spawn_key=(*seed_seq.spawn_key, 2))
        self.rr = FastRandom(int(returns_side.generate_state(1, np.uint64)[0]))
        self.terms = [dt.date(y, m, d).toordinal() for y in range(as_at.year - 26, as_at.year + 2)
                      for m, d in sorted(TERM_STARTS)]
        # generator-side outcomes of the due items, for the manifest (TIMELINESS.md vocabulary)
        self.timeliness = {k: dict.fromkeys(("on_time", "late", "overdue", "not_yet_due", "excluded"), 0)
                           for k in ("core_group_first", "pep_initial")}
        self.timeliness["pep_term"] = {"due": 0, "done": 0}
        self._dev_checks = 0
        # deprivation of liberty orders draw from a stream of their own too, so adding them changed no other table
        dolo = np.random.SeedSequence(seed_seq.entropy, spawn_key=(*seed_seq.spawn_key, 7))
        self.rd = FastRandom(int(dolo.generate_state(1, np.uint64)[0]))
        # Ofsted URNs of the placements that had none (fostering services, adoption agencies, family centres) and
        # the seeded SSDA903 defects draw from streams of their own too
        urns = np.random.SeedSequence(seed_seq.entropy, spawn_key=(*seed_seq.spawn_key, 8))
        self.ru = FastRandom(int(urns.generate_state(1, np.uint64)[0]))
        self.own_fostering_urn = f"SC{self.ru.randrange(10**5, 10**6)}"
        self.adoption_agency_urn = f"SC{self.ru.randrange(10**5, 10**6)}"
        self.agency_urns = [f"SC{self.ru.randrange(10**5, 10**6)}" for _ in range(12)]
        seeded = np.random.SeedSequence(seed_seq.entropy, spawn_key=(*seed_seq.spawn_key, 9))
        self.r903 = FastRandom(int(seeded.generate_state(1, np.uint64)[0]))

    # ---- small helpers ---------------------------------------------------------------------------------
    def nid(self, kind: str) -> str:
        c = self.counters.get(kind)
        if c is None:
            c = self.counters[kind] = itertools.count(self.base + 1)
        return str(next(c))

    def add(self, table: str, **kw) -> tuple:
        row = tuple(map(kw.get, TABLES[table]))
        self.rows[table].append(row)
        return row

    def flag(self, value: bool | None) -> str | None:
        """'Y'/'N', with the spellings real extracts also carry: 3% '1'/'0', 2% 'true'/'false'."""
        if value is None:
            return None
        u = self.r.random()
        if u < 0.95:
            return "Y" if value else "N"
        self.flag_variants += 1
        if u < 0.98:
            return "1" if value else "0"
        return "true" if value else "false"

    def wd(self, d: int) -> int:
        return self.cal.on_or_after(d)

    def seen(self, d: int | None) -> bool:
        return d is not None and self.window_start <= d <= self.as_at

    def clip(self, d: int | None) -> int | None:
        """End dates in the future are not known yet."""
        return None if d is None or d > self.as_at else d

    def lognorm_days(self, median: float, sigma: float, lo: int = 1, hi: int = 10**6) -> int:
        return max(lo, min(hi, int(round(median * math.exp(self.r.gauss(0.0, sigma))))))

    def by_year_end(self, start: int, end: int | None, limit: int) -> int | None:
        """The end of a piece of work begun on ``start`` (an assessment's authorisation, a section 47 enquiry's
        conference), unless the census year end (31 March) on or after the start finds it unfinished though more
        than ``limit`` working days old (CIN rules 8670Q, 8675Q): then the last working day of that year."""
        year_end = _year_end(start)
        if end is not None and end > year_end and self.cal.wd_between(start, year_end) > limit:
            return self.cal.on_or_before(year_end)
        return end

    # ---- organisation ------------------------------------------------------------------------------------
    def build_organisation(self) -> None:
        r = self.r
        top = self.nid("team")
        self.add("ssd_department", dept_team_id=top, dept_team_name="Children's Social Care" + self.area,
                 dept_team_parent_id=None, dept_team_parent_name=None)
        spec = [("front", "Front Door / MASH", 1), ("assess", "Assessment Team", 3), ("cin", "Child in Need Team", 2),
                ("cp", "Child Protection Team", 2), ("cla", "Children Looked After Team", 2),
                ("leaving", "Leaving Care Team", 1), ("disabled", "Disabled Children's Team", 1),
                ("eh", "Early Help Hub", 1), ("adopt", "Adoption and Permanence Team", 1)]
        self.teams: dict[str, list[str]] = {}
        self.workers: dict[str, list[str]] = {}
        titles = ("Social Worker", "Senior Social Worker", "Advanced Practitioner", "Team Manager",
                  "Newly Qualified Social Worker")
        per_team = max(3, int(round(9 * self.f ** 0.5)))
        for key, name, n in spec:
            self.teams[key] = []
            self.workers[key] = []
            for i in range(n):
                tid = self.nid("team")
                tname = f"{name} {i + 1}{self.area}" if n > 1 else name + self.area
                self.add("ssd_department", dept_team_id=tid, dept_team_name=tname, dept_team_parent_id=top,
                         dept_team_parent_name="Children's Social Care" + self.area)
                self.teams[key].append(tid)
                for j in range(per_team):
                    wid = self.nid("prof")
                    sex = r.random() < 0.8
                    first = r.choice(FEMALE_LIST if sex else MALE_LIST)
                    self.add("ssd_professionals", prof_professional_id=wid, prof_staff_id=f"S{wid[-6:]}",
                             prof_professional_name=f"{first} {r.choice(SURNAMES)}",
                             prof_social_worker_registration_no=f"SW{r.randrange(10**5, 10**6)}",
                             prof_professional_job_title=titles[3] if j == 0 else r.choice(titles[:3] + titles[4:]),
                             prof_professional_caseload=r.randint(8, 24) if j else r.randint(0, 3),
                             prof_professional_department=tname,
                             prof_full_time_equivalency=r.choice((1.0, 1.0, 1.0, 0.8, 0.6, 0.5)),
                             prof_agency_worker_flag=self.flag(r.random() < 0.18))
                    self.workers[key].append((wid, tid))

    def worker(self, key: str) -> tuple[str, str]:
        w = self.workers[key]
        return w[self.r.randrange(len(w))]

    def involve(self, p: Person, ref_id: str | None, key: str, start: int, end: int | None, role: str,
                reason: str | None = None) -> None:
        if (end is not None and end < self.window_start) or start > self.as_at:
            return          # finished before the window, or not started by the as-at date
        wid, tid = self.worker(key)
        self.add("ssd_involvements", invo_involvements_id=self.nid("invo"), invo_professional_id=wid,
                 invo_professional_role_id=role, invo_professional_team=tid, invo_involvement_start_date=self.D(start),
                 invo_involvement_end_date=self.D(self.clip(end)), invo_worker_change_reason=reason,
                 invo_person_id=p.pid, invo_referral_id=ref_id)

    # ---- people ----------------------------------------------------------------------------------------
    def new_person(self, dob: int, sex: str | None = None, uasc: bool = False) -> Person:
        r = self.r
        if sex is None:
            sex = "M" if r.random() < 0.51 else "F"
        first = r.choice(MALE_LIST) if sex == "M" else r.choice(FEMALE_LIST)
        last = r.choice(SURNAMES)
        if uasc:
            first = r.choice(("Ahmed", "Mohammed", "Omar", "Dawit", "Tesfay", "Samir", "Hamza", "Ibrahim",
                              "Yusuf", "Bilal", "Abdul", "Rahim")) if sex == "M" else r.choice(
                ("Amira", "Fatima", "Maryam", "Aisha", "Hafsa"))
            last = r.choice(("Mohamed", "Abdi", "Yusuf", "Haile", "Tesfaye", "Ahmed", "Hussain", "Khan", "Ali",
                             "Nguyen", "Tran", "Shah"))
        p = Person(pid=self.nid("person"), sex=sex, dob=dob, first=first, last=last,
                   nhs="", postcode=postcode(r), ethnicity=CH_ETHNICITY(r), uasc=uasc)
        if uasc:
            p.ethnicity = r.choice(("OOTH", "AOTH", "BAFR", "BOTH", "WOTH"))
            p.nationality = CH_UASC_NAT(r)
        if r.random() < 0.22:
            p.prev_postcode = postcode(r)
        self.persons.append(p)
        return p

    def age_days(self, lo_years: float, hi_years: float) -> int:
        return int(self.r.uniform(lo_years, hi_years) * YEAR)

    # ---- run ---------------------------------------------------------------------------------------------
    def run(self) -> None:
        r = self.r
        self.build_organisation()
        f = self.f
        # new referral chains: all referrals = chains * 1/(1 - p_rerefer) (approximately)
        new_chains_rate = REFERRALS_PER_YEAR / REFERRALS_PER_CHAIN * f
        first_entries = CLA_STARTS_PER_YEAR * (1 - REENTRY_SHARE)
        p_cla_chain = first_entries / (REFERRALS_PER_YEAR / REFERRALS_PER_CHAIN)
        starts = self.poisson_dates(self.sim_start, self.as_at, new_chains_rate)
        # children who entered care before the simulation start and may still be looked after in the window
        legacy = self.poisson_dates(self.legacy_start, self.sim_start, first_entries * f)
        for d in legacy:
            self.chain(d, cla=True, legacy=True)
        for d in starts:
            self.chain(d, cla=r.random() < p_cla_chain, legacy=False)
        self.short_break_children()
        self.other_contacts()
        self.emit_persons()
        self.social_worker_handovers()

    def one_missing_at_a_time(self, first: int, stop: int) -> None:
        """A child is missing (or away) once at a time (SSDA903 rule 574): the episodes written from row ``first`` on
        are put in date order and one that starts before the one before it ended moves to the day after (keeping its
        length, cut at the end of care); one moved past the end of care or the as-at date is dropped. No draws, so the stream is as it
        was."""
        rows = self.rows["ssd_missing"]
        C = COL_INDEX["ssd_missing"]
        s_col, e_col = C["miss_missing_episode_start_date"], C["miss_missing_episode_end_date"]

        def o(text):
            return None if text is None else dt.date.fromisoformat(text[:10]).toordinal()
        block = sorted(rows[first:], key=lambda row: (o(row[s_col]), row[0]))
        kept, free = [], None
        for row in block:
            start, end = o(row[s_col]), o(row[e_col])
            if free is not None and start < free:
                shift = free - start
                start, end = start + shift, None if end is None else min(end + shift, stop)
                if start >= stop or start > self.as_at:
                    continue
                row = row[:s_col] + (self.D(start),) + row[s_col + 1:]
                row = row[:e_col] + (self.D(self.clip(end)),) + row[e_col + 1:]
            kept.append(row)
            if end is None or o(row[e_col]) is None:
                free = self.as_at + 1
            else:
                free = o(row[e_col]) + 1
        rows[first:] = kept

    def social_worker_handovers(self) -> None:
        """A child has one allocated social worker at a time: when the next allocation starts (another team takes
        the case on), the one before ends the day before (SSDA903 SW08, SW10); one that would then last under 3 days
        gives way to the next (SW09). Only a new referral after the case closed (reason FCONTA) starts after a gap:
        the allocation before any other continues to the handover. Only end dates (and the reason of an allocation
        taking over a new referral's) change: every random draw is as it was."""
        rows = self.rows["ssd_involvements"]
        C = COL_INDEX["ssd_involvements"]
        s_col, e_col = C["invo_involvement_start_date"], C["invo_involvement_end_date"]
        by_person: dict[str, list[int]] = {}
        for i, row in enumerate(rows):
            if row[C["invo_professional_role_id"]] == "Allocated Social Worker":
                by_person.setdefault(row[C["invo_person_id"]], []).append(i)
        start = {i: dt.date.fromisoformat(rows[i][s_col][:10]).toordinal() for idx in by_person.values() for i in idx}
        dropped: set[int] = set()
        for idx in by_person.values():
            idx.sort(key=lambda i: (start[i], rows[i][0]))
            for a, b in zip(idx, idx[1:]):
                end = rows[a][e_col]
                if start[b] - start[a] < 4:
                    # the next worker took the case within days (SSDA903 SW09: no allocation of under 3 days): it is
                    # the allocation, with this one's reason when this one began a new referral
                    dropped.add(a)
                    if rows[a][C["invo_worker_change_reason"]] == "FCONTA":
                        r_col = C["invo_worker_change_reason"]
                        rows[b] = rows[b][:r_col] + ("FCONTA",) + rows[b][r_col + 1:]
                elif (end is None or dt.date.fromisoformat(end[:10]).toordinal() >= start[b]
                      or rows[b][C["invo_worker_change_reason"]] != "FCONTA"):
                    rows[a] = rows[a][:e_col] + (self.D(start[b] - 1),) + rows[a][e_col + 1:]
        if dropped:
            self.rows["ssd_involvements"] = [row for i, row in enumerate(rows) if i not in dropped]

    def poisson_dates(self, start: int, end: int, per_year: float) -> list[int]:
        n = int(self.np_rng.poisson(per_year * (end - start) / YEAR))
        r = self.r
        out = []
        span = end - start
        while len(out) < n:
            d = start + r.randrange(span + 1)
            wd = dt.date.fromordinal(d).weekday()
            if wd >= 5 and r.random() > 0.3:     # few referrals at weekends
                continue
            out.append(d)
        out.sort()
        return out

    # ---- referral chains -------------------------------------------------------------------------------
    def chain(self, d: int, cla: bool, legacy: bool) -> None:
        r = self.r
        if cla:
            # sample age at entry first so entry ages follow the national bands
            lo, hi = ENTRY_AGE_BANDS[bisect_right(_ENTRY_CUM, r.random())][:2]
            age_e = self.age_days(lo, hi) if lo > 0 else int(r.uniform(0, 1) ** 1.6 * YEAR)
            uasc = (lo == 16 and r.random() < UASC_SHARE_16PLUS) or (lo == 10 and age_e >= 14 * YEAR
                                                                     and r.random() < UASC_SHARE_14_15 * 2)
            if uasc:
                route, lead = "uasc", r.randint(0, 3)
            else:
                u = r.random()
                route = "cp" if u < 0.35 else ("emergency" if u < 0.70 else "assessment")
                lead = {"cp": self.lognorm_days(150, 0.7, 75, 900), "emergency": r.randint(0, 4),
                        "assessment": self.lognorm_days(35, 0.6, 5, 200)}[route]
                if lead > age_e:          # a baby: no time for a plan before entry
                    route = "emergency" if r.random() < 0.6 else "assessment"
                    lead = min(age_e, r.randint(0, 4) if route == "emergency" else r.randint(3, 40))
            entry = d + lead
            dob = entry - age_e
            sex = ("M" if r.random() < 0.93 else "F") if uasc else ("M" if r.random() < 0.545 else "F")
            p = self.new_person(dob, sex, uasc=uasc)
            self.referral(p, d, "cla", entry=entry, legacy=legacy, route=route)
            self.reentries(p)
            return
        lo, hi = CH_REFERRAL_AGE(r)
        dob = d - (self.age_days(lo, hi) if lo > 0 else r.randint(0, 364))
        p = self.new_person(dob)
        k = 0
        while True:
            close = self.referral(p, d, CH_PATHWAY(r), legacy=legacy)
            if close is None or close >= self.as_at or p.death is not None:
                return
            if r.random() >= P_REREFERRAL:
                return
            d = close + 1 + int(r.expovariate(1.0 / REREFERRAL_GAP_MEAN))
            if d > self.as_at or p.age(d) >= 17.9:
                return
            k += 1

    def reentries(self, p: Person) -> None:
        """Back into care after going home (or another exit): a new referral and a new period of care."""
        r = self.r
        while p.care_end is not None and p.death is None and r.random() < P_REENTRY.get(p.care_end_reason, 0.0):
            d = p.care_end + 21 + self.lognorm_days(REENTRY_GAP_MEDIAN, 0.9, 1, 3000)
            route = "emergency" if r.random() < 0.35 else "assessment"
            entry = d + (r.randint(0, 4) if route == "emergency" else self.lognorm_days(35, 0.6, 5, 200))
            if entry > self.as_at or p.age(entry) >= 17.5:
                return
            p.care_end = p.care_end_reason = None
            self.referral(p, d, "cla", entry=entry, route=route)

    def contact(self, p: Person, d: int, outcome: str, source: str) -> None:
        if not self.seen(d):
            return
        p.used = True
        hh = 8 + self.r.randrange(10)
        mm = self.r.randrange(60)
        self.add("ssd_contacts", cont_contact_id=self.nid("contact"), cont_person_id=p.pid,
                 cont_contact_date=f"{self.cal.iso(d)} {hh:02d}:{mm:02d}:00.000000",
                 cont_contact_source_code=source, cont_contact_source_desc=codes.REFERRAL_SOURCE[source],
                 cont_contact_outcome_json=_CONTACT_JSON[outcome])

    def referral(self, p: Person, d: int, pathway: str, entry: int | None = None, legacy: bool = False,
                 route: str | None = None) -> int | None:
        """One referral (ssd_cin_episodes row) and what follows it; returns the close date (None if open)."""
        r = self.r
        cal = self.cal
        ref_id = self.nid("referral")
        source = ("7" if r.random() < 0.6 else "5C") if p.uasc else CH_REF_SOURCE(r)
        need = "N8" if p.uasc else CH_NEED(r)
        rows: list[tuple[str, dict]] = []   # (table, kwargs) written only if the referral is kept
        later: list = []                     # callables for repeating events (filtered by date themselves)
        nfa = pathway == "nfa"
        team_key = "disabled" if need == "N2" else "assess"
        close_reason = None
        assess_auth = None
        period = None
        # -- assessment
        if not nfa:
            a_start = d if r.random() < 0.65 else cal.add_wd(d, r.randint(1, 3))
            k = max(1, int(round(33 * math.exp(r.gauss(0.0, 0.29)))))
            assess_auth = cal.add_wd(a_start, k)
            a_id = self.nid("assessment")
            wid, tid = self.worker(team_key)
            outcome_nfa = pathway == "assess_close"
            rows.append(("ssd_cin_assessments", dict(
                cina_assessment_id=a_id, cina_person_id=p.pid, cina_referral_id=ref_id,
                cina_assessment_start_date=a_start, cina_assessment_child_seen=self.flag(r.random() < 0.97),
                cina_assessment_auth_date=assess_auth,
                cina_assessment_outcome_json=json.dumps({"OUTCOME": "No Further Action" if outcome_nfa else (
                    "Strategy discussion and/or Section 47 enquiry" if pathway in ("cp", "icpc_no_plan", "s47_only")
                    else "Other"), "OUTCOME_NFA_FLAG": "Y" if outcome_nfa else "N"}),
                cina_assessment_outcome_nfa=self.flag(outcome_nfa), cina_assessment_team=tid,
                cina_assessment_worker_id=wid)))
            factors = sorted({CH_FACTOR(r) for _ in range(r.randint(1, 4))}, key=codes.ASSESSMENT_FACTORS.index)
            if p.uasc:
                factors = ["9A"]
            # 21, "no factors identified", is only ever the one factor (CIN rule 8869), and only of an assessment
            # that closed the case (8873Q): one that led to a section 47, a plan or care identified a factor
            # (chosen by the assessment id, so no draw is added)
            if "21" in factors and (len(factors) > 1 or pathway != "assess_close"):
                factors = [f for f in factors if f != "21"] or [_FACTORS_NOT_21[int(a_id) % len(_FACTORS_NOT_21)]]
            no_factors = factors == ["21"]
            rows[-1][1]["_factors"] = dict(cinf_table_id=self.nid("factors"), cinf_assessment_id=a_id,
                                           cinf_assessment_factors_json=json.dumps(factors))
        # -- pathway
        if nfa:
            close = d + r.randint(0, 3)
            close_reason = "RC7"   # RC8 and RC9 are for cases closed after an assessment (DfE rule 8825Q)
        elif pathway == "assess_close":
            close = assess_auth + r.randint(0, 10)
            close_reason = "RC8" if r.random() < 0.6 else ("RC9" if r.random() < 0.9 else "RC7")
            if no_factors and close_reason == "RC7":
                close_reason = "RC8"   # case closed after an assessment that found no factors (CIN rule 8873Q)
        elif pathway == "cin_plan":
            close = self.cin_plan(p, ref_id, assess_auth + r.randint(0, 10), rows, later)
            close_reason = "RC7"
        elif pathway == "s47_only":
            s = self.s47(p, ref_id, d, rows, icpc=False)
            if r.random() < 0.45:
                close = self.cin_plan(p, ref_id, max(assess_auth, s) + r.randint(0, 10), rows, later)
                close_reason = "RC7"
            else:
                close = max(assess_auth, s) + r.randint(0, 15)
                r.random()   # drawn as before, so the rest of a seed's rows are unchanged
                close_reason = "RC7"   # a case with a section 47 cannot close as RC8 or RC9 (DfE rule 2990)
        elif pathway == "icpc_no_plan":
            s = self.s47(p, ref_id, d, rows, icpc=True, plan=False)
            close = self.cin_plan(p, ref_id, s + r.randint(0, 5), rows, later)
            close_reason = "RC7"
        elif pathway == "cp":
            plan_end = self.s47(p, ref_id, d, rows, icpc=True, plan=True, later=later)
            if plan_end is None:
                close = None
            elif r.random() < 0.55:
                close = self.cin_plan(p, ref_id, plan_end, rows, later, median=120)
            else:
                close = plan_end + r.randint(0, 20)
            close_reason = "RC7"
        elif pathway == "cla":
            if route == "cp":
                # CP plan first; the child enters care while on the plan
                self.s47(p, ref_id, d, rows, icpc=True, plan=True, later=later, until=entry)
            elif route == "emergency":
                self.s47(p, ref_id, d, rows, icpc=False, end_by=entry)
            period = self.care(p, ref_id, entry, route, legacy)
            if period is None:      # legacy child who left care before the window: drop everything
                return -1
            close = period.end + r.randint(0, 20) if period.end is not None else None
            close_reason = _CLOSE_FOR_REC.get(period.end_reason or "", "RC7")
        else:
            raise ValueError(pathway)
        if p.age(close or self.as_at) >= 18 and close is not None:
            close = min(close, p.birthday(18))
        # the close as written: a case closed after its assessment is closed by the census year end when the
        # assessment was authorised in that year (an episode closed RC8 or RC9 shows its assessment in the census:
        # CIN rule 8825Q), and the day it was authorised when the assessment found no factors (8873Q). The chain of
        # re-referrals follows the close drawn, so every draw is as it was.
        auth_shown = self.as_recorded(rows)
        shown = close
        if pathway == "assess_close" and close is not None and auth_shown is not None:
            shown = min(close, auth_shown if no_factors else _year_end(auth_shown))
            if shown < self.window_start:
                shown = close
        # -- keep or drop
        if close is not None and close < self.window_start:
            return close
        if d > self.as_at:
            return None
        p.used = True
        p.cin = True
        self.contact(p, d - (r.randint(0, 2) if r.random() < 0.3 else 0), "CIN Referral", source)
        close_c = self.clip(shown)
        wid, tid = self.worker(team_key)
        self.add("ssd_cin_episodes", cine_referral_id=ref_id, cine_person_id=p.pid, cine_referral_date=self.D(d),
                 cine_cin_primary_need_code=need, cine_referral_source_code=source,
                 cine_referral_source_desc=codes.REFERRAL_SOURCE[source],
                 cine_referral_outcome_json=json.dumps({"OUTCOME": "No Further Action" if nfa else "Assessment required",
                                                        "OUTCOME_NFA_FLAG": "Y" if nfa else "N"}),
                 cine_referral_nfa=self.flag(nfa), cine_close_reason=close_reason if close_c else None,
                 cine_close_date=self.D(close_c), cine_referral_team=tid, cine_referral_worker_id=wid)
        self.involve(p, ref_id, team_key, d, close if pathway in ("nfa", "assess_close") else assess_auth,
                     "Allocated Social Worker", "FCONTA")
        self.within_episode(rows, shown)
        for table, kw in rows:
            start_col = _START_COL[table]
            if kw[start_col] > self.as_at:
                continue
            factors_kw = kw.pop("_factors", None)
            for k_ in _DATE_COLS[table]:
                v = kw.get(k_)
                if v is not None:
                    kw[k_] = self.D(v if v <= self.as_at or k_ == "icpc_icpc_target_date" else None)
            self.add(table, **kw)
            if factors_kw:
                self.add("ssd_assessment_factors", **factors_kw)
        for fn in later:
            fn()
        if period is not None:
            self.emit_period(period)
        return close

    def as_recorded(self, rows: list) -> int | None:
        """An episode's assessment, enquiries and conferences as written (CIN rules 2991Q, 8670Q, 8675Q); returns
        the assessment's authorisation as written. Only written values change: the simulation (and every draw)
        goes on with the dates drawn. ``rows`` (table, values as ordinals) changes in place.

        - The assessment begins no later than the referral's first section 47 enquiry (the enquiry is part of it).
        - Work begun before a census year end (31 March) and still unfinished that day though already overdue (an
          assessment more than 45 working days old; an enquiry's conference more than 15) is finished on the last
          working day of the year instead: the council chases its overdue work before the census. Still late, so
          its timeliness is as drawn; a conference so brought forward brings its enquiry's end and its plan's start.
        """
        by_id = {(table, kw[_ID_COL[table]]): kw for table, kw in rows}
        for table, kw in rows:
            if table == "ssd_initial_cp_conference" and ("ssd_s47_enquiry", kw["icpc_s47_enquiry_id"]) in by_id:
                s47 = by_id["ssd_s47_enquiry", kw["icpc_s47_enquiry_id"]]
                held = self.by_year_end(s47["s47e_s47_start_date"], kw["icpc_icpc_date"], 15)
                if held != kw["icpc_icpc_date"]:
                    if s47["s47e_s47_end_date"] == kw["icpc_icpc_date"]:
                        s47["s47e_s47_end_date"] = held
                    plan = by_id.get(("ssd_cp_plans", kw["icpc_cp_plan_id"]))
                    if plan is not None and plan["cppl_cp_plan_start_date"] == kw["icpc_icpc_date"]:
                        plan["cppl_cp_plan_start_date"] = held
                    kw["icpc_icpc_date"] = held
        s47_starts = [kw["s47e_s47_start_date"] for table, kw in rows if table == "ssd_s47_enquiry"]
        auth = None
        for table, kw in rows:
            if table == "ssd_cin_assessments":
                if s47_starts:
                    kw["cina_assessment_start_date"] = min(kw["cina_assessment_start_date"], min(s47_starts))
                auth = kw["cina_assessment_auth_date"] = self.by_year_end(kw["cina_assessment_start_date"],
                                                                          kw["cina_assessment_auth_date"], 45)
        return auth

    def within_episode(self, rows: list, close: int | None) -> None:
        """Nothing of an episode as written starts or ends after the episode closed (CIN rules 8565, 8867): only a
        short period of care, or the close at the child's 18th birthday, ever left more to come. The assessment is
        authorised at the closure; a plan or conference that would start on or after it, or an enquiry that would
        start after it, is not written (an enquiry whose conference is not written ended at the closure with
        none); a plan ends at the closure. Written values only, as as_recorded()."""
        if close is None:
            return
        kept, cut_s47 = [], set()
        for table, kw in rows:
            start = kw[_START_COL[table]]
            if (table == "ssd_s47_enquiry" and start > close) or (table in _STARTS_BY_CLOSE and start >= close):
                if table == "ssd_s47_enquiry":
                    cut_s47.add(kw["s47e_s47_enquiry_id"])
                elif table == "ssd_initial_cp_conference":
                    cut_s47.add(("conference", kw["icpc_s47_enquiry_id"]))
                continue
            for col in _ENDS_BY_CLOSE.get(table, ()):
                if kw.get(col) is not None and kw[col] > close:
                    kw[col] = close
            kept.append((table, kw))
        rows[:] = [(table, kw) for table, kw in kept
                   if not (table == "ssd_initial_cp_conference" and kw["icpc_s47_enquiry_id"] in cut_s47)]
        for table, kw in rows:
            if table == "ssd_s47_enquiry" and ("conference", kw["s47e_s47_enquiry_id"]) in cut_s47:
                kw["s47e_s47_end_date"] = min(kw["s47e_s47_end_date"], close)
                kw["s47e_s47_nfa"] = "Y"
                kw["s47e_s47_outcome_json"] = json.dumps({"OUTCOME": "No Further Action",
                                                          "OUTCOME_CP_CONFERENCE_FLAG": "N"})

    # ---- CIN plans, S47, ICPC, CP ----------------------------------------------------------------------
    def cin_plan(self, p: Person, ref_id: str, start: int, rows, later, median: float = 280) -> int:
        r = self.r
        end = start + self.lognorm_days(median, 0.6, 30, 900)
        if p.birthday(18) < end:
            end = max(start + 1, p.birthday(18))
        plan_id = self.nid("cinplan")
        wid, tid = self.worker("cin")
        rows.append(("ssd_cin_plans", dict(cinp_cin_plan_id=plan_id, cinp_referral_id=ref_id, cinp_person_id=p.pid,
                                           cinp_cin_plan_start_date=start, cinp_cin_plan_end_date=end,
                                           cinp_cin_plan_team=tid, cinp_cin_plan_worker_id=wid)))

        def visits():
            v = self.cal.add_wd(start, r.randint(5, 15))
            while v < end and v <= self.as_at:
                if v >= self.window_start:
                    seen = r.random() < 0.93
                    self.add("ssd_cin_visits", cinv_cin_visit_id=self.nid("cinvisit"), cinv_person_id=p.pid,
                             cinv_cin_visit_date=self.D(v), cinv_cin_visit_seen=self.flag(seen),
                             cinv_cin_visit_seen_alone=self.flag(seen and p.age(v) >= 5 and r.random() < 0.6),
                             cinv_cin_visit_bedroom=self.flag(seen and r.random() < 0.4))
                v = self.cal.add_wd(v, r.randint(15, 30))
        later.append(visits)
        later.append(lambda: self.involve(p, ref_id, "cin", start, end, "Allocated Social Worker", "TSPROC"))
        return end + r.randint(0, 14)

    def s47(self, p: Person, ref_id: str, d: int, rows, icpc: bool, plan: bool = False, later=None,
            until: int | None = None, end_by: int | None = None):
        """S47 enquiry (and ICPC, CP plan). Returns the CP plan end (plan), the ICPC date, or the S47 start."""
        r = self.r
        cal = self.cal
        s = cal.on_or_after(d + (0 if r.random() < 0.6 else r.randint(1, 3)))
        s_id = self.nid("s47")
        wid, tid = self.worker("assess")
        transfer_in = icpc and r.random() < 0.02
        if icpc:
            k = r.randint(6, 15) if r.random() < 0.814 else r.randint(16, 35)
            icpc_date = cal.add_wd(s, k)
            s_end = icpc_date
        else:
            s_end = cal.add_wd(s, r.randint(3, 20))
            if end_by is not None:
                s_end = max(s, min(s_end, end_by))
        outcome = "Initial CP Conference" if icpc else r.choice(
            ("No Further Action", "NFA - Continue With Family Assessment", "Provision of Services (s17)",
             "Initiate Legal Action" if end_by else "Other Outcome"))
        rows.append(("ssd_s47_enquiry", dict(
            s47e_s47_enquiry_id=s_id, s47e_referral_id=ref_id, s47e_person_id=p.pid, s47e_s47_start_date=s,
            s47e_s47_end_date=s_end, s47e_s47_nfa=self.flag(outcome == "No Further Action"),
            s47e_s47_outcome_json=json.dumps({"OUTCOME": outcome, "OUTCOME_CP_CONFERENCE_FLAG": "Y" if icpc else "N"}),
            s47e_s47_completed_by_worker_id=wid, s47e_s47_completed_by_team=tid)))
        if not icpc:
            return s
        icpc_id = self.nid("icpc")
        plan_id = self.nid("cpplan") if plan else None
        wid2, tid2 = self.worker("cp")
        rows.append(("ssd_initial_cp_conference", dict(
            icpc_icpc_id=icpc_id, icpc_icpc_meeting_id=self.nid("meeting"), icpc_s47_enquiry_id=s_id,
            icpc_person_id=p.pid, icpc_cp_plan_id=plan_id, icpc_referral_id=ref_id,
            icpc_icpc_transfer_in=self.flag(transfer_in), icpc_icpc_target_date=cal.add_wd(s, 15),
            icpc_icpc_date=icpc_date, icpc_icpc_outcome_cp_flag=self.flag(plan),
            icpc_icpc_outcome_json=json.dumps({"OUTCOME": "CP Plan" if plan else "No CP Plan",
                                               "OUTCOME_CP_FLAG": "Y" if plan else "N"}),
            icpc_icpc_team=tid2, icpc_icpc_worker_id=wid2)))
        if not plan:
            return icpc_date
        # CP plan: reviews at 3 then 6-monthly; the plan ends at a review (or when the child enters care)
        n_reviews = CH_CP_REVIEWS(r)
        early_end = r.random() < 0.07 and until is None
        reviews = []
        due = add_months(icpc_date, 3)
        plan_end = None
        for i in range(1, 8 if until is None else 12):
            held = cal.on_or_after(due - r.randint(0, 10)) if r.random() < 0.92 else cal.add_wd(due, r.randint(1, 20))
            if early_end and i == 1:
                plan_end = icpc_date + r.randint(20, 80)
                break
            if until is not None and held >= until:
                break
            last = i >= n_reviews and until is None     # a plan ending on entry to care continues until then
            reviews.append((due, held, not last))
            if last:
                plan_end = held
                break
            due = add_months(held, 6)
        if until is not None:
            plan_end = until
        if p.birthday(18) < (plan_end or 10**9):
            plan_end = max(icpc_date + 1, p.birthday(18))
            reviews = [x for x in reviews if x[1] < plan_end]
        category = CH_CP_CAT(r)
        latest = category if r.random() < 0.9 else CH_CP_CAT(r)
        rows.append(("ssd_cp_plans", dict(
            cppl_cp_plan_id=plan_id, cppl_referral_id=ref_id, cppl_icpc_id=icpc_id, cppl_person_id=p.pid,
            cppl_cp_plan_start_date=icpc_date, cppl_cp_plan_end_date=plan_end, cppl_cp_plan_initial_category=category,
            cppl_cp_plan_ola=self.flag(r.random() < 0.02), cppl_cp_plan_latest_category=latest)))

        def events():
            for due_, held_, cont in reviews:
                if held_ > self.as_at or (plan_end is not None and held_ > plan_end):
                    break
                if held_ < self.window_start:
                    continue
                self.add("ssd_cp_reviews", cppr_cp_review_id=self.nid("cpreview"), cppr_person_id=p.pid,
                         cppr_cp_plan_id=plan_id, cppr_cp_review_due=self.D(due_), cppr_cp_review_date=self.D(held_),
                         cppr_cp_review_meeting_id=self.nid("meeting"), cppr_cp_review_outcome_continue_cp=self.flag(cont),
                         cppr_cp_review_quorate=self.flag(r.random() < 0.96),
                         cppr_cp_review_participation=self.flag(p.age(held_) >= 4 and r.random() < 0.6))
            end = min(plan_end, self.as_at + 1) if plan_end is not None else self.as_at + 1
            v = cal.add_wd(icpc_date, r.randint(2, 10))
            while v < end:
                if v >= self.window_start:
                    seen = r.random() < 0.95
                    self.add("ssd_cp_visits", cppv_cp_visit_id=self.nid("cpvisit"), cppv_person_id=p.pid,
                             cppv_cp_plan_id=plan_id, cppv_cp_visit_date=self.D(v), cppv_cp_visit_seen=self.flag(seen),
                             cppv_cp_visit_seen_alone=self.flag(seen and p.age(v) >= 5 and r.random() < 0.65),
                             cppv_cp_visit_bedroom=self.flag(seen and r.random() < 0.5))
                v = cal.add_wd(v, r.randint(5, 10) if r.random() < 0.85 else r.randint(11, 20))
            self.involve(p, ref_id, "cp", icpc_date, plan_end, "Allocated Social Worker", "TSPROC")
            self.core_groups(p, plan_id, icpc_date, plan_end)
        later.append(events)
        return plan_end if until is None else icpc_date

    def core_groups(self, p: Person, plan_id: str, icpc: int, plan_end: int) -> None:
        """Core group meetings of one CP plan (ssd_cp_core_groups): the first within 10 working days of the ICPC
        with chance CORE_GROUP_ON_TIME (else a few days to weeks late), then every 4-8 weeks until the plan ends.
        Written from the window start, like CP visits; a plan that ends before its first meeting has none."""
        if icpc > self.as_at:
            return
        rx = self.rx
        cal = self.cal
        due = cal.add_wd(icpc, 10)
        on_time = rx.random() < CORE_GROUP_ON_TIME
        if on_time:
            m = cal.add_wd(icpc, rx.randint(3, 10))
        else:
            m = cal.add_wd(due, max(1, min(60, int(round(6 * math.exp(rx.gauss(0.0, 0.8)))))))
        stop = min(plan_end, self.as_at + 1)       # no meeting on or after the day the plan ends
        if icpc >= self.window_start:
            self._outcome("core_group_first", due, plan_end, m if m < stop else None)
        while m < stop:
            if m >= self.window_start:
                self.add("ssd_cp_core_groups", cpcg_core_group_id=self.nid("coregroup"), cpcg_person_id=p.pid,
                         cpcg_cp_plan_id=plan_id, cpcg_meeting_date=self.D(m))
            m = cal.on_or_after(m + rx.randint(*CORE_GROUP_GAP))

    def _outcome(self, item: str, due: int, scope_end: int, done: int | None) -> None:
        """Tally a due item as the marts count it: leaving scope before the due date excludes it."""
        t = self.timeliness[item]
        if due > self.as_at:
            t["not_yet_due"] += 1
        elif scope_end < due:
            t["excluded"] += 1
        elif done is None:
            t["overdue"] += 1
        else:
            t["on_time" if done <= due else "late"] += 1

    def peps(self, per: Period) -> None:
        """Personal education plans (ssd_cla_pep) of a child of school or early-years age (3-17): an initial PEP for
        a child 3-17 at entry (on time with chance PEP_INITIAL_ON_TIME, else late, none if the child leaves first),
        then one in each term that starts after its due date (and after the 3rd birthday of a child who came into
        care younger) with chance PEP_TERM_DONE. Written from the window start, like reviews and visits."""
        p = per.person
        if p.age(per.start) >= PEP_AGES[1]:
            return
        rx = self.rx
        cal = self.cal
        e = per.start
        end = min(per.end, p.birthday(18))
        stop = min(end, self.as_at + 1)
        due = cal.add_wd(e, 20)
        terms = self.terms
        if p.age(e) < PEP_AGES[0]:
            # no initial PEP under 3; termly PEPs once the child is of early-years age
            i = bisect_left(terms, max(due, p.birthday(PEP_AGES[0])))
        else:
            if rx.random() < PEP_INITIAL_ON_TIME:
                first = cal.add_wd(e, rx.randint(5, 20))
            else:
                first = cal.add_wd(due, max(1, min(120, int(round(8 * math.exp(rx.gauss(0.0, 0.8)))))))
            if e >= self.window_start:
                self._outcome("pep_initial", due, end, first if first < stop else None)
            if first >= end:            # left care first: no PEP, none later
                return
            self.pep_row(p, first)
            # a late initial PEP held in a term stands for that term's PEP
            i = bisect_right(terms, max(due - 1, first))
        tally = self.timeliness["pep_term"]
        while i + 1 < len(terms) and terms[i] < stop:
            ts, te = terms[i], terms[i + 1] - 1
            i += 1
            done = rx.random() < PEP_TERM_DONE
            d = cal.add_wd(ts - 1, rx.randint(1, cal.wd_between(ts - 1, te))) if done else None
            if ts >= self.window_start and te <= self.as_at and te < end:
                tally["due"] += 1
                tally["done"] += done
            if d is not None and d < stop:
                self.pep_row(p, d)

    def dolos(self, per: Period) -> None:
        """Deprivation of liberty orders (ssd_cla_dolo): a child aged 10 or over placed in a children's home or
        another setting of DOLO_PLACEMENTS gets an order with chance DOLO_CHANCE, from a few days into the placement
        for DOLO_DAYS (ended by the end of the placement or of care at the latest; open when in force at as-at).
        Written from the window start; stream self.rd only."""
        p = per.person
        rd = self.rd
        places = per.placements
        for i, (d, ptype, *_rest) in enumerate(places):
            if d > self.as_at:
                break
            if ptype not in DOLO_PLACEMENTS or p.age(d) < DOLO_MIN_AGE or rd.random() >= DOLO_CHANCE:
                continue
            pend = places[i + 1][0] if i + 1 < len(places) else per.end
            start = d + rd.randint(0, 14)
            if start >= pend or start > self.as_at:
                continue
            end = min(start + rd.randint(*DOLO_DAYS), pend)
            if end < self.window_start:
                continue
            self.add("ssd_cla_dolo", cldl_dolo_id=self.nid("dolo"), cldl_person_id=p.pid,
                     cldl_dolo_start_date=self.D(start), cldl_dolo_end_date=self.D(self.clip(end)))

    def pep_row(self, p: Person, d: int) -> None:
        if self.window_start <= d <= self.as_at:
            self.add("ssd_cla_pep", clpe_pep_id=self.nid("pep"), clpe_person_id=p.pid, clpe_pep_date=self.D(d))

    # ---- care --------------------------------------------------------------------------------------------
    def care_type(self, p: Person, age: float, route: str) -> str:
        r = self.r
        if p.uasc:
            return "uasc"
        u = r.random()
        if age < 1:
            return "adoption" if u < 0.46 else ("court" if u < 0.88 else "s20_short")
        if age < 5:
            return "adoption" if u < 0.22 else ("court" if u < 0.78 else "s20_short")
        if age < 10:
            return "court" if u < (0.72 if route != "assessment" else 0.5) else "s20_short"
        if age < 16:
            if u < 0.03:
                return "remand"
            return "court" if u < (0.55 if route != "assessment" else 0.35) else (
                "s20_long" if u < 0.58 else "s20_short")
        if u < 0.05:
            return "remand"
        return "court" if u < 0.20 else ("s20_long" if u < 0.32 else "s20_short")

    def place_type(self, p: Person, d: int) -> str:
        a = p.age(d)
        if p.uasc:
            return PLACEMENT_MIX["uasc16" if a >= 16 else "uasc"](self.r)
        key = "under5" if a < 5 else ("5to10" if a < 11 else ("11to15" if a < 16 else "16plus"))
        return PLACEMENT_MIX[key](self.r)

    def care(self, p: Person, ref_id: str, e: int, route: str, legacy: bool) -> Period | None:
        r = self.r
        age = p.age(e)
        ctype = self.care_type(p, age, route)
        p._perm = None
        eighteen = p.birthday(18)
        legal: list[tuple[int, str]] = []
        moves: list[tuple[int, str, bool, str]] = []      # (date, type, same_carer, change_reason of previous)
        end = None
        reason = None
        t = e
        if ctype in ("court", "adoption"):
            if route == "emergency" and r.random() < 0.6:
                legal.append((t, "L1" if r.random() < 0.6 else "L2"))
                t += min(r.randint(1, 8), 3 if legal[-1][1] == "L1" else 8)
            elif ctype == "court" and r.random() < 0.2:
                legal.append((t, "V2"))
                t += r.randint(20, 120)
            legal.append((t, "C1"))
            t += r.randint(15, 45)
            legal.append((t, "C2"))
            if ctype == "adoption":
                po = t + r.randint(90, 240)
                legal.append((po, "E1"))
                matched = po + r.randint(150, 330)
                placed = matched + r.randint(5, 40)
                if r.random() < 0.12:      # decision reversed: placement order revoked, long-term care
                    legal.append((po + r.randint(120, 300), "C2"))
                    ctype = "court"
                    t = legal[-1][0]
                    p._perm = ("reversed", po, None, None)
                else:
                    same = r.random() < 0.25
                    moves.append((placed, ("A5" if same else "A6") if r.random() < 0.85 else ("A3" if same else "A4"),
                                  same, "CARPL"))
                    end = placed + r.randint(150, 330)
                    reason = "E11" if r.random() < 0.7 else "E12"
                    p._perm = ("adopted", po, matched, placed)
            if ctype == "court":
                stay = int(YEAR * math.exp(r.gauss(math.log(5.0), 0.85)))
                end = max(t + 30, e + stay)
                reason = CH_COURT_EXIT(r)
        elif ctype == "s20_short":
            legal.append((t, "V2"))
            stay = self.lognorm_days(55, 1.1, 2, 700)
            end = e + stay
            reason = CH_S20_EXIT(r)
            if r.random() < 0.12 and stay > 60:       # proceedings issued: s20 -> interim -> full care order
                c1 = e + r.randint(30, max(31, stay - 20))
                legal.append((c1, "C1"))
                legal.append((c1 + r.randint(15, 45), "C2"))
                end = c1 + int(YEAR * math.exp(r.gauss(math.log(2.5), 0.8)))
                reason = CH_COURT_EXIT(r)
        elif ctype == "s20_long":
            legal.append((t, "V2"))
            end = eighteen if r.random() < 0.6 else e + self.lognorm_days(300, 0.7, 30)
            reason = None if end >= eighteen else CH_S20_EXIT(r)
        elif ctype == "uasc":
            legal.append((t, "V2"))
            u = r.random()
            if u < 0.12:
                end, reason = e + r.randint(10, 90), "E3"        # national transfer scheme
            elif u < 0.17:
                end, reason = e + r.randint(20, 120), "E15"      # age assessment: 18 or over
            else:
                end = eighteen
        elif ctype == "remand":
            legal.append((t, "J1" if r.random() < 0.85 else "J2"))
            stay = r.randint(15, 150)
            end = e + (stay if legal[-1][1] == "J1" else 1 + stay % 3)
            reason = "E14" if r.random() < 0.8 else "E9"
        if end is None or end >= eighteen:
            end = eighteen
            reason = CH_AT18(r)
        if reason == "E2":
            p.death = end
        if end <= e:
            end = e + 1
        p.care_end, p.care_end_reason = end, reason
        if end < self.window_start:
            return None
        # placements: first on entry, then moves
        first = self.place_type(p, e)
        placements = [(e, first, False, None)]
        move_rate = 0.22 if age < 11 else 0.5
        t = e
        while True:
            t += int(r.expovariate(move_rate) * YEAR) + 7
            if t >= end:
                break
            placements.append((t, self.place_type(p, t), False, CH_MOVE_REASON(r)))
        # court: long-term match with the same carer; planned return home via placement with parents
        if ctype == "court" and len(legal) and r.random() < 0.35:
            c2 = next((d for d, c in legal if c == "C2"), None)
            if c2 is not None:
                lt = c2 + r.randint(60, 400)
                cur = [pl for pl in placements if pl[0] <= lt][-1]
                if lt < end and cur[1] in ("U6", "U3"):
                    placements.append((lt, "U4" if cur[1] == "U6" else "U1", True, "PLACE"))
        if reason in ("E4A", "E41") and r.random() < 0.45 and end - e > 200:
            placements.append((end - r.randint(60, 180), "P1", False, "CARPL"))
        if moves:       # placed for adoption: no unplanned moves around it
            cutoff = moves[0][0] - 30
            placements = [pl for pl in placements if pl[0] < cutoff]
        placements.extend(moves)
        placements.sort(key=lambda x: x[0])
        # dedupe same-day moves
        clean = []
        for pl in placements:
            if pl[0] >= end:
                continue
            if clean and pl[0] <= clean[-1][0]:
                clean[-1] = (clean[-1][0],) + pl[1:]
                continue
            clean.append(pl)
        clean = self.temporary_placements(clean, end)
        for i, pl in enumerate(clean):
            # placed for adoption with consent (A3/A4) straight from foster care only (DfE rule 336): from any other
            # placement, under the placement order and not with a foster carer (A6)
            if pl[1] in ("A3", "A4") and (i == 0 or clean[i - 1][1] not in codes.FOSTER + codes.ADOPTION_PLACEMENTS):
                clean[i] = (pl[0], "A6", False) + pl[3:]
        if reason in ("E45", "E46") and clean and clean[-1][1] not in codes.FOSTER:
            # a special guardianship order to former foster carers needs a foster placement (DfE rule 516): to
            # other carers otherwise (E47, E48)
            reason = {"E45": "E47", "E46": "E48"}[reason]
            p.care_end_reason = reason
        legal = [x for x in legal if x[0] < end]
        period = Period(cla_id=self.nid("cla"), person=p, start=e, end=end, end_reason=reason, ctype=ctype,
                        legal=legal, placements=clean, referral_id=ref_id)
        p.cla = True
        self.periods.append(period)
        return period

    def temporary_placements(self, placements: list, end: int) -> list:
        """A few temporary placements (T0-T4) in the middle of a placement: a move to the temporary placement (RNE
        'P'), then back to the same carers (RNE 'T'). Never the first or last placement of a period of care."""
        r = self.r
        out = []
        for i, pl in enumerate(placements):
            out.append(pl)
            seg_end = placements[i + 1][0] if i + 1 < len(placements) else end
            if pl[1][0] in "AP" or seg_end - pl[0] < 42 or r.random() >= P_TEMPORARY:
                continue
            kind = CH_TEMPORARY(r)
            if kind == "T3" and pl[1] not in codes.FOSTER:
                kind = "T4"
            lo, hi = TEMPORARY_DAYS[kind]
            days = r.randint(lo, hi)
            t0 = pl[0] + 14 + r.randrange(max(1, seg_end - pl[0] - 28 - days))
            if t0 + days + 7 > seg_end:
                continue
            out.append((t0, kind, False, None, "temporary"))
            out.append((t0 + days, pl[1], True, None, "return"))
        return out

    def short_break_children(self) -> None:
        """A few disabled children in a series of short breaks (V3): each break is its own period of care."""
        r = self.r
        n = int(self.np_rng.poisson(4 * self.f * (self.as_at - self.sim_start) / YEAR))
        for _ in range(n):
            start = self.sim_start + r.randrange(self.as_at - self.sim_start)
            p = self.new_person(start - self.age_days(5, 15))
            ref_id = self.nid("referral")
            stop = start + r.randint(200, 900)
            t = start
            kept = False
            if r.random() < 0.3:       # V4: the agreement is recorded as one episode, not each break
                end = min(stop, p.birthday(18))
                if end >= self.window_start:
                    per = Period(cla_id=self.nid("cla"), person=p, start=start, end=end, end_reason="E13",
                                 ctype="short_break", legal=[(start, "V4")],
                                 placements=[(start, r.choice(("R1", "U6", "K2")), False, None)], referral_id=ref_id)
                    p.cla = True
                    self.periods.append(per)
                    self.emit_period(per)
                    kept = True
                t = stop
            while t < min(stop, p.birthday(18)):
                end = t + r.randint(1, 3)
                if end >= self.window_start:
                    per = Period(cla_id=self.nid("cla"), person=p, start=t, end=end, end_reason="E13", ctype="short_break",
                                 legal=[(t, "V3")], placements=[(t, r.choice(("R1", "U6", "K2")), False, None)],
                                 referral_id=ref_id)
                    p.cla = True
                    self.periods.append(per)
                    self.emit_period(per)
                    kept = True
                t += r.randint(25, 60)
            if kept:
                close = self.clip(stop + 10)
                p.used = p.cin = True
                wid, tid = self.worker("disabled")
                self.add("ssd_cin_episodes", cine_referral_id=ref_id, cine_person_id=p.pid,
                         cine_referral_date=self.D(start - 30), cine_cin_primary_need_code="N2",
                         cine_referral_source_code="3D", cine_referral_source_desc=codes.REFERRAL_SOURCE["3D"],
                         cine_referral_outcome_json=json.dumps({"OUTCOME": "Assessment required", "OUTCOME_NFA_FLAG": "N"}),
                         cine_referral_nfa=self.flag(False), cine_close_reason="RC7" if close else None,
                         cine_close_date=self.D(close), cine_referral_team=tid, cine_referral_worker_id=wid)
                # the disabled children's team's social worker through the series (SSDA903 SW12), and no previous
                # permanence order (Z1) for each break that starts care (630)
                self.involve(p, ref_id, "disabled", start, close, "Allocated Social Worker", "TSPROC")
                self.add("ssd_cla_previous_permanence", lapp_table_id=self.nid("lapp"), lapp_person_id=p.pid,
                         lapp_previous_permanence_order_date=None, lapp_previous_permanence_option="Z1",
                         lapp_previous_permanence_la=None)

    def emit_period(self, per: Period) -> None:
        """Episodes, placements, legal statuses, reviews, visits, health and the rest for one period of care."""
        r = self.r
        p = per.person
        p.used = True
        if per.start > self.as_at:      # the child has not entered care yet
            return
        # legal statuses
        for i, (d, code) in enumerate(per.legal):
            if d > self.as_at:
                break
            nxt = per.legal[i + 1][0] if i + 1 < len(per.legal) else per.end
            self.add("ssd_legal_status", lega_legal_status_id=self.nid("legal"), lega_person_id=p.pid,
                     lega_legal_status=code, lega_legal_status_start_date=self.D(d),
                     lega_legal_status_end_date=self.D(self.clip(nxt)))
        # placements
        place_ids = []
        where: list = []       # (urn, distance, provider, postcode) of each placement written
        for i, (d, ptype, same, _why, *mark) in enumerate(per.placements):
            if d > self.as_at:
                break
            nxt = per.placements[i + 1] if i + 1 < len(per.placements) else None
            pend = nxt[0] if nxt else per.end
            pid = self.nid("placement")
            mark = mark[0] if mark else None
            place_ids.append((d, pid, ptype, same, mark))
            if mark == "return":        # back with the same carers, at the same address
                urn, distance, provider, pc = where[-2]
            else:
                far = ptype in ("K2", "K1", "R1", "S1", "K3", "R5", "Z11") or r.random() < 0.25
                provider = "PR0" if ptype == "P1" else ("PR1" if ptype in codes.FOSTER and r.random() < 0.6 else
                                                         ("PR4" if r.random() < 0.8 else r.choice(("PR2", "PR5", "PR3"))))
                urn = f"SC{r.randrange(10**5, 10**6)}" if ptype in ("K1", "K2", "R1", "K3", "S1") else None
                distance = round(r.uniform(20, 160) if far else r.uniform(0.3, 12), 1)
                pc = postcode(r, AWAY_OUTWARDS if far else HOME_OUTWARDS)
                ptype, provider, urn = self.placement_as_recorded(ptype, provider, urn, per, d)
            where.append((urn, distance, provider, pc))
            self.add("ssd_cla_placement", clap_cla_placement_id=pid, clap_cla_placement_start_date=self.D(d),
                     clap_cla_placement_type=ptype, clap_cla_placement_urn=urn,
                     clap_cla_placement_distance=distance, clap_cla_id=per.cla_id,
                     clap_cla_placement_provider=provider, clap_cla_placement_postcode=pc,
                     clap_cla_placement_end_date=self.D(self.clip(pend)),
                     clap_cla_placement_change_reason=(nxt[3] if nxt and self.clip(pend) else None),
                     clap_person_id=p.pid)
        # episodes: a new one at every change of legal status or placement
        changes: dict[int, list] = {}
        for d, code in per.legal:
            changes.setdefault(d, [None, None])[0] = code
        for d, pid, ptype, same, mark in place_ids:
            # back from a temporary placement to the usual carers: a new placement (RNE P), DfE rule 383
            changes.setdefault(d, [None, None])[1] = (pid, same and mark != "return")
        cur_place = None
        days = sorted(x for x in changes if x <= self.as_at)
        reviews = self.cla_reviews(per) if per.ctype != "short_break" else []
        last_review = max((h for _, h, c in reviews if not c and h <= self.as_at), default=None)
        for i, d in enumerate(days):
            lchange, pchange = changes[d]
            if i == 0:
                rne = "S"
            elif lchange and pchange:
                rne = "U" if pchange[1] else "B"
            elif lchange:
                rne = "L"
            else:
                rne = "T" if pchange[1] else "P"
            if pchange:
                cur_place = pchange[0]
            nxt = days[i + 1] if i + 1 < len(days) else per.end
            last = i + 1 == len(days)
            ceased = self.clip(nxt)
            self.add("ssd_cla_episodes", clae_cla_episode_id=self.nid("episode"), clae_person_id=p.pid,
                     clae_cla_episode_start_date=self.D(d), clae_cla_episode_start_reason=rne,
                     clae_cla_primary_need_code="N8" if p.uasc else ("N2" if per.ctype == "short_break" else "N1"),
                     clae_cla_episode_ceased_date=self.D(ceased),
                     clae_cla_episode_ceased_reason=(per.end_reason if last else "X1") if ceased else None,
                     clae_cla_id=per.cla_id, clae_referral_id=per.referral_id, clae_cla_placement_id=cur_place,
                     clae_entered_care_date=self.D(per.start),
                     clae_cla_last_iro_contact_date=self.D(last_review) if last else None)
        for due, held, cancelled in reviews:
            if held > self.as_at or held < self.window_start:
                continue
            self.add("ssd_cla_reviews", clar_cla_review_id=self.nid("clareview"), clar_cla_id=per.cla_id,
                     clar_cla_review_due_date=self.D(due), clar_cla_review_date=self.D(held),
                     clar_cla_review_cancelled=self.flag(cancelled),
                     clar_cla_review_participation="PN0" if p.age(held) < 4 else (
                         "PN1" if r.random() < 0.55 else r.choice(codes.CLA_REVIEW_PARTICIPATION[1:])))
        if per.ctype == "short_break":
            return
        self.cla_visits(per, place_ids)
        self.health_for_period(per)
        self.cla_extras(per)
        self.peps(per)
        if p.age(per.start) < 5:
            self.development_checks(per)
        self.dolos(per)
        if per.start >= self.window_start:
            opt = CH_LAPP(r)
            self.add("ssd_cla_previous_permanence", lapp_table_id=self.nid("lapp"), lapp_person_id=p.pid,
                     lapp_previous_permanence_order_date=(dt.date.fromordinal(per.start - r.randint(400, 3000))
                                                          .strftime("%d/%m/%Y") if opt in ("P1", "P2", "P3") else None),
                     lapp_previous_permanence_option=opt,
                     lapp_previous_permanence_la=r.choice(("211", "204", "205", "316", "317")) if opt != "Z1" else None)
        # the social worker stays with a child whose care lasted days (no allocation under 3 days: SSDA903 SW09)
        sw_end = None if per.end is None else max(per.end, per.start + 7)
        self.involve(p, per.referral_id, "cla", per.start, sw_end, "Allocated Social Worker", "TSPROC")

    def placement_as_recorded(self, ptype: str, provider: str, urn: str | None, per: Period,
                              d: int) -> tuple[str, str, str | None]:
        """The placement type, provider and Ofsted URN as DfE's rules allow them (the main stream's draws are made
        before this, so every other row of a seed is as it was; new URNs come from a stream of their own).

        A child accommodated under section 20 (V2) is never placed with parents (rule 378): placed with relatives
        or friends instead (U3, the council's own provision). Other public provision (PR3) provides no foster,
        adoption, parent or children's home placement (529): a voluntary provider (PR5) does; another local authority
        (PR2) none with parents, in the NHS or in custody (528): other public provision does. A residential care
        home (R1) has no Ofsted URN (222); every placement type but P1, P3, R1, R2, R5, T0-T4 and Z11-Z14 has one
        (218): the fostering service's (the council's own for PR1, an agency's otherwise), the adoption agency's,
        the family centre's."""
        if ptype == "P1" and next((c for s, c in reversed(per.legal) if s <= d), None) == "V2":
            ptype, provider = "U3", "PR1"
        if provider == "PR2" and ptype in ("P1", "R2", "R5"):
            provider = "PR3"        # another authority provides no parent, NHS or custody placement (528)
        if provider == "PR3" and ptype in PR3_NOT_ALLOWED:
            provider = "PR5"
        if ptype in URN_NOT_RECORDED:
            return ptype, provider, None
        if urn is None:
            ru = self.ru
            if ptype in codes.FOSTER:
                urn = self.own_fostering_urn if provider == "PR1" else ru.choice(self.agency_urns)
            elif ptype in codes.ADOPTION_PLACEMENTS:
                urn = self.adoption_agency_urn if provider in ("PR1", "PR2") else ru.choice(self.agency_urns)
            else:
                urn = f"SC{ru.randrange(10**5, 10**6)}"
        return ptype, provider, urn

    def cla_reviews(self, per: Period) -> list[tuple[int, int, bool]]:
        """(due, held, cancelled): 1st within 20 working days, then 3 months, then 6-monthly."""
        r = self.r
        cal = self.cal
        out = []
        due = cal.add_wd(per.start, 20)
        first = True
        stop = min(per.end, self.as_at + 1)
        while True:
            if first:
                held = cal.add_wd(per.start, r.randint(8, 20)) if r.random() < 0.88 else cal.add_wd(due, r.randint(1, 15))
            else:
                held = cal.on_or_after(due - r.randint(0, 21)) if r.random() < 0.87 else cal.add_wd(due, r.randint(1, 25))
            if held >= stop:
                break
            if r.random() < 0.03:     # cancelled, held a few days later
                out.append((due, held, True))
                held = cal.add_wd(held, r.randint(2, 8))
                if held >= stop:
                    break
            out.append((due, held, False))
            due = add_months(held, 3 if first else 6)
            first = False
        return out

    def cla_visits(self, per: Period, place_ids) -> None:
        r = self.r
        cal = self.cal
        p = per.person
        stop = min(per.end, self.as_at + 1)
        # a temporary placement and the return to the usual carers do not restart the visits (TIMELINESS.md)
        usual = [x for x in place_ids if x[4] is None]
        for i, (d, pid, ptype, same, _mark) in enumerate(usual):
            pend = min(usual[i + 1][0] if i + 1 < len(usual) else per.end, stop)
            v = cal.on_or_after(d + (r.randint(1, 6) if r.random() < 0.9 else r.randint(8, 20)))
            long_term = ptype in ("U1", "U4") or ptype.startswith("A")
            while v < pend:
                if v >= self.window_start:
                    seen = r.random() < 0.95
                    self.add("ssd_cla_visits", clav_cla_visit_id=self.nid("clavisit"), clav_cla_id=per.cla_id,
                             clav_person_id=p.pid, clav_cla_visit_date=self.D(v), clav_cla_visit_seen=self.flag(seen),
                             clav_cla_visit_seen_alone=self.flag(seen and p.age(v) >= 5 and r.random() < 0.7))
                if long_term and v - d > 365:
                    gap = r.randint(50, 90) if r.random() < 0.9 else r.randint(91, 120)
                else:
                    gap = r.randint(21, 42) if r.random() < 0.86 else r.randint(43, 70)
                v = cal.on_or_after(v + gap)

    # ---- health --------------------------------------------------------------------------------------------
    def health_record(self, kind: str, p: Person, states: list) -> HealthRecord:
        rec = HealthRecord(kind=kind, record_id=f"{kind[:3].upper()}{self.nid('health_' + kind)}", person=p,
                           identity={}, states=states, history=kind == "lac_health_assessments")
        self.health.append(rec)
        return rec

    def assessment_states(self, atype: str, p: Person, req: int, appt: int, done: int | None, status: str,
                          report: int | None, la_id: bool, stop: int | None) -> list:
        base = dict(la_child_id=p.pid if la_id else "", assessment_type=atype, request_received_date=req,
                    appointment_date=appt, assessment_date=None, report_sent_date=None, status="BOOKED",
                    practitioner_type="DOCTOR" if atype == "IHA" else ("NURSE" if self.r.random() < 0.8 else "DOCTOR"),
                    provider_code=codes.HEALTH_PROVIDER_CODES[p.dob % 3])
        states = [(req, dict(base))]
        if status == "COMPLETED":
            s2 = dict(base, assessment_date=done, status="COMPLETED")
            states.append((done, s2))
            if report is not None:
                states.append((report, dict(s2, report_sent_date=report)))
        elif status in ("WAS_NOT_BROUGHT", "DECLINED"):
            states.append((appt, dict(base, status=status)))
        elif status == "CANCELLED":
            states.append((stop, dict(base, status="CANCELLED")))
        return states

    def completed_assessment(self, kind: str, p: Person, req: int, held: int, report: int, la_id: bool) -> None:
        """A health assessment that took place: the provider's record, the council's row, an immunisation status."""
        self.health_record("lac_health_assessments", p,
                           self.assessment_states(kind, p, req, held, held, "COMPLETED", report, la_id, None))
        self.cla_health_row(p, kind, held, "Completed")
        self.immunisation(p, held)

    def health_for_period(self, per: Period) -> None:
        r = self.r
        cal = self.cal
        p = per.person
        e = per.start
        end = per.end
        stop = min(end, p.birthday(18))
        la_id = r.random() < 0.30
        teen = p.age(e) >= 16
        # --- IHA
        due = cal.add_wd(e, 20)
        refused = teen and r.random() < 0.04
        # Only items the marts measure (due inside the window, child still in care, not refused) take places in the
        # sequence: skipping places for the others would thin it at random and cost the exactness
        if due >= self.window_start and end >= due and not refused:
            self._iha_u = u = (self._iha_u + _GOLDEN) % 1.0
        else:
            self._iha_u_unmeasured = u = (self._iha_u_unmeasured + _GOLDEN) % 1.0
        on_time = u < self.iha_rate
        if on_time:
            k = r.randint(6, 20)
        else:
            k = 20 + self.lognorm_days(18, 0.8, 1, 200)
        done = cal.add_wd(e, k)
        if due < end <= done and cal.wd_between(due, end) and r.random() < 0.9:
            # late, and the child is leaving care: mostly seen by the day they leave (rarely never: overdue)
            done = cal.add_wd(due, 1 + r.randrange(cal.wd_between(due, end)))
            k = cal.wd_between(e, done)
        req = cal.add_wd(e, r.randint(1, 4) if r.random() < 0.6 else r.randint(5, min(12, k - 1) if k > 5 else 5))
        req = min(req, done - 1)
        last = None
        if refused:
            appt = cal.add_wd(e, min(k, 20))
            self.health_record("lac_health_assessments", p,
                               self.assessment_states("IHA", p, req, appt, None, "DECLINED", None, la_id, None))
            self.cla_health_row(p, "IHA", appt, "Refused")
        elif done > end:
            appt = done
            if req < end:
                self.health_record("lac_health_assessments", p,
                                   self.assessment_states("IHA", p, req, appt, None, "CANCELLED", None, la_id, end))
        else:
            if not on_time and r.random() < 0.2:
                # first appointment inside the deadline, child not brought, rebooked
                a1 = cal.add_wd(e, r.randint(5, 20))
                if req < a1 < done:
                    self.health_record("lac_health_assessments", p,
                                       self.assessment_states("IHA", p, req, a1, None, "WAS_NOT_BROUGHT", None, la_id, None))
                    req = a1 + r.randint(1, 5)
                    req = min(req, done - 1)
            self.completed_assessment("IHA", p, req, done, cal.add_wd(done, r.randint(2, 15)), la_id)
            last = done
        # --- RHAs
        while last is not None:
            months = 6 if p.age(last) < 5 else 12
            rdue = add_months(last, months)
            if r.random() < 0.78:
                held = cal.on_or_after(rdue - r.randint(0, 40))
            else:
                held = cal.on_or_after(rdue + r.randint(1, 90))
            if held >= stop or held > self.as_at + 60:
                break
            req = held - r.randint(20, 45)
            la2 = r.random() < 0.30
            if p.age(held) >= 16 and r.random() < 0.05:
                self.health_record("lac_health_assessments", p,
                                   self.assessment_states("RHA", p, req, held, None, "DECLINED", None, la2, None))
                self.cla_health_row(p, "RHA", held, "Refused")
                last = held
                continue
            self.completed_assessment("RHA", p, req, held, cal.add_wd(held, r.randint(2, 20)), la2)
            last = held
        # --- dental checks
        if p.age(e) >= 1:
            d = e + r.randint(30, 200)
            while d < stop and d <= self.as_at:
                d = cal.on_or_after(d)
                self.health_record("dental_checks", p, [(d + r.randint(0, 20), dict(check_date=d))])
                self.cla_health_row(p, "DENTAL", d, "Completed")
                d += r.randint(170, 420)

    def immunisation(self, p: Person, d: int) -> None:
        r = self.r
        ok = r.random() < (0.45 if p.uasc else 0.86)
        states = [(d + r.randint(0, 15), dict(status_date=d, up_to_date="Y" if ok else "N"))]
        if not ok and r.random() < 0.25:       # catch-up recorded: a later delivery repeats the record as Y
            d2 = d + r.randint(40, 150)
            states.append((d2, dict(status_date=d2, up_to_date="Y")))
        self.health_record("immunisations", p, states)
        if not self._phantom and self.seen(d) and r.random() < 0.92:
            self.add("ssd_cla_immunisations", clai_person_id=p.pid, clai_immunisations_status=self.flag(ok),
                     clai_immunisations_status_date=self.D(d))

    def cla_health_row(self, p: Person, kind: str, d: int, status: str) -> None:
        """The case-management record of a health check: same date mostly, sometimes missing or recorded later.

        Health assessments (IHA, RHA) are kept for the whole of every period of care in the extract, also before
        the window (the child's record carries them); dental checks from the window start.
        """
        r = self.r
        u = r.random()
        if u < 0.07 or self._phantom:
            return
        if u < 0.15:
            d = d + r.randint(3, 30)
        if d > self.as_at or (kind == "DENTAL" and d < self.window_start):
            return
        self.add("ssd_cla_health", clah_health_check_id=self.nid("clahealth"), clah_person_id=p.pid,
                 clah_health_check_type=codes.HEALTH_CHECK_TYPES[kind], clah_health_check_date=self.D(d),
                 clah_health_check_status=status)

    def unknown_children(self, share: float = 0.03) -> None:
        """Children looked after by other councils and placed here: health records the council cannot match."""
        r = self.r
        in_window = sum(1 for h in self.health if h.delivered(self.window_start, self.as_at))
        target = int(round(in_window * share / (1 - share)))
        self._phantom = True
        made = 0
        while made < target:
            e = self.window_start - 400 + r.randrange(self.as_at - self.window_start + 400)
            lo, hi = CH_REFERRAL_AGE(r)
            p = Person(pid=f"X{self.base + 8_000_000 + made}", sex="M" if r.random() < 0.55 else "F",
                       dob=e - (self.age_days(lo, hi) if lo > 0 else r.randint(10, 364)), first="", last="",
                       nhs=self.nhs_pool.cla(), postcode=postcode(r), ethnicity=CH_ETHNICITY(r))
            p.first = r.choice(MALE_LIST) if p.sex == "M" else r.choice(FEMALE_LIST)
            p.last = r.choice(SURNAMES)
            before = len(self.health)
            per = Period(cla_id="", person=p, start=e, end=e + self.lognorm_days(500, 0.8, 30), end_reason=None,
                         ctype="other_la", legal=[], placements=[], referral_id="")
            self.health_for_period(per)
            for h in self.health[before:]:
                h.person = None
                h.unknown = p
                for _, st in h.states:
                    if "la_child_id" in st:
                        st["la_child_id"] = ""
                if h.delivered(self.window_start, self.as_at):
                    made += 1
        self._phantom = False

    # ---- other looked-after records ---------------------------------------------------------------------
    def cla_extras(self, per: Period) -> None:
        r = self.r
        cal = self.cal
        p = per.person
        stop = min(per.end, self.as_at)
        lo = max(per.start, self.window_start)
        if stop <= lo:
            self.care_leaver(per)
            return
        years = (stop - lo) / YEAR
        # an SDQ in every collection year (April to March) by whose 31 March the child has been in care 12 months
        # (SSDA903 rule 186): a score, or now and then a reason; for a child turning 4 or 17 that year and outside
        # 4-16 on the day, reason SDQ1 (rule 197B asks for a score or a reason)
        first = dt.date.fromordinal(lo)
        year = first.year if first.month >= 4 else first.year - 1
        while (year_start := dt.date(year, 4, 1).toordinal()) < stop:
            year_end = dt.date(year + 1, 3, 31).toordinal()
            begin, end = max(lo, year_start), min(stop, year_end + 1)
            year += 1
            if year_end - per.start < 365 or end <= begin:
                continue
            d = cal.on_or_after(begin + r.randrange(end - begin))
            if d >= end:
                continue
            if p.birthday(4) <= d < p.birthday(17):
                reason = None if r.random() < 0.85 else r.choice(codes.SDQ_REASON[1:])
            elif any(year_start <= p.birthday(age) <= year_end for age in (4, 17)):
                reason = codes.SDQ_REASON[0]
            else:
                continue
            self.add("ssd_sdq_scores", csdq_table_id=self.nid("sdq"), csdq_person_id=p.pid,
                     csdq_sdq_completed_date=self.D(d), csdq_sdq_reason=reason,
                     csdq_sdq_score=None if reason else str(max(0, min(40, int(r.gauss(14.5, 7))))))
        if p.age(lo) >= 10 or p.age(stop) >= 12:
            # missing episodes
            if r.random() < 0.14:
                first_missing = len(self.rows["ssd_missing"])
                for _ in range(min(40, 1 + int(r.expovariate(1 / 3.5)))):
                    d = lo + r.randrange(max(1, stop - lo))
                    if p.age(d) < 10:
                        continue
                    e2 = d + (r.randint(0, 1) if r.random() < 0.7 else r.randint(2, 10))
                    # found before care ends (SSDA903 577; one missing on the day care ends must leave by E8: 580)
                    e2 = max(d, min(e2, per.end - 1))
                    offered = r.random() < 0.85
                    self.add("ssd_missing", miss_table_id=self.nid("missing"), miss_person_id=p.pid,
                             miss_missing_episode_start_date=self.D(d),
                             miss_missing_episode_type="M" if r.random() < 0.8 else "A",
                             miss_missing_episode_end_date=self.D(self.clip(e2)),
                             miss_missing_rhi_offered=self.flag(offered),
                             miss_missing_rhi_accepted=self.flag(offered and r.random() < 0.55))
                self.one_missing_at_a_time(first_missing, stop)
            if r.random() < 0.06 * max(1.0, years):
                d = lo + r.randrange(max(1, stop - lo))
                if p.age(d) >= 12:
                    sid = self.nid("substance")
                    misused = self.flag(True)
                    received = r.random() < 0.6
                    self.add("ssd_cla_substance_misuse", clas_substance_misuse_id=sid,
                             clas_person_id=p.pid, clas_substance_misuse_date=self.D(d),
                             clas_substance_misused=misused, clas_intervention_received=self.flag(received))
                    if not received:
                        self.substance_offer(p, sid, d)
            if r.random() < 0.035 * max(1.0, years):
                d = lo + r.randrange(max(1, stop - lo))
                if p.age(d) >= 10:
                    self.add("ssd_cla_convictions", clac_cla_conviction_id=self.nid("conviction"), clac_person_id=p.pid,
                             clac_cla_conviction_date=self.D(d),
                             clac_cla_conviction_offence=r.choice(("Theft", "Criminal damage", "Assault",
                                                                   "Possession of a controlled drug", "Robbery",
                                                                   "Possession of an offensive weapon")))
        # young mothers
        if p.sex == "F" and p.age(stop) >= 15 and r.random() < 0.03:
            bd = max(lo, p.birthday(15)) + r.randrange(max(1, stop - max(lo, p.birthday(15))))
            if bd < stop:
                baby = self.new_person(bd)
                baby.used = True
                p.is_mother = True
                self.add("ssd_mother", moth_table_id=self.nid("mother"), moth_person_id=p.pid,
                         moth_childs_person_id=baby.pid, moth_childs_dob=self.D(bd))
        if p.uasc:
            s1 = per.start
            s2 = s1 + r.randint(200, 700)
            self.add("ssd_immigration_status", immi_person_id=p.pid, immi_immigration_status_id=self.nid("immi"),
                     immi_immigration_status=codes.IMMIGRATION_STATUS_UASC,
                     immi_immigration_status_start_date=self.D(s1), immi_immigration_status_end_date=self.D(self.clip(s2)))
            if s2 <= self.as_at:
                self.add("ssd_immigration_status", immi_person_id=p.pid, immi_immigration_status_id=self.nid("immi"),
                         immi_immigration_status=r.choice(codes.IMMIGRATION_LATER),
                         immi_immigration_status_start_date=self.D(s2), immi_immigration_status_end_date=None)
        # permanence
        perm = getattr(p, "_perm", None)
        if perm is not None or per.end_reason in codes.REC_SGO + ("E41",):
            kw = dict(perm_table_id=self.nid("perm"), perm_person_id=p.pid, perm_cla_id=per.cla_id)
            adm = perm[1] - r.randint(30, 120) if perm is not None else None
            if adm is not None and adm > self.as_at:
                perm = None         # the agency decision maker has not decided yet: nothing to record
            if perm is not None:
                kind, po, matched, placed = perm
                kw.update(perm_adm_decision_date=self.D(adm), perm_placement_order_date=self.D(self.clip(po)),
                          perm_matched_date=self.D(self.clip(matched)), perm_placed_for_adoption_date=self.D(self.clip(placed)),
                          perm_adopted_by_carer_flag=self.flag(self.adopted_by_carer(per, r.random() < 0.15)),
                          perm_part_of_sibling_group=self.flag(r.random() < 0.3),
                          perm_siblings_placed_together=r.randint(0, 2), perm_siblings_placed_apart=r.randint(0, 1),
                          perm_placement_provider_urn=f"SC{r.randrange(10**5, 10**6)}",
                          perm_adoption_worker_id=self.worker("adopt")[0])
                if kind == "reversed":
                    rev = self.clip(po + r.randint(120, 300))
                    kw.update(perm_decision_reversed_date=self.D(rev),
                              perm_decision_reversed_reason=r.choice(("RD1", "RD2", "RD3", "RD4")) if rev else None)
                elif self.clip(per.end):
                    kw.update(perm_permanence_order_date=self.D(per.end), perm_permanence_order_type="Adoption",
                              **self.adopters(r.choice(codes.ADOPTER_SEX), r.choice(codes.ADOPTER_LS),
                                              r.choice(("1", "2", "2"))))
            elif self.clip(per.end):
                kw.update(perm_permanence_order_date=self.D(per.end),
                          perm_permanence_order_type="Special Guardianship Order" if per.end_reason != "E41"
                          else "Child Arrangements Order")
            else:
                kw = None
            if kw:
                self.add("ssd_permanence", **kw)
        self.care_leaver(per)

    def adopted_by_carer(self, per: Period, drawn: bool) -> bool:
        """Adopted by the current foster carer(s) (SSDA903 AD1 FOSTER_CARE) as the last placement says where it is an
        adoption placement (A3/A5: with the current foster carer; A4/A6: not; validator rule 335), else as drawn."""
        last = per.placements[-1][1] if per.placements else None
        return last in ("A3", "A5") if last in codes.ADOPTION_PLACEMENTS else drawn

    def adopters(self, sex: str, _drawn_ls: str, _drawn_number: str) -> dict:
        """The adopters' sex, legal status and number, consistent with each other as DfE's AD1 rules want (511-524):
        a single adopter (M1, F1) is one adopter, L0; a male/female couple L11 or L3; a same-sex couple L12, L2 or L4.
        The sex is the one drawn from the main stream; the legal status and number drawn there too are not used (the
        draws stay, so every later row of the seed is as it was) and the status comes from the returns' stream."""
        if sex in ("M1", "F1"):
            return dict(perm_adopter_sex=sex, perm_adopter_legal_status="L0", perm_number_of_adopters="1")
        status = self.rr.choice(("L11", "L3") if sex == "MF" else ("L12", "L2", "L4"))
        return dict(perm_adopter_sex=sex, perm_adopter_legal_status=status, perm_number_of_adopters="2")

    def substance_offer(self, p: Person, sid: str, d: int) -> None:
        """An intervention offered for a substance misuse problem the child did not receive one for
        (ssd_cla_substance_misuse_offers, SSDA903 OC2 INTERVENTION_OFFERED): most are offered within three weeks."""
        rr = self.rr
        if rr.random() < SUBSTANCE_OFFERED:
            offered = d + rr.randint(0, 21)
            if offered <= self.as_at:
                self.add("ssd_cla_substance_misuse_offers", clso_offer_id=self.nid("substanceoffer"),
                         clso_person_id=p.pid, clso_substance_misuse_id=sid, clso_offer_date=self.D(offered))

    def development_checks(self, per: Period) -> None:
        """Health surveillance checks (the Healthy Child Programme's development reviews at 6-8 weeks, 9-12 months
        and 2-2.5 years) of a child in care at the time, as ssd_cla_health rows of type 'Health Surveillance Check'
        (SSDA903 OC2 HEALTH_CHECK, under-5s). Ids: a range of their own (the unit's base + 8,000,000 + n)."""
        rr = self.rr
        p = per.person
        stop = min(per.end, self.as_at)
        for lo, hi in DEVELOPMENT_REVIEW_DAYS:
            if rr.random() >= DEVELOPMENT_CHECK_DONE:
                continue
            d = self.cal.on_or_after(p.dob + rr.randint(lo, hi))
            if per.start <= d <= stop and d >= self.window_start:
                self._dev_checks += 1
                self.add("ssd_cla_health", clah_health_check_id=str(self.base + 8_000_000 + self._dev_checks),
                         clah_person_id=p.pid, clah_health_check_type=codes.HEALTH_CHECK_TYPES["SURVEILLANCE"],
                         clah_health_check_date=self.D(d), clah_health_check_status="Completed")

    def care_leaver(self, per: Period) -> None:
        """Eligible (16-17 in care 13+ weeks since 14), relevant and former relevant (18-21) care leavers."""
        r = self.r
        p = per.person
        b16, b18, b21 = p.birthday(16), p.birthday(18), p.birthday(21)
        # DfE's 13 weeks in care since the 14th birthday add up over every period of care but short breaks
        if per.ctype != "short_break":
            p.days_in_care_since_14 += max(0, min(per.end, self.as_at) - max(per.start, p.birthday(14)))
        in_care_since_14 = p.days_in_care_since_14
        # kept to 22 and a half: a 21st birthday in the last collection year still needs its OC3 record
        if in_care_since_14 < 91 or self.as_at < b16 or self.as_at >= b21 + 548 or per.end < b16:
            return
        # a child remanded to the authority is looked after, and a care leaver as any other (LASPO Act 2012, s.104)
        if per.end_reason in codes.REC_ADOPTED + ("E2",) or per.ctype == "short_break":
            return
        if per.end > self.as_at:
            elig = "Eligible"
        elif per.end >= b18:
            elig = "Former relevant"
        else:
            elig = "Relevant"
        latest = min(max(per.start, self.as_at - r.randint(1, 120)), b21)   # contact ends at 21
        in_touch = r.choice(("YES",) * 9 + ("NO", "REFU")) if elig != "Eligible" else "YES"
        acc = r.choice(codes.CARE_LEAVER_ACCOM)
        if acc == "Z" and self.as_at < p.birthday(19):
            acc = "D"       # staying put with former foster carers begins at 18, after the 17th-birthday OC3 (3001)
        pa_first = r.choice(FEMALE_LIST + MALE_LIST)
        wid, tid = self.worker("leaving")
        row = self.add("ssd_care_leavers", clea_table_id=self.nid("leaver"), clea_person_id=p.pid,
                       clea_care_leaver_eligibility=elig, clea_care_leaver_in_touch=in_touch,
                       clea_care_leaver_latest_contact=self.D(latest), clea_care_leaver_accommodation=acc,
                       # no fixed abode and custody are never recorded as suitable (rule 133 accepts S2 and X2 only)
                       clea_care_leaver_accom_suitable="1" if r.random() < 0.88 and acc not in ("S", "X") else "2",
                       clea_care_leaver_activity=r.choice(codes.CARE_LEAVER_ACTIVITY),
                       clea_pathway_plan_review_date=self.D(max(per.start, self.as_at - r.randint(1, 200))),
                       clea_care_leaver_personal_advisor=f"{pa_first} {r.choice(SURNAMES)}",
                       clea_care_leaver_allocated_team=tid, clea_care_leaver_worker_id=wid)
        rows = self.rows["ssd_care_leavers"]
        prev = getattr(p, "_leaver_row", None)
        if prev is None:
            p._leaver_row = len(rows) - 1
        else:                   # a child back in care: one row, from the latest period of care
            rows.pop()
            rows[prev] = row

    # ---- the rest of the front door ---------------------------------------------------------------------
    def other_contacts(self) -> None:
        """Contacts that do not become referrals (about 16,000 a year per council), some leading to early help."""
        r = self.r
        known = [p for p in self.persons if p.used]
        n_per_year = (CONTACTS_PER_YEAR - REFERRALS_PER_YEAR) * 1.04 * self.f   # ~4% are skipped below
        dates = self.poisson_dates(self.window_start, self.as_at, n_per_year)
        recent: list[Person] = []
        for d in dates:
            u = r.random()
            if u < 0.12 and known:
                p = known[r.randrange(len(known))]
                if p.dob > d or p.age(d) >= 18:
                    continue
            elif u < 0.30 and recent:
                p = recent[r.randrange(len(recent))]
                if p.age(d) >= 18:
                    continue
            else:
                lo, hi = CH_REFERRAL_AGE(r)
                p = self.new_person(d - (self.age_days(lo, hi) if lo > 0 else r.randint(0, 364)))
                recent.append(p)
                if len(recent) > 4000:
                    recent = recent[-3000:]
            outcome = CH_CONTACT_OUTCOME(r)
            self.contact(p, d, outcome, CH_REF_SOURCE(r))
            if outcome == "EH Referral":
                s = d + r.randint(1, 15)
                if s > self.as_at:
                    continue
                e = s + self.lognorm_days(150, 0.5, 20, 600)
                wid, tid = self.worker("eh")
                self.add("ssd_early_help_episodes", earl_episode_id=self.nid("earlyhelp"), earl_person_id=p.pid,
                         earl_episode_start_date=self.D(s), earl_episode_end_date=self.D(self.clip(e)),
                         earl_episode_reason=r.choice(("Family support", "Parenting", "School attendance",
                                                       "Emotional wellbeing", "Domestic abuse", "Housing")),
                         earl_episode_end_reason=(r.choice(("Outcomes achieved", "Family disengaged", "Moved away",
                                                            "Stepped up to social care")) if self.clip(e) else None),
                         earl_episode_organisation=r.choice(("Family Hub North", "Family Hub South", "School", "Health")),
                         earl_episode_worker_id=wid)

    def emit_persons(self) -> None:
        r = self.r
        D = self.D
        upns: set[str] = set()
        for p in self.persons:
            if not p.used:
                continue
            p.nhs = self.nhs_pool.cla() if p.cla else self.nhs_pool.other()
            age_now = p.age(self.as_at)
            school_age = p.age(self.window_start) >= 4 or age_now >= 5
            if school_age and not p.uasc and (p.cin or r.random() < 0.3):
                adm_year = dt.date.fromordinal(p.birthday(4)).year
                p.upn = new_upn(r, self.la_code, adm_year)
                while p.upn in upns:   # one pupil, one UPN (CIN rule 1520): the next serial number, no draw
                    p.upn = next_upn(p.upn)
                upns.add(p.upn)
            upn_unknown = None
            if p.cla and p.upn is None:
                upn_unknown = "UN2" if p.uasc else ("UN1" if not school_age else r.choice(("UN3", "UN5")))
            elif p.upn is None:   # every child without a UPN says why (CIN census rule 8770Q); no draw, same stream
                upn_unknown = "UN2" if p.uasc else ("UN1" if not school_age else "UN5")
            legacy_id = f"LL{int(p.pid) % 10**7:07d}" if r.random() < 0.3 else None
            person_row = len(self.rows["ssd_person"])
            self.add("ssd_person", pers_person_id=p.pid, pers_forename=p.first, pers_surname=p.last, pers_sex=p.sex,
                     pers_gender="1" if p.sex == "M" else "2", pers_ethnicity=p.ethnicity, pers_dob=D(p.dob),
                     pers_common_child_id=p.nhs, pers_legacy_id=legacy_id, pers_upn_unknown=upn_unknown,
                     pers_send_flag=self.flag(r.random() < 0.12) if p.cin else None, pers_expected_dob=None,
                     pers_death_date=D(self.clip(p.death)),
                     pers_is_mother=self.flag(p.is_mother) if (p.cla and p.sex == "F" and age_now >= 12) else None,
                     pers_nationality=p.nationality if p.uasc else ("British" if r.random() < 0.7 else None))
            # address history
            first_known = max(p.dob, self.window_start - r.randint(0, 2000))
            if p.prev_postcode:
                move = first_known + r.randrange(max(1, self.as_at - first_known))
                p.move_date = move
                self.address(p, p.prev_postcode, first_known, move)
                self.address(p, p.postcode, move, None)
            else:
                self.address(p, p.postcode, first_known, None)
            if p.cin or p.cla:
                if r.random() < 0.75:
                    self.add("ssd_linked_identifiers", link_table_id=self.nid("link"), link_person_id=p.pid,
                             link_identifier_type="NHS Number", link_identifier_value=p.nhs,
                             link_valid_from_date=D(max(p.dob, self.window_start - 400)), link_valid_to_date=None)
                # a looked-after child's UPN is always known (the virtual school has it; DfE rule 442)
                if p.upn and (r.random() < 0.85 or p.cla):
                    self.add("ssd_linked_identifiers", link_table_id=self.nid("link"), link_person_id=p.pid,
                             link_identifier_type="Unique Pupil Number", link_identifier_value=p.upn,
                             link_valid_from_date=D(p.birthday(4)), link_valid_to_date=None)
                elif p.upn:
                    # the UPN is not recorded in the SSD: the record says it is not known (UN5), as the CIN census
                    # asks of a child of school age without one (rule 8770Q)
                    row = self.rows["ssd_person"][person_row]
                    col = COL_INDEX["ssd_person"]["pers_upn_unknown"]
                    self.rows["ssd_person"][person_row] = row[:col] + ("UN5",) + row[col + 1:]
                if r.random() < 0.09:
                    codes_ = sorted({r.choice(codes.DISABILITY) for _ in range(r.randint(1, 2))})
                    for c in codes_:
                        self.add("ssd_disability", disa_person_id=p.pid, disa_table_id=self.nid("disability"),
                                 disa_disability_code=c)

    def address(self, p: Person, pc: str, start: int, end: int | None) -> None:
        r = self.r
        addr = (f'{{"ROOM": "", "FLOOR": "", "NAME": "", "NUMBER": "{r.randint(1, 220)}", '
                f'"STREET": "{r.choice(STREETS)}", "TOWN": "London", "POSTCODE": "{pc}"}}')
        self.add("ssd_address", addr_table_id=self.nid("address"), addr_address_json=addr,
                 addr_person_id=p.pid, addr_address_type="Primary Address", addr_address_start_date=self.D(start),
                 addr_address_end_date=self.D(self.clip(end)), addr_address_postcode=pc)


_CONTACT_JSON = {o: json.dumps({"OUTCOME": o, "OUTCOME_CIN_REFERRAL_FLAG": "Y" if o == "CIN Referral" else "N",
                                 "OUTCOME_EH_REFERRAL_FLAG": "Y" if o == "EH Referral" else "N"})
                 for o in codes.CONTACT_OUTCOMES}
_START_COL = {"ssd_cin_assessments": "cina_assessment_start_date", "ssd_s47_enquiry": "s47e_s47_start_date",
              "ssd_initial_cp_conference": "icpc_icpc_date", "ssd_cp_plans": "cppl_cp_plan_start_date",
              "ssd_cin_plans": "cinp_cin_plan_start_date"}
_DATE_COLS = {t: [c.name for c in cols if c.ssd_type.lower() == "datetime"] for t, cols in ssd_tables().items()}
# within_episode(): what may not start on or after an episode's closure, and the dates that end by it
_STARTS_BY_CLOSE = ("ssd_initial_cp_conference", "ssd_cp_plans", "ssd_cin_plans")
_ID_COL = {"ssd_cin_assessments": "cina_assessment_id", "ssd_s47_enquiry": "s47e_s47_enquiry_id",
           "ssd_initial_cp_conference": "icpc_icpc_id", "ssd_cp_plans": "cppl_cp_plan_id",
           "ssd_cin_plans": "cinp_cin_plan_id"}
_ENDS_BY_CLOSE = {"ssd_cin_assessments": ("cina_assessment_start_date", "cina_assessment_auth_date"),
                  "ssd_cp_plans": ("cppl_cp_plan_end_date",), "ssd_cin_plans": ("cinp_cin_plan_end_date",)}
_GOLDEN = (5 ** 0.5 - 1) / 2
# the factors an assessment that went on to more than closing the case is given in place of 21 (weighted as drawn)
_FACTORS_NOT_21 = [f for f, w in codes.ASSESSMENT_FACTOR_WEIGHTS.items() if f != "21" for _ in range(w)]


def _year_end(d: int) -> int:
    """The census year end (31 March) on or after the date."""
    day = dt.date.fromordinal(d)
    return dt.date(day.year if (day.month, day.day) <= (3, 31) else day.year + 1, 3, 31).toordinal()


_ENTRY_CUM = list(accumulate((b[2] - REENTRY_SHARE * m) / (1 - REENTRY_SHARE)
                              for b, m in zip(ENTRY_AGE_BANDS, REENTRY_AGE_MIX)))
_ENTRY_CUM[-1] = 1.0 + 1e-9
_CLOSE_FOR_REC = {"E11": "RC1", "E12": "RC1", "E2": "RC2", "E41": "RC3", "E45": "RC4", "E46": "RC4", "E47": "RC4",
                  "E48": "RC4", "E3": "RC5", "E7": "RC6"}
