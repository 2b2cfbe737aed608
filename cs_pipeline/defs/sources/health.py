"""``raw/health_<kind>``: every delivered health CSV of that kind, appended once (history kept).

The parsing and loading rules are in :mod:`cs_pipeline.lib.health_files`. A run started by the health-drop sensor
or the nightly schedule leaves a file changed in the last ``SETTLE_SECONDS`` for a later run (the sensor asks for
one once it has settled), so an upload in progress is never loaded half. Each asset carries an ERROR
check ``files_accepted``: it fails when a file met in this run was rejected (missing column, empty, truncated),
naming the file and the reason. DESIGN.md makes such structural failures ERROR; what loaded before, and the other
files of the run, stay loaded. ``raw.health_file_log`` keeps one row per file seen, with the reason.
"""

import dagster as dg

from cs_pipeline.defs.operations import OWNERS
from cs_pipeline.defs.resources import PipelineSettings
from cs_pipeline.lib.health_files import (
    FILE_LOG_TABLE,
    HEALTH_KINDS,
    RAW_SCHEMA,
    SETTLE_SECONDS,
    ingest_health_folder,
)

GROUP = "sources"
CHECK_NAME = "files_accepted"
# Runs nobody watches start: they wait for a file to settle, as the sensor does. A run launched by hand loads what
# is there (the person launching it knows the delivery is complete).
AUTOMATED_RUN_TAGS = ("dagster/sensor_name", "dagster/schedule_name")


def health_asset_key(kind: str) -> dg.AssetKey:
    return dg.AssetKey([RAW_SCHEMA, HEALTH_KINDS[kind].table])


def build_health_asset(kind: str) -> dg.AssetsDefinition:
    spec = HEALTH_KINDS[kind]
    key = health_asset_key(kind)

    @dg.asset(
        key=key,
        group_name=GROUP,
        kinds={"csv"},
        owners=OWNERS,
        description=(
            f"Every {kind}_YYYYMMDD.csv in CS_PIPELINE_HEALTH_DIR appended to {RAW_SCHEMA}.{spec.table} once "
            f"(keyed by sha256 in {RAW_SCHEMA}.{FILE_LOG_TABLE}); dates normalised to YYYY-MM-DD where the "
            "file's format parses them, else kept as text for validation."
        ),
        check_specs=[
            dg.AssetCheckSpec(
                CHECK_NAME,
                asset=key,
                description="No file met in this run was rejected (missing column, empty or truncated file).",
            )
        ],
        metadata={"warehouse_table": f"{RAW_SCHEMA}.{spec.table}"},
    )
    def _ingest(context: dg.AssetExecutionContext, pipeline: PipelineSettings) -> dg.MaterializeResult:
        settings = pipeline.settings()
        warehouse = pipeline.warehouse()
        if not settings.health_dir.is_dir():
            raise dg.Failure(
                description=f"health folder not found: {settings.health_dir} (CS_PIPELINE_HEALTH_DIR)",
                allow_retries=False,
            )
        automated = any(tag in context.run.tags for tag in AUTOMATED_RUN_TAGS)
        report = ingest_health_folder(warehouse, settings.health_dir, kind, load_id=context.run.run_id,
                                      settle_seconds=SETTLE_SECONDS if automated else 0)
        for f in report.files:
            if f.status == "rejected":
                context.log.error(f"rejected {f.message}")
            elif f.status == "still_arriving":
                context.log.warning(f.message)
            elif f.status in ("loaded", "duplicate"):
                context.log.info(f"{f.status} {f.name}: {f.rows} rows{'; ' + f.message if f.message else ''}")
        total_rows = warehouse.row_count(RAW_SCHEMA, spec.table)
        extra = sorted({c for f in report.files for c in f.extra_columns})
        rejected = report.rejected
        metadata = {
            "files_loaded": dg.MetadataValue.int(report.count("loaded")),
            "files_duplicate": dg.MetadataValue.int(report.count("duplicate")),
            "files_rejected": dg.MetadataValue.int(len(rejected)),
            "files_already_seen": dg.MetadataValue.int(report.count("already_seen")),
            "files_still_arriving": dg.MetadataValue.int(report.count("still_arriving")),
            "files_not_matching_any_kind": dg.MetadataValue.int(report.not_matching),
            "rows_loaded": dg.MetadataValue.int(report.rows_loaded),
            "row_count": dg.MetadataValue.int(total_rows),
            "dagster/row_count": dg.MetadataValue.int(total_rows),
            "date_values_kept_as_text": dg.MetadataValue.int(sum(f.unparsed_dates for f in report.files)),
            "extra_columns_ignored": dg.MetadataValue.json(extra),
            "files": dg.MetadataValue.json(
                [
                    {"name": f.name, "status": f.status, "rows": f.rows, "encoding": f.encoding,
                     "date_format": f.date_format, "message": f.message}
                    for f in report.files
                    if f.status != "already_seen"
                ]
            ),
        }
        check = dg.AssetCheckResult(
            check_name=CHECK_NAME,
            passed=not rejected,
            severity=dg.AssetCheckSeverity.ERROR,
            description="; ".join(f.message for f in rejected) or "every new file loaded",
            metadata={"rejected_files": dg.MetadataValue.json([f.name for f in rejected])},
        )
        return dg.MaterializeResult(metadata=metadata, check_results=[check])

    return _ingest


health_assets = [build_health_asset(kind) for kind in HEALTH_KINDS]
