"""The regional partnership's degraded copy of the marts and returns, as an asset.

Sharing is opt-in: without ``CS_PIPELINE_SHARED_HASH_KEY`` the asset writes nothing and says so (the demo and a
council that shares nothing run the whole pipeline unchanged). The key is never logged or put in metadata.
"""
import os

import dagster as dg

from cs_pipeline.defs.operations import OWNERS
from cs_pipeline.defs.resources import PipelineSettings
from cs_pipeline.defs.transform.dbt import dbt_models
from cs_pipeline.publish.regional import KEY_VARIABLE, SHARED_SCHEMA, shared_key_from_env, write_regional_copy

SHARED_STAGES = ("marts", "returns")
SHARED_KEYS = sorted((k for k in dbt_models.keys if k.path[0] in SHARED_STAGES), key=lambda k: k.path)


@dg.asset(
    key=["publish", "regional_copy"],
    deps=SHARED_KEYS,
    group_name="publish",
    kinds={"duckdb", "csv"},
    owners=OWNERS,
    description=f"The marts and returns degraded for a regional partnership: child ids as a keyed hash (key from "
    f"{KEY_VARIABLE}), dates of birth to the first of the month, postcodes to the sector, UPNs, NHS numbers and names "
    f"dropped; in {SHARED_SCHEMA}.<schema>__<table> and as CSVs under returns_shared/ in CS_PIPELINE_OUTPUT_DIR, "
    f"with {SHARED_SCHEMA}.copy_manifest (tables, rows, LA code, when written) for a regional hub. "
    "Writes nothing when the key is unset.",
)
def regional_copy(context: dg.AssetExecutionContext, pipeline: PipelineSettings) -> dg.MaterializeResult:
    if not os.environ.get(KEY_VARIABLE):
        context.log.info(f"{KEY_VARIABLE} is not set: no regional copy shared")
        return dg.MaterializeResult(metadata={"shared": False})
    key = shared_key_from_env()
    warehouse = pipeline.warehouse()
    tables = [(k.path[0], k.path[1]) for k in SHARED_KEYS if warehouse.table_exists(k.path[0], k.path[1])]
    settings = pipeline.settings()
    # the manifest's LA code and as-at date let a regional hub tell whose copy it is and what day it measures
    written = write_regional_copy(warehouse, tables, settings.output_dir / "returns_shared", key,
                                  la_code=settings.la_code, as_at=settings.as_at)
    context.log.info(f"regional copy: {len(written)} tables, {sum(written.values())} rows")
    return dg.MaterializeResult(metadata={"shared": True, "tables": len(written), "rows": sum(written.values())})
