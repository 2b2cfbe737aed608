"""Running it as a service (docs/operating.md): every asset has an owner, kinds, a description and its stage's group;
the marts and returns are due by the nightly deadline; a failed run is reported in ops.run_failures and to the
council's hook, with no password and no child's data in it."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import dagster as dg
import pytest
import yaml

from cs_pipeline.config import PROJECT_ROOT, Settings
from cs_pipeline.defs.operations import (
    FAIL_WINDOW,
    NIGHTLY_FRESHNESS,
    OWNERS,
    TIMEZONE,
    failure_report,
    nightly_freshness_policy,
    run_events,
    run_failure_report,
)
from cs_pipeline.defs.resources import PipelineSettings
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.publish import run_failures as rf

STAGES = {"sources", "quality", "linkage", "staging", "intermediate", "marts", "returns", "publish"}
DBT_MODELS = PROJECT_ROOT / "dbt_style_sql" / "models"
PASSWORD = "hunter2-never-shown"
CMS_URL = f"postgresql://cms_reader:{PASSWORD}@cms.council.internal:5432/ssd"


@pytest.fixture(scope="module")
def specs():
    from cs_pipeline.definitions import defs

    return {spec.key.to_user_string(): spec for spec in defs.resolve_all_asset_specs()}


@pytest.fixture(scope="module")
def manifest_models():
    manifest = json.loads((PROJECT_ROOT / "dbt_style_sql" / "target" / "manifest.json").read_text())
    return {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}


# -- owners, kinds, descriptions, groups -------------------------------------------------------------------------------
def test_every_asset_has_a_description_an_owner_kinds_and_its_stage_as_group(specs):
    assert len(specs) > 200
    problems = []
    for key, spec in sorted(specs.items()):
        if not (spec.description or "").strip():
            problems.append(f"{key}: no description")
        if not set(OWNERS) <= set(spec.owners):
            problems.append(f"{key}: owners {spec.owners}")
        if not spec.kinds:
            problems.append(f"{key}: no kinds")
        if spec.group_name not in STAGES:
            problems.append(f"{key}: group {spec.group_name}")
    assert not problems, "\n".join(problems)


def test_dbt_models_take_their_description_from_the_yml_and_their_group_from_their_schema(specs, manifest_models):
    dbt_specs = {k: s for k, s in specs.items() if "dbt" in s.kinds}
    assert len(dbt_specs) >= 100
    for key, spec in dbt_specs.items():
        schema, name = key.split("/")
        model = manifest_models[name]
        assert model["config"]["schema"] == schema
        assert spec.group_name == schema  # staging, intermediate, marts, returns; never marts_build
        assert model["description"].strip() and spec.description.startswith(model["description"].strip()), key
        assert spec.kinds == {"dbt", "duckdb"}
    assert {s.group_name for s in dbt_specs.values()} == {"staging", "intermediate", "marts", "returns"}


def test_every_dbt_model_has_a_description_in_its_models_yml():
    described = {}
    for path in DBT_MODELS.rglob("_*__models.yml"):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models") or []:
            described[model["name"]] = (model.get("description") or "").strip()
    models = sorted(p.stem for p in DBT_MODELS.rglob("*.sql"))
    assert models and [m for m in models if not described.get(m)] == []


def test_groups_follow_the_stages(specs):
    group_of = {key: spec.group_name for key, spec in specs.items()}
    assert all(group_of[k] == "marts" for k in group_of if k.startswith("marts/"))
    assert all(group_of[k] == "returns" for k in group_of if k.startswith("returns/"))
    assert all(group_of[k] == "quality" for k in group_of if k.startswith(("quarantine/", "quality/")))
    assert all(group_of[k] == "linkage" for k in group_of if k.startswith("linkage/"))
    assert all(group_of[k] == "sources" for k in group_of if k.startswith("raw/"))
    assert group_of["staging/dim_calendar"] == "sources"  # written by Python from the holidays package
    assert group_of["raw/ssd_table_log"] == "sources"  # written by the SSD extracts, read by dbt
    assert set(group_of.values()) == STAGES


# -- the nightly deadline --------------------------------------------------------------------------------------------
def test_every_mart_and_return_is_due_by_the_nightly_deadline(specs):
    due = {k: s for k, s in specs.items() if k.split("/")[0] in ("marts", "returns")}
    assert len([k for k in due if k.startswith("marts/")]) >= 15 and len(due) >= 50
    for key, spec in due.items():
        policy = spec.freshness_policy
        assert policy == NIGHTLY_FRESHNESS, key
    assert {"returns/ssda903_files", "returns/cin_census_file", "returns/annex_a_workbook",
            "returns/dfe_rule_results"} <= set(due)  # Python assets as well as dbt models
    assert NIGHTLY_FRESHNESS.deadline_cron == "0 7 * * *"  # the default: 07:00 every day the nightly run runs
    assert NIGHTLY_FRESHNESS.timezone == TIMEZONE == "Europe/London"
    assert NIGHTLY_FRESHNESS.lower_bound_delta == FAIL_WINDOW == dt.timedelta(hours=24)
    assert not [k for k, s in specs.items() if s.freshness_policy and k not in due]


def test_the_deadline_falls_on_the_nightly_schedules_days():
    settings = Settings.from_env({"CS_PIPELINE_NIGHTLY_CRON": "30 5 * * 1-5", "CS_PIPELINE_NIGHTLY_DEADLINE": "8:15"})
    assert settings.nightly_deadline == dt.time(8, 15)
    policy = nightly_freshness_policy(settings)
    assert isinstance(policy, dg.FreshnessPolicy)
    assert policy.deadline_cron == "15 8 * * 1-5" and policy.timezone == "Europe/London"


@pytest.mark.parametrize(("variable", "value"), [
    ("CS_PIPELINE_NIGHTLY_DEADLINE", "7am"), ("CS_PIPELINE_NIGHTLY_DEADLINE", "24:00"),
    ("CS_PIPELINE_NIGHTLY_DEADLINE", "07:60"), ("CS_PIPELINE_NIGHTLY_CRON", "0 6 *"),
    ("CS_PIPELINE_FAILURE_HOOK", "council_alerts.email"), ("CS_PIPELINE_FAILURE_HOOK", "a b:c"),
])
def test_a_bad_setting_is_a_clear_error_naming_the_variable(variable, value):
    with pytest.raises(ValueError, match=variable):
        Settings.from_env({variable: value})


# -- run-failure reporting -------------------------------------------------------------------------------------------
HOOK_CALLS: list = []


def record_failure(report) -> None:
    """A council's hook, as CS_PIPELINE_FAILURE_HOOK=cs_pipeline_tests.test_operating:record_failure names it."""
    HOOK_CALLS.append(report)


