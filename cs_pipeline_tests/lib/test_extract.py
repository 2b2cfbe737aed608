"""SSD extraction helpers: text conversion, the SELECT the source's dialect compiles, schema errors, atomic swap."""
import datetime as dt
import decimal
import uuid
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mssql, postgresql, sqlite

from cs_pipeline.lib.extract import (
    TABLE_LOG,
    SourceSchemaError,
    contract_metadata,
    datetime_text,
    extract_ssd_table,
    resolve_source,
    select_statement,
    value_to_text,
)
from cs_pipeline.lib.ssd_schema import ssd_tables
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline_tests.conftest import fresh_postgres_database


@pytest.mark.parametrize(
    "value,text",
    [
        (None, None),
        ("", ""),
        (" Y ", " Y "),  # strings unchanged
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (2.5, "2.5"),
        (float("nan"), None),
        (decimal.Decimal("12.50"), "12.50"),
        (dt.date(2024, 1, 5), "2024-01-05"),
        (dt.datetime(2024, 1, 5), "2024-01-05"),  # midnight: the date
        (dt.datetime(2024, 1, 5, 14, 30, 5, 123456), "2024-01-05 14:30:05"),
        (dt.datetime(2025, 6, 30, 23, 0, tzinfo=dt.timezone.utc), "2025-07-01"),  # midnight in London (BST)
        (dt.datetime(2025, 1, 31, 23, 30, tzinfo=ZoneInfo("UTC")), "2025-01-31 23:30:00"),  # GMT in winter
        (b"abc", "abc"),
        (b"\xff\x00", "ff00"),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
    ],
)
def test_value_to_text(value, text):
    assert value_to_text(value) == text


@pytest.mark.parametrize(
    "value,text",
    [
        ("2024-01-05", "2024-01-05"),
        ("2024-01-05 00:00:00.000000", "2024-01-05"),  # SQLite's DateTime text
        ("2024-01-05T10:15:00", "2024-01-05 10:15:00"),
        ("2024-01-05 10:15:00Z", "2024-01-05 10:15:00"),
        ("31/02/2024", "31/02/2024"),  # not ISO: kept for validation to reject
        ("2024-02-30 10:00:00.5", "2024-02-30 10:00:00"),  # ISO-shaped but impossible: still visibly impossible
        ("2024-02-30 00:00:00", "2024-02-30"),
        ("2024-01-05 10:15", "2024-01-05 10:15:00"),
        ("2024-02-30T10:00:00+01:00", "2024-02-30T10:00:00+01:00"),  # unparseable with an offset: kept
        ("unknown", "unknown"),
        (dt.datetime(2024, 1, 5, 9, 0), "2024-01-05 09:00:00"),
        (None, None),
    ],
)
def test_datetime_column_text(value, text):
    assert datetime_text(value) == text


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect(), mssql.dialect()])
def test_select_is_built_by_the_sources_dialect(dialect):
    stmt = select_statement("SSD_Person", {"pers_person_id": "PERS_PERSON_ID", "pers_sex": "pers_sex"})
    sql = str(stmt.compile(dialect=dialect))
    quote = "[" if dialect.name == "mssql" else '"'
    assert f"{quote}SSD_Person" in sql and f"{quote}PERS_PERSON_ID" in sql  # case-sensitive names quoted
    assert "AS pers_person_id" in sql and "ORDER BY" not in sql


@pytest.fixture
def source(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'cms.sqlite'}")
    contract_metadata(["ssd_disability", "ssd_person"]).create_all(engine)
    yield engine
    engine.dispose()


def test_missing_table_and_column_errors_name_them(source):
    columns = [c.name for c in ssd_tables()["ssd_person"]]
    with source.connect() as conn:
        with pytest.raises(SourceSchemaError, match="source table ssd_cla_episodes not found"):
            resolve_source(conn, "ssd_cla_episodes", ["clae_cla_episode_id"])
    with source.begin() as conn:
        conn.execute(sa.text("ALTER TABLE ssd_person DROP COLUMN pers_dob"))
        conn.execute(sa.text("ALTER TABLE ssd_person DROP COLUMN pers_sex"))
    with source.connect() as conn:
        with pytest.raises(SourceSchemaError, match="ssd_person is missing contract column\\(s\\): pers_sex, pers_dob"):
            resolve_source(conn, "ssd_person", columns)


