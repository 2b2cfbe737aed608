"""The Arrow-native extraction (ADBC) against the SQLAlchemy one: the same raw tables, text for text.

Both readers extract the same source into their own DuckDB warehouse and every raw column is compared value by
value (``_extracted_at`` only by its form: it is the time of each extract). Sources: hand-made edge values on SQLite
(dynamically typed: text in datetime and number columns, REALs and blobs anywhere, a view) and on the real
PostgreSQL server (timezone-aware timestamps, numeric, float4/float8, bytea, uuid, infinities), and the synthetic
council on both.
"""
from __future__ import annotations

import datetime as dt
import math
import random
import sqlite3

import pyarrow as pa
import pytest
import sqlalchemy as sa

from cs_pipeline.lib import extract as extract_module
from cs_pipeline.lib.extract import (
    READER_ENV,
    ArrowReaderUnavailable,
    SourceSchemaError,
    arrow_converter,
    contract_metadata,
    datetime_text,
    datetime_text_array,
    extract_ssd_table,
    reader_setting,
    value_to_text,
)
from cs_pipeline.lib.ssd_schema import ssd_tables
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.synthetic import generate
from cs_pipeline_tests.conftest import drop_postgres_database, fresh_postgres_database


def raw_rows(wh: Warehouse, table: str) -> list[tuple]:
    """Every raw column but ``_extracted_at``, in extraction order, NULL as None."""
    cols = [c.name for c in ssd_tables()[table]] + ["_row_key", "_source", "_load_id"]
    frame = wh.query_frame(
        f"SELECT {', '.join(cols)} FROM raw.{table} ORDER BY CAST(_row_key AS BIGINT)"
    )
    return [tuple(None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in row)
            for row in frame.itertuples(index=False)]


def extract_both(url: str, tmp_path, tables, *, chunk_rows: int = 50_000, schema: str | None = None):
    """{reader: (warehouse, {table: ExtractResult})} for the arrow and the sqlalchemy reader."""
    out = {}
    for reader in ("arrow", "sqlalchemy"):
        wh = Warehouse(f"duckdb:///{tmp_path / f'wh_{reader}.duckdb'}")
        engine = sa.create_engine(url)
        try:
            results = {
                t: extract_ssd_table(url, wh, t, load_id="cmp", chunk_rows=chunk_rows, engine=engine, schema=schema,
                                     reader=reader)
                for t in tables
            }
        finally:
            engine.dispose()
        out[reader] = (wh, results)
    return out


def assert_same_raw_tables(both, tables) -> None:
    (wa, ra), (ws, rs) = both["arrow"], both["sqlalchemy"]
    for t in tables:
        assert ra[t].reader == "arrow" and rs[t].reader == "sqlalchemy", t
        assert (ra[t].rows, ra[t].chunks, ra[t].supplied) == (rs[t].rows, rs[t].chunks, rs[t].supplied), t
        assert raw_rows(wa, t) == raw_rows(ws, t), t
        for wh in (wa, ws):  # the same TEXT columns in the same order
            assert wh.query_frame(
                "SELECT column_name, data_type FROM information_schema.columns "
                f"WHERE table_schema = 'raw' AND table_name = '{t}' ORDER BY ordinal_position"
            ).values.tolist() == [[c, "VARCHAR"] for c in extract_module.raw_column_types(t)], t
        stamps = wa.query_frame(f"SELECT DISTINCT _extracted_at FROM raw.{t}")["_extracted_at"].tolist()
        assert len(stamps) <= 1 and all(dt.datetime.fromisoformat(s).tzinfo is not None for s in stamps), t


# -- text conversion, vectorised, against value_to_text / datetime_text ---------------------------------------------
DATETIME_STRINGS = [
    "2024-01-05 00:00:00.000000", "2024-01-05 10:15:00.000000", "2024-01-05 10:15:07.5", "2024-01-05 00:00:00",
    "2024-01-05 23:59:59", "2024-01-05T10:15:00", "2024-01-05T00:00:00.000", "2024-01-05 10:15", "2024-01-05T00:00",
    "2024-02-30 00:00:00.000000", "2024-02-30 10:00:00.5", "2024-13-45 99:99:99", "2024-01-05", "31/02/2024",
    "unknown", "", " ", "2024-01-05 10:15:00Z", "2024-01-05 10:15:00+01:00", "2024-06-30T23:30:00-05:00",
    "2024-02-30T10:00:00+01:00", "2024-01-05 10:15:00.", "2024-01-05 10:15:00\n", "2024-01-05 10:15\n",
    "2024-01-05 10:15:00 extra", "\uff12\uff10\uff12\uff14-01-05 10:15:00", "2024-01-05 10:15:00.000000é",
    "Zoë 2024", "2024-01-05 1:15:00", "2024/01/05 10:15:00", "20240105", "2024-01-05x10:15:00",
    "O'Brien; DROP TABLE ssd_person; --", "x" * 5000, None,
]


