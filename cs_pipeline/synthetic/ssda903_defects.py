"""Deliberate SSDA903 defects: SSD rows that pass the pipeline's own source validation but break a DfE rule.

The SSD defects (``defects.py``) are caught upstream and quarantined; these are not. Each one is a plausible
recording gap in a child's record for the collection year the demo's return is built for (the latest year ended on
or before the as-at date), and each is written to ``ground_truth/ssda903_defects.csv`` as
``(person_id, rule_code, description)`` with the DfE rule that must report it: the return built from the synthetic
council raises exactly these flags and no others (``cs_pipeline_tests/returns/test_ssda903_demo_clean.py``).

Children are picked from those looked after in the year whose rows no SSD defect touched, one kind per child, a few
children per kind (``PER_KIND``), from a random stream of the unit's own (``CouncilUnit.r903``), so the rest of a
seed's rows are as they were.
"""
from __future__ import annotations

import datetime as dt

from . import codes
from .council import COL_INDEX, CouncilUnit, Period

PER_KIND = 2

# (kind, DfE rule codes it breaks, description)
KINDS = {
    "review_no_participation": (("167",), "a review held in the year has no participation code"),
    "placement_no_urn": (("218",), "a foster placement open in the year has no Ofsted URN"),
    "placement_change_no_reason": (("225",), "a placement that ended with a move in the year has no reason for the change"),
    "ethnicity_not_recorded": (("103",), "the child's ethnicity is not recorded"),
    "missing_no_type": (("565",), "an episode of being missing in the year does not say whether missing or away"),
    "missing_ended_no_type": (("565", "566"), "an ended episode of being missing in the year does not say whether "
                                              "missing or away"),
    "placement_no_postcode": (("392b",), "a placement open in the year has no postcode"),
}


def collection_year_bounds(as_at: int) -> tuple[int, int]:
    """The latest collection year (1 April to 31 March) ended on or before the as-at date, as ordinals."""
    d = dt.date.fromordinal(as_at)
    end_year = d.year if d >= dt.date(d.year, 3, 31) else d.year - 1
    return dt.date(end_year - 1, 4, 1).toordinal(), dt.date(end_year, 3, 31).toordinal()


def _ord(text) -> int | None:
    return None if text is None else dt.date.fromisoformat(str(text)[:10]).toordinal()


def _set(row: tuple, idx: int, value) -> tuple:
    return row[:idx] + (value,) + row[idx + 1:]


def _touched_people(unit: CouncilUnit, ssd_defects: list) -> set[str]:
    """People whose SSD rows an injected SSD defect changed (their return is left to the SSD defect)."""
    by_cla = {per.cla_id: per.person.pid for per in unit.periods}
    keys: dict[str, set] = {}
    for d in ssd_defects:
        keys.setdefault(d[1], set()).add(str(d[2]))
    out: set[str] = set()
    for table, wanted in keys.items():
        if table not in unit.rows:
            continue
        cols = COL_INDEX[table]
        person = next((i for c, i in cols.items() if c.endswith("_person_id")), None)
        cla = next((i for c, i in cols.items() if c.endswith("_cla_id")), None)
        for row in unit.rows[table]:
            if str(row[0]) not in wanted:
                continue
            if table == "ssd_person":
                out.add(row[0])
            elif person is not None and row[person] is not None:
                out.add(row[person])
            elif cla is not None and row[cla] in by_cla:
                out.add(by_cla[row[cla]])
    return out


