"""Publish stage: the degraded copy for a regional partnership (``publish/regional_copy``) and the timeliness report
(``publish/timeliness_report``). The marts themselves are published by the dbt step (transform/dbt.py)."""
import dagster as dg

from cs_pipeline.defs.publish.regional import regional_copy
from cs_pipeline.defs.publish.report import timeliness_report

defs = dg.Definitions(assets=[regional_copy, timeliness_report])