def test_names_are_matched_case_insensitively(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'upper.sqlite'}")
    with engine.begin() as conn:
        conn.execute(sa.text(
            'CREATE TABLE "SSD_DISABILITY" ("DISA_PERSON_ID" TEXT, disa_table_id TEXT, "Disa_Disability_Code" TEXT)'
        ))
        conn.execute(sa.text("INSERT INTO \"SSD_DISABILITY\" VALUES ('P1', 'D1', 'NONE')"))
    wh = Warehouse(f"duckdb:///{tmp_path / 'wh.duckdb'}")
    result = extract_ssd_table(str(engine.url), wh, "ssd_disability", load_id="r1", engine=engine)
    assert result.rows == 1 and result.source_table == "SSD_DISABILITY"
    assert result.renamed_columns == {
        "disa_person_id": "DISA_PERSON_ID", "disa_disability_code": "Disa_Disability_Code",
    }
    frame = wh.query_frame("SELECT disa_person_id, disa_table_id, disa_disability_code FROM raw.ssd_disability")
    assert frame.values.tolist() == [["P1", "D1", "NONE"]]


@pytest.mark.parametrize("warehouse_kind", ["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_chunks_are_bounded_and_a_failure_mid_extract_keeps_the_previous_table(source, tmp_path, warehouse_kind):
    with source.begin() as conn:
        conn.execute(
            contract_metadata(["ssd_disability"]).tables["ssd_disability"].insert(),
            [{"disa_person_id": f"P{i}", "disa_table_id": f"D{i}", "disa_disability_code": "NONE"} for i in range(5)],
        )
    if warehouse_kind == "duckdb":
        wh = Warehouse(f"duckdb:///{tmp_path / 'wh.duckdb'}")
    else:
        wh = Warehouse(fresh_postgres_database("cs_extract_test_lib"))
    sizes = []
    result = extract_ssd_table(
        str(source.url), wh, "ssd_disability", load_id="run-1", chunk_rows=2, engine=source,
        chunk_hook=lambda c: sizes.append(len(c)) or c,
    )
    assert (result.rows, result.chunks, sizes) == (5, 3, [2, 2, 1])
    assert wh.query_frame("SELECT _row_key FROM raw.ssd_disability")["_row_key"].tolist() == ["1", "2", "3", "4", "5"]

    # the source changes, and the next extract dies after its first chunk was written to the side table
    with source.begin() as conn:
        conn.execute(sa.text("DELETE FROM ssd_disability"))
        conn.execute(
            contract_metadata(["ssd_disability"]).tables["ssd_disability"].insert(),
            [{"disa_person_id": f"Q{i}", "disa_table_id": f"E{i}"} for i in range(5)],
        )
    seen = []

    def fail_on_second(chunk: pd.DataFrame) -> pd.DataFrame:
        seen.append(chunk)
        if len(seen) == 2:
            raise ConnectionError("source went away")
        return chunk

    with pytest.raises(ConnectionError):
        extract_ssd_table(
            str(source.url), wh, "ssd_disability", load_id="run-2", chunk_rows=2, engine=source,
            chunk_hook=fail_on_second,
        )
    assert len(seen) == 2
    kept = wh.query_frame("SELECT DISTINCT _load_id, disa_person_id FROM raw.ssd_disability ORDER BY 2")
    assert kept["_load_id"].unique().tolist() == ["run-1"]
    assert kept["disa_person_id"].tolist() == [f"P{i}" for i in range(5)]
    assert wh.tables("raw") == ["ssd_disability", TABLE_LOG]  # no side table left behind


def test_text_array_takes_the_fast_path_only_for_text():
    from cs_pipeline.lib.extract import text_array

    assert text_array(("a", None, ""), False).to_pylist() == ["a", None, ""]
    assert text_array((1, None, "a", 2.5, float("nan")), False).to_pylist() == ["1", None, "a", "2.5", None]
    assert text_array((b"ok", b"\xff"), False).to_pylist() == ["ok", "ff"]
    cache: dict = {}
    dates = ("2024-01-05 00:00:00.000000", None, "2024-01-05 00:00:00.000000", dt.datetime(2024, 1, 6, 8, 0))
    assert text_array(dates, True, cache).to_pylist() == ["2024-01-05", None, "2024-01-05", "2024-01-06 08:00:00"]
    assert cache["2024-01-05 00:00:00.000000"] == "2024-01-05"
