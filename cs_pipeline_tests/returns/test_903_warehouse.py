"""The 903 in the warehouse: DfE's rules on the return tables give the same flags as on DfE's files (DuckDB and
PostgreSQL), rule results replace only their year, and the upload files are DfE's format, byte-stable."""
from __future__ import annotations

import os
import shutil

import pandas as pd
import pytest

from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.returns.collection_year import CollectionYear, return_tables
from cs_pipeline.returns.ssda903.files import typed_frame
from cs_pipeline.returns.ssda903.publish import validate_in_warehouse, write_upload_files
from cs_pipeline.returns.validate import validate_ssda903_folder
from cs_pipeline_tests.conftest import fresh_postgres_database
from cs_pipeline_tests.returns.test_903_public_validator import FAKE_DATA

YEAR = CollectionYear.parse("2025-26")


def fake_folder(tmp_path):
    folder = tmp_path / "fake903"
    folder.mkdir()
    for path in FAKE_DATA.glob("*.csv"):
        if path.name not in ("placed_for_adoption_errors.csv", "DoLo.csv"):
            shutil.copy(path, folder / path.name)
    return folder


def load_as_return_tables(wh: Warehouse, folder, year: CollectionYear) -> None:
    """DfE's CSVs -> returns.ssda903_<table> rows of the year, typed as dbt builds them."""
    for table in return_tables("ssda903", year).values():
        path = folder / f"{table.name}.csv"
        rows = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig").to_dict("records")
        frame = typed_frame(table, rows)[["row_id", *table.column_names]]  # upper-cased, as a return built by dbt
        frame.insert(0, "collection_year", str(year))
        types = {"collection_year": "TEXT", "row_id": "BIGINT"}
        types |= {c.name: "DATE" if c.type == "date" else "TEXT" for c in table.columns}
        existing = wh.table_exists("returns", f"ssda903_{table.name}")
        if existing:
            wh.execute(f"delete from returns.ssda903_{table.name} where collection_year = '{year}'")
            with wh.begin() as conn:
                wh.append_frame(conn, frame, "returns", f"ssda903_{table.name}")
        else:
            wh.replace_table("returns", f"ssda903_{table.name}", [frame], types)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return fake_folder(tmp_path_factory.mktemp("files"))


@pytest.fixture(scope="module")
def file_flags(folder):
    flags = validate_ssda903_folder(folder, YEAR).run.flags
    return set(zip(flags["rule_code"], flags["table_name"], flags["row_id"].astype(int), flags["child_id"]))


def _warehouse_flags(wh: Warehouse, year: CollectionYear) -> set:
    results = wh.query_frame(
        "select rule_code, table_name, row_id, child_id from returns.dfe_rule_results where collection_year = :y",
        y=str(year),
    )
    return set(zip(results["rule_code"], results["table_name"], results["row_id"].astype(int), results["child_id"]))


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_rules_on_the_warehouse_flag_what_they_flag_on_the_files(tmp_path, folder, file_flags, engine):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}" if engine == "duckdb" else fresh_postgres_database(f"cs_903_wh_{os.getpid()}")
    wh = Warehouse(url)
    load_as_return_tables(wh, folder, YEAR)
    run, _ = validate_in_warehouse(wh, YEAR)
    assert not run.failed, run.failed
    assert len(file_flags) > 0
    assert _warehouse_flags(wh, YEAR) == file_flags
    runs = wh.query_frame("select status, count(*) as n from returns.dfe_rule_runs group by status")
    assert dict(zip(runs["status"], runs["n"]))["ran"] == len(run.ran)

    # with 2024-25 built too, DfE's year-on-year rules run on the warehouse, as on files given --previous-year;
    # re-validating a year keeps the other year's results
    load_as_return_tables(wh, folder, CollectionYear.parse("2024-25"))
    validate_in_warehouse(wh, CollectionYear.parse("2024-25"))
    run, _ = validate_in_warehouse(wh, YEAR)
    assert "episodes_last" not in {r for r in run.skipped.values()}
    with_last = validate_ssda903_folder(folder, YEAR, previous_year=folder).run.flags
    assert _warehouse_flags(wh, YEAR) == set(
        zip(with_last["rule_code"], with_last["table_name"], with_last["row_id"].astype(int), with_last["child_id"])
    )
    assert wh.scalar("select count(*) from returns.dfe_rule_results where collection_year = '2024-25'") > 0


def test_a_year_not_built_is_refused(tmp_path, folder):
    wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    load_as_return_tables(wh, folder, YEAR)
    for call in (lambda: validate_in_warehouse(wh, CollectionYear.parse("2023-24")),
                 lambda: write_upload_files(wh, CollectionYear.parse("2023-24"), tmp_path / "out")):
        with pytest.raises(ValueError, match="SSDA903 2023-24 has not been built"):
            call()
    assert not (tmp_path / "out" / "returns" / "ssda903" / "2023-24").exists()


def test_upload_files_are_dfe_csvs_stable_and_read_back_the_same(tmp_path, folder, file_flags):
    wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    load_as_return_tables(wh, folder, YEAR)
    out = tmp_path / "out"
    written = write_upload_files(wh, YEAR, out)
    year_dir = out / "returns" / "ssda903" / "2025-26"
    assert sorted(written) == sorted(f"{t}.csv" for t in return_tables("ssda903", YEAR))
    first = {p.name: p.read_bytes() for p in year_dir.iterdir()}
    write_upload_files(wh, YEAR, out)
    assert {p.name: p.read_bytes() for p in year_dir.iterdir()} == first  # byte-identical
    header = first["episodes.csv"].decode("utf-8").splitlines()[0]
    assert header == "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
    assert first["episodes.csv"].decode("utf-8").splitlines()[1].split(",")[1] == "15/02/2016"
    # the files, read back by the file validator, raise exactly the flags of the original files
    flags = validate_ssda903_folder(year_dir, YEAR).run.flags
    assert set(zip(flags["rule_code"], flags["table_name"], flags["row_id"].astype(int), flags["child_id"])) == file_flags


def test_a_failed_write_leaves_the_previous_files(tmp_path, folder, monkeypatch):
    wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    load_as_return_tables(wh, folder, YEAR)
    out = tmp_path / "out"
    write_upload_files(wh, YEAR, out)
    year_dir = out / "returns" / "ssda903" / "2025-26"
    before = {p.name: p.read_bytes() for p in year_dir.iterdir()}
    wh.execute("drop table returns.ssda903_reviews")
    with pytest.raises(Exception):
        write_upload_files(wh, YEAR, out)
    assert {p.name: p.read_bytes() for p in year_dir.iterdir()} == before
    assert [p.name for p in year_dir.parent.iterdir()] == ["2025-26"]
    assert oct(year_dir.stat().st_mode & 0o777) != oct(0o700)  # readable beyond the pipeline's user, as the umask says
