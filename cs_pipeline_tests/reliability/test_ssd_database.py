"""Reliability suite, SSD database: a small SSD source (SQLite, and PostgreSQL for the connection faults and the
exact text) with one fault each, extracted (cs_pipeline.lib.extract) and validated (cs_pipeline.quality) as a run does.

Rows in are counted in the source by its own driver; staged rows are what the staging model reads (the raw rows
without a quarantine row, as ``valid_rows`` selects them), and the text cases run the real dbt staging model and read
``staging.stg_ssd__person`` back.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
import time

import pytest
import sqlalchemy as sa

from cs_pipeline.lib.extract import SourceSchemaError, SourceUnavailable, contract_metadata, extract_ssd_table
from cs_pipeline.lib.ssd_schema import ssd_tables
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.quality.engine import validate_table
from cs_pipeline_tests.conftest import PG_SERVER, drop_postgres_database, fresh_postgres_database
from cs_pipeline_tests.marts.warehouse_fixture import run_dbt
from cs_pipeline_tests.reliability.outcomes import FAILED_CLEANLY, LOADED, QUARANTINED, REJECTED, CaseResult, record

AREA = "SSD database"
AS_AT = dt.date(2026, 9, 30)
CHILDREN = 200
TABLES = ("ssd_person", "ssd_cla_placement", "ssd_cla_episodes")
EPISODES = "ssd_cla_episodes"
PERSON = "ssd_person"
# what a user may type into a case-management text field: all must reach staging exactly as typed
AWKWARD_TEXT = [
    "'); DROP TABLE ssd_person; --",
    "Robert'); DELETE FROM raw.ssd_person WHERE ('1'='1",
    'O\'Brien "Bobby"',
    "back\\slash\\",
    "\\N",
    "\\\\N",
    "a\\.b",
    "tab\there",
    "line\nbreak\r\nand return",
    "bell\x07 unit\x1f sep\x1e",
    ",comma,",
    "$$ dollar $$",
    "%_ like %",
    "\u00e9\u00e8 \u2603 \U0001f600",
]
LONG_TEXT = "x" * 1_000_000 + "end"


def person_row(i: int) -> dict:
    return {
        "pers_person_id": f"P{i:04d}", "pers_forename": f"Forename{i}", "pers_surname": f"Surname{i}",
        "pers_sex": "M" if i % 2 else "F", "pers_gender": "1", "pers_ethnicity": "WBRI",
        "pers_dob": dt.datetime(2012, 1, 1) + dt.timedelta(days=i), "pers_common_child_id": None,
        "pers_legacy_id": None, "pers_upn_unknown": None, "pers_send_flag": "N", "pers_expected_dob": None,
        "pers_death_date": None, "pers_is_mother": "N", "pers_nationality": "UK",
    }


def placement_row(i: int) -> dict:
    row = {c.name: None for c in ssd_tables()["ssd_cla_placement"]}
    return row | {"clap_cla_placement_id": f"PL{i:04d}", "clap_cla_id": f"CLA{i:04d}"}


def episode_row(i: int) -> dict:
    start = dt.datetime(2024, 1, 1) + dt.timedelta(days=i)
    return {
        "clae_cla_episode_id": f"E{i:04d}", "clae_person_id": f"P{i:04d}", "clae_cla_episode_start_date": start,
        "clae_cla_episode_start_reason": "S", "clae_cla_primary_need_code": "N1",
        "clae_cla_episode_ceased_date": start + dt.timedelta(days=90), "clae_cla_episode_ceased_reason": "E11",
        "clae_cla_id": f"CLA{i:04d}", "clae_referral_id": f"R{i:04d}", "clae_cla_placement_id": f"PL{i:04d}",
        "clae_entered_care_date": start, "clae_cla_last_iro_contact_date": start + dt.timedelta(days=20),
    }


def build_source(url: str, people: list[dict] | None = None, episodes: list[dict] | None = None) -> None:
    """ssd_person, ssd_cla_placement and ssd_cla_episodes shaped like the contract, valid unless told otherwise."""
    engine = sa.create_engine(url)
    metadata = contract_metadata(list(TABLES))
    try:
        metadata.drop_all(engine)
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(metadata.tables[PERSON].insert(), people or [person_row(i) for i in range(CHILDREN)])
            conn.execute(metadata.tables["ssd_cla_placement"].insert(), [placement_row(i) for i in range(CHILDREN)])
            conn.execute(metadata.tables[EPISODES].insert(), episodes or [episode_row(i) for i in range(CHILDREN)])
    finally:
        engine.dispose()


def source_rows(url: str, table: str) -> int | None:
    """Rows in the source table, counted by the source itself (None when the table is not there)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if table not in sa.inspect(conn).get_table_names():
                return None
            return int(conn.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar())
    finally:
        engine.dispose()