def _random_datetime_strings(n: int, seed: int) -> list[str | None]:
    rng = random.Random(seed)
    pieces = ["2024", "-", "01", "-", "05", " ", "T", "10", ":", "15", ":", "00", ".", "000000", "00:00:00", "Z",
              "+01:00", "x", "9", "é", "\n", "2", "0"]
    out = []
    for _ in range(n):
        if rng.random() < 0.1:
            out.append(None)
        elif rng.random() < 0.5:  # near-ISO: one character changed, dropped or added
            s = list(rng.choice(DATETIME_STRINGS[:12]))
            i = rng.randrange(len(s))
            op = rng.random()
            if op < 0.4:
                s[i] = rng.choice("0123456789-: T.x")
            elif op < 0.7:
                del s[i]
            else:
                s.insert(i, rng.choice("0123456789-: T."))
            out.append("".join(s))
        else:
            out.append("".join(rng.choice(pieces) for _ in range(rng.randrange(1, 12))))
    return out


@pytest.mark.parametrize("layout", ["as_listed", "uniform_width", "sliced", "random"])
def test_datetime_text_array_is_datetime_text(layout):
    if layout == "as_listed":
        values = DATETIME_STRINGS
    elif layout == "uniform_width":  # one width only: the byte-matrix path, with NULLs and midnights mixed
        values = ["2024-01-05 00:00:00.000000", None, "2024-01-05 10:15:00.000000", "2024-02-30 00:00:00.000000",
                  "1999-12-31T23:59:59.123456"] * 50
    elif layout == "sliced":
        values = (["2024-01-05 00:00:00.000000"] * 30 + DATETIME_STRINGS) * 3
    else:
        values = _random_datetime_strings(20_000, seed=3)
    array = pa.array(values, type=pa.string())
    if layout == "sliced":
        array = array.slice(7, len(values) - 9)
        values = values[7:len(values) - 2]
    assert datetime_text_array(array).to_pylist() == [datetime_text(v) for v in values]


def test_uniform_width_with_one_odd_value_still_converts_the_rest():
    values = ["2024-01-05 00:00:00.000000"] * 10 + ["unknown", "31/02/2024", None, "2024-01-05 10:15:00Z"]
    assert datetime_text_array(pa.array(values)).to_pylist() == [datetime_text(v) for v in values]


def _convert(values, arrow_type, is_datetime=False, postgres_type=None):
    meta = {"POSTGRESQL:type": postgres_type} if postgres_type else None
    field_ = pa.field("c", arrow_type, metadata=meta)
    return arrow_converter(field_, is_datetime, postgres=postgres_type is not None)(pa.array(values, arrow_type))


FLOATS = [2.5, 100.0, 1e-05, 0.1 + 0.2, 1e16, 1.5e300, -0.0, 5e-324, float("inf"), float("-inf"), float("nan"), None]


def test_numbers_and_booleans_as_python_writes_them():
    assert _convert(FLOATS, pa.float64()).to_pylist() == [value_to_text(v) for v in FLOATS]
    ints = [0, -7, 2**63 - 1, -(2**63), None]
    assert _convert(ints, pa.int64()).to_pylist() == [value_to_text(v) for v in ints]
    assert _convert([1, None], pa.int16()).to_pylist() == ["1", None]
    assert _convert([True, False, None], pa.bool_()).to_pylist() == ["true", "false", None]
    # float4 as psycopg2 has it: PostgreSQL's shortest float4 text read as a double (0.1, not 0.10000000149011612)
    assert _convert([0.1, 1e20, 3.4028235e38, float("nan"), None], pa.float32(), postgres_type="float4").to_pylist() \
        == ["0.1", "1e+20", "3.4028235e+38", None, None]


