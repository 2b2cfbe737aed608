"""Linkage stage: person nodes, deterministic pass, Splink model and scoring, review queue (group ``linkage``)."""
import dagster as dg

from cs_pipeline.defs.linkage.assets import linkage_crosswalk, match_model, retrain_linkage_model
from cs_pipeline.defs.linkage.checks import linkage_checks

defs = dg.Definitions(
    assets=[match_model, linkage_crosswalk],
    asset_checks=linkage_checks,
    jobs=[retrain_linkage_model],
)
