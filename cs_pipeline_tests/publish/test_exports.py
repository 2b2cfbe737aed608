"""The marts as Parquet (cs_pipeline/publish/exports.py), from DuckDB and the real PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow.parquet as pq
import pytest

from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.publish.exports import export_folder, export_marts
from cs_pipeline_tests.conftest import drop_postgres_database, fresh_postgres_database

IHA = pd.DataFrame({"person_id": ["C2", "C1", "C3"], "due_date": pd.to_datetime(["2026-01-05", "2026-01-02", None]),
                    "working_days": [25, 12, None], "outcome": ["late", "on_time", "not_yet_due"]})


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def warehouse(request, tmp_path):
    if request.param == "duckdb":
        wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    else:
        wh = Warehouse(fresh_postgres_database("cs_exports"))
    wh.write_frame(IHA, "marts", "iha_timeliness")
    wh.write_frame(pd.DataFrame({"measure": ["IHA"], "due_items": [3]}), "marts", "timeliness_monthly")
    wh.write_frame(pd.DataFrame({"person_id": ["C1"]}), "raw", "ssd_person")  # never exported
    yield wh
    if request.param == "postgresql":
        wh.engine.dispose()
        drop_postgres_database(wh.url)


def test_every_mart_is_exported_sorted_and_nothing_else(warehouse, tmp_path):
    rows = export_marts(warehouse, tmp_path / "out", "run1")
    folder = export_folder(tmp_path / "out")
    assert rows == {"iha_timeliness": 3, "timeliness_monthly": 1}
    assert sorted(p.name for p in folder.iterdir()) == ["iha_timeliness.parquet", "timeliness_monthly.parquet"]
    iha = pq.read_table(folder / "iha_timeliness.parquet").to_pandas()
    assert list(iha["person_id"]) == ["C1", "C2", "C3"] and list(iha.columns) == list(IHA.columns)
    assert pd.Timestamp(iha["due_date"][0]).date() == dt.date(2026, 1, 2)


def test_the_link_switches_whole_exports_and_keeps_the_one_before(warehouse, tmp_path):
    out = tmp_path / "out"
    export_marts(warehouse, out, "run1")
    first = (export_folder(out) / "iha_timeliness.parquet").read_bytes()
    export_marts(warehouse, out, "run2")
    assert export_folder(out).resolve().name == ".marts-run2"
    assert (export_folder(out) / "iha_timeliness.parquet").read_bytes() == first  # same marts, same file
    export_marts(warehouse, out, "run3")
    kept = sorted(p.name for p in export_folder(out).parent.iterdir() if p.is_dir() and not p.is_symlink())
    assert kept == [".marts-run2", ".marts-run3"]