def test_dates_and_timestamps_as_python_writes_them():
    dates = [dt.date(2024, 1, 5), dt.date(99, 1, 1), dt.date(1, 1, 1), dt.date(9999, 12, 31), None]
    assert _convert(dates, pa.date32()).to_pylist() == [value_to_text(v) for v in dates]
    naive = [dt.datetime(2024, 1, 5), dt.datetime(2024, 1, 5, 0, 0, 0, 500_000),
             dt.datetime(2024, 1, 5, 14, 30, 5, 123),
             dt.datetime(1969, 12, 31, 23, 59, 59, 500_000), dt.datetime(1000, 1, 1), dt.datetime(99, 1, 1, 10),
             dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59, 999_999), None]
    for unit in ("s", "ms", "us", "ns"):
        values = naive if unit != "ns" else [v for v in naive if v is None or 1678 < v.year < 2262]
        if unit in ("s", "ms"):  # only what the unit can hold
            step = 1_000_000 if unit == "s" else 1_000
            values = [v if v is None else v.replace(microsecond=v.microsecond // step * step) for v in values]
        assert _convert(values, pa.timestamp(unit)).to_pylist() == [value_to_text(v) for v in values], unit
    utc = dt.timezone.utc
    aware = [dt.datetime(2025, 6, 30, 23, 0, tzinfo=utc), dt.datetime(2025, 1, 31, 23, 30, tzinfo=utc),
             dt.datetime(2025, 3, 30, 0, 59, 59, tzinfo=utc), dt.datetime(2025, 3, 30, 1, 0, tzinfo=utc),
             dt.datetime(2025, 10, 26, 0, 30, tzinfo=utc), dt.datetime(2025, 10, 26, 1, 30, tzinfo=utc),
             dt.datetime(2100, 7, 1, 12, tzinfo=utc), dt.datetime(1800, 1, 1, 12, tzinfo=utc),
             dt.datetime(1899, 12, 31, 23, 59, tzinfo=utc), dt.datetime(2036, 12, 31, 23, tzinfo=utc), None]
    for tz in ("UTC", "Europe/London", "America/New_York"):
        assert _convert(aware, pa.timestamp("us", tz=tz)).to_pylist() == [value_to_text(v) for v in aware], tz


def test_types_without_an_exact_conversion_are_refused_before_reading():
    with pytest.raises(ArrowReaderUnavailable, match="PostgreSQL type money"):
        arrow_converter(pa.field("c", pa.int64(), metadata={"POSTGRESQL:type": "money"}), False, postgres=True)
    with pytest.raises(ArrowReaderUnavailable, match="Arrow type"):
        arrow_converter(pa.field("c", pa.list_(pa.int32())), False)


# -- SQLite: dynamically typed columns --------------------------------------------------------------------------
_SQLITE_DATETIMES = [
    "2024-01-05 00:00:00.000000", "2024-01-05 10:15:00.000000", "2024-02-30 00:00:00.000000", "unknown",
    "31/02/2024", "2024-01-05", "2024-01-05T10:15", "2024-01-05 10:15:00+01:00", "2024-06-30 23:30:00Z",
    "2024-02-30T10:00:00+01:00", "", "\uff12\uff10\uff12\uff14-01-05 10:15:00", "2024-01-05 10:15:00\n",
    "20240105",  # NUMERIC affinity: stored as the integer 20240105
    45000.5,  # a REAL in a datetime column
    b"2024-01-05 00:00:00", b"\xff\xfe",  # blobs: valid UTF-8 (kept as written, not normalised) and not (hex)
    None,
]
_SQLITE_FLOATS = [2.5, 100.0, 1e-05, 0.1 + 0.2, 1e16, 7, float("inf"), -0.0, "n/a", None, 123456789.123456789]
_SQLITE_TEXTS = [
    "O'Brien \"Jr\"; DROP TABLE ssd_person; --", "semi;colon,comma\ttab\nnewline\r\n", "Zoë 😀 ünïcödé", "",
    "   padded  ", "x" * 100_000, 42, b"abc", b"\xff\x00", None, "NULL", "2024-01-05 00:00:00.000000",
]


def _sqlite_source(path, rows: int = 70, leading_nulls: int = 12) -> str:
    """ssd_cla_placement (VARCHAR/DATETIME/FLOAT) and ssd_professionals with edge values; the first
    ``leading_nulls`` rows all NULL outside the id (a driver that types columns from its first batch would fail)."""
    url = f"sqlite:///{path}"
    engine = sa.create_engine(url)
    contract_metadata(["ssd_cla_placement", "ssd_professionals", "ssd_disability"]).create_all(engine)
    engine.dispose()
    con = sqlite3.connect(path)
    cols = [c.name for c in ssd_tables()["ssd_cla_placement"]]
    kinds = {c.name: c.ssd_type.lower() for c in ssd_tables()["ssd_cla_placement"]}
    data = []
    for i in range(rows):
        row = []
        for j, col in enumerate(cols):
            if j == 0:
                row.append(f"CLAP{i}")
            elif i < leading_nulls:
                row.append(None)
            elif kinds[col] == "datetime":
                row.append(_SQLITE_DATETIMES[(i + j) % len(_SQLITE_DATETIMES)])
            elif kinds[col] == "float":
                row.append(_SQLITE_FLOATS[(i + j) % len(_SQLITE_FLOATS)])
            else:
                row.append(_SQLITE_TEXTS[(i + j) % len(_SQLITE_TEXTS)])
        data.append(row)
    con.executemany(f"INSERT INTO ssd_cla_placement VALUES ({', '.join('?' * len(cols))})", data)
    prof = [c.name for c in ssd_tables()["ssd_professionals"]]
    con.executemany(
        f"INSERT INTO ssd_professionals VALUES ({', '.join('?' * len(prof))})",
        [[f"P{i}", 7 if i % 3 else "seven", "Name", None, "Job", ["12", 12, 12.5, "unknown"][i % 4], "Dept",
          [0.5, 1, "full", None][i % 4], ["Y", "N", 1, None][i % 4]] for i in range(9)],
    )
    con.commit()
    con.close()
    return url


def test_sqlite_edge_values_are_identical_through_both_readers(tmp_path):
    url = _sqlite_source(tmp_path / "edge.sqlite")
    tables = ["ssd_cla_placement", "ssd_professionals", "ssd_disability"]  # the last one empty
    both = extract_both(url, tmp_path, tables, chunk_rows=8)  # many batches: typing row, rebatching, NULL batches
    assert_same_raw_tables(both, tables)
    wa, results = both["arrow"]
    assert results["ssd_cla_placement"].chunks == 9 and results["ssd_disability"].rows == 0
    # what the validator must see: non-ISO text in a datetime column verbatim, never NULL; impossible dates kept
    dates = set(wa.query_frame("SELECT clap_cla_placement_start_date d FROM raw.ssd_cla_placement")["d"].dropna())
    assert {"unknown", "31/02/2024", "2024-02-30", "2024-01-05", "2024-01-05 10:15:00", "20240105", "45000.5",
            "2024-01-05 00:00:00", "fffe"} <= dates
    texts = set(wa.query_frame("SELECT clap_cla_placement_type t FROM raw.ssd_cla_placement")["t"].dropna())
    assert {"O'Brien \"Jr\"; DROP TABLE ssd_person; --", "x" * 100_000, "42", "abc", "ff00", "NULL"} <= texts
    floats = set(wa.query_frame("SELECT clap_cla_placement_distance f FROM raw.ssd_cla_placement")["f"].dropna())
    assert {"2.5", "100.0", "1e-05", "0.30000000000000004", "1e+16", "7.0", "inf", "n/a"} <= floats


def test_a_view_whose_declared_type_hides_reals(tmp_path):
    """A view's column is typed from its first arm only: REALs behind a text type still come as Python writes them."""
    path = tmp_path / "view.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE people (id VARCHAR, code VARCHAR, kind VARCHAR)")
    con.execute("INSERT INTO people VALUES ('P1', 'A', 'x')")
    con.execute("CREATE VIEW ssd_disability AS SELECT id AS disa_person_id, code AS disa_table_id, kind AS "
                "disa_disability_code FROM people UNION ALL SELECT 'P2', 0.1 + 0.2, 100.0")
    con.commit()
    con.close()
    both = extract_both(f"sqlite:///{path}", tmp_path, ["ssd_disability"])
    assert_same_raw_tables(both, ["ssd_disability"])
    assert raw_rows(both["arrow"][0], "ssd_disability")[1][:3] == ("P2", "0.30000000000000004", "100.0")


def test_missing_table_and_column_raise_the_same_errors(tmp_path, monkeypatch):
    url = _sqlite_source(tmp_path / "edge.sqlite", rows=3)
    wh = Warehouse(f"duckdb:///{tmp_path / 'wh.duckdb'}")
    with pytest.raises(SourceSchemaError, match="source table ssd_cla_episodes not found"):
        extract_ssd_table(url, wh, "ssd_cla_episodes", load_id="r", reader="arrow")
    con = sqlite3.connect(tmp_path / "edge.sqlite")
    con.execute("ALTER TABLE ssd_professionals DROP COLUMN prof_staff_id")
    con.commit()
    con.close()
    with pytest.raises(SourceSchemaError, match=r"ssd_professionals is missing contract column\(s\): prof_staff_id"):
        extract_ssd_table(url, wh, "ssd_professionals", load_id="r", reader="arrow")
    assert wh.tables("raw") == []  # nothing written
    # an optional extension table the source lacks still loads empty and is logged as not supplied
    result = extract_ssd_table(url, wh, "ssd_cla_pep", load_id="r", reader="arrow")
    assert (result.supplied, result.rows, wh.row_count("raw", "ssd_cla_pep")) == (False, 0, 0)


def test_the_reader_setting(tmp_path, monkeypatch):
    url = _sqlite_source(tmp_path / "edge.sqlite", rows=5)
    wh = Warehouse(f"duckdb:///{tmp_path / 'wh.duckdb'}")
    monkeypatch.delenv(READER_ENV, raising=False)
    assert reader_setting() == "auto"
    assert extract_ssd_table(url, wh, "ssd_cla_placement", load_id="r").reader == "arrow"  # auto: the fast path
    monkeypatch.setenv(READER_ENV, "sqlalchemy")
    result = extract_ssd_table(url, wh, "ssd_cla_placement", load_id="r")
    assert (result.reader, result.reader_fallback, result.rows) == ("sqlalchemy", "", 5)
    monkeypatch.setenv(READER_ENV, " Arrow ")
    assert extract_ssd_table(url, wh, "ssd_cla_placement", load_id="r").reader == "arrow"
    monkeypatch.setenv(READER_ENV, "fast")
    with pytest.raises(ValueError, match=f"{READER_ENV} must be one of auto, arrow, sqlalchemy"):
        extract_ssd_table(url, wh, "ssd_cla_placement", load_id="r")
    monkeypatch.delenv(READER_ENV)
    # a source without an Arrow reader (here an in-memory SQLite; SQL Server alike): auto reads through SQLAlchemy,
    # arrow says why it cannot
    memory = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool, connect_args={"check_same_thread": False})
    contract_metadata(["ssd_disability"]).create_all(memory)
    with memory.begin() as conn:
        conn.execute(sa.text("INSERT INTO ssd_disability VALUES ('P1', 'D1', 'NONE')"))
    result = extract_ssd_table("sqlite://", wh, "ssd_disability", load_id="r", engine=memory)
    assert (result.reader, result.rows) == ("sqlalchemy", 1) and "in-memory" in result.reader_fallback
    with pytest.raises(ArrowReaderUnavailable, match="in-memory"):
        extract_ssd_table("sqlite://", wh, "ssd_disability", load_id="r", engine=memory, reader="arrow")


