"""Shape of what the generator writes: the 35 SSD tables and the extension tables, the health deliveries, and the
ground truth."""
from __future__ import annotations

import datetime as dt
import io
import json
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from cs_pipeline.lib.ssd_schema import extension_tables, key_column, ssd_tables
from cs_pipeline.synthetic.health import COLUMNS, EXTRA_COLUMN
from cs_pipeline.synthetic.identity import nhs_valid, upn_valid
from cs_pipeline.synthetic.workdays import WorkCalendar

VOCABULARY = {"nhs_missing", "nhs_mistyped", "nhs_placeholder", "name_typo", "nickname", "dob_slip",
              "postcode_changed", "health_unknown_child", "health_file_duplicate", "dmy_dates_file", "bom_file",
              "cp1252_file", "invalid_date", "code_not_in_list", "end_before_start", "overlapping_cla_episodes",
              "cp_plan_start_not_icpc", "review_before_care", "duplicate_key", "orphan_foreign_key"}
FLAG_SPELLINGS = {"Y", "N", "1", "0", "true", "false"}


def _engine(out: Path):
    return sa.create_engine(f"sqlite:///{out / 'ssd.sqlite'}")


def _manifest(out: Path) -> dict:
    return json.loads((out / "ground_truth" / "manifest.json").read_text(encoding="utf-8"))


def _defects(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "ground_truth" / "defects.csv", dtype=str, keep_default_na=False)


def _read_health(path: Path, encoding: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(path.read_bytes().decode(encoding)), dtype=str, keep_default_na=False)


def test_35_ssd_and_the_extension_tables_with_exact_columns(tiny_council):
    insp = sa.inspect(_engine(tiny_council))
    expected = ssd_tables()
    assert extension_tables() == {"ssd_cp_core_groups", "ssd_cla_pep", "ssd_cla_dolo",
                                  "ssd_cla_substance_misuse_offers"}
    assert len(expected) == 35 + len(extension_tables()) and extension_tables() <= set(expected)
    assert set(insp.get_table_names()) == set(expected)
    for table, cols in expected.items():
        assert [c["name"] for c in insp.get_columns(table)] == [c.name for c in cols], table


def test_every_table_has_rows_at_scale_1(council_scale1):
    m = _manifest(council_scale1)
    empty = [t for t in ssd_tables() if m["counts"][t] == 0]
    assert not empty
    with _engine(council_scale1).connect() as conn:
        for t in ("ssd_person", "ssd_cla_episodes", "ssd_contacts"):
            assert conn.execute(sa.text(f"select count(*) from {t}")).scalar() == m["counts"][t]


def test_datetimes_read_back_as_datetimes(tiny_council):
    md = sa.MetaData()
    t = sa.Table("ssd_cla_episodes", md, autoload_with=_engine(tiny_council))
    with _engine(tiny_council).connect() as conn:
        row = conn.execute(sa.select(t).limit(1)).mappings().one()
    assert isinstance(row["clae_cla_episode_start_date"], dt.datetime)


def test_health_files_have_exactly_the_contract_columns(council_scale1):
    m = _manifest(council_scale1)
    folder = council_scale1 / "health"
    names = sorted(p.name for p in folder.glob("*.csv"))
    assert len(names) == 3 * 12 + 1
    extra = []
    for p in m["health_files"]:
        df = _read_health(folder / p["file"], "cp1252" if p["encoding"] == "cp1252" else "utf-8-sig")
        contract = COLUMNS[p["kind"]]
        cols = list(df.columns)
        if cols != contract and set(cols) == set(contract):
            assert p["columns_shuffled"]
        assert set(cols) - set(contract) <= {EXTRA_COLUMN}
        assert set(contract) <= set(cols), p["file"]
        if EXTRA_COLUMN in cols:
            extra.append(p["file"])
    assert len({f for f in extra if "duplicate" not in f}) == 1
    assert any(p["columns_shuffled"] for p in m["health_files"])


