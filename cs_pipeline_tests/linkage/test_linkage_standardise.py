"""Standardisation of person nodes: names, nicknames, postcodes, sex, dates, and the node tables themselves."""
from __future__ import annotations

import duckdb
import pytest

from cs_pipeline.linkage import standardise as st
from cs_pipeline.linkage.pipeline import new_connection
from cs_pipeline.linkage.sources import ALL_TABLES, _empty_table, load_raw
from cs_pipeline_tests.linkage.conftest import HEALTH, LATER_DELIVERY, N2, N8, N8_MISTYPED, QUARANTINED, write_fixture


def _eval(expr_sql: str, value):
    con = duckdb.connect()
    return con.execute(f"SELECT {expr_sql} FROM (SELECT CAST(? AS VARCHAR) AS v)", [value]).fetchall()[0][0]


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("Zoë", "zoe"),
        ("MÜLLER", "muller"),
        ("O'Brien", "obrien"),
        ("D\u2019Souza", "dsouza"),
        ("Taylor-Brown", "taylor brown"),
        ("  anne-MARIE  ", "anne marie"),
        ("Ní Bhriain", "ni bhriain"),
        ("Núñez", "nunez"),
        ("Smith  (nee Jones)", "smith nee jones"),
        ("", None),
        ("--", None),
        (None, None),
    ],
)
def test_clean_name(raw, clean):
    assert _eval(st.clean_name_sql("v"), raw) == clean


@pytest.mark.parametrize(
    "raw, key",
    [("Taylor-Brown", "taylorbrown"), ("Taylor Brown", "taylorbrown"), ("O'Brien", "obrien"), ("Da Silva", "dasilva")],
)
def test_surname_key_ignores_spacing_and_hyphens(raw, key):
    assert _eval(st.surname_key_sql(st.clean_name_sql("v")), raw) == key


def test_first_forename_token():
    assert _eval(st.first_token_sql(st.clean_name_sql("v")), "Mary-Jane Olivia") == "mary"


def _canons(con, name):
    row = con.execute("SELECT canons FROM nickname_canons WHERE name = ?", [name]).fetchall()
    return set(row[0][0]) if row else {name}


@pytest.fixture(scope="module")
def nickname_con():
    con = duckdb.connect()
    # build_nodes needs the src_* tables; empty ones are enough for the nickname tables
    for spec in ALL_TABLES:
        _empty_table(con, spec)
    st.build_nodes(con)
    return con


@pytest.mark.parametrize(
    "a, b",
    [("bill", "william"), ("bill", "will"), ("liz", "beth"), ("ollie", "oliver"), ("katie", "kate"), ("tom", "thomas"),
     ("sam", "samantha"), ("sam", "samuel"), ("liv", "olivia"), ("tilly", "matilda")],
)
def test_nicknames_meet_at_a_canonical_name(nickname_con, a, b):
    assert _canons(nickname_con, a) & _canons(nickname_con, b)


@pytest.mark.parametrize("a, b", [("jack", "harry"), ("samuel", "samantha"), ("oliver", "olivia"), ("william", "liam")])
def test_different_names_do_not_meet(nickname_con, a, b):
    assert not (_canons(nickname_con, a) & _canons(nickname_con, b))


def test_nickname_table_is_clean():
    rows = st.nickname_rows()
    assert len(rows) > 250
    assert len(set(rows)) == len(rows)
    assert all(n.isalpha() and c.isalpha() and n == n.lower() and c == c.lower() and n != c for n, c in rows)


@pytest.mark.parametrize(
    "raw, postcode, sector",
    [
        ("e16an", "E1 6AN", "E1 6"),
        ("E1W3SS", "E1W 3SS", "E1W 3"),
        (" sw1a 1aa ", "SW1A 1AA", "SW1A 1"),
        ("M14 5TP", "M14 5TP", "M14 5"),
        ("B1 1AA", "B1 1AA", "B1 1"),
        ("not a postcode", None, None),
        ("E1", None, None),
        ("", None, None),
    ],
)
def test_postcode_and_sector(raw, postcode, sector):
    assert _eval(st.postcode_sql("v"), raw) == postcode
    assert _eval(st.postcode_sector_sql(st.postcode_sql("v")), raw) == sector