def test_a_failure_in_the_arrow_reader_falls_back_and_keeps_nothing_of_it(tmp_path, monkeypatch):
    url = _sqlite_source(tmp_path / "edge.sqlite", rows=20)
    expected = extract_both(url, tmp_path, ["ssd_cla_placement"], chunk_rows=4)["sqlalchemy"][0]
    calls = {"n": 0}
    real = extract_module.datetime_text_array

    def flaky(values):  # two datetime columns a batch: fails on the third batch, after two chunks were written
        calls["n"] += 1
        if calls["n"] > 4:
            raise ValueError("a value the converter did not expect: Jane Smith 943 476 5919")
        return real(values)

    monkeypatch.setattr(extract_module, "datetime_text_array", flaky)
    wh = Warehouse(f"duckdb:///{tmp_path / 'wh.duckdb'}")
    seen = []
    result = extract_ssd_table(url, wh, "ssd_cla_placement", load_id="cmp", chunk_rows=4,
                               chunk_hook=lambda c: seen.append(len(c)) or c)
    assert result.reader == "sqlalchemy" and result.rows == 20 and len(seen) > 5  # read twice: the second time whole
    assert result.reader_fallback == "ValueError converting a batch to text"  # never the value
    assert raw_rows(wh, "ssd_cla_placement") == raw_rows(expected, "ssd_cla_placement")
    assert wh.tables("raw") == ["ssd_cla_placement", "ssd_table_log"]  # no side table left
    calls["n"] = 0
    with pytest.raises(extract_module.ArrowReadError):  # forced arrow: the failure is the answer
        extract_ssd_table(url, wh, "ssd_cla_placement", load_id="again", chunk_rows=4, reader="arrow")
    assert {r[-1] for r in raw_rows(wh, "ssd_cla_placement")} == {"cmp"}  # the previous table untouched


