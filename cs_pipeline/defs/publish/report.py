"""``publish/timeliness_report``: the timeliness report (one offline HTML page) written after the marts and the DfE
rule results, under CS_PIPELINE_OUTPUT_DIR/reports/.

Metadata carries the file's path and counts only (no person ids), so the UI can plot them from run to run.
"""
import os

import dagster as dg

from cs_pipeline.defs.operations import OWNERS
from cs_pipeline.defs.resources import PipelineSettings
from cs_pipeline.defs.returns.rules import RULE_RESULTS_KEY
from cs_pipeline.defs.publish.exports import MART_KEYS
from cs_pipeline.publish.report import TARGETS_ENV, parse_targets, write_report


def report_metadata(path, summary: dict) -> dict[str, dg.MetadataValue]:
    """Counts and rates from the report's summary, one number per key (Dagster plots numeric metadata)."""
    metadata: dict[str, dg.MetadataValue] = {"report": dg.MetadataValue.path(str(path))}
    for code, facts in summary.get("timeliness", {}).items():
        metadata[f"overdue_children_{code}"] = dg.MetadataValue.int(facts["overdue_children"])
        metadata[f"overdue_items_{code}"] = dg.MetadataValue.int(facts["overdue_items"])
        for key, name in (("latest_pct", "on_time_pct_latest_month"), ("pct_12_months", "on_time_pct_12_months")):
            if facts[key] is not None:
                metadata[f"{name}_{code}"] = dg.MetadataValue.float(float(facts[key]))
    overdue = summary.get("overdue", {})
    if overdue:
        metadata["overdue_children"] = dg.MetadataValue.int(overdue["overdue_children"])
        metadata["overdue_items"] = dg.MetadataValue.int(overdue["overdue_items"])
    linkage = summary.get("linkage", {})
    for key in ("health_records", "health_records_linked", "review_queue_pairs"):
        if key in linkage:
            metadata[key] = dg.MetadataValue.int(linkage[key])
    validation = summary.get("validation", {})
    for key in ("rows_extracted", "rows_quarantined", "tables_blocked"):
        if key in validation:
            metadata[key] = dg.MetadataValue.int(validation[key])
    for ret, facts in summary.get("dfe_rules", {}).items():
        metadata[f"dfe_flags_{ret}"] = dg.MetadataValue.int(facts["flags"])
        metadata[f"dfe_rules_flagging_{ret}"] = dg.MetadataValue.int(facts["rules_flagging"])
    metadata["sections_not_built"] = dg.MetadataValue.text(", ".join(summary.get("sections_not_built", [])) or "none")
    return metadata


@dg.asset(
    key=["publish", "timeliness_report"],
    deps=[*MART_KEYS, RULE_RESULTS_KEY],
    group_name="publish",
    kinds={"html"},
    owners=OWNERS,
    description="The timeliness report, one offline HTML page (inline CSS and SVG charts) under "
    "CS_PIPELINE_OUTPUT_DIR/reports/timeliness_<as-at>.html: on-time rate by month per measure against its target "
    f"(national figures where DfE publishes one; a council sets its own in {TARGETS_ENV}, e.g. "
    '{"IHA": 90}), children overdue now per team (person ids and due dates only), linkage quality, validation '
    "counts and DfE rule flags. A section whose table is not built yet says so.",
)
def timeliness_report(context: dg.AssetExecutionContext, pipeline: PipelineSettings) -> dg.MaterializeResult:
    settings = pipeline.settings()
    try:
        targets = parse_targets(os.environ.get(TARGETS_ENV))
    except ValueError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from exc
    path, summary = write_report(pipeline.warehouse(), settings.output_dir, settings.as_at, context.run.run_id,
                                 la_code=settings.la_code, targets=targets)
    missing = summary.get("sections_not_built", [])
    context.log.info(f"timeliness report written: {path}" + (f" (not built yet: {', '.join(missing)})"
                                                             if missing else ""))
    return dg.MaterializeResult(metadata=report_metadata(path, summary))
