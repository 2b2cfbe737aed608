"""raw/health_<kind>: the health provider's CSV drops, with the delivery realities of INTERFACE.md section 2."""
from __future__ import annotations

import codecs
import shutil
from pathlib import Path

import dagster as dg
import pytest

from cs_pipeline.defs.sources.health import health_assets
from cs_pipeline.lib.health_files import HEALTH_KINDS
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline_tests.conftest import fresh_postgres_database

LAC = HEALTH_KINDS["lac_health_assessments"].columns
IMM = HEALTH_KINDS["immunisations"].columns
DENTAL = HEALTH_KINDS["dental_checks"].columns


def csv_text(columns, rows) -> str:
    return "\r\n".join([",".join(columns)] + [",".join(r[c] for c in columns) for r in rows]) + "\r\n"


def person(record_id: str, given: str = "Ada", dob: str = "2015-03-01") -> dict[str, str]:
    return {
        "record_id": record_id, "nhs_number": "999 000 0018", "given_name": given, "family_name": "Test",
        "date_of_birth": dob, "sex": "F", "postcode": "e1 6an",
    }


def lac_row(record_id, status="BOOKED", assessment_date="", given="Ada"):
    return person(record_id, given) | {
        "la_child_id": "", "assessment_type": "IHA", "request_received_date": "2025-01-06",
        "appointment_date": "2025-01-20", "assessment_date": assessment_date, "report_sent_date": "",
        "status": status, "practitioner_type": "DOCTOR", "provider_code": "RQX",
    }


