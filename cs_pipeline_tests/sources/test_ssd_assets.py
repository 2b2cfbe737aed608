"""raw/ssd_<table>: all 39 tables (35 SSD, 4 extension) copied as text from SQLite and PostgreSQL sources into DuckDB and PostgreSQL."""
from __future__ import annotations

import dagster as dg
import pytest
import sqlalchemy as sa

from cs_pipeline.defs.sources import defs as sources_defs
from cs_pipeline.defs.sources.ssd import ssd_asset_key, ssd_assets
from cs_pipeline.lib.extract import LOAD_COLUMNS, TABLE_LOG
from cs_pipeline.lib.ssd_schema import ssd_tables
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline_tests.conftest import fresh_postgres_database
from cs_pipeline_tests.sources.conftest import EMPTY_TABLE, build_ssd_source

TABLES = list(ssd_tables())


def _metadata_by_table(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    return {
        e.asset_key.path[-1]: e.step_materialization_data.materialization.metadata
        for e in result.get_asset_materialization_events()
    }


@pytest.fixture(scope="module")
def pg_source():
    url = fresh_postgres_database("cs_extract_src_test")
    return url, build_ssd_source(url)


def test_every_extract_asset_is_defined_once_in_group_sources():
    keys = {k for a in sources_defs.assets for k in a.keys}
    assert {ssd_asset_key(t) for t in TABLES} <= keys and len(ssd_assets) == 39
    kinds = ("lac_health_assessments", "immunisations", "dental_checks")
    assert {dg.AssetKey(["raw", f"health_{k}"]) for k in kinds} <= keys
    assert dg.AssetKey(["staging", "dim_calendar"]) in keys
    assert len(keys) == 43
    assert {a.group_names_by_key[k] for a in sources_defs.assets for k in a.keys} == {"sources"}


@pytest.mark.parametrize(
    "source_kind,warehouse_kind",
    [
        ("sqlite", "duckdb"),
        pytest.param("sqlite", "postgresql", marks=pytest.mark.postgres),
        pytest.param("postgresql", "duckdb", marks=pytest.mark.postgres),
    ],
)
def test_all_tables_land_with_contract_columns_metadata_and_source_row_counts(
    source_kind, warehouse_kind, tmp_path, make_settings, request
):
    if source_kind == "sqlite":
        cms_url = f"sqlite:///{tmp_path / 'ssd.sqlite'}"
        counts = build_ssd_source(cms_url)
    else:
        cms_url, counts = request.getfixturevalue("pg_source")
    if warehouse_kind == "duckdb":
        warehouse_url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    else:
        warehouse_url = fresh_postgres_database("cs_extract_test_ssd")
    result = dg.materialize(ssd_assets, resources={"pipeline": make_settings(cms_url, warehouse_url)})
    assert result.success

    wh = Warehouse(warehouse_url)
    assert wh.tables("raw") == sorted([*TABLES, TABLE_LOG])  # no side tables left
    log = wh.query_frame(f"SELECT * FROM raw.{TABLE_LOG}").set_index("table_name")
    assert sorted(log.index) == sorted(TABLES)
    assert log["supplied"].astype(bool).all()
    assert {t: int(n) for t, n in log["row_count"].items()} == counts
    assert set(log["load_id"]) == {result.run_id}
    metadata = _metadata_by_table(result)
    for table in TABLES:
        expected_columns = [c.name for c in ssd_tables()[table]] + list(LOAD_COLUMNS)
        assert wh.columns("raw", table) == expected_columns, table
        assert wh.row_count("raw", table) == counts[table], table
        assert metadata[table]["row_count"].value == counts[table]
        assert metadata[table]["chunk_count"].value == (1 if counts[table] else 0)
        assert {"seconds", "rows_per_second", "source"} <= set(metadata[table])
    assert counts[EMPTY_TABLE] == 0
    types = wh.query_frame(
        "SELECT DISTINCT upper(data_type) AS t FROM information_schema.columns "
        f"WHERE table_schema = 'raw' AND table_name <> '{TABLE_LOG}'"
    )["t"].tolist()
    assert types in (["VARCHAR"], ["TEXT"])  # every raw column is text

    person = wh.query_frame('SELECT * FROM raw.ssd_person ORDER BY CAST(_row_key AS INTEGER)')
    assert person["_row_key"].tolist() == [str(i) for i in range(1, len(person) + 1)]
    assert person["pers_dob"].tolist()[:2] == ["2024-01-01", "2024-01-02 09:30:00"]  # datetimes as ISO text
    assert person["pers_forename"].tolist()[:4] == ["v0", "v1", None, ""]  # NULL stays NULL, '' stays ''
    assert person["pers_dob"].tolist()[3] == "2024-01-04 09:30:00"
    assert set(person["_load_id"]) == {result.run_id}
    assert set(person["_source"]) == {sa.engine.make_url(cms_url).render_as_string(hide_password=True)}
    permanence = wh.query_frame("SELECT perm_siblings_placed_together AS n FROM raw.ssd_permanence ORDER BY _row_key")
    assert permanence["n"].tolist()[:2] == ["0", "1"]
    placement = wh.query_frame("SELECT clap_cla_placement_distance AS d FROM raw.ssd_cla_placement ORDER BY _row_key")
    assert placement["d"].tolist()[:2] == ["0.5", "1.5"]


def test_sqlite_and_postgresql_sources_give_the_same_raw_text(tmp_path, make_settings, pg_source):
    sqlite_url = f"sqlite:///{tmp_path / 'ssd.sqlite'}"
    build_ssd_source(sqlite_url)
    frames = []
    for name, cms_url in (("a", sqlite_url), ("b", pg_source[0])):
        warehouse_url = f"duckdb:///{tmp_path / f'{name}.duckdb'}"
        selection = [a for a in ssd_assets if a.key.path[-1] in ("ssd_person", "ssd_cla_episodes", "ssd_professionals")]
        assert dg.materialize(selection, resources={"pipeline": make_settings(cms_url, warehouse_url)}).success
        wh = Warehouse(warehouse_url)
        frames.append(
            {t: wh.query_frame(f"SELECT * FROM raw.{t} ORDER BY _row_key").drop(columns=list(LOAD_COLUMNS[1:]))
             for t in ("ssd_person", "ssd_cla_episodes", "ssd_professionals")}
        )
    for table in frames[0]:
        assert frames[0][table].equals(frames[1][table]), table


def test_a_failed_extraction_fails_only_that_tables_check_and_keeps_the_previous_raw_table(tmp_path, make_settings):
    cms_url = f"sqlite:///{tmp_path / 'ssd.sqlite'}"
    counts = build_ssd_source(cms_url)
    warehouse_url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    settings = make_settings(cms_url, warehouse_url)
    selection = [a for a in ssd_assets if a.key.path[-1] in ("ssd_person", "ssd_missing", "ssd_disability")]
    first = dg.materialize(selection, resources={"pipeline": settings})
    assert first.success

    # The council's extract changes: a contract column is dropped, a table disappears, another gains rows.
    engine = sa.create_engine(cms_url)
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE ssd_person DROP COLUMN pers_sex"))
        conn.execute(sa.text("DROP TABLE ssd_missing"))
        conn.execute(sa.text("INSERT INTO ssd_disability (disa_person_id, disa_table_id) VALUES ('P9', 'D9')"))
    engine.dispose()

    second = dg.materialize(selection, resources={"pipeline": settings}, raise_on_error=False)
    # The run goes on; the broken tables fail their ERROR check, which keeps their lineage out of dbt.
    failures = {
        e.asset_key.path[-1]: e.description
        for e in second.get_asset_check_evaluations()
        if not e.passed
    }
    assert set(failures) == {"ssd_person", "ssd_missing"}
    assert all(e.severity == dg.AssetCheckSeverity.ERROR for e in second.get_asset_check_evaluations())
    assert "ssd_person is missing contract column(s): pers_sex" in failures["ssd_person"]
    assert "source table ssd_missing not found" in failures["ssd_missing"]
    assert "extract_failed" not in _metadata_by_table(second)["ssd_disability"]

    wh = Warehouse(warehouse_url)
    assert wh.row_count("raw", "ssd_disability") == counts["ssd_disability"] + 1
    for table in ("ssd_person", "ssd_missing"):  # previous tables intact, from the first run
        assert wh.row_count("raw", table) == counts[table]
        assert wh.query_frame(f"SELECT DISTINCT _load_id FROM raw.{table}")["_load_id"].tolist() == [first.run_id]
    assert "pers_sex" in wh.columns("raw", "ssd_person")
    assert wh.tables("raw") == ["ssd_disability", "ssd_missing", "ssd_person", TABLE_LOG]
    # The load log still describes the raw tables as they are: the failed tables keep the first run's entry.
    log = wh.query_frame(f"SELECT table_name, load_id FROM raw.{TABLE_LOG}").set_index("table_name")["load_id"]
    assert log.to_dict() == {"ssd_disability": second.run_id, "ssd_missing": first.run_id, "ssd_person": first.run_id}


def test_an_absent_extension_table_loads_empty_with_a_warning_and_is_logged_not_supplied(tmp_path, make_settings):
    """A council whose SSD extract has no core-group table still runs; its measures then say source_not_supplied."""
    cms_url = f"sqlite:///{tmp_path / 'ssd.sqlite'}"
    counts = build_ssd_source(cms_url)
    assert counts["ssd_cp_core_groups"] > 0
    warehouse_url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    settings = make_settings(cms_url, warehouse_url)
    selection = [a for a in ssd_assets if a.key.path[-1] in ("ssd_cp_core_groups", "ssd_cla_pep")]
    assert dg.materialize(selection, resources={"pipeline": settings}).success
    wh = Warehouse(warehouse_url)
    assert wh.row_count("raw", "ssd_cp_core_groups") == counts["ssd_cp_core_groups"]

    engine = sa.create_engine(cms_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE ssd_cp_core_groups"))
    engine.dispose()

    second = dg.materialize(selection, resources={"pipeline": settings})
    assert second.success
    checks = {e.asset_key.path[-1]: e for e in second.get_asset_check_evaluations()}
    assert not checks["ssd_cp_core_groups"].passed
    assert checks["ssd_cp_core_groups"].severity == dg.AssetCheckSeverity.WARN  # not ERROR: nothing downstream is held
    assert "not in the source" in checks["ssd_cp_core_groups"].description
    assert checks["ssd_cla_pep"].passed
    assert wh.row_count("raw", "ssd_cp_core_groups") == 0
    assert wh.columns("raw", "ssd_cp_core_groups") == [c.name for c in ssd_tables()["ssd_cp_core_groups"]] + list(
        LOAD_COLUMNS
    )
    log = wh.query_frame(f"SELECT table_name, supplied, row_count FROM raw.{TABLE_LOG}").set_index("table_name")
    assert not bool(log.loc["ssd_cp_core_groups", "supplied"]) and int(log.loc["ssd_cp_core_groups", "row_count"]) == 0
    assert bool(log.loc["ssd_cla_pep", "supplied"])
