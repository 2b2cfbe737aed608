"""The CIN census in Dagster: the XML message DfE receives, from the dbt models ``returns/cin_*`` of the run's
collection year (unpartitioned, as the SSDA903 assets: see ``cs_pipeline/defs/returns/ssda903.py``)."""

import dagster as dg

from cs_pipeline.defs.operations import NIGHTLY_FRESHNESS, OWNERS
from cs_pipeline.defs.resources import PipelineSettings
from cs_pipeline.defs.returns.keys import return_table_keys
from cs_pipeline.lib.lineage import write_return_lineage
from cs_pipeline.returns.cin.xml_message import RETURN_NAME, model_name, write_census_file

TABLE_KEYS = return_table_keys(RETURN_NAME, model_name)


@dg.asset(
    key=["returns", "cin_census_file"],
    deps=list(TABLE_KEYS.values()),
    group_name="returns",
    kinds={"xml"},
    owners=OWNERS,
    freshness_policy=NIGHTLY_FRESHNESS,
    description="DfE's CIN census XML message for the run's collection year (returns/cin/<year>/cin_census.xml under "
    "CS_PIPELINE_OUTPUT_DIR), in the element order of DfE's schema of that year; the same inputs give the same file.",
)
def cin_census_file(context: dg.AssetExecutionContext, pipeline: PipelineSettings) -> dg.MaterializeResult:
    settings = pipeline.settings()
    year = settings.collection_year
    path, children = write_census_file(pipeline.warehouse(), year, settings.la_code, settings.as_at,
                                       settings.output_dir)
    context.log.info(f"CIN census {year}: {children} children")
    lineage = write_return_lineage(pipeline.warehouse(), [k.path[-1] for k in TABLE_KEYS.values()], context.run.run_id,
                                   str(year))
    context.log.info(f"lineage of the CIN census tables: {lineage} (output row, source row) pairs in ops.lineage")
    return dg.MaterializeResult(metadata={"collection_year": str(year), "children": children, "lineage_rows": lineage,
                                          "file": dg.MetadataValue.path(str(path))})
