"""Untidiness and rule-breaking rows injected into one unit's SSD rows; every change is logged as a defect.

A defect is ``(defect_type, location, row_key, column, detail)`` with the vocabulary of docs/architecture.md.
Rates are in ``SSD_RATES`` and ``RULE_BREAK_RATE`` (each kind at least once per unit, so a tiny council still
carries every kind).
"""
from __future__ import annotations

import datetime as dt

from . import codes
from .council import COL_INDEX, CouncilUnit
from .identity import PLACEHOLDER_NHS, FastRandom, mistype_nhs
from .ssda903_defects import collection_year_bounds

SSD_RATES = {"nhs_missing": 0.10, "nhs_mistyped": 0.02, "nhs_placeholder": 0.01}
RULE_BREAK_RATE = 0.002   # per kind, of the rows of the tables it touches

Defect = tuple  # (defect_type, location, row_key, column, detail)


def _ord(text: str) -> int:
    return dt.date.fromisoformat(text[:10]).toordinal()


def _set(row: tuple, idx: int, value) -> tuple:
    return row[:idx] + (value,) + row[idx + 1:]


def inject_ssd(unit: CouncilUnit) -> list[Defect]:
    r = FastRandom(unit.r.random())
    rows = unit.rows
    D = unit.cal.dts
    out: list[Defect] = []
    # --- NHS numbers on ssd_person
    ci = COL_INDEX["ssd_person"]["pers_common_child_id"]
    people = rows["ssd_person"]
    for i, row in enumerate(people):
        u = r.random()
        if u >= 0.13:
            continue
        pid = row[0]
        if u < 0.10:
            people[i] = _set(row, ci, None)
            out.append(("nhs_missing", "ssd_person", pid, "pers_common_child_id", "NHS number not recorded"))
        elif u < 0.12:
            people[i] = _set(row, ci, mistype_nhs(row[ci], r))
            out.append(("nhs_mistyped", "ssd_person", pid, "pers_common_child_id", "one digit changed"))
        else:
            people[i] = _set(row, ci, PLACEHOLDER_NHS[r.randrange(2)])
            out.append(("nhs_placeholder", "ssd_person", pid, "pers_common_child_id", "all-same-digit placeholder"))

    used: set[tuple[str, int]] = set()
    # A quarantined episode, placement or legal status leaves a gap in the child's SSDA903 episodes: those defects
    # go to children not looked after in the collection year the demo's return is built for, whose return holds only
    # the deliberate SSDA903 defects (ssda903_defects.py).
    cs, ce = collection_year_bounds(unit.as_at)
    in_return = {per.person.pid for per in unit.periods if per.start <= ce and per.end >= cs}
    # Likewise a quarantined CIN episode, assessment, plan or review would leave its episode in the year's CIN census
    # without it (an enquiry with no assessment, CIN rule 2991Q; RC8 with none, 8825Q; ...): those defects go to
    # children with no episode open in that year, whose census holds no defect (test_ssda903_demo_clean).
    C = COL_INDEX["ssd_cin_episodes"]
    in_census = {row[C["cine_person_id"]] for row in rows["ssd_cin_episodes"]
                 if _ord(row[C["cine_referral_date"]]) <= ce
                 and (row[C["cine_close_date"]] is None or _ord(row[C["cine_close_date"]]) >= cs)}
    away_from = {t: (next(i for c, i in COL_INDEX[t].items() if c.endswith("_person_id")), kept)
                 for tables, kept in ((("ssd_cla_episodes", "ssd_cla_placement", "ssd_legal_status"), in_return),
                                      (("ssd_cin_episodes", "ssd_cin_assessments", "ssd_cp_plans", "ssd_cp_reviews"),
                                       in_census))
                 for t in tables}

    def pick(table: str, rate: float, ok=lambda row: True) -> list[int]:
        tab = rows[table]
        away, kept = away_from.get(table, (None, ()))
        cand = [i for i, row in enumerate(tab) if (table, i) not in used and ok(row)
                and (away is None or row[away] not in kept)]
        n = min(len(cand), max(1, round(rate * len(tab)))) if tab else 0
        chosen = sorted(r.sample(cand, n)) if n else []
        used.update((table, i) for i in chosen)
        return chosen

    # --- overlapping episodes: move an episode's start back inside the previous episode of the same period
    ep = rows["ssd_cla_episodes"]
    E = COL_INDEX["ssd_cla_episodes"]
    by_period: dict[str, list[int]] = {}
    for i, row in enumerate(ep):
        by_period.setdefault(row[E["clae_cla_id"]], []).append(i)
    followers: dict[str, int] = {}
    for idxs in by_period.values():
        for a, b in zip(idxs, idxs[1:]):
            gap = _ord(ep[b][E["clae_cla_episode_start_date"]]) - _ord(ep[a][E["clae_cla_episode_start_date"]])
            if gap >= 2:
                followers[ep[b][0]] = a
    moved: set[int] = set()
    for i in pick("ssd_cla_episodes", RULE_BREAK_RATE, ok=lambda row: row[0] in followers):
        prev_i = followers[ep[i][0]]
        if prev_i in moved:
            continue
        moved.add(i)
        prev = ep[prev_i]
        s_prev, s_cur = _ord(prev[E["clae_cla_episode_start_date"]]), _ord(ep[i][E["clae_cla_episode_start_date"]])
        new = s_prev + max(1, (s_cur - s_prev) // 2)
        ep[i] = _set(ep[i], E["clae_cla_episode_start_date"], D(new))
        used.add(("ssd_cla_episodes", prev_i))
        out.append(("overlapping_cla_episodes", "ssd_cla_episodes", ep[i][0], "clae_cla_episode_start_date",
                    f"starts {s_cur - new} days before the previous episode {prev[0]} ceased"))
    # --- end before start
    for table, s_col, e_col in (("ssd_cla_episodes", "clae_cla_episode_start_date", "clae_cla_episode_ceased_date"),
                                ("ssd_cla_placement", "clap_cla_placement_start_date", "clap_cla_placement_end_date"),
                                ("ssd_cp_plans", "cppl_cp_plan_start_date", "cppl_cp_plan_end_date")):
        C = COL_INDEX[table]
        tab = rows[table]
        for i in pick(table, RULE_BREAK_RATE, ok=lambda row: row[C[e_col]] is not None):
            k = r.randint(1, 40)
            tab[i] = _set(tab[i], C[e_col], D(_ord(tab[i][C[s_col]]) - k))
            out.append(("end_before_start", table, tab[i][0], e_col, f"end {k} days before start"))
    # --- codes outside the lists
    for (table, col), bad in codes.INVALID_CODES.items():
        C = COL_INDEX[table]
        tab = rows[table]
        for i in pick(table, RULE_BREAK_RATE, ok=lambda row: row[C[col]] is not None):
            old = tab[i][C[col]]
            tab[i] = _set(tab[i], C[col], bad)
            out.append(("code_not_in_list", table, tab[i][0], col, f"{bad} (was {old})"))
    # --- CP plan not starting at its ICPC
    C = COL_INDEX["ssd_cp_plans"]
    tab = rows["ssd_cp_plans"]

    def plan_ok(row):
        return row[C["cppl_cp_plan_end_date"]] is None or (
            _ord(row[C["cppl_cp_plan_end_date"]]) - _ord(row[C["cppl_cp_plan_start_date"]]) > 15)
    for i in pick("ssd_cp_plans", RULE_BREAK_RATE, ok=plan_ok):
        k = r.randint(1, 10)
        tab[i] = _set(tab[i], C["cppl_cp_plan_start_date"], D(_ord(tab[i][C["cppl_cp_plan_start_date"]]) + k))
        out.append(("cp_plan_start_not_icpc", "ssd_cp_plans", tab[i][0], "cppl_cp_plan_start_date",
                    f"plan starts {k} days after its ICPC"))
    # --- review before care
    starts = {per.cla_id: per.start for per in unit.periods}
    C = COL_INDEX["ssd_cla_reviews"]
    tab = rows["ssd_cla_reviews"]
    for i in pick("ssd_cla_reviews", RULE_BREAK_RATE, ok=lambda row: row[C["clar_cla_id"]] in starts):
        k = r.randint(1, 30)
        tab[i] = _set(tab[i], C["clar_cla_review_date"], D(starts[tab[i][C["clar_cla_id"]]] - k))
        out.append(("review_before_care", "ssd_cla_reviews", tab[i][0], "clar_cla_review_date",
                    f"review {k} days before the period of care started"))
    # --- duplicate keys (a second row with the same key and an edited value)
    for table, col in (("ssd_contacts", "cont_contact_source_code"), ("ssd_cin_assessments", "cina_assessment_child_seen"),
                       ("ssd_cla_visits", "clav_cla_visit_seen_alone")):
        C = COL_INDEX[table]
        tab = rows[table]
        for i in pick(table, RULE_BREAK_RATE / 3):
            row = tab[i]
            val = row[C[col]]
            new = ("10" if val != "10" else "9") if table == "ssd_contacts" else ("N" if val in ("Y", "1", "true") else "Y")
            tab.append(_set(row, C[col], new))
            used.add((table, len(tab) - 1))
            out.append(("duplicate_key", table, row[0], col, "key appears twice with different values"))
    # --- orphan foreign keys
    orphan = unit.base + 9_000_000
    for table, col in (("ssd_contacts", "cont_person_id"), ("ssd_cin_assessments", "cina_referral_id"),
                       ("ssd_cp_reviews", "cppr_cp_plan_id"), ("ssd_cp_core_groups", "cpcg_cp_plan_id"),
                       ("ssd_cla_pep", "clpe_person_id")):
        C = COL_INDEX[table]
        tab = rows[table]
        for i in pick(table, RULE_BREAK_RATE / 3):
            orphan += 1
            tab[i] = _set(tab[i], C[col], str(orphan))
            out.append(("orphan_foreign_key", table, tab[i][0], col, f"{col} {orphan} does not exist"))
    return out
