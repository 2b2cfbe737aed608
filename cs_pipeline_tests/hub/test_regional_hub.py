"""A regional hub end to end: two tiny synthetic councils (one on DuckDB, one on the real PostgreSQL) run through
the hub's Dagster assets, each in its own process, warehouse and Dagster instance; a third whose password variable
is unset fails alone; their copies combine into one regional set with la_code carried, row counts adding up and no
identifier; a council whose copy is laid out differently is named."""
from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
import time

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa
import yaml

from cs_pipeline.hub.definitions import COUNCIL_PIPELINE_KEY, REGIONAL_SET_KEY, hub_definitions
from cs_pipeline.hub.synthetic import KEY_REFERENCE_VARIABLE, generate_councils
from cs_pipeline.lib.health_files import HEALTH_KINDS
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.publish.regional import MANIFEST_TABLE, SHARED_SCHEMA, _kind
from cs_pipeline.publish.regional_set import REGIONAL_SCHEMA, STATUS_TABLE
from cs_pipeline_tests.conftest import fresh_postgres_database

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SCALE = 0.02
FULL_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$", re.IGNORECASE)
UPN = re.compile(r"^[A-Z][0-9]{11}[0-9A-Z]$")
HASHED = re.compile(r"^[0-9a-f]{20}$")


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub")
    path = generate_councils(root, 2, scale=SCALE, seed=7, first_la_code=201)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["councils"][1]["warehouse_url"] = fresh_postgres_database("cs_hub_council_202")
    document["councils"].append({
        "la_code": "203", "name": "Unset password", "cms_url": "sqlite:///203/ssd.sqlite", "health_dir": "203/health",
        "warehouse_url": "postgresql://pipeline:${CS_TEST_HUB_UNSET_PASSWORD}@127.0.0.1:5432/cs_hub_council_203",
        "output_dir": "203/output", "dagster_home": "203/dagster_home"})
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")

    defs = hub_definitions(path)
    instance = dg.DagsterInstance.ephemeral()
    results, walls = {}, {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(KEY_REFERENCE_VARIABLE, "the-test-partnerships-shared-key")
        patch.delenv("CS_TEST_HUB_UNSET_PASSWORD", raising=False)
        council_job = defs.resolve_job_def("regional_council_pipelines")
        for la_code in ("201", "202", "203"):
            started = time.perf_counter()
            results[la_code] = council_job.execute_in_process(partition_key=la_code, instance=instance,
                                                              raise_on_error=False)
            walls[la_code] = time.perf_counter() - started
        started = time.perf_counter()
        combined = defs.resolve_job_def("regional_set_job").execute_in_process(instance=instance, raise_on_error=False)
        walls["combine"] = time.perf_counter() - started
    print("wall seconds:", {k: round(v, 1) for k, v in walls.items()})
    warehouses = {"201": Warehouse(f"duckdb:///{root / '201' / 'warehouse.duckdb'}"),
                  "202": Warehouse(document["councils"][1]["warehouse_url"])}
    regional = Warehouse(f"duckdb:///{root / 'regional' / 'regional_set.duckdb'}")
    return {"root": root, "path": path, "results": results, "combined": combined, "warehouses": warehouses,
            "regional": regional, "out": root / "regional" / "output"}


def test_each_council_ran_alone_and_a_failing_one_failed_only_itself(hub):
    results = hub["results"]
    assert results["201"].success and results["202"].success
    assert not results["203"].success
    failure = next(e for e in results["203"].all_events if e.event_type_value == "STEP_FAILURE")
    assert "${CS_TEST_HUB_UNSET_PASSWORD}" in str(failure.event_specific_data.error)
    for la_code, warehouse in hub["warehouses"].items():
        # each council's copy is in its own warehouse and says whose it is; its marts were built there
        assert set(warehouse.query_frame(f"select distinct la_code from {SHARED_SCHEMA}.{MANIFEST_TABLE}")["la_code"]) \
            == {la_code}
        assert warehouse.row_count("marts", "iha_timeliness") > 0
        # and its run is recorded in its own Dagster instance, not the hub's
        home = hub["root"] / la_code / "dagster_home"
        with dg.DagsterInstance.from_config(str(home)) as own:
            runs = own.get_runs()
        assert [r.job_name for r in runs] == ["nightly_refresh"]
        assert runs[0].tags["cs_pipeline/launched_by"] == "regional_hub"
    materialised = results["201"].asset_materializations_for_node("regional__council_pipeline")[0]
    assert materialised.metadata["shared_tables"].value > 40 and materialised.metadata["error_checks"].value == 0


def test_the_regional_set_is_the_sum_of_the_councils_copies_with_la_code(hub):
    regional, warehouses = hub["regional"], hub["warehouses"]
    assert hub["combined"].success
    shared = {la: dict(w.query_frame(f"select table_name, row_count from {SHARED_SCHEMA}.{MANIFEST_TABLE}")
                       .itertuples(index=False, name=None)) for la, w in warehouses.items()}
    tables = set(regional.tables(REGIONAL_SCHEMA)) - {STATUS_TABLE}
    assert tables == set(shared["201"]) == set(shared["202"])
    total = 0
    for table in sorted(tables):
        counts = regional.query_frame(f'select la_code, count(*) as n from {REGIONAL_SCHEMA}."{table}" group by 1')
        by_council = dict(counts.itertuples(index=False, name=None))
        expected = {la: rows[table] for la, rows in shared.items() if rows[table]}
        assert by_council == expected, table
        assert regional.columns(REGIONAL_SCHEMA, table)[0] == "la_code"
        assert regional.row_count(REGIONAL_SCHEMA, table) == sum(rows[table] for rows in shared.values())
        total += regional.row_count(REGIONAL_SCHEMA, table)
    assert total > 10_000
    status = regional.query_frame(f"select la_code, status, reason from {REGIONAL_SCHEMA}.{STATUS_TABLE}")
    status = status.set_index("la_code")
    assert status["status"].to_dict() == {"201": "combined", "202": "combined", "203": "refused"}
    assert "${CS_TEST_HUB_UNSET_PASSWORD}" in status.loc["203", "reason"]
    (check,) = hub["combined"].get_asset_check_evaluations()
    assert check.asset_key == REGIONAL_SET_KEY and not check.passed
    assert check.severity == dg.AssetCheckSeverity.WARN and "203" in check.description


def _sensitive_values(root, la_code: str) -> dict[str, set[str]]:
    """Each synthetic council's names, NHS numbers, UPNs and full postcodes, from its own sources."""
    engine = sa.create_engine(f"sqlite:///{root / la_code / 'sources' / 'ssd.sqlite'}")
    with engine.connect() as conn:
        person = pd.read_sql("select pers_forename, pers_surname, pers_common_child_id from ssd_person", conn)
        links = pd.read_sql("select link_identifier_type, link_identifier_value from ssd_linked_identifiers", conn)
        postcodes = pd.read_sql("select addr_address_postcode as p from ssd_address union "
                                "select clap_cla_placement_postcode from ssd_cla_placement", conn)
        workers = pd.read_sql("select prof_professional_name from ssd_professionals", conn)
    engine.dispose()
    values = {"names": set(person["pers_forename"]) | set(person["pers_surname"])
              | set(workers["prof_professional_name"]),
              "nhs": set(person["pers_common_child_id"].dropna())
              | set(links.loc[links["link_identifier_type"] == "NHS Number", "link_identifier_value"]),
              "upn": set(links.loc[links["link_identifier_type"] == "Unique Pupil Number", "link_identifier_value"]),
              "postcodes": set(postcodes["p"].dropna())}
    for kind in HEALTH_KINDS:
        for file in (root / la_code / "sources" / "health").glob(f"{kind}_*.csv"):
            frame = pd.read_csv(file, dtype=str, keep_default_na=False, encoding_errors="replace")
            values["names"] |= set(frame.get("given_name", [])) | set(frame.get("family_name", []))
            values["nhs"] |= set(frame.get("nhs_number", []))
            values["postcodes"] |= set(frame.get("postcode", []))
    return {k: {str(v).strip().lower() for v in vs if str(v).strip() and len(str(v).strip()) > 2} for k, vs in values.items()}


def test_no_name_nhs_number_upn_or_full_postcode_is_in_the_regional_set(hub):
    sensitive = {k: set() for k in ("names", "nhs", "upn", "postcodes")}
    for la_code in ("201", "202"):
        for k, v in _sensitive_values(hub["root"], la_code).items():
            sensitive[k] |= v
    assert all(sensitive.values())
    digits = {re.sub(r"\D", "", v) for v in sensitive["nhs"]}
    found, cells = [], 0
    for path in sorted(hub["out"].glob("*__*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            ids = [i for i, c in enumerate(header) if _kind(c) == "id"]
            for row in reader:
                for i, cell in enumerate(row):
                    cells += 1
                    text = cell.strip().lower()
                    if not text:
                        continue
                    if text in sensitive["names"] or text in sensitive["upn"] or text in sensitive["postcodes"] \
                            or re.sub(r"\D", "", text) in digits and len(re.sub(r"\D", "", text)) == 10 \
                            or FULL_POSTCODE.match(cell.strip()) or UPN.match(cell.strip()) \
                            or (i in ids and not HASHED.match(cell)):
                        found.append((path.stem, header[i]))
    assert cells > 100_000
    assert not found, sorted(set(found))[:20]


def test_a_council_laid_out_differently_is_named_and_the_others_combined(hub, tmp_path):
    """A fourth council whose copy lacks a column (an older pipeline, say): the command names it and the table."""
    root = hub["root"]
    odd_file = tmp_path / "c204.duckdb"
    shutil.copy(root / "201" / "warehouse.duckdb", odd_file)
    odd = Warehouse(f"duckdb:///{odd_file}")
    odd.execute(f"UPDATE {SHARED_SCHEMA}.{MANIFEST_TABLE} SET la_code = '204'")
    odd.execute(f"ALTER TABLE {SHARED_SCHEMA}.marts__iha_timeliness DROP COLUMN outcome")
    odd.engine.dispose()
    document = yaml.safe_load(hub["path"].read_text(encoding="utf-8"))
    document["councils"] = document["councils"][:2] + [{
        "la_code": "204", "name": "Older pipeline", "cms_url": "sqlite:///204/ssd.sqlite", "health_dir": "204/health",
        "warehouse_url": f"duckdb:///{odd_file}", "output_dir": "204/output"}]
    document["regional"] = {"warehouse_url": f"duckdb:///{tmp_path / 'regional_set.duckdb'}",
                            "output_dir": str(tmp_path / "out"), "max_age_hours": 36}
    councils = root / "councils_with_204.yaml"
    councils.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "cs_pipeline.publish.regional_set", "--councils", str(councils)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert ("council 204 (Older pipeline): REFUSED: columns differ from the other councils': "
            "marts__iha_timeliness lacks outcome") in proc.stdout
    assert "regional set: 2 of 3 councils" in proc.stdout
    regional = Warehouse(f"duckdb:///{tmp_path / 'regional_set.duckdb'}")
    assert set(regional.query_frame(f"select distinct la_code from {REGIONAL_SCHEMA}.marts__iha_timeliness")
               ["la_code"]) == {"201", "202"}
    assert regional.row_count(REGIONAL_SCHEMA, "marts__dim_child") == \
        hub["regional"].row_count(REGIONAL_SCHEMA, "marts__dim_child")


def test_the_hub_location_loads_with_a_partition_per_council(hub):
    defs = hub_definitions(hub["path"])
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    assert graph.get(COUNCIL_PIPELINE_KEY).partitions_def.get_partition_keys() == ["201", "202", "203"]
    assert {s.name for s in defs.schedules} == {"regional_council_schedule", "regional_set_schedule"}