def broken_hook(report) -> None:
    raise ConnectionError(f"smtp://alerts:{PASSWORD}@mail.council.internal refused")


@dg.asset(key=["raw", "ssd_probe"])
def ssd_probe():
    raise ValueError(f"could not read the source ({CMS_URL}): Could not convert string 'Jane Smith' to DATE")


@dg.asset(key=["marts", "probe_timeliness"], deps=[ssd_probe])
def probe_timeliness():
    """Never runs: what it reads failed."""


@dg.asset(
    key=["quarantine", "probe"],
    check_specs=[dg.AssetCheckSpec(name, asset=["quarantine", "probe"])
                 for name in ("structure_valid", "dob_plausible", "rows_conserved")],
)
def quarantine_probe():
    yield dg.MaterializeResult(check_results=[
        dg.AssetCheckResult(check_name="structure_valid", passed=False, severity=dg.AssetCheckSeverity.ERROR,
                            description="raw.ssd_probe lost 3 rows",
                            metadata={"raw_rows": 10, "quarantined_rows": 3, "sample_record_ids": ["C1", "C2"]}),
        dg.AssetCheckResult(check_name="dob_plausible", passed=False, severity=dg.AssetCheckSeverity.WARN),
        dg.AssetCheckResult(check_name="rows_conserved", passed=True, severity=dg.AssetCheckSeverity.ERROR),
    ])


@dg.multi_asset(specs=[dg.AssetSpec(["linkage", "probe_nodes"]), dg.AssetSpec(["linkage", "probe_link"])])
def linkage_probe():
    yield dg.MaterializeResult(asset_key=["linkage", "probe_nodes"])
    raise dg.Failure(description="no health patient nodes to score", allow_retries=False)


@pytest.fixture(scope="module")
def failed_run():
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([ssd_probe, probe_timeliness, quarantine_probe, linkage_probe], instance=instance,
                            raise_on_error=False)
    assert not result.success
    run = instance.get_run_by_id(result.run_id)
    failure_event = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE)
    yield {"instance": instance, "run": run, "event": failure_event}
    instance.dispose()


@pytest.fixture
def warehouse(tmp_path):
    return Warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")


def _rows(report: rf.RunFailureReport) -> set[tuple]:
    return {(f.asset_key, f.check_name, f.step_key, f.error_class) for f in report.failures}


