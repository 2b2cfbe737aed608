"""``quality/validation_report``: the offline HTML + XLSX report of every table's validation, for the data officer."""

import dagster as dg

from cs_pipeline.defs.operations import OWNERS
from cs_pipeline.defs.quality.assets import GROUP, SUITES, quarantine_key
from cs_pipeline.defs.resources import PipelineSettings
from cs_pipeline.quality.report import load_results, summarise, write_report


@dg.asset(
    key=dg.AssetKey(["quality", "validation_report"]),
    group_name=GROUP,
    deps=[quarantine_key(t) for t in SUITES],
    kinds={"html", "excel"},
    owners=OWNERS,
    description="Validation report per table and rule (counts, failing record ids, messages): "
    "CS_PIPELINE_OUTPUT_DIR/validation/validation_report.html (offline, inline CSS) and .xlsx.",
)
def validation_report(context: dg.AssetExecutionContext, pipeline: PipelineSettings) -> dg.MaterializeResult:
    settings = pipeline.settings()
    wh = pipeline.warehouse()
    paths = write_report(wh, settings.output_dir / "validation", as_at=settings.as_at, run_id=context.run.run_id)
    rules, findings = load_results(wh)
    summary = summarise(rules, findings) if not rules.empty else None
    metadata = {
        "html_report": dg.MetadataValue.path(str(paths["html"])),
        "xlsx_report": dg.MetadataValue.path(str(paths["xlsx"])),
    }
    if summary is not None:
        metadata["tables_blocked"] = dg.MetadataValue.int(int((summary["status"] == "BLOCKED").sum()))
        metadata["rows_rejected"] = dg.MetadataValue.int(int(summary["rejected_rows"].sum()))
        metadata["rows_kept_with_warnings"] = dg.MetadataValue.int(int(summary["kept_with_warnings"].sum()))
        metadata["summary"] = dg.MetadataValue.md(
            summary[["table", "status", "raw_rows", "rejected_rows", "kept_with_warnings"]].to_markdown(index=False)
            if hasattr(summary, "to_markdown") else ""
        )
    return dg.MaterializeResult(metadata=metadata)