def test_health_delivery_untidiness(council_scale1):
    m = _manifest(council_scale1)
    folder = council_scale1 / "health"
    props = m["health_files"]
    cp = [p for p in props if p["encoding"] == "cp1252"]
    assert len(cp) == 1
    raw = (folder / cp[0]["file"]).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert any(ord(c) > 127 for c in raw.decode("cp1252"))      # Zoë, Siân, ... : the encoding matters
    boms = [p for p in props if p["encoding"] == "utf-8-sig"]
    assert boms and all((folder / p["file"]).read_bytes().startswith(b"\xef\xbb\xbf") for p in boms)
    plain = [p for p in props if p["encoding"] == "utf-8"]
    assert plain and not any((folder / p["file"]).read_bytes().startswith(b"\xef\xbb\xbf") for p in plain)
    dmy = [p for p in props if p["date_format"] == "DD/MM/YYYY" and p["rows"]]
    assert dmy
    for p in dmy[:3]:
        df = _read_health(folder / p["file"], "cp1252" if p["encoding"] == "cp1252" else "utf-8-sig")
        col = {"lac_health_assessments": "appointment_date", "immunisations": "status_date",
               "dental_checks": "check_date"}[p["kind"]]
        assert df[col].str.match(r"^\d{2}/\d{2}/\d{4}$").all()
    dups = [p for p in props if p.get("duplicate_of")]
    assert len(dups) == 1
    assert (folder / dups[0]["file"]).read_bytes() == (folder / dups[0]["duplicate_of"]).read_bytes()
    assert dups[0]["file"] != dups[0]["duplicate_of"]


def test_later_deliveries_repeat_records_with_updates(council_scale1):
    m = _manifest(council_scale1)
    folder = council_scale1 / "health"
    seen = defaultdict(list)
    for p in sorted(m["health_files"], key=lambda p: p["file"]):
        if p["kind"] != "lac_health_assessments" or p.get("duplicate_of"):
            continue
        df = _read_health(folder / p["file"], "cp1252" if p["encoding"] == "cp1252" else "utf-8-sig")
        for rid, status in zip(df["record_id"], df["status"]):
            seen[rid].append(status)
    updated = [s for s in seen.values() if len(s) > 1]
    assert len(updated) > 50
    assert sum(1 for s in updated if s[0] == "BOOKED" and s[-1] == "COMPLETED") > 20


def test_health_truth_covers_every_record(council_scale1):
    m = _manifest(council_scale1)
    truth = pd.read_csv(council_scale1 / "ground_truth" / "health_record_truth.csv", dtype=str, keep_default_na=False)
    assert list(truth.columns) == ["file_kind", "record_id", "person_id"]
    assert truth["record_id"].is_unique
    ids = set()
    for p in m["health_files"]:
        df = _read_health(council_scale1 / "health" / p["file"],
                          "cp1252" if p["encoding"] == "cp1252" else "utf-8-sig")
        ids |= set(df["record_id"])
    assert ids == set(truth["record_id"])
    unknown = (truth["person_id"] == "").mean()
    assert 0.02 <= unknown <= 0.045
    with _engine(council_scale1).connect() as conn:
        persons = {r[0] for r in conn.execute(sa.text("select pers_person_id from ssd_person"))}
    assert set(truth.loc[truth["person_id"] != "", "person_id"]) <= persons


def test_defects_use_the_vocabulary_and_point_at_rows_that_exist(council_scale1):
    d = _defects(council_scale1)
    assert list(d.columns) == ["defect_id", "defect_type", "location", "row_key", "column", "detail"]
    assert d["defect_id"].is_unique
    assert set(d["defect_type"]) == VOCABULARY          # every kind is injected at scale 1
    folder = council_scale1 / "health"
    m = _manifest(council_scale1)
    enc = {p["file"]: ("cp1252" if p["encoding"] == "cp1252" else "utf-8-sig") for p in m["health_files"]}
    eng = _engine(council_scale1)
    tables = ssd_tables()
    for location, group in d.groupby("location"):
        if location in tables:
            key = key_column(location)
            with eng.connect() as conn:
                keys = {str(r[0]) for r in conn.execute(sa.text(f"select {key} from {location}"))}
            missing = set(group["row_key"]) - keys
            assert not missing, (location, list(missing)[:5])
            cols = {c.name for c in tables[location]}
            assert set(group["column"]) <= cols
        else:
            assert (folder / location).exists(), location
            rows = group[group["row_key"] != ""]
            if len(rows):
                ids = set(_read_health(folder / location, enc[location])["record_id"])
                assert set(rows["row_key"]) <= ids, location


