"""The run's resource holds a DuckDB warehouse open for the run, and lets go for dbt's subprocess and at the end."""
import subprocess
import sys

import dagster as dg

from cs_pipeline.config import Settings
from cs_pipeline.defs.resources import PipelineSettings


def _another_process_can_open(path) -> bool:
    probe = subprocess.run([sys.executable, "-c", f"import duckdb; duckdb.connect({str(path)!r}).close()"],
                           capture_output=True, text=True)
    return probe.returncode == 0


def test_the_warehouse_is_held_for_the_run_released_for_a_subprocess_and_at_the_end(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    pipeline = PipelineSettings.from_settings(Settings.from_env({
        "CS_PIPELINE_DATA_DIR": str(tmp_path), "CS_PIPELINE_WAREHOUSE_URL": f"duckdb:///{path}",
        "CS_PIPELINE_AS_AT": "2026-09-30"}))
    seen = {}

    @dg.asset
    def written(pipeline: PipelineSettings) -> None:
        pipeline.warehouse().execute("create table t as select 1 as x")
        seen["during a step"] = _another_process_can_open(path)

    @dg.asset(deps=[written])
    def built_elsewhere(pipeline: PipelineSettings) -> None:
        with pipeline.warehouse_released():
            seen["while released"] = _another_process_can_open(path)
        seen["after release"] = _another_process_can_open(path)
        assert pipeline.warehouse().scalar("select x from t") == 1

    assert dg.materialize([written, built_elsewhere], resources={"pipeline": pipeline}).success
    assert seen == {"during a step": False, "while released": True, "after release": False}
    assert _another_process_can_open(path)   # the run is over: the file is free


def test_a_locked_warehouse_at_run_start_is_left_to_the_steps(tmp_path):
    """Holding the file is only a saving: when a reader has it, the step opens it itself (and waits or fails)."""
    path = tmp_path / "warehouse.duckdb"
    pipeline = PipelineSettings.from_settings(Settings.from_env({
        "CS_PIPELINE_DATA_DIR": str(tmp_path), "CS_PIPELINE_WAREHOUSE_URL": f"duckdb:///{path}",
        "CS_PIPELINE_AS_AT": "2026-09-30"}))
    reader = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(path)!r}); "
                               "print('open', flush=True); time.sleep(3)"], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "open"

        @dg.asset
        def reads(pipeline: PipelineSettings) -> None:
            reader.wait()
            assert pipeline.warehouse().scalar("select 42") == 42

        assert dg.materialize([reads], resources={"pipeline": pipeline}).success
    finally:
        reader.kill()