def staged_rows(wh: Warehouse, table: str) -> int:
    """What the staging model reads: raw rows with no quarantine row (dbt macro valid_rows)."""
    return int(wh.scalar(f"SELECT count(*) FROM raw.{table} AS r WHERE NOT EXISTS "
                         f"(SELECT 1 FROM quarantine.{table} AS q WHERE q._row_key = r._row_key)"))


def extract_and_validate(cms_url: str, wh: Warehouse, table: str, **extract_kwargs):
    """Extract the three tables (the parents a foreign key needs first), then validate ``table``."""
    for t in TABLES:
        extract_ssd_table(cms_url, wh, t, load_id="reliability", **extract_kwargs)
    return validate_table(wh, table, as_at=AS_AT, run_id="reliability")


def observed_outcome(validation) -> str:
    if validation.blocked:
        return REJECTED
    return QUARANTINED if validation.quarantined_rows else LOADED


def record_validation(case: str, expected: str, cms_url: str, wh: Warehouse, table: str, validation) -> CaseResult:
    rejected = validation.blocked
    notes = [r.note for r in validation.structural_failures]
    reasons = sorted(set(validation.findings.loc[validation.findings["severity"] == "ERROR", "message"]))
    message = "; ".join(notes) if rejected else (reasons[0] if reasons else "")
    quarantined = int(wh.scalar(f"SELECT count(DISTINCT _row_key) FROM quarantine.{table}"))
    return record(CaseResult(AREA, case, expected, observed_outcome(validation), source_rows(cms_url, table),
                             0 if rejected else staged_rows(wh, table), quarantined, message))


@pytest.fixture
def sqlite_source(tmp_path):
    url = f"sqlite:///{tmp_path / 'ssd.sqlite'}"
    build_source(url)
    return url


@pytest.fixture
def duck(tmp_path):
    return Warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")


def sqlite_exec(url: str, *statements: str) -> None:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as con:
        for statement in statements:
            con.execute(statement)


# -- the source's schema ---------------------------------------------------------------------------------------
def test_a_missing_table_is_rejected_naming_it_and_the_previous_raw_table_kept(sqlite_source, duck):
    for t in TABLES:
        extract_ssd_table(sqlite_source, duck, t, load_id="good")
    sqlite_exec(sqlite_source, f"DROP TABLE {EPISODES}")
    with pytest.raises(SourceSchemaError) as caught:
        extract_ssd_table(sqlite_source, duck, EPISODES, load_id="bad")
    assert EPISODES in str(caught.value)
    kept = duck.query_frame(f"SELECT DISTINCT _load_id FROM raw.{EPISODES}")["_load_id"].tolist()
    assert kept == ["good"] and duck.row_count("raw", EPISODES) == CHILDREN
    record(CaseResult(AREA, "table missing (ssd_cla_episodes dropped)", REJECTED, REJECTED,
                      source_rows(sqlite_source, EPISODES), int(duck.scalar(
                          f"SELECT count(*) FROM raw.{EPISODES} WHERE _load_id = 'bad'")), 0, str(caught.value)))


def test_a_renamed_column_is_rejected_naming_the_contract_column(sqlite_source, duck):
    sqlite_exec(sqlite_source, f"ALTER TABLE {EPISODES} RENAME COLUMN clae_cla_primary_need_code TO clae_need_code")
    with pytest.raises(SourceSchemaError) as caught:
        extract_and_validate(sqlite_source, duck, EPISODES)
    assert "ssd_cla_episodes" in str(caught.value) and "clae_cla_primary_need_code" in str(caught.value)
    assert not duck.table_exists("raw", EPISODES) and EPISODES + "__loading" not in duck.tables("raw")
    record(CaseResult(AREA, "column renamed (clae_cla_primary_need_code)", REJECTED, REJECTED,
                      source_rows(sqlite_source, EPISODES), 0, 0, str(caught.value)))