def test_streams_in_bounded_chunks(tmp_path):
    url = _sqlite_source(tmp_path / "edge.sqlite", rows=5)
    wh = Warehouse(f"duckdb:///{tmp_path / 'wh.duckdb'}")
    sizes = []
    result = extract_ssd_table(url, wh, "ssd_cla_placement", load_id="r", chunk_rows=2, reader="arrow",
                               chunk_hook=lambda c: sizes.append(len(c)) or c)
    assert (result.rows, result.chunks, sizes) == (5, 3, [2, 2, 1])
    assert wh.query_frame("SELECT _row_key FROM raw.ssd_cla_placement")["_row_key"].tolist() == ["1", "2", "3", "4",
                                                                                                 "5"]


# -- the synthetic council --------------------------------------------------------------------------------------
@pytest.mark.slow
def test_synthetic_council_on_sqlite(tmp_path):
    generate(tmp_path / "council", scale=0.05, seed=7)
    tables = list(ssd_tables())
    both = extract_both(f"sqlite:///{tmp_path / 'council' / 'ssd.sqlite'}", tmp_path, tables, chunk_rows=5_000)
    assert_same_raw_tables(both, tables)
    assert sum(r.rows for r in both["arrow"][1].values()) > 20_000


# -- PostgreSQL, the real server --------------------------------------------------------------------------------
@pytest.fixture
def pg_source():
    url = fresh_postgres_database("cs_extract_arrow_src")
    yield url
    drop_postgres_database(url)