def test_rule_breaking_rows_are_really_broken(council_scale1):
    d = _defects(council_scale1)
    eng = _engine(council_scale1)
    ebs = d[(d["defect_type"] == "end_before_start") & (d["location"] == "ssd_cp_plans")]
    plans = pd.read_sql("select * from ssd_cp_plans", eng, parse_dates=["cppl_cp_plan_start_date",
                                                                        "cppl_cp_plan_end_date"])
    bad = plans[plans["cppl_cp_plan_id"].isin(ebs["row_key"])]
    assert len(bad) and (bad["cppl_cp_plan_end_date"] < bad["cppl_cp_plan_start_date"]).all()
    ok = plans[~plans["cppl_cp_plan_id"].isin(ebs["row_key"]) & plans["cppl_cp_plan_end_date"].notna()]
    assert (ok["cppl_cp_plan_end_date"] >= ok["cppl_cp_plan_start_date"]).all()
    # CP plans start at their ICPC unless flagged
    icpc = pd.read_sql("select icpc_icpc_id, icpc_icpc_date from ssd_initial_cp_conference", eng)
    j = plans.merge(icpc, left_on="cppl_icpc_id", right_on="icpc_icpc_id")
    mismatch = set(j.loc[pd.to_datetime(j["icpc_icpc_date"]) != j["cppl_cp_plan_start_date"], "cppl_cp_plan_id"])
    flagged = set(d.loc[d["defect_type"] == "cp_plan_start_not_icpc", "row_key"])
    assert mismatch == flagged
    # duplicate keys appear twice
    dup = d[d["defect_type"] == "duplicate_key"]
    for table, group in dup.groupby("location"):
        key = key_column(table)
        counts = pd.read_sql(f"select {key} as k, count(*) as n from {table} group by {key} having count(*) > 1", eng)
        assert set(counts["k"].astype(str)) == set(group["row_key"])


def test_no_overlapping_episodes_except_injected(council_scale1):
    eng = _engine(council_scale1)
    d = _defects(council_scale1)
    injected = set(d.loc[d["defect_type"] == "overlapping_cla_episodes", "row_key"])
    broken = set(d.loc[(d["location"] == "ssd_cla_episodes") & (d["defect_type"] == "end_before_start"), "row_key"])
    assert injected
    ep = pd.read_sql("select clae_cla_episode_id, clae_person_id, clae_cla_episode_start_date, "
                     "clae_cla_episode_ceased_date from ssd_cla_episodes", eng,
                     parse_dates=["clae_cla_episode_start_date", "clae_cla_episode_ceased_date"])
    ep = ep[~ep["clae_cla_episode_id"].isin(broken)].sort_values(["clae_person_id", "clae_cla_episode_start_date"])
    found = set()
    for _, g in ep.groupby("clae_person_id"):
        rows = list(g.itertuples(index=False))
        for a, b in zip(rows, rows[1:]):
            end = a.clae_cla_episode_ceased_date
            if pd.isna(end) or end > b.clae_cla_episode_start_date:
                found.add(b.clae_cla_episode_id if b.clae_cla_episode_id in injected else a.clae_cla_episode_id)
    assert found == injected


def test_periods_of_care_are_coherent(council_scale1):
    eng = _engine(council_scale1)
    ep = pd.read_sql("select * from ssd_cla_episodes", eng)
    assert set(ep["clae_cla_episode_start_reason"]) <= {"S", "P", "T", "L", "U", "B"}
    first = ep.sort_values("clae_cla_episode_start_date").groupby("clae_cla_id").first()
    assert (first["clae_cla_episode_start_reason"] == "S").all()
    assert (first["clae_entered_care_date"] == first["clae_cla_episode_start_date"]).mean() > 0.99
    assert (ep.groupby("clae_cla_id")["clae_person_id"].nunique() == 1).all()
    place = pd.read_sql("select clap_cla_placement_id, clap_cla_id from ssd_cla_placement", eng)
    assert set(ep["clae_cla_placement_id"].dropna()) <= set(place["clap_cla_placement_id"])
    assert set(place["clap_cla_id"]) <= set(ep["clae_cla_id"])
    reasons = set(ep["clae_cla_episode_ceased_reason"].dropna())
    assert {"E11", "E4A", "X1", "E45", "E13"} <= reasons


