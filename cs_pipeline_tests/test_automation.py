"""The nightly schedule, the health-drop sensor, the executor, and how a run finds its as-at date and URLs."""
from __future__ import annotations

import datetime as dt
import os
import time
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from cs_pipeline.config import london_today
from cs_pipeline.defs.automation import (
    SETTLE_SECONDS,
    health_drop_sensor,
    nightly_refresh_schedule,
)
from cs_pipeline.defs.resources import AS_AT_TAG, PipelineSettings


def _resource(**overrides) -> PipelineSettings:
    values = dict(cms_url="sqlite://", health_dir="/nowhere", warehouse_url="duckdb:///:memory:",
                  output_dir="/nowhere", la_code="211") | overrides
    return PipelineSettings(**values)


def _as_at_in_a_run(resource: PipelineSettings, tags: dict | None = None) -> dt.date:
    seen = {}

    @dg.asset
    def probe(pipeline: PipelineSettings):
        seen["as_at"] = pipeline.settings().as_at

    assert dg.materialize([probe], resources={"pipeline": resource}, tags=tags or {}).success
    return seen["as_at"]


def test_as_at_comes_from_the_setting_then_the_run_tag_then_the_day_the_run_starts():
    assert _as_at_in_a_run(_resource(as_at="2024-01-01"), {AS_AT_TAG: "2025-03-31"}) == dt.date(2024, 1, 1)
    assert _as_at_in_a_run(_resource(), {AS_AT_TAG: "2025-03-31"}) == dt.date(2025, 3, 31)
    assert _as_at_in_a_run(_resource()) == london_today()


def test_the_code_locations_urls_are_read_when_a_run_starts_and_never_shown(monkeypatch, tmp_path):
    """URLs in the environment may hold passwords: the resource keeps EnvVars (the UI shows the variable's name)."""
    url = f"duckdb:///{tmp_path / 'w.duckdb'}?threads=1"
    monkeypatch.setenv("CS_PIPELINE_WAREHOUSE_URL", url)
    monkeypatch.setenv("CS_PIPELINE_CMS_URL", "postgresql://cms_reader:secret@cms/ssd")
    monkeypatch.delenv("CS_PIPELINE_AS_AT", raising=False)
    resource = PipelineSettings.from_env()
    assert "secret" not in repr(resource) and resource.as_at == ""
    seen = {}

    @dg.asset
    def probe(pipeline: PipelineSettings):
        seen["urls"] = (pipeline.cms_url, pipeline.warehouse().url)

    assert dg.materialize([probe], resources={"pipeline": resource}).success
    assert seen["urls"] == ("postgresql://cms_reader:secret@cms/ssd", url)


def test_nightly_schedule_measures_the_scheduled_day_in_englands_time():
    assert nightly_refresh_schedule.execution_timezone == "Europe/London"
    assert nightly_refresh_schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    # 00:30 BST on 1 July is still 30 June in UTC: the run measures 1 July
    night = dt.datetime(2026, 7, 1, 0, 30, tzinfo=ZoneInfo("Europe/London"))
    request = nightly_refresh_schedule(dg.build_schedule_context(scheduled_execution_time=night))
    assert request.tags[AS_AT_TAG] == "2026-07-01"


def _drop(folder, name: str, text: str, age_seconds: float) -> None:
    path = folder / name
    path.write_text(text)
    then = time.time() - age_seconds
    os.utime(path, (then, then))


def _evaluate(cursor: str | None = None):
    context = dg.build_sensor_context(cursor=cursor)
    return health_drop_sensor(context), context.cursor


def test_health_drop_sensor_runs_once_per_new_or_changed_settled_file(monkeypatch, tmp_path):
    monkeypatch.setenv("CS_PIPELINE_HEALTH_DIR", str(tmp_path))
    _drop(tmp_path, "lac_health_assessments_20261031.csv", "a,b\n1,2\n", age_seconds=3600)
    _drop(tmp_path, "notes.txt", "not an extract", age_seconds=3600)
    _drop(tmp_path, "dental_checks_20261031.csv", "a\n", age_seconds=SETTLE_SECONDS / 4)  # still uploading

    first, cursor = _evaluate()
    assert isinstance(first, dg.RunRequest) and first.tags["cs_pipeline/health_files"] == "1"
    again, cursor = _evaluate(cursor)
    assert isinstance(again, dg.SkipReason)

    _drop(tmp_path, "dental_checks_20261031.csv", "a\n1\n", age_seconds=SETTLE_SECONDS + 5)  # now settled
    settled, cursor = _evaluate(cursor)
    assert isinstance(settled, dg.RunRequest) and settled.run_key != first.run_key

    _drop(tmp_path, "lac_health_assessments_20261031.csv", "a,b\n1,2\n3,4\n", age_seconds=3600)  # replaced
    changed, cursor = _evaluate(cursor)
    assert isinstance(changed, dg.RunRequest) and changed.run_key not in {first.run_key, settled.run_key}
    assert isinstance(_evaluate(cursor)[0], dg.SkipReason)


def test_health_drop_sensor_names_a_missing_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("CS_PIPELINE_HEALTH_DIR", str(tmp_path / "absent"))
    result, _ = _evaluate()
    assert isinstance(result, dg.SkipReason) and "absent" in result.skip_message


def test_health_drop_refresh_rebuilds_what_reads_health_and_nothing_else():
    from cs_pipeline.definitions import defs

    job = defs.resolve_job_def("health_drop_refresh")
    keys = {k.to_user_string() for k in job.asset_layer.selected_asset_keys}
    assert {"raw/health_lac_health_assessments", "quarantine/health_dental_checks", "linkage/child_link",
            "staging/stg_health__lac_health_assessments", "marts/iha_timeliness", "marts/rha_timeliness"} <= keys
    assert not keys & {"raw/ssd_person", "quarantine/ssd_cla_episodes", "marts/icpc_timeliness",
                       "marts/cp_visit_timeliness"}
    assert defs.resolve_job_def("nightly_refresh").asset_layer.selected_asset_keys >= job.asset_layer.selected_asset_keys


@pytest.mark.parametrize(("url", "executor"), [("duckdb:///w.duckdb", "in_process"),
                                               ("postgresql://u@h/wh", "multiprocess")])
def test_duckdb_runs_step_by_step_in_one_process(url, executor):
    """DuckDB takes one writer process: "Materialize all" in the UI must not start steps in parallel processes."""
    from cs_pipeline.definitions import executor_for

    assert executor_for(url).name == executor


def test_the_demo_instance_runs_one_run_at_a_time(monkeypatch, tmp_path):
    """A sensor's run started during the nightly run waits in the queue instead of writing the warehouse too."""
    from cs_pipeline.demo import ensure_dagster_home

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    ensure_dagster_home()
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
        assert not instance.telemetry_enabled