def test_a_column_spelt_in_capitals_is_found_and_loaded(sqlite_source, duck):
    sqlite_exec(sqlite_source, f"ALTER TABLE {EPISODES} RENAME COLUMN clae_person_id TO CLAE_PERSON_ID")
    validation = extract_and_validate(sqlite_source, duck, EPISODES)
    record_validation("column renamed to capitals (CLAE_PERSON_ID)", LOADED, sqlite_source, duck, EPISODES,
                      validation)


def test_ids_stored_as_integers_load_as_their_digits(sqlite_source, duck):
    others = ", ".join(c.name for c in ssd_tables()[EPISODES] if c.name != "clae_cla_episode_id")
    sqlite_exec(sqlite_source,
                f"ALTER TABLE {EPISODES} RENAME TO old_episodes",
                f"CREATE TABLE {EPISODES} (clae_cla_episode_id INTEGER, {others})",
                f"INSERT INTO {EPISODES} SELECT CAST(substr(clae_cla_episode_id, 2) AS INTEGER), {others} "
                "FROM old_episodes",
                "DROP TABLE old_episodes")
    validation = extract_and_validate(sqlite_source, duck, EPISODES)
    ids = duck.query_frame(f"SELECT clae_cla_episode_id FROM raw.{EPISODES} ORDER BY _row_key::INT")
    assert ids["clae_cla_episode_id"].iloc[:3].tolist() == ["0", "1", "2"]
    record_validation("type changed (episode id now INTEGER)", LOADED, sqlite_source, duck, EPISODES, validation)


def test_dates_stored_as_integers_are_quarantined_and_the_table_held_back(sqlite_source, duck):
    sqlite_exec(sqlite_source, f"UPDATE {EPISODES} SET clae_cla_episode_start_date = "
                               "CAST(strftime('%Y%m%d', clae_cla_episode_start_date) AS INTEGER)")
    validation = extract_and_validate(sqlite_source, duck, EPISODES)
    assert validation.quarantined_rows == CHILDREN  # each row has its reason ...
    reasons = duck.query_frame(f"SELECT DISTINCT rule_id FROM quarantine.{EPISODES}")["rule_id"].tolist()
    assert "date_parseable" in reasons
    assert [r.rule_id for r in validation.structural_failures] == ["quarantine_share"]  # ... and staging waits
    record_validation("type changed (start date now INTEGER yyyymmdd)", REJECTED, sqlite_source, duck, EPISODES,
                      validation)


# -- the source's content ----------------------------------------------------------------------------------------
def test_codes_outside_the_list_are_quarantined_with_the_rule(tmp_path, duck):
    episodes = [episode_row(i) for i in range(CHILDREN)]
    for i, code in zip(range(0, 35, 7), ("N9", "n1", "X", " ", "N10")):
        episodes[i]["clae_cla_primary_need_code"] = code
    url = f"sqlite:///{tmp_path / 'ssd.sqlite'}"
    build_source(url, episodes=episodes)
    validation = extract_and_validate(url, duck, EPISODES)
    bad = set(duck.query_frame(f"SELECT clae_cla_episode_id FROM quarantine.{EPISODES} "
                               "WHERE rule_id = 'code_in_list'")["clae_cla_episode_id"])
    # a blank is not a code outside the list (the column is optional): four rows out, the blank one kept
    assert bad == {"E0000", "E0007", "E0014", "E0028"}
    record_validation("codes outside the list (primary need N9, n1, X, N10)", QUARANTINED, url, duck, EPISODES,
                      validation)


def test_overlapping_episodes_are_quarantined(tmp_path, duck):
    episodes = [episode_row(i) for i in range(CHILDREN)]
    for i in range(3):  # a second episode for three children, starting inside their first
        extra = episode_row(i) | {"clae_cla_episode_id": f"E9{i:03d}"}
        extra["clae_cla_episode_start_date"] += dt.timedelta(days=30)
        extra["clae_entered_care_date"] = extra["clae_cla_episode_start_date"]
        episodes.append(extra)
    url = f"sqlite:///{tmp_path / 'ssd.sqlite'}"
    build_source(url, episodes=episodes)
    validation = extract_and_validate(url, duck, EPISODES)
    assert validation.result("cla_episodes_overlap").failing_rows == 6  # both episodes of each child
    record_validation("overlapping care episodes (3 children)", QUARANTINED, url, duck, EPISODES, validation)


