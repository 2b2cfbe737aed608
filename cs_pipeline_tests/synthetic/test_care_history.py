"""Re-entries to care and temporary placements (SSDA903 PLACE T0-T4) are coherent."""
from __future__ import annotations

import itertools

import pandas as pd
import sqlalchemy as sa


def _read(out, sql, dates=()):
    eng = sa.create_engine(f"sqlite:///{out / 'ssd.sqlite'}")
    try:
        return pd.read_sql(sql, eng, parse_dates=list(dates))
    finally:
        eng.dispose()


def _flagged(out) -> set:
    d = pd.read_csv(out / "ground_truth" / "defects.csv", dtype=str, keep_default_na=False)
    return set(d["row_key"])


def test_reentries_are_new_periods_after_the_previous_one(council_scale1):
    ep = _read(council_scale1, "select * from ssd_cla_episodes",
               ("clae_cla_episode_start_date", "clae_cla_episode_ceased_date", "clae_entered_care_date"))
    ep = ep[~ep["clae_cla_episode_id"].isin(_flagged(council_scale1))]
    periods = ep.groupby("clae_cla_id").agg(person=("clae_person_id", "first"),
                                            start=("clae_entered_care_date", "min"),
                                            first_rne=("clae_cla_episode_start_reason", "first"),
                                            end=("clae_cla_episode_ceased_date",
                                                 lambda s: pd.NaT if s.isna().any() else s.max()))
    periods = periods.sort_values(["person", "start"])
    again = 0
    for _, g in periods.groupby("person"):
        rows = list(g.itertuples())
        for a, b in itertools.pairwise(rows):
            assert pd.notna(a.end) and a.end < b.start, (a, b)       # never overlapping, a gap between
            again += 1
    assert again > 100


def test_temporary_placements_return_to_the_usual_carers(council_scale1):
    flagged = _flagged(council_scale1)
    pl = _read(council_scale1, "select * from ssd_cla_placement",
               ("clap_cla_placement_start_date", "clap_cla_placement_end_date"))
    ep = _read(council_scale1, "select clae_cla_placement_id, clae_cla_episode_start_reason, clae_cla_episode_start_date "
                               "from ssd_cla_episodes", ("clae_cla_episode_start_date",))
    ep = ep.sort_values("clae_cla_episode_start_date").drop_duplicates("clae_cla_placement_id")   # placement's first
    rne = dict(zip(ep["clae_cla_placement_id"], ep["clae_cla_episode_start_reason"]))
    temp = pl["clap_cla_placement_type"].str.match(r"^T[0-4]$")
    assert 0.01 < temp.mean() < 0.05
    assert set(pl.loc[temp, "clap_cla_placement_type"]) >= {"T1", "T2", "T3", "T4"}
    longest = {"T1": 42, "T3": 21, "T4": 7}
    checked = 0
    for _, g in pl.sort_values("clap_cla_placement_start_date").groupby("clap_cla_id"):
        rows = list(g.itertuples(index=False))
        for i, t in enumerate(rows):
            if not t.clap_cla_placement_type.startswith("T") or t.clap_cla_placement_id in flagged:
                continue
            assert 0 < i < len(rows) - 1 or pd.isna(t.clap_cla_placement_end_date)   # never first or last
            before = rows[i - 1]
            assert before.clap_cla_placement_change_reason is None and t.clap_cla_placement_change_reason is None
            assert rne[t.clap_cla_placement_id] in ("P", "B")
            if i + 1 == len(rows):
                continue                                          # still in the temporary placement at as-at
            back = rows[i + 1]
            if {before.clap_cla_placement_id, back.clap_cla_placement_id} & flagged:
                continue                                          # an injected defect changed one of them
            assert back.clap_cla_placement_type == before.clap_cla_placement_type
            assert back.clap_cla_placement_postcode == before.clap_cla_placement_postcode
            assert back.clap_cla_placement_urn == before.clap_cla_placement_urn
            # the same carers, but DfE counts the return as a new placement (RNE P; rule 383)
            assert rne[back.clap_cla_placement_id] in ("P", "B")
            days = (t.clap_cla_placement_end_date - t.clap_cla_placement_start_date).days
            assert days <= longest.get(t.clap_cla_placement_type, 42)
            checked += 1
    assert checked > 20
