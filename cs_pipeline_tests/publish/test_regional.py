"""The degraded regional copy: no original child id, date of birth or full postcode survives, in the warehouse
(DuckDB and the real PostgreSQL) or in the files; hashes are keyed and stable."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.publish.regional import (
    KEY_VARIABLE, SHARED_SCHEMA, degrade_frame, hash_child_id, month_of_birth, postcode_sector, shared_key_from_env,
    write_regional_copy,
)
from cs_pipeline_tests.conftest import fresh_postgres_database

KEY = b"a-test-key-of-32-characters-long"
IDS = ["C001", "C002", "C003"]
DOBS = [dt.date(2015, 5, 17), dt.date(2012, 11, 30), dt.date(2019, 2, 1)]
POSTCODES = ["E1 6AN", "sw1a1aa", "N1 9GU"]


def test_postcode_sector():
    assert [postcode_sector(p) for p in ("E1 6AN", "sw1a1aa", " M1 1AE ", "EC1A 1BB", "E1", "", None, "NOTAPOSTCODE")] \
        == ["E1 6", "SW1A 1", "M1 1", "EC1A 1", None, None, None, None]


def test_hash_is_keyed_stable_and_blank_stays_blank():
    assert hash_child_id("C001", KEY) == hash_child_id(" C001 ", KEY) != hash_child_id("C001", b"another-key-16chars")
    assert hash_child_id("C001", KEY) != hash_child_id("C002", KEY)
    assert hash_child_id(None, KEY) is None and hash_child_id("", KEY) is None
    assert month_of_birth(dt.date(2015, 5, 17)) == dt.date(2015, 5, 1) and month_of_birth(None) is None


def test_key_comes_from_the_environment():
    assert shared_key_from_env({KEY_VARIABLE: "x" * 16}) == b"x" * 16
    for env in ({}, {KEY_VARIABLE: "short"}):
        with pytest.raises(ValueError, match=KEY_VARIABLE):
            shared_key_from_env(env)


def test_columns_are_degraded_or_dropped_by_name():
    frame = pd.DataFrame({"person_id": IDS, "clae_person_id": IDS, "referral_id": ["R1", "R2", "R3"],
                          "team_id": ["T1"] * 3, "row_id": [0, 1, 2], "DOB": DOBS, "HOME_POST": POSTCODES,
                          "UPN": ["A123456789012"] * 3, "nhs_number": ["9990000018"] * 3, "outcome": ["on_time"] * 3})
    out = degrade_frame(frame, KEY)
    assert list(out.columns) == ["person_id", "clae_person_id", "referral_id", "team_id", "row_id", "DOB", "HOME_POST",
                                 "outcome"]
    assert list(out["person_id"]) == [hash_child_id(i, KEY) for i in IDS] == list(out["clae_person_id"])
    assert list(out["referral_id"]) == [hash_child_id(r, KEY) for r in ("R1", "R2", "R3")]
    assert list(out["team_id"]) == ["T1"] * 3 and list(out["row_id"]) == [0, 1, 2]
    assert list(out["DOB"]) == [dt.date(2015, 5, 1), dt.date(2012, 11, 1), dt.date(2019, 2, 1)]
    assert list(out["HOME_POST"]) == ["E1 6", "SW1A 1", "N1 9"]
    assert list(out["outcome"]) == ["on_time"] * 3


def test_annex_a_person_columns_are_hashed_or_dropped():
    frame = pd.DataFrame({"child_id": IDS, "allocated_worker": ["W1", "W2", "W1"], "allocated_team": ["T1"] * 3,
                          "allocated_personal_advisor": ["A. Adviser"] * 3, "family_identifier": ["F1"] * 3,
                          "date_of_birth": DOBS, "placement_postcode": POSTCODES})
    out = degrade_frame(frame, KEY)
    assert "allocated_personal_advisor" not in out.columns
    assert list(out["allocated_worker"]) == [hash_child_id(w, KEY) for w in ("W1", "W2", "W1")]
    assert list(out["family_identifier"]) == [hash_child_id("F1", KEY)] * 3 and list(out["allocated_team"]) == ["T1"] * 3
    assert list(out["placement_postcode"]) == ["E1 6", "SW1A 1", "N1 9"]
    assert list(out["date_of_birth"]) == [dt.date(2015, 5, 1), dt.date(2012, 11, 1), dt.date(2019, 2, 1)]


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def warehouse(request, tmp_path):
    url = (f"duckdb:///{tmp_path / 'w.duckdb'}" if request.param == "duckdb"
           else fresh_postgres_database("cs_regional_copy"))
    w = Warehouse(url)
    w.write_frame(pd.DataFrame({"person_id": IDS, "due_date": [dt.date(2026, 1, 5)] * 3, "outcome": ["late"] * 3}),
                  "marts", "iha_timeliness")
    w.write_frame(pd.DataFrame({"CHILD": IDS, "DOB": pd.to_datetime(DOBS), "HOME_POST": POSTCODES,
                                "UPN": ["A123456789012"] * 3}), "returns", "ssda903_episodes")
    return w


def test_nothing_identifying_survives(warehouse, tmp_path):
    written = write_regional_copy(warehouse, [("marts", "iha_timeliness"), ("returns", "ssda903_episodes")],
                                  tmp_path / "shared", KEY)
    assert written == {"marts__iha_timeliness": 3, "returns__ssda903_episodes": 3}
    cells = []
    for table in written:
        frame = warehouse.query_frame(f'select * from {SHARED_SCHEMA}."{table}"')
        cells += [str(v) for v in frame.to_numpy().ravel()]
        cells += (tmp_path / "shared" / f"{table}.csv").read_text(encoding="utf-8").replace("\n", ",").split(",")
    originals = IDS + [str(d) for d in DOBS if d.day != 1] + [d.strftime("%d/%m/%Y") for d in DOBS if d.day != 1] \
        + POSTCODES + ["SW1A1AA", "A123456789012"]
    assert not [c for c in cells if any(o.lower() in c.lower() for o in originals)]
    episodes = warehouse.query_frame(f'select * from {SHARED_SCHEMA}."returns__ssda903_episodes"')
    assert sorted(str(d)[:10] for d in episodes["DOB"]) == ["2012-11-01", "2015-05-01", "2019-02-01"]
    assert sorted(episodes["HOME_POST"]) == ["E1 6", "N1 9", "SW1A 1"]
    assert set(episodes["CHILD"]) == {hash_child_id(i, KEY) for i in IDS}


def test_same_inputs_same_files(warehouse, tmp_path):
    tables = [("returns", "ssda903_episodes")]
    write_regional_copy(warehouse, tables, tmp_path / "a", KEY)
    write_regional_copy(warehouse, tables, tmp_path / "b", KEY)
    name = "returns__ssda903_episodes.csv"
    assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


@pytest.mark.parametrize("key", [None, "k" * 20])
def test_the_asset_shares_only_when_a_key_is_set(tmp_path, monkeypatch, key):
    import dagster as dg

    from cs_pipeline.config import Settings
    from cs_pipeline.defs.publish.regional import regional_copy
    from cs_pipeline.defs.resources import PipelineSettings

    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    Warehouse(url).write_frame(pd.DataFrame({"person_id": IDS, "outcome": ["late"] * 3}), "marts", "iha_timeliness")
    if key:
        monkeypatch.setenv(KEY_VARIABLE, key)
    else:
        monkeypatch.delenv(KEY_VARIABLE, raising=False)
    settings = Settings.from_env({"CS_PIPELINE_WAREHOUSE_URL": url, "CS_PIPELINE_OUTPUT_DIR": str(tmp_path / "out"),
                                  "CS_PIPELINE_AS_AT": "2026-09-30"})
    result = dg.materialize([regional_copy], resources={"pipeline": PipelineSettings.from_settings(settings)})
    metadata = result.asset_materializations_for_node("publish__regional_copy")[0].metadata
    assert metadata["shared"].value is bool(key)
    assert (tmp_path / "out" / "returns_shared" / "marts__iha_timeliness.csv").exists() is bool(key)
    assert key is None or key not in str(metadata)