def test_orphan_foreign_keys_are_quarantined(tmp_path, duck):
    episodes = [episode_row(i) for i in range(CHILDREN)]
    for i in (3, 50, 120):
        episodes[i]["clae_person_id"] = f"GONE{i}"
    episodes[60]["clae_cla_placement_id"] = "PL-NONE"
    url = f"sqlite:///{tmp_path / 'ssd.sqlite'}"
    build_source(url, episodes=episodes)
    validation = extract_and_validate(url, duck, EPISODES)
    assert validation.quarantined_rows == 4
    record_validation("orphan foreign keys (3 persons, 1 placement)", QUARANTINED, url, duck, EPISODES, validation)


# -- text that must arrive exactly ---------------------------------------------------------------------------
def text_warehouse(kind: str, tmp_path) -> Warehouse:
    if kind == "duckdb":
        return Warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    return Warehouse(fresh_postgres_database("cs_reliability_text"))


def staged_people(wh: Warehouse, work: str) -> dict[str, str | None]:
    """Run the real staging model over raw.ssd_person and read its forenames back by person id."""
    proc = run_dbt(wh.url, AS_AT, "run", "--select", "stg_ssd__person", work=work)
    assert proc.returncode == 0, proc.stdout[-4000:]
    frame = wh.query_frame("SELECT person_id, forename FROM staging.stg_ssd__person")
    return dict(zip(frame["person_id"], frame["forename"]))


# the two readers (SQLite file, PostgreSQL's ADBC driver) into the two warehouses (DuckDB, PostgreSQL's COPY)
@pytest.mark.parametrize("source_kind,warehouse_kind", [
    ("sqlite", "duckdb"), pytest.param("postgresql", "postgresql", marks=pytest.mark.postgres)])
def test_sql_metacharacters_and_control_characters_arrive_unchanged(source_kind, warehouse_kind, tmp_path):
    warehouse = text_warehouse(warehouse_kind, tmp_path)
    people = [person_row(i) for i in range(CHILDREN)]
    for i, text in enumerate(AWKWARD_TEXT):
        people[i]["pers_forename"] = text
        people[i + len(AWKWARD_TEXT)]["pers_nationality"] = text
    people[-1]["pers_forename"] = ""  # '' and NULL stay apart in raw
    people[-2]["pers_forename"] = None
    if source_kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'ssd.sqlite'}"
    else:
        url = fresh_postgres_database("cs_reliability_text_src")
    build_source(url, people=people)
    validation = extract_and_validate(url, warehouse, PERSON)
    raw = warehouse.query_frame("SELECT pers_person_id, pers_forename, pers_nationality FROM raw.ssd_person")
    raw_forename = dict(zip(raw["pers_person_id"], raw["pers_forename"]))
    raw_nationality = dict(zip(raw["pers_person_id"], raw["pers_nationality"]))
    for i, text in enumerate(AWKWARD_TEXT):
        assert raw_forename[f"P{i:04d}"] == text, (i, raw_forename[f"P{i:04d}"])
        assert raw_nationality[f"P{i + len(AWKWARD_TEXT):04d}"] == text
    assert raw_forename[f"P{CHILDREN - 1:04d}"] == "" and raw_forename[f"P{CHILDREN - 2:04d}"] is None
    staged = staged_people(warehouse, f"text_{source_kind}_{warehouse.dialect}")
    for i, text in enumerate(AWKWARD_TEXT):  # staging trims spaces only; none of these has one at either end
        assert staged[f"P{i:04d}"] == text, (i, staged[f"P{i:04d}"])
    assert warehouse.row_count("raw", "ssd_person") == CHILDREN  # nothing dropped, no table dropped
    assert len(staged) == CHILDREN
    result = record_validation(f"SQL metacharacters and control characters in text ({source_kind} to "
                               f"{warehouse.dialect})", LOADED, url, warehouse, PERSON, validation)
    assert result.staged == len(staged)
    if source_kind == "postgresql":
        drop_postgres_database(url)
    if warehouse_kind == "postgresql":
        drop_postgres_database(warehouse.url)


@pytest.mark.postgres
def test_a_literal_backslash_n_is_text_not_null_on_postgresql():
    """The PostgreSQL warehouse loads by COPY; a text value spelt like COPY's NULL marker must stay text."""
    url = fresh_postgres_database("cs_reliability_copy_null")
    try:
        import pandas as pd

        wh = Warehouse(url)
        values = ["\\N", "", None, "\\\\N", '"\\N"', "NULL"]
        wh.write_frame(pd.DataFrame({"v": values, "k": range(len(values))}), "raw", "copy_probe")
        back = wh.query_frame("SELECT v FROM raw.copy_probe ORDER BY k")["v"].tolist()
        assert back == values
    finally:
        drop_postgres_database(url)


