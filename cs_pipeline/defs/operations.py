"""Running the pipeline as a service: who owns each asset, by when the marts and returns must be rebuilt, and what
happens when a run fails (docs/operating.md).

- ``OWNERS``: every asset's owner, in this one place.
- ``nightly_freshness_policy``: the marts (``marts/*``) and the returns (``returns/*``) must have been materialised in
  the 24 hours before each deadline: ``CS_PIPELINE_NIGHTLY_DEADLINE`` (default 07:00, England's time) on the days
  the nightly schedule runs (the day fields of ``CS_PIPELINE_NIGHTLY_CRON``). Dagster's freshness daemon shows an
  asset FAIL from the deadline until it is materialised again.
- ``run_failure_report``: for every failed run of this code location, one row per failure in ``ops.run_failures``
  (the failed steps' assets, the failed ERROR checks), one log line naming them, and the council's hook
  ``CS_PIPELINE_FAILURE_HOOK`` called with the report. The work is in :mod:`cs_pipeline.publish.run_failures`.
"""
from __future__ import annotations

import datetime as dt

import dagster as dg

from cs_pipeline.config import Settings
from cs_pipeline.defs.resources import PipelineSettings
from cs_pipeline.publish import run_failures as rf

TIMEZONE = "Europe/London"
OWNERS = ["team:cs-data-team"]  # a council renames its team here
# what is fresh: materialised within this window before the deadline (at most a day between deadlines)
FAIL_WINDOW = dt.timedelta(hours=24)
FRESH_KEY_PREFIXES = ("marts", "returns")


def deadline_cron(settings: Settings) -> str:
    """The deadline as a cron string: the deadline's minute and hour, on the nightly schedule's days."""
    _, _, day_of_month, month, day_of_week = settings.nightly_cron.split()
    deadline = settings.nightly_deadline
    return f"{deadline.minute} {deadline.hour} {day_of_month} {month} {day_of_week}"


def nightly_freshness_policy(settings: Settings | None = None) -> dg.FreshnessPolicy:
    """Fresh when materialised in the 24 hours up to the last deadline, or since it."""
    settings = settings or Settings.from_env()
    return dg.FreshnessPolicy.cron(deadline_cron=deadline_cron(settings), lower_bound_delta=FAIL_WINDOW,
                                   timezone=TIMEZONE)


NIGHTLY_FRESHNESS = nightly_freshness_policy()

# -- run-failure reporting ------------------------------------------------------------------------------------------
_EVENT_TYPES = {
    dg.DagsterEventType.STEP_FAILURE,
    dg.DagsterEventType.ASSET_CHECK_EVALUATION,
    dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
    dg.DagsterEventType.ASSET_MATERIALIZATION,
    dg.DagsterEventType.RUN_FAILURE,
}
# Dagster's wrappers around the user code's own error: report what they wrap
_WRAPPERS = ("DagsterExecutionStepExecutionError", "DagsterUserCodeExecutionError")


def _error(error) -> tuple[str | None, str]:
    """(class, message) of the innermost user error of a SerializableErrorInfo; never its stack."""
    if error is None:
        return None, ""
    while error.cls_name in _WRAPPERS and (error.cause or error.context):
        error = error.cause or error.context
    message = error.message.strip()
    first, _, rest = message.partition(": ")
    if rest and first.rsplit(".", 1)[-1] == error.cls_name:  # "dagster._core.definitions.events.Failure: ..."
        message = rest
    return error.cls_name, message


def _numbers(metadata) -> dict[str, float]:
    """The numeric entries of a check's metadata (counts and shares; text and JSON may hold record ids)."""
    out = {}
    for name, value in (metadata or {}).items():
        if isinstance(value, (dg.IntMetadataValue, dg.FloatMetadataValue)) and value.value is not None:
            out[name] = value.value
    return out


def run_events(instance: dg.DagsterInstance, run_id: str) -> list[rf.RunEvent]:
    """The run's events reporting needs, from the instance's event log, as plain RunEvents."""
    events = []
    for record in instance.get_records_for_run(run_id, of_type=_EVENT_TYPES).records:
        entry = record.event_log_entry
        event = entry.dagster_event
        if event is None:
            continue
        kind = event.event_type.name
        data = event.event_specific_data
        common = {"event_type": kind, "timestamp": entry.timestamp, "step_key": event.step_key}
        if kind == rf.STEP_FAILURE:
            error_class, message = _error(data.error)
            if data.user_failure_data and data.user_failure_data.description:
                message = data.user_failure_data.description
            events.append(rf.RunEvent(**common, error_class=error_class, message=message))
        elif kind == rf.ASSET_CHECK_EVALUATION:
            events.append(rf.RunEvent(
                **common, asset_key=data.asset_key.to_user_string(), check_name=data.check_name, passed=data.passed,
                severity=data.severity.value if data.severity else None, message=data.description or "",
                numbers=_numbers(data.metadata),
            ))
        elif kind in (rf.ASSET_MATERIALIZATION_PLANNED, rf.ASSET_MATERIALIZATION):
            events.append(rf.RunEvent(**common, asset_key=event.asset_key.to_user_string()))
        elif kind == rf.RUN_FAILURE:
            error_class, message = _error(getattr(data, "error", None))
            events.append(rf.RunEvent(**common, error_class=error_class, message=message or event.message or ""))
    return events


def failure_report(instance: dg.DagsterInstance, run: dg.DagsterRun) -> rf.RunFailureReport:
    return rf.build_report(run.run_id, run.job_name, run_events(instance, run.run_id))


@dg.run_failure_sensor(
    name="run_failure_report",
    default_status=dg.DefaultSensorStatus.RUNNING,  # it starts no runs: a failure report must not wait to be enabled
    description="For each failed run: one row per failed step's asset and failed ERROR check in ops.run_failures, "
    "a log line naming them, and the council's CS_PIPELINE_FAILURE_HOOK called with the report.",
)
def run_failure_report(context: dg.RunFailureSensorContext, pipeline: PipelineSettings):
    report = failure_report(context.instance, context.dagster_run)
    outcome = rf.report_run_failure(report, pipeline.warehouse(), pipeline.failure_hook)
    context.log.error(report.summary())
    if outcome.write_error:
        context.log.error(f"{rf.SCHEMA}.{rf.TABLE} not written: {outcome.write_error}")
    if outcome.hook_error:
        context.log.error(f"{rf.HOOK_ENV} {outcome.hook} failed: {outcome.hook_error}")
    elif outcome.hook_called:
        context.log.info(f"{rf.HOOK_ENV} {outcome.hook} called")


defs = dg.Definitions(sensors=[run_failure_report])