def write_first_delivery(folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    # UTF-8, ISO dates, contract column order
    (folder / "lac_health_assessments_20250131.csv").write_text(csv_text(LAC, [lac_row("H1"), lac_row("H2")]))
    # UTF-8 with BOM, columns shuffled; H1 updated (completed), H3 new, a Welsh name
    shuffled = list(reversed(LAC))
    rows = [lac_row("H1", "COMPLETED", "2025-02-03"), lac_row("H3", given="Siân")]
    (folder / "lac_health_assessments_20250228.csv").write_bytes(codecs.BOM_UTF8 + csv_text(shuffled, rows).encode())
    # the January file delivered again under another name
    shutil.copy(folder / "lac_health_assessments_20250131.csv", folder / "lac_health_assessments_20250305.csv")
    # Windows-1252, DD/MM/YYYY, an impossible date, an extra column
    imm_cols = list(IMM) + ["gp_practice"]
    imm_rows = [
        person("I1", "Zoë", "01/03/2015") | {"status_date": "15/01/2025", "up_to_date": "Y", "gp_practice": "X1"},
        person("I2", "Bob", "31/02/2014") | {"status_date": "16/01/2025", "up_to_date": "N", "gp_practice": ""},
    ]
    (folder / "immunisations_20250131.csv").write_bytes(csv_text(imm_cols, imm_rows).encode("cp1252"))
    # a required column missing: this file alone is rejected
    (folder / "immunisations_20250228.csv").write_text(
        csv_text([c for c in IMM if c != "up_to_date"], [person("I3") | {"status_date": "2025-02-01"}])
    )
    (folder / "dental_checks_20250131.csv").write_text(csv_text(DENTAL, [person("D1") | {"check_date": "2025-01-10"}]))
    (folder / "dental_checks_20250228.csv").write_text(",".join(DENTAL) + "\n")  # header only: no rows
    (folder / "dental_checks_20250310.csv").write_bytes(b"")  # empty
    truncated = csv_text(DENTAL, [person("D2") | {"check_date": "2025-03-01"}] * 2)[:-20]
    (folder / "dental_checks_20250320.csv").write_text(truncated)  # cut off mid-row
    (folder / "readme.txt").write_text("not a delivery")


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def warehouse_url(request, tmp_path):
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    return fresh_postgres_database("cs_extract_test_health")


def _checks(result) -> dict[str, bool]:
    return {e.asset_key.path[-1]: e.passed for e in result.get_asset_check_evaluations()}


def _metadata(result) -> dict[str, dict]:
    return {
        e.asset_key.path[-1]: e.step_materialization_data.materialization.metadata
        for e in result.get_asset_materialization_events()
    }


def _log(wh: Warehouse):
    return wh.query_frame("SELECT name, status, message, rows FROM raw.health_file_log ORDER BY name")


def test_health_deliveries(tmp_path, make_settings, warehouse_url):
    folder = tmp_path / "health"
    write_first_delivery(folder)
    settings = make_settings("sqlite://", warehouse_url, folder)
    wh = Warehouse(warehouse_url)

    first = dg.materialize(health_assets, resources={"pipeline": settings}, raise_on_error=False)
    # every asset materialised; the rejected files fail the blocking checks of their assets only
    assert set(_metadata(first)) == {"health_lac_health_assessments", "health_immunisations", "health_dental_checks"}
    assert _checks(first) == {
        "health_lac_health_assessments": True, "health_immunisations": False, "health_dental_checks": False,
    }
    log = _log(wh).set_index("name")
    assert log["status"].to_dict() == {
        "dental_checks_20250131.csv": "loaded",
        "dental_checks_20250228.csv": "loaded",
        "dental_checks_20250310.csv": "rejected",
        "dental_checks_20250320.csv": "rejected",
        "immunisations_20250131.csv": "loaded",
        "immunisations_20250228.csv": "rejected",
        "lac_health_assessments_20250131.csv": "loaded",
        "lac_health_assessments_20250228.csv": "loaded",
        "lac_health_assessments_20250305.csv": "duplicate",
    }
    assert log.loc["immunisations_20250228.csv", "message"] == (
        "immunisations_20250228.csv: missing required column(s): up_to_date"
    )
    assert "empty file" in log.loc["dental_checks_20250310.csv", "message"]
    assert "truncated" in log.loc["dental_checks_20250320.csv", "message"]
    assert "lac_health_assessments_20250131.csv" in log.loc["lac_health_assessments_20250305.csv", "message"]
    check_text = {e.asset_key.path[-1]: e.description for e in first.get_asset_check_evaluations()}
    assert "immunisations_20250228.csv: missing required column(s): up_to_date" in check_text["health_immunisations"]

    lac = wh.query_frame(
        "SELECT record_id, status, assessment_date, given_name, _file, _file_date, _row_number, _row_key "
        "FROM raw.health_lac_health_assessments ORDER BY _file, _row_number"
    )
    assert len(lac) == 4  # 2 + 2; the duplicate delivery added nothing
    h1 = lac[lac["record_id"] == "H1"]
    assert h1["status"].tolist() == ["BOOKED", "COMPLETED"]  # both versions kept: history
    assert h1["assessment_date"].tolist() == [None, "2025-02-03"]
    assert lac.loc[lac["record_id"] == "H3", "given_name"].item() == "Siân"  # BOM file, shuffled columns
    first_file = "lac_health_assessments_20250131.csv"
    assert lac["_row_key"].tolist()[:2] == [f"{first_file}#1", f"{first_file}#2"]
    assert str(lac["_file_date"].iloc[-1])[:10] == "2025-02-28"

    imm = wh.query_frame(
        "SELECT record_id, given_name, date_of_birth, status_date FROM raw.health_immunisations ORDER BY record_id"
    )
    assert imm.values.tolist() == [
        ["I1", "Zoë", "2015-03-01", "2025-01-15"],  # cp1252 decoded; DD/MM/YYYY normalised
        ["I2", "Bob", "31/02/2014", "2025-01-16"],  # impossible date kept as its text for validation
    ]
    assert "gp_practice" not in wh.columns("raw", "health_immunisations")
    meta = _metadata(first)
    assert meta["health_immunisations"]["extra_columns_ignored"].value == ["gp_practice"]
    assert meta["health_immunisations"]["date_values_kept_as_text"].value == 1
    assert meta["health_lac_health_assessments"]["files_duplicate"].value == 1
    assert wh.row_count("raw", "health_dental_checks") == 1

    # Re-running on the same folder adds nothing and logs nothing new.
    before = {k: wh.row_count("raw", HEALTH_KINDS[k].table) for k in HEALTH_KINDS}
    second = dg.materialize(health_assets, resources={"pipeline": settings})
    assert second.success and all(_checks(second).values())
    assert {k: wh.row_count("raw", HEALTH_KINDS[k].table) for k in HEALTH_KINDS} == before
    assert len(_log(wh)) == 9
    assert _metadata(second)["health_lac_health_assessments"]["files_already_seen"].value == 3

    # Later: a corrected immunisations file (and the same again under another name), and a broken lac file.
    (folder / "immunisations_20250310.csv").write_text(
        csv_text(IMM, [person("I3") | {"status_date": "2025-02-01", "up_to_date": "Y"}])
    )
    shutil.copy(folder / "immunisations_20250310.csv", folder / "immunisations_20250310 (1).csv")
    (folder / "lac_health_assessments_20250331.csv").write_text(
        csv_text([c for c in LAC if c != "nhs_number"], [lac_row("H4")])
    )
    third = dg.materialize(health_assets, resources={"pipeline": settings}, raise_on_error=False)
    assert _checks(third) == {
        "health_lac_health_assessments": False, "health_immunisations": True, "health_dental_checks": True,
    }
    assert wh.row_count("raw", "health_immunisations") == before["immunisations"] + 1  # once, not twice
    assert wh.row_count("raw", "health_lac_health_assessments") == before["lac_health_assessments"]  # nothing lost
    log = _log(wh).set_index("name")
    assert log.loc["immunisations_20250310 (1).csv", "status"] == "duplicate"
    assert log.loc["lac_health_assessments_20250331.csv", "message"] == (
        "lac_health_assessments_20250331.csv: missing required column(s): nhs_number"
    )


def test_a_corrected_file_under_a_name_already_loaded_is_rejected(tmp_path, make_settings):
    folder = tmp_path / "health"
    folder.mkdir()
    name = folder / "dental_checks_20250131.csv"
    name.write_text(csv_text(DENTAL, [person("D1") | {"check_date": "2025-01-10"}]))
    settings = make_settings("sqlite://", f"duckdb:///{tmp_path / 'w.duckdb'}", folder)
    assert dg.materialize(health_assets[2:], resources={"pipeline": settings}).success
    name.write_text(csv_text(DENTAL, [person("D1") | {"check_date": "2025-01-11"}]))
    result = dg.materialize(health_assets[2:], resources={"pipeline": settings}, raise_on_error=False)
    assert _checks(result) == {"health_dental_checks": False}
    wh = Warehouse(settings.warehouse_url)
    assert wh.query_frame("SELECT check_date FROM raw.health_dental_checks")["check_date"].tolist() == ["2025-01-10"]
    assert _log(wh)["status"].tolist() == ["loaded", "rejected"]


def test_missing_health_folder_fails_the_asset(tmp_path, make_settings):
    settings = make_settings("sqlite://", f"duckdb:///{tmp_path / 'w.duckdb'}", tmp_path / "health")
    shutil.rmtree(tmp_path / "health")
    result = dg.materialize(health_assets[:1], resources={"pipeline": settings}, raise_on_error=False)
    assert not result.success
    assert "health folder not found" in str(result.get_step_failure_events()[0].event_specific_data.error.message)