def test_a_very_long_text_value_arrives_whole(sqlite_source, duck, tmp_path):
    people = [person_row(i) for i in range(CHILDREN)]
    people[7]["pers_nationality"] = LONG_TEXT
    url = f"sqlite:///{tmp_path / 'long.sqlite'}"
    build_source(url, people=people)
    validation = extract_and_validate(url, duck, PERSON)
    value = duck.scalar("SELECT pers_nationality FROM raw.ssd_person WHERE pers_person_id = 'P0007'")
    assert value == LONG_TEXT
    record_validation("a very long text value (1,000,003 characters)", LOADED, url, duck, PERSON, validation)


# -- the source unreachable or dropping the connection -----------------------------------------------------------
def counting_engine(url: str) -> tuple[sa.Engine, list[float]]:
    """An engine that notes the time of every attempt to connect (successful or not)."""
    from sqlalchemy.pool import NullPool

    engine = sa.create_engine(url, poolclass=NullPool)
    attempts: list[float] = []
    sa.event.listen(engine, "do_connect", lambda *args: attempts.append(time.monotonic()))
    return engine, attempts


def closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens on it once closed


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_an_unreachable_source_is_tried_with_backoff_then_fails_naming_it(kind, sqlite_source, duck, tmp_path):
    for t in TABLES:
        extract_ssd_table(sqlite_source, duck, t, load_id="good")
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'no_such_folder' / 'ssd.sqlite'}"
    else:
        url = f"postgresql://cms_reader:s3cr3t-pw@127.0.0.1:{closed_port()}/ssd"
    engine, attempts = counting_engine(url)
    with pytest.raises(SourceUnavailable) as caught:
        extract_ssd_table(url, duck, EPISODES, load_id="bad", engine=engine, attempts=3, backoff_seconds=0.2)
    message = str(caught.value)
    assert len(attempts) == 3
    gaps = [b - a for a, b in zip(attempts, attempts[1:])]
    assert gaps[0] >= 0.2 and gaps[1] >= 0.4  # waits double
    assert EPISODES in message and "3 attempt(s)" in message and "left as it was" in message
    if kind == "postgresql":
        assert "s3cr3t-pw" not in message and "cms_reader:***@127.0.0.1" in message
    assert duck.query_frame(f"SELECT DISTINCT _load_id FROM raw.{EPISODES}")["_load_id"].tolist() == ["good"]
    assert duck.row_count("raw", EPISODES) == CHILDREN
    record(CaseResult(AREA, f"source unreachable at the start ({kind})", FAILED_CLEANLY, FAILED_CLEANLY, None,
                      int(duck.scalar(f"SELECT count(*) FROM raw.{EPISODES} WHERE _load_id = 'bad'")), 0, message))


def test_the_attempts_and_backoff_come_from_the_environment(monkeypatch, duck, tmp_path):
    monkeypatch.setenv("CS_PIPELINE_EXTRACT_ATTEMPTS", "2")
    monkeypatch.setenv("CS_PIPELINE_EXTRACT_BACKOFF_SECONDS", "0")
    url = f"sqlite:///{tmp_path / 'missing_folder' / 'ssd.sqlite'}"
    engine, attempts = counting_engine(url)
    with pytest.raises(SourceUnavailable, match="2 attempt"):
        extract_ssd_table(url, duck, EPISODES, load_id="x", engine=engine)
    assert len(attempts) == 2
    monkeypatch.setenv("CS_PIPELINE_EXTRACT_ATTEMPTS", "0")
    with pytest.raises(ValueError, match="CS_PIPELINE_EXTRACT_ATTEMPTS"):
        extract_ssd_table(url, duck, EPISODES, load_id="x", engine=engine)


@pytest.fixture(scope="module")
def pg_source():
    url = fresh_postgres_database("cs_reliability_ssd_src")
    build_source(url)
    yield url
    drop_postgres_database(url)


def with_password(url: str) -> str:
    """The same database with a password in its URL (the server trusts local connections, so it is not checked)."""
    return url.replace("postgresql://postgres@", "postgresql://postgres:pg-s3cret@")