def test_meetings_fall_on_working_days(council_scale1):
    eng = _engine(council_scale1)
    d = _defects(council_scale1)
    flagged = set(d["row_key"])
    cal = WorkCalendar(dt.date(2000, 1, 1), dt.date(2030, 12, 31))
    for table, key, col in (("ssd_cla_reviews", "clar_cla_review_id", "clar_cla_review_date"),
                            ("ssd_initial_cp_conference", "icpc_icpc_id", "icpc_icpc_date"),
                            ("ssd_cp_reviews", "cppr_cp_review_id", "cppr_cp_review_date"),
                            ("ssd_cla_visits", "clav_cla_visit_id", "clav_cla_visit_date"),
                            ("ssd_cp_visits", "cppv_cp_visit_id", "cppv_cp_visit_date"),
                            ("ssd_cp_core_groups", "cpcg_core_group_id", "cpcg_meeting_date"),
                            ("ssd_cla_pep", "clpe_pep_id", "clpe_pep_date")):
        df = pd.read_sql(f"select {key}, {col} from {table}", eng, parse_dates=[col])
        df = df[~df[key].isin(flagged)]
        assert len(df) > 100
        assert all(cal.working(x.date().toordinal()) for x in df[col]), table


def test_identifiers_are_valid_and_from_test_ranges(council_scale1):
    from cs_pipeline.lib import upn as lib_upn

    eng = _engine(council_scale1)
    d = _defects(council_scale1)
    person = pd.read_sql("select pers_person_id, pers_common_child_id from ssd_person", eng)
    flagged = set(d.loc[d["location"] == "ssd_person", "row_key"])
    clean = person[~person["pers_person_id"].isin(flagged)]
    assert clean["pers_common_child_id"].notna().all()
    assert all(n.startswith("999") and nhs_valid(n) for n in clean["pers_common_child_id"])
    assert clean["pers_common_child_id"].is_unique
    rates = d[d["location"] == "ssd_person"]["defect_type"].value_counts() / len(person)
    assert 0.08 < rates["nhs_missing"] < 0.12 and 0.01 < rates["nhs_mistyped"] < 0.03
    assert 0.005 < rates["nhs_placeholder"] < 0.02
    mistyped = person[person["pers_person_id"].isin(d.loc[d["defect_type"] == "nhs_mistyped", "row_key"])]
    assert not any(nhs_valid(n) for n in mistyped["pers_common_child_id"])
    links = pd.read_sql("select link_identifier_type, link_identifier_value from ssd_linked_identifiers", eng)
    nhs = links[links["link_identifier_type"] == "NHS Number"]["link_identifier_value"]
    upn = links[links["link_identifier_type"] == "Unique Pupil Number"]["link_identifier_value"]
    assert len(nhs) > 1000 and len(upn) > 1000
    assert all(n.startswith("999") and nhs_valid(n) for n in nhs)
    assert all(upn_valid(u) and lib_upn.is_valid_upn(u) for u in upn)


def test_flags_and_json_columns(council_scale1):
    eng = _engine(council_scale1)
    flags = [(t, c.name) for t, cols in ssd_tables().items() for c in cols
             if c.ssd_type.lower() == "nchar" and c.name not in ("clai_immunisations_status",)]
    values = []
    for t, c in flags:
        with eng.connect() as conn:
            values += [r[0] for r in conn.execute(sa.text(f"select {c} from {t} where {c} is not null"))]
    assert set(values) <= FLAG_SPELLINGS
    yn = sum(v in ("Y", "N") for v in values) / len(values)
    assert 0.9 < yn < 0.99                                   # the documented share of 1/0 and true/false
    for t, cols in ssd_tables().items():
        for c in cols:
            if c.name.endswith("_json"):
                with eng.connect() as conn:
                    for (v,) in conn.execute(sa.text(f"select {c.name} from {t} where {c.name} is not null limit 200")):
                        json.loads(v)


def test_case_management_health_dates_mostly_match_the_provider(council_scale1):
    from .rates import read_health

    m = _manifest(council_scale1)
    h = read_health(council_scale1 / "health", m, "lac_health_assessments")
    truth = pd.read_csv(council_scale1 / "ground_truth" / "health_record_truth.csv", dtype=str, keep_default_na=False)
    h = h.merge(truth, on="record_id")
    iha = h[(h["assessment_type"] == "IHA") & (h["status"] == "COMPLETED")]
    provider = set(zip(iha["person_id"], iha["assessment_date"].dt.date))
    cms = pd.read_sql("select clah_person_id, clah_health_check_date from ssd_cla_health "
                      "where clah_health_check_type = 'Initial Health Assessment'", _engine(council_scale1),
                      parse_dates=["clah_health_check_date"])
    same = sum((p, d.date()) in provider for p, d in zip(cms["clah_person_id"], cms["clah_health_check_date"]))
    assert 0.8 < same / len(cms) < 0.97
    assert h["la_child_id"].ne("").mean() == pytest.approx(0.3, abs=0.05)
