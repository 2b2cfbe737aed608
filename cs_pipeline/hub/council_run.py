"""One council's whole pipeline, in the council's own process: what a regional hub starts for each council.

    python -m cs_pipeline.hub.council_run --summary PATH [--as-at YYYY-MM-DD]

Run with the council's environment (its CS_PIPELINE_* settings and its own DAGSTER_HOME, built from the councils
file by :mod:`cs_pipeline.hub.run`): it loads ``cs_pipeline.definitions`` unchanged and runs the ``nightly_refresh``
job (every asset and check) in process, recorded in the council's own Dagster instance. A failed run is reported as
the council's ``run_failure_report`` sensor would (``ops.run_failures`` and its ``CS_PIPELINE_FAILURE_HOOK``), since
no daemon watches that instance. The summary (JSON) holds counts, step and check names and ids only.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HUB_TAG = "cs_pipeline/launched_by"


def shared_copy_counts(warehouse) -> tuple[int, int]:
    """(tables, rows) of the council's regional copy, from its manifest; (0, 0) when there is none."""
    from cs_pipeline.publish.regional import MANIFEST_TABLE, SHARED_SCHEMA

    if not warehouse.table_exists(SHARED_SCHEMA, MANIFEST_TABLE):
        return 0, 0
    frame = warehouse.query_frame(f'SELECT count(*) AS tables, coalesce(sum(row_count), 0) AS "rows" '
                                  f'FROM {SHARED_SCHEMA}.{MANIFEST_TABLE}')
    return int(frame["tables"][0]), int(frame["rows"][0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--summary", type=Path, required=True, help="write the run's summary (JSON) here")
    parser.add_argument("--as-at", default="", help="the run's as-at date (its cs_pipeline/as_at tag)")
    args = parser.parse_args(argv)

    import dagster as dg

    from cs_pipeline.config import Settings
    from cs_pipeline.defs.resources import AS_AT_TAG
    from cs_pipeline.lib.warehouse import Warehouse

    instance = dg.DagsterInstance.get()  # the council's own (DAGSTER_HOME from the hub)
    from cs_pipeline.definitions import defs

    tags = {HUB_TAG: "regional_hub"}
    if args.as_at:
        tags[AS_AT_TAG] = args.as_at
    job = defs.resolve_job_def("nightly_refresh")
    result = job.execute_in_process(
        instance=instance, raise_on_error=False, tags=tags,
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
    )
    failed_steps = sorted({e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"})
    evaluations = result.get_asset_check_evaluations()
    error_checks = sorted(f"{e.asset_key.to_user_string()}:{e.check_name}" for e in evaluations
                          if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR)
    warn_checks = sum(1 for e in evaluations if not e.passed and e.severity == dg.AssetCheckSeverity.WARN)
    settings = Settings.from_env()
    warehouse = Warehouse(settings.warehouse_url)
    if not result.success:
        # what the council's run_failure_report sensor does, here because no daemon watches this instance
        from cs_pipeline.defs.operations import failure_report
        from cs_pipeline.publish import run_failures as rf

        run = instance.get_run_by_id(result.run_id)
        rf.report_run_failure(failure_report(instance, run), warehouse, settings.failure_hook)
    try:
        tables, rows = shared_copy_counts(warehouse)
    except Exception:  # noqa: BLE001 - the counts are a courtesy; the run's own outcome is what matters
        tables, rows = 0, 0
    summary = {"run_id": result.run_id, "success": result.success, "failed_steps": failed_steps,
               "error_checks": error_checks, "warn_checks": warn_checks, "checks": len(evaluations),
               "shared_tables": tables, "shared_rows": rows}
    args.summary.parent.mkdir(parents=True, exist_ok=True)
    args.summary.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