def dropping_hook(source_url: str, drops: list[int], times: int):
    """A chunk hook that kills the source's connections after the first chunk of the first ``times`` attempts."""
    database = source_url.rsplit("/", 1)[1]
    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    seen = {"chunks": 0}

    def hook(frame):
        seen["chunks"] += 1
        if frame["_row_key"].iloc[0] == "1" and len(drops) < times:  # the first chunk of an attempt
            with admin.connect() as conn:
                killed = conn.execute(sa.text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                              "WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": database})
                drops.append(int(killed.scalar()))
        return frame

    return hook, admin


@pytest.mark.postgres
# the SQLAlchemy reader streams with a server-side cursor, 20 rows a fetch, so the kill lands part-way through; ADBC's
# binary COPY would have the whole 200-row table in its first batch before the hook saw a row
@pytest.mark.parametrize("reader,drop_times,expected", [("sqlalchemy", 1, LOADED), ("sqlalchemy", 9, FAILED_CLEANLY)])
def test_a_connection_dropped_mid_extract_is_read_again_or_fails_cleanly(pg_source, reader, drop_times, expected,
                                                                          tmp_path):
    duck = Warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    url = with_password(pg_source)
    for t in TABLES:
        extract_ssd_table(url, duck, t, load_id="good")
    engine, attempts = counting_engine(url)
    drops: list[int] = []
    hook, admin = dropping_hook(pg_source, drops, drop_times)
    message, observed = "", LOADED
    try:
        result = extract_ssd_table(url, duck, EPISODES, load_id="second", engine=engine, chunk_rows=20,
                                   chunk_hook=hook, reader=reader, attempts=3, backoff_seconds=0.1)
        assert result.rows == CHILDREN
    except SourceUnavailable as exc:
        observed, message = FAILED_CLEANLY, str(exc)
    finally:
        admin.dispose()
    assert drops and all(n >= 1 for n in drops)  # the source's connection really was killed
    load_ids = duck.query_frame(f"SELECT DISTINCT _load_id FROM raw.{EPISODES}")["_load_id"].tolist()
    if expected == LOADED:
        assert len(attempts) == 2 and load_ids == ["second"]
        validation = validate_table(duck, EPISODES, as_at=AS_AT, run_id="reliability")
        assert not validation.quarantined_rows
        record(CaseResult(AREA, f"connection dropped mid-extract once (PostgreSQL, {reader} reader): read again",
                          expected, observed,
                          source_rows(pg_source, EPISODES), staged_rows(duck, EPISODES), 0, message))
        return
    assert len(attempts) == 3 and load_ids == ["good"]  # the published raw table untouched
    assert EPISODES in message and "pg-s3cret" not in message and "postgres:***@" in message
    record(CaseResult(AREA, f"connection dropped mid-extract on every attempt (PostgreSQL, {reader} reader)",
                      expected, observed,
                      source_rows(pg_source, EPISODES),
                      int(duck.scalar(f"SELECT count(*) FROM raw.{EPISODES} WHERE _load_id = 'second'")), 0,
                      message))


@pytest.mark.postgres
def test_the_extract_asset_fails_the_run_with_the_message_not_a_traceback(tmp_path, monkeypatch):
    """What the data team sees in Dagster: the step's failure names the table and the source, password masked."""
    import dagster as dg

    from cs_pipeline.defs.sources.ssd import build_ssd_asset
    from cs_pipeline_tests.sources.conftest import pipeline_settings

    monkeypatch.setenv("CS_PIPELINE_EXTRACT_ATTEMPTS", "2")
    monkeypatch.setenv("CS_PIPELINE_EXTRACT_BACKOFF_SECONDS", "0.1")
    (tmp_path / "health").mkdir()
    cms_url = f"postgresql://cms_reader:s3cr3t-pw@127.0.0.1:{closed_port()}/ssd"
    settings = pipeline_settings(cms_url, f"duckdb:///{tmp_path / 'w.duckdb'}", tmp_path / "health", tmp_path / "out")
    result = dg.materialize([build_ssd_asset(EPISODES)], resources={"pipeline": settings}, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    message = failure.step_failure_data.error.message
    assert EPISODES in message and "2 attempt(s)" in message and "cms_reader:***@127.0.0.1" in message
    assert "s3cr3t-pw" not in message and not message.lstrip().startswith("Traceback")
    assert "s3cr3t-pw" not in "\n".join(str(e) for e in result.all_events)
    record(CaseResult(AREA, "source unreachable: the Dagster extract asset fails the run", FAILED_CLEANLY,
                      FAILED_CLEANLY, None, 0, 0, message.strip()))
