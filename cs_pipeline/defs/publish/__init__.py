"""Publish stage: the degraded copy for a regional partnership (``publish/regional_copy``)."""
import dagster as dg

from cs_pipeline.defs.publish.regional import regional_copy

defs = dg.Definitions(assets=[regional_copy])