@pytest.mark.postgres
@pytest.mark.slow
def test_synthetic_council_on_postgres(tmp_path, pg_source):
    generate(tmp_path / "council", scale=0.05, seed=7, cms_url=pg_source)
    tables = list(ssd_tables())
    both = extract_both(pg_source, tmp_path, tables, chunk_rows=5_000)
    assert_same_raw_tables(both, tables)


PG_EDGE_SQL = """
CREATE SCHEMA "Case Mgmt";
CREATE TABLE "Case Mgmt"."SSD_CLA_PLACEMENT" (
    "CLAP_CLA_PLACEMENT_ID" text, clap_cla_placement_start_date timestamptz, clap_cla_placement_type bool,
    clap_cla_placement_urn numeric, clap_cla_placement_distance float8, clap_cla_id int2,
    clap_cla_placement_provider uuid, clap_cla_placement_postcode bytea, clap_cla_placement_end_date timestamp,
    clap_cla_placement_change_reason float4, clap_person_id bpchar(6), extra_column json);
INSERT INTO "Case Mgmt"."SSD_CLA_PLACEMENT" VALUES
 ('a', '2025-06-30 23:00+00', true, 12.50, 2.5, 1, '00000000-0000-0000-0000-000000000001', '\\x616263',
  '2024-01-05 00:00', 0.1, 'P1', '{}'),
 ('b', '2025-01-31 23:30+00', false, 'NaN', 'NaN', -32768, NULL, '\\xff00', '2024-01-05 14:30:05.123456', 1e20,
  'P2', NULL),
 ('c', '2025-03-30 01:00+00', NULL, 'Infinity', 'Infinity', 32767, NULL, NULL, '2024-01-05 00:00:00.5', 'NaN',
  NULL, NULL),
 ('d', '2025-10-26 01:30+00', true, '-Infinity', '-Infinity', NULL, NULL, '\\x', 'infinity', '-Infinity', '', NULL),
 ('e', '2100-07-01 12:00+00', true, 0.00000001, 1e-05, 0, NULL, NULL, '-infinity', 3.4028235e38, 'x;y', NULL),
 ('f', '1800-01-01 12:00+00', true, 123456789012345678901234567890.123, 100.0, 0, NULL, NULL,
  '0099-06-01 10:00', 0, NULL, NULL),
 ('g', 'infinity', true, 1.000, 0.30000000000000004, 0, NULL, NULL, '1969-12-31 23:59:59.5', -0.0, NULL, NULL),
 ('h', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE "Case Mgmt".ssd_permanence AS SELECT * FROM (VALUES
 ('T1', 'P1', 'C1', '2024-01-05 00:00:00.000000'::text, '2024-02-30'::text, 'unknown'::text, '31/02/2024'::text,
  '2024-01-05T10:15'::text, 'Y'::text, '2024-06-30T23:30:00+01:00'::text, '2024-02-30T10:00:00+01:00'::text,
  ''::text, 'N'::text, 3::int8, -1::int4, repeat('long; ''quoted'' "text" ', 5000), E'tab\\tnew\\nline',
  '2024-01-05'::date, 'O''Brien'::varchar, 'w1'::name, 'F'::text, 'Married'::text, '2'::text),
 ('T2', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  'infinity'::date, NULL, NULL, NULL, NULL, NULL),
 ('T3', 'P3', 'C3', '2024-01-05 10:15:00', '2024-01-05', 'Zoë', '', '2024-01-05 10:15:00Z', '', '', '', '', '',
  9223372036854775807, 2147483647, '', '', '-infinity'::date, '', '', '', '', '')
) AS v(perm_table_id, perm_person_id, perm_cla_id, perm_adm_decision_date, perm_ffa_cp_decision_date,
  perm_placement_order_date, perm_placed_for_adoption_date, perm_matched_date, perm_adopted_by_carer_flag,
  perm_placed_ffa_cp_date, perm_decision_reversed_date, perm_placed_foster_carer_date, perm_part_of_sibling_group,
  perm_siblings_placed_together, perm_siblings_placed_apart, perm_placement_provider_urn,
  perm_decision_reversed_reason, perm_permanence_order_date, perm_permanence_order_type, perm_adoption_worker_id,
  perm_adopter_sex, perm_adopter_legal_status, perm_number_of_adopters);
CREATE TABLE "Case Mgmt".ssd_disability (disa_person_id text, disa_table_id money, disa_disability_code json);
INSERT INTO "Case Mgmt".ssd_disability VALUES ('P1', 12.5, '{"a": 1}');
"""