def test_the_report_names_the_failed_steps_assets_and_the_failed_error_checks(failed_run):
    report = failure_report(failed_run["instance"], failed_run["run"])
    assert report.run_id == failed_run["run"].run_id and report.job_name == "__ephemeral_asset_job__"
    assert _rows(report) == {
        ("raw/ssd_probe", None, "raw__ssd_probe", "ValueError"),
        ("quarantine/probe", "structure_valid", "quarantine__probe", None),  # the WARN and the passed check: not
        ("linkage/probe_link", None, "linkage_probe", "Failure"),  # probe_nodes was built before the step failed
    }
    assert report.failed_assets == ["linkage/probe_link", "raw/ssd_probe"]
    assert report.failed_checks == ["quarantine/probe:structure_valid"]
    # planned and not built: the failed ones and what never ran because of them
    assert set(report.not_materialised) == {"raw/ssd_probe", "linkage/probe_link", "marts/probe_timeliness"}
    check = next(f for f in report.failures if f.check_name)
    assert check.message == "raw.ssd_probe lost 3 rows (quarantined_rows=3, raw_rows=10)"  # counts, no record ids
    failure = next(f for f in report.failures if f.error_class == "Failure")
    assert failure.message == "no health patient nodes to score"
    summary = report.summary()
    assert "raw/ssd_probe" in summary and "quarantine/probe:structure_valid" in summary
    assert "1 other asset(s) not built" in summary
    assert all(isinstance(f.failed_at, dt.datetime) and f.failed_at.tzinfo is None for f in report.failures)


def test_no_password_and_no_value_from_the_data_in_a_message(failed_run):
    report = failure_report(failed_run["instance"], failed_run["run"])
    text = "\n".join(report.lines())
    assert PASSWORD not in text and "Jane Smith" not in text
    step = next(f for f in report.failures if f.asset_key == "raw/ssd_probe")
    assert step.message == ("could not read the source (postgresql://cms_reader:***@cms.council.internal:5432/ssd): "
                            "Could not convert string '***' to DATE")
    assert "Stack" not in text and "File " not in text


def test_messages_are_masked_then_trimmed():
    long = f"odbc: DRIVER={{x}};UID=sa;PWD={PASSWORD}; child 9434765919 " + "x" * 5000
    message = rf.safe_message(long)
    assert len(message) == rf.MAX_MESSAGE and message.endswith("...")
    assert PASSWORD not in message and "9434765919" not in message and "PWD=***" in message
    assert rf.safe_message('invalid input syntax for type date: "31/02/2019"') == \
        "invalid input syntax for type date: '***'"


def test_a_run_that_failed_without_a_failed_step_is_one_row():
    crashed = rf.RunEvent(rf.RUN_FAILURE, 1_800_000_000.0, message=f"run worker lost ({CMS_URL})")
    report = rf.build_report("r1", "nightly_refresh", [crashed])
    assert [(f.asset_key, f.check_name, f.step_key) for f in report.failures] == [(None, None, None)]
    assert PASSWORD not in report.failures[0].message
    assert report.failed_at == dt.datetime(2027, 1, 15, 8, 0)
    assert "failed" in report.summary()


def test_rows_are_written_to_ops_run_failures_once_per_run(failed_run, warehouse):
    report = failure_report(failed_run["instance"], failed_run["run"])
    assert rf.write_failures(warehouse, report) == 3
    assert rf.write_failures(warehouse, report) == 3  # reported again: the run's rows replaced, not doubled
    frame = warehouse.query_frame("SELECT * FROM ops.run_failures ORDER BY asset_key")
    assert list(frame.columns) == ["run_id", "job_name", "failed_at", "asset_key", "check_name", "step_key",
                                   "error_class", "message"]
    assert len(frame) == 3 and set(frame["run_id"]) == {report.run_id}
    assert list(frame["asset_key"]) == ["linkage/probe_link", "quarantine/probe", "raw/ssd_probe"]
    assert frame.set_index("asset_key").loc["quarantine/probe", "check_name"] == "structure_valid"
    assert not frame["message"].str.contains(PASSWORD).any()
    other = rf.build_report("r2", "nightly_refresh", [rf.RunEvent(rf.RUN_FAILURE, 1.8e9, message="lost")])
    rf.write_failures(warehouse, other)
    assert warehouse.row_count("ops", "run_failures") == 4  # another run's rows are kept


def test_the_hook_named_in_the_environment_gets_the_report(failed_run, warehouse, monkeypatch):
    monkeypatch.setenv("CS_PIPELINE_FAILURE_HOOK", "cs_pipeline_tests.test_operating:record_failure")
    HOOK_CALLS.clear()
    report = failure_report(failed_run["instance"], failed_run["run"])
    outcome = rf.report_run_failure(report, warehouse, Settings.from_env().failure_hook)
    assert outcome.hook_called and outcome.rows_written == 3 and not outcome.hook_error and not outcome.write_error
    assert HOOK_CALLS == [report]
    assert dataclasses.is_dataclass(HOOK_CALLS[0]) and isinstance(HOOK_CALLS[0], rf.RunFailureReport)


