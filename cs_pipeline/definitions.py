"""The cs_pipeline code location: every stage's assets and checks, with resources chosen by the environment."""
from __future__ import annotations

import dagster as dg

from cs_pipeline.config import Settings
from cs_pipeline.defs import automation, linkage, operations, publish, quality, returns, sources, transform
from cs_pipeline.defs.resources import PipelineSettings


def executor_for(warehouse_url: str) -> dg.ExecutorDefinition:
    """DuckDB allows one writer process, so its runs go step by step in one process; PostgreSQL takes two at once."""
    if warehouse_url.startswith("duckdb"):
        return dg.in_process_executor
    return dg.multiprocess_executor.configured({"max_concurrent": 2})


defs = dg.Definitions.merge(
    sources.defs,
    quality.defs,
    linkage.defs,
    transform.defs,
    returns.defs,
    publish.defs,
    automation.defs,
    operations.defs,
    dg.Definitions(
        resources={"pipeline": PipelineSettings.from_env()},
        executor=executor_for(Settings.from_env().warehouse_url),
    ),
)