def inject_903(unit: CouncilUnit, ssd_defects: list) -> list[tuple[str, str, str]]:
    """Seed the SSDA903 defects into ``unit.rows``; returns ``(person_id, rule_code, description)`` rows."""
    r = unit.r903
    rows = unit.rows
    cs, ce = collection_year_bounds(unit.as_at)
    touched = _touched_people(unit, ssd_defects)
    # children looked after in the year (not short breaks), every period of theirs known
    periods: dict[str, list[Period]] = {}
    for per in unit.periods:
        periods.setdefault(per.person.pid, []).append(per)
    in_year = sorted(pid for pid, pers in periods.items()
                     if pid not in touched and not any(p.start > unit.as_at for p in pers)
                     and any(p.ctype != "short_break" and p.start <= ce and p.end >= cs for p in pers)
                     and all(p.ctype != "short_break" for p in pers))
    r.shuffle(in_year)
    chosen: set[str] = set()
    out: list[tuple[str, str, str]] = []

    def index(table: str, key: str) -> dict[str, list[int]]:
        col = COL_INDEX[table][key]
        found: dict[str, list[int]] = {}
        for i, row in enumerate(rows[table]):
            found.setdefault(row[col], []).append(i)
        return found

    P = COL_INDEX["ssd_cla_placement"]
    placements_by_cla = index("ssd_cla_placement", "clap_cla_id")

    def temporary_in(cla_id: str) -> bool:
        return any(rows["ssd_cla_placement"][i][P["clap_cla_placement_type"]] in ("T0", "T1", "T2", "T3", "T4")
                   for i in placements_by_cla.get(cla_id, ()))

    def person_placements(pid: str):
        for per in periods[pid]:
            for i in placements_by_cla.get(per.cla_id, ()):
                yield per, i

    def open_in_year(row) -> bool:
        start, end = _ord(row[P["clap_cla_placement_start_date"]]), _ord(row[P["clap_cla_placement_end_date"]])
        return start <= ce and (end is None or end >= cs)

    # --- what each kind needs of a child: the rows to change, or None when the child has none
    R = COL_INDEX["ssd_cla_reviews"]
    reviews_by_cla = index("ssd_cla_reviews", "clar_cla_id")

    def review_no_participation(pid):
        for per in periods[pid]:
            for i in reviews_by_cla.get(per.cla_id, ()):
                row = rows["ssd_cla_reviews"][i]
                held = _ord(row[R["clar_cla_review_date"]])
                if (cs <= held <= ce and per.start <= held < per.end
                        and row[R["clar_cla_review_cancelled"]] in ("N", "0", "false")):
                    return [("ssd_cla_reviews", i, R["clar_cla_review_participation"], None)]
        return None

    def placement_no_urn(pid):
        for per, i in person_placements(pid):
            row = rows["ssd_cla_placement"][i]
            if (row[P["clap_cla_placement_type"]] in codes.FOSTER and row[P["clap_cla_placement_urn"]]
                    and open_in_year(row) and not temporary_in(per.cla_id)):
                return [("ssd_cla_placement", i, P["clap_cla_placement_urn"], None)]
        return None

    def placement_change_no_reason(pid):
        for per, i in person_placements(pid):
            row = rows["ssd_cla_placement"][i]
            end = _ord(row[P["clap_cla_placement_end_date"]])
            if (row[P["clap_cla_placement_change_reason"]] and end is not None and cs <= end <= ce
                    and end < per.end and not temporary_in(per.cla_id)):
                return [("ssd_cla_placement", i, P["clap_cla_placement_change_reason"], None)]
        return None

    people = index("ssd_person", "pers_person_id")
    E = COL_INDEX["ssd_person"]["pers_ethnicity"]

    def ethnicity_not_recorded(pid):
        return [("ssd_person", i, E, None) for i in people.get(pid, ())] or None

    M = COL_INDEX["ssd_missing"]
    missing_by_person = index("ssd_missing", "miss_person_id")

    def missing(pid, ended: bool):
        spans = [(per.start, per.end) for per in periods[pid]]
        for i in missing_by_person.get(pid, ()):
            row = rows["ssd_missing"][i]
            start, end = _ord(row[M["miss_missing_episode_start_date"]]), _ord(row[M["miss_missing_episode_end_date"]])
            if not (cs <= start <= ce and any(s <= start < e for s, e in spans)):
                continue
            if ended == (end is not None and end <= ce):
                # every missing row of the child that day has the same type, so the return's one row has none
                same_day = [j for j in missing_by_person[pid]
                            if rows["ssd_missing"][j][M["miss_missing_episode_start_date"]]
                            == row[M["miss_missing_episode_start_date"]]]
                return [("ssd_missing", j, M["miss_missing_episode_type"], None) for j in same_day]
        return None

    def placement_no_postcode(pid):
        if periods[pid][0].person.uasc:
            return None      # rule 392b leaves UASC children out
        for per, i in person_placements(pid):
            row = rows["ssd_cla_placement"][i]
            if (row[P["clap_cla_placement_postcode"]] and open_in_year(row) and not temporary_in(per.cla_id)
                    and row[P["clap_cla_placement_type"]] not in ("T0", "T1", "T2", "T3", "T4")):
                return [("ssd_cla_placement", i, P["clap_cla_placement_postcode"], None)]
        return None

    finders = {
        "review_no_participation": review_no_participation,
        "placement_no_urn": placement_no_urn,
        "placement_change_no_reason": placement_change_no_reason,
        "ethnicity_not_recorded": ethnicity_not_recorded,
        "missing_no_type": lambda pid: missing(pid, ended=False),
        "missing_ended_no_type": lambda pid: missing(pid, ended=True),
        "placement_no_postcode": placement_no_postcode,
    }
    for kind, find in finders.items():
        rule_codes, description = KINDS[kind]
        n = 0
        for pid in in_year:
            if n >= PER_KIND:
                break
            if pid in chosen:
                continue
            changes = find(pid)
            if not changes:
                continue
            chosen.add(pid)
            n += 1
            for table, i, col, value in changes:
                rows[table][i] = _set(rows[table][i], col, value)
            out.extend((pid, code, description) for code in rule_codes)
    return out