def test_a_broken_hook_is_reported_and_the_rows_are_still_written(failed_run, warehouse):
    report = failure_report(failed_run["instance"], failed_run["run"])
    outcome = rf.report_run_failure(report, warehouse, "cs_pipeline_tests.test_operating:broken_hook")
    assert not outcome.hook_called and "ConnectionError" in outcome.hook_error and PASSWORD not in outcome.hook_error
    assert warehouse.row_count("ops", "run_failures") == 3
    missing = rf.report_run_failure(report, None, "council_alerts_not_installed:send")
    assert "CS_PIPELINE_FAILURE_HOOK" in missing.hook_error


def test_a_warehouse_that_cannot_be_written_does_not_stop_the_hook(failed_run, tmp_path):
    HOOK_CALLS.clear()
    report = failure_report(failed_run["instance"], failed_run["run"])
    unwritable = Warehouse(f"duckdb:///{tmp_path}")  # a folder, not a DuckDB file
    outcome = rf.report_run_failure(report, unwritable, "cs_pipeline_tests.test_operating:record_failure")
    assert outcome.write_error and outcome.rows_written == 0
    assert outcome.hook_called and HOOK_CALLS == [report]


def test_the_sensor_reports_a_failed_run(failed_run, tmp_path, monkeypatch, capfd):
    from cs_pipeline.definitions import defs

    assert defs.resolve_sensor_def("run_failure_report").default_status == dg.DefaultSensorStatus.RUNNING
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    monkeypatch.setenv("CS_PIPELINE_WAREHOUSE_URL", url)
    monkeypatch.setenv("CS_PIPELINE_FAILURE_HOOK", "cs_pipeline_tests.test_operating:record_failure")
    HOOK_CALLS.clear()
    # entered like the daemon does: the pipeline resource holds the warehouse open between setup and teardown
    with dg.build_run_status_sensor_context(
        sensor_name="run_failure_report", dagster_event=failed_run["event"], dagster_instance=failed_run["instance"],
        dagster_run=failed_run["run"], resources={"pipeline": PipelineSettings.from_env()},
    ).for_run_failure() as context:
        capfd.readouterr()
        run_failure_report(context)
    frame = Warehouse(url).query_frame("SELECT asset_key, check_name FROM ops.run_failures")
    assert set(frame.itertuples(index=False, name=None)) == {
        ("raw/ssd_probe", None), ("quarantine/probe", "structure_valid"), ("linkage/probe_link", None)}
    assert len(HOOK_CALLS) == 1 and HOOK_CALLS[0].run_id == failed_run["run"].run_id
    lines = [line for line in capfd.readouterr().err.splitlines() if "failed asset(s)" in line]  # the sensor's log
    assert len(lines) == 1 and "raw/ssd_probe" in lines[0] and "quarantine/probe:structure_valid" in lines[0]
    assert " ERROR " in lines[0]


def test_run_events_are_plain_values(failed_run):
    events = run_events(failed_run["instance"], failed_run["run"].run_id)
    assert {e.event_type for e in events} == {rf.STEP_FAILURE, rf.ASSET_CHECK_EVALUATION, rf.RUN_FAILURE,
                                              rf.ASSET_MATERIALIZATION_PLANNED, rf.ASSET_MATERIALIZATION}
    for e in events:
        for f in dataclasses.fields(e):
            value = getattr(e, f.name)
            assert value is None or isinstance(value, (str, float, int, bool, dict)), (f.name, value)


@pytest.mark.postgres
def test_rows_are_written_on_postgresql(failed_run):
    from cs_pipeline_tests.conftest import drop_postgres_database, fresh_postgres_database

    url = fresh_postgres_database("cs_operating_test")
    try:
        warehouse = Warehouse(url)
        report = failure_report(failed_run["instance"], failed_run["run"])
        rf.write_failures(warehouse, report)
        rf.write_failures(warehouse, report)
        frame = warehouse.query_frame("SELECT asset_key, check_name, failed_at FROM ops.run_failures")
        assert len(frame) == 3 and set(frame["check_name"].dropna()) == {"structure_valid"}
        assert frame["failed_at"].min() >= report.failed_at - dt.timedelta(minutes=5)
        warehouse.engine.dispose()
    finally:
        drop_postgres_database(url)


def test_operating_docs_show_the_hook_and_the_ops_schema():
    text = (PROJECT_ROOT / "docs" / "operating.md").read_text(encoding="utf-8")
    assert "CS_PIPELINE_FAILURE_HOOK" in text and "CS_PIPELINE_NIGHTLY_DEADLINE" in text
    assert "ops.run_failures" in text and "RunFailureReport" in text
    assert Path(PROJECT_ROOT / "README.md").read_text(encoding="utf-8").count("CS_PIPELINE_NIGHTLY_DEADLINE") >= 1
