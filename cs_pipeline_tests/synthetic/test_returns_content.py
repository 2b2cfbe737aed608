"""The generator's SSDA903 OC2 content beyond the SSD: interventions offered for substance misuse
(ssd_cla_substance_misuse_offers) and health surveillance checks of under-5s (ssd_cla_health). Both come from a
random stream of their own: without them every other row of the seed is the same (but the adopters' legal status,
drawn from that stream too)."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from cs_pipeline.synthetic import council as council_mod
from cs_pipeline.synthetic.generator import generate

AS_AT = dt.date(2026, 4, 30)
SURVEILLANCE = "Health Surveillance Check"


def _tables(path) -> dict[str, pd.DataFrame]:
    eng = sa.create_engine(f"sqlite:///{path / 'ssd.sqlite'}")
    with eng.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        return {n: pd.read_sql(sa.text(f"select * from {n}"), conn) for n in names}


@pytest.fixture(scope="module")
def councils(tmp_path_factory, monkeypatch_module):
    with_content = tmp_path_factory.mktemp("returns_content")
    generate(with_content, scale=0.3, seed=7, as_at=AS_AT)
    monkeypatch_module.setattr(council_mod.CouncilUnit, "substance_offer", lambda self, p, sid, d: None)
    monkeypatch_module.setattr(council_mod.CouncilUnit, "development_checks", lambda self, per: None)
    without = tmp_path_factory.mktemp("returns_content_without")
    generate(without, scale=0.3, seed=7, as_at=AS_AT)
    return _tables(with_content), _tables(without)


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_every_other_row_is_unchanged(councils):
    new, old = councils
    for name, frame in old.items():
        if name == "ssd_cla_health":
            frame_new = new[name][new[name]["clah_health_check_type"] != SURVEILLANCE]
        elif name == "ssd_cla_substance_misuse_offers":
            assert frame.empty
            continue
        elif name == "ssd_permanence":  # the adopters' legal status comes from the same stream as the content left out
            frame_new, frame = new[name].drop(columns="perm_adopter_legal_status"), frame.drop(
                columns="perm_adopter_legal_status")
        else:
            frame_new = new[name]
        pd.testing.assert_frame_equal(frame_new.reset_index(drop=True), frame.reset_index(drop=True), obj=name)


def test_offers_follow_a_problem_without_an_intervention(councils):
    new, _ = councils
    offers = new["ssd_cla_substance_misuse_offers"]
    misuse = new["ssd_cla_substance_misuse"].set_index("clas_substance_misuse_id")
    assert len(offers) > 0 and offers["clso_offer_id"].is_unique
    for _, o in offers.iterrows():
        m = misuse.loc[o["clso_substance_misuse_id"]]
        assert m["clas_person_id"] == o["clso_person_id"]
        assert m["clas_intervention_received"] in ("N", "0", "false")
        days = (pd.Timestamp(o["clso_offer_date"]) - pd.Timestamp(m["clas_substance_misuse_date"])).days
        assert 0 <= days <= 21 and pd.Timestamp(o["clso_offer_date"]).date() <= AS_AT


def test_surveillance_checks_of_young_children_in_care(councils):
    new, _ = councils
    health = new["ssd_cla_health"]
    checks = health[health["clah_health_check_type"] == SURVEILLANCE]
    assert len(checks) > 20 and health["clah_health_check_id"].is_unique
    dob = new["ssd_person"].set_index("pers_person_id")["pers_dob"].map(pd.Timestamp)
    age_days = [(pd.Timestamp(r.clah_health_check_date) - dob[r.clah_person_id]).days for r in checks.itertuples()]
    assert min(age_days) >= 42 and max(age_days) <= 905  # 6 weeks to 2.5 years (+ the next working day)
    assert set(checks["clah_health_check_status"]) == {"Completed"}


def test_adopters_are_consistent(councils):
    """DfE's AD1 rules 511-524: one adopter is M1/F1 with L0; a couple MF is L11/L3, MM/FF L12/L2/L4."""
    new, _ = councils
    perm = new["ssd_permanence"].dropna(subset=["perm_adopter_sex"])
    assert len(perm) > 0
    for r in perm.itertuples():
        if r.perm_adopter_sex in ("M1", "F1"):
            assert (r.perm_number_of_adopters, r.perm_adopter_legal_status) == ("1", "L0")
        elif r.perm_adopter_sex == "MF":
            assert r.perm_number_of_adopters == "2" and r.perm_adopter_legal_status in ("L11", "L3")
        else:
            assert r.perm_number_of_adopters == "2" and r.perm_adopter_legal_status in ("L12", "L2", "L4")
