"""The 903 in Dagster: files and rule results for the run's year, one WARN check per rule on its return table."""
from __future__ import annotations

import dagster as dg
import pytest

from cs_pipeline.config import Settings
from cs_pipeline.defs.resources import COLLECTION_YEAR_TAG, PipelineSettings
from cs_pipeline.defs.returns.rules import dfe_rule_results, ssda903_rule_checks
from cs_pipeline.defs.returns.ssda903 import TABLE_KEYS, ssda903_files
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.returns.collection_year import CollectionYear
from cs_pipeline.returns.rules import all_rules
from cs_pipeline_tests.returns.test_903_warehouse import fake_folder, load_as_return_tables


def test_one_warn_check_per_rule_on_a_return_table():
    specs = list(ssda903_rule_checks.check_specs)
    assert {s.name for s in specs} == {f"dfe_{r.code}" for r in all_rules("ssda903")}
    assert {s.asset_key for s in specs} <= set(TABLE_KEYS.values())
    by_name = {s.name: s for s in specs}
    assert by_name["dfe_1003"].asset_key == dg.AssetKey(["returns", "ssda903_episodes"])
    assert not any(s.blocking for s in specs)


@pytest.fixture
def defs_on_fake_return(tmp_path):
    wh_url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    load_as_return_tables(Warehouse(wh_url), fake_folder(tmp_path), CollectionYear.parse("2025-26"))
    settings = Settings.from_env({
        "CS_PIPELINE_WAREHOUSE_URL": wh_url, "CS_PIPELINE_OUTPUT_DIR": str(tmp_path / "out"),
        "CS_PIPELINE_AS_AT": "2026-09-30",
    })
    return dg.Definitions(
        assets=[*(dg.AssetSpec(k) for k in TABLE_KEYS.values()), ssda903_files, dfe_rule_results],
        asset_checks=[ssda903_rule_checks],
        resources={"pipeline": PipelineSettings.from_settings(settings)},
    ), tmp_path


def test_files_results_and_checks_for_the_runs_year(defs_on_fake_return):
    defs, tmp_path = defs_on_fake_return
    job = defs.get_implicit_global_asset_job_def()
    result = job.execute_in_process(raise_on_error=False)
    assert result.success
    assert (tmp_path / "out" / "returns" / "ssda903" / "2025-26" / "episodes.csv").exists()
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert evaluations["dfe_1003"].passed is False
    assert evaluations["dfe_1003"].severity == dg.AssetCheckSeverity.WARN
    assert evaluations["dfe_1003"].metadata["flags"].value == 8
    # rules needing last year's tables did not run: no result rather than a pass
    assert "dfe_502" not in evaluations
    materialised = result.asset_materializations_for_node("returns__dfe_rule_results")[0]
    assert materialised.metadata["collection_year"].value == "2025-26"


def test_the_run_tag_picks_the_collection_year(defs_on_fake_return):
    defs, tmp_path = defs_on_fake_return
    job = defs.get_implicit_global_asset_job_def()
    result = job.execute_in_process(raise_on_error=False, tags={COLLECTION_YEAR_TAG: "2024-25"})
    assert not result.success  # 2024-25 was never built: refused, not published empty
    assert not (tmp_path / "out" / "returns" / "ssda903" / "2024-25").exists()
