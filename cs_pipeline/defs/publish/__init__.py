"""Publish stage: the degraded copy for a regional partnership (``publish/regional_copy``), the timeliness report
(``publish/timeliness_report``) and the marts as Parquet (``publish/marts_parquet``). The marts themselves are published by the dbt step (transform/dbt.py)."""
import dagster as dg

from cs_pipeline.defs.publish.exports import marts_parquet
from cs_pipeline.defs.publish.regional import regional_copy
from cs_pipeline.defs.publish.report import timeliness_report

defs = dg.Definitions(assets=[regional_copy, timeliness_report, marts_parquet])
