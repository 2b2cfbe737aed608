"""The extract assets on the synthetic council (small scale), checked against its manifest and ground truth."""
from __future__ import annotations

import csv
import json

import dagster as dg
import pytest

from cs_pipeline.defs.sources import defs as sources_defs
from cs_pipeline.defs.sources.health import CHECK_NAME
from cs_pipeline.lib.health_files import HEALTH_KINDS
from cs_pipeline.lib.ssd_schema import ssd_tables
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.synthetic import generate
from cs_pipeline_tests.sources.conftest import pipeline_settings



@pytest.fixture(scope="module")
def council(tmp_path_factory):
    out = tmp_path_factory.mktemp("council")
    generate(out, scale=0.05, seed=7)
    manifest = json.loads((out / "ground_truth" / "manifest.json").read_text())
    warehouse_url = f"duckdb:///{out / 'warehouse.duckdb'}"
    settings = pipeline_settings(f"sqlite:///{out / 'ssd.sqlite'}", warehouse_url, out / "health", out / "output")
    settings = settings.model_copy(update={"as_at": manifest["as_at"]})
    result = dg.materialize(list(sources_defs.assets), resources={"pipeline": settings})
    return out, manifest, Warehouse(warehouse_url), result


def test_every_asset_materialises_and_checks_pass(council):
    _, _, _, result = council
    assert result.success
    assert len(result.get_asset_materialization_events()) == 43  # 39 SSD tables (4 extension), 3 health files, calendar
    assert all(e.passed for e in result.get_asset_check_evaluations())


def test_ssd_row_counts_equal_the_generators(council):
    _, manifest, wh, _ = council
    for table in ssd_tables():
        assert wh.row_count("raw", table) == manifest["counts"][table], table


def test_health_files_match_the_manifest(council):
    _, manifest, wh, _ = council
    log = wh.query_frame(
        "SELECT name, sha256, status, rows, encoding, date_format, extra_columns FROM raw.health_file_log"
    ).set_index("name")
    assert sorted(log.index) == sorted(f["file"] for f in manifest["health_files"])
    for f in manifest["health_files"]:
        row = log.loc[f["file"]]
        assert row["sha256"] == f["sha256"]
        if f.get("duplicate_of"):
            assert row["status"] == "duplicate" and row["rows"] == 0, f["file"]
            continue
        assert row["status"] == "loaded", f["file"]
        assert (row["rows"], row["encoding"]) == (f["rows"], f["encoding"]), f["file"]
        if f["rows"]:
            assert row["date_format"] == f["date_format"], f["file"]
        assert (row["extra_columns"] or "") == ",".join(f["extra_columns"]), f["file"]
    loaded = sum(f["rows"] for f in manifest["health_files"] if not f.get("duplicate_of"))
    assert sum(wh.row_count("raw", k.table) for k in HEALTH_KINDS.values()) == loaded


def test_health_record_ids_and_defects_match_the_ground_truth(council):
    out, _, wh, _ = council
    truth = list(csv.DictReader((out / "ground_truth" / "health_record_truth.csv").open(encoding="utf-8")))
    for kind, spec in HEALTH_KINDS.items():
        ids = set(wh.query_frame(f"SELECT DISTINCT record_id FROM raw.{spec.table}")["record_id"])
        assert ids == {t["record_id"] for t in truth if t["file_kind"] == kind}, kind
    defects = list(csv.DictReader((out / "ground_truth" / "defects.csv").open(encoding="utf-8")))
    invalid = [d for d in defects if d["defect_type"] == "invalid_date"]
    assert invalid
    for d in invalid:  # an impossible date stays as its text in its row, for validation to quarantine
        kind = next(k for k in HEALTH_KINDS if d["location"].startswith(k + "_"))
        value = wh.scalar(
            f'SELECT "{d["column"]}" FROM raw.{HEALTH_KINDS[kind].table} WHERE _file = :f AND record_id = :r',
            f=d["location"], r=d["row_key"],
        )
        assert value == d["detail"].removeprefix("impossible date "), d
    # every other date is normalised to YYYY-MM-DD, whatever the file's format; no mojibake from cp1252 files
    for kind, spec in HEALTH_KINDS.items():
        for col in spec.date_columns:
            bad = wh.scalar(
                f"SELECT count(*) FROM raw.{spec.table} WHERE {col} IS NOT NULL AND {col} NOT LIKE '____-__-__'"
            )
            expected = sum(1 for d in invalid if d["column"] == col and d["location"].startswith(kind + "_")
                           and "/" in d["detail"])
            assert bad == expected, (kind, col)
        assert wh.scalar(
            f"SELECT count(*) FROM raw.{spec.table} WHERE strpos(given_name || family_name, chr(65533)) > 0"
        ) == 0


def test_rerunning_on_the_same_sources_adds_no_health_rows(council):
    out, manifest, wh, _ = council
    before = {k.table: wh.row_count("raw", k.table) for k in HEALTH_KINDS.values()}
    log_rows = wh.row_count("raw", "health_file_log")
    settings = pipeline_settings(f"sqlite:///{out / 'ssd.sqlite'}", wh.url, out / "health", out / "output")
    health = [a for a in sources_defs.assets if a.key.path[-1].startswith("health_")]
    result = dg.materialize(health, resources={"pipeline": settings})
    assert result.success
    assert {k.table: wh.row_count("raw", k.table) for k in HEALTH_KINDS.values()} == before
    assert wh.row_count("raw", "health_file_log") == log_rows
    assert {e.check_name for e in result.get_asset_check_evaluations()} == {CHECK_NAME}
