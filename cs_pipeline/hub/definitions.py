"""The regional hub's code location: every council's pipeline as one partition, and the regional set.

    CS_PIPELINE_COUNCILS_FILE=hub/councils.yaml DAGSTER_HOME=hub/hub_dagster_home \\
        dagster dev -w regional_workspace.yaml        # or -m cs_pipeline.hub.definitions

- ``regional/council_pipeline``, one static partition per council (its LA code): materialising a partition runs
  that council's whole pipeline (``cs_pipeline.definitions``, unchanged) in a process of its own, with the council's
  environment from the councils file and its own Dagster instance (``dagster_home``), where its run, assets and
  checks are recorded. Each partition is its own run, so one council's failure fails only its partition.
- ``regional/regional_set``: the councils' degraded copies combined (``cs_pipeline.publish.regional_set``), with the
  WARN check ``every_council_combined`` naming any council refused.
- ``regional_council_schedule`` (one run per council at ``regional.council_cron``) and ``regional_set_schedule``
  (``regional.combine_cron``), both stopped until turned on.

Why not one code location per council in a workspace file: Dagster keys assets across the whole instance, so N
locations defining ``marts/iha_timeliness`` are one asset to the UI with every council's materialisations mixed
(Dagster warns "Found materialization nodes for some asset keys in multiple code locations"), and workspace.yaml
entries cannot set a location's environment (docs/regional.md).
"""

import os
from pathlib import Path

import dagster as dg

from cs_pipeline.defs.operations import OWNERS, TIMEZONE
from cs_pipeline.defs.resources import AS_AT_TAG
from cs_pipeline.hub.councils import load_councils

COUNCILS_FILE_VARIABLE = "CS_PIPELINE_COUNCILS_FILE"
COUNCIL_PIPELINE_KEY = dg.AssetKey(["regional", "council_pipeline"])
REGIONAL_SET_KEY = dg.AssetKey(["regional", "regional_set"])


def hub_definitions(councils_file: str | Path) -> dg.Definitions:
    """The hub's definitions for a councils file. The file is read again when each run starts, so a council's
    settings (and the ${NAME}s they refer to) are the current ones; the partitions are the councils at load."""
    path = Path(councils_file).resolve()
    hub = load_councils(path)
    partitions = dg.StaticPartitionsDefinition([c.la_code for c in hub.councils])

    @dg.asset(
        key=COUNCIL_PIPELINE_KEY,
        partitions_def=partitions,
        group_name="regional",
        kinds={"python", "dagster"},
        owners=OWNERS,
        description="One council's whole pipeline (every asset and check of cs_pipeline.definitions), run in its own "
        "process with its environment from the councils file and recorded in its own Dagster instance. The partition "
        "is the council's LA code; its regional copy (returns_shared) is what the regional set combines.",
    )
    def council_pipeline(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        from cs_pipeline.hub.run import run_council

        current = load_councils(path)
        council = current.council(context.partition_key)
        context.log.info(f"council {council.la_code}: starting its pipeline in its own process")
        result = run_council(current, council, as_at=context.run.tags.get(AS_AT_TAG) or None,
                             timeout_s=current.regional.timeout_minutes * 60)
        metadata = {
            "la_code": council.la_code, "success": result.success, "council_run_id": result.run_id,
            "wall_s": round(result.wall_s, 1), "failed_steps": len(result.failed_steps),
            "error_checks": len(result.error_checks), "warn_checks": result.warn_checks,
            "shared_tables": result.shared_tables, "shared_rows": result.shared_rows,
            "council_log": dg.MetadataValue.path(result.log_path) if result.log_path else "",
        }
        context.log.info(result.line())
        if not result.success:
            raise dg.Failure(description=result.line(), metadata=metadata)
        return dg.MaterializeResult(metadata=metadata)

    @dg.asset(
        key=REGIONAL_SET_KEY,
        deps=[council_pipeline],
        group_name="regional",
        kinds={"duckdb", "csv"},
        owners=OWNERS,
        check_specs=[dg.AssetCheckSpec("every_council_combined", asset=REGIONAL_SET_KEY,
                                       description="Every council's copy was combined: none missing, stale, "
                                       "changed, hashed under another key or laid out differently.")],
        description="Every council's degraded copy (returns_shared) combined into regional.<schema>__<table> with an "
        "la_code column, plus CSVs and regional.council_status (combined or refused, and why). A council whose copy "
        "is missing or too old is refused by name; the others are combined (regional.on_refused: skip), or nothing "
        "is (fail).",
    )
    def regional_set(context: dg.AssetExecutionContext):
        from cs_pipeline.publish.regional_set import RegionalSetRefused, combine_hub

        current = load_councils(path)
        try:
            report = combine_hub(current)
        except RegionalSetRefused as exc:
            for line in exc.report.lines():
                context.log.error(line)
            raise dg.Failure(description=str(exc)) from None
        for line in report.lines():
            (context.log.warning if "REFUSED" in line else context.log.info)(line)
        refused = {c.la_code: c.reason for c in report.refused}
        yield dg.MaterializeResult(metadata={
            "councils_combined": len(report.combined), "councils_refused": len(refused),
            "combined": ", ".join(c.la_code for c in report.combined),
            "refused": dg.MetadataValue.json(refused), "tables": len(report.tables),
            "rows": sum(report.tables.values()),
        })
        yield dg.AssetCheckResult(
            check_name="every_council_combined", passed=not refused, severity=dg.AssetCheckSeverity.WARN,
            description="; ".join(f"{la}: {reason}" for la, reason in refused.items()) or "every council combined",
            metadata={"refused": len(refused)},
        )

    council_job = dg.define_asset_job("regional_council_pipelines", selection=[council_pipeline],
                                      description="One council's pipeline (choose the partition: its LA code).")
    set_job = dg.define_asset_job("regional_set_job", selection=[regional_set],
                                  description="Combine the councils' copies into the regional set.")

    @dg.schedule(job=council_job, cron_schedule=hub.regional.council_cron, execution_timezone=TIMEZONE,
                 default_status=dg.DefaultScheduleStatus.STOPPED,
                 description="Every council's pipeline each night, one run per council (regional.council_cron).")
    def regional_council_schedule(context: dg.ScheduleEvaluationContext):
        day = context.scheduled_execution_time.date().isoformat()
        for council in load_councils(path).councils:
            if council.la_code in partitions.get_partition_keys():
                yield dg.RunRequest(run_key=f"{council.la_code}:{day}", partition_key=council.la_code,
                                    tags={AS_AT_TAG: day})

    @dg.schedule(job=set_job, cron_schedule=hub.regional.combine_cron, execution_timezone=TIMEZONE,
                 default_status=dg.DefaultScheduleStatus.STOPPED,
                 description="The regional set each night, after the councils (regional.combine_cron).")
    def regional_set_schedule(context: dg.ScheduleEvaluationContext):
        return dg.RunRequest(run_key=None)

    return dg.Definitions(assets=[council_pipeline, regional_set], jobs=[council_job, set_job],
                          schedules=[regional_council_schedule, regional_set_schedule])


@dg.definitions
def defs() -> dg.Definitions:
    """Built when Dagster loads the location, so importing this module (tests, tools) needs no councils file."""
    path = os.environ.get(COUNCILS_FILE_VARIABLE)
    if not path:
        raise RuntimeError(f"{COUNCILS_FILE_VARIABLE} must name the councils file (YAML) for the regional hub's code "
                           "location; see docs/regional.md")
    return hub_definitions(path)
