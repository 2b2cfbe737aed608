"""``publish/marts_parquet``: the published marts as Parquet files for BI tools that read files."""
import dagster as dg

from cs_pipeline.defs.operations import OWNERS
from cs_pipeline.defs.resources import PipelineSettings
from cs_pipeline.defs.transform.dbt import dbt_models
from cs_pipeline.publish.exports import export_folder, export_marts

MART_KEYS = sorted((k for k in dbt_models.keys if k.path[0] == "marts"), key=lambda k: k.path)


@dg.asset(
    key=["publish", "marts_parquet"],
    deps=MART_KEYS,
    group_name="publish",
    kinds={"parquet"},
    owners=OWNERS,
    description="The published marts as Parquet, one file per mart, under CS_PIPELINE_OUTPUT_DIR/exports/marts/ "
    "(a link switched in one step once every file is written: a reader sees the last complete export or the new "
    "one). For Power BI's folder connector, Tableau or a notebook.",
)
def marts_parquet(context: dg.AssetExecutionContext, pipeline: PipelineSettings) -> dg.MaterializeResult:
    output_dir = pipeline.settings().output_dir
    rows = export_marts(pipeline.warehouse(), output_dir, context.run.run_id[:8])
    context.log.info(f"exported {len(rows)} marts ({sum(rows.values())} rows) to {export_folder(output_dir)}")
    return dg.MaterializeResult(metadata={"folder": dg.MetadataValue.path(str(export_folder(output_dir))),
                                          "tables": len(rows), "rows": sum(rows.values())})
