"""Ofsted's Annex A in Dagster: the workbook an inspection asks for on its first day, from the dbt models
``returns/annex_a_list_<n>`` (built for the window of the run's settings: the six months to the as-at date)."""

import dagster as dg

from cs_pipeline.defs.operations import NIGHTLY_FRESHNESS, OWNERS
from cs_pipeline.defs.resources import PipelineSettings
from cs_pipeline.lib.lineage import write_return_lineage
from cs_pipeline.returns.annex_a.spec import annex_a_lists
from cs_pipeline.returns.annex_a.workbook import write_annex_a

LIST_KEYS = [dg.AssetKey(["returns", annex_list.table]) for annex_list in annex_a_lists()]


@dg.asset(
    key=["returns", "annex_a_workbook"],
    deps=LIST_KEYS,
    group_name="returns",
    kinds={"xlsx"},
    owners=OWNERS,
    freshness_policy=NIGHTLY_FRESHNESS,
    description="Ofsted's Annex A workbook (returns/annex_a/<window end>/annex_a.xlsx under CS_PIPELINE_OUTPUT_DIR): "
    "Lists 1-11 with Ofsted's sheet names, headers and coded values, dates as Excel dates, for the six months to the "
    "as-at date (or CS_PIPELINE_ANNEX_A_START / _END).",
)
def annex_a_workbook(context: dg.AssetExecutionContext, pipeline: PipelineSettings) -> dg.MaterializeResult:
    settings = pipeline.settings()
    start, end = settings.annex_a_window
    path, rows = write_annex_a(pipeline.warehouse(), settings.output_dir, end)
    context.log.info(f"Annex A {start} to {end}: " + ", ".join(f"list {n} {count}" for n, count in rows.items()))
    lineage = write_return_lineage(pipeline.warehouse(), [key.path[-1] for key in LIST_KEYS], context.run.run_id, None)
    context.log.info(f"lineage of the Annex A lists: {lineage} (output row, source row) pairs in ops.lineage")
    return dg.MaterializeResult(metadata={
        "window_start": start.isoformat(), "window_end": end.isoformat(), "lineage_rows": lineage,
        "file": dg.MetadataValue.path(str(path)),
        **{f"list_{n}_rows": count for n, count in rows.items()},
    })