@pytest.mark.postgres
def test_postgres_edge_values_are_identical_through_both_readers(tmp_path, pg_source):
    engine = sa.create_engine(pg_source)
    with engine.begin() as conn:
        conn.exec_driver_sql(PG_EDGE_SQL)
    engine.dispose()
    tables = ["ssd_cla_placement", "ssd_permanence"]
    both = extract_both(pg_source, tmp_path, tables, chunk_rows=3, schema="Case Mgmt")
    assert_same_raw_tables(both, tables)
    rows = raw_rows(both["arrow"][0], "ssd_cla_placement")
    assert rows[0][:5] == ("a", "2025-07-01", "true", "12.50", "2.5")  # midnight in London (BST): a date
    assert rows[1][1:5] == ("2025-01-31 23:30:00", "false", None, None)  # NaN: NULL
    assert rows[2][1] == "2025-03-30 02:00:00" and rows[4][1] == "2100-07-01 13:00:00"  # BST, also after 2037
    assert both["arrow"][1]["ssd_cla_placement"].renamed_columns == {"clap_cla_placement_id": "CLAP_CLA_PLACEMENT_ID"}
    perm = raw_rows(both["arrow"][0], "ssd_permanence")
    assert perm[0][3:8] == ("2024-01-05", "2024-02-30", "unknown", "31/02/2024", "2024-01-05 10:15:00")

    # json and money have no exact conversion: auto reads that table through SQLAlchemy, arrow refuses
    wh = Warehouse(f"duckdb:///{tmp_path / 'wh_fallback.duckdb'}")
    result = extract_ssd_table(pg_source, wh, "ssd_disability", load_id="r", schema="Case Mgmt")
    assert (result.reader, result.rows) == ("sqlalchemy", 1)
    assert "PostgreSQL type money" in result.reader_fallback
    assert raw_rows(wh, "ssd_disability")[0][:3] == ("P1", "$12.50", "{'a': 1}")
    with pytest.raises(ArrowReaderUnavailable):
        extract_ssd_table(pg_source, wh, "ssd_disability", load_id="r", schema="Case Mgmt", reader="arrow")
    with pytest.raises(SourceSchemaError, match="source table ssd_person not found"):
        extract_ssd_table(pg_source, wh, "ssd_person", load_id="r", schema="Case Mgmt", reader="arrow")