@pytest.mark.parametrize(
    "raw, sex", [("M", "M"), ("Male", "M"), ("f", "F"), ("FEMALE", "F"), ("U", None), ("", None), (None, None)]
)
def test_sex(raw, sex):
    assert _eval(st.sex_sql("v"), raw) == sex


@pytest.mark.parametrize(
    "raw, iso",
    [
        ("2015-03-12", "2015-03-12"),
        ("2015-03-12 00:00:00", "2015-03-12"),
        ("2015-03-12T00:00:00", "2015-03-12"),
        ("31/02/2024", None),
        ("2024-02-31", None),
        ("", None),
    ],
)
def test_dates(raw, iso):
    got = _eval(st.date_sql("v"), raw)
    assert (got.isoformat() if got else None) == iso


def test_nodes_from_the_fixture(duckdb_warehouse):
    con = new_connection()
    report = load_raw(duckdb_warehouse.wh, con)
    assert {k: v for k, v in report.quarantined_excluded.items() if v} == {"health_immunisations": 1}
    counts = st.build_nodes(con)
    assert counts["person_nodes"] == 13
    # one record per (file_kind, record_id): the quarantined one is gone, the redelivered one counted once
    assert counts["health_records"] == len(HEALTH)
    assert not con.execute("SELECT count(*) FROM health_records WHERE record_id = ?", [QUARANTINED[1]]).fetchall()[0][0]

    # the later delivery wins
    later = con.execute(
        "SELECT n.forename, n.surname, n.dob FROM health_records r "
        "JOIN health_patient_nodes n ON n.unique_id = r.health_patient_key WHERE r.record_id = ?",
        [LATER_DELIVERY[1]],
    ).fetchall()[0]
    assert later[0] == "william" and later[1] == "jones" and later[2].isoformat() == LATER_DELIVERY[5]

    person = dict(
        zip(
            ["nhs_number", "nhs_number_raw", "postcode", "postcodes", "forename_canons"],
            con.execute(
                f"SELECT nhs_number, nhs_number_raw, postcode, postcodes, forename_canons FROM ({st.persons_sql()}) "
                "WHERE unique_id = 'P12'"
            ).fetchall()[0],
        )
    )
    assert person["nhs_number"] is None and person["postcode"] == "E16 2QT"
    assert person["postcodes"] == ["E16 2QT", "E3 2AB"]  # history, the old one from the address JSON
    # NHS number only in linked identifiers; placeholder -> NULL; mistyped -> NULL but raw digits kept
    rows = con.execute(
        "SELECT unique_id, nhs_number, nhs_number_raw FROM person_nodes WHERE unique_id IN ('P02', 'P08', 'P13')"
    ).fetchall()
    assert {r[0]: r[1:] for r in rows} == {"P02": (N2, N2), "P08": (None, None), "P13": (None, N8_MISTYPED)}
    # health node for the mistyped SSD child carries the valid number
    assert con.execute("SELECT count(*) FROM health_patient_nodes WHERE nhs_number = ?", [N8]).fetchall()[0][0] == 1


def test_health_patient_key_is_stable_and_shared(duckdb_warehouse, tmp_path):
    def keys():
        con = new_connection()
        load_raw(duckdb_warehouse.wh, con)
        st.build_nodes(con)
        return dict(
            ((k, r), h)
            for k, r, h in con.execute("SELECT file_kind, record_id, health_patient_key FROM health_records").fetchall()
        )

    first, second = keys(), keys()
    assert first == second
    assert all(k.startswith("hp_") and len(k) == 19 for k in first.values())
    # records with the same normalised identity share one node; different identities do not
    assert first[("dental_checks", "DEN-1")] == first[("dental_checks", "DEN-5")]
    assert len(set(first.values())) == len(first) - 1
    write_fixture(duckdb_warehouse.wh)  # rewriting the raw tables does not move the keys
    assert keys() == first
