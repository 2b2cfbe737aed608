"""SSDA903 in Dagster: the upload files, and the job that rebuilds a past year (DfE's rules and their checks are in
``rules.py``, with CIN's).

The return tables are dbt models (``returns/ssda903_<table>``); dbt builds the run's collection year (see
PipelineSettings). Every asset here is unpartitioned, because Dagster's ``asset materialize --select '*'`` refuses a
selection mixing partitioned and unpartitioned assets, and the whole-pipeline command must keep building the
default year. Past years are rebuilt by ``rebuild_ssda903_year``, a job partitioned by collection year: its run
carries the year as the ``cs_pipeline/collection_year`` tag, which every returns step reads.
"""

import dagster as dg

from cs_pipeline.defs.operations import NIGHTLY_FRESHNESS, OWNERS
from cs_pipeline.defs.resources import COLLECTION_YEAR_TAG, PipelineSettings
from cs_pipeline.defs.returns.keys import return_table_keys
from cs_pipeline.defs.returns.rules import dfe_rule_results
from cs_pipeline.lib.lineage import write_return_lineage
from cs_pipeline.returns.ssda903.publish import RETURN_NAME, model_name, write_upload_files

TABLE_KEYS = return_table_keys(RETURN_NAME, model_name)


@dg.asset(
    key=["returns", "ssda903_files"],
    deps=list(TABLE_KEYS.values()),
    group_name="returns",
    kinds={"csv"},
    owners=OWNERS,
    freshness_policy=NIGHTLY_FRESHNESS,
    description="DfE's SSDA903 upload CSVs for the run's collection year (returns/ssda903/<year>/ under "
    "CS_PIPELINE_OUTPUT_DIR): DfE's headers, dates DD/MM/YYYY, UTF-8, stable row order.",
)
def ssda903_files(context: dg.AssetExecutionContext, pipeline: PipelineSettings) -> dg.MaterializeResult:
    settings = pipeline.settings()
    year = settings.collection_year
    written = write_upload_files(pipeline.warehouse(), year, settings.output_dir)
    context.log.info(f"SSDA903 {year}: {sum(written.values())} rows in {len(written)} files")
    lineage = write_return_lineage(pipeline.warehouse(), [k.path[-1] for k in TABLE_KEYS.values()], context.run.run_id,
                                   str(year))
    context.log.info(f"lineage of the SSDA903 tables: {lineage} (output row, source row) pairs in ops.lineage")
    return dg.MaterializeResult(
        metadata={
            "collection_year": str(year),
            "lineage_rows": lineage,
            "folder": dg.MetadataValue.path(str(settings.output_dir / "returns" / RETURN_NAME / str(year))),
            **{f"rows_{name.removesuffix('.csv')}": rows for name, rows in written.items()},
        }
    )


returns_selection = (
    dg.AssetSelection.assets(*TABLE_KEYS.values()) | dg.AssetSelection.assets(ssda903_files, dfe_rule_results)
)

rebuild_ssda903_year = dg.define_asset_job(
    "rebuild_ssda903_year",
    selection=returns_selection,
    description="Rebuild one collection year's SSDA903 (tables, files, DfE's rules): launch it with the tag "
    f"{COLLECTION_YEAR_TAG}=<year> (e.g. 2024-25; without it, the default year); the year's rows replace only "
    "that year's rows.",
)
