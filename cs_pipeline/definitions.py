"""The cs_pipeline code location: every stage's assets and checks, with resources chosen by the environment."""
from __future__ import annotations

import dagster as dg

from cs_pipeline.config import Settings
from cs_pipeline.defs import linkage, quality, sources, transform
from cs_pipeline.defs.resources import PipelineSettings

defs = dg.Definitions.merge(
    sources.defs,
    quality.defs,
    linkage.defs,
    transform.defs,
    dg.Definitions(resources={"pipeline": PipelineSettings.from_settings(Settings.from_env())}),
)
