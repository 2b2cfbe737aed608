"""A hand-built council for linkage tests: 13 SSD children and 17 health records with the defects linkage meets.

Raw tables are written exactly as extraction writes them (architecture.md): SSD columns and health contract
columns as TEXT plus load metadata. NHS numbers are all from the 999 test range (or all one digit).
``EXPECTED`` gives, for each health record, the person it must resolve to (None: a child unknown to the council).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd
import pytest

from cs_pipeline.lib.health_files import HEALTH_KINDS
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline_tests.conftest import fresh_postgres_database

# Valid 999-range test numbers (Modulus 11 checked by hand for the first: see test_nhs_number.py).
N1, N2, N6, N8, N9, N10, N11 = (
    "9990079196",
    "9990237573",
    "9990554331",
    "9990712719",
    "9990791902",
    "9990871094",
    "9990950288",
)
N6_MISTYPED = "9990554381"  # one digit changed: fails Modulus 11
N8_MISTYPED = "9990712759"

# pers_person_id, forename, surname, sex, dob, pers_common_child_id, current postcode
PERSONS = [
    ("P01", "Oliver", "Smith", "M", "2015-03-12", N1, "E1 6AN"),
    ("P02", "Amelia", "Khan", "F", "2016-07-01", "", "E2 7QB"),  # NHS number only in linked identifiers
    ("P03", "William", "Jones", "M", "2014-11-20", "", "E3 4PL"),
    ("P04", "Katherine", "O'Brien", "F", "2013-02-05", "", "E14 9TS"),
    ("P05", "Joshua", "Taylor-Brown", "M", "2017-09-09", "", "E1W 3SS"),
    ("P06", "Zoë", "Müller", "F", "2012-01-15", N6, "E5 8HN"),
    ("P07", "Mohammed", "Ahmed", "M", "2018-04-04", "", "E15 1AA"),
    ("P08", "Grace", "Evans", "F", "2011-06-30", "0000000000", "E9 5LN"),  # placeholder
    ("P09", "Jack", "Wilson", "M", "2015-08-08", "", "E2 0RY"),  # twins
    ("P10", "Harry", "Wilson", "M", "2015-08-08", "", "E2 0RY"),
    ("P11", "Ruby", "Walker", "F", "2010-10-10", N11, "E1 1AB"),  # no health records
    ("P12", "Ethan", "Robinson", "M", "2016-12-01", "", "E16 2QT"),  # moved from E3 2AB
    ("P13", "Lily", "Patel", "F", "2014-04-14", N8_MISTYPED, "E10 5NP"),  # SSD NHS number mistyped
]
LINKED_IDENTIFIERS = [("P02", "NHS Number", N2), ("P01", "Unique Pupil Number", "A211200012345")]
PREVIOUS_ADDRESSES = [("P12", "E3 2AB", "2019-01-01", "2023-05-31")]
OPEN_CLA = ["P01", "P03", "P07", "P09", "P11"]

# kind, record_id, nhs_number, given, family, dob, sex, postcode, la_child_id, expected person
HEALTH = [
    ("lac_health_assessments", "LAC-1", N1, "Oliver", "Smith", "2015-03-12", "M", "E1 6AN", "", "P01"),
    ("immunisations", "IMM-1", "999 007 9196", "Ollie", "SMITH", "2015-03-12", "Male", "e16an", "", "P01"),
    ("dental_checks", "DEN-1", N2, "Amelia", "Khan", "2016-07-01", "F", "E2 7QB", "", "P02"),
    # the same identity written differently: the same health patient node as DEN-1
    ("dental_checks", "DEN-5", "999 023 7573", "AMELIA", "khan", "2016-07-01", "female", "e27qb", "", "P02"),
    ("lac_health_assessments", "LAC-2", "", "Bill", "Jones", "2014-11-20", "M", "E3 4PL", "", "P03"),
    ("immunisations", "IMM-2", "", "Katherine", "OBrien", "2013-05-02", "F", "E14 9TS", "", "P04"),
    ("dental_checks", "DEN-2", "", "Josh", "Taylor Brown", "2017-09-10", "M", "E1W 3SS", "", "P05"),
    ("lac_health_assessments", "LAC-3", N6_MISTYPED, "Zoe", "Muller", "2012-01-15", "F", "E5 8HN", "", "P06"),
    ("lac_health_assessments", "LAC-4", "", "Muhammad", "Ahmed", "2018-04-04", "M", "E15 1AA", "P07", "P07"),
    ("immunisations", "IMM-3", N10, "Grace", "Evans", "2011-06-30", "F", "E9 5LN", "", "P08"),
    ("lac_health_assessments", "LAC-5", "", "Jack", "Wilson", "2015-08-08", "M", "E2 0RY", "", "P09"),
    ("immunisations", "IMM-4", "", "Hary", "Wilson", "2015-08-08", "M", "E2 0RY", "", "P10"),
    ("dental_checks", "DEN-3", N9, "Ethan", "Brown", "2014-01-01", "M", "E8 1AA", "", None),
    ("immunisations", "IMM-5", "", "William", "Jones", "2009-03-03", "M", "N17 6AA", "", None),
    ("lac_health_assessments", "LAC-6", "", "Ethan", "Robinsn", "2016-12-01", "M", "E3 2AB", "", "P12"),
    ("dental_checks", "DEN-4", N8, "Lily", "Patel", "2014-04-14", "F", "E10 5NP", "", "P13"),
    # delivered twice: the later file corrects the identity
    ("lac_health_assessments", "LAC-9", "", "Nobody", "Known", "2001-01-01", "U", "", "", "P03"),
]
LATER_DELIVERY = ("lac_health_assessments", "LAC-9", "", "William", "Jones", "2014-11-20", "M", "E3 4PL", "", "P03")
QUARANTINED = ("immunisations", "IMM-Q", N1, "Oliver", "Smith", "2015-03-12", "M", "E1 6AN", "", None)

EXPECTED = {(r[0], r[1]): r[9] for r in HEALTH}

# What must never reach logs or metadata.
SENSITIVE = sorted(
    {n for n in (N1, N2, N6, N8, N9, N10, N11, N6_MISTYPED, N8_MISTYPED)}
    | {p[1] for p in PERSONS if len(p[1]) >= 4}
    | {p[2] for p in PERSONS if len(p[2]) >= 4}
    | {h[3] for h in HEALTH if len(h[3]) >= 4}
    | {d for dob in {p[4] for p in PERSONS} | {h[5] for h in HEALTH} for d in (dob, "/".join(reversed(dob.split("-"))))}
)

# The health contract columns, as the extraction library defines them.
HEALTH_COLUMNS = {name: list(kind.columns) for name, kind in HEALTH_KINDS.items()}
HEALTH_LOAD_TYPES = {
    "_row_key": "TEXT",
    "_file": "TEXT",
    "_file_date": "DATE",
    "_row_number": "INTEGER",
    "_extracted_at": "TEXT",
    "_load_id": "TEXT",
}


def _ssd_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, dtype=object)
    frame["_row_key"] = [str(i + 1) for i in range(len(frame))]
    frame["_source"] = "sqlite:///fixture"
    frame["_extracted_at"] = "2026-09-30T06:00:00"
    frame["_load_id"] = "fixture"
    return frame


def _health_row(kind: str, rec: tuple, file: str, row_number: int) -> dict:
    _, record_id, nhs, given, family, dob, sex, postcode, la_child_id, *_ = rec
    row = {c: None for c in HEALTH_COLUMNS[kind]}
    row.update(
        record_id=record_id, nhs_number=nhs or None, given_name=given, family_name=family, date_of_birth=dob,
        sex=sex, postcode=postcode or None,
    )
    if kind == "lac_health_assessments":
        row.update(la_child_id=la_child_id or None, assessment_type="IHA", status="COMPLETED")
    row.update(
        _row_key=f"{file}#{row_number}", _file=file, _file_date=f"{file[-12:-8]}-{file[-8:-6]}-{file[-6:-4]}",
        _row_number=row_number, _extracted_at="2026-09-30T06:00:00", _load_id="fixture",
    )
    return row


def write_fixture(wh: Warehouse) -> None:
    """The hand-built council's raw (and quarantine) tables, replacing any already there."""
    persons = _ssd_frame(
        [
            {"pers_person_id": p[0], "pers_forename": p[1], "pers_surname": p[2], "pers_sex": p[3],
             "pers_dob": f"{p[4]} 00:00:00", "pers_common_child_id": p[5] or None, "pers_gender": None}
            for p in PERSONS
        ]
    )
    wh.write_frame(persons, "raw", "ssd_person")
    linked = _ssd_frame(
        [
            {"link_table_id": f"L{i}", "link_person_id": pid, "link_identifier_type": kind,
             "link_identifier_value": value, "link_valid_from_date": "2020-01-01 00:00:00", "link_valid_to_date": None}
            for i, (pid, kind, value) in enumerate(LINKED_IDENTIFIERS)
        ]
    )
    wh.write_frame(linked, "raw", "ssd_linked_identifiers")
    addresses = [
        {"addr_table_id": f"A{p[0]}", "addr_person_id": p[0], "addr_address_json": None, "addr_address_type": "home",
         "addr_address_start_date": "2023-06-01 00:00:00", "addr_address_end_date": None,
         "addr_address_postcode": p[6]}
        for p in PERSONS
    ] + [
        {"addr_table_id": f"A{pid}-old", "addr_person_id": pid, "addr_address_json": f'{{"postcode": "{pc}"}}',
         "addr_address_type": "home", "addr_address_start_date": f"{start} 00:00:00",
         "addr_address_end_date": f"{end} 00:00:00", "addr_address_postcode": None}
        for pid, pc, start, end in PREVIOUS_ADDRESSES
    ]
    wh.write_frame(_ssd_frame(addresses), "raw", "ssd_address")
    episodes = _ssd_frame(
        [
            {"clae_cla_episode_id": f"E{pid}", "clae_person_id": pid,
             "clae_cla_episode_start_date": "2025-01-01 00:00:00", "clae_cla_episode_ceased_date": None}
            for pid in OPEN_CLA
        ]
    )
    wh.write_frame(episodes, "raw", "ssd_cla_episodes")

    first, second = "lac_health_assessments_20260801.csv", "lac_health_assessments_20260901.csv"
    for kind, columns in HEALTH_COLUMNS.items():
        file = f"{kind}_20260801.csv"
        rows = [_health_row(kind, r, file, i + 1) for i, r in enumerate(x for x in HEALTH if x[0] == kind)]
        if kind == QUARANTINED[0]:
            rows.append(_health_row(kind, QUARANTINED, file, len(rows) + 1))
        if kind == LATER_DELIVERY[0]:
            assert file == first
            rows.append(_health_row(kind, LATER_DELIVERY, second, 1))
        frame = pd.DataFrame(rows, columns=columns + list(HEALTH_LOAD_TYPES), dtype=object)
        types = {c: "TEXT" for c in columns} | HEALTH_LOAD_TYPES
        wh.replace_table("raw", f"health_{kind}", [frame], types)
        q = pd.DataFrame(
            [
                {"_row_key": r["_row_key"], "rule_id": "date_parseable", "message": "fixture", "run_id": "fixture",
                 "quarantined_at": "2026-09-30T06:00:00"}
                for r in rows
                if r["record_id"] == QUARANTINED[1]
            ],
            columns=["_row_key", "rule_id", "message", "run_id", "quarantined_at"],
            dtype=object,
        )
        wh.replace_table("quarantine", f"health_{kind}", [q], {c: "TEXT" for c in q.columns})


@dataclass
class FixtureWarehouse:
    url: str
    wh: Warehouse


@pytest.fixture
def duckdb_warehouse(tmp_path) -> FixtureWarehouse:
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    wh = Warehouse(url)
    write_fixture(wh)
    return FixtureWarehouse(url, wh)


@pytest.fixture
def postgres_warehouse() -> FixtureWarehouse:
    """A fresh ``cs_linkage_test`` database on the real server (fails, never skips, when it is down)."""
    url = fresh_postgres_database(os.environ.get("CS_LINKAGE_TEST_DB", "cs_linkage_test"))
    wh = Warehouse(url)
    write_fixture(wh)
    yield FixtureWarehouse(url, wh)
    wh.engine.dispose()


def resolved(wh: Warehouse) -> dict[tuple[str, str], str | None]:
    frame = wh.query_frame("SELECT file_kind, record_id, person_id FROM linkage.health_record_link")
    return {
        (r.file_kind, r.record_id): (r.person_id if isinstance(r.person_id, str) else None) for r in frame.itertuples()
    }
